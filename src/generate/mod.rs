//! Generators: `configMapGenerator`, `secretGenerator` and builtin generator configs.
use crate::build::{Accumulator, Target};
use crate::error::Result;
use crate::resmap::ResMap;

/// Runs the kustomization's generators, absorbing their output into `acc`.
pub fn run_generators(_target: &Target, _acc: &mut Accumulator) -> Result<()> {
    Ok(())
}

/// Appends content hashes to the names of generated objects that want one.
pub fn add_hashes(_rm: &mut ResMap) -> Result<()> {
    Ok(())
}
