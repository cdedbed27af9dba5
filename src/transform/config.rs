//! Field specs telling each builtin transformer where to act (kustomize's `builtinconfig`).
//!
//! The default tables live in `defaults.yaml` (kustomize v5.6's builtin field specs, as data).
//! Merging follows kustomize's rules: a spec that is "effectively equal" to one already held
//! (same path, the held spec selected by the incoming one's gvk) is dropped, unless the two
//! disagree on `create`, which is an error. After a merge every list is ordered by gvk.
use std::sync::OnceLock;

use serde::Deserialize;

use crate::build::Target;
use crate::error::{Error, Result};
use crate::resource::Gvk;
use crate::types::FieldSpec;

/// Where the builtin transformers act, per transformer.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TransformerConfig {
    #[serde(default, deserialize_with = "de_vec")]
    pub name_prefix: Vec<FieldSpec>,
    #[serde(default, deserialize_with = "de_vec")]
    pub name_suffix: Vec<FieldSpec>,
    #[serde(default, rename = "namespace", deserialize_with = "de_vec")]
    pub name_space: Vec<FieldSpec>,
    #[serde(default, deserialize_with = "de_vec")]
    pub common_labels: Vec<FieldSpec>,
    #[serde(default, deserialize_with = "de_vec")]
    pub labels: Vec<FieldSpec>,
    #[serde(default, deserialize_with = "de_vec")]
    pub template_labels: Vec<FieldSpec>,
    #[serde(default, deserialize_with = "de_vec")]
    pub common_annotations: Vec<FieldSpec>,
    #[serde(default, deserialize_with = "de_vec")]
    pub name_reference: Vec<NameBackReferences>,
    #[serde(default, deserialize_with = "de_vec")]
    pub var_reference: Vec<FieldSpec>,
    #[serde(default, deserialize_with = "de_vec")]
    pub images: Vec<FieldSpec>,
    #[serde(default, deserialize_with = "de_vec")]
    pub replicas: Vec<FieldSpec>,
}

/// Which fields (`fieldSpecs`) refer by name to objects of one gvk.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct NameBackReferences {
    #[serde(default, deserialize_with = "crate::transform::config::de_string")]
    pub group: String,
    #[serde(default, deserialize_with = "crate::transform::config::de_string")]
    pub version: String,
    #[serde(default, deserialize_with = "crate::transform::config::de_string")]
    pub kind: String,
    #[serde(default, rename = "fieldSpecs", deserialize_with = "de_vec")]
    pub referrers: Vec<FieldSpec>,
}

impl NameBackReferences {
    pub fn gvk(&self) -> Gvk {
        Gvk::new(&self.group, &self.version, &self.kind)
    }
}

fn de_vec<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> std::result::Result<Vec<T>, D::Error> {
    let v: Option<Vec<T>> = Option::deserialize(d)?;
    Ok(v.unwrap_or_default())
}

pub(crate) fn de_string<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<String, D::Error> {
    let v: Option<crate::types::StrLike> = Option::deserialize(d)?;
    Ok(v.map(|s| s.0).unwrap_or_default())
}

/// The gvk a field spec selects.
pub fn fs_gvk(fs: &FieldSpec) -> Gvk {
    Gvk::new(&fs.group, &fs.version, &fs.kind)
}

/// kustomize's `FieldSpec.effectivelyEquals`: `held` is selected by `incoming`'s gvk and
/// the paths are the same.
fn effectively_equals(held: &FieldSpec, incoming: &FieldSpec) -> bool {
    // `fs_gvk(held).is_selected_by(&fs_gvk(incoming))`, without building the two gvks: this
    // runs for every pair when configurations merge
    let sel = |want: &str, have: &str| want.is_empty() || want == have;
    held.path == incoming.path
        && sel(&incoming.kind, &held.kind)
        && sel(&incoming.group, &held.group)
        && sel(&incoming.version, &held.version)
}

/// Adds `fs` unless an effectively equal spec is already there (kustomize `MergeOne`).
pub fn merge_one(list: &mut Vec<FieldSpec>, fs: FieldSpec) -> Result<()> {
    if let Some(held) = list.iter().find(|h| effectively_equals(h, &fs)) {
        if held.create != fs.create {
            return Err(Error::msg(format!(
                "conflicting fieldspecs: path {:?} for {} is declared both with create: {} and create: {}",
                fs.path,
                describe_gvk(&fs_gvk(&fs)),
                held.create,
                fs.create
            )));
        }
        return Ok(());
    }
    list.push(fs);
    Ok(())
}

