//! `stackgen graph`: the dependency graph of a build, as Mermaid or Graphviz DOT.
//!
//! Nodes are the built objects (grouped by namespace); edges are the name references and
//! `stackgen.dev/depends-on` declarations of `crate::order` (what an object needs), plus the
//! label-selector edges of Services, PodDisruptionBudgets and NetworkPolicies (what they
//! select). Namespace and CRD edges are left out: every object would point at them.
use std::collections::BTreeMap;
use std::fmt::Write;

use crate::order::{Edge, EdgeKind, category, edges, selection_edges};
use crate::resmap::ResMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GraphFormat {
    Mermaid,
    Dot,
}

fn graph_edges(rm: &ResMap) -> Vec<Edge> {
    let mut e: Vec<Edge> = edges(rm)
        .into_iter()
        .filter(|e| !matches!(e.kind, EdgeKind::Namespace | EdgeKind::Crd))
        .collect();
    e.extend(selection_edges(rm));
    // One edge per pair and label.
    let mut seen = std::collections::BTreeSet::new();
    e.retain(|x| seen.insert((x.from, x.to, label(&x.kind))));
    e
}

fn label(k: &EdgeKind) -> String {
    match k {
        EdgeKind::Ref(field) => {
            // The last meaningful step of the field: `envFrom`, `volumes`, `serviceName`...
            let f = field
                .split('.')
                .map(|p| p.split('[').next().unwrap_or(p))
                .rfind(|p| {
                    !matches!(
                        *p,
                        "spec"
                            | "template"
                            | "name"
                            | "jobTemplate"
                            | "containers"
                            | "initContainers"
                            | "valueFrom"
                            | "http"
                            | "paths"
                            | "backend"
                            | "service"
                            | "rules"
                    )
                })
                .unwrap_or(field);
            f.to_string()
        }
        EdgeKind::DependsOn => "depends on".into(),
        EdgeKind::Namespace => "namespace".into(),
        EdgeKind::Crd => "crd".into(),
        EdgeKind::Selects(s) => (*s).to_string(),
    }
}

fn node_label(rm: &ResMap, i: usize) -> String {
    let r = &rm.as_slice()[i];
    format!("{}\\n{}", r.kind(), r.name())
}

/// Renders the graph.
pub fn render(rm: &ResMap, format: GraphFormat) -> String {
    let edges = graph_edges(rm);
    let list = rm.as_slice();
    let mut by_ns: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, r) in list.iter().enumerate() {
        by_ns.entry(r.namespace()).or_default().push(i);
    }
    let mut out = String::new();
    match format {
        GraphFormat::Mermaid => {
            out.push_str("flowchart LR\n");
            for (ns, nodes) in &by_ns {
                let indent = if ns.is_empty() {
                    "  "
                } else {
                    let _ = writeln!(out, "  subgraph ns_{}[\"namespace {ns}\"]", ident(ns));
                    "    "
                };
                for &i in nodes {
                    let l = node_label(rm, i)
                        .replace("\\n", "<br/>")
                        .replace('"', "#quot;");
                    let _ = writeln!(
                        out,
                        "{indent}n{i}[\"{l}\"]:::{}",
                        category(&list[i]).label().replace('-', "_")
                    );
                }
                if !ns.is_empty() {
                    out.push_str("  end\n");
                }
            }
            for e in &edges {
                let arrow = if matches!(e.kind, EdgeKind::Selects(_)) {
                    "-.->"
                } else {
                    "-->"
                };
                let _ = writeln!(out, "  n{} {arrow}|{}| n{}", e.from, label(&e.kind), e.to);
            }
            for (class, style) in [
                ("namespace", "fill:#eee"),
                ("config", "fill:#fff5cc"),
                ("storage", "fill:#e6f0ff"),
                ("network", "fill:#e8f8e8"),
                ("data", "fill:#ffe6e6"),
                ("workload", "fill:#f0e6ff"),
                ("rbac", "fill:#f5f5f5"),
            ] {
                let _ = writeln!(out, "  classDef {class} {style}");
            }
        }
        GraphFormat::Dot => {
            out.push_str(
                "digraph stackgen {\n  rankdir=LR;\n  node [shape=box, fontname=\"sans-serif\"];\n",
            );
            for (ns, nodes) in &by_ns {
                let indent = if ns.is_empty() {
                    "  "
                } else {
                    let _ = writeln!(
                        out,
                        "  subgraph \"cluster_{}\" {{\n    label=\"namespace {}\";",
                        esc(ns),
                        esc(ns)
                    );
                    "    "
                };
                for &i in nodes {
                    let _ = writeln!(
                        out,
                        "{indent}n{i} [label=\"{}\", group=\"{}\"];",
                        esc(&node_label(rm, i)).replace("\\\\n", "\\n"),
                        category(&list[i]).label()
                    );
                }
                if !ns.is_empty() {
                    out.push_str("  }\n");
                }
            }
            for e in &edges {
                let style = if matches!(e.kind, EdgeKind::Selects(_)) {
                    ", style=dashed"
                } else {
                    ""
                };
                let _ = writeln!(
                    out,
                    "  n{} -> n{} [label=\"{}\"{style}];",
                    e.from,
                    e.to,
                    esc(&label(&e.kind))
                );
            }
            out.push_str("}\n");
        }
    }
    out
}

fn ident(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

fn esc(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}
