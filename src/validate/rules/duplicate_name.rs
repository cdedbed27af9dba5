//! S017: duplicate names where the API server wants unique ones (containers, volumes,
//! ports), or unnamed ports where a Service has several.
use crate::hashing::HashSet;
use crate::lookup::Lookup;

use crate::value::Value;

use crate::validate::diag::Family;
use crate::validate::{Ctx, Obj, Sink};

use super::{API, Rule, RuleInfo, containers, is_builtin, pod_spec};

pub static RULE: Rule = Rule {
    info: RuleInfo {
        code: "S017",
        name: "duplicate-name",
        family: Family::Schema,
        severity: API,
        summary: "two containers, volumes, container ports or Service ports with the same name, or a Service with several ports of which one has no name",
        hint: "give each entry its own name",
        bad: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: web\n    image: nginx:1.27\n  - name: web\n    image: envoy:1.30\n",
        good: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: web\n    image: nginx:1.27\n  - name: proxy\n    image: envoy:1.30\n",
    },
    check: Some(check),
    also: &[],
};

fn check(_cx: &Ctx<'_>, o: &Obj<'_>, out: &mut Sink<'_>) {
    if !is_builtin(o) {
        return;
    }
    if let Some((spec, base)) = pod_spec(o) {
        let mut seen = HashSet::default();
        for c in containers(spec, base) {
            if !c.name.is_empty() && !seen.insert(c.name) {
                out.report(
                    &RULE.info,
                    o,
                    format!("{}.name", c.path),
                    format!("duplicate container name {:?}", c.name),
                );
            }
            let mut ports = HashSet::default();
            if let Some(ps) = c.value.field("ports").and_then(Value::as_array) {
                for (i, p) in ps.iter().enumerate() {
                    if let Some(n) = p.field("name").and_then(Value::as_str) {
                        if !ports.insert(n) {
                            out.report(
                                &RULE.info,
                                o,
                                format!("{}.ports[{i}].name", c.path),
                                format!("duplicate port name {n:?}"),
                            );
                        }
                    }
                }
            }
        }
        let mut vols = HashSet::default();
        if let Some(vs) = spec.field("volumes").and_then(Value::as_array) {
            for (i, v) in vs.iter().enumerate() {
                if let Some(n) = v.field("name").and_then(Value::as_str) {
                    if !vols.insert(n) {
                        out.report(
                            &RULE.info,
                            o,
                            format!("{base}.volumes[{i}].name"),
                            format!("duplicate volume name {n:?}"),
                        );
                    }
                }
            }
        }
    }
    if o.kind == "Service" {
        let Some(ps) = o.get(&["spec", "ports"]).and_then(Value::as_array) else {
            return;
        };
        let mut names = HashSet::default();
        for (i, p) in ps.iter().enumerate() {
            match p
                .field("name")
                .and_then(Value::as_str)
                .filter(|n| !n.is_empty())
            {
                Some(n) => {
                    if !names.insert(n) {
                        out.report(
                            &RULE.info,
                            o,
                            format!("spec.ports[{i}].name"),
                            format!("duplicate port name {n:?}"),
                        );
                    }
                }
                None if ps.len() > 1 => out.report(
                    &RULE.info,
                    o,
                    format!("spec.ports[{i}].name"),
                    "a Service with several ports needs a name on each".into(),
                ),
                None => {}
            }
        }
    }
}
