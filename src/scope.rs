//! Which kinds kustomize treats as cluster-scoped.
//!
//! kustomize v5.6 (kyaml v0.19.0) decides this from a table precomputed from the Kubernetes
//! 1.21 OpenAPI document it embeds (`precomputedIsNamespaceScoped` in `kyaml/openapi`): a kind
//! is "certainly cluster-scoped" only when its exact apiVersion and kind are listed there as
//! not namespaced. Anything else (including newer cluster-scoped kinds and all custom
//! resources) is treated as namespaced by the namespace transformer. We reproduce the table,
//! not the truth, because output fidelity depends on it.
use crate::resource::Gvk;

/// (apiVersion, kind) pairs kustomize v5.6 knows to be cluster-scoped.
const CLUSTER_SCOPED: &[(&str, &str)] = &[
    (
        "admissionregistration.k8s.io/v1",
        "MutatingWebhookConfiguration",
    ),
    (
        "admissionregistration.k8s.io/v1",
        "ValidatingWebhookConfiguration",
    ),
    (
        "admissionregistration.k8s.io/v1beta1",
        "MutatingWebhookConfiguration",
    ),
    (
        "admissionregistration.k8s.io/v1beta1",
        "ValidatingWebhookConfiguration",
    ),
    ("apiextensions.k8s.io/v1", "CustomResourceDefinition"),
    ("apiextensions.k8s.io/v1beta1", "CustomResourceDefinition"),
    ("apiregistration.k8s.io/v1", "APIService"),
    ("apiregistration.k8s.io/v1beta1", "APIService"),
    ("certificates.k8s.io/v1", "CertificateSigningRequest"),
    ("certificates.k8s.io/v1beta1", "CertificateSigningRequest"),
    ("flowcontrol.apiserver.k8s.io/v1beta1", "FlowSchema"),
    (
        "flowcontrol.apiserver.k8s.io/v1beta1",
        "PriorityLevelConfiguration",
    ),
    ("networking.k8s.io/v1", "IngressClass"),
    ("networking.k8s.io/v1beta1", "IngressClass"),
    ("node.k8s.io/v1", "RuntimeClass"),
    ("node.k8s.io/v1beta1", "RuntimeClass"),
    ("policy/v1beta1", "PodSecurityPolicy"),
    ("rbac.authorization.k8s.io/v1", "ClusterRole"),
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
    ("rbac.authorization.k8s.io/v1beta1", "ClusterRole"),
    ("rbac.authorization.k8s.io/v1beta1", "ClusterRoleBinding"),
    ("scheduling.k8s.io/v1", "PriorityClass"),
    ("scheduling.k8s.io/v1beta1", "PriorityClass"),
    ("storage.k8s.io/v1", "CSIDriver"),
    ("storage.k8s.io/v1", "CSINode"),
    ("storage.k8s.io/v1", "StorageClass"),
    ("storage.k8s.io/v1", "VolumeAttachment"),
    ("storage.k8s.io/v1beta1", "CSIDriver"),
    ("storage.k8s.io/v1beta1", "CSINode"),
    ("storage.k8s.io/v1beta1", "StorageClass"),
    ("storage.k8s.io/v1beta1", "VolumeAttachment"),
    ("v1", "ComponentStatus"),
    ("v1", "Namespace"),
    ("v1", "Node"),
    ("v1", "NodeProxyOptions"),
    ("v1", "PersistentVolume"),
];

pub fn is_cluster_scoped(gvk: &Gvk) -> bool {
    is_cluster_scoped_parts(&gvk.group, &gvk.version, &gvk.kind)
}

/// Whether some entry of [`CLUSTER_SCOPED`] has this kind: one `match` turns away the
/// common namespaced kinds (Deployment, Service, ConfigMap…) before the table is scanned.
fn is_listed_kind(kind: &str) -> bool {
    matches!(
        kind,
        "MutatingWebhookConfiguration"
            | "ValidatingWebhookConfiguration"
            | "CustomResourceDefinition"
            | "APIService"
            | "CertificateSigningRequest"
            | "FlowSchema"
            | "PriorityLevelConfiguration"
            | "IngressClass"
            | "RuntimeClass"
            | "PodSecurityPolicy"
            | "ClusterRole"
            | "ClusterRoleBinding"
            | "PriorityClass"
            | "CSIDriver"
            | "CSINode"
            | "StorageClass"
            | "VolumeAttachment"
            | "ComponentStatus"
            | "Namespace"
            | "Node"
            | "NodeProxyOptions"
            | "PersistentVolume"
    )
}

/// [`is_cluster_scoped`] on borrowed parts, for hot loops.
pub fn is_cluster_scoped_parts(group: &str, version: &str, kind: &str) -> bool {
    is_listed_kind(kind)
        && CLUSTER_SCOPED
            .iter()
            .any(|(a, k)| *k == kind && api_version_is(a, group, version))
}

/// Whether `apiVersion` + `kind` (as written in an object) is a cluster-scoped kind.
pub fn is_cluster_scoped_api(api_version: &str, kind: &str) -> bool {
    is_listed_kind(kind)
        && CLUSTER_SCOPED
            .iter()
            .any(|(a, k)| *k == kind && *a == api_version)
}

/// `av == group/version` (or `version` when the group is empty) without allocating.
fn api_version_is(av: &str, group: &str, version: &str) -> bool {
    if group.is_empty() {
        return av == version;
    }
    av.len() == group.len() + 1 + version.len()
        && av.starts_with(group)
        && av.as_bytes()[group.len()] == b'/'
        && av.ends_with(version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_kind_passes_the_kind_filter() {
        for (_, kind) in CLUSTER_SCOPED {
            assert!(is_listed_kind(kind), "{kind} missing from is_listed_kind");
        }
        assert!(!is_listed_kind("Deployment"));
    }

    #[test]
    fn known_kinds() {
        assert!(is_cluster_scoped(&Gvk::new("", "v1", "Namespace")));
        assert!(is_cluster_scoped(&Gvk::new(
            "rbac.authorization.k8s.io",
            "v1",
            "ClusterRole"
        )));
        assert!(!is_cluster_scoped(&Gvk::new("apps", "v1", "Deployment")));
        // kustomize v5.6 does not know this one: it is treated as namespaced.
        assert!(!is_cluster_scoped(&Gvk::new(
            "admissionregistration.k8s.io",
            "v1",
            "ValidatingAdmissionPolicy"
        )));
    }
}
