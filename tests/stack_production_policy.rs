//! Policy of the production build of the example stack (`overlays/production`): what the
//! production profile promises, checked on the objects it generates.
use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;
use stackgen::build::{BuildOptions, build};

fn production() -> Vec<Value> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let rm = build(
        &root.join("overlays").join("production"),
        &BuildOptions::default(),
    )
    .unwrap_or_else(|e| panic!("overlays/production does not build: {e}"));
    rm.iter().map(|r| r.body.clone()).collect()
}

fn s<'a>(v: &'a Value, ptr: &str) -> &'a str {
    v.pointer(ptr).and_then(Value::as_str).unwrap_or("")
}

fn id(v: &Value) -> String {
    format!(
        "{} {}/{}",
        s(v, "/kind"),
        s(v, "/metadata/namespace"),
        s(v, "/metadata/name")
    )
}

fn of_kind<'a>(docs: &'a [Value], kind: &'a str) -> impl Iterator<Item = &'a Value> {
    docs.iter().filter(move |d| s(d, "/kind") == kind)
}

/// The pod template of a workload, if it is one.
fn pod_template(d: &Value) -> Option<&Value> {
    match s(d, "/kind") {
        "Deployment" | "StatefulSet" | "DaemonSet" | "Job" => d.pointer("/spec/template"),
        "CronJob" => d.pointer("/spec/jobTemplate/spec/template"),
        _ => None,
    }
}

fn long_running(d: &Value) -> bool {
    matches!(s(d, "/kind"), "Deployment" | "StatefulSet" | "DaemonSet")
}

fn containers<'a>(tpl: &'a Value, key: &str) -> Vec<&'a Value> {
    tpl.pointer(&format!("/spec/{key}"))
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default()
}

fn matches_labels(selector: &Value, labels: &Value) -> bool {
    let Some(sel) = selector.as_object() else {
        return false;
    };
    !sel.is_empty() && sel.iter().all(|(k, v)| labels.get(k) == Some(v))
}

#[test]
fn long_running_containers_are_hardened_and_sized() {
    let docs = production();
    let mut seen = 0;
    for d in docs.iter().filter(|d| long_running(d)) {
        let tpl = pod_template(d).expect("pod template");
        let pod_sc = tpl.pointer("/spec/securityContext");
        for c in containers(tpl, "containers")
            .into_iter()
            .chain(containers(tpl, "initContainers"))
        {
            seen += 1;
            let what = format!("{} container {}", id(d), s(c, "/name"));
            let is_init = containers(tpl, "initContainers").contains(&c);
            for r in [
                "/resources/requests/cpu",
                "/resources/requests/memory",
                "/resources/limits/cpu",
                "/resources/limits/memory",
            ] {
                assert!(c.pointer(r).is_some(), "{what}: no {r}");
            }
            if !is_init {
                assert!(
                    c.get("livenessProbe").is_some(),
                    "{what}: no liveness probe"
                );
                assert!(
                    c.get("readinessProbe").is_some(),
                    "{what}: no readiness probe"
                );
            }
            let sc = c.get("securityContext").unwrap_or(&Value::Null);
            let non_root = sc
                .get("runAsNonRoot")
                .or_else(|| pod_sc?.get("runAsNonRoot"));
            assert_eq!(non_root, Some(&Value::Bool(true)), "{what}: runAsNonRoot");
            assert_eq!(
                sc.get("allowPrivilegeEscalation"),
                Some(&Value::Bool(false)),
                "{what}: allowPrivilegeEscalation"
            );
            assert_eq!(
                sc.get("readOnlyRootFilesystem"),
                Some(&Value::Bool(true)),
                "{what}: readOnlyRootFilesystem"
            );
            let drops: Vec<&str> = sc
                .pointer("/capabilities/drop")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            assert!(drops.contains(&"ALL"), "{what}: capabilities not dropped");
        }
    }
    assert!(
        seen >= 8,
        "expected the example's long-running containers, saw {seen}"
    );
}

#[test]
fn images_are_pinned() {
    let docs = production();
    for d in &docs {
        let Some(tpl) = pod_template(d) else { continue };
        for c in containers(tpl, "containers")
            .into_iter()
            .chain(containers(tpl, "initContainers"))
        {
            let image = s(c, "/image");
            let last = image.rsplit('/').next().unwrap_or(image);
            let tagged = last.contains(':') || image.contains('@');
            assert!(tagged, "{}: image {image:?} has no tag", id(d));
            assert!(
                !image.ends_with(":latest"),
                "{}: image {image:?} is :latest",
                id(d)
            );
        }
    }
}

