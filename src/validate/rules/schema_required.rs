//! S003: a field the schema requires is missing.
use crate::validate::diag::Family;
use crate::validate::schema;
use crate::validate::{Obj, Sink};

use super::{API, Rule, RuleInfo};

pub static RULE: Rule = Rule {
    info: RuleInfo {
        code: "S003",
        name: "schema-required-field",
        family: Family::Schema,
        severity: API,
        summary: "a field the schema marks as required is missing",
        hint: "add the field",
        bad: "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n",
        good: "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n",
    },
    check: None,
    also: &[],
};

pub fn report(o: &Obj<'_>, path: &str, field: &str, out: &mut Sink<'_>) {
    out.report(
        &RULE.info,
        o,
        schema::join(path, field),
        format!("required field {field:?} is missing"),
    )
}
