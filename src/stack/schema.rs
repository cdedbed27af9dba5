//! The Stack's JSON Schema, for editors (yaml-language-server) and CI checks.
//!
//! Derived from the serde types with `schemars`, so it cannot drift from what the build
//! accepts: every object has `additionalProperties: false`, as the build denies unknown
//! fields. Use it with a modeline in the stack file:
//! `# yaml-language-server: $schema=../stack.schema.json`.
use crate::value::Value;

use super::types::Stack;

/// The schema (JSON Schema draft 2020-12) as a JSON value.
pub fn stack_schema() -> Value {
    let mut schema = Value::from(schemars::schema_for!(Stack).to_value());
    if let Value::Object(m) = &mut schema {
        m.insert(
            "$id".into(),
            Value::String("https://stackgen.dev/schemas/stack-v1alpha1.json".into()),
        );
    }
    schema
}

/// The schema as pretty-printed JSON with a final newline.
pub fn stack_schema_json() -> String {
    let mut s = serde_json::to_string_pretty(&stack_schema()).unwrap_or_default();
    s.push('\n');
    s
}
