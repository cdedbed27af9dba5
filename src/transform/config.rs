//! Field specs telling each builtin transformer where to act (kustomize's `builtinconfig`).
use crate::error::Result;

#[derive(Debug, Clone, Default)]
pub struct TransformerConfig {}

impl TransformerConfig {
    pub fn merge(&mut self, _other: TransformerConfig) -> Result<()> {
        Ok(())
    }
}
