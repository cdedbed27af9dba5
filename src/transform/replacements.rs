//! `replacements` (kustomize's ReplacementTransformer): copy one field of one object into
//! fields of other objects.
//!
//! Behaviour follows kustomize v5.6 (`api/filters/replacement`):
//! - a replacement's source must select exactly one object. Selection compares group,
//!   version, kind, name and namespace exactly (no regular expressions), against the
//!   object's current id and every id it had before renames;
//! - the source `fieldPath` defaults to `metadata.name`; the value must exist and not be
//!   null or an empty map or list; `options.delimiter` + `index` pick one part of a string;
//! - targets are selected like sources (plus label and annotation selectors), minus
//!   `reject`; each `fieldPaths` entry (default `metadata.name`) must reach at least one
//!   node unless `options.create` creates it. Wildcards (`*`) and `[key=regex]` reach every
//!   matching element, and elements missing the rest of the path are skipped silently;
//! - writing into an existing scalar keeps that scalar's type (`replicas: 1` stays a number
//!   when given the string `"3"`; a string field given `8080` becomes `"8080"`); a created
//!   scalar takes the type its text reads as; collections are copied whole.
//!
//! `path:` entries name a file (read through the load restrictor) holding one replacement
//! or a list of them; like kustomize, unknown fields in such files are ignored.
pub mod fieldpath;

use std::path::PathBuf;

use crate::value::Value;

use crate::build::{Accumulator, Target};
use crate::error::{Error, Result};
use crate::resource::{Gvk, ResId, Resource};
use crate::select::{Matcher, effective_namespace};
use crate::types::{FieldOptions, Replacement, Selector, SourceSelector, TargetSelector};
use fieldpath::{Hit, Kind, Step};

const DEFAULT_FIELD_PATH: &str = "metadata.name";

/// Runs `target`'s `replacements` over the accumulated resources.
pub fn apply_replacements(target: &Target, acc: &mut Accumulator) -> Result<()> {
    if target.kust.replacements.is_empty() {
        return Ok(());
    }
    let list = load_replacements(target).map_err(|e| e.in_file(target.file.as_path()))?;
    for (label, file, r) in &list {
        apply(acc.rm.as_mut_vec(), r).map_err(|e| within(e, label).in_file(file))?;
    }
    Ok(())
}

/// The replacements of a kustomization, inline ones and those read from `path:` files, in
/// order, each with the field path and file to name in messages.
fn load_replacements(target: &Target) -> Result<Vec<(String, PathBuf, Replacement)>> {
    let mut out = Vec::new();
    for (i, field) in target.kust.replacements.iter().enumerate() {
        let label = format!("replacements[{i}]");
        if field.path.is_empty() {
            out.push((
                label,
                target.file.to_path_buf(),
                Replacement {
                    source: field.source.clone(),
                    targets: field.targets.clone(),
                },
            ));
            continue;
        }
        if field.source.is_some() || !field.targets.is_empty() {
            return Err(
                Error::msg("cannot specify both path and inline replacement")
                    .at_field(label)
                    .with_hint("move the inline source and targets into the file, or drop `path`"),
            );
        }
        let (_, bytes) = target
            .loader
            .read_file(&field.path)
            .map_err(|e| e.at_field(label.clone()))?;
        let shown = crate::build::files::display_path(&target.dir().join(&field.path));
        let list = parse_replacement_file(&bytes).map_err(|e| e.in_file(&shown))?;
        let single = list.len() == 1;
        for (j, r) in list.into_iter().enumerate() {
            let label = if single {
                String::new()
            } else {
                format!("[{j}]")
            };
            out.push((label, shown.clone(), r));
        }
    }
    Ok(out)
}

