//! S019: a value outside the fixed set the API server accepts (restartPolicy, protocol,
//! Service type, pathType, selector operators, ...).
use crate::lookup::Lookup;
use crate::value::Value;

use crate::validate::diag::Family;
use crate::validate::{Ctx, Obj, Sink};

use super::{API, Rule, RuleInfo, is_builtin, obj_containers, pod_spec};

pub static RULE: Rule = Rule {
    info: RuleInfo {
        code: "S019",
        name: "unsupported-value",
        family: Family::Schema,
        severity: API,
        summary: "an enumerated field with a value the API server does not support (imagePullPolicy, restartPolicy, dnsPolicy, protocol, Service type, Ingress pathType, strategy types, access modes, selector operators)",
        hint: "use one of the values the message lists (they are case-sensitive)",
        bad: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: web\n    image: nginx:1.27\n    imagePullPolicy: always\n",
        good: "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: web\n    image: nginx:1.27\n    imagePullPolicy: Always\n",
    },
    check: Some(check),
    also: &[],
};

const PROTOCOLS: &[&str] = &["TCP", "UDP", "SCTP"];

fn one_of(o: &Obj<'_>, v: Option<&Value>, path: String, allowed: &[&str], out: &mut Sink<'_>) {
    let Some(s) = v.and_then(Value::as_str) else {
        return;
    };
    if !allowed.contains(&s) {
        out.report(
            &RULE.info,
            o,
            path,
            format!(
                "unsupported value {s:?}: supported values are {}",
                allowed.join(", ")
            ),
        );
    }
}

fn selector(o: &Obj<'_>, sel: Option<&Value>, path: &str, out: &mut Sink<'_>) {
    let Some(exprs) = sel
        .and_then(|s| s.field("matchExpressions"))
        .and_then(Value::as_array)
    else {
        return;
    };
    for (i, e) in exprs.iter().enumerate() {
        one_of(
            o,
            e.field("operator"),
            format!("{path}.matchExpressions[{i}].operator"),
            &["In", "NotIn", "Exists", "DoesNotExist"],
            out,
        );
    }
}

