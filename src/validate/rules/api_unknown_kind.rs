//! S006: a kind that the built-in API group named by apiVersion does not have.
use crate::validate::diag::Family;
use crate::validate::{Ctx, Obj, Sink, apis, schema};

use super::{API, Rule, RuleInfo};

pub static RULE: Rule = Rule {
    info: RuleInfo {
        code: "S006",
        name: "api-unknown-kind",
        family: Family::Schema,
        severity: API,
        summary: "a kind that the built-in API group of its apiVersion does not define (e.g. PodSecurityPolicy under v1)",
        hint: "fix the kind or the apiVersion",
        bad: "apiVersion: v1\nkind: PodSecurityPolicy\nmetadata:\n  name: restricted\nspec: {}\n",
        good: "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n    pod-security.kubernetes.io/enforce: restricted\n",
    },
    check: Some(check),
    also: &[],
};

fn check(_cx: &Ctx<'_>, o: &Obj<'_>, out: &mut Sink<'_>) {
    if o.kind.is_empty()
        || !schema::is_builtin_group(o.group)
        || o.schema().is_some()
        || apis::removed(o.group, o.version, o.kind).is_some()
        || !schema::served_versions(o.group, o.kind).is_empty()
    {
        return;
    }
    let group = if o.group.is_empty() {
        "core (v1)"
    } else {
        o.group
    };
    let elsewhere = schema::groups_serving(o.kind);
    let hint = if let Some((g, v)) = elsewhere.first() {
        let api = if g.is_empty() {
            v.to_string()
        } else {
            format!("{g}/{v}")
        };
        format!("{} is served as apiVersion: {api}", o.kind)
    } else if let Some(r) = apis::kind_ever_existed(o.kind) {
        format!(
            "{} was served only as {}/{}, removed in Kubernetes 1.{}; use {}",
            o.kind, r.group, r.version, r.removed_in, r.replacement
        )
    } else {
        RULE.info.hint.to_string()
    };
    out.report_hint(
        &RULE.info,
        o,
        "kind",
        format!(
            "API group {group} has no kind {} (apiVersion {})",
            o.kind,
            o.res.api_version()
        ),
        hint,
    );
}
