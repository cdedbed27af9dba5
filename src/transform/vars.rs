//! The deprecated `vars` field: `$(NAME)` references filled in from other objects' fields
//! (kustomize v5.6's `MergeVars` / `ResolveVars` and its `refvar` filter).
//!
//! How kustomize does it, and so how we do:
//! - When a kustomization's `vars` are merged (after its transformers ran), each var's
//!   `objref` is looked up among the objects accumulated so far, by any id the object has
//!   had; the object found remembers the var's name. Two matches are an error unless the
//!   objref's namespace (or a cluster-scoped kind) tells them apart; no match is fine until
//!   resolution. A var name seen twice (across bases too) is an error.
//! - At the top level, after name references are fixed, every var's value is read from the
//!   object that remembered it (`fieldref.fieldPath`, default `metadata.name`) and every
//!   `$(NAME)` in a `varReference` field is replaced. A field that is exactly `$(NAME)`
//!   takes the value with its type (a number stays a number); inside a longer string the
//!   value is formatted. Unknown `$(X)` stay as they are; `$$` is a literal `$`.
use crate::hashing::HashMap;

use crate::value::Value;

use super::fieldspec::{self, CreateKind};
use super::replacements::fieldpath;
use crate::build::Accumulator;
use crate::error::{Error, Result};
use crate::resource::{Gvk, ResId, split_api_version};
use crate::types::{FieldSpec, Var};

/// kustomize's default `fieldref.fieldPath`.
const DEFAULT_FIELD_PATH: &str = "metadata.name";

/// The gvk an objref names: `apiVersion` (when set) overrides `group`/`version`.
fn objref_gvk(v: &Var) -> Gvk {
    let o = &v.objref;
    if o.api_version.is_empty() {
        return Gvk::new(&o.group, &o.version, &o.kind);
    }
    let (group, version) = split_api_version(&o.api_version);
    Gvk::new(group, version, &o.kind)
}

/// kustomize's `Var.Defaulting`: the default field path, and the objref's gvk spelled out.
fn defaulted(mut v: Var) -> Var {
    if v.fieldref.field_path.is_empty() {
        v.fieldref.field_path = DEFAULT_FIELD_PATH.into();
    }
    let gvk = objref_gvk(&v);
    v.objref.group = gvk.group;
    v.objref.version = gvk.version;
    v
}

fn describe(v: &Var) -> String {
    let gvk = objref_gvk(v);
    let mut what = if gvk.api_version().is_empty() {
        format!("{} {}", gvk.kind, v.objref.name)
    } else {
        format!("{} {} {}", gvk.api_version(), gvk.kind, v.objref.name)
    };
    if !v.objref.namespace.is_empty() {
        what.push_str(&format!(" in namespace {}", v.objref.namespace));
    }
    what
}

/// Merges `more` into `into`; a name already there is an error (kustomize `VarSet.Merge`).
pub fn merge_var_lists(into: &mut Vec<Var>, more: Vec<Var>) -> Result<()> {
    for v in more {
        if into.iter().any(|held| held.name == v.name) {
            return Err(Error::msg(format!(
                "var {:?} is declared more than once (var names must be unique across the whole build, bases included)",
                v.name
            ))
            .with_hint("rename one of the vars, or declare it only once in a common base"));
        }
        into.push(defaulted(v));
    }
    Ok(())
}

/// kustomize's `MergeVars`: ties each var to the one accumulated object its objref names,
/// then adds the vars to the accumulator.
pub fn merge_vars(acc: &mut Accumulator, incoming: &[Var]) -> Result<()> {
    for (i, v) in incoming.iter().enumerate() {
        let at = || format!("vars[{i}]");
        let want = ResId {
            gvk: objref_gvk(v),
            name: v.objref.name.clone(),
            namespace: v.objref.namespace.clone(),
        };
        let exact_ns = !want.namespace.is_empty() || want.gvk.is_cluster_scoped();
        let matches = |id: &ResId| {
            if exact_ns {
                id.same_as(&want)
            } else {
                id.name == want.name && id.gvk == want.gvk
            }
        };
        let hits: Vec<usize> = acc
            .rm
            .iter()
            .enumerate()
            .filter(|(_, r)| r.prev_ids.iter().any(&matches) || matches(&r.id()))
            .map(|(i, _)| i)
            .collect();
        match hits.as_slice() {
            [] => {}
            [one] => {
                if let Some(r) = acc.rm.get_mut(*one) {
                    r.ref_var_names.push(v.name.clone());
                }
            }
            many => {
                let found: Vec<String> = many
                    .iter()
                    .filter_map(|&i| acc.rm.get(i))
                    .map(|r| r.id().to_string())
                    .collect();
                return Err(Error::msg(format!(
                    "var {:?}: objref {} matches {} objects ({}), so the var is ambiguous",
                    v.name,
                    describe(v),
                    many.len(),
                    found.join(", ")
                ))
                .at_field(at())
                .with_hint("add objref.namespace to say which object the var reads"));
            }
        }
    }
    merge_var_lists(&mut acc.vars, incoming.to_vec())
}

