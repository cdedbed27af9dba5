//! `buildMetadata` options applied at the end of a build, and the clean-up kustomize does
//! when it removes its internal annotations.
use serde_json::Value;

use super::fieldspec::{self, CreateKind};
use crate::build::Target;
use crate::error::Result;
use crate::resmap::ResMap;
use crate::types::FieldSpec;

/// The label value kubectl 1.33's kustomize writes for `managedByLabel`.
pub const MANAGED_BY_VALUE: &str = "kustomize-(devel)";
pub const MANAGED_BY_KEY: &str = "app.kubernetes.io/managed-by";

/// Runs after sorting: the managed-by label, then kustomize's removal of its build
/// annotations (which also drops `metadata.annotations` maps left empty).
pub fn finish(target: &Target, rm: &mut ResMap) -> Result<()> {
    if target
        .kust
        .build_metadata
        .iter()
        .any(|o| o == "managedByLabel")
    {
        let fs = FieldSpec {
            path: "metadata/labels".into(),
            create: true,
            ..Default::default()
        };
        for r in rm.iter_mut() {
            let gvk = r.gvk();
            let shown = r.id();
            fieldspec::apply(&mut r.body, &gvk, &fs, CreateKind::Map, &mut |v| {
                fieldspec::set_entry(v, MANAGED_BY_KEY, MANAGED_BY_VALUE)
            })
            .map_err(|e| e.for_resource(&shown))?;
        }
    }
    for r in rm.iter_mut() {
        drop_empty_annotations(&mut r.body);
    }
    Ok(())
}

/// kustomize always carries internal annotations during a build and clears the map when
/// removing them leaves it empty.
fn drop_empty_annotations(body: &mut Value) {
    if let Some(Value::Object(meta)) = body.get_mut("metadata")
        && matches!(meta.get("annotations"), Some(Value::Object(a)) if a.is_empty())
    {
        meta.remove("annotations");
    }
}
