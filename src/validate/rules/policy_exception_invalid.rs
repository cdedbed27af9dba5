//! P011: a `stackgen.dev/validate-exception` entry that cannot be honoured.
//!
//! Reported by the exception pass after the other rules ran on the object (see
//! `validate::exceptions`), not by a check of its own.
use crate::validate::diag::{Family, Severity};

use super::{Rule, RuleInfo};

pub static RULE: Rule = Rule {
    info: RuleInfo {
        code: "P011",
        name: "exception-invalid",
        family: Family::Policy,
        severity: [Severity::Error, Severity::Error, Severity::Error],
        summary: "a stackgen.dev/validate-exception entry without a justification, with an unknown rule code or one that cannot be excepted (S, K), or naming a container the object does not have",
        hint: "write each entry as `CODE[container]: why the policy does not apply here`, one per line or separated by ';'",
        bad: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  annotations:\n    stackgen.dev/validate-exception: P006\nspec:\n  securityContext:\n    runAsNonRoot: true\n  containers:\n  - name: web\n    image: nginx:latest\n    securityContext:\n      allowPrivilegeEscalation: false\n",
        good: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  annotations:\n    stackgen.dev/validate-exception: \"P006[web]: a throwaway demo pod, rebuilt from latest on purpose\"\nspec:\n  securityContext:\n    runAsNonRoot: true\n  containers:\n  - name: web\n    image: nginx:latest\n    securityContext:\n      allowPrivilegeEscalation: false\n",
    },
    check: None,
    also: &[],
};
