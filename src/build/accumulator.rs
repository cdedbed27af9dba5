//! What a kustomization accumulates: resources, the transformer config (field specs) and vars.
use crate::error::Result;
use crate::resmap::ResMap;
use crate::transform::config::TransformerConfig;
use crate::types::Var;

#[derive(Debug, Clone, Default)]
pub struct Accumulator {
    pub rm: ResMap,
    pub tc: TransformerConfig,
    pub vars: Vec<Var>,
}

impl Accumulator {
    /// kustomize's `MergeAccumulator`: resources appended (ids must not collide), configs
    /// and vars merged.
    pub fn merge(&mut self, other: Accumulator) -> Result<()> {
        self.rm.append_all(other.rm)?;
        self.tc.merge(other.tc)?;
        crate::transform::merge_var_lists(&mut self.vars, other.vars)?;
        Ok(())
    }
}
