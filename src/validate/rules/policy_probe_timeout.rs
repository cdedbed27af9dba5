//! P005: a probe whose timeoutSeconds exceeds 5 s.
use crate::lookup::Lookup;
use crate::value::Value;

use crate::validate::diag::Family;
use crate::validate::{Ctx, Obj, Sink};

use super::{POLICY, Rule, RuleInfo, obj_containers};

/// The longest probe timeout the guardrail allows.
pub const MAX_TIMEOUT_SECONDS: f64 = 5.0;

pub static RULE: Rule = Rule {
    info: RuleInfo {
        code: "P005",
        name: "probe-timeout-too-long",
        family: Family::Policy,
        severity: POLICY,
        summary: "a liveness, readiness or startup probe with timeoutSeconds over 5 (slow failure detection; a slow endpoint should be fixed, not waited for)",
        hint: "use timeoutSeconds of at most 5; raise failureThreshold or use a startupProbe for slow starts",
        bad: "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        image: registry.example.com/web:1.4.2\n        readinessProbe:\n          httpGet: {path: /ready, port: 8080}\n          timeoutSeconds: 10\n",
        good: "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        image: registry.example.com/web:1.4.2\n        readinessProbe:\n          httpGet: {path: /ready, port: 8080}\n          timeoutSeconds: 3\n",
    },
    check: Some(check),
    also: &[],
};

fn check(_cx: &Ctx<'_>, o: &Obj<'_>, out: &mut Sink<'_>) {
    for c in obj_containers(o) {
        for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
            let Some(t) = c
                .value
                .field(probe)
                .and_then(|p| p.field("timeoutSeconds"))
                .and_then(Value::as_f64)
            else {
                continue;
            };
            if t > MAX_TIMEOUT_SECONDS {
                out.report(
                    &RULE.info,
                    o,
                    format!("{}.{probe}.timeoutSeconds", c.path),
                    format!("container {:?}: {probe} timeoutSeconds is {t}, more than {MAX_TIMEOUT_SECONDS}", c.name),
                );
            }
        }
    }
}
