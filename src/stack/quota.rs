//! A layer's ResourceQuota and LimitRange (staging and production), and the build-time check
//! that the layer's own workloads fit them: the API server rejects a pod outside the
//! LimitRange and any pod beyond the quota, so a quota smaller than the stack is a
//! deployment that never finishes, found at build time instead.
//!
//! The kind profile generates neither: its requests are deliberately tiny and its limits
//! generous, which no production-sized LimitRange admits.
//!
//! What counts against the quota: every workload at its replicas (the HPA's minimum when
//! autoscaled) plus a rolling update's surge (Deployments: 25 %, rounded up), Jobs at their
//! parallelism, CronJobs and DaemonSets as one pod; a pod asks for the larger of its
//! containers' sum and its largest init container. Object counts (`services`, `configmaps`,
//! `persistentvolumeclaims`) count the generated objects, plus the `kube-root-ca.crt`
//! ConfigMap every namespace has.
use crate::json;
use crate::value::Value;
use indexmap::IndexMap;

use super::expand::{Ctx, LAYER_LABEL};
use super::profile::parse_quantity;
use super::types::{Layer, ResourceList};
use crate::error::{Error, Result, suggest};

/// Quota keys stackgen knows; others with a `/` (extended resources, `count/<kind>`,
/// storage classes) are passed through unchecked.
pub const QUOTA_KEYS: &[&str] = &[
    "cpu",
    "memory",
    "requests.cpu",
    "requests.memory",
    "limits.cpu",
    "limits.memory",
    "requests.storage",
    "requests.ephemeral-storage",
    "limits.ephemeral-storage",
    "ephemeral-storage",
    "pods",
    "services",
    "services.loadbalancers",
    "services.nodeports",
    "configmaps",
    "secrets",
    "persistentvolumeclaims",
    "replicationcontrollers",
    "resourcequotas",
];

/// Checks a layer's quota keys (called from `check.rs`).
pub fn check_keys(path: &str, l: &Layer) -> Result<()> {
    for k in l.quota.keys() {
        if !QUOTA_KEYS.contains(&k.as_str()) && !k.contains('/') {
            let mut e = Error::msg(format!("unknown quota key {k:?}"))
                .at_field(format!("{path}.quota.{k}"));
            if let Some(s) = suggest(k, QUOTA_KEYS.iter().copied()) {
                e = e.with_hint(format!("did you mean {s:?}?"));
            }
            return Err(e);
        }
    }
    Ok(())
}

fn resource_list(r: &Option<ResourceList>) -> Option<Value> {
    let r = r.as_ref()?;
    let mut m = crate::value::Map::new();
    if let Some(c) = &r.cpu {
        m.insert("cpu".into(), c.0.clone().into());
    }
    if let Some(c) = &r.memory {
        m.insert("memory".into(), c.0.clone().into());
    }
    (!m.is_empty()).then_some(Value::Object(m))
}

fn labels(ctx: &Ctx, l: &Layer) -> Value {
    let mut v = ctx.stack_labels();
    v[LAYER_LABEL] = l.name.clone().into();
    v
}

/// The layer's ResourceQuota and LimitRange, outside the kind profile.
pub fn layer_objects(ctx: &Ctx, l: &Layer, out: &mut Vec<Value>) {
    if ctx.d.is_kind() {
        return;
    }
    let ns = &ctx.namespaces[l.name.as_str()];
    if !l.quota.is_empty() {
        let hard: crate::value::Map<String, Value> = l
            .quota
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.0.clone())))
            .collect();
        out.push(json!({
            "apiVersion": "v1",
            "kind": "ResourceQuota",
            "metadata": {"name": format!("{}-quota", ctx.instance()), "namespace": ns, "labels": labels(ctx, l)},
            "spec": {"hard": hard},
        }));
    }
    if let Some(lr) = &l.limit_range {
        let mut limits = Vec::new();
        if let Some(c) = &lr.container {
            let mut item = json!({"type": "Container"});
            for (k, v) in [
                ("default", &c.default),
                ("defaultRequest", &c.default_request),
                ("min", &c.min),
                ("max", &c.max),
            ] {
                if let Some(v) = resource_list(v) {
                    item[k] = v;
                }
            }
            limits.push(item);
        }
        if let Some(p) = &lr.persistent_volume_claim {
            let mut item = json!({"type": "PersistentVolumeClaim"});
            if let Some(m) = &p.min {
                item["min"] = json!({"storage": m.0});
            }
            if let Some(m) = &p.max {
                item["max"] = json!({"storage": m.0});
            }
            limits.push(item);
        }
        if !limits.is_empty() {
            out.push(json!({
                "apiVersion": "v1",
                "kind": "LimitRange",
                "metadata": {"name": format!("{}-limits", ctx.instance()), "namespace": ns, "labels": labels(ctx, l)},
                "spec": {"limits": limits},
            }));
        }
    }
}

