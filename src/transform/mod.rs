//! Builtin transformers, one module each, run in kustomize's fixed order.
//!
//! Each transformer is a struct that deserializes from kustomize's builtin plugin config
//! (`kind: NamespaceTransformer`, `LabelTransformer`, ...) and has `apply(&self, &mut ResMap)`;
//! [`run_transformers`] configures them from a kustomization's fields and the accumulated
//! field specs, exactly as kustomize's `configureBuiltinTransformers` does.
pub mod build_metadata;
pub mod config;
pub mod crds;
pub mod fieldspec;
pub mod images;
pub mod labels;
pub mod nameref;
pub mod namespace;
pub mod patches;
pub mod plugins;
pub mod prefix_suffix;
pub mod refs;
pub mod replacements;
pub mod replicas;
mod sort;
pub mod vars;

use indexmap::IndexMap;
use serde::{Deserialize, Deserializer};

use crate::build::{Accumulator, Target};
use crate::error::{Error, Result};
use crate::resmap::ResMap;
use crate::types::{FieldSpec, SortOptions, Var};

use config::TransformerConfig;
use images::ImageTagTransformer;
use labels::{AnnotationsTransformer, LabelTransformer};
use namespace::{NamespaceTransformer, SubjectMode};
use prefix_suffix::PrefixSuffixTransformer;
use replicas::ReplicaCountTransformer;

pub(crate) fn de_vec<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> std::result::Result<Vec<T>, D::Error> {
    let v: Option<Vec<T>> = Option::deserialize(d)?;
    Ok(v.unwrap_or_default())
}

pub(crate) fn de_str_map<'de, D: Deserializer<'de>>(
    d: D,
) -> std::result::Result<IndexMap<String, String>, D::Error> {
    let m: Option<IndexMap<String, crate::types::StrLike>> = Option::deserialize(d)?;
    Ok(m.unwrap_or_default()
        .into_iter()
        .map(|(k, v)| (k, v.0))
        .collect())
}

/// Merges `configurations:` and `crds:` of `target` into the accumulator's field specs
/// (the defaults come along with the configurations, as in kustomize).
pub fn merge_configurations(target: &Target, acc: &mut Accumulator) -> Result<()> {
    let tc = TransformerConfig::for_target(target)?;
    acc.tc
        .merge(tc)
        .map_err(|e| e.in_file(target.file.as_path()))?;
    if !target.kust.crds.is_empty() {
        let crd_tc = crds::load(target)?;
        acc.tc
            .merge(crd_tc)
            .map_err(|e| e.in_file(target.file.as_path()).at_field("crds"))?;
    }
    Ok(())
}

