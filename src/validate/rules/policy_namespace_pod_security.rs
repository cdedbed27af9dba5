//! P013: a Namespace that does not enforce the `restricted` Pod Security Standard.
use crate::value::Value;

use crate::validate::diag::{Family, Severity};
use crate::validate::{Ctx, Obj, Sink};

use super::{Rule, RuleInfo};

pub const ENFORCE_LABEL: &str = "pod-security.kubernetes.io/enforce";

pub static RULE: Rule = Rule {
    info: RuleInfo {
        code: "P013",
        name: "namespace-pod-security",
        family: Family::Policy,
        // A production guardrail: a note elsewhere (staging usually enforces baseline), off
        // in dev (kind runs privileged namespaces on purpose).
        severity: [Severity::Info, Severity::Error, Severity::Off],
        summary: "a Namespace whose pod-security.kubernetes.io/enforce label is missing or weaker than `restricted`, so the API server admits pods that run privileged, as root or with host access",
        hint: "label the namespace pod-security.kubernetes.io/enforce: restricted (a Stack layer does so in production); keep a weaker level only with a justified stackgen.dev/validate-exception on the Namespace",
        bad: "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: search\n  labels:\n    pod-security.kubernetes.io/enforce: privileged\n",
        good: "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: search\n  labels:\n    pod-security.kubernetes.io/enforce: restricted\n",
    },
    check: Some(check),
    also: &[],
};

fn check(_cx: &Ctx<'_>, o: &Obj<'_>, out: &mut Sink<'_>) {
    if o.kind != "Namespace" || !o.group.is_empty() {
        return;
    }
    let level = o
        .get(&["metadata", "labels", ENFORCE_LABEL])
        .and_then(Value::as_str);
    let field = format!("metadata.labels[{ENFORCE_LABEL:?}]");
    match level {
        Some("restricted") => {}
        Some(l) => out.report(
            &RULE.info,
            o,
            field,
            format!(
                "namespace {} enforces Pod Security level {l:?}: pods that break the restricted profile are admitted",
                o.name
            ),
        ),
        None => out.report(
            &RULE.info,
            o,
            field,
            format!(
                "namespace {} has no {ENFORCE_LABEL} label: the cluster's default level (usually privileged) applies",
                o.name
            ),
        ),
    }
}
