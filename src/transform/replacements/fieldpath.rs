//! kyaml-style field paths (`spec.template.spec.containers.[name=app].image`), as used by
//! replacements: splitting, read-only lookup (kyaml's `PathGetter`, for sources) and
//! matching with optional creation (kyaml's `PathMatcher`, for targets).
//!
//! Path syntax, as kustomize v5.6 reads it:
//! - parts are separated by `.`; `\.` escapes a dot inside a part, and a leading `/` or
//!   `.` is ignored;
//! - `[a.b.c]` (brackets without `=`) is one map key containing dots;
//! - `[key=value]` selects list elements whose `key` field equals `value` (sources: exact
//!   text; targets: an unanchored regular expression); `[=value]` selects scalar elements;
//! - a non-negative integer indexes a list; in sources `-` is the last element;
//! - `*` (targets only) is every element of a list.
use crate::value::{Map, Value};
use regex::Regex;

/// One step from a node to one of its children.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Key(String),
    Index(usize),
}

/// The kind of node to create at the end of a path (kyaml's `yaml.Kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Scalar,
    Mapping,
    Sequence,
}

impl Kind {
    pub fn of(v: &Value) -> Kind {
        match v {
            Value::Object(_) => Kind::Mapping,
            Value::Array(_) => Kind::Sequence,
            _ => Kind::Scalar,
        }
    }
}

/// A node a target path reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hit {
    /// A node inside the object; `created` when it is a scalar this walk just created
    /// (kustomize leaves such a node untagged, so its new value is re-resolved).
    Node { path: Vec<Step>, created: bool },
    /// A node kustomize "creates" below a null value: it is attached to nothing, so
    /// writing to it changes nothing (but the path still counts as found).
    Detached,
}

/// Splits a field path the way kustomize's `SmarterPathSplitter(path, ".")` does.
pub fn split(path: &str) -> Vec<String> {
    let mut raw: Vec<&str> = path.split('.').collect();
    if raw.len() > 1 && raw[0].is_empty() {
        raw.remove(0);
    }
    // Re-join parts whose predecessor ends in a backslash (an escaped dot).
    let mut parts: Vec<String> = Vec::with_capacity(raw.len());
    for p in raw {
        match parts.last_mut() {
            Some(last) if last.ends_with('\\') => {
                last.pop();
                last.push('.');
                last.push_str(p);
            }
            _ => parts.push(p.to_string()),
        }
    }
    // Keep bracketed parts together.
    let mut out = Vec::with_capacity(parts.len());
    let mut i = 0;
    while i < parts.len() {
        let elem = &parts[i];
        if elem.starts_with('[') && !elem.ends_with(']') {
            let mut joined = elem.clone();
            while i + 1 < parts.len() {
                i += 1;
                joined.push('.');
                joined.push_str(&parts[i]);
                if parts[i].ends_with(']') {
                    break;
                }
            }
            if joined.contains('=') {
                out.push(joined);
            } else {
                out.push(joined.trim_matches(|c| c == '[' || c == ']').to_string());
            }
        } else {
            out.push(elem.clone());
        }
        i += 1;
    }
    out
}

fn is_list_index(p: &str) -> bool {
    p.starts_with('[') && p.ends_with(']')
}

/// Go's `strconv.Atoi`: optional sign, then ASCII digits only.
fn atoi(p: &str) -> Option<i64> {
    let digits = p.strip_prefix(['+', '-']).unwrap_or(p);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    p.parse().ok()
}

fn idx_number(p: &str) -> Option<usize> {
    atoi(p).and_then(|i| usize::try_from(i).ok())
}

fn split_index_name_value(p: &str) -> Result<(String, String), String> {
    let inner = p.strip_suffix(']').unwrap_or(p);
    let inner = inner.strip_prefix('[').unwrap_or(inner);
    match inner.split_once('=') {
        Some((k, v)) => Ok((k.to_string(), v.to_string())),
        None => Err(format!(
            "list path element {p:?} must contain fieldName=fieldValue for element to match"
        )),
    }
}

