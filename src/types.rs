//! The kustomization file format (kustomize v5.6's `api/types`), strictly typed.
//!
//! Unknown fields are errors everywhere (kustomize reads kustomization files strictly too).
//! Fields that kustomize declares as strings also accept YAML numbers and booleans, as
//! kustomize's YAML-to-JSON step converts them (`commonLabels: {version: 1}` is `"1"`).
use indexmap::IndexMap;
use serde::{Deserialize, Deserializer, Serialize};

/// A string map whose values may be written as numbers or booleans.
pub type StrMap = IndexMap<String, String>;

fn de_str_map<'de, D: Deserializer<'de>>(d: D) -> Result<StrMap, D::Error> {
    let m: Option<IndexMap<String, StrLike>> = Option::deserialize(d)?;
    Ok(m.unwrap_or_default()
        .into_iter()
        .map(|(k, v)| (k, v.0))
        .collect())
}

fn de_str<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let v: Option<StrLike> = Option::deserialize(d)?;
    Ok(v.map(|s| s.0).unwrap_or_default())
}

fn de_vec<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    let v: Option<Vec<T>> = Option::deserialize(d)?;
    Ok(v.unwrap_or_default())
}

fn de_str_vec<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let v: Option<Vec<StrLike>> = Option::deserialize(d)?;
    Ok(v.unwrap_or_default().into_iter().map(|s| s.0).collect())
}

/// A string that may have been written as a YAML number or boolean.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StrLike(pub String);

impl<'de> Deserialize<'de> for StrLike {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match crate::value::Value::deserialize(d)? {
            crate::value::Value::String(s) => Ok(StrLike(s)),
            crate::value::Value::Number(n) => Ok(StrLike(n.to_string())),
            crate::value::Value::Bool(b) => Ok(StrLike(b.to_string())),
            crate::value::Value::Null => Ok(StrLike(String::new())),
            other => Err(serde::de::Error::custom(format!(
                "expected a string, found {}",
                crate::types::type_name(&other)
            ))),
        }
    }
}

pub fn type_name(v: &crate::value::Value) -> &'static str {
    v.type_name()
}

