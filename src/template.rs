//! Sandboxed templating of Stack files and kustomization files (minijinja).
//!
//! # What is templated
//! Only *string values* of two kinds of documents:
//! - kustomization files (`kustomization.yaml`, `Kustomization`), every string value;
//! - `Stack` documents (`apiVersion: stackgen.dev/...`, `kind: Stack`) in resource files.
//!
//! Other resource files (ConfigMaps holding Prometheus rules, Helm-rendered manifests, Go
//! templates...) routinely contain `{{` that is not ours, so they are never templated, and
//! nothing in them changes. Templating works on the parsed values, not on the file's text,
//! so a variable can never change the YAML structure (no injection through `:` or newlines),
//! and a document where no string contains `{{` comes out exactly as it went in: plain trees
//! build byte for byte like kustomize.
//!
//! A string that is exactly one expression (`replicas: "{{ vars.REPLICAS }}"`) becomes a
//! number or boolean when the rendered text is an integer or `true`/`false`; every other
//! rendered string stays a string.
//!
//! # What a template sees
//! - `vars.NAME`: variables from `--vars-file`, `--var NAME=VALUE` and, in Argo CD plugin
//!   mode, `ARGOCD_ENV_NAME` and `PARAM_NAME` (later sources win in that order).
//! - `app.name`, `app.namespace`, `app.revision`, `app.revision_short`, `app.source_path`,
//!   `app.project`: Argo CD's `ARGOCD_APP_*` build variables, in plugin mode only.
//!
//! Never the process environment, never files: the environment has no loader and is built
//! without minijinja's `multi_template` feature, so `include`/`import`/`extends` do not even
//! parse; there is no `env` function and no debug dump. Undefined variables are errors
//! (`UndefinedBehavior::Strict`) that name the file and the variable. Each render has a fuel
//! budget, so a template cannot loop for long or allocate much.
use std::collections::BTreeMap;
use std::path::Path;

use crate::value::Value;
use minijinja::{Environment, UndefinedBehavior, Value as JValue};

use crate::error::{Error, Result};

/// Roughly the number of template instructions one string may execute.
const FUEL: u64 = 100_000;
/// Largest rendered string (bytes).
const MAX_OUTPUT: usize = 1024 * 1024;

/// The variables templates may use. Empty by default; filled only from explicit sources.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TemplateVars {
    /// `vars.NAME`
    pub vars: BTreeMap<String, String>,
    /// `app.NAME` (Argo CD build environment)
    pub app: BTreeMap<String, String>,
}

impl TemplateVars {
    /// Parses one `NAME=VALUE` (the `--var` flag).
    pub fn parse_assignment(s: &str) -> std::result::Result<(String, String), String> {
        let (k, v) = s
            .split_once('=')
            .ok_or_else(|| format!("{s:?} is not NAME=VALUE"))?;
        check_name(k)?;
        Ok((k.to_string(), v.to_string()))
    }

    /// Reads a vars file: a YAML (or JSON) mapping of names to scalars.
    pub fn read_vars_file(&mut self, path: &Path) -> Result<()> {
        let bytes = crate::loader::read_bounded(path)?;
        let text = crate::yaml::decode_utf8(&bytes).map_err(|e| Error::from(e).in_file(path))?;
        let v = crate::yaml::parse_one(text).map_err(|e| Error::from(e).in_file(path))?;
        let map = match v {
            Value::Null => return Ok(()),
            Value::Object(m) => m,
            other => {
                return Err(Error::msg(format!(
                    "a vars file must be a mapping of NAME: value, found {}",
                    crate::types::type_name(&other)
                ))
                .in_file(path));
            }
        };
        for (k, v) in map {
            check_name(&k).map_err(|e| Error::msg(e).in_file(path))?;
            let s = match v {
                Value::String(s) => s,
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                other => {
                    return Err(Error::msg(format!(
                        "variable {k:?} must be a string, number or boolean, found {}",
                        crate::types::type_name(&other)
                    ))
                    .in_file(path));
                }
            };
            self.vars.insert(k, s);
        }
        Ok(())
    }

    fn context(&self) -> JValue {
        let mut ctx = BTreeMap::new();
        ctx.insert("vars".to_string(), JValue::from(self.vars.clone()));
        ctx.insert("app".to_string(), JValue::from(self.app.clone()));
        JValue::from(ctx)
    }
}

fn check_name(k: &str) -> std::result::Result<(), String> {
    let ok = !k.is_empty()
        && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !k.starts_with(|c: char| c.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(format!(
            "invalid variable name {k:?}: use letters, digits and _ (not starting with a digit)"
        ))
    }
}

