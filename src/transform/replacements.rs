//! `replacements` (kustomize's ReplacementTransformer).
use crate::build::{Accumulator, Target};
use crate::error::Result;

pub fn apply_replacements(_target: &Target, _acc: &mut Accumulator) -> Result<()> {
    Ok(())
}
