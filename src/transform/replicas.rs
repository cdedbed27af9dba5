//! `replicas` (kustomize's ReplicaCountTransformer).
use crate::hashing::HashMap;

use crate::value::Value;
use serde::Deserialize;

use super::config::fs_gvk;
use super::fieldspec::{self, CreateKind};
use crate::error::{Error, Result};
use crate::resmap::ResMap;
use crate::types::{FieldSpec, Replica};

/// `kind: ReplicaCountTransformer` config.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReplicaCountTransformer {
    #[serde(default)]
    pub replica: Replica,
    #[serde(default, deserialize_with = "super::de_vec")]
    pub field_specs: Vec<FieldSpec>,
}

impl ReplicaCountTransformer {
    pub fn apply(&self, rm: &mut ResMap) -> Result<()> {
        apply_all(std::slice::from_ref(&self.replica), &self.field_specs, rm)
    }
}

/// Applies a kustomization's `replicas` entries in one pass over the objects, with the
/// result of applying them one after another (kustomize runs one transformer per entry):
/// where several entries reach the same field, the last one wins. An entry that matches no
/// object is an error.
pub fn apply_all(entries: &[Replica], field_specs: &[FieldSpec], rm: &mut ResMap) -> Result<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let mut by_name: HashMap<&str, Vec<usize>> = HashMap::default();
    for (i, e) in entries.iter().enumerate() {
        by_name.entry(e.name.as_str()).or_default().push(i);
    }
    let sels: Vec<_> = field_specs.iter().map(fs_gvk).collect();
    let mut found = vec![false; entries.len()];
    for r in rm.iter_mut() {
        let cur_hit = by_name.contains_key(r.name());
        let prev_hit = r
            .prev_ids
            .iter()
            .any(|id| by_name.contains_key(id.name.as_str()));
        if !cur_hit && !prev_hit {
            continue;
        }
        let gvk = r.gvk();
        for (fs, sel) in field_specs.iter().zip(&sels) {
            // The last entry matching any id the object has had (previous or current).
            let mut last: Option<usize> = None;
            let mut consider = |name: &str, ok: bool| {
                if !ok {
                    return;
                }
                for &i in by_name.get(name).map(Vec::as_slice).unwrap_or(&[]) {
                    found[i] = true;
                    last = Some(last.map_or(i, |l: usize| l.max(i)));
                }
            };
            consider(r.name(), gvk.is_selected_by(sel));
            for id in &r.prev_ids {
                consider(&id.name, id.gvk.is_selected_by(sel));
            }
            let Some(i) = last else { continue };
            let count = entries[i].count;
            let shown = r.id();
            fieldspec::apply(&mut r.body, &gvk, fs, CreateKind::Scalar, &mut |v| {
                fieldspec::set_scalar(v, Value::from(count))
            })
            .map_err(|e| e.for_resource(&shown))?;
        }
    }
    if let Some(i) = found.iter().position(|f| !f) {
        let kinds: Vec<String> = sels.iter().map(ToString::to_string).collect();
        return Err(Error::msg(format!(
            "replicas: no object named {:?} of a kind replicas applies to ({})",
            entries[i].name,
            kinds.join(", ")
        ))
        .with_hint("replicas match objects by their original or current name"));
    }
    Ok(())
}
