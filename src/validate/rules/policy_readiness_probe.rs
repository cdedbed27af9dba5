//! P003: a long-running container without a readinessProbe.
use crate::validate::diag::Family;
use crate::validate::{Ctx, Obj, Sink};

use super::{POLICY, Rule, RuleInfo, obj_containers};

pub static RULE: Rule = Rule {
    info: RuleInfo {
        code: "P003",
        name: "readiness-probe-missing",
        family: Family::Policy,
        severity: POLICY,
        summary: "a container of a Deployment, StatefulSet or DaemonSet without a readinessProbe",
        hint: "add a readinessProbe (httpGet on a health endpoint, tcpSocket or exec)",
        bad: "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        image: registry.example.com/web:1.4.2\n",
        good: "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        image: registry.example.com/web:1.4.2\n        readinessProbe:\n          httpGet: {path: /health, port: 8080}\n",
    },
    check: Some(check),
    also: &[],
};

fn check(_cx: &Ctx<'_>, o: &Obj<'_>, out: &mut Sink<'_>) {
    if !matches!(o.kind, "Deployment" | "StatefulSet" | "DaemonSet") {
        return;
    }
    for c in obj_containers(o) {
        if c.init {
            continue;
        }
        if c.value.get("readinessProbe").is_none() {
            out.report(
                &RULE.info,
                o,
                format!("{}.readinessProbe", c.path),
                format!("container {:?} has no readinessProbe", c.name),
            );
        }
    }
}
