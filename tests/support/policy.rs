//! What the production profile promises, checked on the objects of a built production
//! overlay: shared by `tests/stack_production_policy.rs` (the main example) and
//! `tests/examples.rs` (every `examples/*/overlays/production`).
//!
//! Every check has a code: the validation rule it mirrors (`P001`, `R010`, `P013` for a
//! Namespace's pod security level, `P014` for Secret data, ...) or, for promises no rule
//! covers, a name (`default-deny`, `pdb`, ...). An object is exempt from a check when its
//! annotation `stackgen.dev/validate-exception` names that code (the value is read as words:
//! `"P008: the exporter image runs as root"` exempts it from P008 only). A code scoped to a
//! container, as the validator's exceptions are (`P008[sysctl]: ...`), exempts that
//! container's checks only. For container checks the annotation may sit on the workload or on
//! its pod template; for namespace checks on the Namespace.
#![allow(dead_code)]

use stackgen::json;
use stackgen::value::Value;

pub const EXCEPTION_ANNOTATION: &str = "stackgen.dev/validate-exception";

/// One broken promise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub code: &'static str,
    pub object: String,
    pub message: String,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "[{}] {}: {}", self.code, self.object, self.message)
    }
}

pub fn s<'a>(v: &'a Value, ptr: &str) -> &'a str {
    v.pointer(ptr).and_then(Value::as_str).unwrap_or("")
}

pub fn id(v: &Value) -> String {
    format!(
        "{} {}/{}",
        s(v, "/kind"),
        s(v, "/metadata/namespace"),
        s(v, "/metadata/name")
    )
}

pub fn of_kind<'a>(docs: &'a [Value], kind: &'a str) -> impl Iterator<Item = &'a Value> {
    docs.iter().filter(move |d| s(d, "/kind") == kind)
}

/// The pod template of a workload, if it is one.
pub fn pod_template(d: &Value) -> Option<&Value> {
    match s(d, "/kind") {
        "Deployment" | "StatefulSet" | "DaemonSet" | "Job" | "ReplicaSet" => {
            d.pointer("/spec/template")
        }
        "CronJob" => d.pointer("/spec/jobTemplate/spec/template"),
        _ => None,
    }
}

pub fn long_running(d: &Value) -> bool {
    matches!(s(d, "/kind"), "Deployment" | "StatefulSet" | "DaemonSet")
}

pub fn containers<'a>(tpl: &'a Value, key: &str) -> Vec<&'a Value> {
    tpl.pointer(&format!("/spec/{key}"))
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default()
}

pub fn matches_labels(selector: &Value, labels: &Value) -> bool {
    let Some(sel) = selector.as_object() else {
        return false;
    };
    !sel.is_empty() && sel.iter().all(|(k, v)| labels.get(k) == Some(v))
}

/// Whether `obj`'s exception annotation names `code`, unscoped or (for a check of one
/// container) scoped to `container`: `P008[sysctl]` exempts container `sysctl` only.
pub fn exempt_in(obj: &Value, code: &str, container: Option<&str>) -> bool {
    let Some(v) = obj
        .pointer("/metadata/annotations")
        .and_then(|a| a.get(EXCEPTION_ANNOTATION))
        .and_then(Value::as_str)
    else {
        return false;
    };
    let word = |c: char| c.is_ascii_alphanumeric() || c == '-';
    let mut rest = v;
    while !rest.is_empty() {
        let start = rest.find(word).unwrap_or(rest.len());
        rest = &rest[start..];
        let end = rest.find(|c: char| !word(c)).unwrap_or(rest.len());
        let (w, after) = rest.split_at(end);
        rest = after;
        if w.is_empty() || !w.eq_ignore_ascii_case(code) {
            continue;
        }
        let scope = after
            .strip_prefix('[')
            .and_then(|a| a.split_once(']'))
            .map(|(c, _)| c.trim());
        match (scope, container) {
            (None, _) => return true,
            (Some(sc), Some(c)) if sc == c => return true,
            _ => {}
        }
    }
    false
}

/// Whether `obj`'s exception annotation names `code` for the whole object.
pub fn exempt(obj: &Value, code: &str) -> bool {
    exempt_in(obj, code, None)
}

/// A workload is exempt when the workload or its pod template carries the exception.
fn workload_exempt(d: &Value, code: &str, container: Option<&str>) -> bool {
    exempt_in(d, code, container) || pod_template(d).is_some_and(|t| exempt_in(t, code, container))
}

