//! P006: an image with the mutable tag `:latest`.
use crate::lookup::Lookup;
use crate::value::Value;

use crate::validate::diag::Family;
use crate::validate::{Ctx, Obj, Sink};

use super::{POLICY, Rule, RuleInfo, obj_containers};

pub static RULE: Rule = Rule {
    info: RuleInfo {
        code: "P006",
        name: "image-tag-latest",
        family: Family::Policy,
        severity: POLICY,
        summary: "a container image tagged :latest: what runs depends on when the node pulled it",
        hint: "pin a version tag or a digest (kustomize `images:` can set it per overlay)",
        bad: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: web\n    image: registry.example.com/web:latest\n",
        good: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: web\n    image: registry.example.com/web:1.4.2\n",
    },
    check: Some(check),
    also: &[],
};

/// Splits an image reference into (repository, tag, digest).
pub fn parse_image(image: &str) -> (&str, Option<&str>, Option<&str>) {
    let (rest, digest) = match image.split_once('@') {
        Some((r, d)) => (r, Some(d)),
        None => (image, None),
    };
    let last = rest.rfind('/').map_or(0, |i| i + 1);
    match rest[last..].rfind(':') {
        Some(i) => (&rest[..last + i], Some(&rest[last + i + 1..]), digest),
        None => (rest, None, digest),
    }
}

fn check(_cx: &Ctx<'_>, o: &Obj<'_>, out: &mut Sink<'_>) {
    for c in obj_containers(o) {
        let Some(image) = c.value.field("image").and_then(Value::as_str) else {
            continue;
        };
        let (_, tag, digest) = parse_image(image);
        if tag == Some("latest") && digest.is_none() {
            out.report(
                &RULE.info,
                o,
                format!("{}.image", c.path),
                format!(
                    "container {:?} runs {image}: the :latest tag is mutable",
                    c.name
                ),
            );
        }
    }
}
