//! S005: an apiVersion the target Kubernetes version no longer serves for the kind.
use crate::validate::diag::Family;
use crate::validate::{Ctx, Obj, Sink, apis, schema};

use super::{API, Rule, RuleInfo};

pub static RULE: Rule = Rule {
    info: RuleInfo {
        code: "S005",
        name: "api-version-removed",
        family: Family::Schema,
        severity: API,
        summary: "an apiVersion that the target Kubernetes version (default 1.33) does not serve for the kind: never existed, or removed before 1.22 (newer removals are P015)",
        hint: "move the object to the apiVersion the message names",
        bad: "apiVersion: extensions/v1beta1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n",
        good: "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n",
    },
    check: Some(check),
    also: &[],
};

fn check(cx: &Ctx<'_>, o: &Obj<'_>, out: &mut Sink<'_>) {
    if o.kind.is_empty() || o.schema().is_some() {
        return;
    }
    let api = o.res.api_version();
    if let Some(r) = apis::removed(o.group, o.version, o.kind) {
        // APIs still served by Kubernetes 1.21 (kustomize's schema) are P015's.
        if !r.known_to_kustomize() {
            report_removed(cx, o, out, r, &RULE.info);
        }
        return;
    }
    if !schema::is_builtin_group(o.group) {
        return;
    }
    let served = schema::served_versions(o.group, o.kind);
    if !served.is_empty() {
        let list: Vec<String> = served
            .iter()
            .map(|v| {
                if o.group.is_empty() {
                    v.to_string()
                } else {
                    format!("{}/{v}", o.group)
                }
            })
            .collect();
        out.report_hint(
            &RULE.info,
            o,
            "apiVersion",
            format!(
                "Kubernetes {} does not serve {} as {api}",
                schema::SCHEMA_VERSION,
                o.kind
            ),
            format!("use apiVersion: {}", list.join(" or ")),
        );
    }
}

/// Reports `r`'s removal under `rule` when the target no longer serves it; otherwise notes that
/// the object was not checked against a schema.
pub(super) fn report_removed(
    cx: &Ctx<'_>,
    o: &Obj<'_>,
    out: &mut Sink<'_>,
    r: &apis::Removed,
    rule: &'static RuleInfo,
) {
    if cx.kube_version.minor < r.removed_in {
        out.skip(o);
        return;
    }
    let no_api = r.replacement.contains(' ');
    let instead = if no_api {
        r.replacement.to_string()
    } else {
        format!("apiVersion: {}", r.replacement)
    };
    out.report_hint(
        rule,
        o,
        "apiVersion",
        format!(
            "apiVersion {} of {} was removed in Kubernetes 1.{}; the target {} serves {}",
            o.res.api_version(),
            o.kind,
            r.removed_in,
            cx.kube_version,
            if no_api {
                "no replacement"
            } else {
                r.replacement
            }
        ),
        format!("use {instead}"),
    );
}
