//! P001: a container without cpu and memory requests.
use crate::lookup::Lookup;
use crate::value::Value;

use crate::validate::diag::Family;
use crate::validate::{Ctx, Obj, Sink};

use super::{POLICY, Rule, RuleInfo, obj_containers};

pub static RULE: Rule = Rule {
    info: RuleInfo {
        code: "P001",
        name: "resource-requests-missing",
        family: Family::Policy,
        severity: POLICY,
        summary: "a container without resources.requests for cpu and memory (the scheduler cannot place it sensibly)",
        hint: "set resources.requests.cpu and resources.requests.memory",
        bad: "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        image: registry.example.com/web:1.4.2\n",
        good: "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        image: registry.example.com/web:1.4.2\n        resources:\n          requests: {cpu: 100m, memory: 128Mi}\n",
    },
    check: Some(check),
    also: &[],
};

pub fn missing(c: &Value, section: &str) -> Vec<&'static str> {
    let sec = c
        .field("resources")
        .and_then(|r| r.field(section))
        .and_then(Value::as_object);
    ["cpu", "memory"]
        .into_iter()
        .filter(|k| sec.is_none_or(|m| !m.contains_key(k)))
        .collect()
}

fn check(_cx: &Ctx<'_>, o: &Obj<'_>, out: &mut Sink<'_>) {
    for c in obj_containers(o) {
        if o.kind == "Pod" && c.init {
            continue;
        }
        let m = missing(c.value, "requests");
        if !m.is_empty() {
            out.report(
                &RULE.info,
                o,
                format!("{}.resources.requests", c.path),
                format!("container {:?} has no {} request", c.name, m.join("/")),
            );
        }
    }
}
