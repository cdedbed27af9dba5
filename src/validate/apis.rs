//! API versions that Kubernetes removed or deprecated, from the official deprecation guide
//! (<https://kubernetes.io/docs/reference/using-api/deprecation-guide/>). The 1.33 schema
//! table says what 1.33 serves; this table says what an apiVersion that is *not* served
//! became, so messages can name the replacement, and lets `--kube-version` older than 1.33
//! accept APIs that were still served then.

/// A target Kubernetes version (major.minor).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct KubeVersion {
    pub major: u32,
    pub minor: u32,
}

impl Default for KubeVersion {
    fn default() -> Self {
        KubeVersion {
            major: 1,
            minor: 33,
        }
    }
}

impl std::fmt::Display for KubeVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

impl std::str::FromStr for KubeVersion {
    type Err = String;
    /// `1.33`, `v1.33`, `1.33.0`.
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim().trim_start_matches('v');
        let mut it = t.split('.');
        let major = it.next().and_then(|x| x.parse().ok());
        let minor = it.next().and_then(|x| x.parse().ok());
        match (major, minor) {
            (Some(1), Some(minor)) if (it.next().is_none_or(|p| p.parse::<u32>().is_ok())) => {
                Ok(KubeVersion { major: 1, minor })
            }
            _ => Err(format!(
                "invalid Kubernetes version {s:?}: expected e.g. 1.33 or v1.33.0"
            )),
        }
    }
}

/// An API version of a kind that was removed.
#[derive(Debug, Clone, Copy)]
pub struct Removed {
    pub group: &'static str,
    pub version: &'static str,
    pub kinds: &'static [&'static str],
    /// The minor version of 1.x that no longer serves it.
    pub removed_in: u32,
    /// What to use instead (`apps/v1`), or a sentence when there is no direct replacement.
    pub replacement: &'static str,
}

const WORKLOADS: &[&str] = &[
    "Deployment",
    "DaemonSet",
    "ReplicaSet",
    "StatefulSet",
    "ControllerRevision",
];
const RBAC: &[&str] = &["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"];
/// What replaces PodSecurityPolicy (no API does).
const PSA: &str = "Pod Security Admission (namespace labels pod-security.kubernetes.io/enforce)";
const FLOW: &[&str] = &["FlowSchema", "PriorityLevelConfiguration"];

