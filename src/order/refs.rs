//! Which objects an object points at: by name (the reference table) and by label selector.
//!
//! The name references mirror kustomize's `nameReference` table (the builtin transformer
//! config) for the kinds that matter to ordering and graphs: pod specs (service account,
//! ConfigMaps, Secrets, PVCs, priority and runtime classes), StatefulSet `serviceName`,
//! RBAC bindings, Ingress backends and TLS secrets, `scaleTargetRef`, webhook and APIService
//! services, storage classes, External Secrets stores. When the transformer's table module
//! grows a field-walking API this module should read that table instead of its own list.
use crate::value::Value;

use crate::resource::{Resource, split_api_version};

/// One edge from an object to another object of the build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ref {
    /// Kinds that can satisfy the reference, in preference order.
    pub kinds: Vec<&'static str>,
    /// Kind name when given by the referrer itself (roleRef, scaleTargetRef, stack deps).
    pub kind_given: Option<String>,
    pub name: String,
    /// Namespace named by the reference; `None` means the referrer's own.
    pub namespace: Option<String>,
    /// Field path in the referrer, for messages and graph labels.
    pub field: String,
}

fn s<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut cur = v;
    for p in path {
        cur = cur.get(p)?;
    }
    cur.as_str().filter(|s| !s.is_empty())
}

fn arr<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

struct Out(Vec<Ref>);