/// Runs the builtin transformers in kustomize's order, then `transformers:`.
pub fn run_transformers(target: &Target, acc: &mut Accumulator) -> Result<()> {
    let file = target.file.as_path();
    let at = |field: &'static str| move |e: Error| e.in_file(file).at_field(field);
    let k = &target.kust;
    let track = !k.build_metadata.is_empty();
    let note = |acc: &mut Accumulator, kind: &'static str, times: usize| {
        if track {
            for r in acc.rm.iter_mut() {
                for _ in 0..times {
                    r.transformations.push((target.file.clone(), kind, None));
                }
            }
        }
    };
    patches::apply_patches_strategic_merge(target, acc)?;
    note(
        acc,
        "PatchStrategicMergeTransformer",
        usize::from(!k.patches_strategic_merge.is_empty()),
    );
    patches::apply_patches(target, acc)?;
    note(acc, "PatchTransformer", k.patches.len());
    let tc = acc.tc.clone();
    if !k.namespace.is_empty() {
        NamespaceTransformer {
            namespace: k.namespace.clone(),
            field_specs: tc.name_space.clone(),
            unset_only: false,
            subjects: SubjectMode::DefaultOnly,
        }
        .apply(&mut acc.rm)
        .map_err(at("namespace"))?;
        note(acc, "NamespaceTransformer", 1);
    }
    if !k.name_prefix.is_empty() {
        PrefixSuffixTransformer {
            prefix: k.name_prefix.clone(),
            suffix: String::new(),
            field_specs: tc.name_prefix.clone(),
        }
        .apply_prefix(&mut acc.rm)
        .map_err(at("namePrefix"))?;
        note(acc, "PrefixTransformer", 1);
    }
    if !k.name_suffix.is_empty() {
        PrefixSuffixTransformer {
            prefix: String::new(),
            suffix: k.name_suffix.clone(),
            field_specs: tc.name_suffix.clone(),
        }
        .apply_suffix(&mut acc.rm)
        .map_err(at("nameSuffix"))?;
        note(acc, "SuffixTransformer", 1);
    }
    if !k.labels.is_empty() || !k.common_labels.is_empty() {
        for label in &k.labels {
            let mut fss: Vec<FieldSpec> = label.field_specs.clone();
            let merged = (|| -> Result<()> {
                config::merge_all(&mut fss, tc.labels.iter().cloned())?;
                if label.include_selectors {
                    config::merge_all(&mut fss, tc.common_labels.iter().cloned())?;
                } else {
                    if label.include_templates {
                        config::merge_all(&mut fss, tc.template_labels.iter().cloned())?;
                    }
                    config::merge_one(
                        &mut fss,
                        FieldSpec {
                            path: "metadata/labels".into(),
                            create: true,
                            ..Default::default()
                        },
                    )?;
                }
                Ok(())
            })();
            merged.map_err(at("labels"))?;
            LabelTransformer {
                labels: label.pairs.clone(),
                field_specs: fss,
            }
            .apply(&mut acc.rm)
            .map_err(at("labels"))?;
            note(acc, "LabelTransformer", 1);
        }
        LabelTransformer {
            labels: k.common_labels.clone(),
            field_specs: tc.common_labels.clone(),
        }
        .apply(&mut acc.rm)
        .map_err(at("commonLabels"))?;
        note(acc, "LabelTransformer", 1);
    }
    if !k.common_annotations.is_empty() {
        AnnotationsTransformer {
            annotations: k.common_annotations.clone(),
            field_specs: tc.common_annotations.clone(),
        }
        .apply(&mut acc.rm)
        .map_err(at("commonAnnotations"))?;
        note(acc, "AnnotationsTransformer", 1);
    }
    patches::apply_patches_json6902(target, acc)?;
    note(acc, "PatchJson6902Transformer", k.patches_json6902.len());
    for r in &k.replicas {
        ReplicaCountTransformer {
            replica: r.clone(),
            field_specs: tc.replicas.clone(),
        }
        .apply(&mut acc.rm)
        .map_err(at("replicas"))?;
        note(acc, "ReplicaCountTransformer", 1);
    }
    for image in &k.images {
        ImageTagTransformer {
            image_tag: image.clone(),
            field_specs: tc.images.clone(),
        }
        .apply(&mut acc.rm)
        .map_err(at("images"))?;
        note(acc, "ImageTagTransformer", 1);
    }
    replacements::apply_replacements(target, acc)?;
    note(
        acc,
        "ReplacementTransformer",
        usize::from(!k.replacements.is_empty()),
    );
    run_configured_transformers(target, acc)
}

/// The `transformers:` field (builtin transformer configs); `validators:` are refused.
pub fn run_configured_transformers(target: &Target, acc: &mut Accumulator) -> Result<()> {
    plugins::run(target, acc)
}

/// Adds `target`'s vars to the accumulator, tying each to the object its objref names.
pub fn merge_vars(target: &Target, acc: &mut Accumulator) -> Result<()> {
    vars::merge_vars(acc, &target.kust.vars)
        .map_err(|e| e.in_file(target.file.as_path()).at_field("vars"))
}

/// Merges var lists; the same var name twice is an error.
pub fn merge_var_lists(into: &mut Vec<Var>, more: Vec<Var>) -> Result<()> {
    vars::merge_var_lists(into, more)
}

/// Updates every field that refers to an object that was renamed.
pub fn fix_name_references(acc: &mut Accumulator) -> Result<()> {
    nameref::fix(&mut acc.rm, &acc.tc)
}

/// Replaces `$(VAR)` references in the `varReference` fields.
pub fn resolve_vars(acc: &mut Accumulator) -> Result<()> {
    vars::resolve_vars(acc)
}

/// Drops objects annotated `config.kubernetes.io/local-config: "true"`.
pub fn drop_local_config(rm: &mut ResMap) {
    rm.retain(|r| r.annotation("config.kubernetes.io/local-config") != Some("true"));
}

/// Orders the output (legacy kind order by default, or `fifo`).
pub fn sort(rm: &mut ResMap, opts: Option<&SortOptions>) -> Result<()> {
    sort::sort(rm, opts)
}
