//! P003: a long-running container without a readinessProbe.
use crate::validate::diag::Family;
use crate::validate::{Ctx, Obj, Sink};

use super::{POLICY, Rule, RuleInfo, report_missing_probe};

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
    report_missing_probe(&RULE.info, "readinessProbe", o, out);
}
