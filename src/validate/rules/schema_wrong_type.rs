//! S002: a value of the wrong type (`replicas: "3"`, a mapping where a string belongs).
use crate::validate::diag::Family;
use crate::validate::{Obj, Sink};

use super::{API, Rule, RuleInfo};

pub static RULE: Rule = Rule {
    info: RuleInfo {
        code: "S002",
        name: "schema-wrong-type",
        family: Family::Schema,
        severity: API,
        summary: "a value whose type the schema does not allow, e.g. a quoted number where an integer is required",
        hint: "write the value with the type the field requires (unquote numbers and booleans, quote strings)",
        bad: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: limits\ndata:\n  rate-limits:\n    /: 100\n",
        good: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: limits\ndata:\n  rate-limits: |\n    /: 100\n",
    },
    check: None,
    also: &[],
};

pub fn report(o: &Obj<'_>, path: String, expected: &str, found: &str, out: &mut Sink<'_>) {
    let hint = if found.starts_with("string") && expected.starts_with("integer") {
        "remove the quotes: the field takes a number".to_string()
    } else if found == "a mapping" && expected == "string" {
        "use a block scalar (`key: |`) to store structured text as a string".to_string()
    } else {
        RULE.info.hint.to_string()
    };
    out.report_hint(
        &RULE.info,
        o,
        path,
        format!("expected {expected}, found {found}"),
        hint,
    )
}
