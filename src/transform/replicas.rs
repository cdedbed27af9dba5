//! `replicas` (kustomize's ReplicaCountTransformer).
use serde::Deserialize;
use serde_json::Value;

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
        let mut found = false;
        for fs in &self.field_specs {
            let sel = fs_gvk(fs);
            for r in rm.iter_mut() {
                // Any id the object has had (previous or current) may match.
                let hit = r.id().name == self.replica.name && r.gvk().is_selected_by(&sel)
                    || r.prev_ids
                        .iter()
                        .any(|id| id.name == self.replica.name && id.gvk.is_selected_by(&sel));
                if !hit {
                    continue;
                }
                found = true;
                let gvk = r.gvk();
                let shown = r.id();
                let count = self.replica.count;
                fieldspec::apply(&mut r.body, &gvk, fs, CreateKind::Scalar, &mut |v| {
                    fieldspec::set_scalar(v, Value::from(count))
                })
                .map_err(|e| e.for_resource(&shown))?;
            }
        }
        if !found {
            let kinds: Vec<String> = self
                .field_specs
                .iter()
                .map(|fs| fs_gvk(fs).to_string())
                .collect();
            return Err(Error::msg(format!(
                "replicas: no object named {:?} of a kind replicas applies to ({})",
                self.replica.name,
                kinds.join(", ")
            ))
            .with_hint("replicas match objects by their original or current name"));
        }
        Ok(())
    }
}
