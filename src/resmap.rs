//! An ordered collection of resources with id lookups.
use crate::hashing::HashMap;

use crate::error::{Error, Result};
use crate::resource::{ResId, Resource};

/// Resources in the order they were accumulated.
///
/// Appending keeps a hash index of current ids so that collision checks stay linear in
/// the number of resources; any mutable access drops the index (names may change) and the
/// next append rebuilds it once.
#[derive(Debug, Clone, Default)]
pub struct ResMap {
    list: Vec<Resource>,
    index: Option<HashMap<ResId, usize>>,
    /// Every name an object has had (current and previous) -> positions, for
    /// `find_by_any_id`; dropped like `index`, kept up to date by [`ResMap::update`].
    names: Option<HashMap<String, Vec<usize>>>,
    /// What the build noticed but accepted, as kustomize does (an empty resource file, a
    /// patch whose target matched nothing): `stackgen validate` reports these.
    pub notes: Vec<Note>,
}

/// A finding of the build itself, reported by validation under `code` (see `docs/rules.md`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// A `K` rule code, e.g. `K001`.
    pub code: &'static str,
    pub file: std::sync::Arc<std::path::PathBuf>,
    pub line: usize,
    /// The object concerned, if any (`Deployment shop/web`).
    pub resource: Option<String>,
    pub message: String,
}

impl ResMap {
    pub fn new() -> ResMap {
        ResMap::default()
    }

    pub fn from_vec(list: Vec<Resource>) -> ResMap {
        ResMap {
            list,
            index: None,
            names: None,
            notes: Vec::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Resource> {
        self.list.iter()
    }

    pub fn iter_mut(&mut self) -> std::slice::IterMut<'_, Resource> {
        self.index = None;
        self.names = None;
        self.list.iter_mut()
    }

    /// The objects, to change in place (e.g. in parallel); like [`ResMap::iter_mut`], this
    /// drops the id indexes.
    pub fn as_mut_slice(&mut self) -> &mut [Resource] {
        self.index = None;
        self.names = None;
        &mut self.list
    }

    pub fn as_slice(&self) -> &[Resource] {
        &self.list
    }

    pub fn as_mut_vec(&mut self) -> &mut Vec<Resource> {
        self.index = None;
        self.names = None;
        &mut self.list
    }

    pub fn into_vec(self) -> Vec<Resource> {
        self.list
    }

    pub fn get(&self, i: usize) -> Option<&Resource> {
        self.list.get(i)
    }

    pub fn get_mut(&mut self, i: usize) -> Option<&mut Resource> {
        self.index = None;
        self.names = None;
        self.list.get_mut(i)
    }

    /// Appends one resource; an object with the same current id is an error naming both origins.
    pub fn append(&mut self, r: Resource) -> Result<()> {
        self.append_all(ResMap::from_vec(vec![r]))
    }

    fn index(&mut self) -> &mut HashMap<ResId, usize> {
        let list = &self.list;
        self.index.get_or_insert_with(|| {
            let mut index = HashMap::with_capacity_and_hasher(list.len(), Default::default());
            for (i, id) in norm_ids(list).into_iter().enumerate() {
                index.insert(id, i);
            }
            index
        })
    }

    /// Appends all of `other`, checking for id collisions against the hash index.
    pub fn append_all(&mut self, other: ResMap) -> Result<()> {
        self.notes.extend(other.notes);
        self.index().reserve(other.list.len());
        self.list.reserve(other.list.len());
        let ids = norm_ids(&other.list);
        for (r, id) in other.list.into_iter().zip(ids) {
            let next = self.list.len();
            match self.index().entry(id) {
                std::collections::hash_map::Entry::Occupied(taken) => {
                    let i = *taken.get();
                    return Err(Error::duplicate_id(
                        &r.id().to_string(),
                        &self.list[i].origin.to_string(),
                        &r.origin.to_string(),
                    ));
                }
                std::collections::hash_map::Entry::Vacant(free) => {
                    free.insert(next);
                }
            }
            if let Some(names) = &mut self.names {
                for n in all_names(&r) {
                    let v = names.entry(n.to_string()).or_default();
                    if v.last() != Some(&next) {
                        v.push(next);
                    }
                }
            }
            self.list.push(r);
        }
        Ok(())
    }

    /// Positions of the objects `m` selects, in order. A selector naming one plain name is
    /// answered from the name index instead of testing every object.
    pub fn select(&mut self, m: &crate::select::Matcher) -> Vec<usize> {
        if let Some(name) = m.literal_name() {
            let name = name.to_string();
            let candidates = self.names_index().get(&name).cloned().unwrap_or_default();
            return candidates
                .into_iter()
                .filter(|&i| self.list.get(i).is_some_and(|r| m.matches(r)))
                .collect();
        }
        self.list
            .iter()
            .enumerate()
            .filter(|(_, r)| m.matches(r))
            .map(|(i, _)| i)
            .collect()
    }

    fn names_index(&mut self) -> &HashMap<String, Vec<usize>> {
        let list = &self.list;
        self.names.get_or_insert_with(|| {
            let mut m: HashMap<String, Vec<usize>> =
                HashMap::with_capacity_and_hasher(list.len(), Default::default());
            for (i, r) in list.iter().enumerate() {
                for n in all_names(r) {
                    let v = m.entry(n.to_string()).or_default();
                    if v.last() != Some(&i) {
                        v.push(i);
                    }
                }
            }
            m
        })
    }

    /// Indices of resources any of whose ids (original, previous or current) match.
    pub fn find_by_any_id(&mut self, id: &ResId) -> Vec<usize> {
        let candidates = self
            .names_index()
            .get(&id.name)
            .cloned()
            .unwrap_or_default();
        candidates
            .into_iter()
            .filter(|&i| self.list.get(i).is_some_and(|r| r.any_id_same_as(id)))
            .collect()
    }

    /// Changes the resource at `i` in place, keeping the id indexes valid (they are updated
    /// only when `f` changed one of its ids). Use this in loops that look objects up by id
    /// between changes, so each change does not cost a whole-index rebuild.
    pub fn update<R>(&mut self, i: usize, f: impl FnOnce(&mut Resource) -> R) -> Option<R> {
        let r = self.list.get_mut(i)?;
        let fingerprint = id_fingerprint(r);
        let before = if self.index.is_some() {
            // the index entry to remove if the id changes
            Some(r.id())
        } else {
            None
        };
        let out = f(r);
        if id_fingerprint(r) != fingerprint {
            let after = r.all_ids();
            if let Some(index) = &mut self.index {
                if let Some(old) = &before {
                    index.remove(&norm_id(old));
                }
                if let Some(new) = after.last() {
                    index.insert(norm_id(new), i);
                }
            }
            if let Some(names) = &mut self.names {
                for id in &after {
                    let v = names.entry(id.name.clone()).or_default();
                    if !v.contains(&i) {
                        v.push(i);
                        v.sort_unstable();
                    }
                }
            }
        }
        Some(out)
    }

    pub fn remove(&mut self, i: usize) -> Resource {
        self.index = None;
        self.names = None;
        self.list.remove(i)
    }

    pub fn retain(&mut self, f: impl FnMut(&Resource) -> bool) {
        self.index = None;
        self.names = None;
        self.list.retain(f)
    }
}

/// The current and previous names of `r`.
fn all_names(r: &Resource) -> impl Iterator<Item = &str> {
    r.prev_ids
        .iter()
        .map(|id| id.name.as_str())
        .chain(std::iter::once(r.name()))
}

/// Fewest objects whose ids are worth building on all cores.
const PARALLEL_IDS: usize = 128;

/// The normalised ids of `list`, in order (built on all cores for long lists: each takes
/// a handful of allocations).
fn norm_ids(list: &[Resource]) -> Vec<ResId> {
    let one = |r: &Resource| normalize_id(r.id());
    if list.len() < PARALLEL_IDS {
        return list.iter().map(one).collect();
    }
    crate::par::map_all(list, one)
}

/// An id normalised for equality the way `ResId::same_as` compares.
pub fn norm_id(id: &ResId) -> ResId {
    normalize_id(id.clone())
}

fn normalize_id(mut id: ResId) -> ResId {
    if id.gvk.is_cluster_scoped() || id.namespace.is_empty() {
        id.namespace = if id.gvk.is_cluster_scoped() {
            String::new()
        } else {
            "default".to_string()
        };
    }
    id
}

impl<'a> IntoIterator for &'a ResMap {
    type Item = &'a Resource;
    type IntoIter = std::slice::Iter<'a, Resource>;
    fn into_iter(self) -> Self::IntoIter {
        self.list.iter()
    }
}

/// A hash of everything an object's ids are made of (apiVersion, kind, name, namespace and
/// how many earlier ids it has): [`ResMap::update`] re-indexes only when it changes, without
/// building the ids.
fn id_fingerprint(r: &Resource) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    r.api_version().hash(&mut h);
    r.kind().hash(&mut h);
    r.name().hash(&mut h);
    r.namespace().hash(&mut h);
    r.prev_ids.len().hash(&mut h);
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;
    use crate::resource::{Gvk, Origin};

