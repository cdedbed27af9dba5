//! R009: a Service whose selector matches no pod template of the build.
use crate::value::Value;

use crate::validate::diag::Family;
use crate::validate::{Ctx, Obj, Sink};

use super::{REF, Rule, RuleInfo};

pub static RULE: Rule = Rule {
    info: RuleInfo {
        code: "R009",
        name: "service-selects-nothing",
        family: Family::Reference,
        severity: REF,
        summary: "a Service whose selector matches the pod labels of no workload in the build (it gets no endpoints); builds without any workload are not checked",
        hint: "make spec.selector match the workload's spec.template.metadata.labels",
        bad: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  labels: {app.kubernetes.io/name: web}\nspec:\n  containers:\n  - name: web\n    image: nginx:1.27\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web-frontend\nspec:\n  selector: {app.kubernetes.io/name: web-frontend}\n  ports:\n  - port: 80\n",
        good: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  labels: {app.kubernetes.io/name: web}\nspec:\n  containers:\n  - name: web\n    image: nginx:1.27\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web-frontend\nspec:\n  selector: {app.kubernetes.io/name: web}\n  ports:\n  - port: 80\n",
    },
    check: Some(check),
    also: &[],
};

fn check(cx: &Ctx<'_>, o: &Obj<'_>, out: &mut Sink<'_>) {
    if o.kind != "Service" || !o.group.is_empty() || cx.index.pods.is_empty() {
        return;
    }
    if o.get(&["spec", "type"]).and_then(Value::as_str) == Some("ExternalName") {
        return;
    }
    let Some(sel) = o
        .get(&["spec", "selector"])
        .and_then(Value::as_object)
        .filter(|s| !s.is_empty())
    else {
        return;
    };
    if cx.index.pods_matching(o.namespace, sel, None).is_empty() {
        let shown = serde_json::to_string(sel).unwrap_or_default();
        out.report(
            &RULE.info,
            o,
            "spec.selector",
            format!(
                "Service {} selects {shown}, which matches no pod template in the build",
                o.name
            ),
        );
    }
}