#[test]
fn every_namespace_denies_by_default_and_allows_dns() {
    let docs = production();
    let namespaces: Vec<&str> = of_kind(&docs, "Namespace")
        .map(|n| s(n, "/metadata/name"))
        .collect();
    assert_eq!(namespaces.len(), 4, "four layers");
    for ns in namespaces {
        let pols: Vec<&Value> = of_kind(&docs, "NetworkPolicy")
            .filter(|p| s(p, "/metadata/namespace") == ns)
            .collect();
        let deny = pols.iter().any(|p| {
            p.pointer("/spec/podSelector") == Some(&serde_json::json!({}))
                && p.pointer("/spec/policyTypes") == Some(&serde_json::json!(["Ingress", "Egress"]))
                && p.pointer("/spec/ingress").is_none()
                && p.pointer("/spec/egress").is_none()
        });
        assert!(deny, "namespace {ns} has no default-deny NetworkPolicy");
        let dns = pols.iter().any(|p| {
            p.pointer("/spec/podSelector") == Some(&serde_json::json!({}))
                && p.pointer("/spec/egress")
                    .and_then(Value::as_array)
                    .is_some_and(|rules| {
                        rules.iter().any(|r| {
                            r.get("ports").and_then(Value::as_array).is_some_and(|ps| {
                                ps.iter().any(|p| {
                                    p.get("port") == Some(&Value::from(53))
                                        && s(p, "/protocol") == "UDP"
                                })
                            })
                        })
                    })
        });
        assert!(dns, "namespace {ns} does not allow DNS egress");
    }
    for ns in of_kind(&docs, "Namespace") {
        assert_eq!(
            s(ns, "/metadata/labels/pod-security.kubernetes.io~1enforce"),
            "restricted",
            "{}",
            id(ns)
        );
    }
}

#[test]
fn services_select_workloads_and_statefulsets_have_headless_services() {
    let docs = production();
    let workloads: Vec<&Value> = docs.iter().filter(|d| pod_template(d).is_some()).collect();
    for svc in of_kind(&docs, "Service") {
        let ns = s(svc, "/metadata/namespace");
        let sel = svc.pointer("/spec/selector").unwrap_or(&Value::Null);
        let found = workloads.iter().any(|w| {
            s(w, "/metadata/namespace") == ns
                && pod_template(w)
                    .and_then(|t| t.pointer("/metadata/labels"))
                    .is_some_and(|l| matches_labels(sel, l))
        });
        assert!(found, "{} selects no workload's pods", id(svc));
    }
    for sts in of_kind(&docs, "StatefulSet") {
        let ns = s(sts, "/metadata/namespace");
        let name = s(sts, "/spec/serviceName");
        let headless = of_kind(&docs, "Service").any(|svc| {
            s(svc, "/metadata/namespace") == ns
                && s(svc, "/metadata/name") == name
                && s(svc, "/spec/clusterIP") == "None"
        });
        assert!(
            headless,
            "{}: serviceName {name:?} is not a headless Service",
            id(sts)
        );
        // ... and clients get a regular Service too.
        let regular = of_kind(&docs, "Service").any(|svc| {
            s(svc, "/metadata/namespace") == ns
                && s(svc, "/metadata/name") == s(sts, "/metadata/name")
                && s(svc, "/spec/clusterIP") != "None"
        });
        assert!(regular, "{}: no regular Service", id(sts));
    }
}

#[test]
fn api_is_autoscaled_and_replicated_workloads_have_budgets() {
    let docs = production();
    let hpa = of_kind(&docs, "HorizontalPodAutoscaler").find(|h| {
        s(h, "/spec/scaleTargetRef/kind") == "Deployment"
            && s(h, "/spec/scaleTargetRef/name") == "api"
            && s(h, "/metadata/namespace") == "server-layer"
    });
    let hpa = hpa.expect("the API server has an HPA");
    // The typed patch of overlays/production raised it.
    assert_eq!(hpa.pointer("/spec/minReplicas"), Some(&Value::from(4)));
    for w in docs.iter().filter(|d| long_running(d)) {
        let replicas = w
            .pointer("/spec/replicas")
            .and_then(Value::as_u64)
            .unwrap_or(1);
        if replicas <= 1 {
            continue;
        }
        let labels = pod_template(w)
            .and_then(|t| t.pointer("/metadata/labels"))
            .unwrap_or(&Value::Null);
        let pdb = of_kind(&docs, "PodDisruptionBudget").any(|p| {
            s(p, "/metadata/namespace") == s(w, "/metadata/namespace")
                && p.pointer("/spec/selector/matchLabels")
                    .is_some_and(|sel| matches_labels(sel, labels))
        });
        assert!(pdb, "{} has {replicas} replicas and no PDB", id(w));
    }
    let api = of_kind(&docs, "Deployment")
        .find(|d| s(d, "/metadata/name") == "api")
        .expect("api Deployment");
    assert_eq!(api.pointer("/spec/replicas"), Some(&Value::from(4)));
}

#[test]
fn no_secret_carries_data() {
    let docs = production();
    for sec in of_kind(&docs, "Secret") {
        assert!(
            sec.get("data").is_none() && sec.get("stringData").is_none(),
            "{} carries data",
            id(sec)
        );
    }
    let external: BTreeSet<&str> = of_kind(&docs, "ExternalSecret")
        .map(|e| s(e, "/metadata/name"))
        .collect();
    assert!(external.contains("postgres-credentials"));
}