struct Out(Vec<Violation>);

impl Out {
    fn check(&mut self, ok: bool, code: &'static str, obj: &Value, msg: impl Into<String>) {
        self.check_in(ok, code, obj, None, msg);
    }

    /// A check of one container of `obj`: exempt also by an exception scoped to it.
    fn check_in(
        &mut self,
        ok: bool,
        code: &'static str,
        obj: &Value,
        container: Option<&str>,
        msg: impl Into<String>,
    ) {
        if !ok && !workload_exempt(obj, code, container) {
            self.0.push(Violation {
                code,
                object: id(obj),
                message: msg.into(),
            });
        }
    }
}

/// Every production promise checked on `docs`; empty when all hold.
pub fn check_production(docs: &[Value]) -> Vec<Violation> {
    let mut out = Out(Vec::new());
    containers_are_sized_probed_and_hardened(docs, &mut out);
    images_are_pinned(docs, &mut out);
    namespaces_deny_by_default(docs, &mut out);
    services_select_pods(docs, &mut out);
    statefulsets_have_headless_services(docs, &mut out);
    replicated_workloads_have_budgets(docs, &mut out);
    secrets_carry_no_data(docs, &mut out);
    out.0
}

/// Panics with every violation, one a line.
pub fn assert_production(what: &str, docs: &[Value]) {
    let v = check_production(docs);
    if !v.is_empty() {
        let lines: Vec<String> = v.iter().map(|x| format!("  {x}")).collect();
        panic!(
            "{what} breaks the production policy ({} violation(s)):\n{}\n(an object may be exempted with the annotation {EXCEPTION_ANNOTATION} naming the code)",
            v.len(),
            lines.join("\n")
        );
    }
}

/// Requests and limits (P001, P002) for every container of every workload; liveness and
/// readiness probes (P004, P003) for the containers of long-running ones; a restrictive
/// security context (P008): non-root, no privilege escalation, read-only root filesystem,
/// all capabilities dropped.
fn containers_are_sized_probed_and_hardened(docs: &[Value], out: &mut Out) {
    for d in docs {
        let Some(tpl) = pod_template(d) else { continue };
        let pod_sc = tpl.pointer("/spec/securityContext");
        let inits = containers(tpl, "initContainers");
        for (c, is_init) in containers(tpl, "containers")
            .into_iter()
            .map(|c| (c, false))
            .chain(inits.iter().map(|c| (*c, true)))
        {
            let name = s(c, "/name");
            for (code, r) in [
                ("P001", "/resources/requests/cpu"),
                ("P001", "/resources/requests/memory"),
                ("P002", "/resources/limits/cpu"),
                ("P002", "/resources/limits/memory"),
            ] {
                out.check_in(
                    c.pointer(r).is_some(),
                    code,
                    d,
                    Some(name),
                    format!("container {name}: no {r}"),
                );
            }
            if long_running(d) && !is_init {
                out.check_in(
                    c.get("livenessProbe").is_some(),
                    "P004",
                    d,
                    Some(name),
                    format!("container {name}: no liveness probe"),
                );
                out.check_in(
                    c.get("readinessProbe").is_some(),
                    "P003",
                    d,
                    Some(name),
                    format!("container {name}: no readiness probe"),
                );
            }
            let sc = c.get("securityContext").unwrap_or(&Value::Null);
            let non_root = sc
                .get("runAsNonRoot")
                .or_else(|| pod_sc?.get("runAsNonRoot"));
            out.check_in(
                non_root == Some(&Value::Bool(true)),
                "P008",
                d,
                Some(name),
                format!("container {name}: runAsNonRoot is not true"),
            );
            out.check_in(
                sc.get("allowPrivilegeEscalation") == Some(&Value::Bool(false)),
                "P008",
                d,
                Some(name),
                format!("container {name}: allowPrivilegeEscalation is not false"),
            );
            out.check_in(
                sc.get("privileged") != Some(&Value::Bool(true)),
                "P008",
                d,
                Some(name),
                format!("container {name}: privileged"),
            );
            out.check_in(
                sc.get("readOnlyRootFilesystem") == Some(&Value::Bool(true)),
                "P008",
                d,
                Some(name),
                format!("container {name}: readOnlyRootFilesystem is not true"),
            );
            let drops: Vec<&str> = sc
                .pointer("/capabilities/drop")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            out.check_in(
                drops.contains(&"ALL"),
                "P008",
                d,
                Some(name),
                format!("container {name}: capabilities are not all dropped"),
            );
        }
    }
}

