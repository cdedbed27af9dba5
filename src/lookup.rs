//! Key lookups on JSON maps that skip hashing when the map is small.
//!
//! Resource bodies are `serde_json` maps that keep key order (an `IndexMap` with the
//! standard SipHash hasher). Nearly every map in a Kubernetes object has a handful of keys,
//! and for those hashing the key costs more than comparing it with each one: profiles of
//! large builds showed key hashing and probing as the largest single cost after parsing.
//! The hot paths (object ids, field-spec walks, schema walks) look keys up through
//! [`Lookup`], which scans maps of up to [`LINEAR`] entries and hashes only larger ones.
use serde_json::{Map, Value};

/// Maps up to this many entries are scanned instead of hashed.
pub const LINEAR: usize = 12;

pub trait Lookup {
    /// The value at `key` of a map (`None` for anything else).
    fn field(&self, key: &str) -> Option<&Value>;
    /// [`Lookup::field`], mutably.
    fn field_mut(&mut self, key: &str) -> Option<&mut Value>;
}

impl Lookup for Map<String, Value> {
    #[inline]
    fn field(&self, key: &str) -> Option<&Value> {
        if self.len() <= LINEAR {
            self.iter().find(|(k, _)| k.as_str() == key).map(|(_, v)| v)
        } else {
            self.get(key)
        }
    }

    #[inline]
    fn field_mut(&mut self, key: &str) -> Option<&mut Value> {
        if self.len() <= LINEAR {
            self.iter_mut()
                .find(|(k, _)| k.as_str() == key)
                .map(|(_, v)| v)
        } else {
            self.get_mut(key)
        }
    }
}

impl Lookup for Value {
    #[inline]
    fn field(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Object(m) => m.field(key),
            _ => None,
        }
    }

    #[inline]
    fn field_mut(&mut self, key: &str) -> Option<&mut Value> {
        match self {
            Value::Object(m) => m.field_mut(key),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn finds_the_same_as_get_at_every_size() {
        for n in [0, 1, 2, LINEAR, LINEAR + 1, 40] {
            let mut m = Map::new();
            for i in 0..n {
                m.insert(format!("k{i}"), json!(i));
            }
            let mut v = Value::Object(m.clone());
            for i in 0..n + 2 {
                let k = format!("k{i}");
                assert_eq!(m.field(&k), m.get(&k), "{n} {k}");
                assert_eq!(v.field(&k).cloned(), m.get(&k).cloned());
                if let Some(x) = v.field_mut(&k) {
                    *x = json!("changed");
                }
            }
            assert!(
                v.as_object()
                    .is_some_and(|o| o.values().all(|x| x == "changed"))
            );
            assert_eq!(json!([1]).field("k0"), None);
        }
    }
}
