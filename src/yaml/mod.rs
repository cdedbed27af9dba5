//! YAML reading and writing.
pub mod emit;
