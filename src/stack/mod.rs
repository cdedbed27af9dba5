//! The typed `Stack` kind (`stackgen.dev/v1alpha1`): a whole application described once,
//! expanded into Kubernetes objects by the kustomization that declares it.
//!
//! - `types`: the strictly typed description (the field reference is `docs/stack.md`);
//! - `check`: cross-references and exclusive fields, with suggestions for misspellings;
//! - `profile`: the environment profiles' defaults;
//! - `expand`, `netpol`: the generated objects;
//! - `patch`: patches from overlays applied to the Stack before expansion;
//! - `schema`: JSON Schema export; `kind_config`: the kind cluster config of a build.
pub mod check;
pub mod expand;
pub mod kind_config;
pub mod netpol;
pub mod patch;
pub mod profile;
pub mod quota;
pub mod schema;
pub mod types;

use crate::value::Value;

use crate::build::{Accumulator, Target};
use crate::error::{Error, Result, suggest};
use crate::resmap::ResMap;
use crate::resource::{Origin, Resource};

pub use patch::{MERGE_KEYS, is_stack_document, is_stack_patch, is_stack_selector};
pub use types::Stack;

pub const API_VERSION: &str = "stackgen.dev/v1alpha1";
pub const KIND: &str = "Stack";

/// Whether `r` is a Stack this module expands.
pub fn is_stack(r: &Resource) -> bool {
    r.kind() == KIND && r.api_version() == API_VERSION
}

/// Expands the `Stack` objects that `target` itself declared (those from bases were expanded
/// in their own kustomization, so every Stack still in `acc` is `target`'s). `ancestors` are
/// the kustomizations that include `target`, innermost first: their patches that target
/// `kind: Stack` are applied before expansion, after `target`'s own, outermost last.
/// Each Stack is replaced in place by the objects it expands to.
pub fn expand_stacks(target: &Target, acc: &mut Accumulator, ancestors: &[&Target]) -> Result<()> {
    if !acc.rm.iter().any(is_stack) {
        return Ok(());
    }
    let mut patches = patch::collect(target)?;
    for a in ancestors {
        patches.extend(patch::collect(a)?);
    }
    let list = std::mem::take(acc.rm.as_mut_vec());
    let mut out = Vec::with_capacity(list.len());
    for r in list {
        if !is_stack(&r) {
            out.push(r);
            continue;
        }
        let what = format!("{KIND} {}", r.name());
        let mut body = r.body.clone();
        let mut applied = Vec::new();
        for p in patches.iter().filter(|p| p.applies_to(&r)) {
            p.apply(&mut body).map_err(|e| {
                e.in_file(&p.from)
                    .for_resource(&what)
                    .with_hint("the patch targets kind: Stack and is applied before expansion")
            })?;
            if !applied.contains(&p.from) {
                applied.push(p.from.clone());
            }
        }
        let stack = parse_stack(&body).map_err(|e| {
            let mut e = e.in_file(r.origin.file.as_path()).for_resource(&what);
            if let Some(line) = (r.origin.line > 0).then_some(r.origin.line) {
                e = e.at_line(line);
            }
            // Say which patches may have brought the field in, when the stack alone is fine.
            if !applied.is_empty() && parse_stack(&r.body).is_ok() {
                let files: Vec<String> = applied.iter().map(|p| p.display().to_string()).collect();
                let note = format!("after patches from {}", files.join(", "));
                e.msg = format!("{} ({note})", e.msg);
            }
            e
        })?;
        let objs = expand_one(&stack).map_err(|e| {
            e.in_file(r.origin.file.as_path())
                .at_line(r.origin.line)
                .for_resource(&what)
        })?;
        for o in objs {
            out.push(Resource::new(
                o,
                Origin {
                    file: r.origin.file.clone(),
                    line: r.origin.line,
                    generator: None,
                    config: None,
                },
            ));
        }
    }
    let mut rm = ResMap::new();
    rm.append_all(ResMap::from_vec(out))?;
    rm.notes = std::mem::take(&mut acc.rm.notes);
    acc.rm = rm;
    Ok(())
}

/// Checks and expands one Stack into Kubernetes objects.
pub fn expand_one(stack: &Stack) -> Result<Vec<Value>> {
    let profile = stack.spec.profile.unwrap_or(types::Profile::Production);
    let d = profile::Defaults::of(profile);
    check::check(stack, &d)?;
    for (i, s) in stack.spec.services.iter().enumerate() {
        expand::check_resources(s).map_err(|e| {
            let f = e.field.clone().unwrap_or_default();
            let mut e = e;
            e.field = Some(format!("spec.services[{i}].{f}"));
            e
        })?;
    }
    let ctx = expand::Ctx::new(stack, d);
    let objs = expand::expand(&ctx)?;
    quota::check(&ctx, &objs)?;
    Ok(objs)
}

/// Reads a Stack strictly: an unknown field is an error naming its path and the closest
/// valid field.
pub fn parse_stack(body: &Value) -> Result<Stack> {
    if body.get("apiVersion").and_then(Value::as_str) != Some(API_VERSION) {
        return Err(
            Error::msg(format!("a Stack's apiVersion is {API_VERSION}")).at_field("apiVersion")
        );
    }
    serde_path_to_error::deserialize::<_, Stack>(serde_json::Value::from(body)).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        serde_error(&path, &inner)
    })
}

/// Turns serde's message into one with the field path and a suggestion.
fn serde_error(path: &str, msg: &str) -> Error {
    static UNKNOWN: std::sync::OnceLock<Option<regex::Regex>> = std::sync::OnceLock::new();
    let re = UNKNOWN.get_or_init(|| {
        regex::Regex::new(r"^unknown (field|variant) `([^`]*)`, (?:expected|there are no) (.*)$")
            .ok()
    });
    if let Some(c) = re.as_ref().and_then(|re| re.captures(msg)) {
        let what = &c[1];
        let name = &c[2];
        let candidates: Vec<&str> = c[3]
            .split('`')
            .enumerate()
            .filter(|(i, _)| i % 2 == 1)
            .map(|(_, s)| s)
            .collect();
        // serde_path_to_error's path ends with the unknown key itself.
        let field = if path.is_empty() || path == "." {
            name.to_string()
        } else {
            path.to_string()
        };
        let mut e = Error::msg(format!("unknown {what} {name:?}")).at_field(field);
        if let Some(s) = suggest(name, candidates.iter().copied()) {
            e = e.with_hint(format!("did you mean {s:?}?"));
        } else if !candidates.is_empty() {
            e = e.with_hint(format!("valid: {}", candidates.join(", ")));
        }
        return e;
    }
    let msg = msg
        .replace("invalid type: string", "found a string")
        .replace("invalid type: map", "found a mapping")
        .replace("invalid type: sequence", "found a list")
        .replace("invalid type: integer", "found a number")
        .replace("invalid type: boolean", "found a boolean")
        .replace("expected a sequence", "expected a list")
        .replace("expected a map", "expected a mapping");
    let e = Error::msg(msg);
    if path.is_empty() || path == "." {
        e
    } else {
        e.at_field(path.to_string())
    }
}
