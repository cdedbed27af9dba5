//! [`Map`]: the entries of a YAML mapping in the order they were written.
//!
//! Most mappings in Kubernetes objects hold a handful of keys, so the entries live in one
//! vector and a lookup scans it (comparing lengths first, short keys inline: see
//! [`crate::keycmp`]); no hash table is built for
//! them. A mapping that grows past [`INDEX_FROM`] keys (a large ConfigMap, a hostile
//! document) gets a hash index beside the vector, so lookups and inserts stay O(1) and
//! building a mapping stays linear in its size.
//!
//! Removal follows `serde_json::Map` with `preserve_order`, whose behaviour the build was
//! written against: [`Map::remove`] swaps the last entry into the hole,
//! [`Map::shift_remove`] keeps the order.
use std::hash::BuildHasher;

use super::Value;

/// Mappings with at least this many keys keep a hash index.
pub const INDEX_FROM: usize = 16;

/// A YAML mapping: string keys in insertion order. The type parameters only mirror
/// `serde_json::Map<String, Value>` so type annotations read the same; keys are strings
/// and values [`Value`]s.
#[derive(Clone, Default)]
pub struct Map<K = String, V = Value> {
    entries: Vec<(K, V)>,
    index: Option<Box<Index>>,
}

/// Positions of the entries by key hash.
#[derive(Clone)]
struct Index {
    table: hashbrown::HashTable<usize>,
    hasher: foldhash::fast::RandomState,
}

impl Index {
    fn hash(&self, key: &str) -> u64 {
        self.hasher.hash_one(key)
    }

    fn build(entries: &[(String, Value)]) -> Box<Index> {
        let mut index = Box::new(Index {
            table: hashbrown::HashTable::with_capacity(entries.len()),
            hasher: foldhash::fast::RandomState::default(),
        });
        for (i, (k, _)) in entries.iter().enumerate() {
            let h = index.hash(k);
            let hasher = index.hasher.clone();
            index
                .table
                .insert_unique(h, i, |&j| hasher.hash_one(entries[j].0.as_str()));
        }
        index
    }

    fn find(&self, entries: &[(String, Value)], key: &str) -> Option<usize> {
        self.table
            .find(self.hash(key), |&i| crate::keycmp::eq(&entries[i].0, key))
            .copied()
    }

    fn push(&mut self, entries: &[(String, Value)], i: usize) {
        let h = self.hash(&entries[i].0);
        let hasher = self.hasher.clone();
        self.table
            .insert_unique(h, i, |&j| hasher.hash_one(entries[j].0.as_str()));
    }

    fn forget(&mut self, key: &str, at: usize) {
        if let Ok(e) = self.table.find_entry(self.hash(key), |&i| i == at) {
            e.remove();
        }
    }

    fn moved(&mut self, key: &str, from: usize, to: usize) {
        if let Some(slot) = self.table.find_mut(self.hash(key), |&i| i == from) {
            *slot = to;
        }
    }
}

impl Map<String, Value> {
    pub fn new() -> Map {
        Map {
            entries: Vec::new(),
            index: None,
        }
    }

    pub fn with_capacity(n: usize) -> Map {
        Map {
            entries: Vec::with_capacity(n),
            index: None,
        }
    }

    /// A map of entries whose keys are known to be distinct (the YAML reader has checked).
    pub(crate) fn from_distinct(entries: Vec<(String, Value)>) -> Map {
        let mut m = Map {
            entries,
            index: None,
        };
        m.reindex();
        m
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn clear(&mut self) {
        self.entries.clear();
        self.index = None;
    }

    fn position(&self, key: &str) -> Option<usize> {
        match &self.index {
            Some(ix) => ix.find(&self.entries, key),
            None => self
                .entries
                .iter()
                .position(|(k, _)| crate::keycmp::eq(k, key)),
        }
    }

    /// Rebuilds (or drops) the index after entries moved.
    fn reindex(&mut self) {
        self.index = (self.entries.len() >= INDEX_FROM).then(|| Index::build(&self.entries));
    }

    fn push_new(&mut self, key: String, value: Value) -> usize {
        let i = self.entries.len();
        self.entries.push((key, value));
        match &mut self.index {
            Some(ix) => ix.push(&self.entries, i),
            None if self.entries.len() >= INDEX_FROM => self.reindex(),
            None => {}
        }
        i
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.position(key).map(|i| &self.entries[i].1)
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.position(key).map(|i| &mut self.entries[i].1)
    }

    pub fn get_key_value(&self, key: &str) -> Option<(&String, &Value)> {
        self.position(key).map(|i| {
            let (k, v) = &self.entries[i];
            (k, v)
        })
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.position(key).is_some()
    }

    /// Sets `key` to `value`: an existing key keeps its place and gives back its old value,
    /// a new one goes last.
    pub fn insert(&mut self, key: String, value: Value) -> Option<Value> {
        match self.position(&key) {
            Some(i) => Some(std::mem::replace(&mut self.entries[i].1, value)),
            None => {
                self.push_new(key, value);
                None
            }
        }
    }

    /// Removes `key`, moving the last entry into its place (as `serde_json::Map::remove`
    /// does with `preserve_order`).
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        self.swap_remove(key)
    }

