//! NetworkPolicies: in every layer namespace a default deny of all ingress and egress and
//! an allowance of DNS, then per service exactly the connections the stack declares:
//!
//! - `dependsOn`: egress from the service to the dependency's pods, ingress to the
//!   dependency from the service, on the dependency's container ports;
//! - `metrics` + `spec.monitoring`: the scraper (a service of the stack, or the pods of an
//!   outside namespace) reaches every metrics port;
//! - an Ingress: the ingress controller's namespace (or `spec.ingress.sourceCidrs`, for a
//!   controller outside the pod network) reaches the routed ports;
//!   LoadBalancer/NodePort: anyone reaches the service's ports;
//! - a ServiceAccount with RBAC rules: egress to the Kubernetes API (ports 443 and 6443,
//!   any address: NetworkPolicies see the API server's endpoint addresses, not a pod);
//! - `egress`: the declared CIDRs, or outside namespaces' pods, and ports;
//! - StatefulSets of more than one replica: their pods reach each other (clustering).
//!
//! Ports are container ports, as NetworkPolicies see traffic after the Service's translation.
use crate::json;
use crate::value::Value;
use indexmap::IndexMap;

use super::expand::{Ctx, all_ports, client_ports, replicas};
use super::types::{ExposeType, Service, WorkloadKind};

fn peer(ctx: &Ctx, s: &Service) -> Value {
    json!({
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": ctx.ns(s)}},
        "podSelector": {"matchLabels": ctx.selector(s)},
    })
}

/// Pods of a namespace outside the stack (all of them without labels).
fn outside_peer(ns: &str, pod_labels: &IndexMap<String, String>) -> Value {
    let mut v = json!({"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": ns}}});
    if !pod_labels.is_empty() {
        v["podSelector"] = json!({"matchLabels": pod_labels});
    }
    v
}

/// The ports clients reach (the StatefulSet's `peer` ports are for its own pods).
fn ports_of(s: &Service) -> Vec<Value> {
    client_ports(s)
        .iter()
        .map(|p| json!({"protocol": p.protocol.unwrap_or_default().as_str(), "port": p.port}))
        .collect()
}

/// Ports other services connect to: all but the metrics port (that one is the scraper's),
/// unless it is the only one.
fn dep_ports(s: &Service) -> Vec<Value> {
    let metrics = s.metrics.as_ref().map(|m| m.port.as_str());
    let v: Vec<Value> = client_ports(s)
        .iter()
        .filter(|p| Some(p.name.as_str()) != metrics)
        .map(|p| json!({"protocol": p.protocol.unwrap_or_default().as_str(), "port": p.port}))
        .collect();
    if v.is_empty() { ports_of(s) } else { v }
}

fn port_named(s: &Service, name: &str) -> Option<Value> {
    all_ports(s)
        .into_iter()
        .find(|p| p.name == name)
        .map(|p| json!({"protocol": p.protocol.unwrap_or_default().as_str(), "port": p.port}))
}

