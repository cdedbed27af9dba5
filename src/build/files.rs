//! Reading resource files: YAML streams of objects, `*List` kinds flattened.
use std::path::Path;
use std::sync::Arc;

use crate::value::Value;

use crate::error::{Error, Result};
use crate::loader::Loader;
use crate::resmap::ResMap;
use crate::resource::{Origin, Resource};

/// Reads the resource file `rel` (relative to `loader`) into resources.
pub fn load_resources(loader: &Loader, rel: &str) -> Result<ResMap> {
    let path = loader.resolve_file(rel)?;
    load_resolved(loader, &path)
}

/// [`load_resources`] for a path `loader` has already resolved (and checked).
pub fn load_resolved(loader: &Loader, path: &Path) -> Result<ResMap> {
    let bytes = crate::loader::read_bounded(path)?;
    let shown = Arc::new(display_path(path));
    let mut rm = resources_from_bytes(&bytes, shown)?;
    render_stack_templates(&mut rm, loader.template_vars())?;
    Ok(rm)
}

/// Renders templated string values of `Stack` documents (see `crate::template`).
fn render_stack_templates(rm: &mut ResMap, vars: &crate::template::TemplateVars) -> Result<()> {
    for r in rm.iter_mut() {
        if crate::template::is_stack(&r.body) && crate::template::has_templates(&r.body) {
            crate::template::Renderer::new(vars).render_value(
                &mut r.body,
                r.origin.file.as_path(),
                r.origin.line,
            )?;
        }
    }
    Ok(())
}

/// Paths in messages and origins are shown relative to the working directory when possible.
pub fn display_path(path: &Path) -> std::path::PathBuf {
    static CWD: std::sync::OnceLock<Option<std::path::PathBuf>> = std::sync::OnceLock::new();
    CWD.get_or_init(|| {
        std::env::current_dir()
            .ok()
            .and_then(|c| c.canonicalize().ok())
    })
    .as_ref()
    .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf))
    .unwrap_or_else(|| path.to_path_buf())
}

/// Parses a YAML stream of objects. Empty documents are skipped; a `FooList` with `items`
/// is replaced by its items, which kustomize appends after the file's other documents.
pub fn resources_from_bytes(bytes: &[u8], file: Arc<std::path::PathBuf>) -> Result<ResMap> {
    let text =
        crate::yaml::decode_utf8(bytes).map_err(|e| Error::from(e).in_file(file.as_path()))?;
    let docs =
        crate::yaml::parse_stream(text).map_err(|e| Error::from(e).in_file(file.as_path()))?;
    // List items go through JSON in kustomize, so only whole documents keep empty values.
    let mut queue: std::collections::VecDeque<(Value, usize, Vec<String>)> = docs
        .into_iter()
        .map(|d| (d.value, d.line, d.empty_nulls))
        .collect();
    let mut out = Vec::new();
    while let Some((value, line, empty_nulls)) = queue.pop_front() {
        let err = |msg: String| Error::msg(msg).in_file(file.as_path()).at_line(line);
        let obj = match value {
            Value::Null => continue,
            Value::Object(m) if m.is_empty() => continue,
            Value::Object(m) => m,
            other => {
                return Err(err(format!(
                    "a document must be a mapping (a Kubernetes object), found {}",
                    crate::types::type_name(&other)
                )));
            }
        };
        let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("");
        if kind.is_empty() {
            return Err(err("missing kind: every object needs `kind`".into()).at_field("kind"));
        }
        if kind.ends_with("List") && obj.contains_key("items") {
            match obj.get("items") {
                Some(Value::Array(items)) => {
                    for it in items {
                        queue.push_back((it.clone(), line, Vec::new()));
                    }
                    continue;
                }
                Some(Value::Null) => continue,
                _ => return Err(err(format!("expected a list in {kind} items")).at_field("items")),
            }
        }
        let name = obj
            .get("metadata")
            .and_then(|m| m.get("name"))
            .and_then(Value::as_str)
            .unwrap_or("");
        let api = obj.get("apiVersion").and_then(Value::as_str).unwrap_or("");
        if name.is_empty() && !kind.ends_with("List") {
            return Err(err(format!("{kind} has no metadata.name")).at_field("metadata.name"));
        }
        // kustomize passes objects without apiVersion through; no API server accepts one of
        // its own kinds like that, so those fail here (unknown kinds are left to validation).
        if api.is_empty() && BUILTIN_KINDS.contains(&kind) {
            return Err(err(format!("{kind} {name} has no apiVersion"))
                .for_resource(format!("{kind} {name}"))
                .at_field("apiVersion")
                .with_hint("add e.g. `apiVersion: v1` or `apiVersion: apps/v1` as the object's kind requires"));
        }
        if has_null_in_list(&obj)
            && let Some(p) = null_in_list_path(&obj)
        {
            return Err(
                err(format!("empty item in a list at {p}")).for_resource(format!("{kind} {name}"))
            );
        }
        let origin = Origin {
            file: file.clone(),
            line,
            generator: None,
            config: None,
        };
        let mut res = Resource::new(Value::Object(obj), origin);
        res.empty_nulls = empty_nulls;
        out.push(res);
    }
    let empty = out.is_empty();
    let mut rm = ResMap::from_vec(out);
    if empty {
        // kustomize accepts a file without objects; validation reports it (K001).
        rm.notes.push(crate::resmap::Note {
            code: "K001",
            file: file.clone(),
            line: 0,
            resource: None,
            message: "resource file holds no objects (kustomize silently adds nothing from it)"
                .into(),
        });
    }
    Ok(rm)
}

/// Kinds served by every Kubernetes API server, for the missing-apiVersion check.
const BUILTIN_KINDS: &[&str] = &[
    "ConfigMap",
    "CronJob",
    "DaemonSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "Ingress",
    "Job",
    "Namespace",
    "NetworkPolicy",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "Pod",
    "PodDisruptionBudget",
    "ReplicaSet",
    "Role",
    "RoleBinding",
    "ClusterRole",
    "ClusterRoleBinding",
    "Secret",
    "Service",
    "ServiceAccount",
    "StatefulSet",
    "StorageClass",
];

/// kustomize rejects objects with a null entry in any list.
/// Whether any list inside `obj` holds a null (allocation-free: this runs on every object).
fn has_null_in_list(obj: &crate::value::Map<String, Value>) -> bool {
    let mut todo: Vec<&Value> = obj.values().collect();
    while let Some(v) = todo.pop() {
        match v {
            Value::Array(a) => {
                if a.iter().any(Value::is_null) {
                    return true;
                }
                todo.extend(a.iter());
            }
            Value::Object(m) => todo.extend(m.values()),
            _ => {}
        }
    }
    false
}

/// Where the null list entry is, for the error message (only called when there is one).
fn null_in_list_path(obj: &crate::value::Map<String, Value>) -> Option<String> {
    let root = Value::Object(obj.clone());
    let mut todo: Vec<(&Value, String)> = vec![(&root, String::new())];
    while let Some((v, path)) = todo.pop() {
        match v {
            Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    if x.is_null() {
                        return Some(format!("{path}[{i}]"));
                    }
                    todo.push((x, format!("{path}[{i}]")));
                }
            }
            Value::Object(m) => {
                for (k, x) in m {
                    if matches!(x, Value::Array(_) | Value::Object(_)) {
                        let p = if path.is_empty() {
                            k.clone()
                        } else {
                            format!("{path}.{k}")
                        };
                        todo.push((x, p));
                    }
                }
            }
            _ => {}
        }
    }
    None
}
