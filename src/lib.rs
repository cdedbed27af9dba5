//! stackgen: a kustomize-compatible overlay compiler and typed manifest generator.
//!
//! The build reads like a compiler: load → expand stacks → kustomization layers →
//! name references → order → validate → emit.
//!
//! Reading and writing YAML exactly as kustomize prints it (keys sorted the go-yaml v2 way):
//!
//! ```
//! let doc = stackgen::yaml::parse_one("kind: ConfigMap\napiVersion: v1\ndata: {on: 'yes'}\n").unwrap();
//! assert_eq!(
//!     stackgen::yaml::emit_stream([&doc]),
//!     "apiVersion: v1\ndata:\n  \"on\": \"yes\"\nkind: ConfigMap\n"
//! );
//! ```
pub mod argocd;
pub mod build;
pub mod diff;
pub mod error;
pub mod generate;
pub mod graph;
pub mod hashing;
pub mod import;
pub mod keycmp;
pub mod loader;
pub mod lookup;
pub mod order;
pub mod output;
pub mod par;
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
pub mod value;
pub mod yaml;

pub use error::{Error, Result};
