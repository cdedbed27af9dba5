//! The typed `Stack` kind (`stackgen.dev/v1alpha1`): a whole application described once,
//! expanded into Kubernetes objects by the kustomization that declares it.
use crate::build::{Accumulator, Target};
use crate::error::Result;

pub const API_VERSION: &str = "stackgen.dev/v1alpha1";
pub const KIND: &str = "Stack";

/// Expands the `Stack` objects that `target` itself declared (those from bases were expanded
/// in their own kustomization). `ancestors` are the kustomizations that include `target`,
/// innermost first: their patches that target `kind: Stack` are applied before expansion,
/// outermost last.
pub fn expand_stacks(
    _target: &Target,
    _acc: &mut Accumulator,
    _ancestors: &[&Target],
) -> Result<()> {
    Ok(())
}
