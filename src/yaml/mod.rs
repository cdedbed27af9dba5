//! YAML reading and writing.
pub mod emit;
pub use emit::{emit_document, emit_stream};
