//! S008: a label key or value the API server refuses (syntax, 63-character limits).
use crate::lookup::Lookup;
use crate::value::Value;

use crate::validate::diag::Family;
use crate::validate::{Ctx, Obj, Sink, index, names, schema};

use super::{API, Rule, RuleInfo, is_builtin};

pub static RULE: Rule = Rule {
    info: RuleInfo {
        code: "S008",
        name: "invalid-label",
        family: Family::Schema,
        severity: API,
        summary: "a label key that is not a qualified name, or a label value longer than 63 characters or with characters other than alphanumerics, '-', '_' and '.'",
        hint: "label values are at most 63 characters [A-Za-z0-9_.-], starting and ending alphanumeric; put longer text in an annotation",
        bad: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n  labels:\n    team.example.com/cost-center: engineering-platform-shared-services-cost-center-0042-frontend-web\n",
        good: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\n  labels:\n    team.example.com/cost-center: cc-0042\n",
    },
    check: Some(check),
    also: &[],
};

fn check(_cx: &Ctx<'_>, o: &Obj<'_>, out: &mut Sink<'_>) {
    if !is_builtin(o) {
        if let Some(l) = o.get(&["metadata", "labels"]) {
            labels(o, l, "metadata.labels", out);
        }
        return;
    }
    if let Some(l) = o.get(&["metadata", "labels"]) {
        labels(o, l, "metadata.labels", out);
    }
    if let Some(tp) = index::template_path(o.kind) {
        if !tp.is_empty() {
            if let Some(l) = o
                .get(tp)
                .and_then(|t| t.field("metadata"))
                .and_then(|m| m.field("labels"))
            {
                let p = format!("{}.metadata.labels", tp.join("."));
                labels(o, l, &p, out);
            }
        }
    }
    if let Some(ml) = o.get(&["spec", "selector", "matchLabels"]) {
        labels(o, ml, "spec.selector.matchLabels", out);
    }
}

fn labels(o: &Obj<'_>, l: &Value, base: &str, out: &mut Sink<'_>) {
    let Some(m) = l.as_object() else { return };
    for (k, v) in m {
        // the field path is built only for a finding: labels are on every object
        if let Some(e) = names::qualified_name(k) {
            out.report(
                &RULE.info,
                o,
                schema::join(base, k),
                format!("invalid label key {k:?}: {e}"),
            );
        }
        if let Some(s) = v.as_str()
            && let Some(e) = names::label_value(s)
        {
            out.report(
                &RULE.info,
                o,
                schema::join(base, k),
                format!("invalid value for label {k:?}: {e}"),
            );
        }
    }
}