    pub fn swap_remove(&mut self, key: &str) -> Option<Value> {
        let i = self.position(key)?;
        Some(self.swap_remove_at(i).1)
    }

    fn swap_remove_at(&mut self, i: usize) -> (String, Value) {
        let last = self.entries.len() - 1;
        if let Some(ix) = &mut self.index {
            ix.forget(&self.entries[i].0, i);
            if i != last {
                ix.moved(&self.entries[last].0, last, i);
            }
        }
        let out = self.entries.swap_remove(i);
        if self.index.is_some() && self.entries.len() < INDEX_FROM / 2 {
            self.index = None;
        }
        out
    }

    /// Removes `key`, keeping the order of the others.
    pub fn shift_remove(&mut self, key: &str) -> Option<Value> {
        let i = self.position(key)?;
        let (_, v) = self.entries.remove(i);
        if self.index.is_some() {
            self.reindex();
        }
        Some(v)
    }

    pub fn remove_entry(&mut self, key: &str) -> Option<(String, Value)> {
        let i = self.position(key)?;
        Some(self.swap_remove_at(i))
    }

    pub fn retain(&mut self, mut keep: impl FnMut(&String, &mut Value) -> bool) {
        let before = self.entries.len();
        self.entries.retain_mut(|(k, v)| keep(k, v));
        if self.entries.len() != before && self.index.is_some() {
            self.reindex();
        }
    }

    /// Moves every entry of `other` into this map (existing keys take the new values).
    pub fn append(&mut self, other: &mut Map) {
        let taken = std::mem::take(&mut other.entries);
        other.index = None;
        for (k, v) in taken {
            self.insert(k, v);
        }
    }

    pub fn entry(&mut self, key: impl Into<String>) -> Entry<'_> {
        let key = key.into();
        match self.position(&key) {
            Some(at) => Entry::Occupied(OccupiedEntry { map: self, at }),
            None => Entry::Vacant(VacantEntry { map: self, key }),
        }
    }

    /// Sorts the entries by key.
    pub fn sort_keys(&mut self) {
        self.entries.sort_by(|a, b| a.0.cmp(&b.0));
        if self.index.is_some() {
            self.reindex();
        }
    }

    pub fn iter(&self) -> Iter<'_> {
        Iter(self.entries.iter())
    }

    pub fn iter_mut(&mut self) -> IterMut<'_> {
        IterMut(self.entries.iter_mut())
    }

    pub fn keys(&self) -> Keys<'_> {
        Keys(self.entries.iter())
    }

    pub fn values(&self) -> Values<'_> {
        Values(self.entries.iter())
    }

    pub fn values_mut(&mut self) -> ValuesMut<'_> {
        ValuesMut(self.entries.iter_mut())
    }

    pub fn into_values(self) -> impl DoubleEndedIterator<Item = Value> + ExactSizeIterator {
        self.entries.into_iter().map(|(_, v)| v)
    }

    /// The entries as a slice, in order.
    pub fn as_slice(&self) -> &[(String, Value)] {
        &self.entries
    }
}