/// Parses a replacement file: one replacement (a mapping) or a list of them. Only the first
/// YAML document counts, and unknown fields are dropped, as kustomize does.
pub fn parse_replacement_file(bytes: &[u8]) -> Result<Vec<Replacement>> {
    let text = crate::yaml::decode_utf8(bytes).map_err(Error::from)?;
    let docs = crate::yaml::parse_stream(text).map_err(Error::from)?;
    let doc = docs
        .into_iter()
        .next()
        .map(|d| d.value)
        .unwrap_or(Value::Null);
    let items = match doc {
        Value::Array(items) => items,
        m @ Value::Object(_) => vec![m],
        other => {
            return Err(Error::msg(format!(
                "a replacement file must hold a mapping or a list of mappings, found {}",
                crate::types::type_name(&other)
            )));
        }
    };
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            let pruned = prune(item, REPLACEMENT_SCHEMA);
            serde_path_to_error::deserialize::<_, Replacement>(serde_json::Value::from(pruned))
                .map_err(|e| {
                    let path = e.path().to_string();
                    Error::msg(e.into_inner().to_string()).at_field(format!("[{i}].{path}"))
                })
        })
        .collect()
}

/// Which fields a replacement file may hold, at each level (sigs.k8s.io/yaml matches field
/// names case-insensitively and ignores the rest).
enum Schema {
    Fields(&'static [(&'static str, Schema)]),
    List(&'static Schema),
    Leaf,
}

const SELECTOR_SCHEMA: Schema = Schema::Fields(&[
    ("group", Schema::Leaf),
    ("version", Schema::Leaf),
    ("kind", Schema::Leaf),
    ("name", Schema::Leaf),
    ("namespace", Schema::Leaf),
    ("annotationSelector", Schema::Leaf),
    ("labelSelector", Schema::Leaf),
]);
const OPTIONS_SCHEMA: Schema = Schema::Fields(&[
    ("delimiter", Schema::Leaf),
    ("index", Schema::Leaf),
    ("encoding", Schema::Leaf),
    ("create", Schema::Leaf),
]);
const REPLACEMENT_SCHEMA: &Schema = &Schema::Fields(&[
    (
        "source",
        Schema::Fields(&[
            ("group", Schema::Leaf),
            ("version", Schema::Leaf),
            ("kind", Schema::Leaf),
            ("name", Schema::Leaf),
            ("namespace", Schema::Leaf),
            ("fieldPath", Schema::Leaf),
            ("options", OPTIONS_SCHEMA),
        ]),
    ),
    (
        "targets",
        Schema::List(&Schema::Fields(&[
            ("select", SELECTOR_SCHEMA),
            ("reject", Schema::List(&SELECTOR_SCHEMA)),
            ("fieldPaths", Schema::Leaf),
            ("options", OPTIONS_SCHEMA),
        ])),
    ),
]);

fn prune(v: Value, schema: &Schema) -> Value {
    match (v, schema) {
        (Value::Object(m), Schema::Fields(fields)) => {
            let mut out = crate::value::Map::new();
            for (k, v) in m {
                if let Some((name, sub)) = fields.iter().find(|(n, _)| n.eq_ignore_ascii_case(&k)) {
                    out.insert((*name).to_string(), prune(v, sub));
                }
            }
            Value::Object(out)
        }
        (Value::Array(items), Schema::List(sub)) => {
            Value::Array(items.into_iter().map(|x| prune(x, sub)).collect())
        }
        (v, _) => v,
    }
}

/// The type a scalar carries in kustomize (its YAML tag); `Plain` is the untagged scalar of
/// a freshly created field, whose text is read again on output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    Str,
    Null,
    Bool,
    Int,
    Float,
    Plain,
}

impl Tag {
    fn of(v: &Value) -> Tag {
        match v {
            Value::String(_) => Tag::Str,
            Value::Null => Tag::Null,
            Value::Bool(_) => Tag::Bool,
            Value::Number(n) if n.is_f64() => Tag::Float,
            Value::Number(_) => Tag::Int,
            Value::Object(_) | Value::Array(_) => Tag::Plain,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Tag::Str | Tag::Plain => "!!str",
            Tag::Null => "!!null",
            Tag::Bool => "!!bool",
            Tag::Int => "!!int",
            Tag::Float => "!!float",
        }
    }
}

/// A replacement value as kustomize holds it: a tagged scalar (tag and text) or a
/// collection.
#[derive(Debug, Clone, PartialEq)]
enum Node {
    Scalar { tag: Tag, text: String },
    Collection(Value),
}

