//! R007: a HorizontalPodAutoscaler whose scaleTargetRef names a workload not in the build.
use crate::validate::diag::Family;
use crate::validate::{Ctx, Obj, Sink};

use super::{REF, Rule, RuleInfo};

pub static RULE: Rule = Rule {
    info: RuleInfo {
        code: "R007",
        name: "scale-target-missing",
        family: Family::Reference,
        severity: REF,
        summary: "a HorizontalPodAutoscaler scaleTargetRef names a Deployment, StatefulSet or other workload that is not in the build",
        hint: "fix scaleTargetRef (kind and name) or add the workload",
        bad: "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n  minReplicas: 1\n  maxReplicas: 3\n",
        good: "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}\n  minReplicas: 1\n  maxReplicas: 3\n",
    },
    check: Some(check),
    also: &[],
};

fn check(cx: &Ctx<'_>, o: &Obj<'_>, out: &mut Sink<'_>) {
    if o.kind != "HorizontalPodAutoscaler" {
        return;
    }
    for r in o.refs() {
        if r.via == "scaleTargetRef" && !cx.index.exists(cx.objs, r.kind, o.namespace, r.name) {
            out.report(
                &RULE.info,
                o,
                r.field.clone(),
                format!(
                    "scaleTargetRef names {} {}, which is not in the build",
                    r.kind, r.name
                ),
            );
        }
    }
}