pub static REMOVED: &[Removed] = &[
    Removed {
        group: "extensions",
        version: "v1beta1",
        kinds: &["Deployment", "DaemonSet", "ReplicaSet"],
        removed_in: 16,
        replacement: "apps/v1",
    },
    Removed {
        group: "extensions",
        version: "v1beta1",
        kinds: &["NetworkPolicy"],
        removed_in: 16,
        replacement: "networking.k8s.io/v1",
    },
    Removed {
        group: "extensions",
        version: "v1beta1",
        kinds: &["PodSecurityPolicy"],
        removed_in: 16,
        replacement: PSA,
    },
    Removed {
        group: "extensions",
        version: "v1beta1",
        kinds: &["Ingress"],
        removed_in: 22,
        replacement: "networking.k8s.io/v1",
    },
    Removed {
        group: "apps",
        version: "v1beta1",
        kinds: WORKLOADS,
        removed_in: 16,
        replacement: "apps/v1",
    },
    Removed {
        group: "apps",
        version: "v1beta2",
        kinds: WORKLOADS,
        removed_in: 16,
        replacement: "apps/v1",
    },
    Removed {
        group: "networking.k8s.io",
        version: "v1beta1",
        kinds: &["Ingress", "IngressClass"],
        removed_in: 22,
        replacement: "networking.k8s.io/v1",
    },
    Removed {
        group: "rbac.authorization.k8s.io",
        version: "v1alpha1",
        kinds: RBAC,
        removed_in: 22,
        replacement: "rbac.authorization.k8s.io/v1",
    },
    Removed {
        group: "rbac.authorization.k8s.io",
        version: "v1beta1",
        kinds: RBAC,
        removed_in: 22,
        replacement: "rbac.authorization.k8s.io/v1",
    },
    Removed {
        group: "apiextensions.k8s.io",
        version: "v1beta1",
        kinds: &["CustomResourceDefinition"],
        removed_in: 22,
        replacement: "apiextensions.k8s.io/v1",
    },
    Removed {
        group: "apiregistration.k8s.io",
        version: "v1beta1",
        kinds: &["APIService"],
        removed_in: 22,
        replacement: "apiregistration.k8s.io/v1",
    },
    Removed {
        group: "admissionregistration.k8s.io",
        version: "v1beta1",
        kinds: &[
            "MutatingWebhookConfiguration",
            "ValidatingWebhookConfiguration",
        ],
        removed_in: 22,
        replacement: "admissionregistration.k8s.io/v1",
    },
    Removed {
        group: "scheduling.k8s.io",
        version: "v1beta1",
        kinds: &["PriorityClass"],
        removed_in: 22,
        replacement: "scheduling.k8s.io/v1",
    },
    Removed {
        group: "scheduling.k8s.io",
        version: "v1alpha1",
        kinds: &["PriorityClass"],
        removed_in: 17,
        replacement: "scheduling.k8s.io/v1",
    },
    Removed {
        group: "storage.k8s.io",
        version: "v1beta1",
        kinds: &["CSIDriver", "CSINode", "StorageClass", "VolumeAttachment"],
        removed_in: 22,
        replacement: "storage.k8s.io/v1",
    },
    Removed {
        group: "storage.k8s.io",
        version: "v1beta1",
        kinds: &["CSIStorageCapacity"],
        removed_in: 27,
        replacement: "storage.k8s.io/v1",
    },
    Removed {
        group: "certificates.k8s.io",
        version: "v1beta1",
        kinds: &["CertificateSigningRequest"],
        removed_in: 22,
        replacement: "certificates.k8s.io/v1",
    },
    Removed {
        group: "coordination.k8s.io",
        version: "v1beta1",
        kinds: &["Lease"],
        removed_in: 22,
        replacement: "coordination.k8s.io/v1",
    },
    Removed {
        group: "batch",
        version: "v1beta1",
        kinds: &["CronJob"],
        removed_in: 25,
        replacement: "batch/v1",
    },
    Removed {
        group: "batch",
        version: "v2alpha1",
        kinds: &["CronJob"],
        removed_in: 21,
        replacement: "batch/v1",
    },
    Removed {
        group: "discovery.k8s.io",
        version: "v1beta1",
        kinds: &["EndpointSlice"],
        removed_in: 25,
        replacement: "discovery.k8s.io/v1",
    },
    Removed {
        group: "events.k8s.io",
        version: "v1beta1",
        kinds: &["Event"],
        removed_in: 25,
        replacement: "events.k8s.io/v1",
    },
    Removed {
        group: "autoscaling",
        version: "v2beta1",
        kinds: &["HorizontalPodAutoscaler"],
        removed_in: 25,
        replacement: "autoscaling/v2",
    },
    Removed {
        group: "autoscaling",
        version: "v2beta2",
        kinds: &["HorizontalPodAutoscaler"],
        removed_in: 26,
        replacement: "autoscaling/v2",
    },
    Removed {
        group: "policy",
        version: "v1beta1",
        kinds: &["PodDisruptionBudget"],
        removed_in: 25,
        replacement: "policy/v1",
    },
    Removed {
        group: "policy",
        version: "v1beta1",
        kinds: &["PodSecurityPolicy"],
        removed_in: 25,
        replacement: PSA,
    },
    Removed {
        group: "node.k8s.io",
        version: "v1beta1",
        kinds: &["RuntimeClass"],
        removed_in: 25,
        replacement: "node.k8s.io/v1",
    },
    Removed {
        group: "node.k8s.io",
        version: "v1alpha1",
        kinds: &["RuntimeClass"],
        removed_in: 22,
        replacement: "node.k8s.io/v1",
    },
    Removed {
        group: "flowcontrol.apiserver.k8s.io",
        version: "v1beta1",
        kinds: FLOW,
        removed_in: 26,
        replacement: "flowcontrol.apiserver.k8s.io/v1",
    },
    Removed {
        group: "flowcontrol.apiserver.k8s.io",
        version: "v1beta2",
        kinds: FLOW,
        removed_in: 29,
        replacement: "flowcontrol.apiserver.k8s.io/v1",
    },
    Removed {
        group: "flowcontrol.apiserver.k8s.io",
        version: "v1beta3",
        kinds: FLOW,
        removed_in: 32,
        replacement: "flowcontrol.apiserver.k8s.io/v1",
    },
];

/// APIs that 1.33 still serves but has deprecated.
pub struct Deprecated {
    pub group: &'static str,
    pub version: &'static str,
    pub kind: &'static str,
    pub since: u32,
    pub replacement: &'static str,
}

pub static DEPRECATED: &[Deprecated] = &[Deprecated {
    group: "",
    version: "v1",
    kind: "Endpoints",
    since: 33,
    replacement: "discovery.k8s.io/v1 EndpointSlice",
}];

/// The Kubernetes minor version of the OpenAPI schema kustomize v5 builds with (1.21.2).
/// An API version still served then is one that the kustomize toolchain models; trees built for
/// clusters of that age (metrics-server's `release-ha` overlay ships a `policy/v1beta1`
/// PodDisruptionBudget for clusters before 1.21) are legitimate, so its removal is a per-environment
/// policy finding (P015) rather than an unconditional error (S005).
pub const KUSTOMIZE_SCHEMA_MINOR: u32 = 21;

impl Removed {
    /// Served by Kubernetes 1.21, the schema kustomize builds with: removal is a policy matter.
    pub fn known_to_kustomize(&self) -> bool {
        self.removed_in > KUSTOMIZE_SCHEMA_MINOR
    }
}

pub fn removed(group: &str, version: &str, kind: &str) -> Option<&'static Removed> {
    REMOVED
        .iter()
        .find(|r| r.group == group && r.version == version && r.kinds.contains(&kind))
}

/// Kinds that some API group once served but none does now.
pub fn kind_ever_existed(kind: &str) -> Option<&'static Removed> {
    REMOVED.iter().rev().find(|r| r.kinds.contains(&kind))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert_eq!("1.33".parse::<KubeVersion>().unwrap().minor, 33);
        assert_eq!("v1.29.4".parse::<KubeVersion>().unwrap().minor, 29);
        assert!("2".parse::<KubeVersion>().is_err());
        assert!(removed("extensions", "v1beta1", "Deployment").is_some());
    }
}
