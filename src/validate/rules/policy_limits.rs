//! P002: a container without cpu and memory limits.
use crate::validate::diag::Family;
use crate::validate::{Ctx, Obj, Sink};

use super::{POLICY, Rule, RuleInfo, obj_containers, policy_requests::missing};

pub static RULE: Rule = Rule {
    info: RuleInfo {
        code: "P002",
        name: "resource-limits-missing",
        family: Family::Policy,
        severity: POLICY,
        summary: "a container without resources.limits for cpu and memory (one container can starve its node)",
        hint: "set resources.limits.cpu and resources.limits.memory",
        bad: "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        image: registry.example.com/web:1.4.2\n        resources:\n          requests: {cpu: 100m, memory: 128Mi}\n",
        good: "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        image: registry.example.com/web:1.4.2\n        resources:\n          requests: {cpu: 100m, memory: 128Mi}\n          limits: {cpu: 500m, memory: 256Mi}\n",
    },
    check: Some(check),
    also: &[],
};

fn check(_cx: &Ctx<'_>, o: &Obj<'_>, out: &mut Sink<'_>) {
    for c in obj_containers(o) {
        let m = missing(c.value, "limits");
        if !m.is_empty() {
            out.report(
                &RULE.info,
                o,
                format!("{}.resources.limits", c.path),
                format!("container {:?} has no {} limits", c.name, m.join("/")),
            );
        }
    }
}
