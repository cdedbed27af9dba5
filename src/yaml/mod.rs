//! YAML reading and writing: see `parse` for how input is read and `emit` for how output
//! is written byte-for-byte like kustomize.
pub mod emit;
pub(crate) mod fast;
pub mod parse;

pub use emit::{emit_document, emit_document_in_order, emit_stream};
pub use parse::{Doc, YamlError, decode_utf8, parse_one, parse_stream};
