//! Building the generated ConfigMap or Secret body (kustomize's `api/internal/generators`).
use crate::value::{Map, Value};
use base64::Engine;

use super::kv::Pair;
use crate::types::GeneratorOptions;

/// What a generator makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GenKind {
    ConfigMap,
    Secret,
}

impl GenKind {
    pub fn kind(self) -> &'static str {
        match self {
            GenKind::ConfigMap => "ConfigMap",
            GenKind::Secret => "Secret",
        }
    }

    /// The builtin plugin kind, as kustomize names the generator.
    pub fn generator(self) -> &'static str {
        match self {
            GenKind::ConfigMap => "ConfigMapGenerator",
            GenKind::Secret => "SecretGenerator",
        }
    }
}

/// The object body. `pairs` have been validated (keys legal and unique).
pub fn make_body(
    kind: GenKind,
    name: &str,
    namespace: &str,
    secret_type: &str,
    pairs: Vec<Pair>,
    opts: Option<&GeneratorOptions>,
) -> Value {
    let mut body = Map::new();
    body.insert("apiVersion".into(), Value::String("v1".into()));
    body.insert("kind".into(), Value::String(kind.kind().into()));
    let mut meta = Map::new();
    meta.insert("name".into(), Value::String(name.into()));
    if !namespace.is_empty() {
        meta.insert("namespace".into(), Value::String(namespace.into()));
    }
    if let Some(o) = opts {
        if !o.labels.is_empty() {
            meta.insert("labels".into(), string_map(&o.labels));
        }
        if !o.annotations.is_empty() {
            meta.insert("annotations".into(), string_map(&o.annotations));
        }
    }
    body.insert("metadata".into(), Value::Object(meta));
    match kind {
        GenKind::ConfigMap => {
            let mut data = Map::new();
            let mut binary = Map::new();
            for p in pairs {
                match String::from_utf8(p.value) {
                    Ok(s) => {
                        data.insert(p.key, Value::String(s));
                    }
                    Err(e) => {
                        binary.insert(p.key, Value::String(encode_base64(e.as_bytes())));
                    }
                }
            }
            if !data.is_empty() {
                body.insert("data".into(), Value::Object(data));
            }
            if !binary.is_empty() {
                body.insert("binaryData".into(), Value::Object(binary));
            }
        }
        GenKind::Secret => {
            let t = if secret_type.is_empty() {
                "Opaque"
            } else {
                secret_type
            };
            body.insert("type".into(), Value::String(t.into()));
            let data: Map<String, Value> = pairs
                .into_iter()
                .map(|p| (p.key, Value::String(encode_base64(&p.value))))
                .collect();
            body.insert("data".into(), Value::Object(data));
        }
    }
    if opts.is_some_and(|o| o.immutable) {
        body.insert("immutable".into(), Value::Bool(true));
    }
    Value::Object(body)
}

fn string_map(m: &crate::types::StrMap) -> Value {
    let mut keys: Vec<&String> = m.keys().collect();
    keys.sort();
    Value::Object(
        keys.into_iter()
            .filter_map(|k| m.get(k).map(|v| (k.clone(), Value::String(v.clone()))))
            .collect(),
    )
}

/// Base64 as kustomize writes it: once the encoding reaches 70 characters it is cut into
/// 70-character lines, each (the last included) ending in a newline.
pub fn encode_base64(bytes: &[u8]) -> String {
    const LINE: usize = 70;
    let enc = base64::engine::general_purpose::STANDARD.encode(bytes);
    if enc.len() < LINE {
        return enc;
    }
    let mut out = String::with_capacity(enc.len() + enc.len() / LINE + 1);
    let mut rest = enc.as_str();
    while !rest.is_empty() {
        let (a, b) = rest.split_at(rest.len().min(LINE));
        out.push_str(a);
        out.push('\n');
        rest = b;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_lines() {
        assert_eq!(encode_base64(b"hello"), "aGVsbG8=");
        // 51 bytes -> 68 chars: one line, no newline.
        assert!(!encode_base64(&[b'x'; 51]).contains('\n'));
        // 52 bytes -> 72 chars: two lines, both ending in '\n'.
        let s = encode_base64(&[b'x'; 52]);
        assert_eq!(s.len(), 74);
        assert!(s.ends_with('\n'));
        assert_eq!(s.find('\n'), Some(70));
        // 54 bytes -> 72 chars; 53 bytes -> 72 chars; 52.5 n/a; exactly 70 impossible
        // (multiples of 4), 72 is the first multi-line length.
    }
}
