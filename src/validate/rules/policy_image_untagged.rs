//! P007: an image without a tag or digest (which means `:latest`).
use crate::lookup::Lookup;
use crate::value::Value;

use crate::validate::diag::Family;
use crate::validate::{Ctx, Obj, Sink};

use super::{POLICY, Rule, RuleInfo, obj_containers, policy_image_latest::parse_image};

pub static RULE: Rule = Rule {
    info: RuleInfo {
        code: "P007",
        name: "image-untagged",
        family: Family::Policy,
        severity: POLICY,
        summary: "a container image without a tag or digest, which pulls :latest",
        hint: "pin a version tag or a digest",
        bad: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: web\n    image: registry.example.com/web\n",
        good: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: web\n    image: registry.example.com/web@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n",
    },
    check: Some(check),
    also: &[],
};

fn check(_cx: &Ctx<'_>, o: &Obj<'_>, out: &mut Sink<'_>) {
    for c in obj_containers(o) {
        let Some(image) = c.value.field("image").and_then(Value::as_str) else {
            continue;
        };
        if image.trim().is_empty() {
            continue;
        }
        let (_, tag, digest) = parse_image(image);
        if tag.is_none() && digest.is_none() {
            out.report(
                &RULE.info,
                o,
                format!("{}.image", c.path),
                format!(
                    "container {:?} runs {image} without a tag (pulls :latest)",
                    c.name
                ),
            );
        }
    }
}
