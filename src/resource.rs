//! Resources and their identities.
//!
//! A [`Resource`] is a Kubernetes object's body (a JSON value that keeps key order), where it
//! came from, and the identities it had before transformers renamed it (so that references
//! can be fixed after prefixes, suffixes and hash suffixes change names).
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use crate::value::{Map, Value};

use crate::lookup::Lookup;

/// Group, version and kind.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Gvk {
    pub group: String,
    pub version: String,
    pub kind: String,
}

impl Gvk {
    pub fn new(group: &str, version: &str, kind: &str) -> Gvk {
        Gvk {
            group: group.to_string(),
            version: version.to_string(),
            kind: kind.to_string(),
        }
    }

    /// Splits `apps/v1` into (`apps`, `v1`) and `v1` into (``, `v1`).
    pub fn from_api_version(api_version: &str, kind: &str) -> Gvk {
        let (g, v) = split_api_version(api_version);
        Gvk::new(g, v, kind)
    }

    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// kustomize's selector semantics: empty selector fields match anything.
    pub fn is_selected_by(&self, sel: &Gvk) -> bool {
        (sel.group.is_empty() || sel.group == self.group)
            && (sel.version.is_empty() || sel.version == self.version)
            && (sel.kind.is_empty() || sel.kind == self.kind)
    }

    /// Whether kustomize is certain the kind is cluster-scoped (it never adds a namespace
    /// to these).
    pub fn is_cluster_scoped(&self) -> bool {
        crate::scope::is_cluster_scoped(self)
    }

    /// kustomize's `stableSortString`, used by the legacy order as a tie-breaker.
    pub fn stable_sort_key(&self) -> String {
        let or = or_placeholder;
        [
            or(&self.group, "~G"),
            "_",
            or(&self.version, "~V"),
            "_",
            or(&self.kind, "~K"),
        ]
        .concat()
    }
}

impl fmt::Display for Gvk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.group.is_empty() {
            write!(f, "{}.{}", self.kind, self.version)
        } else {
            write!(f, "{}.{}.{}", self.kind, self.version, self.group)
        }
    }
}

/// `s`, or `placeholder` when `s` is empty (kustomize's sort strings).
pub(crate) fn or_placeholder<'a>(s: &'a str, placeholder: &'static str) -> &'a str {
    if s.is_empty() { placeholder } else { s }
}

pub fn split_api_version(api_version: &str) -> (&str, &str) {
    // a byte loop: `find` costs more than the scan on strings this short
    match api_version.bytes().position(|c| c == b'/') {
        Some(i) => (&api_version[..i], &api_version[i + 1..]),
        None => ("", api_version),
    }
}

/// A resource id: gvk, namespace and name.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct ResId {
    pub gvk: Gvk,
    pub name: String,
    pub namespace: String,
}

impl ResId {
    /// The namespace as kustomize compares it: empty and `default` are the same.
    pub fn effective_namespace(&self) -> &str {
        effective_namespace(&self.namespace)
    }

    /// kustomize's `ResId.Equals` semantics (namespace `""` == `default`; cluster-scoped
    /// kinds ignore the namespace).
    pub fn same_as(&self, o: &ResId) -> bool {
        let g = &self.gvk;
        o.is_id_of(&g.group, &g.version, &g.kind, &self.name, &self.namespace)
    }

    /// [`ResId::same_as`] against an id given by its parts (borrowed from an object).
    fn is_id_of(&self, group: &str, version: &str, kind: &str, name: &str, ns: &str) -> bool {
        self.gvk.kind == kind
            && self.name == name
            && self.gvk.version == version
            && self.gvk.group == group
            && (self.gvk.is_cluster_scoped()
                || self.effective_namespace() == effective_namespace(ns))
    }
}

/// A namespace as kustomize compares it: empty and `default` are the same.
fn effective_namespace(ns: &str) -> &str {
    if ns.is_empty() { "default" } else { ns }
}

impl fmt::Display for ResId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.namespace.is_empty() {
            write!(f, "{} {}", self.gvk.kind, self.name)
        } else {
            write!(f, "{} {}/{}", self.gvk.kind, self.namespace, self.name)
        }
    }
}

