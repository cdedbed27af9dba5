//! Ordering beyond kustomize's (opt-in): dependency order and Argo CD sync waves.
//!
//! Every object gets a *category* (Namespace, CRD, cluster config, RBAC, config, storage,
//! network, data-layer workload, workload, everything else) and edges to the objects it
//! needs: its name references (`refs`), the `stackgen.dev/depends-on` annotation a Stack sets
//! from declared service dependencies, its Namespace and the CRD that defines its kind.
//! Waves are the smallest levels with
//! - level ≥ the category's level,
//! - level ≥ the level of every object referenced (same wave is fine: Argo CD applies a
//!   wave in kind order and the reference only needs to exist),
//! - level > the level of every `depends-on` target (Argo CD waits for a wave to be healthy
//!   before the next, so a web server starts after its database is ready),
//!
//! then renumbered densely from 0. `--order dependency` sorts by that level (stable, so
//! kustomize's order is kept inside a level); `--sync-waves` writes it as
//! `argocd.argoproj.io/sync-wave` and turns `stackgen.dev/hook: PreSync|Sync|PostSync|SyncFail`
//! into Argo CD hooks (e.g. a database migration Job before the sync).
pub mod refs;

use crate::hashing::HashMap;

use crate::value::Value;

use crate::error::{Error, Result};
use crate::resmap::ResMap;
use crate::resource::{Gvk, Resource};

pub const SYNC_WAVE: &str = "argocd.argoproj.io/sync-wave";
pub const ARGO_HOOK: &str = "argocd.argoproj.io/hook";
pub const ARGO_HOOK_DELETE: &str = "argocd.argoproj.io/hook-delete-policy";
/// Set by a Stack (or by hand) to make an object an Argo CD hook.
pub const STACK_HOOK: &str = "stackgen.dev/hook";
/// Label or annotation that puts a workload in the data layer (`stackgen.dev/layer: data`).
pub const LAYER: &str = "stackgen.dev/layer";

/// What an object is, for ordering. Declaration order is application order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Category {
    Namespace,
    Crd,
    ClusterConfig,
    Rbac,
    Config,
    Storage,
    Network,
    DataWorkload,
    Workload,
    Other,
}

impl Category {
    pub fn label(self) -> &'static str {
        match self {
            Category::Namespace => "namespace",
            Category::Crd => "crd",
            Category::ClusterConfig => "cluster-config",
            Category::Rbac => "rbac",
            Category::Config => "config",
            Category::Storage => "storage",
            Category::Network => "network",
            Category::DataWorkload => "data",
            Category::Workload => "workload",
            Category::Other => "other",
        }
    }
}

pub fn category(r: &Resource) -> Category {
    let data = r.label(LAYER) == Some("data") || r.annotation(LAYER) == Some("data");
    match r.kind() {
        "Namespace" => Category::Namespace,
        "CustomResourceDefinition" => Category::Crd,
        "PriorityClass" | "StorageClass" | "IngressClass" | "RuntimeClass" | "ResourceQuota"
        | "LimitRange" | "PodSecurityPolicy" | "ClusterSecretStore" | "SecretStore" => {
            Category::ClusterConfig
        }
        "ServiceAccount" | "Role" | "ClusterRole" | "RoleBinding" | "ClusterRoleBinding" => {
            Category::Rbac
        }
        "ConfigMap"
        | "Secret"
        | "ExternalSecret"
        | "SealedSecret"
        | "SopsSecret"
        | "SecretProviderClass" => Category::Config,
        "PersistentVolume" | "PersistentVolumeClaim" => Category::Storage,
        "Service" | "NetworkPolicy" | "Endpoints" | "EndpointSlice" => Category::Network,
        "StatefulSet" => Category::DataWorkload,
        "Deployment"
        | "DaemonSet"
        | "ReplicaSet"
        | "Pod"
        | "Job"
        | "CronJob"
        | "ReplicationController"
            if data =>
        {
            Category::DataWorkload
        }
        "Deployment"
        | "DaemonSet"
        | "ReplicaSet"
        | "Pod"
        | "Job"
        | "CronJob"
        | "ReplicationController" => Category::Workload,
        _ => Category::Other,
    }
}

