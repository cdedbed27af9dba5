//! The patch transformers: `patchesStrategicMerge`, `patches` and `patchesJson6902`.
//! (Filled in by the patch work; each runs at its own place in kustomize's order.)
use crate::build::{Accumulator, Target};
use crate::error::Result;

/// `patchesStrategicMerge` (kustomize's PatchStrategicMergeTransformer).
pub fn apply_patches_strategic_merge(_target: &Target, _acc: &mut Accumulator) -> Result<()> {
    Ok(())
}

/// `patches` (kustomize's PatchTransformer).
pub fn apply_patches(_target: &Target, _acc: &mut Accumulator) -> Result<()> {
    Ok(())
}

/// `patchesJson6902` (kustomize's PatchJson6902Transformer).
pub fn apply_patches_json6902(_target: &Target, _acc: &mut Accumulator) -> Result<()> {
    Ok(())
}
