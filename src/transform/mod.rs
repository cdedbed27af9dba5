//! Builtin transformers, one module each, run in kustomize's fixed order.
pub mod config;
pub mod patches;
pub mod replacements;

use crate::build::{Accumulator, Target};
use crate::error::Result;
use crate::resmap::ResMap;
use crate::types::{SortOptions, Var};

/// Merges `configurations:` and `crds:` of `target` into the accumulator's field specs.
pub fn merge_configurations(_target: &Target, _acc: &mut Accumulator) -> Result<()> {
    Ok(())
}

/// Runs the builtin transformers (patches, namespace, prefix/suffix, labels, annotations,
/// JSON 6902, replicas, images, replacements) and then `transformers:`.
pub fn run_transformers(target: &Target, acc: &mut Accumulator) -> Result<()> {
    // WIRING (patches branch, for testing): only the patch transformers, at kustomize's
    // positions; the transformers branch owns this function and its full order.
    patches::apply_patches_strategic_merge(target, acc)?;
    patches::apply_patches(target, acc)?;
    // namespace, prefix/suffix, labels, annotations run here
    patches::apply_patches_json6902(target, acc)?;
    // replicas, images, replacements, `transformers:` run here
    Ok(())
}

/// Adds `target`'s vars to the accumulator.
pub fn merge_vars(target: &Target, acc: &mut Accumulator) -> Result<()> {
    merge_var_lists(&mut acc.vars, target.kust.vars.clone())
}

/// Merges var lists; the same var name twice is an error.
pub fn merge_var_lists(into: &mut Vec<Var>, more: Vec<Var>) -> Result<()> {
    into.extend(more);
    Ok(())
}

/// Updates every field that refers to an object that was renamed.
pub fn fix_name_references(_acc: &mut Accumulator) -> Result<()> {
    Ok(())
}

/// Replaces `$(VAR)` references.
pub fn resolve_vars(_acc: &mut Accumulator) -> Result<()> {
    Ok(())
}

/// Drops objects annotated `config.kubernetes.io/local-config: "true"`.
pub fn drop_local_config(rm: &mut ResMap) {
    rm.retain(|r| r.annotation("config.kubernetes.io/local-config") != Some("true"));
}

/// Orders the output (legacy kind order by default, or `fifo`).
pub fn sort(_rm: &mut ResMap, _opts: Option<&SortOptions>) -> Result<()> {
    Ok(())
}
