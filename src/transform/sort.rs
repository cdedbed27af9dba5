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
}

fn legacy_sort(rm: &mut ResMap, first: &[String], last: &[String]) {
    let list = std::mem::take(rm.as_mut_vec());
    let mut keyed: Vec<(Key, crate::resource::Resource)> = list
        .into_iter()
        .map(|r| {
            let id = r.id();
            let key = Key {
                rank: rank_in(&id.gvk.kind, first, last),
                gvk_key: id.gvk.stable_sort_key(),
                id_key: id_sort_key(&id),
                gvk: id.gvk,
            };
            (key, r)
        })
        .collect();
    keyed.sort_by(|(a, _), (b, _)| {
        if a.gvk != b.gvk {
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
        a.id_key.cmp(&b.id_key)
    });
    *rm.as_mut_vec() = keyed.into_iter().map(|(_, r)| r).collect();
}

/// kustomize's `legacyResIDSortString`: `Kind.version.group|namespace|name` with
/// placeholders for empty parts.
fn id_sort_key(id: &ResId) -> String {
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
    // one exact allocation instead of `format!`'s growing buffers (one key per object)
    parts.concat()
}
