//! Building a kustomization: kustomize's `KustTarget`, stage by stage.
//!
//! For one kustomization directory, in kustomize v5.6's order (`api/internal/target`):
//! 1. accumulate `resources` (files, then directories built recursively as their own
//!    targets and appended), merging their transformer configs and vars;
//! 2. merge `configurations` and `crds` into the transformer config;
//! 3. run generators (`configMapGenerator`, `secretGenerator`, `generators:`);
//! 4. accumulate `components` (each one runs its own steps 1–6 on *this* accumulator);
//! 5. run the builtin transformers in their fixed order, then `transformers:`;
//! 6. merge `vars`.
//!
//! Only at the top level, after the recursion: hash suffixes are added to generated names,
//! name references are fixed, vars are resolved and local-config objects are dropped.
mod accumulator;
pub mod files;
pub mod openapi;

use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use accumulator::Accumulator;

use crate::error::{Error, Result, suggest};
use crate::loader::{LoadRestrictor, Loader};
use crate::resmap::ResMap;
use crate::timings::{Stage, time};
use crate::types::{KUSTOMIZATION_FIELDS, Kustomization};

/// Options of one build.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    pub load_restrictor: LoadRestrictor,
    /// Variables for templated kustomization and Stack files (`crate::template`).
    pub template_vars: Arc<crate::template::TemplateVars>,
}

/// File names recognised as a kustomization, in kustomize's order.
pub const KUSTOMIZATION_FILE_NAMES: &[&str] =
    &["kustomization.yaml", "kustomization.yml", "Kustomization"];

const KUSTOMIZE_API: &str = "kustomize.config.k8s.io/v1beta1";
const COMPONENT_API: &str = "kustomize.config.k8s.io/v1alpha1";

/// A kustomization read from disk, with the loader for its directory.
#[derive(Debug, Clone)]
pub struct Target {
    pub kust: Kustomization,
    pub loader: Loader,
    /// The kustomization file itself.
    pub file: Arc<PathBuf>,
}

impl Target {
    /// Finds and reads the kustomization file of `loader`'s directory.
    pub fn load(loader: Loader) -> Result<Target> {
        let mut found = Vec::new();
        for name in KUSTOMIZATION_FILE_NAMES {
            let p = loader.dir().join(name);
            if p.is_file() {
                found.push(p);
            }
        }
        let file = match found.len() {
            0 => {
                return Err(Error::msg(format!(
                    "no kustomization file found in {} (looked for {})",
                    loader.dir().display(),
                    KUSTOMIZATION_FILE_NAMES.join(", ")
                )));
            }
            1 => found.remove(0),
            _ => {
                return Err(Error::msg(format!(
                    "found multiple kustomization files in {}: keep only one",
                    loader.dir().display()
                )));
            }
        };
        let name = file
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("kustomization.yaml")
            .to_string();
        // Read through the loader so that a symlinked kustomization file obeys the restrictor.
        let (_, bytes) = loader.read_file(&name).map_err(|e| e.in_file(&file))?;
        let kust = parse_kustomization_with_vars(
            &bytes,
            &files::display_path(&file),
            loader.template_vars(),
        )?;
        Ok(Target {
            kust,
            loader,
            file: Arc::new(files::display_path(&file)),
        })
    }

    pub fn dir(&self) -> &Path {
        self.loader.dir()
    }

    pub fn is_component(&self) -> bool {
        self.kust.kind == "Component"
    }
}

/// Parses and checks a kustomization file's bytes, applying kustomize's fix-ups of
/// deprecated fields (`bases`, `imageTags`, `env`).
pub fn parse_kustomization(bytes: &[u8], file: &Path) -> Result<Kustomization> {
    parse_kustomization_with_vars(bytes, file, &crate::template::TemplateVars::default())
}

