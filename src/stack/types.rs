//! The `Stack` kind, strictly typed. Every struct denies unknown fields; the doc comments
//! are the field reference (they become the JSON Schema's descriptions, and
//! `docs/stack.md` mirrors them).
//!
//! Optional fields are `Option`/empty so that "not said" stays distinguishable from "said":
//! the environment profile fills in what was not said (see `profile.rs`).
use std::borrow::Cow;

use indexmap::IndexMap;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize};

/// A whole application: its layers (namespaces), services and the secrets they use by
/// reference. Expanded into Kubernetes objects by the kustomization that declares it.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
#[schemars(title = "Stack")]
pub struct Stack {
    /// Always `stackgen.dev/v1alpha1`.
    #[schemars(schema_with = "api_version_schema")]
    pub api_version: String,
    /// Always `Stack`.
    #[schemars(schema_with = "kind_schema")]
    pub kind: String,
    pub metadata: StackMeta,
    pub spec: StackSpec,
}

fn api_version_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({"const": "stackgen.dev/v1alpha1", "description": "Always `stackgen.dev/v1alpha1`."})
}

fn kind_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({"const": "Stack", "description": "Always `Stack`."})
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct StackMeta {
    /// The stack's name: the `app.kubernetes.io/instance` label of everything it generates
    /// (part of every selector, so never change it once deployed).
    pub name: String,
    /// Ignored: a stack places its objects in the namespaces of its layers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Labels of the Stack object itself (not copied to generated objects).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub labels: IndexMap<String, String>,
    /// Annotations of the Stack object itself (not copied to generated objects).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub annotations: IndexMap<String, String>,
}

/// The environment profile: chooses the opinionated defaults for everything not said.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum Profile {
    /// A local kind cluster: one replica, NodePort with fixed node ports instead of Ingress
    /// and LoadBalancer, kind's local-path storage, small requests and relaxed limits, no
    /// NetworkPolicies, no HPA or PDB. hostPath storage is allowed only here.
    Kind,
    /// Production's shape at lower scale: two replicas by default, HPA and PDB, Ingress with
    /// TLS, default-deny NetworkPolicies, `baseline` pod security enforced (`restricted` warned).
    Staging,
    /// Three replicas by default, HPA, PDB, topology spread across zones, Ingress with TLS,
    /// default-deny NetworkPolicies, `restricted` pod security enforced.
    Production,
}

/// Pod Security Standard level put on the namespaces (`pod-security.kubernetes.io/enforce`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum PodSecurityLevel {
    Privileged,
    Baseline,
    Restricted,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct StackSpec {
    /// Environment profile (`kind`, `staging`, `production`; default `production`, the
    /// safest). Overlays usually set it with a patch targeting `kind: Stack`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<Profile>,
    /// `app.kubernetes.io/part-of` of every generated object (default: the stack's name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub part_of: Option<String>,
    /// Generate NetworkPolicies (default: off for `kind`, on otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_policies: Option<bool>,
    /// Pod security level enforced on the namespaces (default: `privileged` for `kind`,
    /// `baseline` for `staging`, `restricted` for `production`; `restricted` is always warned
    /// and audited).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_security: Option<PodSecurityLevel>,
    /// StorageClass of persistent storage that names none (default: `standard`, kind's
    /// local-path class, for `kind`; the cluster's default class otherwise).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_class: Option<String>,
    /// Cluster-wide ingress settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ingress: Option<IngressDefaults>,
    /// Monitoring: which service scrapes the others' metrics.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub monitoring: Option<Monitoring>,
    /// The layers, one namespace each.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub layers: Vec<Layer>,
    /// Secrets, by reference only: where each one comes from. Services refer to them by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secrets: Vec<SecretRef>,
    /// The services (workloads) of the application.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<Service>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct IngressDefaults {
    /// IngressClass of every Ingress that names none (e.g. `nginx`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class_name: Option<String>,
    /// Namespace of the ingress controller, allowed in by NetworkPolicies (default `ingress-nginx`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub controller_namespace: Option<String>,
    /// cert-manager ClusterIssuer used for TLS when a service's `tls` names none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_issuer: Option<String>,
    /// Where Ingress traffic comes from when the controller runs outside the cluster's pod
    /// network (Azure Application Gateway for Containers, AWS ALB in IP mode): NetworkPolicies
    /// admit these CIDRs to Ingress-routed ports instead of `controllerNamespace`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub source_cidrs: Vec<String>,
}

