//! The one place where patches call the strategic-merge engine.
use serde_json::{Map, Value};

use crate::resource::Gvk;

/// What a strategic-merge patch did to its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MergeOutcome {
    /// The target was merged in place.
    Merged,
    /// The patch said `$patch: delete`: the object leaves the build.
    Deleted,
}

/// Merges `patch` into `target` (an object of kind `gvk`).
///
/// SHIM: replaced by crate::patch::smp on merge. This stand-in merges mappings recursively,
/// deletes keys whose patch value is null, replaces lists and scalars wholesale, honours
/// `$patch: delete` / `$patch: replace` on mappings and drops other `$` directive keys.
pub fn merge_patch(target: &mut Value, patch: &Value, _gvk: &Gvk) -> Result<MergeOutcome, String> {
    if directive(patch) == Some("delete") {
        return Ok(MergeOutcome::Deleted);
    }
    match (target, patch) {
        (Value::Object(t), Value::Object(p)) => {
            merge_map(t, p);
            Ok(MergeOutcome::Merged)
        }
        (_, _) => Err("a strategic-merge patch must be a mapping".into()),
    }
}

fn directive(v: &Value) -> Option<&str> {
    v.get("$patch").and_then(Value::as_str)
}

fn without_directives(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| !k.starts_with('$'))
                .map(|(k, v)| (k.clone(), without_directives(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(without_directives).collect()),
        other => other.clone(),
    }
}

fn merge_map(t: &mut Map<String, Value>, p: &Map<String, Value>) {
    if p.get("$patch").and_then(Value::as_str) == Some("replace") {
        t.clear();
    }
    for (k, pv) in p {
        if k.starts_with('$') {
            continue;
        }
        if pv.is_null() {
            t.remove(k);
            continue;
        }
        if directive(pv) == Some("delete") {
            t.remove(k);
            continue;
        }
        match (t.get_mut(k), pv) {
            (Some(Value::Object(tm)), Value::Object(pm)) => merge_map(tm, pm),
            _ => {
                t.insert(k.clone(), without_directives(pv));
            }
        }
    }
}