impl std::fmt::Debug for Map {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// Equal as maps: the same keys with equal values, in any order (as `IndexMap` compares).
impl PartialEq for Map {
    fn eq(&self, other: &Map) -> bool {
        if self.len() != other.len() {
            return false;
        }
        // the usual case first: the same keys in the same order
        let in_order = self
            .entries
            .iter()
            .zip(&other.entries)
            .all(|((ka, va), (kb, vb))| ka == kb && va == vb);
        in_order
            || self
                .iter()
                .all(|(k, v)| other.get(k).is_some_and(|w| v == w))
    }
}

impl Eq for Map {}

impl std::ops::Index<&str> for Map {
    type Output = Value;
    fn index(&self, key: &str) -> &Value {
        match self.get(key) {
            Some(v) => v,
            None => panic!("no entry found for key {key:?}"),
        }
    }
}

impl std::ops::IndexMut<&str> for Map {
    fn index_mut(&mut self, key: &str) -> &mut Value {
        match self.get_mut(key) {
            Some(v) => v,
            None => panic!("no entry found for key {key:?}"),
        }
    }
}

impl FromIterator<(String, Value)> for Map {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(iter: I) -> Map {
        let iter = iter.into_iter();
        let mut m = Map::with_capacity(iter.size_hint().0);
        for (k, v) in iter {
            m.insert(k, v);
        }
        m
    }
}

impl Extend<(String, Value)> for Map {
    fn extend<I: IntoIterator<Item = (String, Value)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

impl IntoIterator for Map {
    type Item = (String, Value);
    type IntoIter = std::vec::IntoIter<(String, Value)>;
    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

impl<'a> IntoIterator for &'a Map {
    type Item = (&'a String, &'a Value);
    type IntoIter = Iter<'a>;
    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl<'a> IntoIterator for &'a mut Map {
    type Item = (&'a String, &'a mut Value);
    type IntoIter = IterMut<'a>;
    fn into_iter(self) -> IterMut<'a> {
        self.iter_mut()
    }
}

// --- iterators ------------------------------------------------------------------------------

macro_rules! iterator {
    ($name:ident, $inner:ty, $item:ty, |$e:ident| $map:expr) => {
        pub struct $name<'a>($inner);
        impl<'a> Iterator for $name<'a> {
            type Item = $item;
            fn next(&mut self) -> Option<$item> {
                self.0.next().map(|$e| $map)
            }
            fn size_hint(&self) -> (usize, Option<usize>) {
                self.0.size_hint()
            }
            fn nth(&mut self, n: usize) -> Option<$item> {
                self.0.nth(n).map(|$e| $map)
            }
        }
        impl<'a> DoubleEndedIterator for $name<'a> {
            fn next_back(&mut self) -> Option<$item> {
                self.0.next_back().map(|$e| $map)
            }
        }
        impl<'a> ExactSizeIterator for $name<'a> {}
        impl<'a> std::iter::FusedIterator for $name<'a> {}
    };
}

iterator!(
    Iter,
    std::slice::Iter<'a, (String, Value)>,
    (&'a String, &'a Value),
    |e| (&e.0, &e.1)
);
iterator!(
    IterMut,
    std::slice::IterMut<'a, (String, Value)>,
    (&'a String, &'a mut Value),
    |e| (&e.0, &mut e.1)
);
iterator!(
    Keys,
    std::slice::Iter<'a, (String, Value)>,
    &'a String,
    |e| &e.0
);
iterator!(
    Values,
    std::slice::Iter<'a, (String, Value)>,
    &'a Value,
    |e| &e.1
);
iterator!(
    ValuesMut,
    std::slice::IterMut<'a, (String, Value)>,
    &'a mut Value,
    |e| &mut e.1
);

impl Clone for Iter<'_> {
    fn clone(&self) -> Self {
        Iter(self.0.clone())
    }
}

impl Clone for Keys<'_> {
    fn clone(&self) -> Self {
        Keys(self.0.clone())
    }
}

// --- entries --------------------------------------------------------------------------------

pub enum Entry<'a> {
    Vacant(VacantEntry<'a>),
    Occupied(OccupiedEntry<'a>),
}

pub struct VacantEntry<'a> {
    map: &'a mut Map,
    key: String,
}

pub struct OccupiedEntry<'a> {
    map: &'a mut Map,
    at: usize,
}

impl<'a> Entry<'a> {
    pub fn key(&self) -> &String {
        match self {
            Entry::Vacant(e) => &e.key,
            Entry::Occupied(e) => e.key(),
        }
    }

    pub fn or_insert(self, default: Value) -> &'a mut Value {
        match self {
            Entry::Vacant(e) => e.insert(default),
            Entry::Occupied(e) => e.into_mut(),
        }
    }

    pub fn or_insert_with(self, default: impl FnOnce() -> Value) -> &'a mut Value {
        match self {
            Entry::Vacant(e) => e.insert(default()),
            Entry::Occupied(e) => e.into_mut(),
        }
    }

    pub fn or_default(self) -> &'a mut Value {
        self.or_insert(Value::Null)
    }

    pub fn and_modify(self, f: impl FnOnce(&mut Value)) -> Entry<'a> {
        match self {
            Entry::Occupied(mut e) => {
                f(e.get_mut());
                Entry::Occupied(e)
            }
            e => e,
        }
    }
}

impl<'a> VacantEntry<'a> {
    pub fn key(&self) -> &String {
        &self.key
    }

