//! JSON 6902 patches: decoding op lists (YAML or JSON) and applying them with the `json-patch`
//! crate, one op at a time so that a failure names its op.
//!
//! kustomize applies these with evanphx/json-patch v4, whose behaviour differs from RFC 6902 in
//! a few places that real patches rely on; we follow v4:
//! - a missing `value` in `add`, `replace` or `test` means `null`;
//! - `test` with a `null` value passes when the leaf is missing from an existing mapping;
//! - negative list indices count from the end (`-1` is the last item; for `add`, the position
//!   after it).
use std::borrow::Cow;

use crate::value::Value;

use json_patch::jsonptr::{Pointer, PointerBuf};
use json_patch::{
    AddOperation, CopyOperation, MoveOperation, PatchOperation, RemoveOperation, ReplaceOperation,
    TestOperation,
};

/// The op names RFC 6902 defines.
pub const OP_NAMES: &[&str] = &["add", "remove", "replace", "move", "copy", "test"];

/// Reads an op list the way kustomize does: text starting with `[` is JSON, anything else is
/// YAML (its first document). `Ok(None)` is a document with no content at all (kustomize's nil
/// patch); otherwise every item must be a mapping. The ops themselves are checked when applied.
pub fn decode_op_list(text: &str) -> Result<Option<Vec<Value>>, String> {
    if text.is_empty() {
        return Err("the patch is empty".into());
    }
    let value = if text.starts_with('[') {
        serde_json::from_str::<Value>(text).map_err(|e| format!("invalid JSON: {e}"))?
    } else {
        let docs = crate::yaml::parse_stream(text).map_err(|e| e.to_string())?;
        docs.into_iter()
            .next()
            .map(|d| d.value)
            .unwrap_or(Value::Null)
    };
    match value {
        Value::Null => Ok(None),
        Value::Array(items) => {
            if let Some((i, other)) = items.iter().enumerate().find(|(_, v)| !v.is_object()) {
                return Err(format!(
                    "op {} is {}, not a mapping with `op` and `path`",
                    i + 1,
                    crate::types::type_name(other)
                ));
            }
            Ok(Some(items))
        }
        other => Err(format!(
            "a JSON 6902 patch is a list of ops, found {}",
            crate::types::type_name(&other)
        )),
    }
}

/// `op N (kind path)` for messages.
pub fn describe_op(index: usize, raw: &Value) -> String {
    let op = raw.get("op").and_then(Value::as_str).unwrap_or("?");
    match raw.get("path").and_then(Value::as_str) {
        Some(p) => format!("op {} ({op} {p})", index + 1),
        None => format!("op {} ({op})", index + 1),
    }
}

fn str_field<'a>(raw: &'a Value, key: &str) -> Result<Option<&'a str>, String> {
    match raw.get(key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(other) => Err(format!(
            "`{key}` must be a string, found {}",
            crate::types::type_name(other)
        )),
    }
}

fn pointer(s: &str, key: &str) -> Result<PointerBuf, String> {
    PointerBuf::parse(s).map_err(|_| {
        format!("`{key}` {s:?} is not a JSON pointer (it must be empty or start with `/`)")
    })
}

/// Decodes one raw op into the crate's type, after resolving negative list indices against
/// `doc` (the document as it is when the op runs).
fn decode_op(raw: &Value, doc: &Value) -> Result<PatchOperation, String> {
    let name = match str_field(raw, "op")? {
        Some(n) => n,
        None => return Err("missing `op` (one of add, remove, replace, move, copy, test)".into()),
    };
    if !OP_NAMES.contains(&name) {
        let mut msg = format!(
            "unknown op {name:?}: JSON 6902 ops are add, remove, replace, move, copy and test"
        );
        if let Some(s) = crate::error::suggest(name, OP_NAMES.iter().copied()) {
            msg.push_str(&format!(" (did you mean {s:?}?)"));
        }
        return Err(msg);
    }
    let path_str = str_field(raw, "path")?.ok_or("missing `path`")?;
    let is_add = matches!(name, "add" | "move" | "copy");
    let path = pointer(&resolve_negative(path_str, doc, is_add)?, "path")?;
    let value = || serde_json::Value::from(raw.get("value").cloned().unwrap_or(Value::Null));
    let from = || -> Result<PointerBuf, String> {
        let f = str_field(raw, "from")?.ok_or_else(|| format!("`{name}` needs `from`"))?;
        pointer(&resolve_negative(f, doc, false)?, "from")
    };
    Ok(match name {
        "add" => PatchOperation::Add(AddOperation {
            path,
            value: value(),
        }),
        "remove" => PatchOperation::Remove(RemoveOperation { path }),
        "replace" => PatchOperation::Replace(ReplaceOperation {
            path,
            value: value(),
        }),
        "move" => PatchOperation::Move(MoveOperation {
            from: from()?,
            path,
        }),
        "copy" => PatchOperation::Copy(CopyOperation {
            from: from()?,
            path,
        }),
        _ => PatchOperation::Test(TestOperation {
            path,
            value: value(),
        }),
    })
}

