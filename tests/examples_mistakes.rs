//! The write-up mistakes reproduced under `examples/*/mistakes/` are reported as each
//! example's README says (production severities), so the READMEs stay true.
use std::collections::BTreeSet;
use std::path::Path;

use stackgen::build::files::resources_from_bytes;
use stackgen::build::{BuildOptions, build};

#[path = "support/production_report.rs"]
mod production_report;
use production_report::production_codes;

fn codes(rel: &str) -> BTreeSet<&'static str> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(rel);
    let rm = if p.is_dir() {
        build(&p, &BuildOptions::default()).unwrap_or_else(|e| panic!("{rel}: {e}"))
    } else {
        let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("{rel}: {e}"));
        resources_from_bytes(&bytes, std::sync::Arc::new(p.clone()))
            .unwrap_or_else(|e| panic!("{rel}: {e}"))
    };
    production_codes(&rm).into_iter().collect()
}

fn set(c: &[&'static str]) -> BTreeSet<&'static str> {
    c.iter().copied().collect()
}

#[test]
fn endpoint_stats_mistakes() {
    let m = |f: &str| codes(&format!("endpoint-stats/mistakes/{f}"));
    assert_eq!(
        m("01-credentials-in-configmap.yaml"),
        set(&["P009", "R014"])
    );
    assert_eq!(m("02-psp-under-v1.yaml"), set(&["S006"]));
    assert_eq!(m("03-rate-limits-as-a-map.yaml"), set(&["S002"]));
    assert_eq!(
        m("04-statefulset-service-not-headless.yaml"),
        set(&["R010"])
    );
    assert_eq!(
        m("05-analytics-deployment.yaml"),
        set(&["P003", "P004", "P006", "P008", "P010", "R003"])
    );
    assert_eq!(m("06-grafana-service-and-ingress.yaml"), set(&["R008"]));
    assert!(m("07-storageclass-and-networkpolicy.yaml").is_empty());
}

#[test]
fn scan_platform_mistakes() {
    let m = |f: &str| codes(&format!("scan-platform/mistakes/{f}"));
    assert_eq!(
        m("01-opensearch-statefulset.yaml"),
        set(&["P001", "P002", "P003", "P004", "P006", "P008", "P013"])
    );
    assert_eq!(
        m("02-ecr-token-cronjob.yaml"),
        set(&["P001", "P002", "P006", "P008", "R002"])
    );
    assert_eq!(
        m("03-vector-shared-log-claims.yaml"),
        set(&["P001", "P002", "P003", "P004", "P006", "P008"])
    );
    assert_eq!(m("04-plaintext-production-secrets"), set(&["P014"]));
    assert!(m("05-rabbitmq-cluster.yaml").is_empty());
    assert!(m("06-common-labels").is_empty());
}
