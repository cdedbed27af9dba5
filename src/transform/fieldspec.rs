//! Walking a field spec's path through an object (kustomize's `filters/fieldspec`).
//!
//! A path is `/`-separated (`\/` escapes a slash inside a key); a segment ending in `[]`
//! names a list, and any list met on the way is walked element by element. Missing maps
//! are created only when the spec says `create: true` *and* the transformer knows what kind
//! of node its final field is (`CreateKind`), exactly as kustomize does.
use std::borrow::Cow;

use crate::value::{Map, Value};

use crate::error::{Error, Result};
use crate::lookup::Lookup;
use crate::resource::Gvk;
use crate::types::FieldSpec;

/// What a transformer creates at the end of a path when the spec asks for creation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CreateKind {
    /// Never create anything (kustomize's unset `CreateKind`).
    None,
    /// A scalar (names, namespaces, replica counts).
    Scalar,
    /// A mapping (labels, annotations).
    Map,
}

/// Splits a field-spec path like kustomize's `PathSplitter`.
pub fn split_path(path: &str) -> Vec<String> {
    let mut parts: Vec<&str> = path.split('/').collect();
    if parts.len() > 1 && parts[0].is_empty() {
        parts.remove(0);
    }
    let mut out: Vec<String> = Vec::with_capacity(parts.len());
    for p in parts {
        match out.last_mut() {
            Some(last) if last.ends_with('\\') => {
                last.pop();
                last.push('/');
                last.push_str(p);
            }
            _ => out.push(p.to_string()),
        }
    }
    out
}

/// Whether a field spec applies to an object of `gvk` (kustomize `isMatchGVK`).
pub fn spec_matches(fs: &FieldSpec, gvk: &Gvk) -> bool {
    spec_matches_parts(fs, &gvk.group, &gvk.version, &gvk.kind)
}

/// [`spec_matches`] for a group, version and kind held elsewhere (an object's own
/// `apiVersion` and `kind`), without building a [`Gvk`].
pub fn spec_matches_parts(fs: &FieldSpec, group: &str, version: &str, kind: &str) -> bool {
    (fs.kind.is_empty() || fs.kind == kind)
        && (fs.group.is_empty() || fs.group == group)
        && (fs.version.is_empty() || fs.version == version)
}

/// The specs of `specs` that select the object `r`.
pub fn specs_for<'s>(specs: &'s [FieldSpec], r: &crate::resource::Resource) -> Vec<&'s FieldSpec> {
    let (group, version) = crate::resource::split_api_version(r.api_version());
    let kind = r.kind();
    specs
        .iter()
        .filter(|fs| spec_matches_parts(fs, group, version, kind))
        .collect()
}

/// Applies `set` to every node `fs` reaches in `obj` (an object of kind `gvk`).
pub fn apply(
    obj: &mut Value,
    gvk: &Gvk,
    fs: &FieldSpec,
    create_kind: CreateKind,
    set: &mut dyn FnMut(&mut Value) -> Result<()>,
) -> Result<()> {
    if !spec_matches(fs, gvk) {
        return Ok(());
    }
    apply_path(obj, &fs.path, fs.create, create_kind, set)
}

/// [`apply`] for a path already known to apply to `obj` (no kind to match).
pub fn apply_path(
    obj: &mut Value,
    path: &str,
    create: bool,
    create_kind: CreateKind,
    set: &mut dyn FnMut(&mut Value) -> Result<()>,
) -> Result<()> {
    let rel = path.strip_prefix('/').unwrap_or(path);
    walk(obj, Some(rel), create, create_kind, set).map_err(|e| e.at_field(path.replace('/', ".")))
}

/// Applies `set` for every spec of `specs`, in order.
pub fn apply_all(
    obj: &mut Value,
    gvk: &Gvk,
    specs: &[FieldSpec],
    create_kind: CreateKind,
    set: &mut dyn FnMut(&mut Value) -> Result<()>,
) -> Result<()> {
    for fs in specs {
        apply(obj, gvk, fs, create_kind, set)?;
    }
    Ok(())
}

/// The first segment of a field-spec path and the rest after its `/` (`None` when it was
/// the last), read the way [`split_path`] splits: `\/` is a slash inside a key. Borrowed
/// unless the segment holds an escaped slash, so walking allocates nothing in the
/// common case.
fn first_segment(path: &str) -> (Cow<'_, str>, Option<&str>) {
    // A plain byte loop: segments are a few bytes long, too short for `find` to pay off.
    // Nearly every path has no backslash: up to the first slash, that is all there is to
    // check.
    for (i, &c) in path.as_bytes().iter().enumerate() {
        match c {
            b'/' => return (Cow::Borrowed(&path[..i]), Some(&path[i + 1..])),
            b'\\' => return first_segment_escaped(path),
            _ => {}
        }
    }
    (Cow::Borrowed(path), None)
}

/// [`first_segment`] for a path with a backslash before its first slash.
fn first_segment_escaped(path: &str) -> (Cow<'_, str>, Option<&str>) {
    let b = path.as_bytes();
    for i in 0..b.len() {
        if b[i] == b'/' && (i == 0 || b[i - 1] != b'\\') {
            return (unescape(&path[..i]), Some(&path[i + 1..]));
        }
    }
    (unescape(path), None)
}

fn unescape(seg: &str) -> Cow<'_, str> {
    // The byte test first: `str::contains` with a two-byte pattern costs more than the
    // whole walk step on these short segments.
    if seg.as_bytes().contains(&b'\\') && seg.contains("\\/") {
        Cow::Owned(seg.replace("\\/", "/"))
    } else {
        Cow::Borrowed(seg)
    }
}