/// [`parse_kustomization`], rendering templated string values with `vars` first.
pub fn parse_kustomization_with_vars(
    bytes: &[u8],
    file: &Path,
    vars: &crate::template::TemplateVars,
) -> Result<Kustomization> {
    let text = crate::yaml::decode_utf8(bytes).map_err(|e| Error::from(e).in_file(file))?;
    let mut value =
        crate::yaml::parse::parse_one_with(text, true).map_err(|e| Error::from(e).in_file(file))?;
    crate::template::render_kustomization(&mut value, file, vars)?;
    let mut value = match value {
        crate::value::Value::Null => crate::value::Value::Object(Default::default()),
        v @ crate::value::Value::Object(_) => v,
        other => {
            return Err(Error::msg(format!(
                "a kustomization must be a mapping, found {}",
                crate::types::type_name(&other)
            ))
            .in_file(file));
        }
    };
    crate::types::fold_kustomization_keys(&mut value);
    if let Some(m) = value.as_object() {
        for key in m.keys() {
            if !KUSTOMIZATION_FIELDS.contains(&key.as_str()) {
                let mut e = Error::msg(format!("unknown kustomization field {key:?}"))
                    .in_file(file)
                    .at_field(key.clone());
                if let Some(s) = suggest(key, KUSTOMIZATION_FIELDS.iter().copied()) {
                    e = e.with_hint(format!("did you mean {s:?}?"));
                }
                return Err(e);
            }
        }
    }
    let mut k: Kustomization = serde_path_to_error::deserialize(serde_json::Value::from(value))
        .map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner().to_string();
            let msg = humanize_serde(&inner);
            Error::msg(msg).in_file(file).at_field(path)
        })?;
    // kustomize's FixKustomization.
    if k.kind.is_empty() {
        k.kind = "Kustomization".into();
    }
    match k.kind.as_str() {
        "Kustomization" | "Component" => {}
        other => {
            return Err(Error::msg(format!(
                "kind {other:?} is not a kustomization; expected Kustomization or Component"
            ))
            .in_file(file)
            .at_field("kind"));
        }
    }
    if k.api_version.is_empty() {
        k.api_version = if k.kind == "Component" {
            COMPONENT_API
        } else {
            KUSTOMIZE_API
        }
        .into();
    }
    if k.kind == "Component" && k.api_version != COMPONENT_API {
        return Err(Error::msg(format!(
            "apiVersion for Component should be {COMPONENT_API}, not {:?}",
            k.api_version
        ))
        .in_file(file)
        .at_field("apiVersion"));
    }
    if k.kind == "Kustomization" && k.api_version != KUSTOMIZE_API {
        return Err(Error::msg(format!(
            "apiVersion for Kustomization should be {KUSTOMIZE_API}, not {:?}",
            k.api_version
        ))
        .in_file(file)
        .at_field("apiVersion"));
    }
    let bases = std::mem::take(&mut k.bases);
    k.resources.extend(bases);
    let tags = std::mem::take(&mut k.image_tags);
    k.images.extend(tags);
    for g in k
        .config_map_generator
        .iter_mut()
        .chain(k.secret_generator.iter_mut())
    {
        if !g.env.is_empty() {
            let env = std::mem::take(&mut g.env);
            g.envs.push(env);
        }
    }
    if k.helm_charts.is_some()
        || k.helm_chart_inflation_generator.is_some()
        || k.helm_globals.is_some()
    {
        return Err(Error::msg(
            "helm charts are not supported: stackgen runs no external programs",
        )
        .in_file(file)
        .at_field("helmCharts")
        .with_hint("render the chart once (helm template) and commit the output as a resource"));
    }
    Ok(k)
}

/// Turns serde's messages into something a kustomization author can act on.
fn humanize_serde(msg: &str) -> String {
    msg.replace("invalid type: string", "found a string")
        .replace("invalid type: map", "found a mapping")
        .replace("invalid type: sequence", "found a list")
        .replace("invalid type: integer", "found a number")
        .replace("invalid type: boolean", "found a boolean")
        .replace("expected a sequence", "expected a list")
        .replace("expected a map", "expected a mapping")
}