impl Out {
    fn push(&mut self, kinds: &[&'static str], name: Option<&str>, field: String) {
        if let Some(n) = name {
            self.0.push(Ref {
                kinds: kinds.to_vec(),
                kind_given: None,
                name: n.to_string(),
                namespace: None,
                field,
            });
        }
    }
}

const SECRET: &[&str] = &["Secret"];
const CONFIGMAP: &[&str] = &["ConfigMap"];

/// The pod spec of a workload, with its field path.
pub fn pod_spec(r: &Resource) -> Option<(&Value, &'static str)> {
    let b = &r.body;
    match r.kind() {
        "Pod" => b.get("spec").map(|v| (v, "spec")),
        "Deployment"
        | "ReplicaSet"
        | "StatefulSet"
        | "DaemonSet"
        | "Job"
        | "ReplicationController" => b
            .get("spec")?
            .get("template")?
            .get("spec")
            .map(|v| (v, "spec.template.spec")),
        "CronJob" => b
            .get("spec")?
            .get("jobTemplate")?
            .get("spec")?
            .get("template")?
            .get("spec")
            .map(|v| (v, "spec.jobTemplate.spec.template.spec")),
        _ => None,
    }
}

/// Pod template labels of a workload (for selector matching).
pub fn pod_labels(r: &Resource) -> Option<&crate::value::Map<String, Value>> {
    let b = &r.body;
    let meta = match r.kind() {
        "Pod" => b.get("metadata")?,
        "CronJob" => b
            .get("spec")?
            .get("jobTemplate")?
            .get("spec")?
            .get("template")?
            .get("metadata")?,
        _ => b.get("spec")?.get("template")?.get("metadata")?,
    };
    meta.get("labels")?.as_object()
}

fn pod_refs(spec: &Value, base: &str, out: &mut Out) {
    out.push(
        &["ServiceAccount"],
        s(spec, &["serviceAccountName"]).or_else(|| s(spec, &["serviceAccount"])),
        format!("{base}.serviceAccountName"),
    );
    out.push(
        &["PriorityClass"],
        s(spec, &["priorityClassName"]),
        format!("{base}.priorityClassName"),
    );
    out.push(
        &["RuntimeClass"],
        s(spec, &["runtimeClassName"]),
        format!("{base}.runtimeClassName"),
    );
    for (i, p) in arr(spec, "imagePullSecrets").iter().enumerate() {
        out.push(
            SECRET,
            s(p, &["name"]),
            format!("{base}.imagePullSecrets[{i}].name"),
        );
    }
    for (i, v) in arr(spec, "volumes").iter().enumerate() {
        let f = format!("{base}.volumes[{i}]");
        out.push(
            CONFIGMAP,
            s(v, &["configMap", "name"]),
            format!("{f}.configMap.name"),
        );
        out.push(
            SECRET,
            s(v, &["secret", "secretName"]),
            format!("{f}.secret.secretName"),
        );
        out.push(
            &["PersistentVolumeClaim"],
            s(v, &["persistentVolumeClaim", "claimName"]),
            format!("{f}.persistentVolumeClaim.claimName"),
        );
        if let Some(p) = v.get("projected") {
            for (j, src) in arr(p, "sources").iter().enumerate() {
                out.push(
                    CONFIGMAP,
                    s(src, &["configMap", "name"]),
                    format!("{f}.projected.sources[{j}].configMap.name"),
                );
                out.push(
                    SECRET,
                    s(src, &["secret", "name"]),
                    format!("{f}.projected.sources[{j}].secret.name"),
                );
            }
        }
        out.push(
            SECRET,
            s(v, &["csi", "nodePublishSecretRef", "name"]),
            format!("{f}.csi.nodePublishSecretRef.name"),
        );
        out.push(
            &["SecretProviderClass"],
            v.get("csi")
                .and_then(|c| c.get("volumeAttributes"))
                .and_then(|a| a.get("secretProviderClass"))
                .and_then(Value::as_str),
            format!("{f}.csi.volumeAttributes.secretProviderClass"),
        );
    }
    for list in ["initContainers", "containers", "ephemeralContainers"] {
        for (i, c) in arr(spec, list).iter().enumerate() {
            let f = format!("{base}.{list}[{i}]");
            for (j, e) in arr(c, "env").iter().enumerate() {
                out.push(
                    CONFIGMAP,
                    s(e, &["valueFrom", "configMapKeyRef", "name"]),
                    format!("{f}.env[{j}].valueFrom.configMapKeyRef.name"),
                );
                out.push(
                    SECRET,
                    s(e, &["valueFrom", "secretKeyRef", "name"]),
                    format!("{f}.env[{j}].valueFrom.secretKeyRef.name"),
                );
            }
            for (j, e) in arr(c, "envFrom").iter().enumerate() {
                out.push(
                    CONFIGMAP,
                    s(e, &["configMapRef", "name"]),
                    format!("{f}.envFrom[{j}].configMapRef.name"),
                );
                out.push(
                    SECRET,
                    s(e, &["secretRef", "name"]),
                    format!("{f}.envFrom[{j}].secretRef.name"),
                );
            }
        }
    }
}

/// Every name reference of `r`.
pub fn references(r: &Resource) -> Vec<Ref> {
    let mut out = Out(Vec::new());
    let b = &r.body;
    if let Some((spec, base)) = pod_spec(r) {
        pod_refs(spec, base, &mut out);
    }
    match r.kind() {
        "StatefulSet" => {
            out.push(
                &["Service"],
                s(b, &["spec", "serviceName"]),
                "spec.serviceName".into(),
            );
            if let Some(spec) = b.get("spec") {
                for (i, t) in arr(spec, "volumeClaimTemplates").iter().enumerate() {
                    out.push(
                        &["StorageClass"],
                        s(t, &["spec", "storageClassName"]),
                        format!("spec.volumeClaimTemplates[{i}].spec.storageClassName"),
                    );
                }
            }
        }
        "PersistentVolumeClaim" => {
            out.push(
                &["StorageClass"],
                s(b, &["spec", "storageClassName"]),
                "spec.storageClassName".into(),
            );
            out.push(
                &["PersistentVolume"],
                s(b, &["spec", "volumeName"]),
                "spec.volumeName".into(),
            );
        }
        "PersistentVolume" => out.push(
            &["StorageClass"],
            s(b, &["spec", "storageClassName"]),
            "spec.storageClassName".into(),
        ),
        "RoleBinding" | "ClusterRoleBinding" => {
            if let (Some(kind), Some(name)) =
                (s(b, &["roleRef", "kind"]), s(b, &["roleRef", "name"]))
            {
                out.0.push(Ref {
                    kinds: vec![],
                    kind_given: Some(kind.to_string()),
                    name: name.to_string(),
                    namespace: None,
                    field: "roleRef.name".into(),
                });
            }
            for (i, sub) in arr(b, "subjects").iter().enumerate() {
                if s(sub, &["kind"]) == Some("ServiceAccount")
                    && let Some(name) = s(sub, &["name"])
                {
                    out.0.push(Ref {
                        kinds: vec!["ServiceAccount"],
                        kind_given: None,
                        name: name.to_string(),
                        namespace: s(sub, &["namespace"]).map(str::to_string),
                        field: format!("subjects[{i}].name"),
                    });
                }
            }
        }
        "Ingress" => {
            out.push(
                &["IngressClass"],
                s(b, &["spec", "ingressClassName"]),
                "spec.ingressClassName".into(),
            );
            out.push(
                &["Service"],
                s(b, &["spec", "defaultBackend", "service", "name"]),
                "spec.defaultBackend.service.name".into(),
            );
            if let Some(spec) = b.get("spec") {
                for (i, t) in arr(spec, "tls").iter().enumerate() {
                    out.push(
                        SECRET,
                        s(t, &["secretName"]),
                        format!("spec.tls[{i}].secretName"),
                    );
                }
                for (i, rule) in arr(spec, "rules").iter().enumerate() {
                    if let Some(http) = rule.get("http") {
                        for (j, p) in arr(http, "paths").iter().enumerate() {
                            out.push(
                                &["Service"],
                                s(p, &["backend", "service", "name"])
                                    .or_else(|| s(p, &["backend", "serviceName"])),
                                format!("spec.rules[{i}].http.paths[{j}].backend.service.name"),
                            );
                        }
                    }
                }
            }
        }
        "HorizontalPodAutoscaler" | "VerticalPodAutoscaler" | "ScaledObject" => {
            let t = b.get("spec").and_then(|s| {
                s.get("scaleTargetRef")
                    .or_else(|| s.get("targetRef"))
                    .map(|v| (v, "scaleTargetRef"))
            });
            if let Some((t, f)) = t
                && let Some(name) = s(t, &["name"])
            {
                out.0.push(Ref {
                    kinds: vec!["Deployment"],
                    kind_given: s(t, &["kind"]).map(str::to_string),
                    name: name.to_string(),
                    namespace: None,
                    field: format!("spec.{f}.name"),
                });
            }
        }
        "ServiceAccount" => {
            for (i, x) in arr(b, "secrets").iter().enumerate() {
                out.push(SECRET, s(x, &["name"]), format!("secrets[{i}].name"));
            }
            for (i, x) in arr(b, "imagePullSecrets").iter().enumerate() {
                out.push(
                    SECRET,
                    s(x, &["name"]),
                    format!("imagePullSecrets[{i}].name"),
                );
            }
        }
        "ValidatingWebhookConfiguration" | "MutatingWebhookConfiguration" => {
            for (i, w) in arr(b, "webhooks").iter().enumerate() {
                if let Some(svc) = w.get("clientConfig").and_then(|c| c.get("service"))
                    && let Some(name) = s(svc, &["name"])
                {
                    out.0.push(Ref {
                        kinds: vec!["Service"],
                        kind_given: None,
                        name: name.to_string(),
                        namespace: s(svc, &["namespace"]).map(str::to_string),
                        field: format!("webhooks[{i}].clientConfig.service.name"),
                    });
                }
            }
        }
        "APIService" => {
            if let Some(svc) = b.get("spec").and_then(|s| s.get("service"))
                && let Some(name) = s(svc, &["name"])
            {
                out.0.push(Ref {
                    kinds: vec!["Service"],
                    kind_given: None,
                    name: name.to_string(),
                    namespace: s(svc, &["namespace"]).map(str::to_string),
                    field: "spec.service.name".into(),
                });
            }
        }
        "ExternalSecret" => {
            if let (Some(kind), Some(name)) = (
                s(b, &["spec", "secretStoreRef", "kind"]),
                s(b, &["spec", "secretStoreRef", "name"]),
            ) {
                out.0.push(Ref {
                    kinds: vec![],
                    kind_given: Some(kind.to_string()),
                    name: name.to_string(),
                    namespace: None,
                    field: "spec.secretStoreRef.name".into(),
                });
            }
        }
        _ => {}
    }
    out.0.extend(stack_dependencies(r));
    out.0
}

/// The annotation through which a Stack (or a person) declares that an object must wait
/// for others: a comma-separated list of `name` (any workload of that name in the same
/// namespace) or `Kind/name`.
pub const DEPENDS_ON: &str = "stackgen.dev/depends-on";

/// Kinds a bare name in `stackgen.dev/depends-on` may designate.
pub const WORKLOAD_KINDS: &[&str] = &[
    "StatefulSet",
    "Deployment",
    "DaemonSet",
    "Job",
    "CronJob",
    "Pod",
    "ReplicaSet",
];

fn stack_dependencies(r: &Resource) -> Vec<Ref> {
    let Some(list) = r.annotation(DEPENDS_ON) else {
        return Vec::new();
    };
    list.split(',')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(|item| {
            let (kind, name) = match item.split_once('/') {
                Some((k, n)) => (Some(k.to_string()), n.to_string()),
                None => (None, item.to_string()),
            };
            Ref {
                kinds: WORKLOAD_KINDS.to_vec(),
                kind_given: kind,
                name,
                namespace: None,
                field: format!("metadata.annotations.{DEPENDS_ON}"),
            }
        })
        .collect()
}

/// Whether `r` provides an object of `kind` named `name` (an `ExternalSecret`,
/// `SealedSecret` or `SopsSecret` provides its target Secrets).
pub fn provides(r: &Resource, kind: &str, name: &str) -> bool {
    if r.kind() == kind && r.name() == name {
        return true;
    }
    if kind == "Secret" {
        return match r.kind() {
            "ExternalSecret" => s(&r.body, &["spec", "target", "name"]).unwrap_or(r.name()) == name,
            "SealedSecret" => r.name() == name,
            "SopsSecret" => r
                .body
                .pointer("/spec/secretTemplates")
                .and_then(Value::as_array)
                .is_some_and(|ts| {
                    ts.iter()
                        .any(|t| t.get("name").and_then(Value::as_str) == Some(name))
                }),
            _ => false,
        };
    }
    false
}

/// Whether a label selector (`matchLabels` form or a plain map) selects `labels`.
/// `matchExpressions` are evaluated for `In`, `NotIn`, `Exists` and `DoesNotExist`.
pub fn selects(selector: &Value, labels: Option<&crate::value::Map<String, Value>>) -> bool {
    let empty = crate::value::Map::new();
    let labels = labels.unwrap_or(&empty);
    let Some(sel) = selector.as_object() else {
        return false;
    };
    let (match_labels, exprs) =
        if sel.contains_key("matchLabels") || sel.contains_key("matchExpressions") {
            (
                sel.get("matchLabels").and_then(Value::as_object),
                sel.get("matchExpressions").and_then(Value::as_array),
            )
        } else {
            (Some(sel), None)
        };
    if let Some(ml) = match_labels {
        for (k, v) in ml {
            if labels.get(k) != Some(v) {
                return false;
            }
        }
    }
    for e in exprs.into_iter().flatten() {
        let key = s(e, &["key"]).unwrap_or("");
        let values: Vec<&str> = arr(e, "values").iter().filter_map(Value::as_str).collect();
        let have = labels.get(key).and_then(Value::as_str);
        let ok = match s(e, &["operator"]).unwrap_or("") {
            "In" => have.is_some_and(|h| values.contains(&h)),
            "NotIn" => have.is_none_or(|h| !values.contains(&h)),
            "Exists" => have.is_some(),
            "DoesNotExist" => have.is_none(),
            _ => false,
        };
        if !ok {
            return false;
        }
    }
    true
}

/// `group` of an apiVersion.
pub fn group_of(api_version: &str) -> &str {
    split_api_version(api_version).0
}
