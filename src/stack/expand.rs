//! Expansion of a checked stack into Kubernetes objects: namespaces, secrets by reference,
//! and per service its ServiceAccount and RBAC, ConfigMaps, claims, Services, workload,
//! HPA, PDB and Ingress. NetworkPolicies are in `netpol.rs`.
//!
//! Labels: every object of a service carries `app.kubernetes.io/{name,instance,component,
//! part-of,managed-by}` and `stackgen.dev/layer`; selectors use only `name` and `instance`,
//! which no profile changes.
use crate::json;
use crate::value::{Map, Value};
use indexmap::IndexMap;
use sha2::{Digest, Sha256};

use super::profile::{Defaults, parse_quantity, pod_security_name};
use super::types::*;
use crate::error::{Error, Result};

pub const LAYER_LABEL: &str = "stackgen.dev/layer";
pub const MANAGED_BY: &str = "stackgen";
const CSI_DRIVER: &str = "secrets-store.csi.k8s.io";

/// Everything expansion needs to know about the stack as a whole.
pub struct Ctx<'a> {
    pub stack: &'a Stack,
    pub d: Defaults,
    pub part_of: String,
    /// layer name → namespace
    pub namespaces: IndexMap<&'a str, String>,
    /// (service, port name) → node port, for services exposed by NodePort
    pub node_ports: IndexMap<(String, String), u16>,
}

impl<'a> Ctx<'a> {
    pub fn new(stack: &'a Stack, d: Defaults) -> Ctx<'a> {
        let namespaces = stack
            .spec
            .layers
            .iter()
            .map(|l| {
                (
                    l.name.as_str(),
                    l.namespace
                        .clone()
                        .unwrap_or_else(|| format!("{}-layer", l.name)),
                )
            })
            .collect();
        let mut ctx = Ctx {
            stack,
            part_of: stack
                .spec
                .part_of
                .clone()
                .unwrap_or_else(|| stack.metadata.name.clone()),
            d,
            namespaces,
            node_ports: IndexMap::new(),
        };
        ctx.allocate_node_ports();
        ctx
    }

    pub fn instance(&self) -> &str {
        &self.stack.metadata.name
    }

    pub fn ns(&self, s: &Service) -> &str {
        self.namespaces
            .get(s.layer.as_str())
            .map(String::as_str)
            .unwrap_or("default")
    }

    pub fn service(&self, name: &str) -> Option<&'a Service> {
        self.stack.spec.services.iter().find(|s| s.name == name)
    }

    /// The Service type a service gets in this profile (None: no Service).
    pub fn service_type(&self, s: &Service) -> Option<ExposeType> {
        if !s.kind.long_running() || client_ports(s).is_empty() {
            return None;
        }
        let declared = s.expose.as_ref().and_then(|e| e.type_).unwrap_or_default();
        let external = s.expose.as_ref().is_some_and(|e| e.ingress.is_some())
            || matches!(declared, ExposeType::NodePort | ExposeType::LoadBalancer);
        match declared {
            ExposeType::None => None,
            _ if self.d.node_ports && external => Some(ExposeType::NodePort),
            t => Some(t),
        }
    }

    /// Fixed node ports: declared ones first, then the rest allocated from 30080 upwards.
    fn allocate_node_ports(&mut self) {
        let mut used: Vec<u16> = Vec::new();
        let mut wanted: Vec<(String, String, Option<u16>)> = Vec::new();
        for s in &self.stack.spec.services {
            if self.service_type(s) != Some(ExposeType::NodePort) {
                continue;
            }
            for p in client_ports(s) {
                if let Some(n) = p.node_port {
                    used.push(n);
                }
                wanted.push((s.name.clone(), p.name.clone(), p.node_port));
            }
        }
        let mut next = 30080u16;
        for (svc, port, fixed) in wanted {
            let n = match fixed {
                Some(n) => n,
                None if self.d.node_ports => {
                    while used.contains(&next) && next < 32767 {
                        next += 1;
                    }
                    used.push(next);
                    next
                }
                None => continue,
            };
            self.node_ports.insert((svc, port), n);
        }
    }

    pub fn selector(&self, s: &Service) -> Value {
        json!({
            "app.kubernetes.io/name": s.name,
            "app.kubernetes.io/instance": self.instance(),
        })
    }

    pub fn labels(&self, s: &Service) -> Value {
        let component = s.component.clone().unwrap_or_else(|| {
            if s.kind.long_running() {
                "server".into()
            } else {
                "job".into()
            }
        });
        json!({
            "app.kubernetes.io/name": s.name,
            "app.kubernetes.io/instance": self.instance(),
            "app.kubernetes.io/component": component,
            "app.kubernetes.io/part-of": self.part_of,
            "app.kubernetes.io/managed-by": MANAGED_BY,
            LAYER_LABEL: s.layer,
        })
    }

    pub fn meta(&self, s: &Service, name: &str) -> Value {
        json!({"name": name, "namespace": self.ns(s), "labels": self.labels(s)})
    }

    /// The Pod Security level enforced on a layer's namespace.
    pub fn pod_security(&self, layer: &Layer) -> PodSecurityLevel {
        layer
            .pod_security
            .or(self.stack.spec.pod_security)
            .unwrap_or(self.d.pod_security)
    }

    pub fn layer(&self, name: &str) -> Option<&'a Layer> {
        self.stack.spec.layers.iter().find(|l| l.name == name)
    }

    pub fn stack_labels(&self) -> Value {
        json!({
            "app.kubernetes.io/instance": self.instance(),
            "app.kubernetes.io/part-of": self.part_of,
            "app.kubernetes.io/managed-by": MANAGED_BY,
        })
    }
}

/// Ports of the main container and the sidecars.
pub fn all_ports(s: &Service) -> Vec<&Port> {
    s.ports
        .iter()
        .chain(s.sidecars.iter().flat_map(|c| c.ports.iter()))
        .collect()
}

/// The ports clients use: all but the StatefulSet's `peer` ports.
pub fn client_ports(s: &Service) -> Vec<&Port> {
    all_ports(s)
        .into_iter()
        .filter(|p| p.peer != Some(true))
        .collect()
}