/// Builds the kustomization in `dir`: the whole pipeline up to (not including) output.
pub fn build(dir: &Path, opts: &BuildOptions) -> Result<ResMap> {
    warm_up();
    let loader =
        Loader::new(dir, opts.load_restrictor)?.with_template_vars(opts.template_vars.clone());
    let target = Target::load(loader)?;
    openapi::set_from(&target, true)?;
    let mut stack = vec![target.clone()];
    let acc = accumulate_target(&target, Accumulator::default(), &mut stack)?;
    finish(&target, acc)
}

/// Builds the builtin tables every build needs (the merge keys of the Kubernetes types and
/// kustomize's default field specs, a few milliseconds of parsing) on the pool's other core
/// while this one reads the kustomization and its files: the pool is started here, and its
/// first thread builds the tables before it takes any step. Whoever needs a table first
/// waits for it; nothing is built twice.
fn warm_up() {
    // in the order a build needs them: field specs when the first kustomization's
    // configurations merge, merge keys at its first strategic-merge patch
    crate::par::start_with(|| {
        let _ = crate::transform::config::TransformerConfig::defaults();
        let _ = crate::patch::MergeSchema::builtin();
    });
}

/// The steps kustomize runs once, at the top level, after accumulation.
fn finish(target: &Target, mut acc: Accumulator) -> Result<ResMap> {
    time(Stage::References, || -> Result<()> {
        crate::generate::add_hashes(&mut acc.rm)?;
        crate::transform::fix_name_references(&mut acc)?;
        crate::transform::resolve_vars(&mut acc)?;
        crate::transform::drop_local_config(&mut acc.rm);
        Ok(())
    })?;
    time(Stage::Order, || {
        crate::transform::sort(&mut acc.rm, target.kust.sort_options.as_ref())
            .map_err(|e| e.in_file(target.file.as_path()))
    })?;
    crate::transform::build_metadata::finish(target, &mut acc.rm)?;
    Ok(acc.rm)
}

/// kustomize's `accumulateTarget`: `acc` is empty for a kustomization, or the parent's
/// accumulator for a component.
///
/// `stack` holds the kustomizations being built, outermost first, `target` last.
pub fn accumulate_target(
    target: &Target,
    mut acc: Accumulator,
    stack: &mut Vec<Target>,
) -> Result<Accumulator> {
    let mut parsed = time(Stage::Load, || parse_files_in_parallel(target));
    for (i, path) in target.kust.resources.iter().enumerate() {
        let done = match parsed.get_mut(i).and_then(Option::take) {
            Some(rm) => rm.and_then(|rm| acc.rm.append_all(rm)),
            None => accumulate_resource(target, &mut acc, path, stack),
        };
        done.map_err(|e| e.in_file(target.file.as_path()))?;
    }
    {
        let ancestors: Vec<&Target> = stack.iter().rev().skip(1).collect();
        time(Stage::Expand, || {
            crate::stack::expand_stacks(target, &mut acc, &ancestors)
        })?;
    }
    time(Stage::Transform, || -> Result<()> {
        crate::transform::merge_configurations(target, &mut acc)?;
        crate::generate::run_generators(target, &mut acc)
    })?;
    for path in &target.kust.components {
        acc = accumulate_directory(target, acc, path, true, stack)?;
    }
    time(Stage::Transform, || -> Result<()> {
        crate::transform::run_transformers(target, &mut acc)?;
        crate::transform::merge_vars(target, &mut acc)
    })?;
    Ok(acc)
}

