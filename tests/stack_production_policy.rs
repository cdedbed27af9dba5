//! Policy of the production build of the example stack (`overlays/production`): what the
//! production profile promises, checked on the objects it generates. The generic checks
//! live in `support/policy.rs` (shared with `tests/examples.rs`, which runs them on every
//! `examples/*/overlays/production`); this file adds what is particular to this example.
use std::collections::BTreeSet;
use std::path::Path;

use stackgen::build::{BuildOptions, build};
use stackgen::value::Value;

#[path = "support/policy.rs"]
mod policy;
use policy::{containers, long_running, of_kind, pod_template, s};

fn production() -> Vec<Value> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let rm = build(
        &root.join("overlays").join("production"),
        &BuildOptions::default(),
    )
    .unwrap_or_else(|e| panic!("overlays/production does not build: {e}"));
    rm.iter().map(|r| r.body.clone()).collect()
}

#[test]
fn production_policy_holds() {
    policy::assert_production("overlays/production", &production());
}

#[test]
fn long_running_containers_are_all_checked() {
    let docs = production();
    let seen: usize = docs
        .iter()
        .filter(|d| long_running(d))
        .filter_map(pod_template)
        .map(|t| containers(t, "containers").len() + containers(t, "initContainers").len())
        .sum();
    assert!(
        seen >= 8,
        "expected the example's long-running containers, saw {seen}"
    );
}

#[test]
fn four_layers() {
    let docs = production();
    assert_eq!(of_kind(&docs, "Namespace").count(), 4, "four layers");
}

#[test]
fn api_is_autoscaled_and_raised_by_the_overlay() {
    let docs = production();
    let hpa = of_kind(&docs, "HorizontalPodAutoscaler").find(|h| {
        s(h, "/spec/scaleTargetRef/kind") == "Deployment"
            && s(h, "/spec/scaleTargetRef/name") == "api"
            && s(h, "/metadata/namespace") == "server-layer"
    });
    let hpa = hpa.expect("the API server has an HPA");
    // The typed patch of overlays/production raised it.
    assert_eq!(hpa.pointer("/spec/minReplicas"), Some(&Value::from(4)));
    let api = of_kind(&docs, "Deployment")
        .find(|d| s(d, "/metadata/name") == "api")
        .expect("api Deployment");
    assert_eq!(api.pointer("/spec/replicas"), Some(&Value::from(4)));
}

#[test]
fn credentials_come_from_the_secret_store() {
    let docs = production();
    let external: BTreeSet<&str> = of_kind(&docs, "ExternalSecret")
        .map(|e| s(e, "/metadata/name"))
        .collect();
    assert!(external.contains("postgres-credentials"));
}