/// Whether a string needs rendering at all.
pub fn is_template(s: &str) -> bool {
    s.contains("{{") || s.contains("{%")
}

/// Whether any string value (not key) in `v` is a template.
pub fn has_templates(v: &Value) -> bool {
    match v {
        Value::String(s) => is_template(s),
        Value::Array(a) => a.iter().any(has_templates),
        Value::Object(m) => m.values().any(has_templates),
        _ => false,
    }
}

/// The sandboxed renderer.
pub struct Renderer<'a> {
    env: Environment<'static>,
    ctx: JValue,
    vars: &'a TemplateVars,
}

impl<'a> Renderer<'a> {
    pub fn new(vars: &'a TemplateVars) -> Renderer<'a> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_fuel(Some(FUEL));
        env.set_recursion_limit(64);
        // Keep only pure helpers among the globals (`range`, `dict`, `namespace`): `debug`
        // would dump the whole context.
        env.remove_global("debug");
        // No loader is ever set: there is nothing a template could read.
        Renderer {
            env,
            ctx: vars.context(),
            vars,
        }
    }

    /// Renders every string value of `v` that contains `{{` or `{%`. `file` and `line` are
    /// for messages; `path` is the field path so far.
    pub fn render_value(&self, v: &mut Value, file: &Path, line: usize) -> Result<()> {
        self.walk(v, file, line, &mut String::new())
    }

