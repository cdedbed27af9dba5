//! The `transformers:` field: builtin transformer configs (`apiVersion: builtin`), inline
//! YAML, files, or kustomization directories whose output is configs. kubectl's kustomize
//! runs builtin plugins only, and so do we: any other config (an exec, container or
//! starlark KRM function, a Go plugin) is refused with an error naming its file and kind,
//! and `validators:` (always external programs in practice) are refused too.
//!
//! As in kustomize v5.6 (`configureExternalTransformers`, `LoadTransformers`):
//! - inline entries are read first, then the file and directory entries, in order; all
//!   configs must have distinct ids;
//! - every config is checked before any runs, and they run after the builtin transformers
//!   configured by the kustomization's own fields;
//! - a config's field specs come from the config alone (no defaults), and the files it
//!   names (`path`, `paths`, `targetFilePath`) are relative to the kustomization that lists
//!   it;
//! - `SortOrderTransformer` is not loadable this way (kustomize fails with "unable to load
//!   builtin"), and generators are not transformers.
use std::path::PathBuf;
use std::sync::Arc;

use crate::value::Value;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::images::ImageTagTransformer;
use super::labels::{AnnotationsTransformer, LabelTransformer};
use super::namespace::{NamespaceConfig, NamespaceTransformer, SubjectMode};
use super::prefix_suffix::PrefixSuffixTransformer;
use super::replicas::ReplicaCountTransformer;
use crate::build::{Accumulator, Target, files};
use crate::error::{Error, Result};
use crate::resmap::ResMap;
use crate::resource::Resource;
use crate::select::Matcher;
use crate::types::{FieldSpec, Patch, ReplacementField, Selector};

const FUNCTION_ANNOTATION: &str = "config.kubernetes.io/function";

/// A configured builtin transformer.
enum Plugin {
    Annotations(AnnotationsTransformer),
    Labels(LabelTransformer),
    Hash,
    Images(ImageTagTransformer),
    Namespace(NamespaceTransformer),
    /// A synthetic kustomization holding the patch or replacement fields, run by the same
    /// code as the kustomization's own fields.
    Fields(Box<Target>, FieldsKind),
    Prefix(PrefixSuffixTransformer),
    Suffix(PrefixSuffixTransformer),
    PrefixSuffix(PrefixSuffixTransformer),
    Replicas(ReplicaCountTransformer),
    ValueAdd(ValueAdd),
}

#[derive(Clone, Copy)]
enum FieldsKind {
    PatchStrategicMerge,
    Patch,
    PatchJson6902,
    Replacement,
}

/// One transformer ready to run, with what messages name it by.
struct Configured {
    plugin: Plugin,
    kind: &'static str,
    file: Arc<PathBuf>,
    label: String,
    /// The config's name and namespace (for `buildMetadata: [transformerAnnotations]`).
    config_id: Arc<(String, String)>,
}

/// Runs the `transformers:` of `target` (after the builtin transformers), and refuses
/// `validators:`.
pub fn run(target: &Target, acc: &mut Accumulator) -> Result<()> {
    let k = &target.kust;
    if !k.transformers.is_empty() {
        let configs = load_configs(target, &k.transformers, "transformers")?;
        let mut plugins = Vec::with_capacity(configs.len());
        for cfg in &configs {
            plugins.push(configure(target, cfg)?);
        }
        let track = !k.build_metadata.is_empty();
        for c in plugins {
            apply(&c, acc).map_err(|e| {
                e.in_file(c.file.as_path())
                    .with_context_hint(&c.label, c.kind)
            })?;
            if track {
                for r in acc.rm.iter_mut() {
                    r.transformations
                        .push((c.file.clone(), c.kind, Some(c.config_id.clone())));
                }
            }
        }
    }
    if !k.validators.is_empty() {
        // Read them anyway so that the message can name the validator.
        let configs = load_configs(target, &k.validators, "validators")?;
        let what = configs
            .first()
            .map(|c| {
                format!(
                    "{} {} ({})",
                    c.api_version(),
                    c.kind(),
                    c.origin.file.display()
                )
            })
            .unwrap_or_else(|| k.validators.join(", "));
        return Err(Error::msg(format!(
            "validators are not supported: {what} would run as an external program, and stackgen runs no external code"
        ))
        .in_file(target.file.as_path())
        .at_field("validators")
        .with_hint("remove `validators:`; run the check separately on stackgen's output"));
    }
    Ok(())
}