/// Images with a tag or digest (P007), never `:latest` (P006).
fn images_are_pinned(docs: &[Value], out: &mut Out) {
    for d in docs {
        let Some(tpl) = pod_template(d) else { continue };
        for c in containers(tpl, "containers")
            .into_iter()
            .chain(containers(tpl, "initContainers"))
        {
            let name = s(c, "/name");
            let image = s(c, "/image");
            let last = image.rsplit('/').next().unwrap_or(image);
            let tagged = last.contains(':') || image.contains('@');
            out.check_in(
                tagged,
                "P007",
                d,
                Some(name),
                format!("image {image:?} has no tag"),
            );
            out.check_in(
                !image.ends_with(":latest"),
                "P006",
                d,
                Some(name),
                format!("image {image:?} is :latest"),
            );
        }
    }
}

/// Every Namespace of the build: a default-deny NetworkPolicy of all ingress and egress,
/// DNS egress allowed, and `restricted` pod security enforced (P013).
fn namespaces_deny_by_default(docs: &[Value], out: &mut Out) {
    for ns_obj in of_kind(docs, "Namespace") {
        let ns = s(ns_obj, "/metadata/name");
        let pols: Vec<&Value> = of_kind(docs, "NetworkPolicy")
            .filter(|p| s(p, "/metadata/namespace") == ns)
            .collect();
        let deny = pols.iter().any(|p| {
            p.pointer("/spec/podSelector") == Some(&json!({}))
                && p.pointer("/spec/policyTypes") == Some(&json!(["Ingress", "Egress"]))
                && p.pointer("/spec/ingress").is_none()
                && p.pointer("/spec/egress").is_none()
        });
        out.check(
            deny,
            "default-deny",
            ns_obj,
            "no default-deny NetworkPolicy (podSelector {}, policyTypes [Ingress, Egress], no rules)",
        );
        let dns = pols.iter().any(|p| {
            p.pointer("/spec/podSelector") == Some(&json!({}))
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
        out.check(
            dns,
            "allow-dns",
            ns_obj,
            "DNS egress (UDP 53) is not allowed",
        );
        out.check(
            s(
                ns_obj,
                "/metadata/labels/pod-security.kubernetes.io~1enforce",
            ) == "restricted",
            "P013",
            ns_obj,
            "pod-security.kubernetes.io/enforce is not restricted",
        );
    }
}

/// Every Service with a selector selects the pods of a workload of its namespace (R009).
fn services_select_pods(docs: &[Value], out: &mut Out) {
    let workloads: Vec<&Value> = docs.iter().filter(|d| pod_template(d).is_some()).collect();
    for svc in of_kind(docs, "Service") {
        let ns = s(svc, "/metadata/namespace");
        let Some(sel) = svc.pointer("/spec/selector") else {
            continue; // a Service without selector has its endpoints managed elsewhere
        };
        let found = workloads.iter().any(|w| {
            s(w, "/metadata/namespace") == ns
                && pod_template(w)
                    .and_then(|t| t.pointer("/metadata/labels"))
                    .is_some_and(|l| matches_labels(sel, l))
        });
        out.check(found, "R009", svc, "selects no workload's pods");
    }
}

/// Every StatefulSet's serviceName is a headless Service of its namespace (R010), and
/// clients get a regular Service of the StatefulSet's name beside it.
fn statefulsets_have_headless_services(docs: &[Value], out: &mut Out) {
    for sts in of_kind(docs, "StatefulSet") {
        let ns = s(sts, "/metadata/namespace");
        let name = s(sts, "/spec/serviceName");
        let headless = of_kind(docs, "Service").any(|svc| {
            s(svc, "/metadata/namespace") == ns
                && s(svc, "/metadata/name") == name
                && s(svc, "/spec/clusterIP") == "None"
        });
        out.check(
            headless,
            "R010",
            sts,
            format!("serviceName {name:?} is not a headless Service"),
        );
        let regular = of_kind(docs, "Service").any(|svc| {
            s(svc, "/metadata/namespace") == ns
                && s(svc, "/metadata/name") == s(sts, "/metadata/name")
                && s(svc, "/spec/clusterIP") != "None"
        });
        out.check(
            regular,
            "statefulset-service",
            sts,
            "no regular Service for clients",
        );
    }
}

/// Long-running workloads of more than one replica have a PodDisruptionBudget.
fn replicated_workloads_have_budgets(docs: &[Value], out: &mut Out) {
    for w in docs.iter().filter(|d| long_running(d)) {
        let replicas = w
            .pointer("/spec/replicas")
            .and_then(Value::as_u64)
            .unwrap_or(1);
        if replicas <= 1 || s(w, "/kind") == "DaemonSet" {
            continue;
        }
        let labels = pod_template(w)
            .and_then(|t| t.pointer("/metadata/labels"))
            .unwrap_or(&Value::Null);
        let pdb = of_kind(docs, "PodDisruptionBudget").any(|p| {
            s(p, "/metadata/namespace") == s(w, "/metadata/namespace")
                && p.pointer("/spec/selector/matchLabels")
                    .is_some_and(|sel| matches_labels(sel, labels))
        });
        out.check(
            pdb,
            "pdb",
            w,
            format!("{replicas} replicas and no PodDisruptionBudget"),
        );
    }
}

/// No Secret of the build carries values: they come from a secret store by reference (P014).
fn secrets_carry_no_data(docs: &[Value], out: &mut Out) {
    for sec in of_kind(docs, "Secret") {
        out.check(
            sec.get("data").is_none() && sec.get("stringData").is_none(),
            "P014",
            sec,
            "carries data (production secrets come from a secret store by reference)",
        );
    }
}

#[cfg(test)]
mod self_tests {
    use super::*;

    #[test]
    fn exception_annotation_names_codes_as_words() {
        let o = json!({"metadata": {"annotations": {EXCEPTION_ANNOTATION: "P008: exporter runs as root, P003"}}});
        assert!(exempt(&o, "P008"));
        assert!(exempt(&o, "p003"));
        assert!(!exempt(&o, "P00"));
        assert!(!exempt(&o, "P001"));
        assert!(!exempt(&json!({}), "P008"));
    }

    #[test]
    fn exempt_objects_are_skipped_for_that_code_only() {
        let secret = |ann: Option<&str>| {
            let mut v = json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "namespace": "n"}, "data": {"k": "dg=="}});
            if let Some(a) = ann {
                v["metadata"]["annotations"] = json!({EXCEPTION_ANNOTATION: a});
            }
            v
        };
        assert_eq!(check_production(&[secret(None)]).len(), 1);
        assert!(check_production(&[secret(Some("P014: a kind-only fixture"))]).is_empty());
        assert_eq!(check_production(&[secret(Some("P008"))]).len(), 1);
    }

    #[test]
    fn scoped_exceptions_exempt_their_container_only() {
        let o = json!({"metadata": {"annotations": {EXCEPTION_ANNOTATION: "P008[sysctl]: sets vm.max_map_count\nP013: why"}}});
        assert!(exempt_in(&o, "P008", Some("sysctl")));
        assert!(!exempt_in(&o, "P008", Some("opensearch")));
        assert!(!exempt(&o, "P008"));
        assert!(exempt(&o, "P013"));
        assert!(exempt_in(&o, "P013", Some("opensearch")));
        let sts = |ann: &str| {
            let sized = json!({"requests": {"cpu": "1m", "memory": "1Mi"}, "limits": {"cpu": "1m", "memory": "1Mi"}});
            json!({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "os", "namespace": "n"},
                "spec": {"template": {"metadata": {"annotations": {EXCEPTION_ANNOTATION: ann}}, "spec": {
                    "initContainers": [{"name": "sysctl", "image": "busybox:1.36", "resources": sized,
                        "securityContext": {"privileged": true}}],
                    "containers": [{"name": "os", "image": "os:2", "resources": sized,
                        "livenessProbe": {}, "readinessProbe": {},
                        "securityContext": {"runAsNonRoot": true, "allowPrivilegeEscalation": false,
                            "readOnlyRootFilesystem": true, "capabilities": {"drop": ["ALL"]}}}]}}}})
        };
        let p008 = |ann: &str| -> Vec<Violation> {
            check_production(&[sts(ann)])
                .into_iter()
                .filter(|x| x.code == "P008")
                .collect()
        };
        assert!(p008("P008[sysctl]: vm.max_map_count").is_empty());
        // An exception for another container does not cover the privileged one.
        let v = p008("P008[os]: vm.max_map_count");
        assert!(!v.is_empty());
        assert!(v.iter().all(|x| x.message.contains("sysctl")));
    }
}
