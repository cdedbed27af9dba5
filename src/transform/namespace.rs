//! `namespace` (kustomize's NamespaceTransformer).
use crate::hashing::HashMap;
use crate::lookup::Lookup;

use crate::value::Value;
use serde::Deserialize;

use super::fieldspec::{self, CreateKind};
use crate::error::{Error, Result};
use crate::resmap::{ResMap, norm_id};
use crate::resource::{ResId, Resource};
use crate::types::FieldSpec;

/// An object's id before and after the namespace was set (normalised), or the error that
/// setting it gave.
type IdChange = (ResId, Result<ResId>);

/// How (Cluster)RoleBinding subjects get the namespace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SubjectMode {
    /// Only subjects named `default` (kustomize's default).
    #[default]
    DefaultOnly,
    /// Every ServiceAccount subject.
    AllServiceAccounts,
    /// No subject is touched.
    None,
}

impl SubjectMode {
    pub fn parse(s: &str) -> Result<SubjectMode> {
        match s {
            "" | "defaultOnly" => Ok(SubjectMode::DefaultOnly),
            "allServiceAccounts" => Ok(SubjectMode::AllServiceAccounts),
            "none" => Ok(SubjectMode::None),
            other => Err(Error::msg(format!(
                "invalid value {other:?} for setRoleBindingSubjects: must be one of \"defaultOnly\", \"none\" or \"allServiceAccounts\""
            ))
            .at_field("setRoleBindingSubjects")),
        }
    }
}

/// The plugin config document (`kind: NamespaceTransformer`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NamespaceConfig {
    #[serde(default)]
    pub metadata: NsMeta,
    #[serde(default, deserialize_with = "super::de_vec")]
    pub field_specs: Vec<FieldSpec>,
    #[serde(default)]
    pub unset_only: bool,
    #[serde(default, deserialize_with = "super::config::de_string")]
    pub set_role_binding_subjects: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct NsMeta {
    #[serde(default, deserialize_with = "super::config::de_string")]
    pub namespace: String,
}

#[derive(Debug, Clone, Default)]
pub struct NamespaceTransformer {
    pub namespace: String,
    pub field_specs: Vec<FieldSpec>,
    pub unset_only: bool,
    pub subjects: SubjectMode,
}

impl NamespaceTransformer {
    pub fn from_config(c: NamespaceConfig) -> Result<NamespaceTransformer> {
        Ok(NamespaceTransformer {
            namespace: c.metadata.namespace,
            field_specs: c.field_specs,
            unset_only: c.unset_only,
            subjects: SubjectMode::parse(&c.set_role_binding_subjects)?,
        })
    }

    pub fn apply(&self, rm: &mut ResMap) -> Result<()> {
        if self.namespace.is_empty() {
            return Ok(());
        }
        let meta = FieldSpec {
            path: "metadata/namespace".into(),
            create: true,
            ..Default::default()
        };
        // Each object's fields are set on all cores (an object only changes itself); the
        // ids are then checked in order, so the error reported is the one the first
        // offending object gives, as in a loop over the objects.
        let mut work: Vec<(&mut Resource, Option<IdChange>)> =
            rm.iter_mut().map(|r| (r, None)).collect();
        crate::par::for_each_mut(&mut work, crate::par::LIGHT_CHUNK, |(r, out)| {
            *out = Some(self.set_one(r, &meta));
            Ok::<(), Error>(())
        })?;
        let changes: Vec<(&Resource, IdChange)> = work
            .into_iter()
            .filter_map(|(r, out)| Some((&*r, out?)))
            .collect();
        // Current ids, counted (borrowed from the changes), to detect two objects ending
        // up with the same id: the ids before, then moved one object at a time.
        let mut ids: HashMap<&ResId, usize> =
            HashMap::with_capacity_and_hasher(changes.len() * 2, Default::default());
        for (_, (before, _)) in &changes {
            *ids.entry(before).or_default() += 1;
        }
        for (r, (before, after)) in &changes {
            let after = match after {
                Ok(after) => after,
                Err(e) => return Err(e.clone()),
            };
            if after != before {
                if let Some(c) = ids.get_mut(before) {
                    *c = c.saturating_sub(1);
                }
                *ids.entry(after).or_default() += 1;
            }
            if ids.get(after).copied().unwrap_or(0) != 1 {
                return Err(Error::msg(format!(
                    "setting namespace {:?} makes two objects {after}: ids must stay unique",
                    self.namespace
                ))
                .for_resource(r.id()));
            }
        }
        Ok(())
    }

    /// Sets the namespace of one object; returns its id before and after (normalised).
    fn set_one(&self, r: &mut Resource, meta: &FieldSpec) -> IdChange {
        let current = r.id();
        let before = norm_id(&current);
        let after = self.set_fields(r, meta, current, &before);
        (before, after)
    }