trait ContextHint {
    fn with_context_hint(self, label: &str, kind: &str) -> Self;
}

impl ContextHint for Error {
    fn with_context_hint(self, label: &str, kind: &str) -> Self {
        let mut e = self;
        if e.field.is_none() {
            e = e.at_field(format!("{kind} {label}"));
        }
        e
    }
}

/// kustomize's `configureExternalTransformers`: inline configs first, then the configs in
/// the files and directories, in order.
fn load_configs(target: &Target, entries: &[String], field: &str) -> Result<Vec<Resource>> {
    let mut rm = ResMap::new();
    let mut paths = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        match files::resources_from_bytes(entry.as_bytes(), target.file.clone()) {
            Ok(inline) => rm.append_all(inline).map_err(|e| {
                e.in_file(target.file.as_path())
                    .at_field(format!("{field}[{i}]"))
            })?,
            _ => paths.push((i, entry)),
        }
    }
    for (i, entry) in paths {
        let at = |e: Error| {
            e.in_file(target.file.as_path())
                .at_field(format!("{field}[{i}]"))
        };
        let more = load_entry(target, entry).map_err(at)?;
        rm.append_all(more).map_err(at)?;
    }
    Ok(rm.into_vec())
}

thread_local! {
    /// Directories being built for their configs, outermost first.
    static LOADING: std::cell::RefCell<Vec<PathBuf>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// A file of configs, else a kustomization directory built for its configs.
fn load_entry(target: &Target, entry: &str) -> Result<ResMap> {
    match target.loader.resolve_file(entry) {
        Ok(p) if p.is_file() => files::load_resources(&target.loader, entry),
        resolved => {
            let loader = match target.loader.child(entry) {
                Ok(l) => l,
                Err(e) => {
                    return Err(match resolved {
                        Err(fe) => fe,
                        Ok(_) => e,
                    }
                    .with_hint(
                        "entries are inline YAML, or files or kustomization directories relative to the kustomization",
                    ));
                }
            };
            build_config_directory(target, loader)
        }
    }
}

/// Builds the kustomization directory of `loader` for the objects it makes (generator or
/// transformer configs). A directory met again while its configs are being built is a
/// cycle (the build stack does not reach across these builds).
pub(crate) fn build_config_directory(
    target: &Target,
    loader: crate::loader::Loader,
) -> Result<ResMap> {
    let dir = loader.dir().to_path_buf();
    let cycle = LOADING.with(|l| {
        let mut l = l.borrow_mut();
        if l.contains(&dir) {
            let mut chain: Vec<String> = l.iter().map(|p| p.display().to_string()).collect();
            chain.push(dir.display().to_string());
            Some(chain.join(" -> "))
        } else {
            l.push(dir.clone());
            None
        }
    });
    if let Some(chain) = cycle {
        return Err(Error::msg(format!(
            "cycle between directories of generator or transformer configs: {chain}"
        )));
    }
    let built = (|| {
        let sub = Target::load(loader)?;
        let mut stack = vec![target.clone(), sub.clone()];
        crate::build::accumulate_target(&sub, Accumulator::default(), &mut stack)
    })();
    LOADING.with(|l| l.borrow_mut().pop());
    Ok(built?.rm)
}

fn function_kind(cfg: &Resource) -> Option<&'static str> {
    let spec = cfg.annotation(FUNCTION_ANNOTATION)?;
    let v = crate::yaml::parse_one(spec).ok();
    let has = |k: &str| v.as_ref().and_then(|v| v.get(k)).is_some();
    Some(if has("exec") {
        "an exec KRM function"
    } else if has("container") {
        "a container KRM function"
    } else if has("starlark") {
        "a starlark KRM function"
    } else {
        "a KRM function"
    })
}

fn decode<T: DeserializeOwned>(cfg: &Resource) -> Result<T> {
    serde_path_to_error::deserialize(serde_json::Value::from(&cfg.body)).map_err(|e| {
        let path = e.path().to_string();
        Error::msg(e.into_inner().to_string()).at_field(path)
    })
}

