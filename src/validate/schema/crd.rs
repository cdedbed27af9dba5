//! Custom resources checked against the `openAPIV3Schema` of a CustomResourceDefinition in
//! the same build (apiextensions.k8s.io/v1, and the per-CRD schema of v1beta1).
//!
//! Types, required fields, unknown fields (kubectl applies with strict field validation, so
//! the API server refuses them unless `x-kubernetes-preserve-unknown-fields`),
//! `x-kubernetes-int-or-string`, `nullable`, and the value constraints `enum`, `minimum`,
//! `maximum`, `minLength`, `maxLength`, `minItems`, `maxItems` and `pattern` (where the
//! pattern is a regex the `regex` crate accepts; others are not checked). `metadata` is
//! checked as Kubernetes ObjectMeta. CEL rules (`x-kubernetes-validations`) and `format`
//! are not evaluated.
use std::collections::HashMap;

use crate::value::{Map, Value};

use super::{Finding, describe};

pub struct CrdTable<'a> {
    /// (group, version, kind) → schema.
    schemas: HashMap<(&'a str, &'a str, &'a str), &'a Value>,
    regexes: std::sync::Mutex<HashMap<String, Option<regex::Regex>>>,
}

/// One CRD version's schema, ready to check objects.
pub struct CrdSchema<'t, 'a> {
    schema: &'a Value,
    table: &'t CrdTable<'a>,
}

impl<'a> CrdTable<'a> {
    pub fn new(objs: &'a [crate::resource::Resource]) -> CrdTable<'a> {
        let mut schemas = HashMap::new();
        for r in objs {
            if r.kind() != "CustomResourceDefinition" {
                continue;
            }
            let spec = &r.body["spec"];
            let (Some(group), Some(kind)) = (
                spec.get("group").and_then(Value::as_str),
                spec.get("names")
                    .and_then(|n| n.get("kind"))
                    .and_then(Value::as_str),
            ) else {
                continue;
            };
            let shared = spec
                .get("validation")
                .and_then(|v| v.get("openAPIV3Schema"));
            if let Some(versions) = spec.get("versions").and_then(Value::as_array) {
                for v in versions {
                    let Some(name) = v.get("name").and_then(Value::as_str) else {
                        continue;
                    };
                    let s = v
                        .get("schema")
                        .and_then(|s| s.get("openAPIV3Schema"))
                        .or(shared);
                    if let Some(s) = s.filter(|s| s.is_object()) {
                        schemas.insert((group, name, kind), s);
                    }
                }
            } else if let (Some(name), Some(s)) =
                (spec.get("version").and_then(Value::as_str), shared)
            {
                schemas.insert((group, name, kind), s);
            }
        }
        CrdTable {
            schemas,
            regexes: std::sync::Mutex::new(HashMap::new()),
        }
    }

    pub fn lookup<'t>(
        &'t self,
        group: &str,
        version: &str,
        kind: &str,
    ) -> Option<CrdSchema<'t, 'a>> {
        let s = self.schemas.get(&(group, version, kind))?;
        Some(CrdSchema {
            schema: s,
            table: self,
        })
    }

    fn regex_matches(&self, pattern: &str, s: &str) -> bool {
        let Ok(mut cache) = self.regexes.lock() else {
            return true;
        };
        let re = cache
            .entry(pattern.to_string())
            .or_insert_with(|| regex::Regex::new(pattern).ok());
        re.as_ref().is_none_or(|re| re.is_match(s))
    }
}

type Constraint<'f> = &'f mut dyn FnMut(String, String);

impl CrdSchema<'_, '_> {
    /// Checks a custom resource: type findings go to `out`, constraint violations (enum,
    /// bounds, pattern) to `constraint(path, message)`.
    pub fn check(&self, obj: &Value, out: &mut dyn FnMut(Finding), constraint: Constraint<'_>) {
        let Some(m) = obj.as_object() else { return };
        let props = self.schema.get("properties").and_then(Value::as_object);
        let preserve = preserves(self.schema);
        for (k, v) in m {
            match k.as_str() {
                "apiVersion" | "kind" => {}
                "metadata" => {
                    if let Some(st) =
                        super::struct_by_name("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta")
                    {
                        super::walk_object(v, st, &mut |f| out(prefix(f, "metadata")));
                    }
                }
                _ => match props.and_then(|p| p.get(k)) {
                    Some(s) => self.walk(v, s, k.clone(), out, constraint, 1),
                    None => {
                        if !preserve && props.is_some() {
                            out(Finding::UnknownField {
                                path: String::new(),
                                key: k.clone(),
                                suggestion: None,
                            })
                        }
                    }
                },
            }
        }
        self.required(m, self.schema, "", out);
    }