fn kind_name(v: &Value) -> &'static str {
    match v {
        Value::Object(_) => "MappingNode",
        Value::Array(_) => "SequenceNode",
        _ => "ScalarNode",
    }
}

fn wrong_kind(expected: &str, got: &Value) -> String {
    format!(
        "wrong node kind: expected {expected} but got {}",
        kind_name(got)
    )
}

/// The text of a scalar as kustomize holds it (`""` for null and for collections).
pub fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null | Value::Object(_) | Value::Array(_) => String::new(),
    }
}

/// Roughly how kyaml prints a node when matching it against a `[key=regex]` pattern.
fn node_text(v: &Value) -> String {
    match v {
        Value::Null => "null".to_string(),
        Value::Object(_) | Value::Array(_) => v.to_string(),
        _ => scalar_text(v),
    }
}

/// Looks a path up without creating anything (kyaml's `PathGetter`, used for sources).
/// `Ok(None)` when some part is missing.
pub fn lookup<'a>(root: &'a Value, parts: &[String]) -> Result<Option<&'a Value>, String> {
    let mut node = root;
    for part in parts.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
        let next = if let Some(i) = atoi(part) {
            let Ok(i) = usize::try_from(i) else {
                return Err(format!("array index {i} cannot be negative"));
            };
            match node {
                Value::Null => None,
                Value::Array(a) => a.get(i),
                other => return Err(wrong_kind("SequenceNode", other)),
            }
        } else if part == "-" {
            match node {
                Value::Null => None,
                Value::Array(a) => a.last(),
                other => return Err(wrong_kind("SequenceNode", other)),
            }
        } else if part == "*" {
            return Err("wildcard is not supported in a source fieldPath".to_string());
        } else if is_list_index(part) {
            let (key, want) = split_index_name_value(part)?;
            match node {
                Value::Null => None,
                Value::Array(a) if key.is_empty() => a
                    .iter()
                    .find(|e| !e.is_object() && !e.is_array() && scalar_text(e) == want),
                Value::Array(a) => a.iter().find(|e| {
                    e.as_object()
                        .and_then(|m| m.get(&key))
                        .is_some_and(|v| !v.is_null() && scalar_text(v) == want)
                }),
                other => return Err(wrong_kind("SequenceNode", other)),
            }
        } else {
            match node {
                Value::Null => None,
                Value::Object(m) => m.get(part),
                other => return Err(wrong_kind("MappingNode", other)),
            }
        };
        match next {
            Some(n) => node = n,
            None => return Ok(None),
        }
    }
    Ok(Some(node))
}

/// Finds every node a target path reaches (kyaml's `PathMatcher`), creating missing parts
/// when `create` gives the kind of the final node.
pub fn find_targets(
    root: &mut Value,
    parts: &[String],
    create: Option<Kind>,
) -> Result<Vec<Hit>, String> {
    let mut out = Vec::new();
    let mut path = Vec::new();
    walk(root, parts, create, &mut path, &mut out, false)?;
    Ok(out)
}

/// The kind of node to create for a part, given the part after it.
fn part_kind(next: Option<&String>, leaf: Kind) -> Kind {
    match next {
        None => leaf,
        Some(n) if n.is_empty() => leaf,
        Some(n) if is_list_index(n) || idx_number(n).is_some() => Kind::Sequence,
        Some(_) => Kind::Mapping,
    }
}

fn new_node(kind: Kind) -> Value {
    match kind {
        Kind::Mapping => Value::Object(Map::new()),
        Kind::Sequence => Value::Array(Vec::new()),
        // A placeholder; the hit is marked as created so its value is re-resolved.
        Kind::Scalar => Value::Null,
    }
}