fn obj(api: &str, kind: &str, metadata: Value, rest: Value) -> Value {
    let mut m = Map::new();
    m.insert("apiVersion".into(), api.into());
    m.insert("kind".into(), kind.into());
    m.insert("metadata".into(), metadata);
    if let Value::Object(r) = rest {
        m.extend(r);
    }
    Value::Object(m)
}

fn str_map(m: &IndexMap<String, String>) -> Value {
    Value::Object(
        m.iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect(),
    )
}

fn merge_into(target: &mut Value, extra: &IndexMap<String, String>) {
    if let Value::Object(t) = target {
        for (k, v) in extra {
            t.insert(k.clone(), Value::String(v.clone()));
        }
    }
}

/// Expands the stack into objects, in a readable order (kustomize sorts them anyway).
pub fn expand(ctx: &Ctx) -> Result<Vec<Value>> {
    let mut out = Vec::new();
    namespaces(ctx, &mut out);
    secrets(ctx, &mut out);
    for (i, s) in ctx.stack.spec.services.iter().enumerate() {
        service(ctx, s, &mut out).map_err(|e| e.at_field(format!("spec.services[{i}]")))?;
    }
    if ctx
        .stack
        .spec
        .network_policies
        .unwrap_or(ctx.d.network_policies)
    {
        super::netpol::policies(ctx, &mut out);
    }
    Ok(out)
}

/// The `stackgen.dev/validate-exception` annotation value of a list of exceptions.
pub fn exception_annotation(list: &[PolicyException]) -> Option<String> {
    if list.is_empty() {
        return None;
    }
    let lines: Vec<String> = list
        .iter()
        .map(|e| match &e.container {
            Some(c) => format!("{}[{c}]: {}", e.rule, e.reason.trim()),
            None => format!("{}: {}", e.rule, e.reason.trim()),
        })
        .collect();
    Some(lines.join("\n"))
}

fn namespaces(ctx: &Ctx, out: &mut Vec<Value>) {
    for l in &ctx.stack.spec.layers {
        let level = pod_security_name(ctx.pod_security(l));
        let ns = &ctx.namespaces[l.name.as_str()];
        let mut labels = ctx.stack_labels();
        if let Value::Object(m) = &mut labels {
            m.insert(LAYER_LABEL.into(), l.name.clone().into());
            m.insert("pod-security.kubernetes.io/enforce".into(), level.into());
            m.insert(
                "pod-security.kubernetes.io/warn".into(),
                "restricted".into(),
            );
            m.insert(
                "pod-security.kubernetes.io/audit".into(),
                "restricted".into(),
            );
        }
        merge_into(&mut labels, &l.labels);
        let mut meta = json!({"name": ns, "labels": labels});
        let mut annotations = l.annotations.clone();
        if let Some(e) = exception_annotation(&l.policy_exceptions) {
            annotations.insert(crate::validate::exceptions::EXCEPTION_ANNOTATION.into(), e);
        }
        if !annotations.is_empty() {
            meta["annotations"] = str_map(&annotations);
        }
        out.push(obj("v1", "Namespace", meta, json!({})));
        super::quota::layer_objects(ctx, l, out);
    }
}

/// Names of the secrets a container's env refers to.
fn env_secrets(env: &[EnvVar]) -> impl Iterator<Item = &str> {
    env.iter()
        .filter_map(|e| e.secret.as_ref().map(|r| r.name.as_str()))
}

/// Secrets a service uses, in first-use order.
pub fn used_secrets(s: &Service) -> Vec<&str> {
    let mut v: Vec<&str> = Vec::new();
    let all = env_secrets(&s.env)
        .chain(s.sidecars.iter().flat_map(|c| env_secrets(&c.env)))
        .chain(s.init_containers.iter().flat_map(|c| env_secrets(&c.env)))
        .chain(s.secret_files.iter().map(|f| f.secret.as_str()))
        .chain(s.image_pull_secrets.iter().map(String::as_str));
    for n in all {
        if !v.contains(&n) {
            v.push(n);
        }
    }
    v
}

fn secrets(ctx: &Ctx, out: &mut Vec<Value>) {
    for sec in &ctx.stack.spec.secrets {
        // One per namespace that uses it, in layer order.
        let mut nss: Vec<&str> = Vec::new();
        for l in &ctx.stack.spec.layers {
            let ns = ctx.namespaces[l.name.as_str()].as_str();
            let used = ctx
                .stack
                .spec
                .services
                .iter()
                .any(|s| s.layer == l.name && used_secrets(s).contains(&sec.name.as_str()));
            if used && !nss.contains(&ns) {
                nss.push(ns);
            }
        }
        for ns in nss {
            let meta = json!({"name": sec.name, "namespace": ns, "labels": ctx.stack_labels()});
            if let Some(es) = &sec.external_secret {
                let data: Vec<Value> = es
                    .data
                    .iter()
                    .map(|k| {
                        let mut rr = json!({"key": k.remote_key});
                        if let Some(p) = &k.property {
                            rr["property"] = p.clone().into();
                        }
                        json!({"secretKey": k.key, "remoteRef": rr})
                    })
                    .collect();
                out.push(obj(
                    "external-secrets.io/v1",
                    "ExternalSecret",
                    meta,
                    json!({"spec": {
                        "refreshInterval": es.refresh_interval.clone().unwrap_or_else(|| "1h".into()),
                        "secretStoreRef": {
                            "name": es.store,
                            "kind": es.store_kind.clone().unwrap_or_else(|| "ClusterSecretStore".into()),
                        },
                        "target": {"name": sec.name, "creationPolicy": "Owner"},
                        "data": data,
                    }}),
                ));
            } else if let Some(csi) = &sec.csi {
                let data: Vec<Value> = csi
                    .keys
                    .iter()
                    .map(|k| json!({"key": k.key, "objectName": k.object_name}))
                    .collect();
                let mut parameters = csi.parameters.clone();
                if csi.provider == "azure" && !parameters.contains_key("objects") {
                    parameters.insert("objects".into(), azure_objects(&csi.keys));
                }
                out.push(obj(
                    "secrets-store.csi.x-k8s.io/v1",
                    "SecretProviderClass",
                    meta,
                    json!({"spec": {
                        "provider": csi.provider,
                        "parameters": str_map(&parameters),
                        "secretObjects": [{"secretName": sec.name, "type": "Opaque", "data": data}],
                    }}),
                ));
            }
        }
    }
}

