//! Patching a Stack before it is expanded.
//!
//! Which patches: those of the declaring kustomization and of the kustomizations that
//! include it (innermost first, outermost last) that target a Stack, i.e.
//! - `patches:` entries whose `target` selects kind `Stack`, or without a target whose
//!   documents are Stacks (strategic merge by name);
//! - `patchesStrategicMerge:` documents that are Stacks;
//! - `patchesJson6902:` entries whose target's kind is `Stack`.
//!
//! The ordinary patch transformers must skip exactly these: see [`is_stack_selector`],
//! [`is_stack_document`] and [`is_stack_patch`].
//!
//! How a merge patch is applied: [`merge`], kustomize's strategic merge (`crate::patch::smp`)
//! with the Stack's merge keys ([`MERGE_KEYS`]) given to the engine as a small OpenAPI schema
//! ([`stack_merge_schema`]): `services`, `layers`, `secrets`, ports, env, ... merge by name,
//! `$patch: delete` on an item removes it, `null` removes a field, other lists are replaced.
use std::path::PathBuf;
use std::sync::OnceLock;

use crate::json;
use crate::value::Value;

use crate::build::Target;
use crate::error::{Error, Result};
use crate::patch::{MergeSchema, SmpOutcome, apply_smp};
use crate::resource::Resource;
use crate::select::Matcher;
use crate::types::{Patch, Selector};

/// Lists of the Stack and the key their items merge by (the Stack's strategic-merge
/// metadata, for `crate::patch::smp`). Paths are from the object root, `[]` for list items.
pub const MERGE_KEYS: &[(&str, &str)] = &[
    ("spec.layers", "name"),
    ("spec.secrets", "name"),
    ("spec.secrets[].externalSecret.data", "key"),
    ("spec.secrets[].csi.keys", "key"),
    ("spec.services", "name"),
    ("spec.services[].ports", "name"),
    ("spec.services[].env", "name"),
    ("spec.services[].configFiles", "path"),
    ("spec.services[].secretFiles", "mountPath"),
    ("spec.services[].storage", "name"),
    ("spec.services[].initContainers", "name"),
    ("spec.services[].initContainers[].env", "name"),
    ("spec.services[].initContainers[].ports", "name"),
    ("spec.services[].initContainers[].mounts", "mountPath"),
    ("spec.services[].initContainers[].configFiles", "path"),
    ("spec.services[].sidecars", "name"),
    ("spec.services[].sidecars[].env", "name"),
    ("spec.services[].sidecars[].ports", "name"),
    ("spec.services[].sidecars[].mounts", "mountPath"),
    ("spec.services[].sidecars[].configFiles", "path"),
    ("spec.services[].expose.ingress.paths", "path"),
    ("spec.services[].cluster.peerEnv", "name"),
];

/// Whether a patch selector targets Stacks (its kind pattern is `Stack`).
pub fn is_stack_selector(sel: &Selector) -> bool {
    sel.kind == super::KIND
        && (sel.group.is_empty() || sel.group == "stackgen.dev")
        && (sel.version.is_empty() || sel.version == "v1alpha1")
}

/// Whether a patch document is a (partial) Stack.
pub fn is_stack_document(doc: &Value) -> bool {
    doc.get("kind").and_then(Value::as_str) == Some(super::KIND)
        && doc
            .get("apiVersion")
            .and_then(Value::as_str)
            .is_none_or(|a| a.starts_with("stackgen.dev/"))
}

/// Whether a `patches:` (or `patchesJson6902:`) entry, whose content parsed to `docs`, is
/// applied to Stacks before expansion (and so must be skipped by the patch transformer).
pub fn is_stack_patch(p: &Patch, docs: &[Value]) -> bool {
    match &p.target {
        Some(sel) => is_stack_selector(sel),
        None => !docs.is_empty() && docs.iter().all(is_stack_document),
    }
}

/// One patch that applies to Stacks.
#[derive(Debug, Clone)]
pub struct StackPatch {
    pub kind: PatchKind,
    pub selector: Option<Matcher>,
    /// The kustomization that declared it (for messages).
    pub from: PathBuf,
}

#[derive(Debug, Clone)]
pub enum PatchKind {
    Merge(Value),
    Json6902(Vec<Value>),
}