    pub fn insert(self, value: Value) -> &'a mut Value {
        let i = self.map.push_new(self.key, value);
        &mut self.map.entries[i].1
    }
}

impl<'a> OccupiedEntry<'a> {
    pub fn key(&self) -> &String {
        &self.map.entries[self.at].0
    }

    pub fn get(&self) -> &Value {
        &self.map.entries[self.at].1
    }

    pub fn get_mut(&mut self) -> &mut Value {
        &mut self.map.entries[self.at].1
    }

    pub fn into_mut(self) -> &'a mut Value {
        &mut self.map.entries[self.at].1
    }

    pub fn insert(&mut self, value: Value) -> Value {
        std::mem::replace(self.get_mut(), value)
    }

    /// Removes the entry, moving the last one into its place (as `serde_json`'s
    /// `OccupiedEntry::remove` does with `preserve_order`).
    pub fn remove(self) -> Value {
        self.map.swap_remove_at(self.at).1
    }

    pub fn shift_remove(self) -> Value {
        let (_, v) = self.map.entries.remove(self.at);
        if self.map.index.is_some() {
            self.map.reindex();
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(m: &Map) -> Vec<&str> {
        m.keys().map(String::as_str).collect()
    }

    fn big(n: usize) -> Map {
        (0..n)
            .map(|i| (format!("k{i}"), Value::from(i as u64)))
            .collect()
    }

    #[test]
    fn insert_keeps_the_place_of_an_existing_key() {
        let mut m = Map::new();
        m.insert("b".into(), Value::from(1u64));
        m.insert("a".into(), Value::from(2u64));
        assert_eq!(
            m.insert("b".into(), Value::from(3u64)),
            Some(Value::from(1u64))
        );
        assert_eq!(keys(&m), ["b", "a"]);
        assert_eq!(m["b"], Value::from(3u64));
    }

    #[test]
    fn remove_swaps_and_shift_remove_keeps_order() {
        for n in [5, INDEX_FROM + 5] {
            let mut m = big(n);
            m.remove("k1");
            assert_eq!(
                m.keys().nth(1).map(String::as_str),
                Some(&*format!("k{}", n - 1))
            );
            m.shift_remove("k0");
            assert_eq!(
                m.keys().next().map(String::as_str),
                Some(&*format!("k{}", n - 1))
            );
            assert_eq!(m.len(), n - 2);
            for i in 2..n - 1 {
                assert_eq!(
                    m.get(&format!("k{i}")),
                    Some(&Value::from(i as u64)),
                    "{n} {i}"
                );
            }
            assert!(m.get("k0").is_none() && m.get("k1").is_none());
        }
    }

    #[test]
    fn the_index_follows_every_change() {
        let mut m = big(3 * INDEX_FROM);
        assert!(m.index.is_some());
        m.retain(|k, _| k.len() == 3);
        let want: Vec<String> = (10..3 * INDEX_FROM).map(|i| format!("k{i}")).collect();
        assert_eq!(keys(&m), want);
        for k in &want {
            assert!(m.contains_key(k), "{k}");
        }
        *m.entry("new").or_insert(Value::Null) = Value::Bool(true);
        assert_eq!(m.get("new"), Some(&Value::Bool(true)));
        if let Entry::Occupied(e) = m.entry("k10") {
            e.remove();
        }
        assert!(!m.contains_key("k10"));
        assert_eq!(m.get("new"), Some(&Value::Bool(true)));
        while m.len() > 2 {
            let k = m.keys().next().cloned().unwrap_or_default();
            m.remove(&k);
            for k in m.keys() {
                assert!(m.get(k).is_some(), "{k}");
            }
        }
        assert!(m.index.is_none());
    }

    #[test]
    fn equality_ignores_order() {
        let a: Map = [("x".into(), Value::Null), ("y".into(), Value::Bool(true))]
            .into_iter()
            .collect();
        let b: Map = [("y".into(), Value::Bool(true)), ("x".into(), Value::Null)]
            .into_iter()
            .collect();
        assert_eq!(a, b);
        let c: Map = [("y".into(), Value::Bool(false)), ("x".into(), Value::Null)]
            .into_iter()
            .collect();
        assert_ne!(a, c);
    }

    #[test]
    fn building_a_large_map_is_linear() {
        let n = 200_000;
        let start = std::time::Instant::now();
        let m = big(n);
        assert_eq!(m.len(), n);
        assert_eq!(m.get("k199999"), Some(&Value::from(199_999u64)));
        // quadratic scanning would take minutes
        assert!(start.elapsed() < std::time::Duration::from_secs(10));
    }
}
