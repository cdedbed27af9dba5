//! Output order (kustomize's SortOrderTransformer): `legacy` (by kind rank, then gvk, then
//! namespace and name) or `fifo` (as accumulated).
use crate::error::{Error, Result};
use crate::resmap::ResMap;
use crate::resource::{Gvk, ResId};
use crate::types::SortOptions;

use super::config::{ORDER_FIRST as DEFAULT_FIRST, ORDER_LAST as DEFAULT_LAST, rank_in};

/// Orders `rm` as kustomize does; `None` means the default legacy order.
pub fn sort(rm: &mut ResMap, opts: Option<&SortOptions>) -> Result<()> {
    let (first, last): (Vec<String>, Vec<String>) = match opts {
        None => (
            DEFAULT_FIRST.iter().map(|s| s.to_string()).collect(),
            DEFAULT_LAST.iter().map(|s| s.to_string()).collect(),
        ),
        Some(o) => match o.order.as_str() {
            "fifo" => {
                if o.legacy_sort_options.is_some() {
                    return Err(Error::msg(
                        "sortOptions.legacySortOptions is set but the sort order is \"fifo\", not \"legacy\"",
                    )
                    .at_field("sortOptions"));
                }
                return Ok(());
            }
            "legacy" => match &o.legacy_sort_options {
                Some(l) => (l.order_first.clone(), l.order_last.clone()),
                None => (
                    DEFAULT_FIRST.iter().map(|s| s.to_string()).collect(),
                    DEFAULT_LAST.iter().map(|s| s.to_string()).collect(),
                ),
            },
            other => {
                return Err(Error::msg(format!(
                    "sortOptions.order must be \"fifo\" or \"legacy\", not {other:?}"
                ))
                .at_field("sortOptions.order"));
            }
        },
    };
    legacy_sort(rm, &first, &last);
    Ok(())
}

struct Key {
    rank: i64,
    gvk: Gvk,
    gvk_key: String,
    id_key: String,
    /// Where the namespace and name start in `id_key`: objects of one gvk share what is
    /// before, so comparing from here orders them the same, with less to compare.
    id_tail: usize,
}

fn legacy_sort(rm: &mut ResMap, first: &[String], last: &[String]) {
    // Keys are built on all cores; indices are sorted (an object is a few hundred bytes,
    // too much to move at every step of the sort) and the objects moved once.
    let keys: Vec<Key> = crate::par::map_all(rm.as_slice(), |r| {
        let id = r.id();
        let (id_key, id_tail) = id_sort_key(&id);
        Key {
            rank: rank_in(&id.gvk.kind, first, last),
            gvk_key: id.gvk.stable_sort_key(),
            id_key,
            id_tail,
            gvk: id.gvk,
        }
    });
    // Each object's gvk as its position among the distinct gvks: equal gvks compare as one
    // number.
    let mut seen: crate::hashing::HashMap<&Gvk, usize> = Default::default();
    let gvk_ord: Vec<usize> = keys
        .iter()
        .map(|k| {
            let next = seen.len();
            *seen.entry(&k.gvk).or_insert(next)
        })
        .collect();
    let mut order: Vec<usize> = (0..keys.len()).collect();
    // stable, as kustomize's sort is: objects with equal keys keep their order
    order.sort_by(|&i, &j| {
        let (a, b) = (&keys[i], &keys[j]);
        if gvk_ord[i] != gvk_ord[j] {
            if a.rank != b.rank {
                return a.rank.cmp(&b.rank);
            }
            // kustomize's quirk: Namespaces of which one has no group order in reverse.
            if a.gvk.kind == "Namespace"
                && b.gvk.kind == "Namespace"
                && (a.gvk.group.is_empty() || b.gvk.group.is_empty())
            {
                return b.gvk_key.cmp(&a.gvk_key);
            }
            return a.gvk_key.cmp(&b.gvk_key);
        }
        a.id_key[a.id_tail..].cmp(&b.id_key[b.id_tail..])
    });
    let mut list: Vec<Option<crate::resource::Resource>> = std::mem::take(rm.as_mut_vec())
        .into_iter()
        .map(Some)
        .collect();
    *rm.as_mut_vec() = order
        .into_iter()
        .filter_map(|i| list.get_mut(i).and_then(Option::take))
        .collect();
}

/// kustomize's `legacyResIDSortString`: `Kind.version.group|namespace|name` with
/// placeholders for empty parts; also where `namespace|name` starts.
fn id_sort_key(id: &ResId) -> (String, usize) {
    let or = crate::resource::or_placeholder;
    let parts = [
        or(&id.gvk.kind, "[noKind]"),
        ".",
        or(&id.gvk.version, "[noVer]"),
        ".",
        or(&id.gvk.group, "[noGrp]"),
        "|",
        or(&id.namespace, "~X"),
        "|",
        or(&id.name, "~N"),
    ];
    let tail = parts[..6].iter().map(|p| p.len()).sum();
    // one exact allocation instead of `format!`'s growing buffers (one key per object)
    (parts.concat(), tail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;
    use crate::resource::{Origin, Resource};
    use crate::value::Value;

    fn obj(api: &str, kind: &str, ns: &str, name: &str) -> Value {
        let mut meta = json!({"name": name});
        if !ns.is_empty() {
            meta["namespace"] = json!(ns);
        }
        json!({"apiVersion": api, "kind": kind, "metadata": meta})
    }

    fn sorted(objs: Vec<Value>) -> Vec<String> {
        let list = objs
            .into_iter()
            .map(|v| Resource::new(v, Origin::default()))
            .collect();
        let mut rm = ResMap::from_vec(list);
        sort(&mut rm, None).unwrap();
        rm.iter().map(|r| r.id().to_string()).collect()
    }

    #[test]
    fn kinds_by_rank_then_the_whole_id_string() {
        let got = sorted(vec![
            obj("apps/v1", "Deployment", "ab", "y"),
            obj("v1", "ConfigMap", "ab", "y"),
            obj("apps/v1", "Deployment", "a", "x"),
            obj("v1", "Namespace", "", "ns"),
            obj("v1", "ConfigMap", "a", "x"),
            obj("apps/v1", "Deployment", "", "z"),
        ]);
        // within a kind the key is `ns|name` as one string: `a|x` sorts after `ab|y`
        // ('|' > 'b'), and an empty namespace is `~X`, after both
        let want = [
            "Namespace ns",
            "ConfigMap ab/y",
            "ConfigMap a/x",
            "Deployment ab/y",
            "Deployment a/x",
            "Deployment z",
        ];
        assert_eq!(got, want);
    }

    #[test]
    fn equal_ids_keep_their_order() {
        let mut a = obj("v1", "ConfigMap", "n", "same");
        a["data"] = json!({"first": "1"});
        let b = obj("v1", "ConfigMap", "n", "same");
        let list = vec![
            Resource::new(a, Origin::default()),
            Resource::new(b, Origin::default()),
        ];
        let mut rm = ResMap::from_vec(list);
        sort(&mut rm, None).unwrap();
        assert!(rm.as_slice()[0].body.get("data").is_some());
    }
}