/// Every top-level field of a kustomization file (kustomize v5.6).
pub const KUSTOMIZATION_FIELDS: &[&str] = &[
    "apiVersion",
    "kind",
    "metadata",
    "openapi",
    "namePrefix",
    "nameSuffix",
    "namespace",
    "commonLabels",
    "labels",
    "commonAnnotations",
    "patchesStrategicMerge",
    "patchesJson6902",
    "patches",
    "images",
    "imageTags",
    "replacements",
    "replicas",
    "vars",
    "sortOptions",
    "resources",
    "components",
    "crds",
    "bases",
    "configMapGenerator",
    "secretGenerator",
    "helmGlobals",
    "helmCharts",
    "helmChartInflationGenerator",
    "generatorOptions",
    "configurations",
    "generators",
    "transformers",
    "validators",
    "buildMetadata",
];

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Kustomization {
    #[serde(default, deserialize_with = "de_str")]
    pub api_version: String,
    #[serde(default, deserialize_with = "de_str")]
    pub kind: String,
    #[serde(default)]
    pub metadata: Option<crate::value::Value>,
    #[serde(default, deserialize_with = "de_str_map")]
    pub openapi: StrMap,
    #[serde(default, deserialize_with = "de_str")]
    pub name_prefix: String,
    #[serde(default, deserialize_with = "de_str")]
    pub name_suffix: String,
    #[serde(default, deserialize_with = "de_str")]
    pub namespace: String,
    #[serde(default, deserialize_with = "de_str_map")]
    pub common_labels: StrMap,
    #[serde(default, deserialize_with = "de_vec")]
    pub labels: Vec<Label>,
    #[serde(default, deserialize_with = "de_str_map")]
    pub common_annotations: StrMap,
    #[serde(default, deserialize_with = "de_str_vec")]
    pub patches_strategic_merge: Vec<String>,
    #[serde(default, deserialize_with = "de_vec", rename = "patchesJson6902")]
    pub patches_json6902: Vec<Patch>,
    #[serde(default, deserialize_with = "de_vec")]
    pub patches: Vec<Patch>,
    #[serde(default, deserialize_with = "de_vec")]
    pub images: Vec<Image>,
    #[serde(default, deserialize_with = "de_vec")]
    pub image_tags: Vec<Image>,
    #[serde(default, deserialize_with = "de_vec")]
    pub replacements: Vec<ReplacementField>,
    #[serde(default, deserialize_with = "de_vec")]
    pub replicas: Vec<Replica>,
    #[serde(default, deserialize_with = "de_vec")]
    pub vars: Vec<Var>,
    #[serde(default)]
    pub sort_options: Option<SortOptions>,
    #[serde(default, deserialize_with = "de_str_vec")]
    pub resources: Vec<String>,
    #[serde(default, deserialize_with = "de_str_vec")]
    pub components: Vec<String>,
    #[serde(default, deserialize_with = "de_str_vec")]
    pub crds: Vec<String>,
    #[serde(default, deserialize_with = "de_str_vec")]
    pub bases: Vec<String>,
    #[serde(default, deserialize_with = "de_vec")]
    pub config_map_generator: Vec<GeneratorArgs>,
    #[serde(default, deserialize_with = "de_vec")]
    pub secret_generator: Vec<GeneratorArgs>,
    #[serde(default)]
    pub helm_globals: Option<crate::value::Value>,
    #[serde(default)]
    pub helm_charts: Option<crate::value::Value>,
    #[serde(default)]
    pub helm_chart_inflation_generator: Option<crate::value::Value>,
    #[serde(default)]
    pub generator_options: Option<GeneratorOptions>,
    #[serde(default, deserialize_with = "de_str_vec")]
    pub configurations: Vec<String>,
    #[serde(default, deserialize_with = "de_str_vec")]
    pub generators: Vec<String>,
    #[serde(default, deserialize_with = "de_str_vec")]
    pub transformers: Vec<String>,
    #[serde(default, deserialize_with = "de_str_vec")]
    pub validators: Vec<String>,
    #[serde(default, deserialize_with = "de_str_vec")]
    pub build_metadata: Vec<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Label {
    #[serde(default, deserialize_with = "de_str_map")]
    pub pairs: StrMap,
    #[serde(default)]
    pub include_selectors: bool,
    #[serde(default)]
    pub include_templates: bool,
    #[serde(default, rename = "fields", deserialize_with = "de_vec")]
    pub field_specs: Vec<FieldSpec>,
}

/// A field location: which kinds, and a slash-separated path (kustomize's `FieldSpec`).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FieldSpec {
    #[serde(default, deserialize_with = "de_str")]
    pub group: String,
    #[serde(default, deserialize_with = "de_str")]
    pub version: String,
    #[serde(default, deserialize_with = "de_str")]
    pub kind: String,
    #[serde(default, deserialize_with = "de_str")]
    pub path: String,
    #[serde(default)]
    pub create: bool,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Image {
    #[serde(default, deserialize_with = "de_str")]
    pub name: String,
    #[serde(default, deserialize_with = "de_str")]
    pub new_name: String,
    #[serde(default, deserialize_with = "de_str")]
    pub tag_suffix: String,
    #[serde(default, deserialize_with = "de_str")]
    pub new_tag: String,
    #[serde(default, deserialize_with = "de_str")]
    pub digest: String,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Replica {
    #[serde(default, deserialize_with = "de_str")]
    pub name: String,
    #[serde(default)]
    pub count: i64,
}

/// Selects resources: gvk, name and namespace (regular expressions), label and
/// annotation selectors.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Selector {
    #[serde(default, deserialize_with = "de_str")]
    pub group: String,
    #[serde(default, deserialize_with = "de_str")]
    pub version: String,
    #[serde(default, deserialize_with = "de_str")]
    pub kind: String,
    #[serde(default, deserialize_with = "de_str")]
    pub name: String,
    #[serde(default, deserialize_with = "de_str")]
    pub namespace: String,
    #[serde(default, deserialize_with = "de_str")]
    pub annotation_selector: String,
    #[serde(default, deserialize_with = "de_str")]
    pub label_selector: String,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Patch {
    #[serde(default, deserialize_with = "de_str")]
    pub path: String,
    #[serde(default, deserialize_with = "de_str")]
    pub patch: String,
    #[serde(default)]
    pub target: Option<Selector>,
    #[serde(default)]
    pub options: IndexMap<String, bool>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SortOptions {
    #[serde(default, deserialize_with = "de_str")]
    pub order: String,
    #[serde(default)]
    pub legacy_sort_options: Option<LegacySortOptions>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LegacySortOptions {
    #[serde(default, deserialize_with = "de_str_vec")]
    pub order_first: Vec<String>,
    #[serde(default, deserialize_with = "de_str_vec")]
    pub order_last: Vec<String>,
}

/// `configMapGenerator` / `secretGenerator` entries (`type` only for secrets).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GeneratorArgs {
    #[serde(default, deserialize_with = "de_str")]
    pub namespace: String,
    #[serde(default, deserialize_with = "de_str")]
    pub name: String,
    #[serde(default, deserialize_with = "de_str")]
    pub behavior: String,
    #[serde(default, deserialize_with = "de_str_vec")]
    pub literals: Vec<String>,
    #[serde(default, deserialize_with = "de_str_vec")]
    pub files: Vec<String>,
    #[serde(default, deserialize_with = "de_str_vec")]
    pub envs: Vec<String>,
    #[serde(default, deserialize_with = "de_str")]
    pub env: String,
    #[serde(default)]
    pub options: Option<GeneratorOptions>,
    #[serde(default, rename = "type", deserialize_with = "de_str")]
    pub type_: String,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GeneratorOptions {
    #[serde(default, deserialize_with = "de_str_map")]
    pub labels: StrMap,
    #[serde(default, deserialize_with = "de_str_map")]
    pub annotations: StrMap,
    #[serde(default)]
    pub disable_name_suffix_hash: bool,
    #[serde(default)]
    pub immutable: bool,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Var {
    #[serde(default, deserialize_with = "de_str")]
    pub name: String,
    #[serde(default, alias = "objRef")]
    pub objref: VarTarget,
    #[serde(default, alias = "fieldRef")]
    pub fieldref: FieldSelector,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct VarTarget {
    #[serde(default, deserialize_with = "de_str")]
    pub api_version: String,
    #[serde(default, deserialize_with = "de_str")]
    pub group: String,
    #[serde(default, deserialize_with = "de_str")]
    pub version: String,
    #[serde(default, deserialize_with = "de_str")]
    pub kind: String,
    #[serde(default, deserialize_with = "de_str")]
    pub name: String,
    #[serde(default, deserialize_with = "de_str")]
    pub namespace: String,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FieldSelector {
    // Go's JSON decoding matches field names case-insensitively; `fieldpath` is common.
    #[serde(
        default,
        alias = "fieldpath",
        alias = "FieldPath",
        deserialize_with = "de_str"
    )]
    pub field_path: String,
}

/// A `replacements` entry: inline, or `path:` to a file holding one or more.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ReplacementField {
    #[serde(default, deserialize_with = "de_str")]
    pub path: String,
    #[serde(default)]
    pub source: Option<SourceSelector>,
    #[serde(default, deserialize_with = "de_vec")]
    pub targets: Vec<TargetSelector>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Replacement {
    #[serde(default)]
    pub source: Option<SourceSelector>,
    #[serde(default, deserialize_with = "de_vec")]
    pub targets: Vec<TargetSelector>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SourceSelector {
    #[serde(default, deserialize_with = "de_str")]
    pub group: String,
    #[serde(default, deserialize_with = "de_str")]
    pub version: String,
    #[serde(default, deserialize_with = "de_str")]
    pub kind: String,
    #[serde(default, deserialize_with = "de_str")]
    pub name: String,
    #[serde(default, deserialize_with = "de_str")]
    pub namespace: String,
    #[serde(default, deserialize_with = "de_str")]
    pub field_path: String,
    #[serde(default)]
    pub options: Option<FieldOptions>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct TargetSelector {
    #[serde(default)]
    pub select: Option<Selector>,
    #[serde(default, deserialize_with = "de_vec")]
    pub reject: Vec<Selector>,
    #[serde(default, deserialize_with = "de_str_vec")]
    pub field_paths: Vec<String>,
    #[serde(default)]
    pub options: Option<FieldOptions>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FieldOptions {
    #[serde(default, deserialize_with = "de_str")]
    pub delimiter: String,
    #[serde(default)]
    pub index: i64,
    #[serde(default, deserialize_with = "de_str")]
    pub encoding: String,
    #[serde(default)]
    pub create: bool,
}

/// The shape of a kustomization, for folding field-name case the way Go's JSON decoder
/// does (kustomize accepts `patchesJSON6902` or `fieldpath`: an exact match wins, else a
/// case-insensitive one). Only struct fields are folded, never user data such as label keys.
#[derive(Clone, Copy)]
enum Shape {
    /// A struct: its fields and the shape of each field's value.
    Struct(&'static [(&'static str, Shape)]),
    /// A list of the inner shape.
    List(&'static Shape),
    /// Anything else: left alone.
    Leaf,
}

const FIELD_SPEC: Shape = Shape::Struct(&[
    ("group", Shape::Leaf),
    ("version", Shape::Leaf),
    ("kind", Shape::Leaf),
    ("path", Shape::Leaf),
    ("create", Shape::Leaf),
]);
const SELECTOR: Shape = Shape::Struct(&[
    ("group", Shape::Leaf),
    ("version", Shape::Leaf),
    ("kind", Shape::Leaf),
    ("name", Shape::Leaf),
    ("namespace", Shape::Leaf),
    ("annotationSelector", Shape::Leaf),
    ("labelSelector", Shape::Leaf),
]);
const FIELD_OPTIONS: Shape = Shape::Struct(&[
    ("delimiter", Shape::Leaf),
    ("index", Shape::Leaf),
    ("encoding", Shape::Leaf),
    ("create", Shape::Leaf),
]);
const GENERATOR_OPTIONS: Shape = Shape::Struct(&[
    ("labels", Shape::Leaf),
    ("annotations", Shape::Leaf),
    ("disableNameSuffixHash", Shape::Leaf),
    ("immutable", Shape::Leaf),
]);
const GENERATOR: Shape = Shape::Struct(&[
    ("namespace", Shape::Leaf),
    ("name", Shape::Leaf),
    ("behavior", Shape::Leaf),
    ("literals", Shape::Leaf),
    ("files", Shape::Leaf),
    ("envs", Shape::Leaf),
    ("env", Shape::Leaf),
    ("options", GENERATOR_OPTIONS),
    ("type", Shape::Leaf),
]);
const PATCH: Shape = Shape::Struct(&[
    ("path", Shape::Leaf),
    ("patch", Shape::Leaf),
    ("target", SELECTOR),
    ("options", Shape::Leaf),
]);
const SOURCE: Shape = Shape::Struct(&[
    ("group", Shape::Leaf),
    ("version", Shape::Leaf),
    ("kind", Shape::Leaf),
    ("name", Shape::Leaf),
    ("namespace", Shape::Leaf),
    ("fieldPath", Shape::Leaf),
    ("options", FIELD_OPTIONS),
]);
const TARGET: Shape = Shape::Struct(&[
    ("select", SELECTOR),
    ("reject", Shape::List(&SELECTOR)),
    ("fieldPaths", Shape::Leaf),
    ("options", FIELD_OPTIONS),
]);
const REPLACEMENT: Shape = Shape::Struct(&[
    ("path", Shape::Leaf),
    ("source", SOURCE),
    ("targets", Shape::List(&TARGET)),
]);
const VAR: Shape = Shape::Struct(&[
    ("name", Shape::Leaf),
    (
        "objref",
        Shape::Struct(&[
            ("apiVersion", Shape::Leaf),
            ("group", Shape::Leaf),
            ("version", Shape::Leaf),
            ("kind", Shape::Leaf),
            ("name", Shape::Leaf),
            ("namespace", Shape::Leaf),
        ]),
    ),
    ("fieldref", Shape::Struct(&[("fieldPath", Shape::Leaf)])),
]);
const KUSTOMIZATION: Shape = Shape::Struct(&[
    ("apiVersion", Shape::Leaf),
    ("kind", Shape::Leaf),
    ("metadata", Shape::Leaf),
    ("openapi", Shape::Leaf),
    ("namePrefix", Shape::Leaf),
    ("nameSuffix", Shape::Leaf),
    ("namespace", Shape::Leaf),
    ("commonLabels", Shape::Leaf),
    (
        "labels",
        Shape::List(&Shape::Struct(&[
            ("pairs", Shape::Leaf),
            ("includeSelectors", Shape::Leaf),
            ("includeTemplates", Shape::Leaf),
            ("fields", Shape::List(&FIELD_SPEC)),
        ])),
    ),
    ("commonAnnotations", Shape::Leaf),
    ("patchesStrategicMerge", Shape::Leaf),
    ("patchesJson6902", Shape::List(&PATCH)),
    ("patches", Shape::List(&PATCH)),
    (
        "images",
        Shape::List(&Shape::Struct(&[
            ("name", Shape::Leaf),
            ("newName", Shape::Leaf),
            ("tagSuffix", Shape::Leaf),
            ("newTag", Shape::Leaf),
            ("digest", Shape::Leaf),
        ])),
    ),
    ("imageTags", Shape::Leaf),
    ("replacements", Shape::List(&REPLACEMENT)),
    (
        "replicas",
        Shape::List(&Shape::Struct(&[
            ("name", Shape::Leaf),
            ("count", Shape::Leaf),
        ])),
    ),
    ("vars", Shape::List(&VAR)),
    (
        "sortOptions",
        Shape::Struct(&[
            ("order", Shape::Leaf),
            (
                "legacySortOptions",
                Shape::Struct(&[("orderFirst", Shape::Leaf), ("orderLast", Shape::Leaf)]),
            ),
        ]),
    ),
    ("resources", Shape::Leaf),
    ("components", Shape::Leaf),
    ("crds", Shape::Leaf),
    ("bases", Shape::Leaf),
    ("configMapGenerator", Shape::List(&GENERATOR)),
    ("secretGenerator", Shape::List(&GENERATOR)),
    ("helmGlobals", Shape::Leaf),
    ("helmCharts", Shape::Leaf),
    ("helmChartInflationGenerator", Shape::Leaf),
    ("generatorOptions", GENERATOR_OPTIONS),
    ("configurations", Shape::Leaf),
    ("generators", Shape::Leaf),
    ("transformers", Shape::Leaf),
    ("validators", Shape::Leaf),
    ("buildMetadata", Shape::Leaf),
]);

/// Renames struct keys of a kustomization that match a field only case-insensitively to
/// the field's spelling (Go `encoding/json` semantics). When both spellings are present
/// the later one wins, as in Go.
pub fn fold_kustomization_keys(v: &mut crate::value::Value) {
    fold(v, KUSTOMIZATION);
}

fn fold(v: &mut crate::value::Value, shape: Shape) {
    match (shape, v) {
        (Shape::List(inner), crate::value::Value::Array(items)) => {
            for it in items {
                fold(it, *inner);
            }
        }
        (Shape::Struct(fields), crate::value::Value::Object(map)) => {
            let needs = map.keys().any(|k| !fields.iter().any(|(f, _)| f == k));
            if needs {
                let old = std::mem::take(map);
                for (k, val) in old {
                    let name = if fields.iter().any(|(f, _)| *f == k) {
                        k
                    } else {
                        fields
                            .iter()
                            .find(|(f, _)| f.eq_ignore_ascii_case(&k))
                            .map(|(f, _)| f.to_string())
                            .unwrap_or(k)
                    };
                    map.insert(name, val);
                }
            }
            for (k, val) in map.iter_mut() {
                if let Some((_, s)) = fields.iter().find(|(f, _)| f == k) {
                    fold(val, *s);
                }
            }
        }
        _ => {}
    }
}
