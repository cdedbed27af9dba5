//! `crds:` — field specs derived from OpenAPI definitions of custom types (kustomize's
//! `LoadConfigFromCRDs`): `x-kubernetes-object-ref-*` extensions become name references,
//! `x-kubernetes-annotation` / `-label-selector` / `-identity` become annotation, label and
//! name-prefix specs.
use crate::value::{Map, Value};

use super::config::{NameBackReferences, TransformerConfig, merge_one};
use crate::build::Target;
use crate::error::{Error, Result};
use crate::resource::Gvk;
use crate::types::FieldSpec;

/// How deep `$ref` chains are followed (a cycle must not recurse forever).
const MAX_DEPTH: usize = 64;

/// Reads every `crds:` file of `target` through its loader.
pub fn load(target: &Target) -> Result<TransformerConfig> {
    let mut tc = TransformerConfig::default();
    for path in &target.kust.crds {
        let (file, bytes) = target
            .loader
            .read_file(path)
            .map_err(|e| e.in_file(target.file.as_path()).at_field("crds"))?;
        let one = from_bytes(&bytes).map_err(|e| {
            Error::msg(format!("unable to parse open API definition: {}", e.msg)).in_file(&file)
        })?;
        tc.merge(one).map_err(|e| e.in_file(&file))?;
    }
    Ok(tc)
}

fn from_bytes(bytes: &[u8]) -> Result<TransformerConfig> {
    let text = crate::yaml::decode_utf8(bytes)?;
    let value: Value = if text.trim_start().starts_with('{') {
        serde_json::from_str(text).map_err(|e| Error::msg(e.to_string()))?
    } else {
        crate::yaml::parse_one(text)?
    };
    let defs = match value {
        Value::Object(m) => m,
        Value::Null => Map::new(),
        other => {
            return Err(Error::msg(format!(
                "expected a mapping of type names to definitions, found {}",
                crate::types::type_name(&other)
            )));
        }
    };
    let mut names: Vec<&String> = defs.keys().collect();
    names.sort();
    let mut result = TransformerConfig::default();
    for name in names {
        let props = properties(&defs, name);
        let Some(props) = props else { continue };
        if !(props.contains_key("kind")
            && props.contains_key("apiVersion")
            && props.contains_key("metadata"))
        {
            continue;
        }
        let kind = name.rsplit('.').next().unwrap_or(name);
        let gvk = Gvk::new("", "", kind);
        let mut tc = TransformerConfig::default();
        load_type(&mut tc, &gvk, &defs, name, &[], 0)?;
        result.merge(tc)?;
    }
    Ok(result)
}

/// The `properties` of a definition's schema (field names matched case-insensitively,
/// as Go's JSON decoding does).
fn properties<'a>(defs: &'a Map<String, Value>, name: &str) -> Option<&'a Map<String, Value>> {
    let def = defs.get(name)?.as_object()?;
    let schema = def
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("schema"))
        .map(|(_, v)| v)?;
    schema.get("properties")?.as_object()
}

fn fs(gvk: &Gvk, path: &[&str]) -> FieldSpec {
    FieldSpec {
        group: gvk.group.clone(),
        version: gvk.version.clone(),
        kind: gvk.kind.clone(),
        path: path.join("/"),
        create: false,
    }
}

fn load_type(
    tc: &mut TransformerConfig,
    gvk: &Gvk,
    defs: &Map<String, Value>,
    type_name: &str,
    path: &[&str],
    depth: usize,
) -> Result<()> {
    if depth > MAX_DEPTH {
        return Ok(());
    }
    let Some(props) = properties(defs, type_name) else {
        return Ok(());
    };
    let mut names: Vec<&String> = props.keys().collect();
    names.sort();
    for prop_name in names {
        let Some(prop) = props.get(prop_name).and_then(Value::as_object) else {
            continue;
        };
        let ext = |k: &str| prop.get(k).and_then(Value::as_str);
        let mut here: Vec<&str> = path.to_vec();
        here.push(prop_name);
        if ext("x-kubernetes-annotation").is_some() {
            merge_one(&mut tc.common_annotations, fs(gvk, &here))?;
        }
        if ext("x-kubernetes-label-selector").is_some() {
            merge_one(&mut tc.common_labels, fs(gvk, &here))?;
        }
        if ext("x-kubernetes-identity").is_some() {
            merge_one(&mut tc.name_prefix, fs(gvk, &here))?;
        }
        if let (Some(version), Some(kind)) = (
            ext("x-kubernetes-object-ref-api-version"),
            ext("x-kubernetes-object-ref-kind"),
        ) {
            let key = ext("x-kubernetes-object-ref-name-key").unwrap_or("name");
            let mut p = here.clone();
            p.push(key);
            let mut add = TransformerConfig::default();
            add.name_reference.push(NameBackReferences {
                group: String::new(),
                version: version.to_string(),
                kind: kind.to_string(),
                referrers: vec![fs(gvk, &p)],
            });
            tc.merge(add)?;
        }
        if let Some(r) = prop.get("$ref").and_then(Value::as_str) {
            load_type(tc, gvk, defs, r, &here, depth + 1)?;
        }
    }
    Ok(())
}