impl StackPatch {
    pub fn applies_to(&self, r: &Resource) -> bool {
        match (&self.selector, &self.kind) {
            (Some(m), _) => m.matches(r),
            (None, PatchKind::Merge(doc)) => {
                let name = doc
                    .get("metadata")
                    .and_then(|m| m.get("name"))
                    .and_then(Value::as_str);
                name.is_none_or(|n| n == r.name())
            }
            (None, PatchKind::Json6902(_)) => false,
        }
    }

    pub fn apply(&self, body: &mut Value) -> Result<()> {
        match &self.kind {
            PatchKind::Merge(doc) => merge(body, doc),
            PatchKind::Json6902(ops) => json6902(body, ops),
        }
    }
}

fn parse_docs(text: &str, file: &std::path::Path) -> Result<Vec<Value>> {
    let docs = crate::yaml::parse_stream(text).map_err(|e| Error::from(e).in_file(file))?;
    Ok(docs
        .into_iter()
        .map(|d| d.value)
        .filter(|v| !v.is_null())
        .collect())
}

fn read(t: &Target, path: &str) -> Result<(PathBuf, String)> {
    let (p, bytes) = t
        .loader
        .read_file(path)
        .map_err(|e| e.in_file(t.file.as_path()))?;
    let shown = crate::build::files::display_path(&p);
    let text = crate::yaml::decode_utf8(&bytes)
        .map_err(|e| Error::from(e).in_file(&shown))?
        .to_string();
    Ok((shown, text))
}

/// The stack patches of one kustomization, in its own order of fields.
pub fn collect(t: &Target) -> Result<Vec<StackPatch>> {
    let mut out = Vec::new();
    let from = t.file.as_path().to_path_buf();
    for p in &t.kust.patches_strategic_merge {
        // kustomize: a path if it names a file, inline YAML otherwise.
        let (file, text) = match t.loader.resolve_file(p) {
            Ok(_) => read(t, p)?,
            Err(_) if p.contains('\n') || p.contains(':') => (from.clone(), p.clone()),
            Err(e) => return Err(e.in_file(t.file.as_path())),
        };
        for doc in parse_docs(&text, &file)? {
            if is_stack_document(&doc) {
                out.push(StackPatch {
                    kind: PatchKind::Merge(doc),
                    selector: None,
                    from: file.clone(),
                });
            }
        }
    }
    for p in &t.kust.patches {
        let (file, text) = if !p.path.is_empty() {
            read(t, &p.path)?
        } else {
            (from.clone(), p.patch.clone())
        };
        let docs = parse_docs(&text, &file)?;
        if !is_stack_patch(p, &docs) {
            continue;
        }
        let selector = match &p.target {
            Some(sel) => Some(Matcher::new(sel).map_err(|e| e.in_file(&from))?),
            None => None,
        };
        for doc in docs {
            let kind = match doc {
                Value::Array(ops) => PatchKind::Json6902(ops),
                other @ Value::Object(_) => PatchKind::Merge(other),
                _ => {
                    return Err(
                        Error::msg("a patch must be a mapping or a list of operations")
                            .in_file(&file),
                    );
                }
            };
            out.push(StackPatch {
                kind,
                selector: selector.clone(),
                from: file.clone(),
            });
        }
    }
    for p in &t.kust.patches_json6902 {
        let Some(sel) = &p.target else { continue };
        if !is_stack_selector(sel) {
            continue;
        }
        let (file, text) = if !p.path.is_empty() {
            read(t, &p.path)?
        } else {
            (from.clone(), p.patch.clone())
        };
        let selector = Some(Matcher::new(sel).map_err(|e| e.in_file(&from))?);
        for doc in parse_docs(&text, &file)? {
            let Value::Array(ops) = doc else {
                return Err(
                    Error::msg("a JSON 6902 patch must be a list of operations").in_file(&file)
                );
            };
            out.push(StackPatch {
                kind: PatchKind::Json6902(ops),
                selector: selector.clone(),
                from: file.clone(),
            });
        }
    }
    Ok(out)
}