    fn cm(name: &str) -> Resource {
        Resource::new(
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}}),
            Origin::default(),
        )
    }

    fn id(name: &str) -> ResId {
        ResId {
            gvk: Gvk::new("", "v1", "ConfigMap"),
            name: name.into(),
            namespace: String::new(),
        }
    }

    #[test]
    fn indexes_follow_appends_and_updates() {
        let mut rm = ResMap::new();
        rm.append(cm("a")).unwrap();
        assert_eq!(rm.find_by_any_id(&id("a")), vec![0]);
        // The name index exists now; appends must extend it.
        rm.append(cm("b")).unwrap();
        assert_eq!(rm.find_by_any_id(&id("b")), vec![1]);
        // A rename through update() is found by old and new names.
        rm.update(0, |r| r.set_name("p-a"));
        assert_eq!(rm.find_by_any_id(&id("a")), vec![0]);
        assert_eq!(rm.find_by_any_id(&id("p-a")), vec![0]);
        // The id index saw the rename: "a" is free again, "p-a" is taken.
        rm.append(cm("a")).unwrap();
        assert!(rm.append(cm("p-a")).is_err());
    }

    #[test]
    fn long_appends_index_every_id_and_report_the_first_duplicate() {
        // enough objects for the ids to be built on all cores
        let n = PARALLEL_IDS * 3;
        let mut rm = ResMap::from_vec((0..n).map(|i| cm(&format!("c{i}"))).collect());
        let more: Vec<Resource> = (n..2 * n).map(|i| cm(&format!("c{i}"))).collect();
        rm.append_all(ResMap::from_vec(more)).unwrap();
        assert_eq!(rm.len(), 2 * n);
        assert_eq!(rm.find_by_any_id(&id("c7")), vec![7]);
        assert_eq!(rm.find_by_any_id(&id(&format!("c{}", n + 5))), vec![n + 5]);
        // "default" and "" are one namespace
        let mut clash = cm("c3");
        clash.set_namespace("default");
        let later: Vec<Resource> = (0..n)
            .map(|i| cm(&format!("d{i}")))
            .chain([clash, cm("c4")])
            .collect();
        let e = rm.append_all(ResMap::from_vec(later)).unwrap_err();
        assert!(e.to_string().contains("c3"), "{e}");
    }
}
