//! S001: a field the Kubernetes 1.33 schema does not define.
//!
//! This file also drives the shared schema walk (S001–S004, S013, S015): built-in kinds
//! against the 1.33 table, custom resources against the `openAPIV3Schema` of a CRD in the
//! same build; anything else is counted as skipped and said once.
use crate::validate::diag::Family;
use crate::validate::schema::{self, Finding};
use crate::validate::{Ctx, Obj, Sink};

use super::{API, Rule, RuleInfo};

pub static RULE: Rule = Rule {
    info: RuleInfo {
        code: "S001",
        name: "schema-unknown-field",
        family: Family::Schema,
        severity: API,
        summary: "a field the schema of the kind does not define (strict decoding rejects it; a lax tool silently drops it)",
        hint: "remove the field or fix its spelling (`kubectl explain KIND.FIELD` lists the valid fields)",
        bad: "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replica: 3\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n",
        good: "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 3\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n",
    },
    check: Some(check),
    also: &["S002", "S003", "S004", "S013", "S015"],
};

fn check(cx: &Ctx<'_>, o: &Obj<'_>, out: &mut Sink<'_>) {
    let mut findings = Vec::new();
    if let Some(st) = o.schema() {
        schema::walk_object(o.body(), st, &mut |f| findings.push(f));
    } else if let Some(crd) = cx.crds.lookup(o.group, o.version, o.kind) {
        crd.check(o.body(), &mut |f| findings.push(f), &mut |path, msg| {
            out.report(&super::crd_constraint::RULE.info, o, path, msg)
        });
    } else if !schema::is_builtin_group(o.group) {
        out.skip(o);
        return;
    } else {
        return;
    }
    for f in findings {
        dispatch(o, f, out);
    }
}

fn dispatch(o: &Obj<'_>, f: Finding, out: &mut Sink<'_>) {
    match f {
        Finding::UnknownField {
            path,
            key,
            suggestion,
        } => {
            let field = schema::join(&path, &key);
            let hint = match suggestion {
                Some(s) => format!("did you mean {s:?}? (field {})", schema::join(&path, s)),
                None => RULE.info.hint.to_string(),
            };
            out.report_hint(
                &RULE.info,
                o,
                field,
                format!("unknown field {key:?} in {} {}", o.kind, where_(&path)),
                hint,
            )
        }
        Finding::WrongType {
            path,
            expected,
            found,
        } => super::schema_wrong_type::report(o, path, expected, &found, out),
        Finding::Missing { path, field } => super::schema_required::report(o, &path, field, out),
        Finding::OutOfRange { path, value, bits } => {
            super::schema_integer_range::report(o, path, &value, bits, out)
        }
        Finding::NotBase64 { path } => super::not_base64::report(o, path, out),
        Finding::BadQuantity { path, value } => {
            super::quantity_invalid::report(o, path, &value, out)
        }
    }
}

fn where_(path: &str) -> String {
    if path.is_empty() {
        "(top level)".into()
    } else {
        format!("at {path}")
    }
}
