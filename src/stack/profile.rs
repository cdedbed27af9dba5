//! Environment profiles: the opinionated defaults for what a stack does not say.
//!
//! | default | kind | staging | production |
//! |---|---|---|---|
//! | Deployment replicas | 1 (always) | 2 | 3 |
//! | StatefulSet replicas | 1 (always) | 1 | 1 |
//! | HPA / PDB | never | when declared / >1 replica | when declared / >1 replica |
//! | external exposure | NodePort, fixed ports | Ingress / LoadBalancer | Ingress / LoadBalancer |
//! | storage class | `standard` (local-path) | cluster default | cluster default |
//! | requests | at most 50m / 64Mi | declared or 100m / 128Mi | declared or 100m / 128Mi |
//! | limits | at least 2 / 2Gi | declared or 1 / 512Mi | declared or 1 / 512Mi |
//! | NetworkPolicies | off | default-deny + allows | default-deny + allows |
//! | pod security enforced | privileged | baseline | restricted |
//! | topology spread | no | no | across zones |
//!
//! The container security context is hardened in every profile (non-root, no privilege
//! escalation, ALL capabilities dropped, read-only root filesystem, RuntimeDefault seccomp):
//! what runs in kind then runs unchanged in production.
use super::types::{PodSecurityLevel, Profile, WorkloadKind};

pub struct Defaults {
    pub profile: Profile,
    pub network_policies: bool,
    pub pod_security: PodSecurityLevel,
    pub storage_class: Option<&'static str>,
    pub autoscale: bool,
    pub disruption_budgets: bool,
    pub topology_spread: bool,
    /// Ingress and LoadBalancer become NodePort.
    pub node_ports: bool,
    pub request_cpu: &'static str,
    pub request_memory: &'static str,
    pub limit_cpu: &'static str,
    pub limit_memory: &'static str,
}

impl Defaults {
    pub fn of(profile: Profile) -> Defaults {
        match profile {
            Profile::Kind => Defaults {
                profile,
                network_policies: false,
                pod_security: PodSecurityLevel::Privileged,
                storage_class: Some("standard"),
                autoscale: false,
                disruption_budgets: false,
                topology_spread: false,
                node_ports: true,
                request_cpu: "50m",
                request_memory: "64Mi",
                limit_cpu: "2",
                limit_memory: "2Gi",
            },
            Profile::Staging => Defaults {
                profile,
                network_policies: true,
                pod_security: PodSecurityLevel::Baseline,
                storage_class: None,
                autoscale: true,
                disruption_budgets: true,
                topology_spread: false,
                node_ports: false,
                request_cpu: "100m",
                request_memory: "128Mi",
                limit_cpu: "1",
                limit_memory: "512Mi",
            },
            Profile::Production => Defaults {
                profile,
                network_policies: true,
                pod_security: PodSecurityLevel::Restricted,
                storage_class: None,
                autoscale: true,
                disruption_budgets: true,
                topology_spread: true,
                node_ports: false,
                request_cpu: "100m",
                request_memory: "128Mi",
                limit_cpu: "1",
                limit_memory: "512Mi",
            },
        }
    }

    /// Replicas of a workload that declares `declared` (None: not said).
    pub fn replicas(&self, kind: WorkloadKind, declared: Option<u32>) -> u32 {
        if self.profile == Profile::Kind {
            return 1;
        }
        match (kind, declared) {
            (_, Some(n)) => n,
            (WorkloadKind::Deployment, None) => match self.profile {
                Profile::Production => 3,
                _ => 2,
            },
            _ => 1,
        }
    }

    pub fn is_kind(&self) -> bool {
        self.profile == Profile::Kind
    }
}

pub fn profile_name(p: Profile) -> &'static str {
    match p {
        Profile::Kind => "kind",
        Profile::Staging => "staging",
        Profile::Production => "production",
    }
}

pub fn pod_security_name(p: PodSecurityLevel) -> &'static str {
    match p {
        PodSecurityLevel::Privileged => "privileged",
        PodSecurityLevel::Baseline => "baseline",
        PodSecurityLevel::Restricted => "restricted",
    }
}

/// A Kubernetes quantity as a number of base units (cores, bytes), or None when it is not
/// one. Enough to compare requests and limits; not a full implementation of the format
/// (no exponent notation).
pub fn parse_quantity(s: &str) -> Option<f64> {
    let s = s.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (num, suffix) = s.split_at(split);
    if num.is_empty() || num.starts_with('.') || num.ends_with('.') {
        return None;
    }
    let n: f64 = num.parse().ok()?;
    let mult = match suffix {
        "" => 1.0,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024.0,
        "Mi" => 1024.0 * 1024.0,
        "Gi" => 1024.0 * 1024.0 * 1024.0,
        "Ti" => 1024.0f64.powi(4),
        "Pi" => 1024.0f64.powi(5),
        "Ei" => 1024.0f64.powi(6),
        _ => return None,
    };
    Some(n * mult)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities() {
        assert_eq!(parse_quantity("250m"), Some(0.25));
        assert_eq!(parse_quantity("1"), Some(1.0));
        assert_eq!(parse_quantity("1.5"), Some(1.5));
        assert_eq!(parse_quantity("512Mi"), Some(512.0 * 1024.0 * 1024.0));
        assert_eq!(parse_quantity("1G"), Some(1e9));
        assert_eq!(parse_quantity("ten"), None);
        assert_eq!(parse_quantity("1Gb"), None);
        assert_eq!(parse_quantity(""), None);
        assert_eq!(parse_quantity("."), None);
    }

    #[test]
    fn kind_always_runs_one() {
        let d = Defaults::of(Profile::Kind);
        assert_eq!(d.replicas(WorkloadKind::Deployment, Some(5)), 1);
        let p = Defaults::of(Profile::Production);
        assert_eq!(p.replicas(WorkloadKind::Deployment, None), 3);
        assert_eq!(p.replicas(WorkloadKind::StatefulSet, None), 1);
        assert_eq!(p.replicas(WorkloadKind::Deployment, Some(5)), 5);
    }
}