/// The Azure Key Vault provider's `objects` parameter: every object the keys name, once.
fn azure_objects(keys: &[CsiKey]) -> String {
    let mut out = String::from("array:\n");
    let mut seen: Vec<&str> = Vec::new();
    for k in keys {
        if seen.contains(&k.object_name.as_str()) {
            continue;
        }
        seen.push(&k.object_name);
        out.push_str(&format!(
            "  - |\n    objectName: {}\n    objectType: {}\n",
            k.object_name,
            k.object_type.as_deref().unwrap_or("secret")
        ));
    }
    out
}

fn service(ctx: &Ctx, s: &Service, out: &mut Vec<Value>) -> Result<()> {
    let ns = ctx.ns(s);
    let sa = s.service_account.clone().unwrap_or_default();
    let has_rules = !sa.rules.is_empty() || !sa.cluster_rules.is_empty();
    let automount = sa.automount_token.unwrap_or(has_rules);

    // ServiceAccount and RBAC.
    let mut sa_meta = ctx.meta(s, &s.name);
    if !sa.annotations.is_empty() {
        sa_meta["annotations"] = str_map(&sa.annotations);
    }
    out.push(obj(
        "v1",
        "ServiceAccount",
        sa_meta,
        json!({"automountServiceAccountToken": automount}),
    ));
    let subject = json!([{"kind": "ServiceAccount", "name": s.name, "namespace": ns}]);
    if !sa.rules.is_empty() {
        out.push(obj(
            "rbac.authorization.k8s.io/v1",
            "Role",
            ctx.meta(s, &s.name),
            json!({"rules": rules(&sa.rules)}),
        ));
        out.push(obj(
            "rbac.authorization.k8s.io/v1",
            "RoleBinding",
            ctx.meta(s, &s.name),
            json!({
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": s.name},
                "subjects": subject,
            }),
        ));
    }
    if !sa.cluster_rules.is_empty() {
        let name = format!("{}-{}", ctx.instance(), s.name);
        let meta = json!({"name": name, "labels": ctx.labels(s)});
        out.push(obj(
            "rbac.authorization.k8s.io/v1",
            "ClusterRole",
            meta.clone(),
            json!({"rules": rules(&sa.cluster_rules)}),
        ));
        out.push(obj(
            "rbac.authorization.k8s.io/v1",
            "ClusterRoleBinding",
            meta,
            json!({
                "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": name},
                "subjects": subject,
            }),
        ));
    }

    // ConfigMaps: settings as environment, files' contents.
    let mut config_hash = Sha256::new();
    let env_cm = format!("{}-env", s.name);
    if !s.config.is_empty() {
        let data: Map<String, Value> = s
            .config
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.0.clone())))
            .collect();
        config_hash.update(serde_json::to_vec(&data).unwrap_or_default());
        out.push(obj(
            "v1",
            "ConfigMap",
            ctx.meta(s, &env_cm),
            json!({"data": data}),
        ));
    }
    let files = file_keys(s);
    let files_cm = format!("{}-files", s.name);
    if files.iter().any(|(_, f, _)| f.content.is_some()) {
        let data: Map<String, Value> = files
            .iter()
            .filter_map(|(k, f, _)| {
                f.content
                    .as_ref()
                    .map(|c| (k.clone(), Value::String(c.clone())))
            })
            .collect();
        config_hash.update(serde_json::to_vec(&data).unwrap_or_default());
        out.push(obj(
            "v1",
            "ConfigMap",
            ctx.meta(s, &files_cm),
            json!({"data": data}),
        ));
    }

    // Claims of non-StatefulSet workloads.
    if s.kind != WorkloadKind::StatefulSet {
        for v in &s.storage {
            if let Some(p) = &v.persistent {
                out.push(obj(
                    "v1",
                    "PersistentVolumeClaim",
                    ctx.meta(s, &format!("{}-{}", s.name, v.name)),
                    json!({"spec": claim_spec(ctx, p)}),
                ));
            }
        }
    }

    // Services.
    let svc_type = ctx.service_type(s);
    // The headless Service carries every port (cluster traffic too), the client one the rest.
    let svc_ports = |ports: Vec<&Port>, node_ports: bool| -> Vec<Value> {
        ports
            .iter()
            .map(|p| {
                let mut v = json!({
                    "name": p.name,
                    "port": p.port,
                    "targetPort": p.name,
                    "protocol": p.protocol.unwrap_or_default().as_str(),
                });
                if node_ports && let Some(n) = ctx.node_ports.get(&(s.name.clone(), p.name.clone()))
                {
                    v["nodePort"] = (*n).into();
                }
                v
            })
            .collect()
    };
    let headless = format!("{}-headless", s.name);
    if s.kind == WorkloadKind::StatefulSet {
        let mut spec = json!({
            "clusterIP": "None",
            "publishNotReadyAddresses": true,
            "selector": ctx.selector(s),
        });
        let ports = all_ports(s);
        if !ports.is_empty() {
            spec["ports"] = svc_ports(ports, false).into();
        }
        out.push(obj(
            "v1",
            "Service",
            ctx.meta(s, &headless),
            json!({"spec": spec}),
        ));
    }
    if let Some(t) = svc_type {
        let type_name = match t {
            ExposeType::NodePort => "NodePort",
            ExposeType::LoadBalancer => "LoadBalancer",
            _ => "ClusterIP",
        };
        out.push(obj(
            "v1",
            "Service",
            ctx.meta(s, &s.name),
            json!({"spec": {
                "type": type_name,
                "selector": ctx.selector(s),
                "ports": svc_ports(client_ports(s), t == ExposeType::NodePort),
            }}),
        ));
    }

    // The workload.
    let replicas = replicas(ctx, s);
    let template = pod_template(ctx, s, &files, config_hash, automount)?;
    let mut meta = ctx.meta(s, &s.name);
    if let Some(v) = image_version(&s.image) {
        meta["labels"]["app.kubernetes.io/version"] = v.into();
    }
    let mut annotations = s.annotations.clone();
    if let Some(e) = exception_annotation(&s.policy_exceptions) {
        annotations.insert(crate::validate::exceptions::EXCEPTION_ANNOTATION.into(), e);
    }
    if !annotations.is_empty() {
        meta["annotations"] = str_map(&annotations);
    }
    let selector = json!({"matchLabels": ctx.selector(s)});
    let workload = match s.kind {
        WorkloadKind::Deployment => obj(
            "apps/v1",
            "Deployment",
            meta,
            json!({"spec": {"replicas": replicas, "selector": selector, "template": template}}),
        ),
        WorkloadKind::StatefulSet => {
            let mut spec = json!({
                "serviceName": headless,
                "replicas": replicas,
                "selector": selector,
                "template": template,
            });
            if let Some(PodManagementPolicy::Parallel) =
                s.cluster.as_ref().and_then(|c| c.pod_management_policy)
            {
                spec["podManagementPolicy"] = "Parallel".into();
            }
            let claims: Vec<Value> = s
                .storage
                .iter()
                .filter_map(|v| {
                    v.persistent.as_ref().map(|p| {
                        json!({
                            "metadata": {"name": v.name, "labels": ctx.selector(s)},
                            "spec": claim_spec(ctx, p),
                        })
                    })
                })
                .collect();
            if !claims.is_empty() {
                spec["volumeClaimTemplates"] = claims.into();
            }
            obj("apps/v1", "StatefulSet", meta, json!({"spec": spec}))
        }
        WorkloadKind::DaemonSet => obj(
            "apps/v1",
            "DaemonSet",
            meta,
            json!({"spec": {"selector": selector, "template": template}}),
        ),
        WorkloadKind::Job => {
            let mut spec = job_spec(s, template);
            if spec.get("ttlSecondsAfterFinished").is_none() {
                spec["ttlSecondsAfterFinished"] = 86400.into();
            }
            obj("batch/v1", "Job", meta, json!({"spec": spec}))
        }
        WorkloadKind::CronJob => {
            let job = s.job.clone().unwrap_or_default();
            let mut spec = json!({
                "schedule": s.schedule.clone().unwrap_or_default(),
                "concurrencyPolicy": job.concurrency_policy.unwrap_or_else(|| "Forbid".into()),
                "successfulJobsHistoryLimit": 3,
                "failedJobsHistoryLimit": 1,
                "jobTemplate": {
                    "metadata": {"labels": ctx.labels(s)},
                    "spec": job_spec(s, template),
                },
            });
            if let Some(tz) = &s.time_zone {
                spec["timeZone"] = tz.clone().into();
            }
            obj("batch/v1", "CronJob", meta, json!({"spec": spec}))
        }
    };
    out.push(workload);

    // Autoscaling and disruption budget.
    let autoscaled = ctx.d.autoscale && s.autoscaling.is_some();
    if let (true, Some(a)) = (autoscaled, &s.autoscaling) {
        let mut metrics = vec![json!({"type": "Resource", "resource": {
            "name": "cpu",
            "target": {"type": "Utilization", "averageUtilization": a.cpu.unwrap_or(70)},
        }})];
        if let Some(m) = a.memory {
            metrics.push(json!({"type": "Resource", "resource": {
                "name": "memory",
                "target": {"type": "Utilization", "averageUtilization": m},
            }}));
        }
        out.push(obj(
            "autoscaling/v2",
            "HorizontalPodAutoscaler",
            ctx.meta(s, &s.name),
            json!({"spec": {
                "scaleTargetRef": {"apiVersion": "apps/v1", "kind": s.kind.as_str(), "name": s.name},
                "minReplicas": a.min_replicas,
                "maxReplicas": a.max_replicas,
                "metrics": metrics,
                "behavior": {"scaleDown": {"stabilizationWindowSeconds": 300}},
            }}),
        ));
    }
    if ctx.d.disruption_budgets
        && matches!(s.kind, WorkloadKind::Deployment | WorkloadKind::StatefulSet)
        && replicas > 1
    {
        let mut spec = json!({"selector": {"matchLabels": ctx.selector(s)}});
        match &s.disruption_budget {
            Some(DisruptionBudget {
                min_available: Some(m),
                ..
            }) => spec["minAvailable"] = m.to_value(),
            Some(DisruptionBudget {
                max_unavailable: Some(m),
                ..
            }) => spec["maxUnavailable"] = m.to_value(),
            _ => spec["maxUnavailable"] = 1.into(),
        }
        out.push(obj(
            "policy/v1",
            "PodDisruptionBudget",
            ctx.meta(s, &s.name),
            json!({"spec": spec}),
        ));
    }

    // Ingress (other profiles turn it into NodePort).
    if let (false, Some(ing)) = (
        ctx.d.node_ports,
        s.expose.as_ref().and_then(|e| e.ingress.as_ref()),
    ) {
        out.push(ingress(ctx, s, ing));
    }
    Ok(())
}