fn check(_cx: &Ctx<'_>, o: &Obj<'_>, out: &mut Sink<'_>) {
    if !is_builtin(o) {
        return;
    }
    for c in obj_containers(o) {
        one_of(
            o,
            c.value.field("imagePullPolicy"),
            format!("{}.imagePullPolicy", c.path),
            &["Always", "IfNotPresent", "Never"],
            out,
        );
        one_of(
            o,
            c.value.field("terminationMessagePolicy"),
            format!("{}.terminationMessagePolicy", c.path),
            &["File", "FallbackToLogsOnError"],
            out,
        );
        if let Some(ps) = c.value.field("ports").and_then(Value::as_array) {
            for (i, p) in ps.iter().enumerate() {
                one_of(
                    o,
                    p.field("protocol"),
                    format!("{}.ports[{i}].protocol", c.path),
                    PROTOCOLS,
                    out,
                );
            }
        }
    }
    if let Some((spec, base)) = pod_spec(o) {
        one_of(
            o,
            spec.field("restartPolicy"),
            format!("{base}.restartPolicy"),
            &["Always", "OnFailure", "Never"],
            out,
        );
        one_of(
            o,
            spec.field("dnsPolicy"),
            format!("{base}.dnsPolicy"),
            &["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"],
            out,
        );
    }
    match o.kind {
        "Service" => {
            one_of(
                o,
                o.get(&["spec", "type"]),
                "spec.type".into(),
                &["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"],
                out,
            );
            one_of(
                o,
                o.get(&["spec", "sessionAffinity"]),
                "spec.sessionAffinity".into(),
                &["ClientIP", "None"],
                out,
            );
            one_of(
                o,
                o.get(&["spec", "externalTrafficPolicy"]),
                "spec.externalTrafficPolicy".into(),
                &["Cluster", "Local"],
                out,
            );
            one_of(
                o,
                o.get(&["spec", "internalTrafficPolicy"]),
                "spec.internalTrafficPolicy".into(),
                &["Cluster", "Local"],
                out,
            );
            if let Some(ps) = o.get(&["spec", "ports"]).and_then(Value::as_array) {
                for (i, p) in ps.iter().enumerate() {
                    one_of(
                        o,
                        p.field("protocol"),
                        format!("spec.ports[{i}].protocol"),
                        PROTOCOLS,
                        out,
                    );
                }
            }
        }
        "Deployment" => {
            one_of(
                o,
                o.get(&["spec", "strategy", "type"]),
                "spec.strategy.type".into(),
                &["RollingUpdate", "Recreate"],
                out,
            );
            selector(o, o.get(&["spec", "selector"]), "spec.selector", out);
        }
        "StatefulSet" => {
            one_of(
                o,
                o.get(&["spec", "podManagementPolicy"]),
                "spec.podManagementPolicy".into(),
                &["OrderedReady", "Parallel"],
                out,
            );
            one_of(
                o,
                o.get(&["spec", "updateStrategy", "type"]),
                "spec.updateStrategy.type".into(),
                &["RollingUpdate", "OnDelete"],
                out,
            );
            selector(o, o.get(&["spec", "selector"]), "spec.selector", out);
        }
        "DaemonSet" => {
            one_of(
                o,
                o.get(&["spec", "updateStrategy", "type"]),
                "spec.updateStrategy.type".into(),
                &["RollingUpdate", "OnDelete"],
                out,
            );
            selector(o, o.get(&["spec", "selector"]), "spec.selector", out);
        }
        "CronJob" => {
            one_of(
                o,
                o.get(&["spec", "concurrencyPolicy"]),
                "spec.concurrencyPolicy".into(),
                &["Allow", "Forbid", "Replace"],
                out,
            );
        }
        "PersistentVolumeClaim" => {
            if let Some(ms) = o.get(&["spec", "accessModes"]).and_then(Value::as_array) {
                for (i, m) in ms.iter().enumerate() {
                    one_of(
                        o,
                        Some(m),
                        format!("spec.accessModes[{i}]"),
                        &[
                            "ReadWriteOnce",
                            "ReadOnlyMany",
                            "ReadWriteMany",
                            "ReadWriteOncePod",
                        ],
                        out,
                    );
                }
            }
        }
        "Ingress" => {
            if let Some(rules) = o.get(&["spec", "rules"]).and_then(Value::as_array) {
                for (i, r) in rules.iter().enumerate() {
                    let Some(paths) = r
                        .field("http")
                        .and_then(|h| h.field("paths"))
                        .and_then(Value::as_array)
                    else {
                        continue;
                    };
                    for (j, p) in paths.iter().enumerate() {
                        let base = format!("spec.rules[{i}].http.paths[{j}]");
                        one_of(
                            o,
                            p.field("pathType"),
                            format!("{base}.pathType"),
                            &["Exact", "Prefix", "ImplementationSpecific"],
                            out,
                        );
                        let pt = p.field("pathType").and_then(Value::as_str);
                        if let Some(path) = p.field("path").and_then(Value::as_str) {
                            if matches!(pt, Some("Exact" | "Prefix")) && !path.starts_with('/') {
                                out.report(&RULE.info, o, format!("{base}.path"), format!("path {path:?} must be absolute (start with '/') for pathType {}", pt.unwrap_or("")));
                            }
                        }
                    }
                }
            }
        }
        "NetworkPolicy" => {
            if let Some(ts) = o.get(&["spec", "policyTypes"]).and_then(Value::as_array) {
                for (i, t) in ts.iter().enumerate() {
                    one_of(
                        o,
                        Some(t),
                        format!("spec.policyTypes[{i}]"),
                        &["Ingress", "Egress"],
                        out,
                    );
                }
            }
            selector(o, o.get(&["spec", "podSelector"]), "spec.podSelector", out);
        }
        _ => {}
    }
}
