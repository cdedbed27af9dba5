//! S020: a container requesting more of a resource than its limit.
use crate::lookup::Lookup;
use crate::value::Value;

use crate::validate::diag::Family;
use crate::validate::{Ctx, Obj, Sink, quantity, schema};

use super::{API, Rule, RuleInfo, is_builtin, obj_containers};

pub static RULE: Rule = Rule {
    info: RuleInfo {
        code: "S020",
        name: "requests-exceed-limits",
        family: Family::Schema,
        severity: API,
        summary: "a container whose resources.requests of some resource is greater than its resources.limits",
        hint: "raise the limit or lower the request (a request must be less than or equal to the limit)",
        bad: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: web\n    image: nginx:1.27\n    resources:\n      requests: {memory: 1Gi}\n      limits: {memory: 512Mi}\n",
        good: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: web\n    image: nginx:1.27\n    resources:\n      requests: {memory: 256Mi}\n      limits: {memory: 512Mi}\n",
    },
    check: Some(check),
    also: &[],
};

fn check(_cx: &Ctx<'_>, o: &Obj<'_>, out: &mut Sink<'_>) {
    if !is_builtin(o) {
        return;
    }
    for c in obj_containers(o) {
        let Some(res) = c.value.field("resources") else {
            continue;
        };
        let (Some(req), Some(lim)) = (
            res.field("requests").and_then(Value::as_object),
            res.field("limits").and_then(Value::as_object),
        ) else {
            continue;
        };
        for (k, rv) in req {
            let Some(lv) = lim.field(k) else { continue };
            if let (Some(r), Some(l)) = (quantity::value(rv), quantity::value(lv)) {
                if r > l * (1.0 + 1e-12) {
                    out.report(
                        &RULE.info,
                        o,
                        schema::join(&format!("{}.resources.requests", c.path), k),
                        format!(
                            "{k} request {} must be less than or equal to the limit {}",
                            show(rv),
                            show(lv)
                        ),
                    );
                }
            }
        }
    }
}

fn show(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