/// Rewrites negative list indices (evanphx v4 semantics) to plain ones. Paths without any
/// token that looks like a negative number are returned unchanged.
fn resolve_negative<'a>(path: &'a str, doc: &Value, is_add: bool) -> Result<Cow<'a, str>, String> {
    if !path.contains("/-") || path.is_empty() || !path.starts_with('/') {
        return Ok(Cow::Borrowed(path));
    }
    let tokens: Vec<&str> = path[1..].split('/').collect();
    let mut out = String::with_capacity(path.len());
    let mut cur = Some(doc);
    let last = tokens.len().saturating_sub(1);
    for (i, tok) in tokens.iter().enumerate() {
        out.push('/');
        let neg = tok
            .strip_prefix('-')
            .filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|d| d.parse::<usize>().ok());
        match (cur, neg) {
            (Some(Value::Array(a)), Some(n)) => {
                let len = if is_add && i == last {
                    a.len() + 1
                } else {
                    a.len()
                };
                let idx = len.checked_sub(n).ok_or_else(|| {
                    format!(
                        "index -{n} is out of range: the list at {} has {} item{}",
                        if out.len() > 1 {
                            &out[..out.len() - 1]
                        } else {
                            "/"
                        },
                        a.len(),
                        if a.len() == 1 { "" } else { "s" }
                    )
                })?;
                out.push_str(&idx.to_string());
                cur = a.get(idx);
            }
            (c, _) => {
                out.push_str(tok);
                cur = c.and_then(|v| step(v, tok));
            }
        }
    }
    Ok(Cow::Owned(out))
}

/// One pointer step (token still escaped).
fn step<'v>(v: &'v Value, tok: &str) -> Option<&'v Value> {
    match v {
        Value::Object(m) => m.get(&unescape(tok)),
        Value::Array(a) => tok.parse::<usize>().ok().and_then(|i| a.get(i)),
        _ => None,
    }
}

