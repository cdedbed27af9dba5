//! S018: a volumeMount naming a volume the pod does not have.
use crate::hashing::HashSet;
use crate::lookup::Lookup;

use crate::value::Value;

use crate::validate::diag::Family;
use crate::validate::{Ctx, Obj, Sink};

use super::{API, Rule, RuleInfo, containers, is_builtin, pod_spec};

pub static RULE: Rule = Rule {
    info: RuleInfo {
        code: "S018",
        name: "volume-mount-unknown",
        family: Family::Schema,
        severity: API,
        summary: "a volumeMount (or volumeDevice) names a volume that is neither in spec.volumes nor, for a StatefulSet, in volumeClaimTemplates",
        hint: "add the volume to the pod spec, or fix the mount's name",
        bad: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: web\n    image: nginx:1.27\n    volumeMounts:\n    - name: cache\n      mountPath: /cache\n",
        good: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  volumes:\n  - name: cache\n    emptyDir: {}\n  containers:\n  - name: web\n    image: nginx:1.27\n    volumeMounts:\n    - name: cache\n      mountPath: /cache\n",
    },
    check: Some(check),
    also: &[],
};

fn check(_cx: &Ctx<'_>, o: &Obj<'_>, out: &mut Sink<'_>) {
    if !is_builtin(o) {
        return;
    }
    let Some((spec, base)) = pod_spec(o) else {
        return;
    };
    let mut vols: HashSet<&str> = spec
        .field("volumes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|v| v.field("name").and_then(Value::as_str))
        .collect();
    if o.kind == "StatefulSet" {
        if let Some(t) = o
            .get(&["spec", "volumeClaimTemplates"])
            .and_then(Value::as_array)
        {
            vols.extend(
                t.iter()
                    .filter_map(|v| v.field("metadata")?.field("name")?.as_str()),
            );
        }
    }
    for c in containers(spec, base) {
        for list in ["volumeMounts", "volumeDevices"] {
            let Some(ms) = c.value.field(list).and_then(Value::as_array) else {
                continue;
            };
            for (i, m) in ms.iter().enumerate() {
                let Some(n) = m.field("name").and_then(Value::as_str) else {
                    continue;
                };
                if !vols.contains(n) {
                    out.report(
                        &RULE.info,
                        o,
                        format!("{}.{list}[{i}].name", c.path),
                        format!(
                            "container {:?} mounts volume {n:?}, which the pod does not define",
                            c.name
                        ),
                    );
                }
            }
        }
    }
}
