//! Generators: `configMapGenerator`, `secretGenerator` and builtin generator configs listed
//! under `generators:`.
//!
//! Each generator makes one object, which is absorbed into the accumulated resources
//! according to its `behavior` ([`behavior`]). Generated objects remember whether they want
//! a content-hash name suffix (`Resource::needs_hash`, kustomize's `needs-hash` build
//! annotation); [`add_hashes`] appends it once the whole tree is accumulated, so merges and
//! prefixes from overlays are included.
mod behavior;
pub mod hash;
pub mod kv;
pub mod object;
mod plugin;
mod roundtrip;

use std::path::PathBuf;
use std::sync::Arc;

use crate::build::{Accumulator, Target};
use crate::error::{Error, Result};
use crate::loader::Loader;
use crate::resmap::ResMap;
use crate::resource::{Origin, Resource};
use crate::types::{GeneratorArgs, GeneratorOptions};

pub use hash::hash_body;
pub use object::GenKind;

/// One configured ConfigMap or Secret generator.
#[derive(Debug, Clone)]
pub struct Spec {
    pub kind: GenKind,
    pub args: GeneratorArgs,
    /// Options after merging the kustomization's `generatorOptions`.
    pub options: Option<GeneratorOptions>,
    /// The file that configures it (the kustomization, or a generator config file).
    pub file: Arc<PathBuf>,
    /// Where in that file, e.g. `configMapGenerator[0]`.
    pub field: String,
    /// For a `generators:` config, its name and namespace.
    pub config: Option<Arc<(String, String)>>,
}

/// Runs the kustomization's generators, absorbing their output into `acc`.
pub fn run_generators(target: &Target, acc: &mut Accumulator) -> Result<()> {
    let global = target.kust.generator_options.as_ref();
    let mut specs = Vec::new();
    for (kind, list, field) in [
        (
            GenKind::ConfigMap,
            &target.kust.config_map_generator,
            "configMapGenerator",
        ),
        (
            GenKind::Secret,
            &target.kust.secret_generator,
            "secretGenerator",
        ),
    ] {
        for (i, args) in list.iter().enumerate() {
            specs.push(plugin::Configured::Builtin(Box::new(Spec {
                kind,
                args: args.clone(),
                options: merge_global_options(args.options.clone(), global),
                file: target.file.clone(),
                field: format!("{field}[{i}]"),
                config: None,
            })));
        }
    }
    specs.extend(plugin::configure(target)?);
    // Generating reads files and builds one object from them: done on all cores up front.
    // Objects join the build in order, and the first failing generator in order is the
    // one reported.
    let made = crate::par::map_ordered(&specs, |c| match c {
        plugin::Configured::Builtin(spec) => Some(generate(&target.loader, spec)),
        plugin::Configured::Made { .. } => None,
    });
    for (configured, made) in specs.into_iter().zip(made) {
        let (resources, file, field) = match configured {
            plugin::Configured::Builtin(spec) => {
                // (a generator whose worker panicked is run again here, where it surfaces)
                let r = match made.flatten() {
                    Some(r) => r?,
                    None => generate(&target.loader, &spec)?,
                };
                (vec![r], spec.file, spec.field)
            }
            plugin::Configured::Made {
                resources,
                file,
                field,
            } => (resources, file, field),
        };
        for r in resources {
            let id = r.id();
            behavior::absorb(&mut acc.rm, r).map_err(|e| {
                in_context(e, &file, &field).for_resource(format!("{} {}", id.gvk.kind, id.name))
            })?;
        }
    }
    Ok(())
}

/// Prefixes an error's field with the generator's position and names the file.
fn in_context(mut e: Error, file: &Arc<PathBuf>, field: &str) -> Error {
    e.field = Some(match e.field.take() {
        Some(f) => format!("{field}.{f}"),
        None => field.to_string(),
    });
    e.in_file(file.as_path())
}

/// kustomize's `MergeGlobalOptionsIntoLocal`: local labels and annotations win, global ones
/// fill in; either `disableNameSuffixHash` or `immutable` being set sets it.
pub fn merge_global_options(
    local: Option<GeneratorOptions>,
    global: Option<&GeneratorOptions>,
) -> Option<GeneratorOptions> {
    let Some(global) = global else {
        return local;
    };
    let mut local = local.unwrap_or_default();
    for (k, v) in &global.labels {
        local.labels.entry(k.clone()).or_insert_with(|| v.clone());
    }
    for (k, v) in &global.annotations {
        local
            .annotations
            .entry(k.clone())
            .or_insert_with(|| v.clone());
    }
    local.disable_name_suffix_hash |= global.disable_name_suffix_hash;
    local.immutable |= global.immutable;
    Some(local)
}