/// The Stack's merge keys as a schema for the strategic-merge engine: one synthetic OpenAPI
/// definition for `stackgen.dev/v1alpha1` `Stack` whose lists in [`MERGE_KEYS`] carry
/// `x-kubernetes-patch-strategy: merge` and their `x-kubernetes-patch-merge-key`.
pub fn stack_merge_schema() -> &'static MergeSchema {
    static SCHEMA: OnceLock<MergeSchema> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let mut root = json!({"type": "object"});
        for (path, key) in MERGE_KEYS {
            let mut node = &mut root;
            for seg in path.split('.') {
                let (name, list) = match seg.strip_suffix("[]") {
                    Some(n) => (n, true),
                    None => (seg, false),
                };
                node = &mut node["properties"][name];
                if list {
                    node["type"] = "array".into();
                    node = &mut node["items"];
                }
                if node.get("type").is_none() {
                    node["type"] = "object".into();
                }
            }
            // The last segment names the merged list itself.
            node["type"] = "array".into();
            node["x-kubernetes-patch-strategy"] = "merge".into();
            node["x-kubernetes-patch-merge-key"] = (*key).into();
            if node.get("items").is_none() {
                node["items"] = json!({"type": "object"});
            }
        }
        root["x-kubernetes-group-version-kind"] =
            json!([{"group": "stackgen.dev", "version": "v1alpha1", "kind": super::KIND}]);
        let doc = json!({"definitions": {"dev.stackgen.v1alpha1.Stack": root}});
        MergeSchema::from_openapi_documents(&[doc], false).unwrap_or_else(|_| MergeSchema::empty())
    })
}

/// Applies a strategic-merge `patch` to the Stack `target` (see the module docs).
pub fn merge(target: &mut Value, patch: &Value) -> Result<()> {
    match apply_smp(target, patch, stack_merge_schema()) {
        Ok(SmpOutcome::Applied) => Ok(()),
        Ok(SmpOutcome::DeleteObject) => Err(Error::msg(
            "a patch cannot delete a Stack: remove it from the kustomization's resources instead",
        )),
        Err(e) => Err(Error::msg(e.msg)),
    }
}

/// RFC 6902 JSON Patch (add, remove, replace, move, copy, test).
pub fn json6902(doc: &mut Value, ops: &[Value]) -> Result<()> {
    for (i, op) in ops.iter().enumerate() {
        let at = |m: String| Error::msg(m).at_field(format!("patch operation {i}"));
        let name = op.get("op").and_then(Value::as_str).unwrap_or("");
        let path = op
            .get("path")
            .and_then(Value::as_str)
            .ok_or_else(|| at("missing path".into()))?;
        match name {
            "add" | "replace" | "test" => {
                let value = op
                    .get("value")
                    .cloned()
                    .ok_or_else(|| at(format!("{name} needs a value")))?;
                match name {
                    "add" => add(doc, path, value).map_err(at)?,
                    "replace" => {
                        let slot = doc
                            .pointer_mut(path)
                            .ok_or_else(|| at(format!("replace: no value at {path}")))?;
                        *slot = value;
                    }
                    _ => {
                        if doc.pointer(path) != Some(&value) {
                            return Err(at(format!("test failed at {path}")));
                        }
                    }
                }
            }
            "remove" => {
                remove(doc, path).map_err(at)?;
            }
            "move" | "copy" => {
                let from = op
                    .get("from")
                    .and_then(Value::as_str)
                    .ok_or_else(|| at(format!("{name} needs from")))?;
                let v = if name == "move" {
                    remove(doc, from).map_err(at)?
                } else {
                    doc.pointer(from)
                        .cloned()
                        .ok_or_else(|| at(format!("copy: no value at {from}")))?
                };
                add(doc, path, v).map_err(at)?;
            }
            other => return Err(at(format!("unknown operation {other:?}"))),
        }
    }
    Ok(())
}

fn split_pointer(path: &str) -> std::result::Result<(String, String), String> {
    let i = path
        .rfind('/')
        .ok_or_else(|| format!("{path:?} is not a JSON pointer"))?;
    let last = path[i + 1..].replace("~1", "/").replace("~0", "~");
    Ok((path[..i].to_string(), last))
}