/// Who scrapes the services declaring `metrics`: exactly one of `scraper` (a service of the
/// stack) and `namespace` (a scraper outside the stack).
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Monitoring {
    /// The service (e.g. `prometheus`) that scrapes every service declaring `metrics`:
    /// NetworkPolicies let it reach their metrics ports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scraper: Option<String>,
    /// Namespace of a scraper outside the stack (a shared Prometheus, Azure Monitor's
    /// `ama-metrics` in `kube-system`): NetworkPolicies let its pods reach the metrics ports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Labels of the outside scraper's pods (default: every pod of `namespace`).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub pod_labels: IndexMap<String, String>,
}

/// A layer: one namespace, with labels NetworkPolicies and people can select on.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Layer {
    /// Short name (`client`, `server`, `data`, `observability`): services name it in `layer`,
    /// and the namespace gets the label `stackgen.dev/layer: <name>`.
    pub name: String,
    /// Namespace of the layer (default `<name>-layer`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Extra labels of the Namespace.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub labels: IndexMap<String, String>,
    /// Extra annotations of the Namespace.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub annotations: IndexMap<String, String>,
    /// Pod Security level enforced on this namespace (default `spec.podSecurity`, then the
    /// profile's). Weaker than `restricted` in production only with a `policyExceptions`
    /// entry for P013 saying why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_security: Option<PodSecurityLevel>,
    /// A ResourceQuota `<stack>-quota` in the namespace (staging and production): its
    /// `spec.hard`, e.g. `requests.cpu: 4`, `limits.memory: 16Gi`, `pods: 20`. The build
    /// fails when the layer's own workloads (at their replicas, plus a rolling update's
    /// surge) would not fit.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub quota: IndexMap<String, Quantity>,
    /// A LimitRange `<stack>-limits` in the namespace (staging and production). The build
    /// fails when a container or claim of the layer is outside its bounds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit_range: Option<LimitRange>,
    /// Justified exceptions to validation rules for the Namespace (written to its
    /// `stackgen.dev/validate-exception` annotation), e.g. P013 for a weaker pod security level.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policy_exceptions: Vec<PolicyException>,
}

/// Bounds and defaults of a namespace's LimitRange.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LimitRange {
    /// Per container (`type: Container`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<ContainerLimits>,
    /// Per PersistentVolumeClaim (`type: PersistentVolumeClaim`): bounds of the requested
    /// storage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub persistent_volume_claim: Option<StorageBounds>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ContainerLimits {
    /// Limits of containers that declare none (stackgen's containers always declare theirs;
    /// this covers pods made by other tools in the namespace).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<ResourceList>,
    /// Requests of containers that declare none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_request: Option<ResourceList>,
    /// Smallest request (and limit) the API server admits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<ResourceList>,
    /// Largest limit (and request) the API server admits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<ResourceList>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct StorageBounds {
    /// Smallest claim admitted (`1Gi`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<Quantity>,
    /// Largest claim admitted (`10Gi`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<Quantity>,
}

/// An explicit, justified exception to one validation rule (see docs/rules.md): the
/// findings it covers are listed with the reason by `stackgen validate` and `build`, never
/// dropped.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PolicyException {
    /// Rule code (`P008`, `P013`, ...: `stackgen rules` lists them). Policy (P) and reference
    /// (R) rules only.
    pub rule: String,
    /// The container (main, sidecar or init container) the exception is limited to;
    /// default: the whole workload. Services only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    /// Why the policy does not apply here (one line, no `;`): shown wherever the excepted
    /// finding is listed.
    pub reason: String,
}