/// Walks the remaining `path` (`None`: the node is reached) from `v`.
fn walk(
    v: &mut Value,
    path: Option<&str>,
    create: bool,
    create_kind: CreateKind,
    set: &mut dyn FnMut(&mut Value) -> Result<()>,
) -> Result<()> {
    let Some(path) = path else {
        return set(v);
    };
    match v {
        Value::Null => Ok(()),
        Value::Array(items) => {
            for it in items {
                walk(it, Some(path), create, create_kind, set)?;
            }
            Ok(())
        }
        Value::Object(m) => {
            let (head, rest) = first_segment(path);
            let (name, is_seq) = match head.strip_suffix("[]") {
                Some(n) => (n, true),
                None => (head.as_ref(), false),
            };
            if name.is_empty() {
                return Err(Error::msg("cannot set or create an empty field name"));
            }
            let field = if !create || create_kind == CreateKind::None || is_seq {
                let Some(f) = m.field_mut(name) else {
                    return Ok(());
                };
                if is_seq && f.is_null() {
                    *f = Value::Array(Vec::new());
                }
                f
            } else {
                let kind = if rest.is_none() {
                    create_kind
                } else {
                    CreateKind::Map
                };
                if m.field(name).is_none() {
                    m.insert(name.to_string(), empty_of(kind));
                }
                let Some(f) = m.field_mut(name) else {
                    return Ok(());
                };
                if f.is_null() {
                    *f = empty_of(kind);
                }
                f
            };
            walk(field, rest, create, create_kind, set)
        }
        _ => {
            let (head, _) = first_segment(path);
            Err(Error::msg(format!(
                "expected a list or mapping at {head:?}, found {}",
                crate::types::type_name(v)
            )))
        }
    }
}

fn empty_of(kind: CreateKind) -> Value {
    match kind {
        CreateKind::Map => Value::Object(Map::new()),
        // A created scalar is empty until the setter fills it in.
        _ => Value::String(String::new()),
    }
}

/// A scalar's text as kustomize sees it (its YAML value).
pub fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Null => Some(String::new()),
        _ => None,
    }
}

/// Replaces a scalar node (kustomize `SetScalar`): lists and maps are errors.
pub fn set_scalar(v: &mut Value, new: Value) -> Result<()> {
    match v {
        Value::Array(_) | Value::Object(_) => Err(Error::msg(format!(
            "expected a scalar here, found {}",
            crate::types::type_name(v)
        ))),
        _ => {
            *v = new;
            Ok(())
        }
    }
}

/// Sets `key: value` in a mapping node (kustomize `SetEntry`).
pub fn set_entry(v: &mut Value, key: &str, value: &str) -> Result<()> {
    if v.is_null() {
        *v = Value::Object(Map::new());
    }
    match v {
        Value::Object(m) => {
            m.insert(key.to_string(), Value::String(value.to_string()));
            Ok(())
        }
        other => Err(Error::msg(format!(
            "expected a mapping to set {key:?} in, found {}",
            crate::types::type_name(other)
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    fn fs(path: &str, create: bool) -> FieldSpec {
        FieldSpec {
            path: path.into(),
            create,
            ..Default::default()
        }
    }

    #[test]
    fn splits_escaped_slashes() {
        assert_eq!(split_path("a/b\\/c/d"), vec!["a", "b/c", "d"]);
        assert_eq!(split_path("/a/b"), vec!["a", "b"]);
    }

    #[test]
    fn first_segments_like_split_path() {
        assert_eq!(first_segment("a\\/b/c"), (Cow::Borrowed("a/b"), Some("c")));
        assert_eq!(first_segment("/x"), (Cow::Borrowed(""), Some("x")));
        assert_eq!(first_segment("abc"), (Cow::Borrowed("abc"), None));
        assert_eq!(first_segment("a/"), (Cow::Borrowed("a"), Some("")));
        assert_eq!(first_segment("a\\b/c"), (Cow::Borrowed("a\\b"), Some("c")));
        assert_eq!(first_segment("a\\/b\\/c"), (Cow::Borrowed("a/b/c"), None));
        assert_eq!(first_segment("\\"), (Cow::Borrowed("\\"), None));
    }

    #[test]
    fn walks_lists_and_creates_maps() {
        let gvk = Gvk::new("apps", "v1", "Deployment");
        let mut obj = json!({"spec": {"template": {"spec": {"containers": [{"image": "a"}, {"name": "x"}]}}}});
        let mut n = 0;
        apply(
            &mut obj,
            &gvk,
            &fs("spec/template/spec/containers[]/image", true),
            CreateKind::None,
            &mut |v| {
                n += 1;
                set_scalar(v, json!("b"))
            },
        )
        .unwrap();
        assert_eq!(n, 1);
        assert_eq!(
            obj["spec"]["template"]["spec"]["containers"][0]["image"],
            "b"
        );
        apply(
            &mut obj,
            &gvk,
            &fs("spec/template/metadata/labels", true),
            CreateKind::Map,
            &mut |v| set_entry(v, "a", "b"),
        )
        .unwrap();
        assert_eq!(obj["spec"]["template"]["metadata"]["labels"]["a"], "b");
        // Without create, nothing is made.
        apply(
            &mut obj,
            &gvk,
            &fs("spec/selector/matchLabels", false),
            CreateKind::Map,
            &mut |v| set_entry(v, "a", "b"),
        )
        .unwrap();
        assert!(obj["spec"].get("selector").is_none());
    }

    #[test]
    fn scalar_in_the_middle_is_an_error() {
        let gvk = Gvk::new("", "v1", "Service");
        let mut obj = json!({"spec": {"selector": "x"}});
        let r = apply(
            &mut obj,
            &gvk,
            &fs("spec/selector/app", true),
            CreateKind::Map,
            &mut |_| Ok(()),
        );
        assert!(r.is_err());
    }
}