/// Replicas of the workload: the profile's, raised to the autoscaler's minimum.
pub fn replicas(ctx: &Ctx, s: &Service) -> u32 {
    let r = ctx.d.replicas(s.kind, s.replicas);
    match (&s.autoscaling, ctx.d.autoscale) {
        (Some(a), true) => r.max(a.min_replicas),
        _ => r,
    }
}

fn rules(rs: &[PolicyRule]) -> Value {
    crate::value::to_value(rs).unwrap_or(Value::Array(Vec::new()))
}

fn claim_spec(ctx: &Ctx, p: &Persistent) -> Value {
    let modes = if p.access_modes.is_empty() {
        vec!["ReadWriteOnce".to_string()]
    } else {
        p.access_modes.clone()
    };
    let mut spec = json!({
        "accessModes": modes,
        "resources": {"requests": {"storage": p.size.0}},
    });
    let class = p
        .storage_class
        .clone()
        .or_else(|| ctx.stack.spec.storage_class.clone())
        .or_else(|| ctx.d.storage_class.map(String::from));
    if let Some(c) = class {
        spec["storageClassName"] = c.into();
    }
    spec
}

fn job_spec(s: &Service, template: Value) -> Value {
    let job = s.job.clone().unwrap_or_default();
    let mut spec = json!({
        "backoffLimit": job.backoff_limit.unwrap_or(3),
        "template": template,
    });
    for (k, v) in [
        ("activeDeadlineSeconds", job.active_deadline_seconds),
        ("ttlSecondsAfterFinished", job.ttl_seconds_after_finished),
        ("completions", job.completions),
        ("parallelism", job.parallelism),
    ] {
        if let Some(v) = v {
            spec[k] = v.into();
        }
    }
    spec
}

