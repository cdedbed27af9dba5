//! S013: a resource quantity that does not parse (`1 Gi`, `512MB`).
use crate::validate::diag::Family;
use crate::validate::{Obj, Sink};

use super::{API, Rule, RuleInfo};

pub static RULE: Rule = Rule {
    info: RuleInfo {
        code: "S013",
        name: "invalid-quantity",
        family: Family::Schema,
        severity: API,
        summary: "a quantity (resources, storage sizes, emptyDir sizeLimit) that is not a number with an optional suffix (m, k, M, G, Ki, Mi, Gi, ... or an exponent)",
        hint: "write quantities like `500m`, `1.5`, `256Mi`, `10Gi` (no spaces, binary suffixes end in `i`)",
        bad: "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\nspec:\n  accessModes: [ReadWriteOnce]\n  resources:\n    requests:\n      storage: 10GB\n",
        good: "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\nspec:\n  accessModes: [ReadWriteOnce]\n  resources:\n    requests:\n      storage: 10Gi\n",
    },
    check: None,
    also: &[],
};

pub fn report(o: &Obj<'_>, path: String, value: &str, out: &mut Sink<'_>) {
    out.report(
        &RULE.info,
        o,
        path,
        format!("{value:?} is not a valid quantity"),
    )
}
