//! Which kinds kustomize treats as cluster-scoped.
//!
//! kustomize v5.6 (kyaml v0.19.0) decides this from a table precomputed from the Kubernetes
//! 1.21 OpenAPI document it embeds (`precomputedIsNamespaceScoped` in `kyaml/openapi`): a kind
//! is "certainly cluster-scoped" only when its exact apiVersion and kind are listed there as
//! not namespaced. Anything else (including newer cluster-scoped kinds and all custom
//! resources) is treated as namespaced by the namespace transformer. We reproduce the table,
//! not the truth, because output fidelity depends on it.
use crate::resource::Gvk;

/// The apiVersions under which kustomize v5.6 knows `kind` to be cluster-scoped (none for
/// every other kind). Keyed by kind, so the common namespaced kinds (Deployment, Service,
/// ConfigMap…) are turned away by one `match` in the hot loops that ask.
fn listed_api_versions(kind: &str) -> &'static [&'static str] {
    const ADMISSION: &[&str] = &[
        "admissionregistration.k8s.io/v1",
        "admissionregistration.k8s.io/v1beta1",
    ];
    const RBAC: &[&str] = &[
        "rbac.authorization.k8s.io/v1",
        "rbac.authorization.k8s.io/v1beta1",
    ];
    const STORAGE: &[&str] = &["storage.k8s.io/v1", "storage.k8s.io/v1beta1"];
    match kind {
        "MutatingWebhookConfiguration" | "ValidatingWebhookConfiguration" => ADMISSION,
        "CustomResourceDefinition" => &["apiextensions.k8s.io/v1", "apiextensions.k8s.io/v1beta1"],
        "APIService" => &[
            "apiregistration.k8s.io/v1",
            "apiregistration.k8s.io/v1beta1",
        ],
        "CertificateSigningRequest" => &["certificates.k8s.io/v1", "certificates.k8s.io/v1beta1"],
        "FlowSchema" | "PriorityLevelConfiguration" => &["flowcontrol.apiserver.k8s.io/v1beta1"],
        "IngressClass" => &["networking.k8s.io/v1", "networking.k8s.io/v1beta1"],
        "RuntimeClass" => &["node.k8s.io/v1", "node.k8s.io/v1beta1"],
        "PodSecurityPolicy" => &["policy/v1beta1"],
        "ClusterRole" | "ClusterRoleBinding" => RBAC,
        "PriorityClass" => &["scheduling.k8s.io/v1", "scheduling.k8s.io/v1beta1"],
        "CSIDriver" | "CSINode" | "StorageClass" | "VolumeAttachment" => STORAGE,
        "ComponentStatus" | "Namespace" | "Node" | "NodeProxyOptions" | "PersistentVolume" => {
            &["v1"]
        }
        _ => &[],
    }
}

pub fn is_cluster_scoped(gvk: &Gvk) -> bool {
    is_cluster_scoped_parts(&gvk.group, &gvk.version, &gvk.kind)
}

/// [`is_cluster_scoped`] on borrowed parts, for hot loops.
pub fn is_cluster_scoped_parts(group: &str, version: &str, kind: &str) -> bool {
    listed_api_versions(kind)
        .iter()
        .any(|a| api_version_is(a, group, version))
}

/// Whether `apiVersion` + `kind` (as written in an object) is a cluster-scoped kind.
pub fn is_cluster_scoped_api(api_version: &str, kind: &str) -> bool {
    listed_api_versions(kind).contains(&api_version)
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
    fn listed_pairs_only() {
        // every listed apiVersion of a kind, and only those
        assert!(is_cluster_scoped_api(
            "rbac.authorization.k8s.io/v1beta1",
            "ClusterRole"
        ));
        assert!(is_cluster_scoped_api(
            "storage.k8s.io/v1beta1",
            "VolumeAttachment"
        ));
        assert!(is_cluster_scoped_api("v1", "PersistentVolume"));
        assert!(!is_cluster_scoped_api(
            "storage.k8s.io/v1alpha1",
            "StorageClass"
        ));
        assert!(!is_cluster_scoped_api("v1", "PersistentVolumeClaim"));
        assert!(!is_cluster_scoped_api(
            "rbac.authorization.k8s.io/v1",
            "Role"
        ));
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
