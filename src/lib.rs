//! stackgen: a kustomize-compatible overlay compiler and typed manifest generator.
//!
//! The build reads like a compiler: load → expand stacks → kustomization layers →
//! name references → order → validate → emit. See `docs/architecture.md`.
pub mod build;
pub mod error;
pub mod generate;
pub mod loader;
pub mod resmap;
pub mod resource;
pub mod scope;
pub mod select;
pub mod stack;
pub mod transform;
pub mod types;
pub mod validate;
pub mod yaml;

pub use error::{Error, Result};
