//! Fixing name references after renames (kustomize's NameReferenceTransformer and
//! `filters/nameref`).
//!
//! For every field the reference table names, the value is an object's *old* name: the
//! object it refers to is found among those that ever had that name (a hash index, not a
//! scan), narrowed like kustomize does — by kind, by namespace, by the roleRef's kind, then
//! by sharing the referrer's prefixes and suffixes — and the field gets the current name.
use crate::hashing::HashMap;
use crate::lookup::Lookup;

use crate::value::Value;

use super::config::TransformerConfig;
use super::fieldspec::{self, CreateKind};
use super::refs::{RefSpec, RefTable};
use crate::error::{Error, Result};
use crate::resmap::ResMap;
use crate::resource::{Gvk, ResId, Resource};
use crate::types::FieldSpec;

/// What the matching needs to know of a candidate object.
struct Cand {
    cur: ResId,
    prev: Vec<ResId>,
    orig_ns: String,
    prefixes: Vec<String>,
    suffixes: Vec<String>,
}

fn effective_ns(id: &ResId) -> &str {
    if id.gvk.is_cluster_scoped() {
        "_non_namespaceable_"
    } else if id.namespace.is_empty() || id.namespace == "default" {
        "default"
    } else {
        &id.namespace
    }
}

impl Cand {
    fn of(r: &Resource) -> Cand {
        let cur = r.id();
        let orig = r.orig_id();
        Cand {
            orig_ns: effective_ns(&orig).to_string(),
            cur,
            prev: r.prev_ids.clone(),
            prefixes: r.name_prefixes.clone(),
            suffixes: r.name_suffixes.clone(),
        }
    }

    /// A previous id's gvk as kustomize rebuilds it: current group/version, previous kind.
    fn prev_selected_by(&self, sel: &Gvk) -> bool {
        self.prev.iter().any(|p| {
            let g = Gvk {
                group: self.cur.gvk.group.clone(),
                version: self.cur.gvk.version.clone(),
                kind: p.gvk.kind.clone(),
            };
            g.is_selected_by(sel)
        })
    }
}

/// The referrer, seen from the matching.
struct Referrer {
    cur: ResId,
    prefixes: Vec<String>,
    suffixes: Vec<String>,
    role_ref: Option<Gvk>,
    rb_namespaces: Vec<String>,
}

fn same_ending(a: &[String], b: &[String]) -> bool {
    let (short, long) = if a.len() > b.len() { (b, a) } else { (a, b) };
    let diff = long.len() - short.len();
    if short.is_empty() {
        return diff == 0;
    }
    short.iter().enumerate().all(|(i, s)| &long[i + diff] == s)
}

fn affixes_equal(c: &Cand, r: &Referrer, allow_empty: bool) -> bool {
    if allow_empty {
        let pe = c.prefixes.is_empty() || r.prefixes.is_empty();
        let se = c.suffixes.is_empty() || r.suffixes.is_empty();
        (pe || same_ending(&c.prefixes, &r.prefixes))
            && (se || same_ending(&c.suffixes, &r.suffixes))
    } else {
        same_ending(&c.prefixes, &r.prefixes) && same_ending(&c.suffixes, &r.suffixes)
    }
}

struct Ctx<'a> {
    cands: &'a [Cand],
    by_prev_name: &'a HashMap<&'a str, Vec<usize>>,
    by_orig_ns: &'a HashMap<&'a str, Vec<usize>>,
    referrer: &'a Referrer,
    target: &'a Gvk,
    spec: &'a FieldSpec,
}

