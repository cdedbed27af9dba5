//! S014: a container without an image (the OpenAPI schema allows it; the API server does not).
use crate::lookup::Lookup;
use crate::validate::diag::Family;
use crate::validate::{Ctx, Obj, Sink};

use super::{API, Rule, RuleInfo, is_builtin, obj_containers};

pub static RULE: Rule = Rule {
    info: RuleInfo {
        code: "S014",
        name: "container-image-missing",
        family: Family::Schema,
        severity: API,
        summary: "a container or init container without `image` (required by the API server although the OpenAPI schema marks it optional)",
        hint: "set the container's image (kustomize `images:` only rewrites images that are already set)",
        bad: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: worker\nspec:\n  containers:\n  - name: worker\n",
        good: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: worker\nspec:\n  containers:\n  - name: worker\n    image: registry.example.com/worker:1.0.0\n",
    },
    check: Some(check),
    also: &[],
};

fn check(_cx: &Ctx<'_>, o: &Obj<'_>, out: &mut Sink<'_>) {
    if !is_builtin(o) {
        return;
    }
    for c in obj_containers(o) {
        let empty = match c.value.field("image") {
            None | Some(crate::value::Value::Null) => true,
            Some(v) => v.as_str().is_some_and(|s| s.trim().is_empty()),
        };
        if empty {
            out.report(
                &RULE.info,
                o,
                format!("{}.image", c.path),
                format!("container {:?} has no image", c.name),
            );
        }
    }
}