/// Makes the object of one generator.
pub fn generate(loader: &Loader, spec: &Spec) -> Result<Resource> {
    let kind = spec.kind;
    let name = spec.args.name.as_str();
    let what = if name.is_empty() {
        kind.kind().to_string()
    } else {
        format!("{} {}", kind.kind(), name)
    };
    let ctx = |e: Error| in_context(e, &spec.file, &spec.field).for_resource(&what);
    if name.is_empty() {
        return Err(ctx(Error::msg(format!(
            "a generated {} needs a name",
            kind.kind()
        ))
        .at_field("name")));
    }
    let behavior = behavior::parse_behavior(&spec.args.behavior).map_err(ctx)?;
    if kind == GenKind::ConfigMap && !spec.args.type_.is_empty() {
        return Err(ctx(Error::msg(
            "`type` is a Secret field; configMapGenerator entries have no type",
        )
        .at_field("type")));
    }
    // kustomize carries the config through YAML first: some characters fail, NEL folds.
    let a = &spec.args;
    let mut strings: Vec<(String, &str)> = vec![
        ("name".into(), &a.name),
        ("namespace".into(), &a.namespace),
        ("type".into(), &a.type_),
    ];
    for (field, list) in [
        ("literals", &a.literals),
        ("files", &a.files),
        ("envs", &a.envs),
    ] {
        for (i, s) in list.iter().enumerate() {
            strings.push((format!("{field}[{i}]"), s));
        }
    }
    if let Some(o) = &spec.options {
        for (field, m) in [
            ("options.labels", &o.labels),
            ("options.annotations", &o.annotations),
        ] {
            for (k, v) in m {
                strings.push((format!("{field}.{k}"), k));
                strings.push((format!("{field}.{k}"), v));
            }
        }
    }
    for (field, s) in strings {
        roundtrip::check_chars(s, "this value").map_err(|e| ctx(e.at_field(field)))?;
    }
    let literals: Vec<String> = a.literals.iter().map(|l| roundtrip::fold_nel(l)).collect();
    let options = spec.options.as_ref().map(|o| {
        let mut o = o.clone();
        for m in [&mut o.labels, &mut o.annotations] {
            for v in m.values_mut() {
                *v = roundtrip::fold_nel(v);
            }
        }
        o
    });
    let sources = kv::Sources {
        envs: &a.envs,
        literals: &literals,
        files: &a.files,
    };
    let pairs = kv::load(loader, &sources).map_err(ctx)?;
    let mut seen: crate::hashing::HashMap<&str, &str> = Default::default();
    for p in &pairs {
        kv::check_key(&p.key).map_err(|m| {
            let mut e = Error::msg(format!(
                "{m} (the API server rejects such {} keys)",
                kind.kind()
            ))
            .at_field(p.source.clone());
            if p.key.starts_with("export ") {
                e = e.with_hint("env files hold plain KEY=value lines; drop the `export`");
            }
            ctx(e)
        })?;
        if let Some(first) = seen.insert(&p.key, &p.source) {
            return Err(ctx(Error::msg(format!(
                "key {:?} is given twice (by {first} and by {})",
                p.key, p.source
            ))
            .with_hint(
                "each key of a generated object may come from only one source",
            )));
        }
    }
    let body = object::make_body(
        kind,
        name,
        &spec.args.namespace,
        &spec.args.type_,
        pairs,
        options.as_ref(),
    );
    let mut r = Resource::new(
        body,
        Origin {
            file: spec.file.clone(),
            line: 0,
            generator: Some(kind.generator()),
            config: spec.config.clone(),
        },
    );
    r.needs_hash = !spec
        .options
        .as_ref()
        .is_some_and(|o| o.disable_name_suffix_hash);
    r.behavior = behavior;
    Ok(r)
}

/// Appends content hashes to the names of generated objects that want one.
pub fn add_hashes(rm: &mut ResMap) -> Result<()> {
    // Each name depends only on its own object: hashed in parallel (hashing a ConfigMap
    // takes some 10 µs, a build can have thousands).
    let mut generated: Vec<&mut crate::resource::Resource> =
        rm.iter_mut().filter(|r| r.needs_hash).collect();
    crate::par::for_each_mut(&mut generated, crate::par::HEAVY_CHUNK, |r| {
        let h = hash::hash_body(&r.body);
        let name = format!("{}-{h}", r.name());
        r.set_name(&name);
        Ok::<(), crate::error::Error>(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn global_options_fill_in() {
        let mut local = GeneratorOptions::default();
        local.labels.insert("a".into(), "local".into());
        let mut global = GeneratorOptions::default();
        global.labels.insert("a".into(), "global".into());
        global.labels.insert("b".into(), "global".into());
        global.disable_name_suffix_hash = true;
        let m = merge_global_options(Some(local), Some(&global)).unwrap();
        assert_eq!(m.labels["a"], "local");
        assert_eq!(m.labels["b"], "global");
        assert!(m.disable_name_suffix_hash);
        assert!(merge_global_options(None, None).is_none());
    }
}
