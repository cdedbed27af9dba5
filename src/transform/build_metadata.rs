//! `buildMetadata` options applied at the end of a build, and the clean-up kustomize does
//! when it removes its internal annotations.
use std::path::{Path, PathBuf};

use crate::value::Value;

use crate::lookup::Lookup;

use super::fieldspec::{self, CreateKind};
use crate::build::Target;
use crate::error::Result;
use crate::resmap::ResMap;
use crate::types::FieldSpec;

/// The label value kubectl 1.33's kustomize writes for `managedByLabel`.
pub const MANAGED_BY_VALUE: &str = "kustomize-(devel)";
pub const MANAGED_BY_KEY: &str = "app.kubernetes.io/managed-by";

/// Runs after sorting: the managed-by label, then kustomize's removal of its build
/// annotations (which also drops `metadata.annotations` maps left empty).
pub fn finish(target: &Target, rm: &mut ResMap) -> Result<()> {
    if target
        .kust
        .build_metadata
        .iter()
        .any(|o| o == "managedByLabel")
    {
        let fs = FieldSpec {
            path: "metadata/labels".into(),
            create: true,
            ..Default::default()
        };
        for r in rm.iter_mut() {
            let gvk = r.gvk();
            let shown = r.id();
            fieldspec::apply(&mut r.body, &gvk, &fs, CreateKind::Map, &mut |v| {
                fieldspec::set_entry(v, MANAGED_BY_KEY, MANAGED_BY_VALUE)
            })
            .map_err(|e| e.for_resource(&shown))?;
        }
    }
    let opts = &target.kust.build_metadata;
    let origins = opts.iter().any(|o| o == "originAnnotations");
    let transformations = opts.iter().any(|o| o == "transformerAnnotations");
    let root = target.dir();
    // Each object on its own, on all cores (every object's annotations are rewritten).
    let Ok(()) = crate::par::for_each_mut(rm.as_mut_slice(), crate::par::LIGHT_CHUNK, |r| {
        if origins {
            let rel = relative_to(root, &absolute(r.origin.file.as_path()));
            match r.origin.generator {
                None if r.origin.line > 0 => {
                    set_annotation(r, ORIGIN_KEY, format!("path: {rel}\n"));
                }
                None => {}
                Some(kind) => {
                    // kustomize names the generator: builtin, its kind and, for a
                    // `generators:` config, the config's name and namespace.
                    let mut text = format!(
                        "configuredIn: {rel}\nconfiguredBy:\n  apiVersion: builtin\n  kind: {kind}\n"
                    );
                    if let Some(c) = &r.origin.config {
                        let (name, namespace) = c.as_ref();
                        if !name.is_empty() {
                            text.push_str(&format!("  name: {}\n", yaml_scalar(name)));
                        }
                        if !namespace.is_empty() {
                            text.push_str(&format!("  namespace: {}\n", yaml_scalar(namespace)));
                        }
                    }
                    set_annotation(r, ORIGIN_KEY, text);
                }
            }
        }
        if transformations && !r.transformations.is_empty() {
            let mut text = String::new();
            for (file, kind, config) in &r.transformations {
                let rel = relative_to(root, &absolute(file));
                text.push_str(&format!(
                    "- configuredIn: {rel}\n  configuredBy:\n    apiVersion: builtin\n    kind: {kind}\n"
                ));
                if let Some(c) = config {
                    let (name, namespace) = c.as_ref();
                    if !name.is_empty() {
                        text.push_str(&format!("    name: {}\n", yaml_scalar(name)));
                    }
                    if !namespace.is_empty() {
                        text.push_str(&format!("    namespace: {}\n", yaml_scalar(namespace)));
                    }
                }
            }
            set_annotation(r, TRANSFORMATIONS_KEY, text);
        }
        rewrite_annotations(&mut r.body, !(origins && transformations));
        Ok::<(), std::convert::Infallible>(())
    });
    Ok(())
}

/// A config name or namespace as YAML text (quoted when it would not read as a string).
fn yaml_scalar(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
        && !s.starts_with(['-', '.'])
        && !matches!(
            s.to_ascii_lowercase().as_str(),
            "true" | "false" | "yes" | "no" | "on" | "off" | "null" | "y" | "n" | "~"
        )
        && s.parse::<f64>().is_err();
    if plain {
        s.to_string()
    } else {
        crate::value::Value::String(s.to_string()).to_string()
    }
}

pub const ORIGIN_KEY: &str = "config.kubernetes.io/origin";
pub const TRANSFORMATIONS_KEY: &str = "alpha.config.kubernetes.io/transformations";

fn set_annotation(r: &mut crate::resource::Resource, key: &str, value: String) {
    let meta = r.metadata_mut();
    let a = meta
        .entry("annotations")
        .or_insert_with(|| Value::Object(Default::default()));
    if !a.is_object() {
        *a = Value::Object(Default::default());
    }
    if let Value::Object(m) = a {
        m.insert(key.to_string(), Value::String(value));
    }
}

fn absolute(p: &Path) -> PathBuf {
    p.canonicalize().unwrap_or_else(|_| p.to_path_buf())
}

/// `to` relative to the directory `from`, with `..` where needed (both absolute).
pub fn relative_to(from: &Path, to: &Path) -> String {
    let a: Vec<_> = from.components().collect();
    let b: Vec<_> = to.components().collect();
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut out = PathBuf::new();
    for _ in common..a.len() {
        out.push("..");
    }
    for c in &b[common..] {
        out.push(c);
    }
    out.to_string_lossy().into_owned()
}

/// kustomize ends a build by rewriting every object's annotations through kyaml's
/// `GetAnnotations`/`SetAnnotations` (removing its origin and transformer annotations, or
/// its build annotations): whatever `metadata.annotations` held becomes a map of strings
/// with sorted keys, and the field is removed when no entry is left (`null`, `{}`, a
/// scalar). With both origin and transformer annotations kept, only the removal of build
/// annotations remains, and it rewrites nothing when there are no entries.
fn rewrite_annotations(body: &mut Value, always: bool) {
    let Some(Value::Object(meta)) = body.field_mut("metadata") else {
        return;
    };
    let Some(current) = meta.field("annotations") else {
        return;
    };
    // Already what the rewrite would give (string values, keys in order): leave it.
    if let Value::Object(m) = current
        && !m.is_empty()
        && m.values().all(Value::is_string)
        && m.keys().zip(m.keys().skip(1)).all(|(a, b)| a < b)
    {
        return;
    }
    let entries = annotation_entries(current);
    if entries.is_empty() {
        if always {
            meta.remove("annotations");
        }
        return;
    }
    meta.insert(
        "annotations".into(),
        Value::Object(
            entries
                .into_iter()
                .map(|(k, v)| (k, Value::String(v)))
                .collect(),
        ),
    );
}

/// The entries kyaml reads from an annotations node: a mapping's pairs, a sequence's
/// items taken two by two, nothing from a scalar; every key and value as its scalar text
/// (empty for a collection, and for null: kyaml keeps `null` as written, `a:` as empty, and
/// we no longer know which it was).
fn annotation_entries(v: &Value) -> std::collections::BTreeMap<String, String> {
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null | Value::Object(_) | Value::Array(_) => String::new(),
    };
    match v {
        Value::Object(m) => m.iter().map(|(k, v)| (k.clone(), text(v))).collect(),
        Value::Array(items) => items
            .chunks_exact(2)
            .filter_map(|pair| match pair {
                [k, v] => Some((text(k), text(v))),
                _ => None,
            })
            .collect(),
        _ => Default::default(),
    }
}
