//! S016: a ConfigMap or Secret key the API server refuses, or a key in both data maps.
use crate::value::Value;

use crate::validate::diag::Family;
use crate::validate::{Ctx, Obj, Sink, names, schema};

use super::{API, Rule, RuleInfo, is_builtin};

pub static RULE: Rule = Rule {
    info: RuleInfo {
        code: "S016",
        name: "invalid-data-key",
        family: Family::Schema,
        severity: API,
        summary: "a ConfigMap/Secret key with characters other than alphanumerics, '-', '_' and '.', or a key present in both data and binaryData (stringData)",
        hint: "keys are file names: use [A-Za-z0-9._-] only, and each key once",
        bad: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  nginx/conf: x\n",
        good: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  nginx.conf: x\n",
    },
    check: Some(check),
    also: &[],
};

fn check(_cx: &Ctx<'_>, o: &Obj<'_>, out: &mut Sink<'_>) {
    if !is_builtin(o) {
        return;
    }
    let (a, b) = match o.kind {
        "ConfigMap" => ("data", "binaryData"),
        "Secret" => ("data", "stringData"),
        _ => return,
    };
    let ma = o.get(&[a]).and_then(Value::as_object);
    let mb = o.get(&[b]).and_then(Value::as_object);
    for (field, m) in [(a, ma), (b, mb)] {
        let Some(m) = m else { continue };
        for k in m.keys() {
            if let Some(e) = names::config_map_key(k) {
                out.report(
                    &RULE.info,
                    o,
                    schema::join(field, k),
                    format!("invalid key {k:?}: {e}"),
                );
            }
        }
    }
    if o.kind == "ConfigMap" {
        if let (Some(ma), Some(mb)) = (ma, mb) {
            for k in ma.keys().filter(|k| mb.contains_key(k)) {
                out.report(
                    &RULE.info,
                    o,
                    schema::join("binaryData", k),
                    format!("key {k:?} is in both data and binaryData"),
                );
            }
        }
    }
}