impl Ctx<'_> {
    /// kustomize's `SubsetThatCouldBeReferencedByResource`.
    fn could_be_referenced(&self, c: &Cand) -> bool {
        let r = &self.referrer.cur;
        if r.gvk.is_cluster_scoped() || c.cur.gvk.is_cluster_scoped() {
            return true;
        }
        if effective_ns(&c.cur) == effective_ns(r) {
            return true;
        }
        self.referrer.rb_namespaces.contains(&c.cur.namespace)
    }

    fn select(
        &self,
        old_name: &str,
        ns_filter: Option<&str>,
        by_ns_too: bool,
    ) -> Result<Option<usize>> {
        let Some(idx) = self.by_prev_name.get(old_name) else {
            return Ok(None);
        };
        let mut list: Vec<usize> = idx
            .iter()
            .copied()
            .filter(|&i| self.could_be_referenced(&self.cands[i]))
            .collect();
        if let Some(ns) = ns_filter {
            // Candidates in that namespace: by original namespace if any has it, else by
            // current namespace.
            let any_orig = ns != "_non_namespaceable_"
                && self
                    .by_orig_ns
                    .get(ns)
                    .is_some_and(|v| v.iter().any(|&i| self.could_be_referenced(&self.cands[i])));
            list = if any_orig {
                list.into_iter()
                    .filter(|&i| self.cands[i].orig_ns == ns)
                    .collect()
            } else {
                list.into_iter()
                    .filter(|&i| {
                        let c = &self.cands[i];
                        !c.cur.gvk.is_cluster_scoped() && effective_ns(&c.cur) == ns
                    })
                    .collect()
            };
        }
        list.retain(|&i| self.cands[i].prev_selected_by(self.target));
        if self.spec.path.ends_with("roleRef/name")
            && let Some(rg) = &self.referrer.role_ref
        {
            list.retain(|&i| self.cands[i].prev_selected_by(rg));
        }
        let rc = &self.referrer.cur;
        if !rc.gvk.is_cluster_scoped() {
            list.retain(|&i| {
                let c = &self.cands[i];
                c.cur.gvk.is_cluster_scoped()
                    || c.cur.gvk.kind == "ServiceAccount"
                    || effective_ns(&c.cur) == effective_ns(rc)
            });
        }
        if list.len() == 1 {
            return Ok(Some(list[0]));
        }
        list.retain(|&i| affixes_equal(&self.cands[i], self.referrer, true));
        if list.len() > 1 {
            list.retain(|&i| affixes_equal(&self.cands[i], self.referrer, false));
        }
        match list.len() {
            0 => Ok(None),
            1 => Ok(Some(list[0])),
            _ => {
                let first = &self.cands[list[0]].cur;
                let identical = list.iter().all(|&i| {
                    let c = &self.cands[i].cur;
                    c.name == first.name && (!by_ns_too || c.namespace == first.namespace)
                });
                if identical {
                    return Ok(Some(list[0]));
                }
                let ids: Vec<String> = list
                    .iter()
                    .map(|&i| self.cands[i].cur.to_string())
                    .collect();
                Err(Error::msg(format!(
                    "found multiple possible referrals for {old_name:?}: {}",
                    ids.join(", ")
                ))
                .with_hint("the reference is ambiguous: give the candidates distinct names, or set a namespace on the reference"))
            }
        }
    }

    fn set(&self, v: &mut Value) -> Result<()> {
        match v {
            Value::Null => Ok(()),
            Value::Object(_) => self.set_mapping(v),
            Value::Array(items) => {
                for it in items {
                    match it {
                        Value::Null => {}
                        Value::Object(_) => self.set_mapping(it)?,
                        Value::Array(_) => {
                            return Err(Error::msg(
                                "a name reference list must hold strings or mappings",
                            ));
                        }
                        _ => self.set_scalar(it)?,
                    }
                }
                Ok(())
            }
            _ => self.set_scalar(v),
        }
    }

    fn set_scalar(&self, v: &mut Value) -> Result<()> {
        let old = fieldspec::scalar_text(v).unwrap_or_default();
        let Some(i) = self.select(&old, None, false)? else {
            return Ok(());
        };
        let name = &self.cands[i].cur.name;
        if *name != old {
            *v = Value::String(name.clone());
        }
        Ok(())
    }

    fn set_mapping(&self, v: &mut Value) -> Result<()> {
        let Value::Object(m) = v else {
            return Ok(());
        };
        let Some(name) = m.field("name") else {
            return Err(Error::msg("no 'name' field in a name reference mapping"));
        };
        let old = fieldspec::scalar_text(name).unwrap_or_default();
        let ns = m
            .field("namespace")
            .map(|n| fieldspec::scalar_text(n).unwrap_or_default());
        // The namespace filter is applied over the referrer's candidate subset.
        let Some(i) = self.select(&old, ns.as_deref(), true)? else {
            return Ok(());
        };
        let cur = &self.cands[i].cur;
        if cur.name == old && cur.namespace.is_empty() {
            return Ok(());
        }
        m.insert("name".into(), Value::String(cur.name.clone()));
        if !cur.namespace.is_empty() {
            m.insert("namespace".into(), Value::String(cur.namespace.clone()));
        }
        Ok(())
    }
}

fn role_ref_gvk(body: &Value) -> Option<Gvk> {
    let rr = body.field("roleRef")?;
    let group = fieldspec::scalar_text(rr.field("apiGroup")?)?;
    let kind = fieldspec::scalar_text(rr.field("kind")?)?;
    Some(Gvk::new(&group, "", &kind))
}

