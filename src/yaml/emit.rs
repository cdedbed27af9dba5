//! Emitter placeholder (replaced by the go-yaml v2 compatible emitter).
use serde_json::Value;

pub fn emit_document(v: &Value, out: &mut String) {
    out.push_str(&serde_json::to_string(v).unwrap_or_default());
    out.push('\n');
}

pub fn emit_stream<'a>(docs: impl IntoIterator<Item = &'a Value>) -> String {
    let mut out = String::new();
    for (i, d) in docs.into_iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        emit_document(d, &mut out);
    }
    out
}