/// The tag of an image reference, if it has one (digests are not versions).
pub fn image_version(image: &str) -> Option<&str> {
    let last = image.rsplit('/').next().unwrap_or(image);
    let without_digest = last.split('@').next().unwrap_or(last);
    let (_, tag) = without_digest.split_once(':')?;
    let ok = !tag.is_empty()
        && tag.len() <= 63
        && tag
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'_');
    ok.then_some(tag)
}

/// A config file of the pod: its key in ConfigMap `<service>-files`, the file, and the
/// container that mounts it.
type FileKey<'s> = (String, &'s ConfigFile, &'s str);

/// Keys of the config files (the main container's, then the sidecars' and init
/// containers') in ConfigMap `<service>-files`: the file names, made unique.
fn file_keys(s: &Service) -> Vec<FileKey<'_>> {
    let mut out: Vec<FileKey<'_>> = Vec::new();
    let all = s.config_files.iter().map(|f| (f, s.name.as_str())).chain(
        s.sidecars
            .iter()
            .chain(&s.init_containers)
            .flat_map(|c| c.config_files.iter().map(move |f| (f, c.name.as_str()))),
    );
    for (f, owner) in all {
        let base: String = f
            .path
            .rsplit('/')
            .next()
            .unwrap_or("file")
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let mut key = base.clone();
        let mut n = 2;
        while out.iter().any(|(k, _, _)| k == &key) {
            key = format!("{n}-{base}");
            n += 1;
        }
        out.push((key, f, owner));
    }
    out
}

