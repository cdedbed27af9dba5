//! An index of the objects of one build, made once, so that rules look things up instead of
//! scanning every object for every object.
use crate::hashing::HashMap;
use crate::lookup::Lookup;

use crate::value::{Map, Value};

use crate::resource::Resource;

/// A pod template (or a Pod): where pods with these labels would come from.
#[derive(Debug)]
pub struct PodTemplate<'a> {
    /// Index of the owning object.
    pub obj: usize,
    pub namespace: &'a str,
    pub labels: Option<&'a Map<String, Value>>,
    /// The pod spec.
    pub spec: &'a Value,
}

#[derive(Default)]
pub struct Index<'a> {
    /// kind → name → object indices.
    by_kind_name: HashMap<&'a str, HashMap<&'a str, Vec<usize>>>,
    /// kind → count (to know whether a build has any objects of a kind at all).
    kind_count: HashMap<&'a str, usize>,
    pub pods: Vec<PodTemplate<'a>>,
    /// (label key, label value) → indices into `pods`.
    pods_by_label: HashMap<(&'a str, &'a str), Vec<usize>>,
    /// namespace → indices into `pods`.
    pods_by_ns: HashMap<&'a str, Vec<usize>>,
    /// Namespace objects: (name, labels).
    pub namespaces: Vec<(&'a str, Option<&'a Map<String, Value>>)>,
    /// Objects that other objects of the build will create at run time: (kind, name) →
    /// namespaces. A Secret made by an ExternalSecret, a SealedSecret, a SopsSecret, a CSI
    /// SecretProviderClass or a cert-manager Certificate is not a dangling reference.
    produced: HashMap<(&'a str, &'a str), Vec<&'a str>>,
}

/// The Secrets an object makes at run time (operators of the common secret-delivery tools).
fn produced_secrets(r: &Resource) -> Vec<&str> {
    let (group, _) = crate::resource::split_api_version(r.api_version());
    let b = &r.body;
    fn s(v: Option<&Value>) -> Option<&str> {
        v.and_then(Value::as_str).filter(|x| !x.is_empty())
    }
    match (group, r.kind()) {
        ("external-secrets.io", "ExternalSecret") => {
            vec![s(super::get(b, &["spec", "target", "name"])).unwrap_or(r.name())]
        }
        // sops-secrets-operator: a SOPS-encrypted custom resource, decrypted in the cluster
        // into one Secret per template (names and keys stay readable, values are encrypted).
        ("isindir.github.com", "SopsSecret") => super::get(b, &["spec", "secretTemplates"])
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|t| s(t.field("name")))
            .collect(),
        ("bitnami.com", "SealedSecret") => {
            vec![s(super::get(b, &["spec", "template", "metadata", "name"])).unwrap_or(r.name())]
        }
        ("cert-manager.io", "Certificate") => s(super::get(b, &["spec", "secretName"]))
            .into_iter()
            .collect(),
        ("secrets-store.csi.x-k8s.io", "SecretProviderClass") => {
            super::get(b, &["spec", "secretObjects"])
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|o| s(o.field("secretName")))
                .collect()
        }
        _ => Vec::new(),
    }
}

/// Where a kind keeps its pod template: (path to the template's metadata+spec holder).
pub fn template_path(kind: &str) -> Option<&'static [&'static str]> {
    Some(match kind {
        "Deployment"
        | "ReplicaSet"
        | "StatefulSet"
        | "DaemonSet"
        | "Job"
        | "ReplicationController" => &["spec", "template"],
        "CronJob" => &["spec", "jobTemplate", "spec", "template"],
        "PodTemplate" => &["template"],
        "Pod" => &[],
        _ => return None,
    })
}

/// The pod spec of an object and its field path prefix (`spec.template.spec`).
pub fn pod_spec<'v>(kind: &str, body: &'v Value) -> Option<(&'v Value, String)> {
    let tp = template_path(kind)?;
    let holder = super::get(body, tp)?;
    let spec = holder.field("spec")?;
    if !spec.is_object() {
        return None;
    }
    let mut p = tp.join(".");
    if !p.is_empty() {
        p.push('.');
    }
    p.push_str("spec");
    Some((spec, p))
}

/// The labels a kind's pods get.
pub fn pod_labels<'v>(kind: &str, body: &'v Value) -> Option<&'v Map<String, Value>> {
    let tp = template_path(kind)?;
    super::get(body, tp)?
        .field("metadata")?
        .field("labels")?
        .as_object()
}