pub fn policies(ctx: &Ctx, out: &mut Vec<Value>) {
    let labels = ctx.stack_labels();
    for l in &ctx.stack.spec.layers {
        let ns = &ctx.namespaces[l.name.as_str()];
        out.push(json!({
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": {"name": "default-deny", "namespace": ns, "labels": labels},
            "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]},
        }));
        out.push(json!({
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": {"name": "allow-dns", "namespace": ns, "labels": labels},
            "spec": {
                "podSelector": {},
                "policyTypes": ["Egress"],
                "egress": [{
                    "to": [{
                        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                        "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}},
                    }],
                    "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}],
                }],
            },
        }));
    }
    let services = &ctx.stack.spec.services;
    let monitoring = ctx.stack.spec.monitoring.as_ref();
    let scraper = monitoring
        .and_then(|m| m.scraper.as_deref())
        .and_then(|n| ctx.service(n));
    let scraper_peer = match (scraper, monitoring) {
        (Some(sc), _) => Some(peer(ctx, sc)),
        (None, Some(m)) => m
            .namespace
            .as_deref()
            .map(|ns| outside_peer(ns, &m.pod_labels)),
        _ => None,
    };
    let source_cidrs: Vec<Value> = ctx
        .stack
        .spec
        .ingress
        .as_ref()
        .map(|i| {
            i.source_cidrs
                .iter()
                .map(|c| json!({"ipBlock": {"cidr": c}}))
                .collect()
        })
        .unwrap_or_default();
    let controller_ns = ctx
        .stack
        .spec
        .ingress
        .as_ref()
        .and_then(|i| i.controller_namespace.clone())
        .unwrap_or_else(|| "ingress-nginx".into());
    for s in services {
        let mut ingress: Vec<Value> = Vec::new();
        let mut egress: Vec<Value> = Vec::new();
        let my_ports = ports_of(s);
        let served = dep_ports(s);
        if !served.is_empty() {
            for d in services.iter().filter(|d| d.depends_on.contains(&s.name)) {
                ingress.push(json!({"from": [peer(ctx, d)], "ports": served}));
            }
        }
        if let (Some(sc), Some(m)) = (&scraper_peer, &s.metrics)
            && let Some(p) = port_named(s, &m.port)
        {
            ingress.push(json!({"from": [sc], "ports": [p]}));
        }
        if let Some(ing) = s.expose.as_ref().and_then(|e| e.ingress.as_ref())
            && !ctx.d.node_ports
        {
            let first = s.ports.first().map(|p| p.name.as_str()).unwrap_or("");
            let mut ports: Vec<Value> = Vec::new();
            let names: Vec<&str> = if ing.paths.is_empty() {
                vec![first]
            } else {
                ing.paths
                    .iter()
                    .map(|p| p.port.as_deref().unwrap_or(first))
                    .collect()
            };
            for n in names {
                if let Some(p) = port_named(s, n)
                    && !ports.contains(&p)
                {
                    ports.push(p);
                }
            }
            let from = if source_cidrs.is_empty() {
                json!([{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": controller_ns}}}])
            } else {
                Value::from(source_cidrs.clone())
            };
            ingress.push(json!({"from": from, "ports": ports}));
        }
        if matches!(
            ctx.service_type(s),
            Some(ExposeType::NodePort | ExposeType::LoadBalancer)
        ) {
            ingress.push(json!({"ports": my_ports}));
        }
        if s.kind == WorkloadKind::StatefulSet && replicas(ctx, s) > 1 {
            ingress.push(json!({"from": [{"podSelector": {"matchLabels": ctx.selector(s)}}]}));
            egress.push(json!({"to": [{"podSelector": {"matchLabels": ctx.selector(s)}}]}));
        }
        for dep in &s.depends_on {
            if let Some(d) = ctx.service(dep) {
                let ports = dep_ports(d);
                if !ports.is_empty() {
                    egress.push(json!({"to": [peer(ctx, d)], "ports": ports}));
                }
            }
        }
        if scraper.is_some_and(|sc| sc.name == s.name) {
            for t in services {
                if let Some(m) = &t.metrics
                    && let Some(p) = port_named(t, &m.port)
                {
                    egress.push(json!({"to": [peer(ctx, t)], "ports": [p]}));
                }
            }
        }
        let sa = s.service_account.clone().unwrap_or_default();
        if !sa.rules.is_empty() || !sa.cluster_rules.is_empty() {
            egress.push(json!({
                "to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}],
                "ports": [{"protocol": "TCP", "port": 443}, {"protocol": "TCP", "port": 6443}],
            }));
        }
        for e in &s.egress {
            let proto = e.protocol.unwrap_or_default().as_str();
            let ports: Vec<Value> = e
                .ports
                .iter()
                .map(|p| json!({"protocol": proto, "port": p}))
                .collect();
            let to = match (&e.cidr, &e.namespace) {
                (Some(c), _) => {
                    let mut block = json!({"cidr": c});
                    if !e.except.is_empty() {
                        block["except"] = e.except.clone().into();
                    }
                    json!({"ipBlock": block})
                }
                (None, Some(ns)) => outside_peer(ns, &e.pod_labels),
                (None, None) => continue, // refused by the checks
            };
            egress.push(json!({"to": [to], "ports": ports}));
        }
        if ingress.is_empty() && egress.is_empty() {
            continue;
        }
        let mut types = Vec::new();
        let mut spec = json!({"podSelector": {"matchLabels": ctx.selector(s)}});
        if !ingress.is_empty() {
            types.push("Ingress");
            spec["ingress"] = ingress.into();
        }
        if !egress.is_empty() {
            types.push("Egress");
            spec["egress"] = egress.into();
        }
        spec["policyTypes"] = types.into();
        out.push(json!({
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": ctx.meta(s, &s.name),
            "spec": spec,
        }));
    }
}