impl Node {
    fn from_value(v: &Value) -> Node {
        match v {
            Value::Object(_) | Value::Array(_) => Node::Collection(v.clone()),
            _ => Node::Scalar {
                tag: Tag::of(v),
                text: fieldpath::scalar_text(v),
            },
        }
    }

    /// kyaml's `GetValue`: the scalar text, empty for null and collections.
    fn text(&self) -> &str {
        match self {
            Node::Scalar { tag: Tag::Null, .. } | Node::Collection(_) => "",
            Node::Scalar { text, .. } => text,
        }
    }

    fn kind(&self) -> Kind {
        match self {
            Node::Scalar { .. } => Kind::Scalar,
            Node::Collection(v) => Kind::of(v),
        }
    }

    /// The value kustomize prints for this node (it prints the tag, then reads it back).
    fn materialize(&self) -> std::result::Result<Value, String> {
        match self {
            Node::Collection(v) => Ok(v.clone()),
            Node::Scalar { tag, text } => typed_scalar(*tag, text),
        }
    }
}

/// What a scalar with `tag` and `text` reads back as, or why it cannot.
fn typed_scalar(tag: Tag, text: &str) -> std::result::Result<Value, String> {
    if tag == Tag::Str {
        return Ok(Value::String(text.to_string()));
    }
    let resolved = crate::yaml::parse::resolve_plain(text, false);
    if tag == Tag::Plain {
        return Ok(resolved);
    }
    let rtag = match &resolved {
        Value::String(_) => Tag::Str,
        other => Tag::of(other),
    };
    if rtag == tag || (tag == Tag::Float && rtag == Tag::Int) {
        Ok(resolved)
    } else {
        Err(format!(
            "cannot put {text:?} into a field of type {}: it reads as {}",
            tag.name(),
            rtag.name()
        ))
    }
}

/// Puts `outer` in front of the field path an error names.
fn within(mut e: Error, outer: &str) -> Error {
    if outer.is_empty() {
        return e;
    }
    e.field = Some(match e.field.take() {
        Some(inner) if inner.starts_with('[') => format!("{outer}{inner}"),
        Some(inner) => format!("{outer}.{inner}"),
        None => outer.to_string(),
    });
    e
}

/// Applies one replacement to `resources`.
pub fn apply(resources: &mut [Resource], r: &Replacement) -> Result<()> {
    let Some(source) = &r.source else {
        return Err(Error::msg(
            "a replacement must specify a source and at least one target",
        ));
    };
    if r.targets.is_empty() {
        return Err(Error::msg(
            "a replacement must specify a source and at least one target",
        ));
    }
    let value = source_value(resources, source)?;
    for (i, t) in r.targets.iter().enumerate() {
        apply_target(resources, &value, t).map_err(|e| within(e, &format!("targets[{i}]")))?;
    }
    Ok(())
}

/// kustomize's `ResId.IsSelectedBy`: empty selector fields match anything; the namespace
/// compares effective namespaces (empty is `default`, cluster-scoped kinds have none).
fn id_selected_by(id: &ResId, gvk: &Gvk, name: &str, namespace: &str) -> bool {
    if !name.is_empty() && name != id.name {
        return false;
    }
    if !namespace.is_empty() {
        let sel = ResId {
            gvk: gvk.clone(),
            name: String::new(),
            namespace: namespace.to_string(),
        };
        if effective_namespace(&sel) != effective_namespace(id) {
            return false;
        }
    }
    id.gvk.is_selected_by(gvk)
}

fn any_id_selected(r: &Resource, gvk: &Gvk, name: &str, namespace: &str) -> bool {
    r.all_ids()
        .iter()
        .any(|id| id_selected_by(id, gvk, name, namespace))
}

fn describe(gvk: &Gvk, name: &str, namespace: &str) -> String {
    let mut parts = Vec::new();
    for (k, v) in [
        ("group", gvk.group.as_str()),
        ("version", gvk.version.as_str()),
        ("kind", gvk.kind.as_str()),
        ("name", name),
        ("namespace", namespace),
    ] {
        if !v.is_empty() {
            parts.push(format!("{k}={v}"));
        }
    }
    if parts.is_empty() {
        "{} (everything)".to_string()
    } else {
        format!("{{{}}}", parts.join(", "))
    }
}