    fn walk(&self, v: &mut Value, file: &Path, line: usize, path: &mut String) -> Result<()> {
        match v {
            Value::String(s) if is_template(s) => {
                let new = self
                    .render_str(s)
                    .map_err(|e| e.in_file(file).at_line(line).at_field(path.clone()))?;
                *v = new;
                Ok(())
            }
            Value::Array(a) => {
                for (i, x) in a.iter_mut().enumerate() {
                    let len = path.len();
                    path.push_str(&format!("[{i}]"));
                    self.walk(x, file, line, path)?;
                    path.truncate(len);
                }
                Ok(())
            }
            Value::Object(m) => {
                for (k, x) in m.iter_mut() {
                    let len = path.len();
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(k);
                    self.walk(x, file, line, path)?;
                    path.truncate(len);
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Renders one string; see the module docs for when the result is not a string.
    pub fn render_str(&self, src: &str) -> Result<Value> {
        let tmpl = self
            .env
            .template_from_str(src)
            .map_err(|e| Error::msg(format!("template syntax error: {}", describe(&e))))?;
        let out = tmpl.render(&self.ctx).map_err(|e| {
            if e.kind() == minijinja::ErrorKind::UndefinedError {
                // Name the variable: the first plain `vars.X` / `app.X` that is not defined.
                let mut undeclared: Vec<String> =
                    tmpl.undeclared_variables(true).into_iter().collect();
                undeclared.sort();
                if let Some(missing) = undeclared.iter().find_map(|n| self.missing(n)) {
                    return Error::msg(format!("undefined template variable {missing}"))
                        .with_hint(self.hint(&missing));
                }
                return Error::msg(format!("undefined template variable: {}", describe(&e)))
                    .with_hint("templates see only `vars.NAME` and `app.NAME`");
            }
            Error::msg(format!("template error: {}", describe(&e)))
        })?;
        if out.len() > MAX_OUTPUT {
            return Err(Error::msg(format!(
                "template output is {} bytes; at most {MAX_OUTPUT} are allowed",
                out.len()
            )));
        }
        Ok(typed(src, out))
    }

    /// For an undeclared name like `vars.X` (or `vars`, `foo`), the variable that is missing.
    fn missing(&self, name: &str) -> Option<String> {
        let mut parts = name.splitn(3, '.');
        let root = parts.next().unwrap_or("");
        let key = parts.next();
        match (root, key) {
            ("vars", Some(k)) if !self.vars.vars.contains_key(k) => Some(format!("vars.{k}")),
            ("app", Some(k)) if !self.vars.app.contains_key(k) => Some(format!("app.{k}")),
            ("vars" | "app", _) => None,
            // Globals and functions of minijinja (range, dict, namespace, loop vars).
            (r, _) if self.env.globals().any(|(g, _)| g == r) => None,
            _ => Some(name.to_string()),
        }
    }

    fn hint(&self, missing: &str) -> String {
        if let Some(k) = missing.strip_prefix("vars.") {
            let known: Vec<&str> = self.vars.vars.keys().map(String::as_str).collect();
            if let Some(s) = crate::error::suggest(k, known.iter().copied()) {
                return format!("did you mean vars.{s}?");
            }
            return format!(
                "pass it with --var {k}=VALUE or --vars-file, or in Argo CD as plugin env {k} (ARGOCD_ENV_{k}) or parameter; defined: {}",
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            );
        }
        if missing.starts_with("app.") {
            return "app.* holds Argo CD's build environment (name, namespace, revision, revision_short, source_path, project) and is set only in `stackgen argocd generate`".into();
        }
        "templates see only `vars.NAME` and `app.NAME`".into()
    }
}

fn describe(e: &minijinja::Error) -> String {
    match e.detail() {
        Some(d) => format!("{d} ({})", e.kind()),
        None => e.kind().to_string(),
    }
}

/// A string that is one `{{ ... }}` expression and renders to an integer or a boolean becomes
/// that scalar; anything else stays a string.
fn typed(src: &str, out: String) -> Value {
    let t = src.trim();
    let single = t.starts_with("{{")
        && t.ends_with("}}")
        && t[2..t.len() - 2].find("{{").is_none()
        && t[2..t.len() - 2].find("}}").is_none();
    if single {
        if let Ok(i) = out.parse::<i64>()
            && i.to_string() == out
        {
            return Value::from(i);
        }
        match out.as_str() {
            "true" => return Value::Bool(true),
            "false" => return Value::Bool(false),
            _ => {}
        }
    }
    Value::String(out)
}

/// Templates a parsed kustomization file (every string value).
pub fn render_kustomization(v: &mut Value, file: &Path, vars: &TemplateVars) -> Result<()> {
    if !has_templates(v) {
        return Ok(());
    }
    Renderer::new(vars).render_value(v, file, 0)
}

/// Whether a document is a stackgen `Stack`.
pub fn is_stack(v: &Value) -> bool {
    v.get("kind").and_then(Value::as_str) == Some("Stack")
        && v.get("apiVersion")
            .and_then(Value::as_str)
            .is_some_and(|a| a.starts_with("stackgen.dev/"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    fn vars(pairs: &[(&str, &str)]) -> TemplateVars {
        TemplateVars {
            vars: pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            app: BTreeMap::new(),
        }
    }

    #[test]
    fn renders_strings_and_types_single_expressions() {
        let v = vars(&[("BRANCH", "x"), ("N", "3")]);
        let mut doc =
            json!({"namespace": "feature-{{ vars.BRANCH }}", "r": "{{ vars.N }}", "k": 1});
        Renderer::new(&v)
            .render_value(&mut doc, Path::new("k.yaml"), 0)
            .unwrap();
        assert_eq!(doc, json!({"namespace": "feature-x", "r": 3, "k": 1}));
    }

    #[test]
    fn undefined_names_the_variable_and_file() {
        let v = vars(&[("BRANCH", "x")]);
        let mut doc = json!({"metadata": {"namespace": "{{ vars.BRANCHH }}"}});
        let e = Renderer::new(&v)
            .render_value(&mut doc, Path::new("dir/k.yaml"), 3)
            .unwrap_err()
            .to_string();
        assert!(e.contains("dir/k.yaml:3"), "{e}");
        assert!(e.contains("vars.BRANCHH"), "{e}");
        assert!(e.contains("metadata.namespace"), "{e}");
        assert!(e.contains("did you mean vars.BRANCH"), "{e}");
    }

    #[test]
    fn no_files_no_environment() {
        let v = vars(&[]);
        let r = Renderer::new(&v);
        for src in [
            "{% include '/etc/passwd' %}",
            "{% import 'x' as y %}",
            "{{ env.HOME }}",
            "{{ env('HOME') }}",
            "{{ lookup('file', '/etc/passwd') }}",
            "{{ debug() }}",
        ] {
            assert!(r.render_str(src).is_err(), "{src} must fail");
        }
    }

    #[test]
    fn fuel_bounds_loops() {
        let v = vars(&[]);
        let e = Renderer::new(&v)
            .render_str(
                "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}",
            )
            .unwrap_err();
        assert!(e.to_string().contains("template"), "{e}");
    }

    #[test]
    fn filters_and_conditionals_work() {
        let v = vars(&[("ENV", "Prod")]);
        let r = Renderer::new(&v);
        assert_eq!(
            r.render_str("{{ vars.ENV | lower }}-{% if vars.ENV == 'Prod' %}p{% endif %}")
                .unwrap(),
            json!("prod-p")
        );
        assert_eq!(
            r.render_str("{{ vars.MISSING | default('d') }}").unwrap(),
            json!("d")
        );
    }
}