    fn required(
        &self,
        m: &Map<String, Value>,
        s: &Value,
        path: &str,
        out: &mut dyn FnMut(Finding),
    ) {
        if let Some(req) = s.get("required").and_then(Value::as_array) {
            for r in req.iter().filter_map(Value::as_str) {
                let implicit = path.is_empty() && matches!(r, "apiVersion" | "kind" | "metadata");
                if !m.contains_key(r) && !implicit {
                    out(Finding::Missing {
                        path: path.to_string(),
                        field: leak_free(r),
                    })
                }
            }
        }
    }

    fn walk(
        &self,
        v: &Value,
        s: &Value,
        path: String,
        out: &mut dyn FnMut(Finding),
        constraint: Constraint<'_>,
        depth: usize,
    ) {
        if depth > 200 || !s.is_object() {
            return;
        }
        if v.is_null() {
            if !s.get("nullable").and_then(Value::as_bool).unwrap_or(false)
                && s.get("type").is_some()
            {
                // The API server drops nulls of non-nullable fields when pruning; only a
                // required field then goes missing, which `required` reports.
            }
            return;
        }
        if s.get("x-kubernetes-int-or-string").and_then(Value::as_bool) == Some(true) {
            if !(v.is_string() || v.as_i64().is_some()) {
                out(Finding::WrongType {
                    path,
                    expected: "integer or string",
                    found: describe(v),
                });
            }
            return;
        }
        let ty = s.get("type").and_then(Value::as_str).unwrap_or("");
        let ok = match ty {
            "object" => v.is_object(),
            "array" => v.is_array(),
            "string" => v.is_string(),
            "integer" => {
                v.as_i64().is_some()
                    || v.as_u64().is_some()
                    || v.as_f64().is_some_and(|f| f.fract() == 0.0)
            }
            "number" => v.is_number(),
            "boolean" => v.is_boolean(),
            _ => true,
        };
        if !ok {
            out(Finding::WrongType {
                path,
                expected: match ty {
                    "object" => "mapping",
                    "array" => "list",
                    "string" => "string",
                    "integer" => "integer",
                    "number" => "number",
                    _ => "boolean",
                },
                found: describe(v),
            });
            return;
        }
        self.constraints(v, s, &path, constraint);
        match v {
            Value::Object(m) => {
                let props = s.get("properties").and_then(Value::as_object);
                let addl = s.get("additionalProperties");
                let preserve = preserves(s);
                let embedded = s
                    .get("x-kubernetes-embedded-resource")
                    .and_then(Value::as_bool)
                    == Some(true);
                for (k, x) in m {
                    let sub = format!("{path}{}", seg(k));
                    if let Some(ps) = props.and_then(|p| p.get(k)) {
                        self.walk(x, ps, sub, out, constraint, depth + 1);
                    } else if let Some(a) = addl.filter(|a| a.is_object()) {
                        self.walk(x, a, sub, out, constraint, depth + 1);
                    } else if addl.and_then(Value::as_bool) == Some(true)
                        || preserve
                        || (embedded && matches!(k.as_str(), "apiVersion" | "kind" | "metadata"))
                    {
                    } else if props.is_some() || addl.and_then(Value::as_bool) == Some(false) {
                        out(Finding::UnknownField {
                            path: path.clone(),
                            key: k.clone(),
                            suggestion: None,
                        });
                    }
                }
                self.required(m, s, &path, out);
            }
            Value::Array(a) => {
                if let Some(items) = s.get("items").filter(|i| i.is_object()) {
                    for (i, x) in a.iter().enumerate() {
                        self.walk(x, items, format!("{path}[{i}]"), out, constraint, depth + 1);
                    }
                }
            }
            _ => {}
        }
    }

