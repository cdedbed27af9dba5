//! stackgen: a kustomize-compatible overlay compiler and typed manifest generator.
pub mod yaml;