/// Checks that `cfg` is a builtin transformer and configures it (kustomize's
/// `loadAndConfigurePlugin`).
fn configure(target: &Target, cfg: &Resource) -> Result<Configured> {
    let gvk = cfg.gvk();
    let file = cfg.origin.file.clone();
    let label = cfg.name().to_string();
    let fail = |e: Error| {
        e.in_file(file.as_path())
            .at_field(format!("{} {}", gvk.kind, label))
    };
    if !(gvk.group.is_empty() && gvk.version == "builtin") {
        let what = match function_kind(cfg) {
            Some(f) => format!(
                "{} {} {label:?} is {f} (annotation {FUNCTION_ANNOTATION})",
                cfg.api_version(),
                gvk.kind
            ),
            None => format!(
                "{} {} {label:?} is an external plugin (exec or Go)",
                cfg.api_version(),
                gvk.kind
            ),
        };
        return Err(Error::msg(format!(
            "transformer {what}: only builtin transformers (apiVersion: builtin) can run"
        ))
        .in_file(file.as_path())
        .with_hint(
            "stackgen, like kubectl kustomize, runs no exec, container, starlark or Go plugins",
        ));
    }
    let (kind, plugin): (&'static str, Plugin) = match gvk.kind.as_str() {
        "AnnotationsTransformer" => (
            "AnnotationsTransformer",
            Plugin::Annotations(decode(cfg).map_err(fail)?),
        ),
        "LabelTransformer" => (
            "LabelTransformer",
            Plugin::Labels(decode(cfg).map_err(fail)?),
        ),
        "HashTransformer" => ("HashTransformer", Plugin::Hash),
        "ImageTagTransformer" => (
            "ImageTagTransformer",
            Plugin::Images(decode(cfg).map_err(fail)?),
        ),
        "NamespaceTransformer" => {
            let c: NamespaceConfig = decode(cfg).map_err(fail)?;
            (
                "NamespaceTransformer",
                Plugin::Namespace(NamespaceTransformer::from_config(c).map_err(fail)?),
            )
        }
        "PrefixSuffixTransformer" | "PrefixTransformer" | "SuffixTransformer" => {
            if !matches!(cfg.body.get("fieldSpecs"), Some(Value::Array(_))) {
                return Err(fail(
                    Error::msg(format!("{} needs fieldSpecs", gvk.kind)).with_hint(
                        "list where the prefix or suffix goes, e.g. `fieldSpecs: [{path: metadata/name}]`",
                    ),
                ));
            }
            let mut t: PrefixSuffixTransformer = decode(cfg).map_err(fail)?;
            match gvk.kind.as_str() {
                "PrefixTransformer" => {
                    t.suffix.clear();
                    ("PrefixTransformer", Plugin::Prefix(t))
                }
                "SuffixTransformer" => {
                    t.prefix.clear();
                    ("SuffixTransformer", Plugin::Suffix(t))
                }
                _ => ("PrefixSuffixTransformer", Plugin::PrefixSuffix(t)),
            }
        }
        "ReplicaCountTransformer" => (
            "ReplicaCountTransformer",
            Plugin::Replicas(decode(cfg).map_err(fail)?),
        ),
        "PatchStrategicMergeTransformer" => {
            let c: PsmConfig = decode(cfg).map_err(fail)?;
            let mut entries = c.paths;
            if !c.patches.is_empty() {
                entries.push(c.patches);
            }
            if entries.is_empty() {
                return Err(fail(Error::msg(
                    "PatchStrategicMergeTransformer needs `paths` or `patches`",
                )));
            }
            let mut t = synthetic(target, &file);
            t.kust.patches_strategic_merge = entries;
            (
                "PatchStrategicMergeTransformer",
                Plugin::Fields(Box::new(t), FieldsKind::PatchStrategicMerge),
            )
        }
        "PatchTransformer" => {
            let c: PatchConfig = decode(cfg).map_err(fail)?;
            let mut t = synthetic(target, &file);
            t.kust.patches = vec![Patch {
                path: c.path,
                patch: c.patch,
                target: c.target,
                options: c.options,
            }];
            (
                "PatchTransformer",
                Plugin::Fields(Box::new(t), FieldsKind::Patch),
            )
        }
        "PatchJson6902Transformer" => {
            let c: Json6902Config = decode(cfg).map_err(fail)?;
            let mut t = synthetic(target, &file);
            t.kust.patches_json6902 = vec![Patch {
                path: c.path,
                patch: c.json_op,
                target: Some(c.target.unwrap_or_default()),
                options: Default::default(),
            }];
            (
                "PatchJson6902Transformer",
                Plugin::Fields(Box::new(t), FieldsKind::PatchJson6902),
            )
        }
        "ReplacementTransformer" => {
            let c: ReplacementConfig = decode(cfg).map_err(fail)?;
            let mut t = synthetic(target, &file);
            t.kust.replacements = c.replacements;
            (
                "ReplacementTransformer",
                Plugin::Fields(Box::new(t), FieldsKind::Replacement),
            )
        }
        "ValueAddTransformer" => (
            "ValueAddTransformer",
            Plugin::ValueAdd(ValueAdd::configure(target, cfg).map_err(fail)?),
        ),
        "ConfigMapGenerator" | "SecretGenerator" | "IAMPolicyGenerator" => {
            return Err(fail(
                Error::msg(format!("{} is a generator, not a transformer", gvk.kind))
                    .with_hint("list generator configs under `generators:`"),
            ));
        }
        "HelmChartInflationGenerator" => {
            return Err(fail(Error::msg(
                "helm charts are not supported: stackgen runs no external programs",
            )));
        }
        "SortOrderTransformer" => {
            return Err(fail(
                Error::msg("SortOrderTransformer cannot be loaded from `transformers:` (kustomize cannot load it either)")
                    .with_hint("set the output order with the kustomization's `sortOptions:` field"),
            ));
        }
        other => {
            return Err(fail(
                Error::msg(format!("{other:?} is not a builtin transformer"))
                    .with_hint(format!("builtin transformers are {}", BUILTINS.join(", "))),
            ));
        }
    };
    let config_id = Arc::new((label.clone(), cfg.namespace().to_string()));
    Ok(Configured {
        plugin,
        kind,
        file,
        label,
        config_id,
    })
}

