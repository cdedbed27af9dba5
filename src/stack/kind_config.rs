//! A kind `Cluster` config (`kind.x-k8s.io/v1alpha4`) for a build: every NodePort the build
//! exposes is mapped to the same port on the host, so `http://localhost:<nodePort>` reaches
//! it.
use crate::json;
use crate::value::Value;

use crate::resmap::ResMap;

/// The node ports of the build's NodePort Services: (nodePort, protocol, `namespace/service`).
pub fn node_ports(rm: &ResMap) -> Vec<(u64, String, String)> {
    let mut out = Vec::new();
    for r in rm.iter() {
        if r.kind() != "Service" || r.api_version() != "v1" {
            continue;
        }
        let spec = r.body.get("spec");
        if spec.and_then(|s| s.get("type")).and_then(Value::as_str) != Some("NodePort") {
            continue;
        }
        let ports = spec
            .and_then(|s| s.get("ports"))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for p in ports {
            if let Some(n) = p.get("nodePort").and_then(Value::as_u64) {
                let proto = p
                    .get("protocol")
                    .and_then(Value::as_str)
                    .unwrap_or("TCP")
                    .to_string();
                let port = p.get("name").and_then(Value::as_str).unwrap_or("");
                out.push((
                    n,
                    proto,
                    format!("{}/{} port {port}", r.namespace(), r.name()),
                ));
            }
        }
    }
    out.sort();
    out.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);
    out
}

/// The kind cluster config as a YAML-ready value.
pub fn kind_config(rm: &ResMap) -> Value {
    let mappings: Vec<Value> = node_ports(rm)
        .into_iter()
        .map(|(n, proto, _)| {
            json!({"containerPort": n, "hostPort": n, "listenAddress": "127.0.0.1", "protocol": proto})
        })
        .collect();
    let mut node = json!({"role": "control-plane"});
    if !mappings.is_empty() {
        node["extraPortMappings"] = mappings.into();
    }
    json!({
        "kind": "Cluster",
        "apiVersion": "kind.x-k8s.io/v1alpha4",
        "nodes": [node],
    })
}

/// The config as YAML, with a comment saying which Service each port belongs to.
pub fn kind_config_yaml(rm: &ResMap) -> String {
    let mut out =
        String::from("# kind cluster for this build: kind create cluster --config <this file>\n");
    for (n, proto, svc) in node_ports(rm) {
        out.push_str(&format!("# localhost:{n}/{proto} -> Service {svc}\n"));
    }
    crate::yaml::emit_document(&kind_config(rm), &mut out);
    out
}
