//! `commonLabels` / `labels` (kustomize's LabelTransformer) and `commonAnnotations`
//! (AnnotationsTransformer): both set string entries in maps found by field specs.
use indexmap::IndexMap;
use serde::Deserialize;

use super::fieldspec::{self, CreateKind};
use crate::error::Result;
use crate::resmap::ResMap;
use crate::types::FieldSpec;

/// `kind: LabelTransformer` config.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelTransformer {
    #[serde(default, deserialize_with = "super::de_str_map")]
    pub labels: IndexMap<String, String>,
    #[serde(default, deserialize_with = "super::de_vec")]
    pub field_specs: Vec<FieldSpec>,
}

/// `kind: AnnotationsTransformer` config.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AnnotationsTransformer {
    #[serde(default, deserialize_with = "super::de_str_map")]
    pub annotations: IndexMap<String, String>,
    #[serde(default, deserialize_with = "super::de_vec")]
    pub field_specs: Vec<FieldSpec>,
}

impl LabelTransformer {
    pub fn apply(&self, rm: &mut ResMap) -> Result<()> {
        set_entries(rm, &self.labels, &self.field_specs)
    }
}

impl AnnotationsTransformer {
    pub fn apply(&self, rm: &mut ResMap) -> Result<()> {
        set_entries(rm, &self.annotations, &self.field_specs)
    }
}

/// Sets every pair (in key order, as kustomize does) at every spec's map.
pub fn set_entries(
    rm: &mut ResMap,
    pairs: &IndexMap<String, String>,
    specs: &[FieldSpec],
) -> Result<()> {
    if pairs.is_empty() {
        return Ok(());
    }
    let mut keys: Vec<(&String, &String)> = pairs.iter().collect();
    keys.sort_by(|a, b| a.0.cmp(b.0));
    // Objects are independent: spread them over the cores.
    crate::par::for_each_mut(rm.as_mut_slice(), crate::par::LIGHT_CHUNK, |r| {
        // The specs for this kind, picked once rather than once per pair (most name other
        // kinds: the default label specs list some forty).
        let mine: Vec<&FieldSpec> = fieldspec::specs_for(specs, r);
        // Pair by pair, as kustomize does: a spec's path may run through another spec's map
        // (`spec/selector` and `spec/selector/matchLabels`), so the order of entries depends
        // on it.
        for (k, v) in &keys {
            for fs in &mine {
                let done = fieldspec::apply_path(
                    &mut r.body,
                    &fs.path,
                    fs.create,
                    CreateKind::Map,
                    &mut |n| fieldspec::set_entry(n, k, v),
                );
                if let Err(e) = done {
                    return Err(e.for_resource(r.id()));
                }
            }
        }
        Ok(())
    })
}
