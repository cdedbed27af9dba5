//! Emitter placeholder.
