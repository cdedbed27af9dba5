//! R012: a NetworkPolicy peer whose namespaceSelector matches no Namespace of the build.
use crate::lookup::Lookup;
use crate::value::{Map, Value};

use crate::validate::diag::Family;
use crate::validate::{Ctx, Obj, Sink, index};

use super::{REF, Rule, RuleInfo};

/// The label the API server puts on every Namespace.
const NAME_LABEL: &str = "kubernetes.io/metadata.name";

pub static RULE: Rule = Rule {
    info: RuleInfo {
        code: "R012",
        name: "netpol-namespace-matches-nothing",
        family: Family::Reference,
        severity: REF,
        summary: "a NetworkPolicy ingress/egress peer whose namespaceSelector matches the labels of no Namespace in the build (checked only when the build has Namespaces; selectors on kubernetes.io/metadata.name of namespaces outside the build are taken to mean those)",
        hint: "fix the namespaceSelector or the Namespace labels it is meant to match",
        bad: "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: server-layer\n  labels: {layer: application}\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: allow-from-server-layer\n  namespace: data-layer\nspec:\n  podSelector: {}\n  ingress:\n  - from:\n    - namespaceSelector:\n        matchLabels: {layer: server}\n",
        good: "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: server-layer\n  labels: {layer: server}\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: allow-from-server-layer\n  namespace: data-layer\nspec:\n  podSelector: {}\n  ingress:\n  - from:\n    - namespaceSelector:\n        matchLabels: {layer: server}\n",
    },
    check: Some(check),
    also: &[],
};

fn check(cx: &Ctx<'_>, o: &Obj<'_>, out: &mut Sink<'_>) {
    if o.kind != "NetworkPolicy" || cx.index.namespaces.is_empty() {
        return;
    }
    for (dir, peers) in [("ingress", "from"), ("egress", "to")] {
        let Some(rules) = o.get(&["spec", dir]).and_then(Value::as_array) else {
            continue;
        };
        for (i, r) in rules.iter().enumerate() {
            let Some(ps) = r.field(peers).and_then(Value::as_array) else {
                continue;
            };
            for (j, p) in ps.iter().enumerate() {
                let Some(sel) = p.field("namespaceSelector") else {
                    continue;
                };
                if index::selector_is_empty(sel) {
                    continue;
                }
                let (ml, me) = index::selector_parts(sel);
                if let Some(n) = ml.and_then(|m| m.get(NAME_LABEL)).and_then(Value::as_str) {
                    if !cx.index.namespaces.iter().any(|(name, _)| *name == n) {
                        continue; // a namespace outside the build, named explicitly
                    }
                }
                let matched = cx.index.namespaces.iter().any(|(name, labels)| {
                    let mut l: Map<String, Value> = labels.cloned().unwrap_or_default();
                    l.insert(NAME_LABEL.into(), Value::String(name.to_string()));
                    ml.is_none_or(|m| index::labels_match(Some(&l), m))
                        && index::exprs_match(Some(&l), me)
                });
                if !matched {
                    out.report(
                        &RULE.info,
                        o,
                        format!("spec.{dir}[{i}].{peers}[{j}].namespaceSelector"),
                        format!(
                            "NetworkPolicy {} admits namespaces {}, but no Namespace in the build has those labels",
                            o.name,
                            serde_json::to_string(sel).unwrap_or_default()
                        ),
                    );
                }
            }
        }
    }
}