fn source_value(resources: &[Resource], s: &SourceSelector) -> Result<Node> {
    let gvk = Gvk::new(&s.group, &s.version, &s.kind);
    let sel = describe(&gvk, &s.name, &s.namespace);
    let mut found: Option<&Resource> = None;
    for r in resources {
        if !any_id_selected(r, &gvk, &s.name, &s.namespace) {
            continue;
        }
        if let Some(first) = found {
            return Err(Error::msg(format!(
                "replacement source {sel} selects more than one object: {} and {}",
                first.id(),
                r.id()
            ))
            .at_field("source")
            .with_hint("add kind, name or namespace to the source so that it selects one object"));
        }
        found = Some(r);
    }
    let Some(src) = found else {
        return Err(Error::msg(format!("replacement source {sel} selects nothing"))
            .at_field("source")
            .with_hint("a source is matched exactly (no patterns) by group, version, kind, name and namespace"));
    };
    let fp = if s.field_path.is_empty() {
        DEFAULT_FIELD_PATH
    } else {
        s.field_path.as_str()
    };
    let parts = fieldpath::split(fp);
    let node = fieldpath::lookup(&src.body, &parts).map_err(|e| {
        Error::msg(format!("cannot look up fieldPath {fp:?}: {e}"))
            .for_resource(src.id())
            .at_field("source.fieldPath")
    })?;
    let node = match node {
        Some(v) if !is_empty_node(v) => v,
        _ => {
            return Err(Error::msg(format!(
                "fieldPath {fp:?} is missing (or null or empty) in replacement source {}",
                src.id()
            ))
            .at_field("source.fieldPath"));
        }
    };
    let node = Node::from_value(node);
    refine_source(s.options.as_ref(), node).map_err(|m| {
        Error::msg(m)
            .for_resource(src.id())
            .at_field("source.options")
    })
}

