//! P015: an apiVersion that Kubernetes 1.21 (the schema kustomize builds with) still served but
//! the target version no longer serves.
//!
//! Removals older than that are S005 errors everywhere. These newer ones are a policy matter:
//! a tree may legitimately be built for an older cluster (metrics-server ships a
//! `policy/v1beta1` PodDisruptionBudget overlay for clusters before 1.21), so the default and dev
//! profiles warn, and production — where the target is the cluster being deployed to — refuses.
use crate::validate::diag::{Family, Severity};
use crate::validate::{Ctx, Obj, Sink, apis};

use super::api_removed::report_removed;
use super::{Rule, RuleInfo};

pub static RULE: Rule = Rule {
    info: RuleInfo {
        code: "P015",
        name: "api-version-removed-in-target",
        family: Family::Policy,
        severity: [Severity::Warning, Severity::Error, Severity::Warning],
        summary: "an apiVersion served in Kubernetes 1.21 or later (kustomize's schema) that the target version (default 1.33) no longer serves, e.g. policy/v1beta1 PodDisruptionBudget",
        hint: "move the object to the apiVersion the message names, or set --kube-version for an older cluster",
        bad: "apiVersion: policy/v1beta1\nkind: PodDisruptionBudget\nmetadata:\n  name: web\nspec:\n  minAvailable: 1\n  selector:\n    matchLabels: {app: web}\n",
        good: "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: web\nspec:\n  minAvailable: 1\n  selector:\n    matchLabels: {app: web}\n",
    },
    check: Some(check),
    also: &[],
};

fn check(cx: &Ctx<'_>, o: &Obj<'_>, out: &mut Sink<'_>) {
    if o.kind.is_empty() || o.schema().is_some() {
        return;
    }
    if let Some(r) = apis::removed(o.group, o.version, o.kind) {
        if r.known_to_kustomize() {
            report_removed(cx, o, out, r, &RULE.info);
        }
    }
}