impl<'a> Index<'a> {
    pub fn new(objs: &'a [Resource]) -> Index<'a> {
        let mut ix = Index::default();
        for (i, r) in objs.iter().enumerate() {
            let kind = r.kind();
            let name = r.name();
            ix.by_kind_name
                .entry(kind)
                .or_default()
                .entry(name)
                .or_default()
                .push(i);
            *ix.kind_count.entry(kind).or_default() += 1;
            if kind == "Namespace" {
                ix.namespaces.push((name, r.meta_map("labels")));
            }
            for secret in produced_secrets(r) {
                ix.produced
                    .entry(("Secret", secret))
                    .or_default()
                    .push(r.namespace());
            }
            if let Some((spec, _)) = pod_spec(kind, &r.body) {
                let pi = ix.pods.len();
                let labels = pod_labels(kind, &r.body);
                if let Some(l) = labels {
                    for (k, v) in l {
                        if let Some(v) = v.as_str() {
                            ix.pods_by_label.entry((k, v)).or_default().push(pi);
                        }
                    }
                }
                let ns = r.namespace();
                ix.pods_by_ns.entry(ns).or_default().push(pi);
                ix.pods.push(PodTemplate {
                    obj: i,
                    namespace: ns,
                    labels,
                    spec,
                });
            }
        }
        ix
    }

    pub fn has_kind(&self, kind: &str) -> bool {
        self.kind_count.get(kind).is_some_and(|n| *n > 0)
    }

    /// Objects of `kind` named `name` that could live in namespace `ns`. An empty namespace
    /// on either side matches any (it is chosen when the stream is applied).
    pub fn find<'s>(
        &'s self,
        objs: &'a [Resource],
        kind: &str,
        ns: &'s str,
        name: &str,
    ) -> impl Iterator<Item = usize> + 's {
        self.by_kind_name
            .get(kind)
            .and_then(|m| m.get(name))
            .into_iter()
            .flatten()
            .copied()
            .filter(move |i| ns_compatible(ns, objs[*i].namespace()))
    }

    /// Whether an object of `kind` named `name` is in the build or made by one at run time.
    pub fn exists(&self, objs: &'a [Resource], kind: &str, ns: &str, name: &str) -> bool {
        self.find(objs, kind, ns, name).next().is_some()
            || self
                .produced
                .get(&(kind, name))
                .is_some_and(|nss| nss.iter().any(|n| ns_compatible(ns, n)))
    }

    /// Pod templates in `ns` whose labels match `sel` (`matchLabels` form: all pairs equal).
    /// Looks up the rarest pair first.
    pub fn pods_matching<'s>(
        &'s self,
        ns: &'s str,
        sel: &'s Map<String, Value>,
        exprs: Option<&'s Vec<Value>>,
    ) -> Vec<&'s PodTemplate<'a>> {
        let mut best: Option<&Vec<usize>> = None;
        for (k, v) in sel {
            let Some(v) = v.as_str() else {
                return Vec::new();
            };
            match self.pods_by_label.get(&(k.as_str(), v)) {
                None => return Vec::new(),
                Some(l) => {
                    if best.is_none_or(|b| l.len() < b.len()) {
                        best = Some(l)
                    }
                }
            }
        }
        let all: Vec<usize>;
        let candidates: &Vec<usize> = match best {
            Some(b) => b,
            None => {
                if ns.is_empty() {
                    all = (0..self.pods.len()).collect();
                    &all
                } else {
                    all = self
                        .pods_by_ns
                        .get(ns)
                        .into_iter()
                        .chain(self.pods_by_ns.get(""))
                        .flatten()
                        .copied()
                        .collect();
                    &all
                }
            }
        };
        candidates
            .iter()
            .map(|i| &self.pods[*i])
            .filter(|p| ns_compatible(ns, p.namespace))
            .filter(|p| labels_match(p.labels, sel) && exprs_match(p.labels, exprs))
            .collect()
    }
}

/// Namespaces that may be the same once applied ("" takes the namespace of `kubectl apply`).
pub fn ns_compatible(a: &str, b: &str) -> bool {
    a == b || a.is_empty() || b.is_empty() || (a == "default" && b.is_empty())
}

/// Whether `labels` carries every pair of `sel`.
pub fn labels_match(labels: Option<&Map<String, Value>>, sel: &Map<String, Value>) -> bool {
    sel.iter()
        .all(|(k, v)| labels.and_then(|l| l.field(k)) == Some(v))
}

/// `matchExpressions` semantics (In, NotIn, Exists, DoesNotExist); unknown operators match.
pub fn exprs_match(labels: Option<&Map<String, Value>>, exprs: Option<&Vec<Value>>) -> bool {
    let Some(exprs) = exprs else { return true };
    exprs.iter().all(|e| {
        let key = e.field("key").and_then(Value::as_str).unwrap_or("");
        let op = e.field("operator").and_then(Value::as_str).unwrap_or("");
        let vals: Vec<&str> = e
            .field("values")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let have = labels.and_then(|l| l.field(key)).and_then(Value::as_str);
        match op {
            "In" => have.is_some_and(|h| vals.contains(&h)),
            "NotIn" => have.is_none_or(|h| !vals.contains(&h)),
            "Exists" => have.is_some(),
            "DoesNotExist" => have.is_none(),
            _ => true,
        }
    })
}

/// A LabelSelector value's parts: (matchLabels, matchExpressions).
pub fn selector_parts(sel: &Value) -> (Option<&Map<String, Value>>, Option<&Vec<Value>>) {
    (
        sel.field("matchLabels").and_then(Value::as_object),
        sel.field("matchExpressions").and_then(Value::as_array),
    )
}

/// Whether a LabelSelector selects everything (`{}`).
pub fn selector_is_empty(sel: &Value) -> bool {
    let (ml, me) = selector_parts(sel);
    ml.is_none_or(|m| m.is_empty()) && me.is_none_or(|e| e.is_empty())
}