/// Where a resource came from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Origin {
    /// The file it was read from, or the kustomization that generated it.
    pub file: Arc<PathBuf>,
    /// 1-based line where its document starts (0 for generated objects).
    pub line: usize,
    /// The generator kind that made it, if any (`ConfigMapGenerator`, ...).
    pub generator: Option<&'static str>,
    /// For an object made by a `generators:` config: that config's name and namespace
    /// (`file` is then the config's file).
    pub config: Option<Arc<(String, String)>>,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(f, "{}:{}", self.file.display(), self.line)
        } else {
            write!(f, "{}", self.file.display())
        }
    }
}

/// How a generated object combines with one of the same id from a base.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Behavior {
    #[default]
    Create,
    Merge,
    Replace,
}

/// A transformer that ran over an object: the file that configured it, its kind, and the
/// name and namespace of its config document (for `transformers:` entries).
pub type Transformation = (Arc<PathBuf>, &'static str, Option<Arc<(String, String)>>);

/// One Kubernetes object flowing through the pipeline.
#[derive(Debug, Clone)]
pub struct Resource {
    pub body: Value,
    pub origin: Origin,
    /// Ids this object had before renames and namespace changes, oldest first.
    pub prev_ids: Vec<ResId>,
    /// Generated objects whose name gets a content hash suffix when hashes are added.
    pub needs_hash: bool,
    /// Generator behavior against an object of the same id from a base.
    pub behavior: Behavior,
    /// Name prefixes added by prefix transformers, innermost first (kustomize's
    /// `internal.config.kubernetes.io/prefixes` build annotation).
    pub name_prefixes: Vec<String>,
    /// Name suffixes added by suffix transformers, innermost first.
    pub name_suffixes: Vec<String>,
    /// Builtin transformers that ran over this object when `buildMetadata` is set: the
    /// file that configured each, the transformer kind, and for a `transformers:` config its
    /// name and namespace, in order.
    pub transformations: Vec<Transformation>,
    /// Names of the vars whose objref names this object (kustomize's `refVarNames`).
    pub ref_var_names: Vec<String>,
    /// JSON pointers of mapping values read as empty (`key:`): kyaml's merge drops those
    /// where it keeps a spelled-out `null`. Only what was read from a file, until a patch
    /// rewrites the object.
    pub empty_nulls: Vec<String>,
}

impl Resource {
    pub fn new(body: Value, origin: Origin) -> Resource {
        Resource {
            body,
            origin,
            prev_ids: Vec::new(),
            needs_hash: false,
            behavior: Behavior::Create,
            name_prefixes: Vec::new(),
            name_suffixes: Vec::new(),
            transformations: Vec::new(),
            ref_var_names: Vec::new(),
            empty_nulls: Vec::new(),
        }
    }

    pub fn api_version(&self) -> &str {
        self.body
            .field("apiVersion")
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    pub fn kind(&self) -> &str {
        self.body
            .field("kind")
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    pub fn gvk(&self) -> Gvk {
        Gvk::from_api_version(self.api_version(), self.kind())
    }

    fn meta_str(&self, key: &str) -> &str {
        self.body
            .field("metadata")
            .and_then(|m| m.field(key))
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    pub fn name(&self) -> &str {
        self.meta_str("name")
    }

    pub fn namespace(&self) -> &str {
        self.meta_str("namespace")
    }

    /// The current id.
    pub fn id(&self) -> ResId {
        ResId {
            gvk: self.gvk(),
            name: self.name().to_string(),
            namespace: self.namespace().to_string(),
        }
    }

    /// Whether the current id is `id` as [`ResId::same_as`] compares, without building the
    /// id (lookups by id compare many candidates).
    pub fn id_same_as(&self, id: &ResId) -> bool {
        let (group, version) = split_api_version(self.api_version());
        id.is_id_of(group, version, self.kind(), self.name(), self.namespace())
    }

    /// Whether any of this object's ids (previous or current) is `id` (see
    /// [`Resource::all_ids`]).
    pub fn any_id_same_as(&self, id: &ResId) -> bool {
        self.prev_ids.iter().any(|x| x.same_as(id)) || self.id_same_as(id)
    }

    /// The id this object had when first read or generated.
    pub fn orig_id(&self) -> ResId {
        self.prev_ids.first().cloned().unwrap_or_else(|| self.id())
    }

    /// Every id this object has had, the current one last.
    pub fn all_ids(&self) -> Vec<ResId> {
        let mut v = self.prev_ids.clone();
        v.push(self.id());
        v
    }

    /// `metadata`, created if missing (or replaced if it is not a mapping).
    pub fn metadata_mut(&mut self) -> &mut Map<String, Value> {
        let Value::Object(body) = &mut self.body else {
            unreachable_body()
        };
        let m = body
            .entry("metadata")
            .or_insert_with(|| Value::Object(Map::new()));
        if !m.is_object() {
            *m = Value::Object(Map::new());
        }
        match m {
            Value::Object(m) => m,
            _ => unreachable_body(),
        }
    }

    /// Records the current id as a previous one (call before renaming).
    pub fn remember_id(&mut self) {
        let id = self.id();
        if self.prev_ids.last() != Some(&id) {
            self.prev_ids.push(id);
        }
    }

    /// kustomize's `StorePreviousId`: always records the current id (duplicates included).
    pub fn store_previous_id(&mut self) {
        let id = self.id();
        self.prev_ids.push(id);
    }

    pub fn set_name(&mut self, name: &str) {
        self.remember_id();
        self.metadata_mut()
            .insert("name".into(), Value::String(name.to_string()));
    }

    pub fn set_namespace(&mut self, ns: &str) {
        self.remember_id();
        self.metadata_mut()
            .insert("namespace".into(), Value::String(ns.to_string()));
    }

    /// A metadata string map (`labels`, `annotations`), if present.
    pub fn meta_map(&self, key: &str) -> Option<&Map<String, Value>> {
        self.body.field("metadata")?.field(key)?.as_object()
    }

    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.meta_map("annotations")?.field(key)?.as_str()
    }

    pub fn label(&self, key: &str) -> Option<&str> {
        self.meta_map("labels")?.field(key)?.as_str()
    }
}

#[cold]
fn unreachable_body() -> ! {
    // Resources are only constructed from mappings (checked at load time).
    panic!("internal error: resource body is not a mapping")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    #[test]
    fn ids_and_renames() {
        let mut r = Resource::new(
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "a"}}),
            Origin::default(),
        );
        assert_eq!(r.gvk(), Gvk::new("apps", "v1", "Deployment"));
        r.set_name("p-a");
        r.set_namespace("ns");
        assert_eq!(r.orig_id().name, "a");
        assert_eq!(r.id().namespace, "ns");
        assert_eq!(r.all_ids().len(), 3);
    }

    #[test]
    fn comparing_ids_in_place_agrees_with_building_them() {
        let bodies = [
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "a"}}),
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "a", "namespace": "default"}}),
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "a", "namespace": "x"}}),
            json!({"apiVersion": "extensions/v1beta1", "kind": "Deployment", "metadata": {"name": "a"}}),
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}}),
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a", "namespace": "x"}}),
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}),
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "b"}}),
            json!({"kind": "ConfigMap", "metadata": {"name": "a"}}),
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "a", "namespace": "y"}}),
        ];
        let objs: Vec<Resource> = bodies
            .iter()
            .map(|b| Resource::new(b.clone(), Origin::default()))
            .collect();
        for r in &objs {
            for o in &objs {
                let id = o.id();
                assert_eq!(r.id_same_as(&id), r.id().same_as(&id), "{} vs {id}", r.id());
                assert_eq!(
                    r.any_id_same_as(&id),
                    r.all_ids().iter().any(|x| x.same_as(&id))
                );
            }
        }
        // a previous id counts
        let mut r = objs[6].clone();
        r.set_name("renamed");
        assert!(r.any_id_same_as(&objs[6].id()));
        assert!(!r.id_same_as(&objs[6].id()));
    }
}
