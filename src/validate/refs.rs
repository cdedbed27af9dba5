//! Which fields of which kinds name other objects, for the reference rules (R001–R008,
//! R013, R014).
//!
//! The design keeps one table of references for name fixing, validation and the dependency
//! graph. The name-reference transformer's table (`crate::transform::refs::RefTable`, built
//! from kustomize's `nameReference` field specs) says *where* names are; dangling-reference
//! checks also need what that table does not carry: whether the reference is `optional`,
//! which key of the target it reads (`configMapKeyRef.key`, `items[].key`), how to describe
//! it in a message, and which kind a `roleRef`/`scaleTargetRef` names. So validation reads
//! those fields here, behind one function ([`collect`]); rows that the transformer's table
//! has and this one lacks (StorageClass, PriorityClass, IngressClass, imagePullSecrets, TLS
//! secrets) are deliberately not checked, because they usually name objects that live
//! outside the build.
use crate::lookup::Lookup;
use crate::value::Value;

use super::Obj;
use super::index::pod_spec;

/// One reference from an object to another.
#[derive(Debug, Clone)]
pub struct Ref<'a> {
    /// Target kind (`ConfigMap`, `Secret`, ...; for roleRef and scaleTargetRef the kind the
    /// reference itself names).
    pub kind: &'a str,
    pub name: &'a str,
    /// Target namespace if the reference says (RoleBinding subjects); else the referrer's.
    pub namespace: Option<&'a str>,
    /// Field path of the name.
    pub field: String,
    /// A key inside the target (configMapKeyRef.key, items[].key).
    pub key: Option<(&'a str, String)>,
    /// `optional: true`: a missing target is fine.
    pub optional: bool,
    /// How the reference is made, for messages (`envFrom configMapRef`).
    pub via: &'static str,
    /// False for the extra entries of `items[].key` (the object itself is the primary one).
    pub primary: bool,
}

fn s<'a>(v: &'a Value, k: &str) -> Option<&'a str> {
    v.field(k).and_then(Value::as_str).filter(|x| !x.is_empty())
}

fn opt(v: &Value) -> bool {
    v.field("optional").and_then(Value::as_bool) == Some(true)
}

/// Every reference `o` makes.
pub fn collect<'a>(o: &Obj<'a>) -> Vec<Ref<'a>> {
    let mut out = Vec::new();
    let body = o.body();
    if let Some((spec, base)) = pod_spec(o.kind, body) {
        pod_refs(spec, &base, &mut out);
    }
    match o.kind {
        "Ingress" => {
            let mut backend = |b: &'a Value, path: String| {
                if let Some(svc) = b.field("service") {
                    if let Some(n) = s(svc, "name") {
                        out.push(Ref {
                            kind: "Service",
                            name: n,
                            namespace: None,
                            field: format!("{path}.service.name"),
                            key: svc
                                .field("port")
                                .and_then(|p| s(p, "name"))
                                .map(|pn| (pn, format!("{path}.service.port.name"))),
                            optional: false,
                            via: "Ingress backend",
                            primary: true,
                        });
                    }
                }
            };
            if let Some(b) = body.field("spec").and_then(|x| x.field("defaultBackend")) {
                backend(b, "spec.defaultBackend".into());
            }
            if let Some(rules) = super::get(body, &["spec", "rules"]).and_then(Value::as_array) {
                for (i, r) in rules.iter().enumerate() {
                    let Some(paths) = r
                        .field("http")
                        .and_then(|h| h.field("paths"))
                        .and_then(Value::as_array)
                    else {
                        continue;
                    };
                    for (j, p) in paths.iter().enumerate() {
                        if let Some(b) = p.field("backend") {
                            backend(b, format!("spec.rules[{i}].http.paths[{j}].backend"));
                        }
                    }
                }
            }
        }
        "HorizontalPodAutoscaler" => {
            if let Some(t) = super::get(body, &["spec", "scaleTargetRef"]) {
                if let (Some(k), Some(n)) = (s(t, "kind"), s(t, "name")) {
                    out.push(Ref {
                        kind: k,
                        name: n,
                        namespace: None,
                        field: "spec.scaleTargetRef.name".into(),
                        key: None,
                        optional: false,
                        via: "scaleTargetRef",
                        primary: true,
                    });
                }
            }
        }
        "RoleBinding" | "ClusterRoleBinding" => {
            if let Some(r) = body.field("roleRef") {
                if let (Some(k), Some(n)) = (s(r, "kind"), s(r, "name")) {
                    out.push(Ref {
                        kind: k,
                        name: n,
                        namespace: None,
                        field: "roleRef.name".into(),
                        key: None,
                        optional: false,
                        via: "roleRef",
                        primary: true,
                    });
                }
            }
            if let Some(subs) = body.field("subjects").and_then(Value::as_array) {
                for (i, sub) in subs.iter().enumerate() {
                    if s(sub, "kind") == Some("ServiceAccount") {
                        if let Some(n) = s(sub, "name") {
                            out.push(Ref {
                                kind: "ServiceAccount",
                                name: n,
                                namespace: s(sub, "namespace"),
                                field: format!("subjects[{i}].name"),
                                key: None,
                                optional: false,
                                via: "subject",
                                primary: true,
                            });
                        }
                    }
                }
            }
        }
        _ => {}
    }
    out
}

fn items_key<'a>(v: &'a Value, path: &str, out: &mut Vec<(&'a str, String)>) {
    if let Some(items) = v.field("items").and_then(Value::as_array) {
        for (i, it) in items.iter().enumerate() {
            if let Some(k) = s(it, "key") {
                out.push((k, format!("{path}.items[{i}].key")));
            }
        }
    }
}