/// Where a secret comes from. Exactly one of `existing`, `externalSecret`, `csi`. Values
/// never appear in the stack: a Secret of this name is expected (or made by the operator
/// named) in every namespace whose services use it.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SecretRef {
    /// The Secret's name, as services refer to it.
    pub name: String,
    /// `true`: the Secret already exists in the cluster (or another tool makes it, e.g. a
    /// dev-only secretGenerator); nothing is generated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub existing: Option<bool>,
    /// An External Secrets Operator `ExternalSecret` makes the Secret from a secret store.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_secret: Option<ExternalSecretSource>,
    /// The Secrets Store CSI driver mounts it from a provider (a `SecretProviderClass`) and
    /// syncs it to a Secret of this name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csi: Option<CsiSource>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ExternalSecretSource {
    /// Name of the SecretStore or ClusterSecretStore.
    pub store: String,
    /// `ClusterSecretStore` (default) or `SecretStore`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_kind: Option<String>,
    /// How often to re-read the store (default `1h`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_interval: Option<String>,
    /// The keys of the Secret and where each comes from.
    pub data: Vec<ExternalKey>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ExternalKey {
    /// Key in the Kubernetes Secret.
    pub key: String,
    /// Key of the entry in the secret store.
    pub remote_key: String,
    /// Property inside that entry, if it is structured.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub property: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CsiSource {
    /// CSI provider (`azure`, `aws`, `gcp`, `vault`).
    pub provider: String,
    /// Provider parameters, copied to the SecretProviderClass.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub parameters: IndexMap<String, String>,
    /// Keys of the synced Secret and the provider object each comes from.
    pub keys: Vec<CsiKey>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CsiKey {
    /// Key in the synced Secret.
    pub key: String,
    /// Provider object name.
    pub object_name: String,
    /// Azure Key Vault object type (`secret`, `key` or `cert`; default `secret`). For provider
    /// `azure`, stackgen writes the `objects` parameter from the keys unless it is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_type: Option<String>,
}

/// Workload kind of a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, JsonSchema)]
pub enum WorkloadKind {
    #[default]
    Deployment,
    StatefulSet,
    DaemonSet,
    Job,
    CronJob,
}

impl WorkloadKind {
    pub fn long_running(self) -> bool {
        matches!(
            self,
            WorkloadKind::Deployment | WorkloadKind::StatefulSet | WorkloadKind::DaemonSet
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            WorkloadKind::Deployment => "Deployment",
            WorkloadKind::StatefulSet => "StatefulSet",
            WorkloadKind::DaemonSet => "DaemonSet",
            WorkloadKind::Job => "Job",
            WorkloadKind::CronJob => "CronJob",
        }
    }
}

/// One service of the application: a workload and everything around it.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Service {
    /// Name of the workload, its Service, ServiceAccount, ... and `app.kubernetes.io/name`.
    pub name: String,
    /// The layer (namespace) it runs in.
    pub layer: String,
    /// Workload kind (default `Deployment`).
    #[serde(default)]
    pub kind: WorkloadKind,
    /// `app.kubernetes.io/component` (default: `server` for long-running, `job` for jobs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub component: Option<String>,
    /// Container image, with a tag or digest (production refuses neither nor `:latest`).
    pub image: String,
    /// Image pull policy (default: Kubernetes' own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_pull_policy: Option<String>,
    /// Secrets (declared in `spec.secrets`) the pods pull their images with, e.g. a private
    /// registry's token that a CronJob refreshes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub image_pull_secrets: Vec<String>,
    /// Entrypoint override.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub command: Vec<String>,
    /// Arguments.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
    /// Container ports. The Service exposes them all under the same numbers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<Port>,
    /// How the service is reached (default: a ClusterIP Service when it has ports).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expose: Option<Expose>,
    /// Environment variables: literals, keys of ConfigMaps or Secrets, pod fields.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<EnvVar>,
    /// Non-secret settings: a ConfigMap `<name>-env` loaded whole as environment.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub config: IndexMap<String, StrLike>,
    /// Config files mounted read-only as single files.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub config_files: Vec<ConfigFile>,
    /// Secrets mounted as a directory of files (one file per key).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub secret_files: Vec<SecretFiles>,
    /// Health probes (default for long-running services with ports: TCP on the first port).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probes: Option<Probes>,
    /// CPU and memory (defaults by profile).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<Resources>,
    /// Replicas (default by profile: kind 1, staging 2, production 3 for Deployments;
    /// 1 for StatefulSets). The kind profile always runs one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replicas: Option<u32>,
    /// Horizontal autoscaling (staging and production; ignored by kind).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autoscaling: Option<Autoscaling>,
    /// PodDisruptionBudget (default when more than one replica: `maxUnavailable: 1`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disruption_budget: Option<DisruptionBudget>,
    /// Volumes and where they are mounted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub storage: Vec<Volume>,
    /// Containers run to completion before the main one starts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub init_containers: Vec<Container>,
    /// Extra containers beside the main one (exporters, proxies).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sidecars: Vec<Container>,
    /// The ServiceAccount and its RBAC rules. Every service gets its own ServiceAccount;
    /// its token is mounted only when it has rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account: Option<ServiceAccountSpec>,
    /// Security context adjustments (the hardened defaults apply to everything else).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_context: Option<SecurityContext>,
    /// Prometheus scraping of this service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metrics: Option<Metrics>,
    /// Services this one connects to: NetworkPolicies allow exactly these connections.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<String>,
    /// Connections to outside the stack (CIDR and ports).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub egress: Vec<EgressRule>,
    /// CronJob schedule (required for `CronJob`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<String>,
    /// CronJob time zone (e.g. `Etc/UTC`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// Job settings (Job and CronJob).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job: Option<JobSpec>,
    /// Annotations of the workload object.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub annotations: IndexMap<String, String>,
    /// Annotations of the pods.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub pod_annotations: IndexMap<String, String>,
    /// Extra labels of the pods (e.g. `azure.workload.identity/use: "true"`); never part of
    /// a selector, and the `app.kubernetes.io/*` and `stackgen.dev/*` labels are stackgen's.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub pod_labels: IndexMap<String, String>,
    /// Node selector of the pods.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub node_selector: IndexMap<String, String>,
    /// Seconds a pod gets to stop.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub termination_grace_period_seconds: Option<u32>,
    /// StatefulSet clustering: how the members start and find each other.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<Cluster>,
    /// Justified exceptions to validation rules for this service's workload (written to its
    /// `stackgen.dev/validate-exception` annotation), e.g. P008 for a privileged init
    /// container. A privileged or root container needs one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policy_exceptions: Vec<PolicyException>,
    /// Kubernetes' service environment variables (`<SERVICE>_PORT`, `<SERVICE>_SERVICE_HOST`)
    /// in the pods (default: Kubernetes' own, on). `false` for images that read their
    /// settings from `<NAME>_*` variables: Confluent's Kafka fails on the `KAFKA_PORT` that a
    /// Service named `kafka` injects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_links: Option<bool>,
}

