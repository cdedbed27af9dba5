//! S010: a workload whose selector does not match its own pod template's labels.
use crate::lookup::Lookup;
use crate::value::Value;

use crate::validate::diag::Family;
use crate::validate::{Ctx, Obj, Sink, index};

use super::{API, Rule, RuleInfo, is_builtin};

pub static RULE: Rule = Rule {
    info: RuleInfo {
        code: "S010",
        name: "selector-template-mismatch",
        family: Family::Schema,
        severity: API,
        summary: "spec.selector of a Deployment, ReplicaSet, StatefulSet, DaemonSet or ReplicationController does not match spec.template.metadata.labels (or is empty)",
        hint: "make spec.selector.matchLabels a subset of spec.template.metadata.labels",
        bad: "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels: {app.kubernetes.io/name: web}\n  template:\n    metadata:\n      labels: {app.kubernetes.io/name: webapp}\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n",
        good: "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels: {app.kubernetes.io/name: web}\n  template:\n    metadata:\n      labels: {app.kubernetes.io/name: web}\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n",
    },
    check: Some(check),
    also: &[],
};

fn check(_cx: &Ctx<'_>, o: &Obj<'_>, out: &mut Sink<'_>) {
    if !is_builtin(o) {
        return;
    }
    let labels = || {
        o.get(&["spec", "template", "metadata", "labels"])
            .and_then(Value::as_object)
    };
    match o.kind {
        "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet" => {
            let Some(sel) = o.get(&["spec", "selector"]).filter(|s| s.is_object()) else {
                return; // S003 reports a missing selector
            };
            if o.get(&["spec", "template"]).is_none() {
                return;
            }
            if index::selector_is_empty(sel) {
                out.report(
                    &RULE.info,
                    o,
                    "spec.selector",
                    "empty selector is invalid: it would select every pod".into(),
                );
                return;
            }
            let (ml, me) = index::selector_parts(sel);
            let l = labels();
            let ok = ml.is_none_or(|m| index::labels_match(l, m)) && index::exprs_match(l, me);
            if !ok {
                out.report(
                    &RULE.info,
                    o,
                    "spec.selector",
                    format!(
                        "selector does not match template labels ({} vs {})",
                        show(sel.field("matchLabels")),
                        show(l.map(|m| Value::Object(m.clone())).as_ref())
                    ),
                );
            }
        }
        "ReplicationController" => {
            let Some(sel) = o.get(&["spec", "selector"]).and_then(Value::as_object) else {
                return;
            };
            if sel.is_empty() || o.get(&["spec", "template"]).is_none() {
                return;
            }
            if !index::labels_match(labels(), sel) {
                out.report(
                    &RULE.info,
                    o,
                    "spec.selector",
                    "selector does not match template labels".into(),
                );
            }
        }
        _ => {}
    }
}

fn show(v: Option<&Value>) -> String {
    match v {
        Some(v) => serde_json::to_string(v).unwrap_or_default(),
        None => "{}".into(),
    }
}