const BUILTINS: &[&str] = &[
    "AnnotationsTransformer",
    "HashTransformer",
    "ImageTagTransformer",
    "LabelTransformer",
    "NamespaceTransformer",
    "PatchJson6902Transformer",
    "PatchStrategicMergeTransformer",
    "PatchTransformer",
    "PrefixSuffixTransformer",
    "PrefixTransformer",
    "SuffixTransformer",
    "ReplacementTransformer",
    "ReplicaCountTransformer",
    "ValueAddTransformer",
];

/// A kustomization with no fields but the ones a config sets, reading files relative to
/// `target` and naming `file` in messages.
fn synthetic(target: &Target, file: &Arc<PathBuf>) -> Target {
    Target {
        kust: crate::types::Kustomization::default(),
        loader: target.loader.clone(),
        file: file.clone(),
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PsmConfig {
    #[serde(default, deserialize_with = "de_str_vec")]
    paths: Vec<String>,
    #[serde(default, deserialize_with = "super::config::de_string")]
    patches: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PatchConfig {
    #[serde(default, deserialize_with = "super::config::de_string")]
    path: String,
    #[serde(default, deserialize_with = "super::config::de_string")]
    patch: String,
    #[serde(default)]
    target: Option<Selector>,
    #[serde(default)]
    options: indexmap::IndexMap<String, bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Json6902Config {
    #[serde(default)]
    target: Option<Selector>,
    #[serde(default, deserialize_with = "super::config::de_string")]
    path: String,
    #[serde(default, deserialize_with = "super::config::de_string")]
    json_op: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReplacementConfig {
    #[serde(default, deserialize_with = "super::de_vec")]
    replacements: Vec<ReplacementField>,
}

fn de_str_vec<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<Vec<String>, D::Error> {
    let v: Option<Vec<crate::types::StrLike>> = Option::deserialize(d)?;
    Ok(v.unwrap_or_default().into_iter().map(|s| s.0).collect())
}

fn apply(c: &Configured, acc: &mut Accumulator) -> Result<()> {
    match &c.plugin {
        Plugin::Annotations(t) => t.apply(&mut acc.rm),
        Plugin::Labels(t) => t.apply(&mut acc.rm),
        Plugin::Hash => crate::generate::add_hashes(&mut acc.rm),
        Plugin::Images(t) => t.apply(&mut acc.rm),
        Plugin::Namespace(t) => t.apply(&mut acc.rm),
        Plugin::Prefix(t) => t.apply_prefix(&mut acc.rm),
        Plugin::Suffix(t) => t.apply_suffix(&mut acc.rm),
        Plugin::PrefixSuffix(t) => t.apply(&mut acc.rm),
        Plugin::Replicas(t) => t.apply(&mut acc.rm),
        Plugin::ValueAdd(t) => t.apply(&mut acc.rm),
        Plugin::Fields(t, kind) => match kind {
            FieldsKind::PatchStrategicMerge => {
                super::patches::apply_patches_strategic_merge(t, acc)
            }
            FieldsKind::Patch => super::patches::apply_patches(t, acc),
            FieldsKind::PatchJson6902 => super::patches::apply_patches_json6902(t, acc),
            FieldsKind::Replacement => super::replacements::apply_replacements(t, acc),
        },
    }
}

/// kustomize's ValueAddTransformer: writes a value (by default the kustomization
/// directory's name) into a field of the selected objects, or inserts it into a
/// slash-separated path held by that field.
struct ValueAdd {
    value: String,
    targets: Vec<ValueAddTarget>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ValueAddTarget {
    #[serde(default)]
    selector: Option<Selector>,
    #[serde(default, deserialize_with = "super::config::de_string")]
    field_path: String,
    #[serde(default)]
    file_path_position: i64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ValueAddConfig {
    #[serde(default, deserialize_with = "super::config::de_string")]
    value: String,
    #[serde(default, deserialize_with = "super::de_vec")]
    targets: Vec<ValueAddTarget>,
    #[serde(default, deserialize_with = "super::config::de_string")]
    target_file_path: String,
}

#[derive(Deserialize)]
struct ValueAddTargetsFile {
    #[serde(default, deserialize_with = "super::de_vec")]
    targets: Vec<ValueAddTarget>,
}

impl ValueAdd {
    fn configure(target: &Target, cfg: &Resource) -> Result<ValueAdd> {
        let c: ValueAddConfig = decode(cfg)?;
        let mut value = c.value.trim().to_string();
        if value.is_empty() {
            value = target
                .dir()
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
        }
        let mut targets = c.targets;
        if !c.target_file_path.is_empty() {
            let (path, bytes) = target
                .loader
                .read_file(&c.target_file_path)
                .map_err(|e| e.at_field("targetFilePath"))?;
            let shown = files::display_path(&path);
            let text =
                crate::yaml::decode_utf8(&bytes).map_err(|e| Error::from(e).in_file(&shown))?;
            let v = crate::yaml::parse_one(text).map_err(|e| Error::from(e).in_file(&shown))?;
            let more: ValueAddTargetsFile = if v.is_null() {
                ValueAddTargetsFile {
                    targets: Vec::new(),
                }
            } else {
                serde_path_to_error::deserialize(serde_json::Value::from(v)).map_err(|e| {
                    let p = e.path().to_string();
                    Error::msg(e.into_inner().to_string())
                        .in_file(&shown)
                        .at_field(p)
                })?
            };
            targets.extend(more.targets);
        }
        if targets.is_empty() {
            return Err(Error::msg("ValueAddTransformer needs at least one target"));
        }
        for t in &targets {
            if t.field_path.is_empty() {
                return Err(Error::msg("a ValueAddTransformer target needs fieldPath"));
            }
            if t.file_path_position < 0 {
                return Err(Error::msg(format!(
                    "filePathPosition ({}) cannot be negative",
                    t.file_path_position
                )));
            }
            if let Some(sel) = &t.selector {
                Matcher::new(sel)?;
            }
        }
        Ok(ValueAdd { value, targets })
    }

    fn apply(&self, rm: &mut ResMap) -> Result<()> {
        for t in &self.targets {
            let picked: Vec<usize> = match &t.selector {
                None => (0..rm.len()).collect(),
                Some(sel) => {
                    let m = Matcher::new(sel)?;
                    rm.iter()
                        .enumerate()
                        .filter(|(_, r)| m.matches(r))
                        .map(|(i, _)| i)
                        .collect()
                }
            };
            if t.field_path == "metadata/namespace" {
                self.set_namespace(rm, &picked)?;
                continue;
            }
            let fields = split_escaped(&t.field_path);
            for &i in &picked {
                let Some(r) = rm.get_mut(i) else { continue };
                let shown = r.id();
                let pos = usize::try_from(t.file_path_position).unwrap_or(0);
                add_value(&mut r.body, &fields, &self.value, pos)
                    .map_err(|e| e.for_resource(&shown).at_field(t.field_path.clone()))?;
            }
        }
        Ok(())
    }

    /// kustomize's namespace filter with nothing but the namespace (no field specs, no id
    /// bookkeeping).
    fn set_namespace(&self, rm: &mut ResMap, picked: &[usize]) -> Result<()> {
        let subset: Vec<Resource> = picked.iter().filter_map(|&i| rm.get(i).cloned()).collect();
        let mut sub = ResMap::from_vec(subset);
        NamespaceTransformer {
            namespace: self.value.clone(),
            field_specs: Vec::<FieldSpec>::new(),
            unset_only: false,
            subjects: SubjectMode::DefaultOnly,
        }
        .apply(&mut sub)?;
        for (&i, mut r) in picked.iter().zip(sub.into_vec()) {
            if let Some(slot) = rm.get_mut(i) {
                r.prev_ids = std::mem::take(&mut slot.prev_ids);
                *slot = r;
            }
        }
        Ok(())
    }
}

/// Splits a `/`-separated path where `\/` is a slash inside a field name.
fn split_escaped(path: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for part in path.split('/') {
        match out.last_mut() {
            Some(last) if last.ends_with('\\') => {
                last.pop();
                last.push('/');
                last.push_str(part);
            }
            _ => out.push(part.to_string()),
        }
    }
    out
}

/// Finds or creates the scalar at `fields` and writes `value` there (inserted into the
/// existing path at `pos - 1` when `pos > 0`).
fn add_value(body: &mut Value, fields: &[String], value: &str, pos: usize) -> Result<()> {
    let mut node = body;
    for (i, f) in fields.iter().enumerate() {
        let last = i + 1 == fields.len();
        if node.is_null() {
            *node = Value::Object(Default::default());
        }
        let Value::Object(m) = node else {
            return Err(Error::msg(format!(
                "cannot find or create field {f:?}: its parent is {}",
                crate::types::type_name(node)
            )));
        };
        let child = m.entry(f.clone()).or_insert_with(|| {
            if last {
                Value::String(String::new())
            } else {
                Value::Object(Default::default())
            }
        });
        node = child;
    }
    let old = match node {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => String::new(),
        other => {
            return Err(Error::msg(format!(
                "the field must be a scalar, found {}",
                crate::types::type_name(other)
            )));
        }
    };
    let new = if pos > 0 {
        insert_path_part(&old, pos - 1, value)
    } else {
        value.to_string()
    };
    *node = Value::String(new);
    Ok(())
}

/// kustomize's `filesys.InsertPathPart`: `part` becomes element `pos` of the path (counted
/// without a leading slash), joined and cleaned like Go's `filepath.Join`.
fn insert_path_part(path: &str, pos: usize, part: &str) -> String {
    if part.is_empty() {
        return path.to_string();
    }
    let mut parts: Vec<&str> = match path {
        "" => Vec::new(),
        "/" => vec![""],
        p => p.split('/').collect(),
    };
    let mut pos = pos.min(parts.len());
    if parts.first() == Some(&"") && pos < parts.len() {
        pos += 1;
    }
    parts.insert(pos, part);
    match parts.split_first() {
        Some((&"", rest)) => format!("/{}", join(rest)),
        _ => join(&parts),
    }
}

/// Go's `filepath.Join`: empty elements dropped, the result cleaned.
fn join(parts: &[&str]) -> String {
    let kept: Vec<&str> = parts.iter().copied().filter(|p| !p.is_empty()).collect();
    if kept.is_empty() {
        return String::new();
    }
    clean(&kept.join("/"))
}

/// Go's `path.Clean` for a relative path.
fn clean(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for p in path.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                if matches!(out.last(), Some(l) if *l != "..") {
                    out.pop();
                } else {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    if out.is_empty() {
        ".".to_string()
    } else {
        out.join("/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inserts_path_parts_like_kustomize() {
        assert_eq!(insert_path_part("", 3, "PEACH"), "PEACH");
        assert_eq!(insert_path_part("/", 0, "PEACH"), "/PEACH");
        assert_eq!(insert_path_part("pie", 0, "PEACH"), "PEACH/pie");
        assert_eq!(insert_path_part("/pie", 0, "PEACH"), "/PEACH/pie");
        assert_eq!(
            insert_path_part("a/nice/warm/pie", 2, "PEACH"),
            "a/nice/PEACH/warm/pie"
        );
        assert_eq!(insert_path_part("projects", 1, "dog"), "projects/dog");
        assert_eq!(insert_path_part("a/b", 99, "c"), "a/b/c");
    }
}