fn walk(
    node: &mut Value,
    parts: &[String],
    create: Option<Kind>,
    path: &mut Vec<Step>,
    out: &mut Vec<Hit>,
    created: bool,
) -> Result<(), String> {
    let Some(part) = parts.first() else {
        out.push(Hit::Node {
            path: path.clone(),
            created,
        });
        return Ok(());
    };
    let rest = &parts[1..];
    if let Some(idx) = idx_number(part) {
        let elems = match node {
            Value::Null => {
                if idx == 0 && create.is_some() {
                    out.push(Hit::Detached);
                    return Ok(());
                }
                return Err(format!("index {idx} specified but only 0 elements found"));
            }
            Value::Array(a) => a,
            other => return Err(wrong_kind("SequenceNode", other)),
        };
        let mut made = false;
        if let Some(leaf) = create
            && elems.len() == idx
        {
            let kind = part_kind(rest.first(), leaf);
            elems.push(new_node(kind));
            made = kind == Kind::Scalar;
        }
        let len = elems.len();
        let Some(elem) = elems.get_mut(idx) else {
            return Err(format!(
                "index {idx} specified but only {len} elements found"
            ));
        };
        path.push(Step::Index(idx));
        let r = walk(elem, rest, create, path, out, made);
        path.pop();
        return r;
    }
    if is_list_index(part) {
        return walk_match(node, part, rest, create, path, out);
    }
    if part == "*" {
        let elems = match node {
            Value::Null => return Ok(()),
            Value::Array(a) => a,
            other => return Err(wrong_kind("SequenceNode", other)),
        };
        for (i, elem) in elems.iter_mut().enumerate() {
            path.push(Step::Index(i));
            let r = walk(elem, rest, create, path, out, false);
            path.pop();
            r?;
        }
        return Ok(());
    }
    let map = match node {
        Value::Null => {
            if create.is_some() {
                out.push(Hit::Detached);
            }
            return Ok(());
        }
        Value::Object(m) => m,
        other => return Err(wrong_kind("MappingNode", other)),
    };
    let mut made = false;
    if !map.contains_key(part.as_str()) {
        let Some(leaf) = create else {
            return Ok(());
        };
        let kind = part_kind(rest.first(), leaf);
        map.insert(part.clone(), new_node(kind));
        made = kind == Kind::Scalar;
    }
    let Some(child) = map.get_mut(part.as_str()) else {
        return Ok(());
    };
    path.push(Step::Key(part.clone()));
    let r = walk(child, rest, create, path, out, made);
    path.pop();
    r
}

/// `[key=regex]` / `[=regex]` in a target path.
fn walk_match(
    node: &mut Value,
    part: &str,
    rest: &[String],
    create: Option<Kind>,
    path: &mut Vec<Step>,
    out: &mut Vec<Hit>,
) -> Result<(), String> {
    let (key, pattern) = split_index_name_value(part)?;
    let re = Regex::new(&pattern)
        .map_err(|e| format!("invalid regular expression {pattern:?} in {part:?}: {e}"))?;
    let before = out.len();
    let elems = match node {
        Value::Null => {
            if create.is_some() {
                out.push(Hit::Detached);
            }
            return Ok(());
        }
        Value::Array(a) => a,
        other => return Err(wrong_kind("SequenceNode", other)),
    };
    match_elems(elems, &key, &re, rest, create, path, out)?;
    if out.len() > before {
        return Ok(());
    }
    let Some(_) = create else {
        return Ok(());
    };
    let value = crate::yaml::parse::resolve_plain(&pattern, false);
    let elem = if key.is_empty() {
        value
    } else {
        let mut m = Map::new();
        m.insert(key.clone(), value);
        Value::Object(m)
    };
    elems.push(elem);
    let made = elems.len() - 1;
    match_elems(elems, &key, &re, rest, create, path, out)?;
    if key.is_empty() {
        // The new scalar element is untagged in kustomize, like a created field.
        for hit in &mut out[before..] {
            if let Hit::Node { path: p, created } = hit
                && p.len() == path.len() + 1
                && p.last() == Some(&Step::Index(made))
            {
                *created = true;
            }
        }
    }
    if out.len() == before {
        return Err(format!(
            "the list element created for {part:?} does not match its own pattern"
        ));
    }
    Ok(())
}