fn pod_template(
    ctx: &Ctx,
    s: &Service,
    files: &[FileKey<'_>],
    config_hash: Sha256,
    automount: bool,
) -> Result<Value> {
    let mut labels = ctx.labels(s);
    if let Some(v) = image_version(&s.image) {
        labels["app.kubernetes.io/version"] = v.into();
    }
    merge_into(&mut labels, &s.pod_labels);
    let mut annotations = Map::new();
    for (k, v) in &s.pod_annotations {
        annotations.insert(k.clone(), v.clone().into());
    }
    if let Some(m) = &s.metrics
        && let Some(p) = all_ports(s).into_iter().find(|p| p.name == m.port)
    {
        annotations.insert("prometheus.io/scrape".into(), "true".into());
        annotations.insert("prometheus.io/port".into(), p.port.to_string().into());
        annotations.insert(
            "prometheus.io/path".into(),
            m.path.clone().unwrap_or_else(|| "/metrics".into()).into(),
        );
    }
    if !s.config.is_empty() || files.iter().any(|(_, f, _)| f.content.is_some()) {
        let digest = config_hash.finalize();
        let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
        annotations.insert("stackgen.dev/config-hash".into(), hex.into());
    }
    if !s.depends_on.is_empty() {
        annotations.insert(
            "stackgen.dev/depends-on".into(),
            s.depends_on.join(",").into(),
        );
    }

    // Volumes.
    let mut volumes: Vec<Value> = Vec::new();
    for v in &s.storage {
        let src = if v.persistent.is_some() {
            if s.kind == WorkloadKind::StatefulSet {
                continue; // from volumeClaimTemplates
            }
            json!({"persistentVolumeClaim": {"claimName": format!("{}-{}", s.name, v.name)}})
        } else if let Some(e) = &v.empty_dir {
            let mut ed = json!({});
            if let Some(m) = &e.medium {
                ed["medium"] = m.clone().into();
            }
            if let Some(l) = &e.size_limit {
                ed["sizeLimit"] = l.0.clone().into();
            }
            json!({"emptyDir": ed})
        } else if let Some(h) = &v.host_path {
            json!({"hostPath": {"path": h.path, "type": h.type_.clone().unwrap_or_else(|| "DirectoryOrCreate".into())}})
        } else {
            continue;
        };
        let mut vol = json!({"name": v.name});
        if let (Value::Object(a), Value::Object(b)) = (&mut vol, src) {
            a.extend(b);
        }
        volumes.push(vol);
    }
    let mut file_mounts: Vec<Value> = Vec::new();
    // Config files of sidecars and init containers, by container name.
    let mut other_mounts: IndexMap<&str, Vec<Value>> = IndexMap::new();
    let mut cm_volumes: Vec<String> = Vec::new();
    if files.iter().any(|(_, f, _)| f.content.is_some()) {
        volumes.push(
            json!({"name": "config-files", "configMap": {"name": format!("{}-files", s.name)}}),
        );
    }
    for (key, f, owner) in files {
        let file_mounts = if *owner == s.name {
            &mut file_mounts
        } else {
            other_mounts.entry(owner).or_default()
        };
        if f.content.is_some() {
            file_mounts.push(json!({"name": "config-files", "mountPath": f.path, "subPath": key, "readOnly": true}));
        } else if let Some(r) = &f.config_map {
            let pos = match cm_volumes.iter().position(|n| n == &r.name) {
                Some(p) => p,
                None => {
                    cm_volumes.push(r.name.clone());
                    let p = cm_volumes.len() - 1;
                    volumes.push(
                        json!({"name": format!("configmap-{p}"), "configMap": {"name": r.name}}),
                    );
                    p
                }
            };
            file_mounts.push(json!({"name": format!("configmap-{pos}"), "mountPath": f.path, "subPath": r.key, "readOnly": true}));
        }
    }
    for (i, f) in s.secret_files.iter().enumerate() {
        volumes.push(json!({"name": format!("secret-{i}"), "secret": {"secretName": f.secret}}));
        file_mounts.push(
            json!({"name": format!("secret-{i}"), "mountPath": f.mount_path, "readOnly": true}),
        );
    }
    // CSI-sourced secrets are synced to a Secret only while a pod mounts them.
    for name in used_secrets(s) {
        if let Some(sec) = ctx.stack.spec.secrets.iter().find(|x| x.name == name)
            && sec.csi.is_some()
        {
            let vname = format!("csi-{name}");
            volumes.push(json!({"name": vname, "csi": {
                "driver": CSI_DRIVER,
                "readOnly": true,
                "volumeAttributes": {"secretProviderClass": name},
            }}));
            file_mounts.push(json!({"name": vname, "mountPath": format!("/mnt/secrets-store/{name}"), "readOnly": true}));
        }
    }

    // Containers.
    let mut main_mounts: Vec<Value> = s
        .storage
        .iter()
        .filter_map(|v| {
            let mut m = json!({"name": v.name, "mountPath": v.mount_path.as_ref()?});
            if let Some(ro) = v.read_only {
                m["readOnly"] = ro.into();
            }
            Some(m)
        })
        .collect();
    main_mounts.extend(file_mounts);
    let mut env_from = Vec::new();
    if !s.config.is_empty() {
        env_from.push(json!({"configMapRef": {"name": format!("{}-env", s.name)}}));
    }
    let mut main_env = s.env.clone();
    main_env.extend(peer_env(ctx, s));
    let main = container(
        ctx,
        s,
        &ContainerIn {
            name: &s.name,
            image: &s.image,
            command: &s.command,
            args: &s.args,
            env: &main_env,
            ports: &s.ports,
            probes: s.probes.as_ref(),
            resources: s.resources.as_ref(),
            security: s.security_context.as_ref(),
            mounts: main_mounts,
            env_from,
            long_running: s.kind.long_running(),
        },
    );
    let mut containers = vec![main];
    let extra = |c: &Container| {
        other_mounts
            .get(c.name.as_str())
            .cloned()
            .unwrap_or_default()
    };
    for c in &s.sidecars {
        containers.push(side(ctx, s, c, s.kind.long_running(), extra(c)));
    }
    let inits: Vec<Value> = s
        .init_containers
        .iter()
        .map(|c| side(ctx, s, c, false, extra(c)))
        .collect();

    // Pod security context.
    let sc = s.security_context.clone().unwrap_or_default();
    let mut psc = json!({
        "runAsNonRoot": sc.run_as_user != Some(0),
        "seccompProfile": {"type": "RuntimeDefault"},
    });
    for (k, v) in [
        ("runAsUser", sc.run_as_user),
        ("runAsGroup", sc.run_as_group),
        ("fsGroup", sc.fs_group),
    ] {
        if let Some(v) = v {
            psc[k] = v.into();
        }
    }

    let mut spec = json!({
        "serviceAccountName": s.name,
        "automountServiceAccountToken": automount,
        "securityContext": psc,
        "containers": containers,
    });
    if !inits.is_empty() {
        spec["initContainers"] = inits.into();
    }
    if !s.image_pull_secrets.is_empty() {
        spec["imagePullSecrets"] = s
            .image_pull_secrets
            .iter()
            .map(|n| json!({"name": n}))
            .collect::<Vec<_>>()
            .into();
    }
    if !volumes.is_empty() {
        spec["volumes"] = volumes.into();
    }
    if !s.node_selector.is_empty() {
        spec["nodeSelector"] = str_map(&s.node_selector);
    }
    if let Some(t) = s.termination_grace_period_seconds {
        spec["terminationGracePeriodSeconds"] = t.into();
    }
    if let Some(l) = s.service_links {
        spec["enableServiceLinks"] = l.into();
    }
    if !s.kind.long_running() {
        let rp = s
            .job
            .as_ref()
            .and_then(|j| j.restart_policy.clone())
            .unwrap_or_else(|| "Never".into());
        spec["restartPolicy"] = rp.into();
    }
    if ctx.d.topology_spread
        && matches!(s.kind, WorkloadKind::Deployment | WorkloadKind::StatefulSet)
        && replicas(ctx, s) > 1
    {
        spec["topologySpreadConstraints"] = json!([
            {
                "maxSkew": 1,
                "topologyKey": "topology.kubernetes.io/zone",
                "whenUnsatisfiable": "ScheduleAnyway",
                "labelSelector": {"matchLabels": ctx.selector(s)},
            },
            {
                "maxSkew": 1,
                "topologyKey": "kubernetes.io/hostname",
                "whenUnsatisfiable": "ScheduleAnyway",
                "labelSelector": {"matchLabels": ctx.selector(s)},
            },
        ]);
    }
    let mut meta = json!({"labels": labels});
    if !annotations.is_empty() {
        meta["annotations"] = Value::Object(annotations);
    }
    Ok(json!({"metadata": meta, "spec": spec}))
}

struct ContainerIn<'a> {
    name: &'a str,
    image: &'a str,
    command: &'a [String],
    args: &'a [String],
    env: &'a [EnvVar],
    ports: &'a [Port],
    probes: Option<&'a Probes>,
    resources: Option<&'a Resources>,
    security: Option<&'a SecurityContext>,
    mounts: Vec<Value>,
    env_from: Vec<Value>,
    long_running: bool,
}

fn side(
    ctx: &Ctx,
    s: &Service,
    c: &Container,
    long_running: bool,
    file_mounts: Vec<Value>,
) -> Value {
    let mut mounts: Vec<Value> = c
        .mounts
        .iter()
        .map(|m| {
            let mut v = json!({"name": m.volume, "mountPath": m.mount_path});
            if let Some(ro) = m.read_only {
                v["readOnly"] = ro.into();
            }
            v
        })
        .collect();
    mounts.extend(file_mounts);
    // Sidecars and init containers inherit the service's user unless they say otherwise.
    let sc = c.security_context.as_ref().or(s.security_context.as_ref());
    container(
        ctx,
        s,
        &ContainerIn {
            name: &c.name,
            image: c.image.as_deref().unwrap_or(&s.image),
            command: &c.command,
            args: &c.args,
            env: &c.env,
            ports: &c.ports,
            probes: c.probes.as_ref(),
            resources: c.resources.as_ref(),
            security: sc,
            mounts,
            env_from: Vec::new(),
            long_running,
        },
    )
}

