//! stackgen: a kustomize-compatible overlay compiler and typed manifest generator.
//!
//! The build reads like a compiler: load → expand stacks → kustomization layers →
//! name references → order → validate → emit. See `docs/architecture.md`.
pub mod error;
pub mod patch;
pub mod resmap;
pub mod resource;
pub mod scope;
pub mod yaml;

pub use error::{Error, Result};