    fn constraints(&self, v: &Value, s: &Value, path: &str, constraint: Constraint<'_>) {
        if let Some(e) = s.get("enum").and_then(Value::as_array) {
            if !e.is_empty() && !e.contains(v) {
                let shown: Vec<String> = e.iter().take(10).map(|x| x.to_string()).collect();
                constraint(
                    path.to_string(),
                    format!(
                        "unsupported value {}: must be one of {}",
                        v,
                        shown.join(", ")
                    ),
                );
            }
        }
        if let Some(x) = v.as_f64() {
            let excl_min = s.get("exclusiveMinimum").and_then(Value::as_bool) == Some(true);
            let excl_max = s.get("exclusiveMaximum").and_then(Value::as_bool) == Some(true);
            if let Some(min) = s.get("minimum").and_then(Value::as_f64) {
                if x < min || (excl_min && x == min) {
                    constraint(
                        path.to_string(),
                        format!("{v} is less than the minimum {min}"),
                    );
                }
            }
            if let Some(max) = s.get("maximum").and_then(Value::as_f64) {
                if x > max || (excl_max && x == max) {
                    constraint(
                        path.to_string(),
                        format!("{v} is greater than the maximum {max}"),
                    );
                }
            }
        }
        if let Some(st) = v.as_str() {
            let n = st.chars().count() as u64;
            if let Some(min) = s.get("minLength").and_then(Value::as_u64) {
                if n < min {
                    constraint(
                        path.to_string(),
                        format!("must be at least {min} characters long"),
                    );
                }
            }
            if let Some(max) = s.get("maxLength").and_then(Value::as_u64) {
                if n > max {
                    constraint(
                        path.to_string(),
                        format!("must be at most {max} characters long"),
                    );
                }
            }
            if let Some(p) = s.get("pattern").and_then(Value::as_str) {
                if !self.table.regex_matches(p, st) {
                    constraint(
                        path.to_string(),
                        format!("{st:?} does not match the pattern {p:?}"),
                    );
                }
            }
        }
        if let Some(a) = v.as_array() {
            let n = a.len() as u64;
            if let Some(min) = s.get("minItems").and_then(Value::as_u64) {
                if n < min {
                    constraint(path.to_string(), format!("must have at least {min} items"));
                }
            }
            if let Some(max) = s.get("maxItems").and_then(Value::as_u64) {
                if n > max {
                    constraint(path.to_string(), format!("must have at most {max} items"));
                }
            }
        }
    }
}

fn preserves(s: &Value) -> bool {
    s.get("x-kubernetes-preserve-unknown-fields")
        .and_then(Value::as_bool)
        == Some(true)
}

fn seg(k: &str) -> String {
    let mut s = String::new();
    super::push_seg(&mut s, super::Seg::Key(k));
    if s.starts_with('[') {
        s
    } else {
        format!(".{s}")
    }
}

fn prefix(f: Finding, p: &str) -> Finding {
    let join = |path: String| {
        if path.is_empty() {
            p.to_string()
        } else if path.starts_with('[') {
            format!("{p}{path}")
        } else {
            format!("{p}.{path}")
        }
    };
    match f {
        Finding::UnknownField {
            path,
            key,
            suggestion,
        } => Finding::UnknownField {
            path: join(path),
            key,
            suggestion,
        },
        Finding::WrongType {
            path,
            expected,
            found,
        } => Finding::WrongType {
            path: join(path),
            expected,
            found,
        },
        Finding::Missing { path, field } => Finding::Missing {
            path: join(path),
            field,
        },
        Finding::OutOfRange { path, value, bits } => Finding::OutOfRange {
            path: join(path),
            value,
            bits,
        },
        Finding::NotBase64 { path } => Finding::NotBase64 { path: join(path) },
        Finding::BadQuantity { path, value } => Finding::BadQuantity {
            path: join(path),
            value,
        },
    }
}

/// `Finding::Missing` holds a `&'static str`; CRD field names are not static, so the few
/// names reported are interned once.
fn leak_free(s: &str) -> &'static str {
    use std::sync::{Mutex, OnceLock};
    static NAMES: OnceLock<Mutex<std::collections::HashSet<&'static str>>> = OnceLock::new();
    let set = NAMES.get_or_init(Default::default);
    let Ok(mut g) = set.lock() else {
        return "field";
    };
    if let Some(x) = g.get(s) {
        return x;
    }
    if g.len() > 10_000 {
        return "field";
    }
    let leaked: &'static str = Box::leak(s.to_string().into_boxed_str());
    g.insert(leaked);
    leaked
}