/// Adds every spec of `more` (kustomize `MergeAll`).
pub fn merge_all(
    list: &mut Vec<FieldSpec>,
    more: impl IntoIterator<Item = FieldSpec>,
) -> Result<()> {
    for fs in more {
        merge_one(list, fs)?;
    }
    Ok(())
}

fn describe_gvk(g: &Gvk) -> String {
    if g.kind.is_empty() && g.group.is_empty() && g.version.is_empty() {
        "every kind".into()
    } else {
        g.to_string()
    }
}

/// The key that orders gvks as kustomize's `Gvk.IsLessThan` does (kind order lists, then
/// group/version/kind).
pub fn gvk_sort_key(gvk: &Gvk) -> (i64, String) {
    (type_order(&gvk.kind), gvk.stable_sort_key())
}

/// kustomize's legacy kind order (`resid.Gvk` orderFirst / orderLast): used both to keep
/// field-spec lists in kustomize's order and as the default output order.
pub(crate) const ORDER_FIRST: &[&str] = &[
    "Namespace",
    "ResourceQuota",
    "StorageClass",
    "CustomResourceDefinition",
    "ServiceAccount",
    "PodSecurityPolicy",
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "ConfigMap",
    "Secret",
    "Endpoints",
    "Service",
    "LimitRange",
    "PriorityClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "Deployment",
    "StatefulSet",
    "CronJob",
    "PodDisruptionBudget",
];
pub(crate) const ORDER_LAST: &[&str] = &[
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

/// Rank of a kind in kustomize's legacy order (negative first, 0 unlisted, positive last).
pub fn type_order(kind: &str) -> i64 {
    rank_in(kind, ORDER_FIRST, ORDER_LAST)
}

/// Rank of `kind` given first and last lists, as kustomize computes it.
pub fn rank_in<S: AsRef<str>>(kind: &str, first: &[S], last: &[S]) -> i64 {
    // Later duplicates win, as in kustomize's map construction.
    let mut rank = 0i64;
    for (i, n) in first.iter().enumerate() {
        if n.as_ref() == kind {
            rank = -(first.len() as i64) + i as i64;
        }
    }
    for (i, n) in last.iter().enumerate() {
        if n.as_ref() == kind {
            rank = 1 + i as i64;
        }
    }
    rank
}

fn sort_specs(list: &mut [FieldSpec]) {
    // each spec's key made once, not at every comparison (a stable sort, like `sort_by`)
    list.sort_by_cached_key(|fs| gvk_sort_key(&fs_gvk(fs)));
}

impl TransformerConfig {
    /// kustomize's builtin defaults.
    pub fn defaults() -> &'static TransformerConfig {
        static DEFAULTS: OnceLock<TransformerConfig> = OnceLock::new();
        DEFAULTS.get_or_init(|| {
            // The table is part of the program; a parse failure is a bug caught by tests.
            TransformerConfig::from_yaml(include_str!("defaults.yaml")).unwrap_or_default()
        })
    }

    /// Parses a configuration file in kustomize's format (strictly: unknown fields are errors).
    pub fn from_yaml(text: &str) -> Result<TransformerConfig> {
        let value = crate::yaml::parse_one(text)?;
        let value = match value {
            crate::value::Value::Null => crate::value::Value::Object(Default::default()),
            v => v,
        };
        let mut tc: TransformerConfig =
            serde_path_to_error::deserialize(serde_json::Value::from(value)).map_err(|e| {
                let path = e.path().to_string();
                Error::msg(e.into_inner().to_string()).at_field(path)
            })?;
        tc.sort_fields();
        Ok(tc)
    }

    fn sort_fields(&mut self) {
        for l in self.lists_mut() {
            sort_specs(l);
        }
        self.name_reference.sort_by_cached_key(|b| {
            let gvk = b.gvk();
            (type_order(&gvk.kind), gvk.stable_sort_key())
        });
    }

    fn lists_mut(&mut self) -> [&mut Vec<FieldSpec>; 10] {
        [
            &mut self.name_prefix,
            &mut self.name_suffix,
            &mut self.name_space,
            &mut self.common_labels,
            &mut self.labels,
            &mut self.template_labels,
            &mut self.common_annotations,
            &mut self.var_reference,
            &mut self.images,
            &mut self.replicas,
        ]
    }

    /// kustomize's `TransformerConfig.Merge`: `other` merged into `self`, then sorted.
    pub fn merge(&mut self, other: TransformerConfig) -> Result<()> {
        let TransformerConfig {
            name_prefix,
            name_suffix,
            name_space,
            common_labels,
            labels,
            template_labels,
            common_annotations,
            name_reference,
            var_reference,
            images,
            replicas,
        } = other;
        let pairs: [(&mut Vec<FieldSpec>, Vec<FieldSpec>, &str); 10] = [
            (&mut self.name_prefix, name_prefix, "namePrefix"),
            (&mut self.name_suffix, name_suffix, "nameSuffix"),
            (&mut self.name_space, name_space, "namespace"),
            (
                &mut self.common_annotations,
                common_annotations,
                "commonAnnotations",
            ),
            (&mut self.common_labels, common_labels, "commonLabels"),
            (&mut self.labels, labels, "labels"),
            (&mut self.template_labels, template_labels, "templateLabels"),
            (&mut self.var_reference, var_reference, "varReference"),
            (&mut self.images, images, "images"),
            (&mut self.replicas, replicas, "replicas"),
        ];
        for (into, more, what) in pairs {
            merge_all(into, more).map_err(|e| {
                let msg = format!("failed to merge {what} field specs: {}", e.msg);
                Error::msg(msg)
            })?;
        }
        for nbr in name_reference {
            let gvk = nbr.gvk();
            match self.name_reference.iter_mut().find(|c| c.gvk() == gvk) {
                Some(held) => merge_all(&mut held.referrers, nbr.referrers).map_err(|e| {
                    Error::msg(format!(
                        "failed to merge nameReference field specs: {}",
                        e.msg
                    ))
                })?,
                None => self.name_reference.push(nbr),
            }
        }
        self.sort_fields();
        Ok(())
    }

    /// The defaults merged with the `configurations:` files of `target`, read through its
    /// loader (kustomize's `MakeTransformerConfig`).
    pub fn for_target(target: &Target) -> Result<TransformerConfig> {
        let mut tc = TransformerConfig::defaults().clone();
        if target.kust.configurations.is_empty() {
            return Ok(tc);
        }
        let mut loaded = TransformerConfig::default();
        for path in &target.kust.configurations {
            let (file, bytes) = target
                .loader
                .read_file(path)
                .map_err(|e| e.in_file(target.file.as_path()).at_field("configurations"))?;
            let text =
                crate::yaml::decode_utf8(&bytes).map_err(|e| Error::from(e).in_file(&file))?;
            let one = TransformerConfig::from_yaml(text).map_err(|e| {
                e.in_file(&file).with_hint(
                    "a configurations file holds field specs: namePrefix, nameSuffix, namespace, commonLabels, labels, templateLabels, commonAnnotations, nameReference, varReference, images, replicas",
                )
            })?;
            loaded.merge(one).map_err(|e| e.in_file(&file))?;
        }
        tc.merge(loaded)
            .map_err(|e| e.in_file(target.file.as_path()))?;
        Ok(tc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_parse() {
        let d = TransformerConfig::defaults();
        assert_eq!(d.name_prefix.len(), 1);
        assert!(d.common_labels.len() > 20);
        assert_eq!(d.template_labels.len(), 10);
        assert!(d.name_reference.iter().any(|n| n.kind == "ConfigMap"));
        assert!(d.name_reference.len() > 15);
        assert_eq!(d.images.len(), 4);
        assert_eq!(d.replicas.len(), 4);
        assert_eq!(d.name_space.len(), 3);
    }

    #[test]
    fn merge_dedups_and_conflicts() {
        let mut l = vec![FieldSpec {
            kind: "Deployment".into(),
            path: "spec/replicas".into(),
            create: true,
            ..Default::default()
        }];
        // A generic spec with the same path is "effectively equal" to the held one.
        merge_one(
            &mut l,
            FieldSpec {
                path: "spec/replicas".into(),
                create: true,
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(l.len(), 1);
        assert!(
            merge_one(
                &mut l,
                FieldSpec {
                    path: "spec/replicas".into(),
                    ..Default::default()
                },
            )
            .is_err()
        );
    }

    #[test]
    fn defaults_merge_with_themselves() {
        let mut a = TransformerConfig::defaults().clone();
        a.merge(TransformerConfig::defaults().clone()).unwrap();
        assert_eq!(&a, TransformerConfig::defaults());
    }
}
