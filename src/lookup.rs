//! Key lookups on mappings, by name, for code that holds either a [`Map`] or a [`Value`].
//!
//! [`Map`] itself scans small mappings and hashes only large ones (see `crate::value`), so
//! these are plain lookups; the trait gives a node that may not be a mapping the same
//! `field` call as a mapping.
use crate::value::{Map, Value};

pub trait Lookup {
    /// The value at `key` of a map (`None` for anything else).
    fn field(&self, key: &str) -> Option<&Value>;
    /// [`Lookup::field`], mutably.
    fn field_mut(&mut self, key: &str) -> Option<&mut Value>;
}

impl Lookup for Map<String, Value> {
    #[inline]
    fn field(&self, key: &str) -> Option<&Value> {
        self.get(key)
    }

    #[inline]
    fn field_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.get_mut(key)
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
    use crate::json;

    #[test]
    fn finds_the_same_as_get_at_every_size() {
        for n in [
            0,
            1,
            2,
            crate::value::INDEX_FROM,
            crate::value::INDEX_FROM + 1,
            40,
        ] {
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