fn is_empty_node(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Object(m) => m.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// kustomize's `getRefinedValue`: `delimiter` + `index` pick one part of a scalar.
fn refine_source(opts: Option<&FieldOptions>, node: Node) -> std::result::Result<Node, String> {
    let Some(o) = opts.filter(|o| !o.delimiter.is_empty()) else {
        return Ok(node);
    };
    let Node::Scalar { tag, text } = &node else {
        return Err("the delimiter option can only be used with scalar values".to_string());
    };
    let parts: Vec<&str> = text.split(o.delimiter.as_str()).collect();
    let part = usize::try_from(o.index)
        .ok()
        .and_then(|i| parts.get(i))
        .ok_or_else(|| {
            format!(
                "options.index {} is out of bounds for value {text:?} split by {:?} ({} parts)",
                o.index,
                o.delimiter,
                parts.len()
            )
        })?;
    Ok(Node::Scalar {
        tag: *tag,
        text: (*part).to_string(),
    })
}

fn apply_target(resources: &mut [Resource], value: &Node, t: &TargetSelector) -> Result<()> {
    let Some(select) = &t.select else {
        return Err(
            Error::msg("a replacement target must specify resources to select").at_field("select"),
        );
    };
    let sel_gvk = Gvk::new(&select.group, &select.version, &select.kind);
    let sel_labels = label_matcher(select)?;
    let mut reject_labels = Vec::new();
    for rj in &t.reject {
        if !rj.annotation_selector.is_empty() || !rj.label_selector.is_empty() {
            reject_labels.push(label_matcher(rj)?);
        }
    }
    let reject_ids: Vec<(Gvk, &Selector)> = t
        .reject
        .iter()
        .filter(|rj| {
            !(rj.group.is_empty()
                && rj.version.is_empty()
                && rj.kind.is_empty()
                && rj.name.is_empty()
                && rj.namespace.is_empty())
        })
        .map(|rj| (Gvk::new(&rj.group, &rj.version, &rj.kind), rj))
        .collect();
    let default_paths = [DEFAULT_FIELD_PATH.to_string()];
    let paths: &[String] = if t.field_paths.is_empty() {
        &default_paths
    } else {
        &t.field_paths
    };
    let opts = t.options.as_ref();
    for r in resources.iter_mut() {
        if !sel_labels.matches(r) || reject_labels.iter().any(|m| m.matches(r)) {
            continue;
        }
        if !any_id_selected(r, &sel_gvk, &select.name, &select.namespace) {
            continue;
        }
        if reject_ids
            .iter()
            .any(|(g, rj)| any_id_selected(r, g, &rj.name, &rj.namespace))
        {
            continue;
        }
        let id = r.id();
        for (j, fp) in paths.iter().enumerate() {
            copy_to_target(&mut r.body, value, fp, opts).map_err(|e| {
                let field = if t.field_paths.is_empty() {
                    "fieldPaths (default)".to_string()
                } else {
                    format!("fieldPaths[{j}]")
                };
                Error::msg(format!("{fp:?}: {e}"))
                    .for_resource(&id)
                    .at_field(field)
            })?;
        }
    }
    Ok(())
}

/// A matcher for only the label and annotation selectors of `s`.
fn label_matcher(s: &Selector) -> Result<Matcher> {
    Matcher::new(&Selector {
        label_selector: s.label_selector.clone(),
        annotation_selector: s.annotation_selector.clone(),
        ..Selector::default()
    })
}

fn copy_to_target(
    body: &mut Value,
    value: &Node,
    fp: &str,
    opts: Option<&FieldOptions>,
) -> std::result::Result<(), String> {
    let create = opts.is_some_and(|o| o.create).then(|| value.kind());
    let not_found = || {
        if create.is_some() {
            "unable to find or create this field in the replacement target".to_string()
        } else {
            "unable to find this field in the replacement target (set options.create to add it)"
                .to_string()
        }
    };
    let parts = fieldpath::split(fp);
    let hits = fieldpath::find_targets(body, &parts, create)
        .map_err(|e| format!("cannot follow this path in the replacement target: {e}"))?;
    if hits.is_empty() {
        return Err(not_found());
    }
    for hit in hits {
        let Hit::Node { path, created } = hit else {
            continue;
        };
        let Some(field) = fieldpath::get_mut(body, &path) else {
            continue;
        };
        let annotation = path.len() == 3
            && path[0] == Step::Key("metadata".into())
            && path[1] == Step::Key("annotations".into());
        set_field(opts, field, created, annotation, value)?;
    }
    stringify_annotations(body);
    Ok(())
}

/// kustomize rewrites every object's annotations as strings before printing (when it
/// removes its build annotations), so a number or boolean copied there prints quoted.
fn stringify_annotations(body: &mut Value) {
    if let Some(Value::Object(annos)) = body
        .get_mut("metadata")
        .and_then(|m| m.get_mut("annotations"))
    {
        for v in annos.values_mut() {
            if v.is_number() || v.is_boolean() {
                *v = Value::String(fieldpath::scalar_text(v));
            }
        }
    }
}

/// kustomize's `setFieldValue`.
///
/// An annotation value always ends up as its text: kustomize reads annotations back as
/// strings before printing.
fn set_field(
    opts: Option<&FieldOptions>,
    field: &mut Value,
    created: bool,
    annotation: bool,
    value: &Node,
) -> std::result::Result<(), String> {
    let is_scalar = !field.is_object() && !field.is_array();
    let field_tag = if created { Tag::Plain } else { Tag::of(field) };
    let field_text = if created {
        String::new()
    } else {
        fieldpath::scalar_text(field)
    };
    let mut value = value.clone();
    if let Some(o) = opts.filter(|o| !o.delimiter.is_empty()) {
        if !is_scalar {
            return Err("the delimiter option can only be used with scalar fields".to_string());
        }
        let mut parts: Vec<&str> = field_text.split(o.delimiter.as_str()).collect();
        let v = value.text().to_string();
        match usize::try_from(o.index) {
            Err(_) => parts.insert(0, &v),
            Ok(i) if i >= parts.len() => parts.push(&v),
            Ok(i) => parts[i] = &v,
        }
        let joined = parts.join(&o.delimiter);
        value = match value {
            Node::Scalar { tag, .. } => Node::Scalar { tag, text: joined },
            Node::Collection(_) => Node::Scalar {
                tag: Tag::Plain,
                text: joined,
            },
        };
    }
    *field = if is_scalar && annotation {
        Value::String(value.text().to_string())
    } else if is_scalar {
        // Only the text moves; the field keeps its own type.
        typed_scalar(field_tag, value.text())?
    } else {
        value.materialize()?
    };
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;
    use crate::resource::Origin;

    fn res(v: Value) -> Resource {
        Resource::new(v, Origin::default())
    }

    fn repl(y: &str) -> Replacement {
        serde_yaml::from_str(y).unwrap()
    }

    #[test]
    fn scalar_types_follow_the_target() {
        let mut rs = vec![
            res(
                json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "src"},
                       "data": {"port": "8080", "n": 7}}),
            ),
            res(
                json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
                       "spec": {"replicas": 1, "s": "x", "m": {"a": 1}}}),
            ),
        ];
        let r = repl(
            "source: {kind: ConfigMap, name: src, fieldPath: data.port}\n\
             targets:\n- select: {kind: Deployment}\n  fieldPaths: [spec.replicas, spec.m, spec.new]\n  options: {create: true}\n",
        );
        apply(&mut rs, &r).unwrap();
        assert_eq!(
            rs[1].body["spec"],
            json!({"replicas": 8080, "s": "x", "m": "8080", "new": 8080})
        );
        let r = repl(
            "source: {kind: ConfigMap, name: src, fieldPath: data.n}\n\
             targets:\n- select: {kind: Deployment}\n  fieldPaths: [spec.s]\n",
        );
        apply(&mut rs, &r).unwrap();
        assert_eq!(rs[1].body["spec"]["s"], json!("7"));
    }

    #[test]
    fn renamed_objects_match_by_any_of_their_names() {
        let mut src = res(json!({"apiVersion": "v1", "kind": "ConfigMap",
                                 "metadata": {"name": "cm"}, "data": {"k": "v"}}));
        src.set_name("p-cm");
        let mut dst = res(json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}}));
        dst.set_namespace("ns");
        let mut rs = vec![src, dst];
        for name in ["cm", "p-cm"] {
            let r = repl(&format!(
                "source: {{kind: ConfigMap, name: {name}, fieldPath: data.k}}\n\
                 targets:\n- select: {{name: s, namespace: default}}\n  fieldPaths: [data.{name}]\n  options: {{create: true}}\n"
            ));
            apply(&mut rs, &r).unwrap();
        }
        assert_eq!(rs[1].body["data"], json!({"cm": "v", "p-cm": "v"}));
        // The current namespace alone does not select it when it differs.
        let r = repl(
            "source: {kind: ConfigMap}\n\
             targets:\n- select: {name: s, namespace: other}\n  fieldPaths: [data.x]\n  options: {create: true}\n",
        );
        apply(&mut rs, &r).unwrap();
        assert!(rs[1].body["data"].get("x").is_none());
    }

    #[test]
    fn typed_scalars() {
        assert_eq!(typed_scalar(Tag::Int, "3"), Ok(json!(3)));
        assert_eq!(typed_scalar(Tag::Float, "3"), Ok(json!(3)));
        assert!(typed_scalar(Tag::Int, "abc").is_err());
        assert!(typed_scalar(Tag::Null, "8080").is_err());
        assert_eq!(typed_scalar(Tag::Plain, "true"), Ok(json!(true)));
        assert_eq!(typed_scalar(Tag::Str, "true"), Ok(json!("true")));
    }

    #[test]
    fn replacement_files_drop_unknown_fields() {
        let v = parse_replacement_file(
            b"- source: {kind: A, Name: x, bogus: 1}\n  targets: [{select: {kind: B}, extra: 1}]\n",
        )
        .unwrap();
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].source.as_ref().unwrap().name, "x");
        assert!(parse_replacement_file(b"").is_err());
        assert!(parse_replacement_file(b"just a string").is_err());
    }
}
