//! Absorbing a generated object into the accumulated resources (kustomize's
//! `appendReplaceOrMerge`): `create` adds it, `merge` and `replace` combine it with the one
//! object of the same id (any of its previous ids counts) that is already there.
use crate::value::{Map, Value};

use crate::error::{Error, Result};
use crate::resmap::ResMap;
use crate::resource::{Behavior, Resource};

/// Parses a generator's `behavior`.
pub fn parse_behavior(s: &str) -> Result<Behavior> {
    match s {
        "" | "create" => Ok(Behavior::Create),
        "merge" => Ok(Behavior::Merge),
        "replace" => Ok(Behavior::Replace),
        other => {
            let mut e = Error::msg(format!(
                "unknown behavior {other:?}: use create (the default), merge or replace"
            ));
            if let Some(s) = crate::error::suggest(other, ["create", "merge", "replace"]) {
                e = e.with_hint(format!("did you mean {s:?}?"));
            }
            Err(e.at_field("behavior"))
        }
    }
}

/// Adds `res` to `rm` according to its behavior.
pub fn absorb(rm: &mut ResMap, res: Resource) -> Result<()> {
    let id = res.id();
    let matches = rm.find_by_any_id(&id);
    match matches.as_slice() {
        [] => match res.behavior {
            Behavior::Create => rm.append(res),
            b => Err(Error::msg(format!(
                "behavior: {} needs an existing {id} to {}, but none was accumulated before this generator",
                behavior_name(b),
                if b == Behavior::Merge { "merge into" } else { "replace" }
            ))
            .for_resource(&id)
            .with_hint(
                "the object must come from `resources` (e.g. a base) or an earlier generator; \
                 use behavior: create (the default) to make a new one",
            )),
        },
        [i] => {
            let i = *i;
            let Some(old) = rm.get(i) else {
                return Err(Error::msg("internal error: resource index out of range"));
            };
            let merged = match res.behavior {
                Behavior::Create => {
                    return Err(Error::msg(format!(
                        "{id} is generated here but already exists (from {}); \
                         a generator may only change it with behavior: merge or behavior: replace",
                        old.origin
                    ))
                    .for_resource(&id)
                    .with_hint("set `behavior: merge` (or `replace`) on this generator, or give it another name"));
                }
                Behavior::Merge => combine(old, res, true),
                Behavior::Replace => combine(old, res, false),
            };
            rm.update(i, |slot| *slot = merged);
            Ok(())
        }
        many => {
            let found: Vec<String> = many
                .iter()
                .filter_map(|&i| rm.get(i))
                .map(|r| format!("{} ({})", r.id(), r.origin))
                .collect();
            Err(Error::msg(format!(
                "behavior: {} of {id} is ambiguous: it could apply to {}",
                behavior_name(res.behavior),
                found.join(", ")
            ))
            .for_resource(&id))
        }
    }
}

fn behavior_name(b: Behavior) -> &'static str {
    match b {
        Behavior::Create => "create",
        Behavior::Merge => "merge",
        Behavior::Replace => "replace",
    }
}

/// kustomize's `CopyMergeMetaDataFieldsFrom` (+ `MergeDataMapFrom`/`MergeBinaryDataMapFrom`
/// for merge): labels and annotations merged (new wins), name and namespace, previous ids
/// and bookkeeping taken from the old object; a hash suffix only if both wanted one.
fn combine(old: &Resource, mut new: Resource, merge_data: bool) -> Resource {
    for key in ["labels", "annotations"] {
        let merged = merge_maps(old.meta_map(key), new.meta_map(key));
        let meta = new.metadata_mut();
        meta.remove(key);
        if !merged.is_empty() {
            meta.insert(key.into(), Value::Object(merged));
        }
    }
    let (name, ns) = (old.name().to_string(), old.namespace().to_string());
    let meta = new.metadata_mut();
    meta.insert("name".into(), Value::String(name));
    if ns.is_empty() {
        meta.remove("namespace");
    } else {
        meta.insert("namespace".into(), Value::String(ns));
    }
    if merge_data {
        for key in ["data", "binaryData"] {
            let merged = merge_maps(
                old.body.get(key).and_then(Value::as_object),
                new.body.get(key).and_then(Value::as_object),
            );
            if let Value::Object(body) = &mut new.body {
                body.remove(key);
                if !merged.is_empty() {
                    body.insert(key.into(), Value::Object(merged));
                }
            }
        }
        new.origin = old.origin.clone();
    }
    new.needs_hash = old.needs_hash && new.needs_hash;
    new.behavior = old.behavior;
    new.prev_ids = old.prev_ids.clone();
    new.ref_var_names = old.ref_var_names.clone();
    new
}

/// `old` then `new` (new wins), values as strings, keys sorted (as kustomize rewrites them).
fn merge_maps(
    old: Option<&Map<String, Value>>,
    new: Option<&Map<String, Value>>,
) -> Map<String, Value> {
    let mut all: std::collections::BTreeMap<String, Value> = Default::default();
    for m in [old, new].into_iter().flatten() {
        for (k, v) in m {
            all.insert(k.clone(), Value::String(scalar_text(v)));
        }
    }
    all.into_iter().collect()
}

/// A scalar's text as kustomize's `GetValue` reads it.
fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        other => serde_json::to_string(other).unwrap_or_default(),
    }
}