/// Reads and parses the kustomization's resource files (not directories) on all cores,
/// returning for each `resources` entry its objects (`None` for directories and other
/// entries, which the sequential walk handles). Parsing has no side effects, so reading
/// ahead changes nothing but time: objects are still appended in `resources` order and the
/// first failing entry in that order is the one reported.
fn parse_files_in_parallel(target: &Target) -> Vec<Option<Result<ResMap>>> {
    let entries = &target.kust.resources;
    if entries.len() < crate::par::MIN_ITEMS {
        return entries.iter().map(|_| None).collect();
    }
    crate::par::map_ordered(entries, |p| {
        let path = target.loader.resolve_regular_file(p)?;
        Some(files::load_resolved(&target.loader, &path))
    })
    .into_iter()
    .map(Option::flatten)
    .collect()
}

fn accumulate_resource(
    target: &Target,
    acc: &mut Accumulator,
    path: &str,
    stack: &mut Vec<Target>,
) -> Result<()> {
    // A file, else a directory (kustomize's accumulateResources).
    let resolved = target.loader.resolve_file(path);
    match resolved {
        Ok(p) if p.is_file() => {
            let rm = time(Stage::Load, || files::load_resources(&target.loader, path))?;
            acc.rm.append_all(rm)
        }
        Ok(p) if p.is_dir() => {
            let taken = std::mem::take(acc);
            *acc = accumulate_directory(target, taken, path, false, stack)?;
            Ok(())
        }
        Ok(p) => Err(Error::msg(format!(
            "{path:?} ({}) is neither a file nor a directory",
            p.display()
        ))),
        Err(e) => {
            // Directories outside the kustomization are allowed (bases); files are not.
            match target.loader.child(path) {
                Ok(_) => {
                    let taken = std::mem::take(acc);
                    *acc = accumulate_directory(target, taken, path, false, stack)?;
                    Ok(())
                }
                Err(_) => Err(e.with_hint_if_missing(format!(
                    "resources entries are files or directories relative to {}",
                    target.dir().display()
                ))),
            }
        }
    }
}

fn accumulate_directory(
    target: &Target,
    acc: Accumulator,
    path: &str,
    is_component: bool,
    stack: &mut Vec<Target>,
) -> Result<Accumulator> {
    let loader = target
        .loader
        .child(path)
        .map_err(|e| e.in_file(target.file.as_path()))?;
    if let Some(pos) = stack.iter().position(|t| t.dir() == loader.dir()) {
        let mut cycle: Vec<String> = stack[pos..]
            .iter()
            .map(|t| files::display_path(t.dir()).display().to_string())
            .collect();
        cycle.push(files::display_path(loader.dir()).display().to_string());
        return Err(Error::msg(format!(
            "cycle between kustomizations: {}",
            cycle.join(" -> ")
        ))
        .in_file(target.file.as_path()));
    }
    let mut sub = Target::load(loader)?;
    openapi::set_from(&sub, false)?;
    // kustomize propagates buildMetadata down to bases.
    sub.kust.build_metadata = target.kust.build_metadata.clone();
    if is_component && !sub.is_component() {
        return Err(Error::msg(format!(
            "{path:?} is listed under components but its kind is {:?}, not Component",
            sub.kust.kind
        ))
        .in_file(target.file.as_path()));
    }
    if !is_component && sub.is_component() {
        return Err(Error::msg(format!(
            "{path:?} is a Component: list it under `components:`, not `resources:`"
        ))
        .in_file(target.file.as_path()));
    }
    stack.push(sub.clone());
    let result = if is_component {
        // A component works on the parent's accumulator.
        accumulate_target(&sub, acc, stack)
    } else {
        let sub_acc = accumulate_target(&sub, Accumulator::default(), stack)?;
        let mut acc = acc;
        acc.merge(sub_acc).map(|_| acc)
    };
    stack.pop();
    result
}

trait HintIfMissing {
    fn with_hint_if_missing(self, hint: String) -> Self;
}

impl HintIfMissing for Error {
    fn with_hint_if_missing(self, hint: String) -> Self {
        if self.hint.is_some() {
            self
        } else {
            self.with_hint(hint)
        }
    }
}
