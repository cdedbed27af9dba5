//! S004: an integer outside its type's range (int32 fields such as replicas and ports).
use crate::validate::diag::Family;
use crate::validate::{Obj, Sink};

use super::{API, Rule, RuleInfo};

pub static RULE: Rule = Rule {
    info: RuleInfo {
        code: "S004",
        name: "schema-integer-range",
        family: Family::Schema,
        severity: API,
        summary: "an integer too large for its field (int32: -2147483648..2147483647), which kustomize would print as a float",
        hint: "use a value within the field's range",
        bad: "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 99999999999999999999999999999999\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n",
        good: "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n",
    },
    check: None,
    also: &[],
};

pub fn report(o: &Obj<'_>, path: String, value: &str, bits: u8, out: &mut Sink<'_>) {
    let range = if bits == 32 {
        "-2147483648..2147483647"
    } else {
        "-9223372036854775808..9223372036854775807"
    };
    out.report(
        &RULE.info,
        o,
        path,
        format!("{value} is out of the int{bits} range ({range})"),
    )
}