fn s<'a>(v: &'a Value, ptr: &str) -> &'a str {
    v.pointer(ptr).and_then(Value::as_str).unwrap_or("")
}

fn qty(v: &Value, ptr: &str) -> Option<f64> {
    v.pointer(ptr)
        .and_then(Value::as_str)
        .and_then(parse_quantity)
}

/// `1.5` cores → `1500m`; bytes → `1.5Gi`: for messages.
fn show(resource: &str, v: f64) -> String {
    if resource.contains("cpu") {
        let m = (v * 1000.0).round();
        if m % 1000.0 == 0.0 {
            format!("{}", m / 1000.0)
        } else {
            format!("{m}m")
        }
    } else if resource.contains("memory") || resource.contains("storage") {
        let mi = v / (1024.0 * 1024.0);
        if mi >= 1024.0 && (mi / 1024.0).fract() == 0.0 {
            format!("{}Gi", mi / 1024.0)
        } else {
            format!("{}Mi", mi.round())
        }
    } else {
        format!("{v}")
    }
}

/// The pod template of a workload, and how many pods of it the quota must admit.
fn pods(w: &Value) -> Option<(&Value, f64)> {
    let replicas = w.pointer("/spec/replicas").and_then(Value::as_u64);
    match s(w, "/kind") {
        "Deployment" => {
            let r = replicas.unwrap_or(1) as f64;
            Some((w.pointer("/spec/template")?, r + (r * 0.25).ceil()))
        }
        "StatefulSet" => Some((w.pointer("/spec/template")?, replicas.unwrap_or(1) as f64)),
        "DaemonSet" => Some((w.pointer("/spec/template")?, 1.0)),
        "Job" => {
            let p = w
                .pointer("/spec/parallelism")
                .and_then(Value::as_u64)
                .unwrap_or(1);
            Some((w.pointer("/spec/template")?, p as f64))
        }
        "CronJob" => Some((w.pointer("/spec/jobTemplate/spec/template")?, 1.0)),
        _ => None,
    }
}

/// Checks the expanded objects against their layers' quotas and limit ranges.
pub fn check(ctx: &Ctx, objs: &[Value]) -> Result<()> {
    if ctx.d.is_kind() {
        return Ok(());
    }
    for (li, l) in ctx.stack.spec.layers.iter().enumerate() {
        if l.quota.is_empty() && l.limit_range.is_none() {
            continue;
        }
        let ns = ctx.namespaces[l.name.as_str()].as_str();
        let path = format!("spec.layers[{li}]");
        let mine: Vec<&Value> = objs
            .iter()
            .filter(|o| s(o, "/metadata/namespace") == ns)
            .collect();
        let mut used: IndexMap<&str, f64> = IndexMap::new();
        for w in &mine {
            let Some((tpl, n)) = pods(w) else { continue };
            let what = format!("{} {}", s(w, "/kind"), s(w, "/metadata/name"));
            let list = |key: &str| -> Vec<&Value> {
                tpl.pointer(&format!("/spec/{key}"))
                    .and_then(Value::as_array)
                    .map(|a| a.iter().collect())
                    .unwrap_or_default()
            };
            let (containers, inits) = (list("containers"), list("initContainers"));
            if let Some(c) = l.limit_range.as_ref().and_then(|r| r.container.as_ref()) {
                for ct in containers.iter().chain(&inits) {
                    check_container_bounds(&path, &what, ct, c)?;
                }
            }
            for (key, field) in [
                ("requests.cpu", "/resources/requests/cpu"),
                ("requests.memory", "/resources/requests/memory"),
                ("limits.cpu", "/resources/limits/cpu"),
                ("limits.memory", "/resources/limits/memory"),
            ] {
                let sum: f64 = containers.iter().filter_map(|c| qty(c, field)).sum();
                let init = inits
                    .iter()
                    .filter_map(|c| qty(c, field))
                    .fold(0.0, f64::max);
                *used.entry(key).or_default() += sum.max(init) * n;
            }
            *used.entry("pods").or_default() += n;
            // Claims of the StatefulSet's pods.
            if let Some(vcts) = w
                .pointer("/spec/volumeClaimTemplates")
                .and_then(Value::as_array)
            {
                let r = w
                    .pointer("/spec/replicas")
                    .and_then(Value::as_u64)
                    .unwrap_or(1) as f64;
                for v in vcts {
                    let size = qty(v, "/spec/resources/requests/storage").unwrap_or(0.0);
                    check_claim(
                        &path,
                        &format!("{what} claim {}", s(v, "/metadata/name")),
                        size,
                        l,
                    )?;
                    *used.entry("persistentvolumeclaims").or_default() += r;
                    *used.entry("requests.storage").or_default() += size * r;
                }
            }
        }
        for o in &mine {
            match s(o, "/kind") {
                "PersistentVolumeClaim" => {
                    let size = qty(o, "/spec/resources/requests/storage").unwrap_or(0.0);
                    let what = format!("PersistentVolumeClaim {}", s(o, "/metadata/name"));
                    check_claim(&path, &what, size, l)?;
                    *used.entry("persistentvolumeclaims").or_default() += 1.0;
                    *used.entry("requests.storage").or_default() += size;
                }
                "Service" => {
                    *used.entry("services").or_default() += 1.0;
                    match s(o, "/spec/type") {
                        "NodePort" => *used.entry("services.nodeports").or_default() += 1.0,
                        "LoadBalancer" => *used.entry("services.loadbalancers").or_default() += 1.0,
                        _ => {}
                    }
                }
                "ConfigMap" => *used.entry("configmaps").or_default() += 1.0,
                _ => {}
            }
        }
        // Every namespace holds the kube-root-ca.crt ConfigMap.
        *used.entry("configmaps").or_default() += 1.0;
        used.insert("cpu", used.get("requests.cpu").copied().unwrap_or(0.0));
        used.insert(
            "memory",
            used.get("requests.memory").copied().unwrap_or(0.0),
        );
        for (key, hard) in &l.quota {
            let (Some(need), Some(h)) = (used.get(key.as_str()), parse_quantity(&hard.0)) else {
                continue;
            };
            // A little slack for float sums of millicores and bytes.
            if *need > h * (1.0 + 1e-9) + 1e-9 {
                return Err(Error::msg(format!(
                    "layer {} needs {} {key} (its workloads at their replicas plus a rolling update's surge) but its quota allows {}: pods beyond it are rejected",
                    l.name,
                    show(key, *need),
                    hard.0
                ))
                .at_field(format!("{path}.quota.{key}"))
                .with_hint("raise the quota, or lower the replicas or resources of the layer's services"));
            }
        }
    }
    Ok(())
}

