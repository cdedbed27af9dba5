//! R011: a NetworkPolicy whose podSelector selects no pod of the build in its namespace.
use crate::validate::diag::Family;
use crate::validate::{Ctx, Obj, Sink, index};

use super::{REF, Rule, RuleInfo};

pub static RULE: Rule = Rule {
    info: RuleInfo {
        code: "R011",
        name: "netpol-selects-nothing",
        family: Family::Reference,
        severity: REF,
        summary: "a NetworkPolicy whose (non-empty) spec.podSelector matches no pod template of the build in its namespace: it protects nothing",
        hint: "make spec.podSelector match the labels of the pods it is meant for",
        bad: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: api\n  labels: {app: api}\nspec:\n  containers:\n  - name: api\n    image: nginx:1.27\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: api\nspec:\n  podSelector:\n    matchLabels: {app: backend}\n  policyTypes: [Ingress]\n",
        good: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: api\n  labels: {app: api}\nspec:\n  containers:\n  - name: api\n    image: nginx:1.27\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: api\nspec:\n  podSelector:\n    matchLabels: {app: api}\n  policyTypes: [Ingress]\n",
    },
    check: Some(check),
    also: &[],
};

fn check(cx: &Ctx<'_>, o: &Obj<'_>, out: &mut Sink<'_>) {
    if o.kind != "NetworkPolicy" || cx.index.pods.is_empty() {
        return;
    }
    let Some(sel) = o.get(&["spec", "podSelector"]) else {
        return;
    };
    if index::selector_is_empty(sel) {
        return;
    }
    let (ml, me) = index::selector_parts(sel);
    let empty = crate::value::Map::new();
    if cx
        .index
        .pods_matching(o.namespace, ml.unwrap_or(&empty), me)
        .is_empty()
    {
        out.report(
            &RULE.info,
            o,
            "spec.podSelector",
            format!(
                "NetworkPolicy {} selects {}, which matches no pod template in the build",
                o.name,
                serde_json::to_string(sel).unwrap_or_default()
            ),
        );
    }
}