fn container(ctx: &Ctx, s: &Service, c: &ContainerIn) -> Value {
    let mut v = json!({"name": c.name, "image": c.image});
    if c.name == s.name
        && let Some(p) = &s.image_pull_policy
    {
        v["imagePullPolicy"] = p.clone().into();
    }
    if !c.command.is_empty() {
        v["command"] = c.command.into();
    }
    if !c.args.is_empty() {
        v["args"] = c.args.into();
    }
    if !c.ports.is_empty() {
        v["ports"] = c
            .ports
            .iter()
            .map(|p| {
                json!({
                    "name": p.name,
                    "containerPort": p.port,
                    "protocol": p.protocol.unwrap_or_default().as_str(),
                })
            })
            .collect::<Vec<_>>()
            .into();
    }
    if !c.env.is_empty() {
        v["env"] = c
            .env
            .iter()
            .map(|e| env_var(ctx, s, e))
            .collect::<Vec<_>>()
            .into();
    }
    if !c.env_from.is_empty() {
        v["envFrom"] = c.env_from.clone().into();
    }
    v["resources"] = resources(&ctx.d, c.resources);
    if c.long_running {
        let declared = c.probes.cloned().unwrap_or_default();
        let first_port = c.ports.first().map(|p| IntOrString::Str(p.name.clone()));
        let tcp = first_port.as_ref().map(|p| Probe {
            tcp: Some(true),
            port: Some(p.clone()),
            ..Probe::default()
        });
        let liveness = declared
            .liveness
            .clone()
            .or_else(|| tcp.clone())
            .or_else(|| declared.readiness.clone());
        let readiness = declared.readiness.clone().or_else(|| liveness.clone());
        if let Some(p) = liveness {
            v["livenessProbe"] = probe(&p, first_port.as_ref());
        }
        if let Some(p) = readiness {
            v["readinessProbe"] = probe(&p, first_port.as_ref());
        }
        if let Some(p) = &declared.startup {
            v["startupProbe"] = probe(p, first_port.as_ref());
        }
    }
    let sc = c.security.cloned().unwrap_or_default();
    let mut caps = json!({"drop": ["ALL"]});
    if !sc.add_capabilities.is_empty() {
        caps["add"] = sc.add_capabilities.clone().into();
    }
    // Privileged and root are refused by the checks unless a policy exception says why.
    let privileged = sc.privileged == Some(true);
    let mut csc = json!({
        "allowPrivilegeEscalation": privileged,
        "capabilities": caps,
        "readOnlyRootFilesystem": sc.read_only_root_filesystem.unwrap_or(true),
        "runAsNonRoot": sc.run_as_user != Some(0),
    });
    if privileged {
        csc["privileged"] = true.into();
    }
    for (k, val) in [
        ("runAsUser", sc.run_as_user),
        ("runAsGroup", sc.run_as_group),
    ] {
        if let Some(val) = val {
            csc[k] = val.into();
        }
    }
    v["securityContext"] = csc;
    if !c.mounts.is_empty() {
        v["volumeMounts"] = c.mounts.clone().into();
    }
    v
}

/// The members of a replicated StatefulSet, as `cluster.peerEnv` variables.
fn peer_env(ctx: &Ctx, s: &Service) -> Vec<EnvVar> {
    let Some(c) = &s.cluster else {
        return Vec::new();
    };
    let n = replicas(ctx, s);
    let ns = ctx.ns(s);
    c.peer_env
        .iter()
        .map(|p| {
            let fmt = p.format.as_deref().unwrap_or("{host}");
            let members: Vec<String> = (0..n)
                .map(|i| {
                    let pod = format!("{}-{i}", s.name);
                    let host = format!("{pod}.{}-headless", s.name);
                    fmt.replace("{fqdn}", &format!("{host}.{ns}.svc.cluster.local"))
                        .replace("{host}", &host)
                        .replace("{pod}", &pod)
                        .replace("{index}", &i.to_string())
                })
                .collect();
            EnvVar {
                name: p.name.clone(),
                value: Some(StrLike(members.join(p.separator.as_deref().unwrap_or(",")))),
                ..EnvVar::default()
            }
        })
        .collect()
}

fn env_var(ctx: &Ctx, s: &Service, e: &EnvVar) -> Value {
    let mut v = json!({"name": e.name});
    if let Some(p) = &e.peers {
        v["value"] = peers(ctx, s, p).into();
    } else if let Some(x) = &e.value {
        v["value"] = x.0.clone().into();
    } else if let Some(r) = &e.secret {
        v["valueFrom"] = json!({"secretKeyRef": {"name": r.name, "key": r.key}});
    } else if let Some(r) = &e.config_map {
        v["valueFrom"] = json!({"configMapKeyRef": {"name": r.name, "key": r.key}});
    } else if let Some(f) = &e.field {
        v["valueFrom"] = json!({"fieldRef": {"fieldPath": f}});
    }
    v
}

/// The DNS names of a StatefulSet's pods (as many as the profile runs), formatted and joined.
pub fn peers(ctx: &Ctx, s: &Service, p: &Peers) -> String {
    let target = p
        .service
        .as_deref()
        .and_then(|n| ctx.service(n))
        .unwrap_or(s);
    let ns = ctx.ns(target);
    let format = p.format.as_deref().unwrap_or("{host}");
    (0..replicas(ctx, target))
        .map(|i| {
            let host = format!(
                "{name}-{i}.{name}-headless.{ns}.svc.cluster.local",
                name = target.name
            );
            format
                .replace("{host}", &host)
                .replace("{ordinal}", &i.to_string())
                .replace("{id}", &(i + 1).to_string())
        })
        .collect::<Vec<_>>()
        .join(p.separator.as_deref().unwrap_or(","))
}