fn unescape(tok: &str) -> String {
    tok.replace("~1", "/").replace("~0", "~")
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Why `ptr` does not lead to a value in `doc` (or, with `parent_only`, to a container for a
/// new value): the first step that fails.
fn explain_missing(doc: &Value, ptr: &str, parent_only: bool) -> String {
    let Some(rest) = ptr.strip_prefix('/') else {
        return "the whole document cannot be removed".into();
    };
    let tokens: Vec<&str> = rest.split('/').collect();
    let n = if parent_only {
        tokens.len().saturating_sub(1)
    } else {
        tokens.len()
    };
    let mut cur = doc;
    let mut at = String::new();
    for (i, tok) in tokens.iter().enumerate() {
        let shown = if at.is_empty() { "/" } else { at.as_str() };
        let next = match cur {
            Value::Object(m) => match m.get(&unescape(tok)) {
                Some(v) => v,
                None if i < n => {
                    return format!("no key {:?} in the mapping at {shown}", unescape(tok));
                }
                None => return "path not found".into(),
            },
            Value::Array(a) => {
                let last_add = parent_only && i == n;
                match tok.parse::<usize>() {
                    Ok(idx) if idx < a.len() || (last_add && idx == a.len()) => match a.get(idx) {
                        Some(v) => v,
                        None => return "path not found".into(),
                    },
                    Ok(idx) => {
                        return format!(
                            "index {idx} is out of range: the list at {shown} has {} item{}",
                            a.len(),
                            plural(a.len())
                        );
                    }
                    Err(_) if *tok == "-" && last_add => return "path not found".into(),
                    Err(_) => {
                        return format!(
                            "{tok:?} is not a list index (the value at {shown} is a list)"
                        );
                    }
                }
            }
            other => {
                return format!(
                    "the value at {shown} is {}, which has no field {:?}",
                    crate::types::type_name(other),
                    unescape(tok)
                );
            }
        };
        if i + 1 >= tokens.len() {
            break;
        }
        at.push('/');
        at.push_str(tok);
        cur = next;
    }
    "path not found".into()
}

fn short(v: &impl std::fmt::Display) -> String {
    let s = v.to_string();
    if s.chars().count() > 60 {
        let cut: String = s.chars().take(57).collect();
        format!("{cut}...")
    } else {
        s
    }
}

/// Applies the raw ops to `doc` in order. On failure, returns `op N (kind path): reason`.
pub fn apply_ops(doc: &mut Value, ops: &[Value]) -> Result<(), String> {
    for (i, raw) in ops.iter().enumerate() {
        let what = || describe_op(i, raw);
        let op = decode_op(raw, doc).map_err(|e| format!("{}: {e}", what()))?;
        // evanphx v4: testing for null passes when the key is absent from an existing mapping.
        if let PatchOperation::Test(t) = &op
            && t.value.is_null()
            && let Some((parent, last)) = t.path.split_back()
            && let Some(Value::Object(m)) = doc.pointer(parent.as_str())
            && !m.contains_key(last.decoded().as_ref())
        {
            continue;
        }
        if let Err(e) = apply_one(doc, &op) {
            return Err(format!("{}: {}", what(), explain(doc, &op, e)));
        }
    }
    Ok(())
}

/// Why an op failed, as far as the message needs to know.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Failure {
    /// `path` (or its parent, for add) does not lead anywhere usable
    Path,
    /// `from` does not lead to a value
    From,
    MoveInsideItself,
    TestFailed,
}

/// Runs one op on `doc` with the semantics of the json-patch crate (RFC 6902 as kustomize's
/// evanphx library applies it): a mapping key is inserted in place or last and removed by
/// swapping the last entry into its place; list indices have no sign and no leading zero,
/// `-` is the end of the list.
fn apply_one(doc: &mut Value, op: &PatchOperation) -> Result<(), Failure> {
    match op {
        PatchOperation::Add(o) => add(doc, &o.path, Value::from(o.value.clone())),
        PatchOperation::Remove(o) => remove(doc, &o.path).map(drop),
        PatchOperation::Replace(o) => {
            let target = doc.pointer_mut(o.path.as_str()).ok_or(Failure::Path)?;
            *target = Value::from(o.value.clone());
            Ok(())
        }
        PatchOperation::Move(o) => {
            if o.path.starts_with(&o.from) && o.path.len() != o.from.len() {
                return Err(Failure::MoveInsideItself);
            }
            let v = remove(doc, &o.from).map_err(|e| match e {
                Failure::Path => Failure::From,
                other => other,
            })?;
            add(doc, &o.path, v)
        }
        PatchOperation::Copy(o) => {
            let v = doc.pointer(o.from.as_str()).ok_or(Failure::From)?.clone();
            add(doc, &o.path, v)
        }
        PatchOperation::Test(o) => {
            let found = doc.pointer(o.path.as_str()).ok_or(Failure::Path)?;
            if *found == o.value {
                Ok(())
            } else {
                Err(Failure::TestFailed)
            }
        }
    }
}

fn add(doc: &mut Value, path: &Pointer, v: Value) -> Result<(), Failure> {
    let Some((parent, last)) = path.split_back() else {
        *doc = v;
        return Ok(());
    };
    match doc.pointer_mut(parent.as_str()).ok_or(Failure::Path)? {
        Value::Object(m) => {
            m.insert(last.decoded().into_owned(), v);
            Ok(())
        }
        Value::Array(a) => {
            a.insert(list_index(last, a.len(), true)?, v);
            Ok(())
        }
        _ => Err(Failure::Path),
    }
}

/// A list position from a pointer token: digits without a leading zero, or `-` (the end)
/// when `to_add` (a position one past the last item is then valid too).
fn list_index(
    token: json_patch::jsonptr::Token<'_>,
    len: usize,
    to_add: bool,
) -> Result<usize, Failure> {
    let i = token.to_index().map_err(|_| Failure::Path)?;
    let bounded = if to_add {
        i.for_len_incl(len)
    } else {
        i.for_len(len)
    };
    bounded.map_err(|_| Failure::Path)
}

fn remove(doc: &mut Value, path: &Pointer) -> Result<Value, Failure> {
    let (parent, last) = path.split_back().ok_or(Failure::Path)?;
    match doc.pointer_mut(parent.as_str()).ok_or(Failure::Path)? {
        Value::Object(m) => m.remove(last.decoded().as_ref()).ok_or(Failure::Path),
        Value::Array(a) => Ok(a.remove(list_index(last, a.len(), false)?)),
        _ => Err(Failure::Path),
    }
}

fn explain(doc: &Value, op: &PatchOperation, kind: Failure) -> String {
    match (op, kind) {
        (PatchOperation::Test(t), Failure::TestFailed) => match doc.pointer(t.path.as_str()) {
            Some(found) => format!(
                "test failed: the value is {}, expected {}",
                short(found),
                short(&t.value)
            ),
            None => "test failed".into(),
        },
        (PatchOperation::Test(t), _) => {
            format!(
                "path not found: {}",
                explain_missing(doc, t.path.as_str(), false)
            )
        }
        (PatchOperation::Move(_), Failure::MoveInsideItself) => {
            "cannot move a value inside itself".into()
        }
        (PatchOperation::Move(m), Failure::From) => format!(
            "`from` {} not found: {}",
            m.from,
            explain_missing(doc, m.from.as_str(), false)
        ),
        (PatchOperation::Copy(c), Failure::From) => format!(
            "`from` {} not found: {}",
            c.from,
            explain_missing(doc, c.from.as_str(), false)
        ),
        (PatchOperation::Add(_) | PatchOperation::Move(_) | PatchOperation::Copy(_), _) => {
            format!(
                "path not found: {}",
                explain_missing(doc, op.path().as_str(), true)
            )
        }
        (_, _) => format!(
            "path not found: {}",
            explain_missing(doc, op.path().as_str(), false)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    fn run(doc: Value, ops: Value) -> Result<Value, String> {
        let mut d = doc;
        let ops = ops.as_array().cloned().unwrap_or_default();
        apply_ops(&mut d, &ops).map(|_| d)
    }

    #[test]
    fn decodes_yaml_and_json_lists() {
        let y = decode_op_list("- op: add\n  path: /a\n  value: 1\n").unwrap();
        let j = decode_op_list(r#"[{"op": "add", "path": "/a", "value": 1}]"#).unwrap();
        assert_eq!(y, j);
        assert_eq!(decode_op_list("# only a comment\n").unwrap(), None);
        assert!(decode_op_list("").is_err());
        assert!(decode_op_list("a: b\n").is_err());
        assert!(decode_op_list("[1, 2]").is_err());
        assert!(decode_op_list("[{\"op\": \"add\",]").is_err());
    }

    fn keys(v: &Value) -> Vec<&str> {
        v.as_object()
            .map(|m| m.keys().map(String::as_str).collect())
            .unwrap_or_default()
    }

    #[test]
    fn ops_keep_the_json_patch_crates_semantics() {
        let d = json!({"a": 1, "b": 2, "c": 3, "l": [0, 1]});
        // add: an existing key keeps its place, a new one goes last
        let v = run(
            d.clone(),
            json!([{"op": "add", "path": "/a", "value": 9},
                                      {"op": "add", "path": "/z", "value": 0}]),
        );
        assert_eq!(v.as_ref().map(keys), Ok(vec!["a", "b", "c", "l", "z"]));
        // remove: the last key moves into the hole
        let v = run(d.clone(), json!([{"op": "remove", "path": "/a"}]));
        assert_eq!(v.as_ref().map(keys), Ok(vec!["l", "b", "c"]));
        // move = remove + add; copy leaves the source
        let v = run(
            d.clone(),
            json!([{"op": "move", "from": "/b", "path": "/l/-"},
                                      {"op": "copy", "from": "/c", "path": "/l/0"}]),
        );
        assert_eq!(v, Ok(json!({"a": 1, "l": [3, 0, 1, 2], "c": 3})));
        // list indices: no leading zero, no sign, `-` only to add
        for bad in ["/l/01", "/l/+1", "/l/2", "/l/-"] {
            assert!(
                run(
                    d.clone(),
                    json!([{"op": "replace", "path": bad, "value": 5}])
                )
                .is_err(),
                "{bad}"
            );
        }
        assert!(
            run(
                d.clone(),
                json!([{"op": "add", "path": "/l/3", "value": 5}])
            )
            .is_err()
        );
        assert_eq!(
            run(d.clone(), json!([{"op": "add", "path": "", "value": [1]}])),
            Ok(json!([1]))
        );
        let e = run(
            d.clone(),
            json!([{"op": "move", "from": "/l", "path": "/l/0"}]),
        );
        assert!(e.is_err_and(|e| e.contains("inside itself")));
        let e = run(
            d.clone(),
            json!([{"op": "copy", "from": "/nope", "path": "/x"}]),
        );
        assert!(
            e.is_err_and(|e| e.contains("`from` /nope not found")),
            "copy"
        );
        let e = run(d, json!([{"op": "test", "path": "/a", "value": 1.0}]));
        assert!(e.is_err_and(|e| e.contains("test failed")), "1 is not 1.0");
    }

    #[test]
    fn ops_agree_with_the_json_patch_crate() {
        let d = json!({"a": 1, "b": {"x": [1, 2, {"y": true}]}, "c": "s", "d": null});
        let cases = [
            json!([{"op": "add", "path": "/b/x/1", "value": {"k": 1}}]),
            json!([{"op": "remove", "path": "/a"}, {"op": "add", "path": "/a", "value": 2}]),
            json!([{"op": "remove", "path": "/b/x/0"}]),
            json!([{"op": "move", "from": "/b/x", "path": "/e"}]),
            json!([{"op": "move", "from": "/c", "path": "/b/x/-"}]),
            json!([{"op": "copy", "from": "/b", "path": "/b/x/2/z"}]),
            json!([{"op": "replace", "path": "/b/x/2/y", "value": false}]),
            json!([{"op": "test", "path": "/b/x/2", "value": {"y": true}}]),
            json!([{"op": "replace", "path": "/b/x/3", "value": 0}]),
            json!([{"op": "add", "path": "/c/q", "value": 0}]),
            json!([{"op": "remove", "path": "/b/x/-"}]),
        ];
        for ops in cases {
            let ours = run(d.clone(), ops.clone());
            let mut theirs = serde_json::Value::from(d.clone());
            let list: Vec<PatchOperation> =
                serde_json::from_value(serde_json::Value::from(ops.clone())).unwrap_or_default();
            assert_eq!(list.len(), ops.as_array().map_or(0, Vec::len), "{ops}");
            let r = json_patch::patch(&mut theirs, &list);
            match (ours, r) {
                (Ok(v), Ok(())) => {
                    assert_eq!(v, theirs, "{ops}");
                    assert_eq!(keys(&v), keys(&Value::from(theirs)), "{ops}");
                }
                (Err(_), Err(_)) => {}
                (a, b) => panic!("{ops}: ours {a:?}, json-patch {b:?}"),
            }
        }
    }

    #[test]
    fn v4_quirks() {
        let d = json!({"a": [1, 2, 3], "m": {}});
        assert_eq!(
            run(
                d.clone(),
                json!([{"op": "add", "path": "/a/-1", "value": 9}])
            )
            .unwrap(),
            json!({"a": [1, 2, 3, 9], "m": {}})
        );
        assert_eq!(
            run(d.clone(), json!([{"op": "remove", "path": "/a/-1"}])).unwrap(),
            json!({"a": [1, 2], "m": {}})
        );
        assert_eq!(
            run(d.clone(), json!([{"op": "add", "path": "/m/x"}])).unwrap(),
            json!({"a": [1, 2, 3], "m": {"x": null}})
        );
        assert!(
            run(
                d.clone(),
                json!([{"op": "test", "path": "/m/x", "value": null}])
            )
            .is_ok()
        );
        assert!(run(d, json!([{"op": "test", "path": "/n/x", "value": null}])).is_err());
    }

    #[test]
    fn messages_name_op_and_reason() {
        let d = json!({"spec": {"containers": [{"name": "a"}]}});
        let e = run(
            d.clone(),
            json!([{"op": "test", "path": "/spec/containers/0/name", "value": "a"},
                   {"op": "replace", "path": "/spec/containers/1/image", "value": "x"}]),
        )
        .unwrap_err();
        assert_eq!(
            e,
            "op 2 (replace /spec/containers/1/image): path not found: index 1 is out of range: \
             the list at /spec/containers has 1 item"
        );
        let e = run(d.clone(), json!([{"op": "upsert", "path": "/spec"}])).unwrap_err();
        assert!(
            e.starts_with("op 1 (upsert /spec): unknown op \"upsert\""),
            "{e}"
        );
        let e = run(d.clone(), json!([{"op": "remove", "path": "/spec/foo"}])).unwrap_err();
        assert_eq!(
            e,
            "op 1 (remove /spec/foo): path not found: no key \"foo\" in the mapping at /spec"
        );
        let e = run(
            d.clone(),
            json!([{"op": "test", "path": "/spec/containers/0/name", "value": "b"}]),
        )
        .unwrap_err();
        assert!(e.contains("the value is \"a\", expected \"b\""), "{e}");
        let e = run(d, json!([{"op": "add", "path": "/x/y", "value": 1}])).unwrap_err();
        assert!(e.contains("no key \"x\" in the mapping at /"), "{e}");
    }
}
