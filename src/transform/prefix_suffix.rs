//! `namePrefix` / `nameSuffix` (kustomize's PrefixTransformer, SuffixTransformer and
//! PrefixSuffixTransformer).
use crate::value::Value;
use serde::Deserialize;

use super::fieldspec::{self, CreateKind};
use crate::error::Result;
use crate::resmap::ResMap;
use crate::resource::{Gvk, split_api_version};
use crate::types::FieldSpec;

/// A plugin config: `prefix` and/or `suffix` with `fieldSpecs`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PrefixSuffixTransformer {
    #[serde(default, deserialize_with = "super::config::de_string")]
    pub prefix: String,
    #[serde(default, deserialize_with = "super::config::de_string")]
    pub suffix: String,
    #[serde(default, deserialize_with = "super::de_vec")]
    pub field_specs: Vec<FieldSpec>,
}

/// Kinds never renamed (kustomize's skip list), matched against the original id.
fn skipped(gvk: &Gvk) -> bool {
    let k = gvk.kind.as_str();
    k == "CustomResourceDefinition"
        || k == "Namespace"
        || (k == "APIService" && gvk.group == "apiregistration.k8s.io")
}

#[derive(Clone, Copy)]
enum Side {
    Prefix,
    Suffix,
}

impl PrefixSuffixTransformer {
    /// Runs the prefix pass, then the suffix pass.
    pub fn apply(&self, rm: &mut ResMap) -> Result<()> {
        affix(rm, &self.prefix, &self.field_specs, Side::Prefix)?;
        affix(rm, &self.suffix, &self.field_specs, Side::Suffix)
    }

    /// Only the prefix (kustomize's PrefixTransformer).
    pub fn apply_prefix(&self, rm: &mut ResMap) -> Result<()> {
        affix(rm, &self.prefix, &self.field_specs, Side::Prefix)
    }

    /// Only the suffix (kustomize's SuffixTransformer).
    pub fn apply_suffix(&self, rm: &mut ResMap) -> Result<()> {
        affix(rm, &self.suffix, &self.field_specs, Side::Suffix)
    }
}

fn affix(rm: &mut ResMap, text: &str, specs: &[FieldSpec], side: Side) -> Result<()> {
    // Objects are independent: spread them over the cores (the first error in object
    // order is the one reported, as in a loop).
    crate::par::for_each_mut(rm.as_mut_slice(), crate::par::LIGHT_CHUNK, |r| {
        // the gvk of the original id (ids are not built: this runs for every object)
        let org = match r.prev_ids.first() {
            Some(id) => id.gvk.clone(),
            None => r.gvk(),
        };
        if skipped(&org) {
            return Ok(());
        }
        for fs in specs {
            if !fieldspec::spec_matches(fs, &org) {
                continue;
            }
            if fs.path == "metadata/name" && !text.is_empty() {
                match side {
                    Side::Prefix => r.name_prefixes.push(text.to_string()),
                    Side::Suffix => r.name_suffixes.push(text.to_string()),
                }
                r.store_previous_id();
            }
            // the spec must also select the object's current gvk
            let (group, version) = split_api_version(r.api_version());
            if !fieldspec::spec_matches_parts(fs, group, version, r.kind()) {
                continue;
            }
            fieldspec::apply_path(
                &mut r.body,
                &fs.path,
                fs.create,
                CreateKind::Scalar,
                &mut |v| {
                    let old = fieldspec::scalar_text(v).unwrap_or_default();
                    let new = match side {
                        Side::Prefix => format!("{text}{old}"),
                        Side::Suffix => format!("{old}{text}"),
                    };
                    fieldspec::set_scalar(v, Value::String(new))
                },
            )
            // a failed set changed nothing, so this is the id the object had going in
            .map_err(|e| e.for_resource(r.id()))?;
        }
        Ok(())
    })
}
