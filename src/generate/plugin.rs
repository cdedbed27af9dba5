//! `generators:` entries: builtin generator configs (`apiVersion: builtin`), inline or in
//! files (or made by a kustomization directory). kubectl runs builtin plugins only.
use std::path::PathBuf;
use std::sync::Arc;

use crate::value::{Map, Value};

use super::{GenKind, Spec, in_context};
use crate::build::{Target, files};
use crate::error::{Error, Result};
use crate::resource::{Origin, Resource};
use crate::types::GeneratorArgs;

/// A configured generator: a ConfigMap/Secret spec, or objects already made.
pub enum Configured {
    Builtin(Box<Spec>),
    Made {
        resources: Vec<Resource>,
        file: Arc<PathBuf>,
        field: String,
    },
}

/// Reads every `generators:` entry into configured generators, in order.
pub fn configure(target: &Target) -> Result<Vec<Configured>> {
    let mut out = Vec::new();
    for (i, entry) in target.kust.generators.iter().enumerate() {
        let field = format!("generators[{i}]");
        let configs =
            load_configs(target, entry).map_err(|e| in_context(e, &target.file, &field))?;
        for cfg in configs {
            let file = cfg.origin.file.clone();
            let c = configure_one(cfg).map_err(|e| in_context(e, &file, &field))?;
            out.push(c);
        }
    }
    Ok(out)
}

/// An inline config (YAML objects), else a file or a kustomization directory.
fn load_configs(target: &Target, entry: &str) -> Result<Vec<Resource>> {
    if let Ok(rm) = files::resources_from_bytes(entry.as_bytes(), target.file.clone()) {
        return Ok(rm.into_vec());
    }
    match target.loader.resolve_file(entry) {
        Ok(p) if p.is_file() => Ok(files::load_resources(&target.loader, entry)?.into_vec()),
        Ok(_) | Err(_) if target.loader.child(entry).is_ok() => {
            let loader = target.loader.child(entry)?;
            Ok(crate::transform::plugins::build_config_directory(target, loader)?.into_vec())
        }
        Ok(p) => Err(Error::msg(format!(
            "{entry:?} ({}) is neither a file nor a directory",
            p.display()
        ))),
        Err(e) => Err(e),
    }
}

fn configure_one(cfg: Resource) -> Result<Configured> {
    let gvk = cfg.gvk();
    let field = format!("{} {}", gvk.kind, cfg.name());
    let file = cfg.origin.file.clone();
    if !(gvk.group.is_empty() && gvk.version == "builtin") {
        return Err(Error::msg(format!(
            "generator {} {} is a plugin: only builtin generators (apiVersion: builtin) can run",
            cfg.api_version(),
            gvk.kind
        ))
        .with_hint("stackgen, like kubectl kustomize, runs no exec, container or Go plugins"));
    }
    let kind = match gvk.kind.as_str() {
        "ConfigMapGenerator" => GenKind::ConfigMap,
        "SecretGenerator" => GenKind::Secret,
        "IAMPolicyGenerator" => {
            return Ok(Configured::Made {
                resources: vec![iam_policy(&cfg)?],
                file,
                field,
            });
        }
        "HelmChartInflationGenerator" => {
            return Err(Error::msg(
                "helm charts are not supported: stackgen runs no external programs",
            ));
        }
        other => {
            return Err(Error::msg(format!(
                "builtin {other} is not a generator (list transformers under `transformers:`)"
            )));
        }
    };
    let Value::Object(body) = &cfg.body else {
        return Err(Error::msg("a generator config must be a mapping"));
    };
    // Like kustomize, keep the fields the generator knows and ignore the rest.
    let mut known = Map::new();
    for key in [
        "namespace",
        "name",
        "behavior",
        "literals",
        "files",
        "envs",
        "options",
    ] {
        if let Some(v) = body.get(key) {
            known.insert(key.into(), v.clone());
        }
    }
    if let (GenKind::Secret, Some(v)) = (kind, body.get("type")) {
        known.insert("type".into(), v.clone());
    }
    let mut args: GeneratorArgs = serde_path_to_error::deserialize(serde_json::Value::from(
        Value::Object(known),
    ))
    .map_err(|e| {
        let path = e.path().to_string();
        Error::msg(e.into_inner().to_string()).at_field(path)
    })?;
    if args.name.is_empty() {
        args.name = cfg.name().to_string();
    }
    if args.namespace.is_empty() {
        args.namespace = cfg.namespace().to_string();
    }
    let options = args.options.clone();
    Ok(Configured::Builtin(Box::new(Spec {
        kind,
        args,
        options,
        file,
        field: format!("{} {}", gvk.kind, cfg.name()),
        config: Some(config_id(&cfg)),
    })))
}

/// The name and namespace of a generator config, which origin annotations name.
fn config_id(cfg: &Resource) -> Arc<(String, String)> {
    Arc::new((cfg.name().to_string(), cfg.namespace().to_string()))
}

/// kustomize's IAMPolicyGenerator (`cloud: gke` only): a ServiceAccount bound to a Google
/// service account.
fn iam_policy(cfg: &Resource) -> Result<Resource> {
    let s = |path: &[&str]| -> String {
        let mut v = &cfg.body;
        for p in path {
            match v.get(p) {
                Some(x) => v = x,
                None => return String::new(),
            }
        }
        match v {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            _ => String::new(),
        }
    };
    let cloud = s(&["cloud"]);
    if cloud != "gke" {
        return Err(Error::msg(format!(
            "IAMPolicyGenerator: cloud provider {cloud:?} is not supported (only gke)"
        ))
        .at_field("cloud"));
    }
    let mut meta = Map::new();
    let mut ann = Map::new();
    ann.insert(
        "iam.gke.io/gcp-service-account".into(),
        Value::String(format!(
            "{}@{}.iam.gserviceaccount.com",
            s(&["serviceAccount", "name"]),
            s(&["serviceAccount", "projectId"])
        )),
    );
    meta.insert("annotations".into(), Value::Object(ann));
    meta.insert(
        "name".into(),
        Value::String(s(&["kubernetesService", "name"])),
    );
    let ns = s(&["kubernetesService", "namespace"]);
    if !ns.is_empty() {
        meta.insert("namespace".into(), Value::String(ns));
    }
    let mut body = Map::new();
    body.insert("apiVersion".into(), Value::String("v1".into()));
    body.insert("kind".into(), Value::String("ServiceAccount".into()));
    body.insert("metadata".into(), Value::Object(meta));
    Ok(Resource::new(
        Value::Object(body),
        Origin {
            file: cfg.origin.file.clone(),
            line: 0,
            generator: Some("IAMPolicyGenerator"),
            config: Some(config_id(cfg)),
        },
    ))
}