/// Members of a replicated StatefulSet: each pod has a stable name (`<service>-<n>`) and DNS
/// name (`<service>-<n>.<service>-headless`) through the headless Service, which publishes
/// pods before they are ready so that members find each other while forming the cluster.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Cluster {
    /// `Parallel`: start (and stop) all members at once, needed when a member becomes ready
    /// only once a quorum has formed (OpenSearch, etcd, ZooKeeper); with the default
    /// `OrderedReady` such a cluster never starts its second member.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod_management_policy: Option<PodManagementPolicy>,
    /// Environment variables of the main container listing the members, computed from the
    /// replica count of the profile (kind runs one member, production the declared number).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub peer_env: Vec<PeerEnv>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, JsonSchema)]
pub enum PodManagementPolicy {
    #[default]
    OrderedReady,
    Parallel,
}

/// An environment variable whose value lists the members of the cluster.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PeerEnv {
    /// Variable name (e.g. `discovery.seed_hosts`).
    pub name: String,
    /// One member: `{pod}` (`opensearch-0`), `{host}` (`opensearch-0.opensearch-headless`),
    /// `{fqdn}` (`opensearch-0.opensearch-headless.<namespace>.svc.cluster.local`), `{index}`
    /// (`0`). Default `{host}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// Between members (default `,`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub separator: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, JsonSchema)]
