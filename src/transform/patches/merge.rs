//! The one place where patches call the strategic-merge engine.
use crate::value::Value;

use crate::resource::Gvk;

/// What a strategic-merge patch did to its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MergeOutcome {
    /// The target was merged in place.
    Merged,
    /// The patch said `$patch: delete`: the object leaves the build.
    Deleted,
}

/// Merges `patch` into `target` (an object of kind `gvk`) with the strategic-merge engine
/// and the merge schema in force (builtin, or the kustomization's `openapi:`).
/// `empty_values` are the JSON pointers of target values read as empty (`key:`), which
/// the merge drops.
pub fn merge_patch(
    target: &mut Value,
    patch: &Value,
    _gvk: &Gvk,
    empty_values: &[String],
) -> Result<MergeOutcome, String> {
    let outcome = crate::build::openapi::with_current(|schema| {
        crate::patch::apply_smp_with_empty_values(target, patch, schema, empty_values)
    })
    .map_err(|e| e.msg.clone())?;
    Ok(match outcome {
        crate::patch::SmpOutcome::Applied => MergeOutcome::Merged,
        crate::patch::SmpOutcome::DeleteObject => MergeOutcome::Deleted,
    })
}
