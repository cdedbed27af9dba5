//! S009: an annotation key that is not a qualified name, or annotations over 256 KiB.
use crate::validate::diag::Family;
use crate::validate::{Ctx, Obj, Sink, names, schema};

use super::{API, Rule, RuleInfo};

/// The API server's limit on all annotations of an object together.
pub const MAX_ANNOTATIONS_BYTES: usize = 256 * 1024;

pub static RULE: Rule = Rule {
    info: RuleInfo {
        code: "S009",
        name: "invalid-annotation",
        family: Family::Schema,
        severity: API,
        summary: "an annotation key that is not a qualified name (`[prefix/]name`), or annotations whose total size exceeds 256 KiB",
        hint: "annotation keys are `[dns-subdomain/]name` with a name of at most 63 characters",
        bad: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n  annotations:\n    \"team owner\": alice\n",
        good: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n  annotations:\n    example.com/team-owner: alice\n",
    },
    check: Some(check),
    also: &[],
};

fn check(_cx: &Ctx<'_>, o: &Obj<'_>, out: &mut Sink<'_>) {
    let Some(m) = o
        .get(&["metadata", "annotations"])
        .and_then(|a| a.as_object())
    else {
        return;
    };
    let mut total = 0;
    for (k, v) in m {
        total += k.len() + v.as_str().map_or(0, str::len);
        if let Some(e) = names::qualified_name(k) {
            out.report(
                &RULE.info,
                o,
                schema::join("metadata.annotations", k),
                format!("invalid annotation key {k:?}: {e}"),
            );
        }
    }
    if total > MAX_ANNOTATIONS_BYTES {
        out.report(
            &RULE.info,
            o,
            "metadata.annotations",
            format!("annotations take {total} bytes; the limit is {MAX_ANNOTATIONS_BYTES}"),
        );
    }
}
