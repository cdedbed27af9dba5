//! stackgen: a kustomize-compatible overlay compiler and typed manifest generator.
//!
//! The build reads like a compiler: load → expand stacks → kustomization layers →
//! name references → order → validate → emit. See `docs/architecture.md`.
pub mod argocd;
pub mod build;
pub mod diff;
pub mod error;
pub mod generate;
pub mod graph;
pub mod loader;
pub mod order;
pub mod output;
pub mod patch;
pub mod resmap;
pub mod resource;
pub mod scope;
pub mod select;
pub mod stack;
pub mod template;
pub mod timings;
pub mod transform;
pub mod types;
pub mod validate;
pub mod yaml;

pub use error::{Error, Result};
