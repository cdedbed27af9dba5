//! R013: a key referenced from a ConfigMap or Secret that it does not hold.
use crate::lookup::Lookup;
use crate::value::Value;

use crate::validate::diag::Family;
use crate::validate::{Ctx, Obj, Sink};

use super::{REF, Rule, RuleInfo};

pub static RULE: Rule = Rule {
    info: RuleInfo {
        code: "R013",
        name: "key-missing",
        family: Family::Reference,
        severity: REF,
        summary: "configMapKeyRef/secretKeyRef or a volume's items[].key names a key the ConfigMap/Secret of the build does not hold",
        hint: "fix the key or add it to the ConfigMap/Secret (or its generator)",
        bad: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  LOG_LEVEL: info\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: web\n    image: nginx:1.27\n    env:\n    - name: LOG_LEVEL\n      valueFrom:\n        configMapKeyRef: {name: web, key: log-level}\n",
        good: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: web\ndata:\n  LOG_LEVEL: info\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: web\n    image: nginx:1.27\n    env:\n    - name: LOG_LEVEL\n      valueFrom:\n        configMapKeyRef: {name: web, key: LOG_LEVEL}\n",
    },
    check: Some(check),
    also: &[],
};

fn check(cx: &Ctx<'_>, o: &Obj<'_>, out: &mut Sink<'_>) {
    for r in o.refs() {
        let Some((key, field)) = &r.key else { continue };
        if r.optional || !(r.kind == "ConfigMap" || r.kind == "Secret") {
            continue;
        }
        let ns = r.namespace.unwrap_or(o.namespace);
        let mut targets = cx.index.find(cx.objs, r.kind, ns, r.name).peekable();
        if targets.peek().is_none() {
            continue; // R001/R002
        }
        let maps: &[&str] = if r.kind == "ConfigMap" {
            &["data", "binaryData"]
        } else {
            &["data", "stringData"]
        };
        let mut any_data = false;
        let mut has = false;
        for i in targets {
            for m in maps {
                if let Some(d) = cx.objs[i].body.field(m).and_then(Value::as_object) {
                    any_data |= !d.is_empty();
                    has |= d.contains_key(key);
                }
            }
        }
        if any_data && !has {
            out.report(
                &RULE.info,
                o,
                field.clone(),
                format!("{} {} has no key {key:?}", r.kind, r.name),
            );
        }
    }
}