fn pod_refs<'a>(spec: &'a Value, base: &str, out: &mut Vec<Ref<'a>>) {
    for key in ["serviceAccountName", "serviceAccount"] {
        if let Some(n) = s(spec, key) {
            if n != "default" {
                out.push(Ref {
                    kind: "ServiceAccount",
                    name: n,
                    namespace: None,
                    field: format!("{base}.{key}"),
                    key: None,
                    optional: false,
                    via: key_via(key),
                    primary: true,
                });
            }
            break;
        }
    }
    if let Some(vols) = spec.field("volumes").and_then(Value::as_array) {
        for (i, v) in vols.iter().enumerate() {
            let vp = format!("{base}.volumes[{i}]");
            if let Some(cm) = v.field("configMap") {
                if let Some(n) = s(cm, "name") {
                    volume_ref(
                        out,
                        "ConfigMap",
                        n,
                        cm,
                        format!("{vp}.configMap"),
                        "name",
                        "configMap volume",
                    );
                }
            }
            if let Some(sec) = v.field("secret") {
                if let Some(n) = s(sec, "secretName") {
                    volume_ref(
                        out,
                        "Secret",
                        n,
                        sec,
                        format!("{vp}.secret"),
                        "secretName",
                        "secret volume",
                    );
                }
            }
            if let Some(n) = v
                .field("persistentVolumeClaim")
                .and_then(|p| s(p, "claimName"))
            {
                out.push(Ref {
                    kind: "PersistentVolumeClaim",
                    name: n,
                    namespace: None,
                    field: format!("{vp}.persistentVolumeClaim.claimName"),
                    key: None,
                    optional: false,
                    via: "persistentVolumeClaim volume",
                    primary: true,
                });
            }
            if let Some(srcs) = v
                .field("projected")
                .and_then(|p| p.field("sources"))
                .and_then(Value::as_array)
            {
                for (j, src) in srcs.iter().enumerate() {
                    let sp = format!("{vp}.projected.sources[{j}]");
                    if let Some(cm) = src.field("configMap") {
                        if let Some(n) = s(cm, "name") {
                            volume_ref(
                                out,
                                "ConfigMap",
                                n,
                                cm,
                                format!("{sp}.configMap"),
                                "name",
                                "projected configMap",
                            );
                        }
                    }
                    if let Some(sec) = src.field("secret") {
                        if let Some(n) = s(sec, "name") {
                            volume_ref(
                                out,
                                "Secret",
                                n,
                                sec,
                                format!("{sp}.secret"),
                                "name",
                                "projected secret",
                            );
                        }
                    }
                }
            }
        }
    }
    for c in super::rules::containers(spec, base) {
        if let Some(ef) = c.value.field("envFrom").and_then(Value::as_array) {
            for (j, e) in ef.iter().enumerate() {
                let ep = format!("{}.envFrom[{j}]", c.path);
                if let Some(r) = e.field("configMapRef") {
                    if let Some(n) = s(r, "name") {
                        out.push(Ref {
                            kind: "ConfigMap",
                            name: n,
                            namespace: None,
                            field: format!("{ep}.configMapRef.name"),
                            key: None,
                            optional: opt(r),
                            via: "envFrom configMapRef",
                            primary: true,
                        });
                    }
                }
                if let Some(r) = e.field("secretRef") {
                    if let Some(n) = s(r, "name") {
                        out.push(Ref {
                            kind: "Secret",
                            name: n,
                            namespace: None,
                            field: format!("{ep}.secretRef.name"),
                            key: None,
                            optional: opt(r),
                            via: "envFrom secretRef",
                            primary: true,
                        });
                    }
                }
            }
        }
        if let Some(env) = c.value.field("env").and_then(Value::as_array) {
            for (j, e) in env.iter().enumerate() {
                let Some(vf) = e.field("valueFrom") else {
                    continue;
                };
                let ep = format!("{}.env[{j}].valueFrom", c.path);
                for (field, kind, via) in [
                    ("configMapKeyRef", "ConfigMap", "configMapKeyRef"),
                    ("secretKeyRef", "Secret", "secretKeyRef"),
                ] {
                    if let Some(r) = vf.field(field) {
                        if let Some(n) = s(r, "name") {
                            out.push(Ref {
                                kind,
                                name: n,
                                namespace: None,
                                field: format!("{ep}.{field}.name"),
                                key: s(r, "key").map(|k| (k, format!("{ep}.{field}.key"))),
                                optional: opt(r),
                                via,
                                primary: true,
                            });
                        }
                    }
                }
            }
        }
    }
}

fn key_via(key: &str) -> &'static str {
    if key == "serviceAccount" {
        "serviceAccount"
    } else {
        "serviceAccountName"
    }
}

fn volume_ref<'a>(
    out: &mut Vec<Ref<'a>>,
    kind: &'a str,
    name: &'a str,
    v: &'a Value,
    path: String,
    name_field: &str,
    via: &'static str,
) {
    let mut keys = Vec::new();
    items_key(v, &path, &mut keys);
    let optional = opt(v);
    out.push(Ref {
        kind,
        name,
        namespace: None,
        field: format!("{path}.{name_field}"),
        key: None,
        optional,
        via,
        primary: true,
    });
    for k in keys {
        out.push(Ref {
            kind,
            name,
            namespace: None,
            field: format!("{path}.{name_field}"),
            key: Some(k),
            optional,
            via,
            primary: false,
        });
    }
}
