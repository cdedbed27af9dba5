//! Strategic merge patches, reproducing kustomize v5.6.0 (kyaml's merge walker).
//!
//! * [`schema`]: which lists merge and by which keys ([`MergeSchema`]).
//! * [`smp`]: the merge itself ([`apply_smp`]).
pub mod schema;
pub mod smp;

pub use schema::{ListStrategy, MergeSchema, SchemaRef};
pub use smp::{
    SmpError, SmpOutcome, apply_smp, apply_smp_to_resource, apply_smp_with_empty_values,
};