fn add(doc: &mut Value, path: &str, v: Value) -> std::result::Result<(), String> {
    if path.is_empty() {
        *doc = v;
        return Ok(());
    }
    let (parent, last) = split_pointer(path)?;
    match doc.pointer_mut(&parent) {
        Some(Value::Object(m)) => {
            m.insert(last, v);
            Ok(())
        }
        Some(Value::Array(a)) => {
            if last == "-" {
                a.push(v);
                return Ok(());
            }
            let i: usize = last
                .parse()
                .map_err(|_| format!("{last:?} is not a list index"))?;
            if i > a.len() {
                return Err(format!("index {i} is past the end of {parent}"));
            }
            a.insert(i, v);
            Ok(())
        }
        _ => Err(format!("add: no mapping or list at {parent:?}")),
    }
}

fn remove(doc: &mut Value, path: &str) -> std::result::Result<Value, String> {
    let (parent, last) = split_pointer(path)?;
    match doc.pointer_mut(&parent) {
        Some(Value::Object(m)) => m
            .shift_remove(&last)
            .ok_or_else(|| format!("remove: no value at {path}")),
        Some(Value::Array(a)) => {
            let i: usize = last
                .parse()
                .map_err(|_| format!("{last:?} is not a list index"))?;
            if i >= a.len() {
                return Err(format!("remove: no value at {path}"));
            }
            Ok(a.remove(i))
        }
        _ => Err(format!("remove: no value at {path}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    #[test]
    fn merges_named_lists_by_name() {
        let mut t = json!({"apiVersion": "stackgen.dev/v1alpha1", "kind": "Stack", "spec": {"profile": "production", "services": [
            {"name": "api", "replicas": 2, "ports": [{"name": "http", "port": 80}]},
            {"name": "web"},
        ]}});
        merge(
            &mut t,
            &json!({"spec": {"profile": "kind", "services": [
                {"name": "api", "replicas": 5},
                {"name": "web", "$patch": "delete"},
                {"name": "new", "image": "x:1"},
            ]}}),
        )
        .unwrap();
        assert_eq!(
            t,
            json!({"apiVersion": "stackgen.dev/v1alpha1", "kind": "Stack", "spec": {"profile": "kind", "services": [
                {"name": "api", "replicas": 5, "ports": [{"name": "http", "port": 80}]},
                {"name": "new", "image": "x:1"},
            ]}})
        );
    }

    #[test]
    fn null_removes_and_scalars_replace() {
        let mut t = json!({"a": {"b": 1, "c": [1, 2]}});
        merge(&mut t, &json!({"a": {"b": null, "c": [3]}})).unwrap();
        assert_eq!(t, json!({"a": {"c": [3]}}));
        // Nested merge keys: env by name inside a service.
        let mut t = json!({"apiVersion": "stackgen.dev/v1alpha1", "kind": "Stack", "spec": {"services": [
            {"name": "api", "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]},
        ]}});
        merge(
            &mut t,
            &json!({"spec": {"services": [{"name": "api", "env": [{"name": "B", "value": "3"}]}]}}),
        )
        .unwrap();
        let env = t["spec"]["services"][0]["env"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        assert_eq!(env.len(), 2);
        assert!(env.contains(&json!({"name": "A", "value": "1"})));
        assert!(env.contains(&json!({"name": "B", "value": "3"})));
    }

    #[test]
    fn json_patch_ops() {
        let mut t = json!({"spec": {"services": [{"name": "api", "replicas": 1}]}});
        json6902(
            &mut t,
            &[
                json!({"op": "replace", "path": "/spec/services/0/replicas", "value": 4}),
                json!({"op": "add", "path": "/spec/profile", "value": "staging"}),
                json!({"op": "test", "path": "/spec/profile", "value": "staging"}),
            ],
        )
        .unwrap();
        assert_eq!(t["spec"]["services"][0]["replicas"], 4);
        assert!(
            json6902(
                &mut t,
                &[json!({"op": "replace", "path": "/spec/nope", "value": 1})]
            )
            .is_err()
        );
    }

    #[test]
    fn predicates() {
        let sel = Selector {
            kind: "Stack".into(),
            ..Selector::default()
        };
        assert!(is_stack_selector(&sel));
        let p = Patch::default();
        assert!(is_stack_patch(
            &p,
            &[json!({"apiVersion": "stackgen.dev/v1alpha1", "kind": "Stack"})]
        ));
        assert!(!is_stack_patch(
            &p,
            &[json!({"apiVersion": "apps/v1", "kind": "Deployment"})]
        ));
    }
}
