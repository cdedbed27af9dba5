//! K002: a patch whose `target:` selector matched no object (reported by the patch
//! transformers through `ResMap::notes`; kustomize silently applies nothing).
use crate::validate::diag::Family;

use super::{REF, Rule, RuleInfo};

pub static RULE: Rule = Rule {
    info: RuleInfo {
        code: "K002",
        name: "patch-target-unmatched",
        family: Family::Build,
        severity: REF,
        summary: "a patch with a `target:` selector that matches no object of the build, so it changes nothing",
        hint: "fix the target's kind/name/namespace (names are matched before prefixes and suffixes are added) or remove the patch",
        bad: "",
        good: "",
    },
    check: None,
    also: &[],
};