/// Why one object needs another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EdgeKind {
    /// A name reference at this field.
    Ref(String),
    /// `stackgen.dev/depends-on`.
    DependsOn,
    /// The object's Namespace.
    Namespace,
    /// The CRD defining the object's kind.
    Crd,
    /// A label selector (Service, PodDisruptionBudget, NetworkPolicy): graphs only.
    Selects(&'static str),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edge {
    /// The object that needs (or selects) ...
    pub from: usize,
    /// ... this one.
    pub to: usize,
    pub kind: EdgeKind,
}

impl Edge {
    /// Whether `from` must be in a strictly later wave than `to`.
    pub fn strict(&self) -> bool {
        self.kind == EdgeKind::DependsOn
    }
}

/// Index of objects by kind and name.
struct Index<'a> {
    by_name: HashMap<(&'a str, &'a str), Vec<usize>>,
    list: &'a [Resource],
}

impl<'a> Index<'a> {
    fn new(list: &'a [Resource]) -> Index<'a> {
        let mut by_name: HashMap<(&str, &str), Vec<usize>> = HashMap::default();
        for (i, r) in list.iter().enumerate() {
            by_name.entry((r.kind(), r.name())).or_default().push(i);
        }
        Index { by_name, list }
    }

    fn find(&self, kind: &str, name: &str, ns: &str) -> Option<usize> {
        let cands = self.by_name.get(&(kind, name))?;
        cands.iter().copied().find(|&i| {
            let r = &self.list[i];
            r.gvk().is_cluster_scoped() || eff(r.namespace()) == eff(ns)
        })
    }

    /// Providers of a Secret that are not Secrets (ExternalSecret targets).
    fn find_provider(&self, kind: &str, name: &str, ns: &str) -> Option<usize> {
        if let Some(i) = self.find(kind, name, ns) {
            return Some(i);
        }
        if kind != "Secret" {
            return None;
        }
        self.list.iter().position(|r| {
            r.kind() != "Secret" && refs::provides(r, kind, name) && eff(r.namespace()) == eff(ns)
        })
    }
}

fn eff(ns: &str) -> &str {
    if ns.is_empty() { "default" } else { ns }
}

/// The dependency edges of a build (name references, depends-on, namespace, CRD).
pub fn edges(rm: &ResMap) -> Vec<Edge> {
    let list = rm.as_slice();
    let idx = Index::new(list);
    let mut crds: HashMap<(String, String), usize> = HashMap::default();
    for (i, r) in list.iter().enumerate() {
        if r.kind() == "CustomResourceDefinition" {
            let spec = r.body.get("spec");
            let g = spec
                .and_then(|s| s.get("group"))
                .and_then(Value::as_str)
                .unwrap_or("");
            let k = spec
                .and_then(|s| s.get("names"))
                .and_then(|n| n.get("kind"))
                .and_then(Value::as_str)
                .unwrap_or("");
            crds.insert((g.to_string(), k.to_string()), i);
        }
    }
    let mut out = Vec::new();
    for (from, r) in list.iter().enumerate() {
        for rf in refs::references(r) {
            let ns = rf.namespace.as_deref().unwrap_or(r.namespace());
            let to = match &rf.kind_given {
                Some(k) => idx.find(k, &rf.name, ns),
                None => rf
                    .kinds
                    .iter()
                    .find_map(|k| idx.find_provider(k, &rf.name, ns)),
            };
            if let Some(to) = to.filter(|&t| t != from) {
                let kind = if rf.field.ends_with(refs::DEPENDS_ON) {
                    EdgeKind::DependsOn
                } else {
                    EdgeKind::Ref(rf.field)
                };
                out.push(Edge { from, to, kind });
            }
        }
        if !r.namespace().is_empty()
            && !r.gvk().is_cluster_scoped()
            && let Some(to) = idx.find("Namespace", r.namespace(), "")
        {
            out.push(Edge {
                from,
                to,
                kind: EdgeKind::Namespace,
            });
        }
        let gvk = r.gvk();
        if let Some(&to) = crds.get(&(gvk.group.clone(), gvk.kind.clone())) {
            out.push(Edge {
                from,
                to,
                kind: EdgeKind::Crd,
            });
        }
    }
    out
}

/// Label-selector edges for graphs: Services, PodDisruptionBudgets and NetworkPolicies to the
/// workloads whose pods they select.
pub fn selection_edges(rm: &ResMap) -> Vec<Edge> {
    let list = rm.as_slice();
    let workloads: Vec<usize> = (0..list.len())
        .filter(|&i| refs::pod_spec(&list[i]).is_some())
        .collect();
    let mut out = Vec::new();
    for (from, r) in list.iter().enumerate() {
        let (sel, what) = match r.kind() {
            "Service" => (
                r.body.get("spec").and_then(|s| s.get("selector")),
                "selects",
            ),
            "PodDisruptionBudget" => (
                r.body.get("spec").and_then(|s| s.get("selector")),
                "protects",
            ),
            "NetworkPolicy" => (
                r.body.get("spec").and_then(|s| s.get("podSelector")),
                "applies to",
            ),
            _ => continue,
        };
        let Some(sel) = sel else { continue };
        // An empty Service selector selects nothing; an empty podSelector selects all pods.
        if r.kind() != "NetworkPolicy" && sel.as_object().is_none_or(|m| m.is_empty()) {
            continue;
        }
        for &w in &workloads {
            let wr = &list[w];
            if eff(wr.namespace()) == eff(r.namespace()) && refs::selects(sel, refs::pod_labels(wr))
            {
                out.push(Edge {
                    from,
                    to: w,
                    kind: EdgeKind::Selects(what),
                });
            }
        }
    }
    out
}

/// The wave of every object of `rm` (see the module docs).
pub fn waves(rm: &ResMap) -> Result<Vec<i64>> {
    let list = rm.as_slice();
    let edges = edges(rm);
    let mut level: Vec<i64> = list.iter().map(|r| category(r) as i64).collect();
    // Longest-path relaxation; more rounds than objects means a cycle of depends-on edges.
    let mut rounds = 0usize;
    loop {
        let mut changed = false;
        for e in &edges {
            let need = level[e.to] + i64::from(e.strict());
            if level[e.from] < need {
                level[e.from] = need;
                changed = true;
            }
        }
        if !changed {
            break;
        }
        rounds += 1;
        if rounds > list.len() + 1 {
            let cyc: Vec<String> = edges
                .iter()
                .filter(|e| e.strict())
                .map(|e| format!("{} -> {}", list[e.from].id(), list[e.to].id()))
                .collect();
            return Err(Error::msg(format!(
                "dependency cycle between objects: {}",
                cyc.join(", ")
            ))
            .with_hint(format!("remove one of the {} entries", refs::DEPENDS_ON)));
        }
    }
    let mut distinct = level.clone();
    distinct.sort_unstable();
    distinct.dedup();
    Ok(level
        .iter()
        .map(|l| distinct.binary_search(l).map_or(0, |p| p as i64))
        .collect())
}

/// Sorts `rm` by wave; inside a wave, referenced objects come before the objects that
/// reference them (a RoleBinding after its Role), otherwise the current order is kept.
pub fn order_by_dependency(rm: &mut ResMap) -> Result<()> {
    let w = waves(rm)?;
    let n = rm.len();
    let mut sub = vec![0usize; n];
    let same_wave: Vec<Edge> = edges(rm)
        .into_iter()
        .filter(|e| w[e.from] == w[e.to])
        .collect();
    // Bounded relaxation: reference cycles (legal, e.g. two objects naming each other)
    // simply stop climbing.
    for _ in 0..n.min(64) {
        let mut changed = false;
        for e in &same_wave {
            if sub[e.from] < sub[e.to] + 1 && sub[e.to] < n {
                sub[e.from] = sub[e.to] + 1;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let mut items: Vec<(i64, usize, Resource)> = w
        .into_iter()
        .zip(sub)
        .zip(rm.as_slice().iter().cloned())
        .map(|((w, s), r)| (w, s, r))
        .collect();
    items.sort_by_key(|(w, s, _)| (*w, *s));
    *rm.as_mut_vec() = items.into_iter().map(|(_, _, r)| r).collect();
    Ok(())
}

/// Writes `argocd.argoproj.io/sync-wave` on every object and turns `stackgen.dev/hook` into
/// Argo CD hooks. Returns notes for stderr (replaced annotations, hooks that reference
/// objects created only in the sync phase).
pub fn apply_sync_waves(rm: &mut ResMap) -> Result<Vec<String>> {
    let w = waves(rm)?;
    let edges = edges(rm);
    let mut notes = Vec::new();
    let hooks: Vec<bool> = rm
        .iter()
        .map(|r| r.annotation(STACK_HOOK).is_some() || r.annotation(ARGO_HOOK).is_some())
        .collect();
    for e in &edges {
        if hooks[e.from] && !hooks[e.to] && matches!(e.kind, EdgeKind::Ref(_)) {
            let (from, to) = (&rm.as_slice()[e.from], &rm.as_slice()[e.to]);
            let phase = from
                .annotation(STACK_HOOK)
                .or(from.annotation(ARGO_HOOK))
                .unwrap_or("");
            if phase.contains("PreSync") {
                notes.push(format!(
                    "note: hook {} runs before the sync but references {}, which the sync creates: the first sync of a new environment will wait for it",
                    from.id(),
                    to.id()
                ));
            }
        }
    }
    for (r, wave) in rm.iter_mut().zip(w) {
        let wave = wave.to_string();
        if let Some(old) = r.annotation(SYNC_WAVE)
            && old != wave
        {
            notes.push(format!(
                    "note: {}: sync-wave {old:?} replaced by {wave:?} (--sync-waves owns the annotation)",
                    r.id()
                ));
        }
        let hook = r.annotation(STACK_HOOK).map(str::to_string);
        let has_delete = r.annotation(ARGO_HOOK_DELETE).is_some();
        set_annotation(r, SYNC_WAVE, &wave);
        if let Some(h) = hook {
            let valid = ["PreSync", "Sync", "PostSync", "SyncFail", "Skip"];
            for part in h.split(',').map(str::trim) {
                if !valid.contains(&part) {
                    return Err(Error::msg(format!(
                        "{STACK_HOOK}: unknown hook {part:?}; expected one of {}",
                        valid.join(", ")
                    ))
                    .for_resource(r.id()));
                }
            }
            set_annotation(r, ARGO_HOOK, &h);
            if !has_delete {
                set_annotation(r, ARGO_HOOK_DELETE, "BeforeHookCreation");
            }
        }
    }
    Ok(notes)
}

/// Sets one annotation, creating `metadata.annotations` when needed.
pub fn set_annotation(r: &mut Resource, key: &str, value: &str) {
    let meta = r.metadata_mut();
    if !matches!(meta.get("annotations"), Some(Value::Object(_))) {
        meta.insert("annotations".into(), Value::Object(Default::default()));
    }
    if let Some(Value::Object(m)) = meta.get_mut("annotations") {
        m.insert(key.to_string(), Value::String(value.to_string()));
    }
}

/// Whether a kind is served: used by `KUBE_API_VERSIONS` checks.
pub fn gvk_string(g: &Gvk) -> String {
    format!("{}/{}", g.api_version(), g.kind)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;
    use crate::resource::Origin;

    fn res(v: Value) -> Resource {
        Resource::new(v, Origin::default())
    }

    #[test]
    fn depends_on_is_strict_and_refs_are_not() {
        let rm = ResMap::from_vec(vec![
            res(
                json!({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","annotations":{"stackgen.dev/depends-on":"db"}},
                "spec":{"template":{"spec":{"containers":[{"name":"c","envFrom":[{"configMapRef":{"name":"cfg"}}]}]}}}}),
            ),
            res(json!({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cfg"}})),
            res(
                json!({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"db","labels":{"stackgen.dev/layer":"data"}}}),
            ),
        ]);
        let w = waves(&rm).unwrap();
        assert!(w[1] <= w[0]);
        assert!(w[2] < w[0]);
        assert!(w[1] < w[2]);
    }

    #[test]
    fn depends_on_cycle_is_an_error() {
        let rm = ResMap::from_vec(vec![
            res(
                json!({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"a","annotations":{"stackgen.dev/depends-on":"b"}}}),
            ),
            res(
                json!({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"b","annotations":{"stackgen.dev/depends-on":"Deployment/a"}}}),
            ),
        ]);
        let e = waves(&rm).unwrap_err().to_string();
        assert!(e.contains("cycle"), "{e}");
    }

    #[test]
    fn hooks_are_translated() {
        let mut rm = ResMap::from_vec(vec![res(
            json!({"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"migrate","annotations":{"stackgen.dev/hook":"PreSync"}}}),
        )]);
        apply_sync_waves(&mut rm).unwrap();
        let r = &rm.as_slice()[0];
        assert_eq!(r.annotation(ARGO_HOOK), Some("PreSync"));
        assert_eq!(r.annotation(ARGO_HOOK_DELETE), Some("BeforeHookCreation"));
        assert_eq!(r.annotation(SYNC_WAVE), Some("0"));
        let mut bad = ResMap::from_vec(vec![res(
            json!({"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"m","annotations":{"stackgen.dev/hook":"Before"}}}),
        )]);
        assert!(apply_sync_waves(&mut bad).is_err());
    }
}