pub enum Protocol {
    #[default]
    #[serde(rename = "TCP")]
    Tcp,
    #[serde(rename = "UDP")]
    Udp,
    #[serde(rename = "SCTP")]
    Sctp,
}

impl Protocol {
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "TCP",
            Protocol::Udp => "UDP",
            Protocol::Sctp => "SCTP",
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Port {
    /// Port name (IANA-style, at most 15 characters): probes, ingress paths and metrics
    /// refer to it.
    pub name: String,
    /// Container port; the Service uses the same number.
    pub port: u16,
    /// Protocol (default TCP).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<Protocol>,
    /// Fixed node port (30000–32767) when exposed by NodePort, e.g. in kind. Without it the
    /// kind profile allocates one from 30080 upwards in declaration order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_port: Option<u16>,
    /// Cluster traffic between a StatefulSet's own pods only (ZooKeeper's 2888 and 3888,
    /// NATS routes): on the headless Service, not on the client Service, and not opened to
    /// the services that depend on this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer: Option<bool>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, JsonSchema)]
pub enum ExposeType {
    /// In-cluster only.
    #[default]
    ClusterIP,
    /// On every node's port (the kind profile turns every external exposure into this).
    NodePort,
    /// A cloud load balancer.
    LoadBalancer,
    /// No Service at all (workers without ports).
    None,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Expose {
    /// Service type (default ClusterIP).
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<ExposeType>,
    /// An Ingress for HTTP(S) from outside (replaced by NodePort in kind).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ingress: Option<Ingress>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Ingress {
    /// IngressClass (default `spec.ingress.className`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class_name: Option<String>,
    /// Host names.
    pub hosts: Vec<String>,
    /// Paths routed to this service (default `/`, Prefix, first port).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<IngressPath>,
    /// TLS for all hosts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls: Option<Tls>,
    /// Annotations of the Ingress.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub annotations: IndexMap<String, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, JsonSchema)]
pub enum PathType {
    #[default]
    Prefix,
    Exact,
    ImplementationSpecific,
}

impl PathType {
    pub fn as_str(self) -> &'static str {
        match self {
            PathType::Prefix => "Prefix",
            PathType::Exact => "Exact",
            PathType::ImplementationSpecific => "ImplementationSpecific",
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct IngressPath {
    /// URL path.
    pub path: String,
    /// Path type (default Prefix).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_type: Option<PathType>,
    /// Port name of this service (default the first port).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Tls {
    /// Secret holding the certificate (default `<service>-tls`); made by cert-manager when a
    /// cluster issuer is known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_name: Option<String>,
    /// cert-manager ClusterIssuer (default `spec.ingress.clusterIssuer`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_issuer: Option<String>,
}

/// An environment variable: exactly one of `value`, `secret`, `configMap`, `field`, `peers`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct EnvVar {
    pub name: String,
    /// A literal value (never a credential: use `secret`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<StrLike>,
    /// A key of a Secret declared in `spec.secrets`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<KeyRef>,
    /// A key of a ConfigMap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_map: Option<KeyRef>,
    /// A pod field (`metadata.namespace`, `status.podIP`,
    /// `metadata.labels['apps.kubernetes.io/pod-index']`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The stable DNS names of a StatefulSet's pods, joined: peer discovery for clustered
    /// services (ZooKeeper's server list, NATS routes, Kafka's `zookeeper.connect`). It
    /// follows the replicas of the profile: one peer in kind, as many as run elsewhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peers: Option<Peers>,
}

/// The pods of a StatefulSet service as one string: `format` for each pod, in ordinal order,
/// joined by `separator`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Peers {
    /// A StatefulSet service of the stack (default: the service itself).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// One pod's entry: `{host}` is its DNS name
    /// (`<service>-<i>.<service>-headless.<namespace>.svc.cluster.local`), `{ordinal}` its
    /// index from 0, `{id}` the index plus one (default `{host}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    /// Between entries (default `,`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub separator: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct KeyRef {
    /// Object name.
    pub name: String,
    /// Key in it.
    pub key: String,
}

/// A file mounted read-only: exactly one of `content` (put in ConfigMap `<service>-files`)
/// and `configMap` (a key of an existing or generated ConfigMap).
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ConfigFile {
    /// Absolute path of the file in the container.
    pub path: String,
    /// The file's content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// A key of a ConfigMap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_map: Option<KeyRef>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SecretFiles {
    /// A secret declared in `spec.secrets`.
    pub secret: String,
    /// Directory the keys appear in as files.
    pub mount_path: String,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Probes {
    /// Restart the container when this fails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub liveness: Option<Probe>,
    /// Send traffic only while this succeeds (default: same check as liveness).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub readiness: Option<Probe>,
    /// Hold the other probes until this succeeds once (slow starters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub startup: Option<Probe>,
}

/// A probe: exactly one of `http`, `tcp`, `exec`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Probe {
    /// HTTP GET of this path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<String>,
    /// TCP connect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tcp: Option<bool>,
    /// Run this command.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exec: Vec<String>,
    /// Port name or number for `http` and `tcp` (default the first port).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<IntOrString>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial_delay_seconds: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period_seconds: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_threshold: Option<u32>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Resources {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requests: Option<ResourceList>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<ResourceList>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ResourceList {
    /// CPU quantity (`250m`, `1`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<Quantity>,
    /// Memory quantity (`256Mi`, `1Gi`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<Quantity>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Autoscaling {
    pub min_replicas: u32,
    pub max_replicas: u32,
    /// Target average CPU utilisation in percent of requests (default 70).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<u8>,
    /// Target average memory utilisation in percent of requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<u8>,
}

/// Exactly one of `minAvailable` and `maxUnavailable`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct DisruptionBudget {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_available: Option<IntOrString>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_unavailable: Option<IntOrString>,
}

/// A volume and its mount: exactly one of `persistent`, `emptyDir`, `hostPath`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Volume {
    /// Volume name (sidecars and init containers mount it by this name).
    pub name: String,
    /// Where the main container mounts it; omitted: only sidecars and init containers mount
    /// it (e.g. a log shipper's own state).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mount_path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_only: Option<bool>,
    /// A PersistentVolumeClaim (a volumeClaimTemplate for StatefulSets).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub persistent: Option<Persistent>,
    /// Scratch space that lives as long as the pod.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub empty_dir: Option<EmptyDir>,
    /// A directory of the node: only with the `kind` profile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_path: Option<HostPath>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Persistent {
    /// Requested size (`10Gi`).
    pub size: Quantity,
    /// StorageClass (default `spec.storageClass`, then the profile's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_class: Option<String>,
    /// Access modes (default `[ReadWriteOnce]`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub access_modes: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct EmptyDir {
    /// `Memory` for tmpfs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub medium: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size_limit: Option<Quantity>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct HostPath {
    /// Path on the node (in kind, a path inside the node container; map it with
    /// `extraMounts` of the kind cluster config).
    pub path: String,
    /// hostPath type (default `DirectoryOrCreate`).
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub type_: Option<String>,
}

/// An init container or sidecar. It gets the same hardened security context, and resources
/// defaults, as the main container.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Container {
    pub name: String,
    /// Image (default: the service's image).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub command: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<EnvVar>,
    /// Ports (sidecars; exposed by the service's Service too).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<Port>,
    /// Probes (sidecars only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probes: Option<Probes>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resources: Option<Resources>,
    /// Volumes of the service's `storage` this container mounts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mounts: Vec<Mount>,
    /// Config files mounted read-only in this container (contents go to ConfigMap
    /// `<service>-files` with the service's own).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub config_files: Vec<ConfigFile>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security_context: Option<SecurityContext>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Mount {
    /// Name of a volume in the service's `storage`.
    pub volume: String,
    pub mount_path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_only: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ServiceAccountSpec {
    /// Annotations (e.g. a cloud workload identity).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub annotations: IndexMap<String, String>,
    /// Rules in the service's own namespace (a Role and RoleBinding `<service>`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<PolicyRule>,
    /// Cluster-wide rules (a ClusterRole and ClusterRoleBinding `<stack>-<service>`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cluster_rules: Vec<PolicyRule>,
    /// Mount the API token (default: only when there are rules).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub automount_token: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PolicyRule {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub api_groups: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resource_names: Vec<String>,
    #[serde(
        default,
        rename = "nonResourceURLs",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub non_resource_urls: Vec<String>,
    pub verbs: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SecurityContext {
    /// User id (needed when the image's user is root or named, as `runAsNonRoot` needs a
    /// number). `0` runs as root (`runAsNonRoot: false`): only with a P008 policy exception
    /// for the container.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_as_user: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run_as_group: Option<i64>,
    /// Group owning mounted volumes (pod level; ignored on containers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fs_group: Option<i64>,
    /// Default `true`; mount `emptyDir` storage where the program writes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_only_root_filesystem: Option<bool>,
    /// Capabilities added back after dropping ALL (`restricted` allows only NET_BIND_SERVICE).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub add_capabilities: Vec<String>,
    /// Run privileged (full access to the node's kernel, e.g. an init container that sets a
    /// sysctl): only with a P008 policy exception for the container and a layer whose pod
    /// security level is `privileged`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub privileged: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Metrics {
    /// Port name serving metrics.
    pub port: String,
    /// Path (default `/metrics`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

/// A connection to outside the stack: exactly one of `cidr` (addresses) and `namespace`
/// (pods of the cluster that the stack does not run).
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct EgressRule {
    /// Destination CIDR (`0.0.0.0/0` for anywhere).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cidr: Option<String>,
    /// CIDRs inside `cidr` that stay closed (the cluster's and cloud metadata addresses,
    /// e.g. for a service that reaches the internet).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub except: Vec<String>,
    /// Destination namespace of the cluster (e.g. `identity` for a shared Keycloak).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Labels of the destination pods in `namespace` (default: all of its pods).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub pod_labels: IndexMap<String, String>,
    /// Destination ports (`[]`: every port).
    pub ports: Vec<u16>,
    /// Protocol (default TCP).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<Protocol>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct JobSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backoff_limit: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active_deadline_seconds: Option<u32>,
    /// Default 86400 (a day) for Jobs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl_seconds_after_finished: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completions: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parallelism: Option<u32>,
    /// `Never` (default) or `OnFailure`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restart_policy: Option<String>,
    /// CronJob: `Forbid` (default), `Allow` or `Replace`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concurrency_policy: Option<String>,
}

/// A port number or name.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum IntOrString {
    Int(i64),
    Str(String),
}

impl IntOrString {
    pub fn to_value(&self) -> crate::value::Value {
        match self {
            IntOrString::Int(i) => crate::value::Value::from(*i),
            IntOrString::Str(s) => crate::value::Value::from(s.clone()),
        }
    }
}

/// A string that may be written as a YAML number or boolean (`PORT: 8080`).
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct StrLike(pub String);

impl<'de> Deserialize<'de> for StrLike {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        crate::types::StrLike::deserialize(d).map(|s| StrLike(s.0))
    }
}

impl JsonSchema for StrLike {
    fn schema_name() -> Cow<'static, str> {
        "StringLike".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({"type": ["string", "number", "boolean"]})
    }
}

/// A Kubernetes quantity (`100m`, `1`, `256Mi`, `10Gi`), written as a string or number.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Quantity(pub String);

impl<'de> Deserialize<'de> for Quantity {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = crate::types::StrLike::deserialize(d)?.0;
        if crate::stack::profile::parse_quantity(&s).is_none() {
            return Err(serde::de::Error::custom(format!(
                "{s:?} is not a Kubernetes quantity (e.g. 250m, 1, 512Mi, 10Gi)"
            )));
        }
        Ok(Quantity(s))
    }
}

impl JsonSchema for Quantity {
    fn schema_name() -> Cow<'static, str> {
        "Quantity".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": ["string", "number"],
            "pattern": "^[0-9]+(\\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$",
            "description": "A Kubernetes quantity: 250m, 1, 512Mi, 10Gi."
        })
    }
}