    fn set_fields(
        &self,
        r: &mut Resource,
        meta: &FieldSpec,
        current: ResId,
        before: &ResId,
    ) -> Result<ResId> {
        let ns = self.namespace.as_str();
        let unset_only = self.unset_only;
        let mut set = |v: &mut Value| set_ns(v, ns, unset_only);
        let gvk = current.gvk.clone();
        // what `store_previous_id` records, without building the id again
        r.prev_ids.push(current);
        let is_v1 = r.api_version() == "v1";
        let is_rb = gvk.kind == "RoleBinding" || gvk.kind == "ClusterRoleBinding";
        let res_err = |e: Error| e.for_resource(before.to_string());
        if !gvk.is_cluster_scoped() {
            fieldspec::apply(&mut r.body, &gvk, meta, CreateKind::Scalar, &mut set)
                .map_err(res_err)?;
        }
        if is_rb {
            self.subjects_hack(&mut r.body, &mut set).map_err(res_err)?;
        }
        let specs = self
            .field_specs
            .iter()
            .filter(|fs| fs.path != "metadata/namespace")
            .filter(|fs| is_v1 || fs.path != "metadata/name")
            .filter(|fs| {
                !(is_rb
                    && (fs.kind == "RoleBinding" || fs.kind == "ClusterRoleBinding")
                    && fs.path == "subjects/namespace")
            });
        for fs in specs {
            fieldspec::apply(&mut r.body, &gvk, fs, CreateKind::Scalar, &mut set).map_err(|e| {
                res_err(e).with_hint("namespace field specs must target scalar fields")
            })?;
        }
        Ok(norm_id(&r.id()))
    }

    fn subjects_hack(
        &self,
        body: &mut Value,
        set: &mut dyn FnMut(&mut Value) -> Result<()>,
    ) -> Result<()> {
        let Some(Value::Array(subjects)) = body.field_mut("subjects") else {
            return Ok(());
        };
        for s in subjects {
            let Value::Object(m) = s else { continue };
            let wanted = match self.subjects {
                SubjectMode::None => return Ok(()),
                SubjectMode::DefaultOnly => {
                    m.field("name").and_then(Value::as_str) == Some("default")
                }
                SubjectMode::AllServiceAccounts => {
                    m.field("kind").and_then(Value::as_str) == Some("ServiceAccount")
                }
            };
            if wanted {
                let f = m
                    .entry("namespace")
                    .or_insert_with(|| Value::String(String::new()));
                set(f).map_err(|e| e.at_field("subjects.namespace"))?;
            }
        }
        Ok(())
    }
}

fn set_ns(v: &mut Value, ns: &str, unset_only: bool) -> Result<()> {
    if unset_only {
        let existing = match v {
            Value::Null => false,
            Value::String(s) => !s.is_empty(),
            Value::Array(a) => !a.is_empty(),
            Value::Object(m) => !m.is_empty(),
            _ => true,
        };
        if existing {
            return Ok(());
        }
    }
    fieldspec::set_scalar(v, Value::String(ns.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;
    use crate::resource::Origin;

    /// Six hundred ConfigMaps, `extra` objects in the middle.
    fn many(extra: Vec<Value>) -> ResMap {
        let list: Vec<Resource> = (0..300)
            .map(|i| {
                json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": format!("a-{i:03}")}})
            })
            .chain(extra)
            .chain((0..300).map(|i| {
                json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": format!("z-{i:03}")}})
            }))
            .map(|v| Resource::new(v, Origin::default()))
            .collect();
        ResMap::from_vec(list)
    }

    fn set(ns: &str, field_specs: Vec<FieldSpec>) -> NamespaceTransformer {
        NamespaceTransformer {
            namespace: ns.into(),
            field_specs,
            ..Default::default()
        }
    }

    fn cm(name: &str, ns: &str) -> Value {
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": ns}})
    }

    #[test]
    fn sets_every_object_and_records_its_previous_id() {
        let mut rm = many(vec![]);
        set("prod", vec![]).apply(&mut rm).unwrap();
        assert_eq!(rm.len(), 600);
        for r in rm.iter() {
            assert_eq!(r.namespace(), "prod");
            assert_eq!(r.prev_ids.len(), 1);
            assert_eq!(r.prev_ids[0].namespace, "");
        }
    }

    #[test]
    fn two_objects_with_one_id_are_refused_at_the_second() {
        let mut rm = many(vec![cm("same", "a"), cm("same", "b")]);
        let e = set("prod", vec![]).apply(&mut rm).unwrap_err().to_string();
        assert!(e.contains("makes two objects"), "{e}");
        assert!(e.contains("same"), "{e}");
    }

    #[test]
    fn the_first_failing_object_in_order_is_reported() {
        // A field spec that reaches a mapping fails on the first object that has one,
        // before the later id collision.
        let spec = FieldSpec {
            path: "data".into(),
            kind: "ConfigMap".into(),
            ..Default::default()
        };
        let bad = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "has-data"}, "data": {"k": "v"}});
        let mut rm = many(vec![bad, cm("same", "a"), cm("same", "b")]);
        let e = set("prod", vec![spec])
            .apply(&mut rm)
            .unwrap_err()
            .to_string();
        assert!(e.contains("has-data"), "{e}");
        assert!(!e.contains("makes two objects"), "{e}");
    }
}
