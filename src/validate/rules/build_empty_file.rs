//! K001: a resource file that holds no objects (reported by the loader).
use crate::validate::diag::Family;

use super::{REF, Rule, RuleInfo};

pub static RULE: Rule = Rule {
    info: RuleInfo {
        code: "K001",
        name: "empty-resource-file",
        family: Family::Build,
        severity: REF,
        summary: "a file listed in `resources:` holds no objects (empty, only comments or `---`); kustomize accepts it silently, but it is usually a truncated file or a bad merge",
        hint: "restore the file's content or remove it from `resources:`",
        bad: "",
        good: "",
    },
    check: None,
    also: &[],
};
