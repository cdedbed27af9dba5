//! An ordered collection of resources with id lookups.
use std::collections::HashMap;

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
        self.list.iter_mut()
    }

    pub fn as_slice(&self) -> &[Resource] {
        &self.list
    }

    pub fn as_mut_vec(&mut self) -> &mut Vec<Resource> {
        self.index = None;
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
        self.list.get_mut(i)
    }

    /// Appends one resource; an object with the same current id is an error naming both origins.
    pub fn append(&mut self, r: Resource) -> Result<()> {
        self.append_all(ResMap::from_vec(vec![r]))
    }

    fn index(&mut self) -> &mut HashMap<ResId, usize> {
        let list = &self.list;
        self.index.get_or_insert_with(|| {
            let mut index = HashMap::with_capacity(list.len());
            for (i, r) in list.iter().enumerate() {
                index.insert(norm_id(&r.id()), i);
            }
            index
        })
    }

    /// Appends all of `other`, checking for id collisions against the hash index.
    pub fn append_all(&mut self, other: ResMap) -> Result<()> {
        self.notes.extend(other.notes);
        for r in other.list {
            let id = norm_id(&r.id());
            let next = self.list.len();
            if let Some(&i) = self.index().get(&id) {
                return Err(Error::duplicate_id(
                    &r.id().to_string(),
                    &self.list[i].origin.to_string(),
                    &r.origin.to_string(),
                ));
            }
            self.index().insert(id, next);
            self.list.push(r);
        }
        Ok(())
    }

    /// Indices of resources whose current id matches (kustomize `GetMatchingResourcesByCurrentId`).
    pub fn find_by_current_id(&self, id: &ResId) -> Vec<usize> {
        self.list
            .iter()
            .enumerate()
            .filter(|(_, r)| r.id().same_as(id))
            .map(|(i, _)| i)
            .collect()
    }

    /// Indices of resources any of whose ids (original, previous or current) match.
    pub fn find_by_any_id(&self, id: &ResId) -> Vec<usize> {
        self.list
            .iter()
            .enumerate()
            .filter(|(_, r)| r.all_ids().iter().any(|x| x.same_as(id)))
            .map(|(i, _)| i)
            .collect()
    }

    pub fn remove(&mut self, i: usize) -> Resource {
        self.index = None;
        self.list.remove(i)
    }

    pub fn retain(&mut self, f: impl FnMut(&Resource) -> bool) {
        self.index = None;
        self.list.retain(f)
    }
}

/// An id normalised for equality the way `ResId::same_as` compares.
pub fn norm_id(id: &ResId) -> ResId {
    let mut id = id.clone();
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
