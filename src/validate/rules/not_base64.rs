//! S015: a `format: byte` field (Secret `data`, ConfigMap `binaryData`, `caBundle`) that is not base64.
use crate::validate::diag::Family;
use crate::validate::{Obj, Sink};

use super::{API, Rule, RuleInfo};

pub static RULE: Rule = Rule {
    info: RuleInfo {
        code: "S015",
        name: "not-base64",
        family: Family::Schema,
        severity: API,
        summary: "a value that must be base64 (Secret data, ConfigMap binaryData, webhook caBundle) is not: the API server rejects the object",
        hint: "put plain text under `stringData` instead of `data`, or base64-encode the value",
        bad: "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db-credentials\ndata:\n  password: hunter2!!\n",
        good: "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db-credentials\ndata:\n  password: aHVudGVyMiEh\n",
    },
    check: None,
    also: &[],
};

pub fn report(o: &Obj<'_>, path: String, out: &mut Sink<'_>) {
    out.report(
        &RULE.info,
        o,
        path,
        "value is not valid base64 (the API server cannot decode it)".into(),
    )
}
