//! P012: a `stackgen.dev/validate-exception` entry that excepts no finding.
//!
//! Reported by the exception pass after the other rules ran on the object (see
//! `validate::exceptions`), not by a check of its own. A rule that is off in the chosen
//! environment does not make its exceptions unused.
use crate::validate::diag::{Family, Severity};

use super::{Rule, RuleInfo};

pub static RULE: Rule = Rule {
    info: RuleInfo {
        code: "P012",
        name: "exception-unused",
        family: Family::Policy,
        severity: [Severity::Warning, Severity::Error, Severity::Info],
        summary: "a stackgen.dev/validate-exception entry that excepts no finding of its object (stale: it would silently cover the next real one)",
        hint: "remove the entry, or scope it to the container that needs it",
        bad: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  annotations:\n    stackgen.dev/validate-exception: \"P006[web]: pinned later\"\nspec:\n  securityContext:\n    runAsNonRoot: true\n  containers:\n  - name: web\n    image: nginx:1.27\n    securityContext:\n      allowPrivilegeEscalation: false\n",
        good: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  securityContext:\n    runAsNonRoot: true\n  containers:\n  - name: web\n    image: nginx:1.27\n    securityContext:\n      allowPrivilegeEscalation: false\n",
    },
    check: None,
    also: &[],
};
