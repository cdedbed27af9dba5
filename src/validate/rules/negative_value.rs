//! S011: a count or duration that must not be negative (replicas, probe timings, ...).
use crate::lookup::Lookup;
use crate::value::Value;

use crate::validate::diag::Family;
use crate::validate::{Ctx, Obj, Sink};

use super::{API, Rule, RuleInfo, is_builtin, obj_containers, pod_spec};

pub static RULE: Rule = Rule {
    info: RuleInfo {
        code: "S011",
        name: "negative-value",
        family: Family::Schema,
        severity: API,
        summary: "a field the API server requires to be non-negative (or positive) is not: replicas, minReadySeconds, probe timings, HPA replica bounds, Job counts",
        hint: "use a value of 0 or more",
        bad: "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: -1\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n",
        good: "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 0\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n",
    },
    check: Some(check),
    also: &[],
};

const NON_NEGATIVE: &[(&str, &[&str])] = &[
    (
        "Deployment",
        &[
            "replicas",
            "minReadySeconds",
            "revisionHistoryLimit",
            "progressDeadlineSeconds",
        ],
    ),
    ("ReplicaSet", &["replicas", "minReadySeconds"]),
    (
        "StatefulSet",
        &["replicas", "minReadySeconds", "revisionHistoryLimit"],
    ),
    ("DaemonSet", &["minReadySeconds", "revisionHistoryLimit"]),
    ("ReplicationController", &["replicas", "minReadySeconds"]),
    (
        "Job",
        &[
            "parallelism",
            "completions",
            "backoffLimit",
            "ttlSecondsAfterFinished",
        ],
    ),
    (
        "CronJob",
        &[
            "startingDeadlineSeconds",
            "successfulJobsHistoryLimit",
            "failedJobsHistoryLimit",
        ],
    ),
];

const PROBE_FIELDS: &[&str] = &[
    "initialDelaySeconds",
    "timeoutSeconds",
    "periodSeconds",
    "successThreshold",
    "failureThreshold",
    "terminationGracePeriodSeconds",
];

fn negative(v: Option<&Value>) -> Option<f64> {
    v.and_then(Value::as_f64).filter(|x| *x < 0.0)
}

fn check(_cx: &Ctx<'_>, o: &Obj<'_>, out: &mut Sink<'_>) {
    if !is_builtin(o) {
        return;
    }
    for (kind, fields) in NON_NEGATIVE {
        if *kind == o.kind {
            for f in *fields {
                if let Some(x) = negative(o.get(&["spec", f])) {
                    out.report(
                        &RULE.info,
                        o,
                        format!("spec.{f}"),
                        format!("{f} must be greater than or equal to 0, found {x}"),
                    );
                }
            }
        }
    }
    if o.kind == "HorizontalPodAutoscaler" {
        let min = o.get(&["spec", "minReplicas"]).and_then(Value::as_f64);
        let max = o.get(&["spec", "maxReplicas"]).and_then(Value::as_f64);
        if let Some(m) = min.filter(|m| *m < 1.0) {
            out.report(
                &RULE.info,
                o,
                "spec.minReplicas",
                format!("minReplicas must be at least 1, found {m}"),
            );
        }
        if let Some(m) = max.filter(|m| *m < 1.0) {
            out.report(
                &RULE.info,
                o,
                "spec.maxReplicas",
                format!("maxReplicas must be at least 1, found {m}"),
            );
        }
        if let (Some(a), Some(b)) = (min, max) {
            if b < a {
                out.report(
                    &RULE.info,
                    o,
                    "spec.maxReplicas",
                    format!("maxReplicas ({b}) must be greater than or equal to minReplicas ({a})"),
                );
            }
        }
    }
    if let Some((spec, base)) = pod_spec(o) {
        if let Some(x) = negative(spec.field("terminationGracePeriodSeconds")) {
            out.report(
                &RULE.info,
                o,
                format!("{base}.terminationGracePeriodSeconds"),
                format!("must be greater than or equal to 0, found {x}"),
            );
        }
        if let Some(x) = negative(spec.field("activeDeadlineSeconds")) {
            out.report(
                &RULE.info,
                o,
                format!("{base}.activeDeadlineSeconds"),
                format!("must be greater than 0, found {x}"),
            );
        }
    }
    for c in obj_containers(o) {
        for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
            let Some(p) = c.value.field(probe) else {
                continue;
            };
            for f in PROBE_FIELDS {
                if let Some(x) = negative(p.field(f)) {
                    out.report(
                        &RULE.info,
                        o,
                        format!("{}.{probe}.{f}", c.path),
                        format!("{f} must be greater than or equal to 0, found {x}"),
                    );
                }
            }
        }
    }
}
