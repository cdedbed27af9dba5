//! kustomize's content hash for generated names (`api/hasher`).
//!
//! A ConfigMap is hashed over `{"binaryData"?, "data", "kind", "name"}` and a Secret over
//! `{"data", "kind", "name", "stringData"?, "type"}`, encoded the way Go's `encoding/json`
//! encodes a `map[string]interface{}` (keys sorted, HTML-safe escaping). A missing field
//! encodes as `""`. `name` is always `""`: kustomize looks the name up as a single field
//! literally called `metadata/name`, which never exists, so names do not affect the hash. The SHA-256 hex digest is cut to 10 characters and five of them are
//! swapped for letters so the result never looks like a number.
use crate::value::{Map, Value};
use sha2::{Digest, Sha256};

/// The name suffix kustomize would give `body` (a ConfigMap or Secret).
pub fn hash_body(body: &Value) -> String {
    encode(&sha256_hex(&encoded_fields(body)))
}

/// The JSON document kustomize hashes for `body`.
pub fn encoded_fields(body: &Value) -> String {
    let kind = body.get("kind").and_then(Value::as_str).unwrap_or("");
    let name = Value::String(String::new());
    let mut m = Map::new();
    match kind {
        "ConfigMap" => {
            m.insert("kind".into(), Value::String("ConfigMap".into()));
            m.insert("name".into(), name.clone());
            m.insert("data".into(), field_value(body.get("data")));
            if let Some(Value::Object(b)) = body.get("binaryData") {
                m.insert("binaryData".into(), Value::Object(b.clone()));
            }
        }
        "Secret" => {
            m.insert("kind".into(), Value::String("Secret".into()));
            m.insert("type".into(), field_value(body.get("type")));
            m.insert("name".into(), name.clone());
            m.insert("data".into(), field_value(body.get("data")));
            if let Some(Value::Object(s)) = body.get("stringData") {
                m.insert("stringData".into(), Value::Object(s.clone()));
            }
        }
        // kustomize marshals the whole node for other kinds; only generators ask for
        // hashes, so this is the closest faithful stand-in.
        _ => return go_json(body),
    }
    go_json(&Value::Object(m))
}

/// kustomize's `getNodeValues`: scalars as their text, mappings as themselves, missing as "".
fn field_value(v: Option<&Value>) -> Value {
    match v {
        None | Some(Value::Null) => Value::String(String::new()),
        Some(v) => scalar_or_empty(v),
    }
}

fn scalar_or_empty(v: &Value) -> Value {
    match v {
        Value::Null => Value::String(String::new()),
        Value::String(_) | Value::Object(_) | Value::Array(_) => v.clone(),
        Value::Bool(b) => Value::String(b.to_string()),
        Value::Number(n) => Value::String(n.to_string()),
    }
}

fn sha256_hex(data: &str) -> String {
    let digest = Sha256::digest(data.as_bytes());
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(64);
    for b in digest.iter() {
        s.push(char::from(HEX[usize::from(b >> 4)]));
        s.push(char::from(HEX[usize::from(b & 0xf)]));
    }
    s
}

/// The first ten hex digits with `0 1 3 a e` replaced by `g h k m t`.
pub fn encode(hex: &str) -> String {
    hex.chars()
        .take(10)
        .map(|c| match c {
            '0' => 'g',
            '1' => 'h',
            '3' => 'k',
            'a' => 'm',
            'e' => 't',
            c => c,
        })
        .collect()
}

/// Encodes like Go's `json.Marshal` of the value decoded into `interface{}`: object keys
/// sorted bytewise, no whitespace, `<`, `>`, `&`, U+2028 and U+2029 escaped.
pub fn go_json(v: &Value) -> String {
    let mut out = String::new();
    write_json(v, &mut out);
    out
}

fn write_json(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => write_number(n, out),
        Value::String(s) => write_string(s, out),
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(x, out);
            }
            out.push(']');
        }
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(k, out);
                out.push(':');
                if let Some(x) = m.get(k) {
                    write_json(x, out);
                }
            }
            out.push('}');
        }
    }
}

/// Go decodes JSON numbers into float64 and prints them with the shortest representation
/// (exponent form from 1e21 up).
fn write_number(n: &crate::value::Number, out: &mut String) {
    if let Some(i) = n.as_i64().filter(|i| i.unsigned_abs() < (1u64 << 53)) {
        out.push_str(&i.to_string());
        return;
    }
    let f = n.as_f64().unwrap_or(0.0);
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        // Go: strconv 'e' format with at least two exponent digits.
        let s = format!("{f:e}");
        match s.split_once('e') {
            Some((mant, exp)) => {
                let (sign, digits) = match exp.strip_prefix('-') {
                    Some(d) => ('-', d),
                    None => ('+', exp),
                };
                let digits = if digits.len() < 2 {
                    format!("0{digits}")
                } else {
                    digits.to_string()
                };
                out.push_str(&format!("{mant}e{sign}{digits}"));
            }
            None => out.push_str(&s),
        }
    } else if f.fract() == 0.0 && abs < 1e21 {
        out.push_str(&format!("{f:.0}"));
    } else {
        out.push_str(&f.to_string());
    }
}

fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    #[test]
    fn encode_alphabet() {
        assert_eq!(encode("0123456789abcdef"), "gh2k456789");
        assert_eq!(encode("aaeeff"), "mmttff");
    }

    #[test]
    fn go_json_escapes() {
        assert_eq!(
            go_json(&json!({"b": "<&>", "a": "x\ny\u{1}"})),
            r#"{"a":"x\ny\u0001","b":"\u003c\u0026\u003e"}"#
        );
    }

    #[test]
    fn configmap_fields() {
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "n"}});
        assert_eq!(
            encoded_fields(&cm),
            r#"{"data":"","kind":"ConfigMap","name":""}"#
        );
        let s = json!({"kind": "Secret", "type": "Opaque", "metadata": {"name": "s"}, "data": {}});
        assert_eq!(
            encoded_fields(&s),
            r#"{"data":{},"kind":"Secret","name":"","type":"Opaque"}"#
        );
    }

    #[test]
    fn kustomize_hasher_examples() {
        // From kustomize's hasher tests (api/hasher/hasher_test.go).
        let cases = [
            (json!({"kind": "ConfigMap"}), "6ct58987ht"),
            (
                json!({"kind": "ConfigMap", "data": {"one": ""}}),
                "9g67k2htb6",
            ),
            (
                json!({"kind": "ConfigMap", "data": {"two": 2, "one": "", "three": 3}}),
                "7757f9kkct",
            ),
            (
                json!({"kind": "ConfigMap", "binaryData": {"one": ""}}),
                "6mtk2m274t",
            ),
            (
                json!({"kind": "ConfigMap", "binaryData": {"two": 2, "one": "", "three": 3}}),
                "9th7kc28dg",
            ),
            (
                json!({"kind": "ConfigMap", "data": {"one": ""}, "binaryData": {"two": ""}}),
                "698h7c7t9m",
            ),
            (json!({"kind": "Secret", "type": "my-type"}), "5gmgkf8578"),
            (
                json!({"kind": "Secret", "type": "my-type", "data": {"one": ""}}),
                "74bd68bm66",
            ),
            (
                json!({"kind": "Secret", "type": "my-type", "data": {"two": 2, "one": "", "three": 3}}),
                "4gf75c7476",
            ),
            (
                json!({"kind": "Secret", "type": "my-type", "data": {"one": ""}, "stringData": {"two": 2}}),
                "c4h4264gdb",
            ),
        ];
        for (body, want) in cases {
            assert_eq!(hash_body(&body), want, "{body}");
        }
    }

    #[test]
    fn single_literal_hashes_match_kubectl() {
        // `configMapGenerator: [{name: e, literals: ["KEY=VALUE"]}]`, hashes from
        // kubectl 1.33 (kustomize v5.6.0); they exercise Go's JSON string escaping.
        let cases = [
            ("sep", "a\u{2028}b", "628gt4tf67"),
            ("sep", "a\u{2029}c", "7cbh68268f"),
            ("ctrl", "\u{8}", "h7f57tk62h"),
            ("ctrl", "\u{c}", "mkdg4g9962"),
            ("ctrl", "\u{1}", "797582cch8"),
            ("ctrl", "\u{1f}", "5t6kd47k8k"),
            ("astral", "\u{1F600}", "cm6fh59gb7"),
            ("nbsp", "\u{a0}x", "m7khk27bb7"),
            ("q", "\"q\" back\\slash", "8htk8gmgd4"),
            ("nel", " ", "ht5847mt59"),
            ("bom", "\u{feff}", "9ffcd5fcf9"),
            ("cr", "a\rb", "68kh44kg48"),
            ("c", "\u{d7ff}", "8mh99477t5"),
            ("c", "\u{e000}", "bkfbgddg56"),
            ("c", "\u{fffd}", "7h7c4m694k"),
            ("c", "~", "bc6ft4hc8d"),
            ("c", "\t", "b4g6gmf8ht"),
            ("c", "\u{0}", "5bh7h2m9fk"),
        ];
        for (k, v, want) in cases {
            let body = json!({"kind": "ConfigMap", "metadata": {"name": "e"}, "data": {k: v}});
            assert_eq!(hash_body(&body), want, "{k}={v:?}");
        }
    }
}