fn probe(p: &Probe, default_port: Option<&IntOrString>) -> Value {
    let port = p
        .port
        .as_ref()
        .or(default_port)
        .map(IntOrString::to_value)
        .unwrap_or(Value::Null);
    let mut v = if let Some(path) = &p.http {
        json!({"httpGet": {"path": path, "port": port}})
    } else if !p.exec.is_empty() {
        json!({"exec": {"command": p.exec}})
    } else {
        json!({"tcpSocket": {"port": port}})
    };
    for (k, x) in [
        ("initialDelaySeconds", p.initial_delay_seconds),
        ("periodSeconds", p.period_seconds),
        ("timeoutSeconds", p.timeout_seconds),
        ("failureThreshold", p.failure_threshold),
    ] {
        if let Some(x) = x {
            v[k] = x.into();
        }
    }
    v
}

fn q(s: &Option<Quantity>) -> Option<(&str, f64)> {
    let s = s.as_ref()?;
    Some((s.0.as_str(), parse_quantity(&s.0)?))
}

/// Requests and limits: declared values completed by the profile (see `profile.rs`).
fn resources(d: &Defaults, r: Option<&Resources>) -> Value {
    let r = r.cloned().unwrap_or_default();
    let req = r.requests.unwrap_or_default();
    let lim = r.limits.unwrap_or_default();
    let pick = |req: Option<(&str, f64)>,
                lim: Option<(&str, f64)>,
                dreq: &'static str,
                dlim: &'static str|
     -> (String, String) {
        let dreq_v = parse_quantity(dreq).unwrap_or(0.0);
        let dlim_v = parse_quantity(dlim).unwrap_or(0.0);
        if d.is_kind() {
            // Small requests so the whole stack fits a laptop, limits that do not get in the way.
            let rq = match req {
                Some((s, v)) if v < dreq_v => s.to_string(),
                _ => dreq.to_string(),
            };
            let lm = match lim {
                Some((s, v)) if v > dlim_v => s.to_string(),
                _ => dlim.to_string(),
            };
            return (rq, lm);
        }
        match (req, lim) {
            (Some((a, _)), Some((b, _))) => (a.to_string(), b.to_string()),
            (Some((a, av)), None) => (
                a.to_string(),
                if av > dlim_v {
                    a.to_string()
                } else {
                    dlim.to_string()
                },
            ),
            (None, Some((b, bv))) => (
                if bv < dreq_v {
                    b.to_string()
                } else {
                    dreq.to_string()
                },
                b.to_string(),
            ),
            (None, None) => (dreq.to_string(), dlim.to_string()),
        }
    };
    let (rc, lc) = pick(q(&req.cpu), q(&lim.cpu), d.request_cpu, d.limit_cpu);
    let (rm, lm) = pick(
        q(&req.memory),
        q(&lim.memory),
        d.request_memory,
        d.limit_memory,
    );
    json!({
        "requests": {"cpu": rc, "memory": rm},
        "limits": {"cpu": lc, "memory": lm},
    })
}

/// Requests above limits are refused by the API server: say so at build time.
pub fn check_resources(s: &Service) -> Result<()> {
    let check = |what: &str, r: Option<&Resources>| -> Result<()> {
        let Some(r) = r else { return Ok(()) };
        let (Some(req), Some(lim)) = (&r.requests, &r.limits) else {
            return Ok(());
        };
        for (k, a, b) in [
            ("cpu", &req.cpu, &lim.cpu),
            ("memory", &req.memory, &lim.memory),
        ] {
            if let (Some((x, xv)), Some((y, yv))) = (q(a), q(b))
                && xv > yv
            {
                return Err(
                    Error::msg(format!("{what}: {k} request {x} is above its limit {y}"))
                        .at_field(format!("resources.requests.{k}")),
                );
            }
        }
        Ok(())
    };
    check(&s.name, s.resources.as_ref())?;
    for c in s.sidecars.iter().chain(&s.init_containers) {
        check(&c.name, c.resources.as_ref())?;
    }
    Ok(())
}

fn ingress(ctx: &Ctx, s: &Service, ing: &Ingress) -> Value {
    let defaults = ctx.stack.spec.ingress.clone().unwrap_or_default();
    let first = s.ports.first().map(|p| p.name.clone()).unwrap_or_default();
    let paths: Vec<Value> = if ing.paths.is_empty() {
        vec![
            json!({"path": "/", "pathType": "Prefix", "backend": {"service": {"name": s.name, "port": {"name": first}}}}),
        ]
    } else {
        ing.paths
            .iter()
            .map(|p| {
                json!({
                    "path": p.path,
                    "pathType": p.path_type.unwrap_or_default().as_str(),
                    "backend": {"service": {"name": s.name, "port": {"name": p.port.clone().unwrap_or_else(|| first.clone())}}},
                })
            })
            .collect()
    };
    let rules: Vec<Value> = ing
        .hosts
        .iter()
        .map(|h| json!({"host": h, "http": {"paths": paths}}))
        .collect();
    let mut spec = json!({"rules": rules});
    if let Some(c) = ing.class_name.clone().or(defaults.class_name.clone()) {
        spec["ingressClassName"] = c.into();
    }
    let mut meta = ctx.meta(s, &s.name);
    let mut annotations = Map::new();
    if let Some(tls) = &ing.tls {
        spec["tls"] = json!([{
            "hosts": ing.hosts,
            "secretName": tls.secret_name.clone().unwrap_or_else(|| format!("{}-tls", s.name)),
        }]);
        if let Some(issuer) = tls
            .cluster_issuer
            .clone()
            .or(defaults.cluster_issuer.clone())
        {
            annotations.insert("cert-manager.io/cluster-issuer".into(), issuer.into());
        }
    }
    for (k, v) in &ing.annotations {
        annotations.insert(k.clone(), v.clone().into());
    }
    if !annotations.is_empty() {
        meta["annotations"] = Value::Object(annotations);
    }
    obj(
        "networking.k8s.io/v1",
        "Ingress",
        meta,
        json!({"spec": spec}),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert_eq!(image_version("nginx:1.27"), Some("1.27"));
        assert_eq!(image_version("registry:5000/a/b:v1"), Some("v1"));
        assert_eq!(image_version("registry:5000/a/b"), None);
        assert_eq!(image_version("a/b@sha256:abc"), None);
        assert_eq!(image_version("a/b:1.0@sha256:abc"), Some("1.0"));
    }
}