/// kyaml's `GetFieldValue` path handling: `ports[0]` is `ports` then index `0`.
fn value_path(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in fieldpath::split(path) {
        if let Some(open) = part
            .strip_suffix(']')
            .and_then(|p| p.rfind('[').map(|i| (p, i)))
        {
            let (body, i) = open;
            let idx = &body[i + 1..];
            if !idx.is_empty() && idx.bytes().all(|b| b.is_ascii_digit()) {
                if i > 0 {
                    out.push(body[..i].to_string());
                }
                out.push(idx.to_string());
                continue;
            }
        }
        out.push(part);
    }
    out
}

/// The value of each var, read from the object that remembered it.
fn var_values(acc: &Accumulator) -> Result<Vec<(String, Value)>> {
    let mut owner: HashMap<&str, usize> = HashMap::default();
    for (i, r) in acc.rm.iter().enumerate() {
        for name in &r.ref_var_names {
            owner.entry(name.as_str()).or_insert(i);
        }
    }
    let mut vars: Vec<&Var> = acc.vars.iter().collect();
    vars.sort_by(|a, b| a.name.cmp(&b.name));
    let mut out = Vec::with_capacity(vars.len());
    for v in vars {
        let Some(r) = owner.get(v.name.as_str()).and_then(|&i| acc.rm.get(i)) else {
            let hint = if v.objref.version.is_empty() {
                "the objref has no apiVersion: kustomize matches apiVersion, kind and name exactly, so add e.g. `apiVersion: v1`"
            } else {
                "the objref must name an object of this build by its apiVersion, kind and name (the name before or after any prefix, suffix or namespace change)"
            };
            return Err(Error::msg(format!(
                "var {:?}: no object matches its objref ({})",
                v.name,
                describe(v)
            ))
            .with_hint(hint));
        };
        let path = if v.fieldref.field_path.is_empty() {
            DEFAULT_FIELD_PATH
        } else {
            v.fieldref.field_path.as_str()
        };
        let found = fieldpath::lookup(&r.body, &value_path(path)).ok().flatten();
        let Some(value) = found else {
            return Err(Error::msg(format!(
                "var {:?}: field {path:?} is not set in the object it refers to",
                v.name
            ))
            .for_resource(r.id())
            .with_hint("check fieldref.fieldPath (a dotted path such as spec.ports[0].port)"));
        };
        out.push((v.name.clone(), value.clone()));
    }
    Ok(out)
}

/// kustomize's `ResolveVars`: replaces `$(NAME)` in every `varReference` field.
pub fn resolve_vars(acc: &mut Accumulator) -> Result<()> {
    let values = var_values(acc)?;
    if values.is_empty() {
        return Ok(());
    }
    let map: HashMap<&str, &Value> = values.iter().map(|(k, v)| (k.as_str(), v)).collect();
    let mut used: HashMap<String, usize> = HashMap::default();
    let specs: Vec<FieldSpec> = acc.tc.var_reference.clone();
    for r in acc.rm.iter_mut() {
        let gvk = r.gvk();
        let shown = r.id();
        for fs in &specs {
            fieldspec::apply(&mut r.body, &gvk, fs, CreateKind::None, &mut |node| {
                replace_in_node(node, &map, &mut used)
            })
            .map_err(|e| e.for_resource(&shown))?;
        }
    }
    let mut unused: Vec<&str> = values
        .iter()
        .map(|(k, _)| k.as_str())
        .filter(|k| !used.contains_key(*k))
        .collect();
    if !unused.is_empty() {
        unused.sort_unstable();
        eprintln!(
            "warning: vars that are never referenced (no $(NAME) in a varReference field): {}",
            unused.join(", ")
        );
    }
    Ok(())
}