fn match_elems(
    elems: &mut [Value],
    key: &str,
    re: &Regex,
    rest: &[String],
    create: Option<Kind>,
    path: &mut Vec<Step>,
    out: &mut Vec<Hit>,
) -> Result<(), String> {
    for (i, elem) in elems.iter_mut().enumerate() {
        if key.is_empty() {
            // A scalar element matches as a whole; the rest of the path is not followed.
            if re.is_match(node_text(elem).trim()) {
                path.push(Step::Index(i));
                out.push(Hit::Node {
                    path: path.clone(),
                    created: false,
                });
                path.pop();
            }
            continue;
        }
        let Some(v) = elem.as_object().and_then(|m| m.get(key)) else {
            continue;
        };
        if !re.is_match(node_text(v).trim()) {
            continue;
        }
        path.push(Step::Index(i));
        let r = walk(elem, rest, create, path, out, false);
        path.pop();
        r?;
    }
    Ok(())
}

/// The node at `path` below `root`.
pub fn get_mut<'a>(root: &'a mut Value, path: &[Step]) -> Option<&'a mut Value> {
    let mut node = root;
    for s in path {
        node = match (s, node) {
            (Step::Key(k), Value::Object(m)) => m.get_mut(k)?,
            (Step::Index(i), Value::Array(a)) => a.get_mut(*i)?,
            _ => return None,
        };
    }
    Some(node)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn splitting() {
        assert_eq!(split("a.b.c"), s(&["a", "b", "c"]));
        assert_eq!(
            split("spec.containers.[name=a.b].image"),
            s(&["spec", "containers", "[name=a.b]", "image"])
        );
        assert_eq!(
            split("metadata.annotations.[a.b/c]"),
            s(&["metadata", "annotations", "a.b/c"])
        );
        assert_eq!(split(r"a\.b.c"), s(&["a.b", "c"]));
        assert_eq!(split("/a.b"), s(&["/a", "b"]));
        assert_eq!(split(".a.b"), s(&["a", "b"]));
    }

    #[test]
    fn lookups() {
        let v =
            json!({"spec": {"ports": [{"name": "http", "port": 80}, {"name": "x", "port": 81}]}});
        let p = split("spec.ports.[port=81].name");
        assert_eq!(lookup(&v, &p).unwrap(), Some(&json!("x")));
        assert_eq!(
            lookup(&v, &split("spec.ports.0.port")).unwrap(),
            Some(&json!(80))
        );
        assert_eq!(
            lookup(&v, &split("spec.ports.-.port")).unwrap(),
            Some(&json!(81))
        );
        assert_eq!(lookup(&v, &split("spec.nope.x")).unwrap(), None);
        assert!(lookup(&v, &split("spec.ports.name")).is_err());
        assert!(lookup(&v, &split("spec.ports.-1")).is_err());
    }

    #[test]
    fn targets_with_create() {
        let mut v = json!({"spec": {"c": [{"name": "a"}, {"name": "b", "x": 1}]}});
        let hits = find_targets(&mut v, &split("spec.c.*.x"), None).unwrap();
        assert_eq!(hits.len(), 1);
        let hits = find_targets(&mut v, &split("spec.c.[name=c].y.0"), Some(Kind::Scalar)).unwrap();
        assert_eq!(hits.len(), 1);
        assert_eq!(v["spec"]["c"][2], json!({"name": "c", "y": [null]}));
        assert!(find_targets(&mut v, &split("spec.c.5"), None).is_err());
        let mut n = json!({"a": null});
        let hits = find_targets(&mut n, &split("a.b"), Some(Kind::Scalar)).unwrap();
        assert_eq!(hits, vec![Hit::Detached]);
        assert_eq!(n, json!({"a": null}));
    }
}