fn check_container_bounds(
    path: &str,
    what: &str,
    c: &Value,
    lim: &super::types::ContainerLimits,
) -> Result<()> {
    let name = s(c, "/name");
    for res in ["cpu", "memory"] {
        let bound = |b: &Option<ResourceList>| {
            b.as_ref()
                .and_then(|l| if res == "cpu" { &l.cpu } else { &l.memory }.as_ref())
                .and_then(|q| parse_quantity(&q.0).map(|v| (q.0.clone(), v)))
        };
        for kind in ["requests", "limits"] {
            let Some(v) = qty(c, &format!("/resources/{kind}/{res}")) else {
                continue;
            };
            if let Some((shown, min)) = bound(&lim.min)
                && v < min
            {
                return Err(Error::msg(format!(
                    "{what}, container {name}: {kind}.{res} {} is below the layer's LimitRange minimum {shown}: the API server rejects its pods",
                    show(res, v)
                ))
                .at_field(format!("{path}.limitRange.container.min.{res}")));
            }
            if let Some((shown, max)) = bound(&lim.max)
                && v > max
            {
                return Err(Error::msg(format!(
                    "{what}, container {name}: {kind}.{res} {} is above the layer's LimitRange maximum {shown}: the API server rejects its pods",
                    show(res, v)
                ))
                .at_field(format!("{path}.limitRange.container.max.{res}")));
            }
        }
    }
    Ok(())
}

fn check_claim(path: &str, what: &str, size: f64, l: &Layer) -> Result<()> {
    let Some(b) = l
        .limit_range
        .as_ref()
        .and_then(|r| r.persistent_volume_claim.as_ref())
    else {
        return Ok(());
    };
    if let Some(min) = &b.min
        && parse_quantity(&min.0).is_some_and(|m| size < m)
    {
        return Err(Error::msg(format!(
            "{what} requests {} storage, below the layer's LimitRange minimum {}",
            show("storage", size),
            min.0
        ))
        .at_field(format!("{path}.limitRange.persistentVolumeClaim.min")));
    }
    if let Some(max) = &b.max
        && parse_quantity(&max.0).is_some_and(|m| size > m)
    {
        return Err(Error::msg(format!(
            "{what} requests {} storage, above the layer's LimitRange maximum {}",
            show("storage", size),
            max.0
        ))
        .at_field(format!("{path}.limitRange.persistentVolumeClaim.max")));
    }
    Ok(())
}