/// kustomize's `refvar` filter on one field: strings are expanded; in a mapping only string
/// values are; a list must hold only strings.
fn replace_in_node(
    node: &mut Value,
    vars: &HashMap<&str, &Value>,
    used: &mut HashMap<String, usize>,
) -> Result<()> {
    match node {
        Value::String(s) => {
            *node = expand(s, vars, used);
            Ok(())
        }
        Value::Object(m) => {
            for v in m.values_mut() {
                if let Value::String(s) = v {
                    *v = expand(s, vars, used);
                }
            }
            Ok(())
        }
        Value::Array(items) => {
            for it in items.iter_mut() {
                let Value::String(s) = it else {
                    return Err(Error::msg(format!(
                        "a list where vars are replaced must hold only strings, found {}",
                        crate::types::type_name(it)
                    )));
                };
                *it = expand(s, vars, used);
            }
            Ok(())
        }
        // Numbers, booleans and nulls are left alone.
        _ => Ok(()),
    }
}

/// A var's value when it is spliced into a longer string (Go's `%v`).
fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => String::new(),
    }
}

/// The replacement for `$(name)`: the var's value when it is a scalar, else the reference
/// itself (kustomize's primitive replacer).
fn lookup_var(
    name: &str,
    vars: &HashMap<&str, &Value>,
    used: &mut HashMap<String, usize>,
) -> Option<Value> {
    let v = vars.get(name)?;
    match v {
        Value::String(_) | Value::Number(_) | Value::Bool(_) => {
            *used.entry(name.to_string()).or_default() += 1;
            Some((*v).clone())
        }
        _ => None,
    }
}

/// Expands `$(NAME)` references in `input` (kustomize's `DoReplacements`).
fn expand(input: &str, vars: &HashMap<&str, &Value>, used: &mut HashMap<String, usize>) -> Value {
    let bytes = input.as_bytes();
    let mut out = String::with_capacity(input.len());
    let mut checkpoint = 0;
    let mut cursor = 0;
    while cursor < bytes.len() {
        if bytes[cursor] == b'$' && cursor + 1 < bytes.len() {
            out.push_str(&input[checkpoint..cursor]);
            let rest = &input[cursor + 1..];
            let advance = match rest.as_bytes()[0] {
                b'$' => {
                    out.push('$');
                    1
                }
                b'(' => match rest.find(')') {
                    Some(close) => {
                        let name = &rest[1..close];
                        let value = lookup_var(name, vars, used);
                        if input.len() == name.len() + 3 {
                            // The whole field is the reference: keep the value's type.
                            return value.unwrap_or_else(|| Value::String(input.to_string()));
                        }
                        match value {
                            Some(v) => out.push_str(&value_text(&v)),
                            None => {
                                out.push_str("$(");
                                out.push_str(name);
                                out.push(')');
                            }
                        }
                        close + 1
                    }
                    None => {
                        out.push_str("$(");
                        1
                    }
                },
                _ => {
                    // `$` and the next character, kept as they are.
                    let ch_len = rest.chars().next().map_or(1, char::len_utf8);
                    out.push('$');
                    out.push_str(&rest[..ch_len]);
                    ch_len
                }
            };
            cursor += advance;
            checkpoint = cursor + 1;
        }
        cursor += 1;
    }
    if checkpoint < input.len() {
        out.push_str(&input[checkpoint..]);
    }
    Value::String(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    fn run(input: &str, vars: &[(&str, Value)]) -> Value {
        let map: HashMap<&str, &Value> = vars.iter().map(|(k, v)| (*k, v)).collect();
        let mut used = HashMap::default();
        expand(input, &map, &mut used)
    }

    #[test]
    fn expands_like_kustomize() {
        let vars = [("A", json!("x")), ("N", json!(8080)), ("B", json!(true))];
        assert_eq!(run("$(A)", &vars), json!("x"));
        assert_eq!(run("$(N)", &vars), json!(8080));
        assert_eq!(run("$(B)", &vars), json!(true));
        assert_eq!(run("port=$(N)!", &vars), json!("port=8080!"));
        assert_eq!(run("$(A)-$(A)", &vars), json!("x-x"));
        assert_eq!(run("$(MISSING)", &vars), json!("$(MISSING)"));
        assert_eq!(run("a $(MISSING) b", &vars), json!("a $(MISSING) b"));
        assert_eq!(run("$$(A)", &vars), json!("$(A)"));
        assert_eq!(run("$(A", &vars), json!("$(A"));
        assert_eq!(run("cost $5", &vars), json!("cost $5"));
        assert_eq!(run("end$", &vars), json!("end$"));
        assert_eq!(run("é$é$(A)", &vars), json!("é$éx"));
    }

    #[test]
    fn field_paths_convert_indexes() {
        assert_eq!(
            value_path("spec.ports[0].port"),
            ["spec", "ports", "0", "port"]
        );
        assert_eq!(value_path("metadata.name"), ["metadata", "name"]);
    }
}