fn role_binding_namespaces(r: &Resource) -> Result<Vec<String>> {
    let mut out = Vec::new();
    if r.kind() != "RoleBinding" {
        return Ok(out);
    }
    let Some(Value::Array(subjects)) = r.body.field("subjects") else {
        return Ok(out);
    };
    for s in subjects {
        let (Some(ns), Some(kind)) = (s.field("namespace"), s.field("kind")) else {
            continue;
        };
        if kind.as_str() == Some("ServiceAccount") {
            match ns.as_str() {
                Some(n) => out.push(n.to_string()),
                None => {
                    return Err(Error::msg(
                        "a ServiceAccount subject's namespace must be a string",
                    )
                    .for_resource(r.id()));
                }
            }
        }
    }
    Ok(out)
}

/// Updates every name reference in `rm` per the table of `tc`.
///
/// Each referrer changes only its own fields, reading the candidates (taken beforehand), so
/// referrers are fixed in parallel; the error reported is the first referrer's in order.
pub fn fix(rm: &mut ResMap, tc: &TransformerConfig) -> Result<()> {
    let table = RefTable::new(tc);
    let cands: Vec<Cand> = crate::par::map_all(rm.as_slice(), Cand::of);
    let mut by_prev_name: HashMap<&str, Vec<usize>> = HashMap::default();
    for (i, c) in cands.iter().enumerate() {
        let mut seen: Vec<&str> = Vec::new();
        for p in &c.prev {
            if !seen.contains(&p.name.as_str()) {
                seen.push(&p.name);
                by_prev_name.entry(p.name.as_str()).or_default().push(i);
            }
        }
    }
    let mut by_orig_ns: HashMap<&str, Vec<usize>> = HashMap::default();
    for (i, c) in cands.iter().enumerate() {
        by_orig_ns.entry(c.orig_ns.as_str()).or_default().push(i);
    }
    if by_prev_name.is_empty() {
        // Nothing was ever renamed: no reference can change.
        return Ok(());
    }
    // The table's rows for each original gvk, found once per gvk rather than per object
    // (the default table has hundreds of rows and a build a handful of kinds).
    let mut set_of: HashMap<&Gvk, usize> = HashMap::default();
    let mut row_sets: Vec<Vec<RefSpec<'_>>> = Vec::new();
    let mut work: Vec<(&mut Resource, usize)> = Vec::new();
    for (r, c) in rm.iter_mut().zip(&cands) {
        let gvk = c.prev.first().map_or(&c.cur.gvk, |p| &p.gvk);
        let k = *set_of.entry(gvk).or_insert_with(|| {
            row_sets.push(table.for_referrer(gvk).collect());
            row_sets.len() - 1
        });
        if row_sets.get(k).is_some_and(|rows| !rows.is_empty()) {
            work.push((r, k));
        }
    }
    let row_sets = &row_sets;
    let (cands, by_prev_name, by_orig_ns) = (&cands, &by_prev_name, &by_orig_ns);
    crate::par::for_each_mut(&mut work, crate::par::HEAVY_CHUNK, |(r, k)| {
        let rows = row_sets.get(*k).map_or(&[][..], Vec::as_slice);
        fix_referrer(r, rows, cands, by_prev_name, by_orig_ns)
    })
}

/// Fixes the references of one referrer, `rows` being the table's rows that select it.
fn fix_referrer(
    r: &mut Resource,
    rows: &[RefSpec<'_>],
    cands: &[Cand],
    by_prev_name: &HashMap<&str, Vec<usize>>,
    by_orig_ns: &HashMap<&str, Vec<usize>>,
) -> Result<()> {
    let referrer = Referrer {
        cur: r.id(),
        prefixes: r.name_prefixes.clone(),
        suffixes: r.name_suffixes.clone(),
        role_ref: role_ref_gvk(&r.body),
        rb_namespaces: role_binding_namespaces(r)?,
    };
    for row in rows {
        let ctx = Ctx {
            cands,
            by_prev_name,
            by_orig_ns,
            referrer: &referrer,
            target: row.target,
            spec: row.referrer,
        };
        // The referrer's current gvk always matches: the spec was selected by its
        // original gvk.
        fieldspec::apply_path(
            &mut r.body,
            &row.referrer.path,
            row.referrer.create,
            CreateKind::None,
            &mut |v| ctx.set(v),
        )
        .map_err(|e| {
            e.for_resource(&referrer.cur)
                .at_field(row.referrer.path.replace('/', "."))
        })?;
    }
    Ok(())
}
