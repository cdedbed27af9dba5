//! The dev build (`overlays/dev`, kind profile) and `stackgen kind-config`.
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use stackgen::build::{BuildOptions, build};
use stackgen::value::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn dev() -> Vec<Value> {
    let rm = build(&root().join("overlays/dev"), &BuildOptions::default())
        .unwrap_or_else(|e| panic!("overlays/dev does not build: {e}"));
    rm.iter().map(|r| r.body.clone()).collect()
}

fn s<'a>(v: &'a Value, ptr: &str) -> &'a str {
    v.pointer(ptr).and_then(Value::as_str).unwrap_or("")
}

#[test]
fn one_replica_everywhere_and_no_autoscaling() {
    let docs = dev();
    let mut n = 0;
    for d in &docs {
        if matches!(s(d, "/kind"), "Deployment" | "StatefulSet") {
            n += 1;
            assert_eq!(
                d.pointer("/spec/replicas"),
                Some(&Value::from(1)),
                "{} {}",
                s(d, "/kind"),
                s(d, "/metadata/name")
            );
        }
        assert_ne!(s(d, "/kind"), "HorizontalPodAutoscaler");
        assert_ne!(s(d, "/kind"), "PodDisruptionBudget");
        assert_ne!(s(d, "/kind"), "Ingress", "kind exposes by NodePort");
        assert_ne!(s(d, "/kind"), "ExternalSecret", "dev secrets are generated");
    }
    assert!(n >= 7);
}

fn node_ports(docs: &[Value]) -> BTreeSet<u64> {
    docs.iter()
        .filter(|d| s(d, "/kind") == "Service" && s(d, "/spec/type") == "NodePort")
        .flat_map(|d| {
            d.pointer("/spec/ports")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        })
        .filter_map(|p| p.get("nodePort").and_then(Value::as_u64))
        .collect()
}

#[test]
fn client_is_exposed_by_node_port() {
    let docs = dev();
    let web = docs
        .iter()
        .find(|d| {
            s(d, "/kind") == "Service"
                && s(d, "/metadata/name") == "web"
                && s(d, "/metadata/namespace") == "client-layer"
        })
        .expect("web Service");
    assert_eq!(s(web, "/spec/type"), "NodePort");
    assert_eq!(
        web.pointer("/spec/ports/0/nodePort"),
        Some(&Value::from(30080))
    );
}

#[test]
fn kind_config_maps_every_node_port() {
    let docs = dev();
    let want = node_ports(&docs);
    assert!(want.contains(&30080));
    let out = Command::new(env!("CARGO_BIN_EXE_stackgen"))
        .arg("kind-config")
        .arg(root().join("overlays/dev"))
        .output()
        .expect("run stackgen");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let cfg: serde_yaml::Value = serde_yaml::from_str(&text).expect("YAML");
    assert_eq!(cfg["apiVersion"].as_str(), Some("kind.x-k8s.io/v1alpha4"));
    assert_eq!(cfg["kind"].as_str(), Some("Cluster"));
    let maps = cfg["nodes"][0]["extraPortMappings"]
        .as_sequence()
        .cloned()
        .unwrap_or_default();
    let got: BTreeSet<u64> = maps
        .iter()
        .filter_map(|m| m["containerPort"].as_u64())
        .collect();
    assert_eq!(got, want);
    for m in &maps {
        assert_eq!(m["hostPort"], m["containerPort"]);
    }
}
