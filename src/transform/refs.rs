//! The name-reference table: which fields of which kinds hold the name of an object of
//! which kind. One place, read by the name-reference fixer and meant for later users
//! (dangling-reference checks, dependency graphs).
use super::config::{TransformerConfig, fs_gvk};
use crate::resource::Gvk;
use crate::types::FieldSpec;

/// One row: objects selected by `referrer`'s gvk hold, at `referrer.path`, the name of an
/// object selected by `target`.
#[derive(Debug, Clone, Copy)]
pub struct RefSpec<'a> {
    pub target: &'a Gvk,
    pub referrer: &'a FieldSpec,
}

impl RefSpec<'_> {
    /// The gvk selector of the referring objects.
    pub fn referrer_gvk(&self) -> Gvk {
        fs_gvk(self.referrer)
    }
}

/// The table of `tc`, in kustomize's order (by target gvk, then as listed).
pub struct RefTable<'a> {
    rows: Vec<(Gvk, &'a FieldSpec)>,
}

impl<'a> RefTable<'a> {
    pub fn new(tc: &'a TransformerConfig) -> RefTable<'a> {
        let mut rows = Vec::new();
        for nbr in &tc.name_reference {
            let g = nbr.gvk();
            for fs in &nbr.referrers {
                rows.push((g.clone(), fs));
            }
        }
        RefTable { rows }
    }

    pub fn iter(&self) -> impl Iterator<Item = RefSpec<'_>> {
        self.rows.iter().map(|(g, fs)| RefSpec {
            target: g,
            referrer: fs,
        })
    }

    /// Rows whose referrer selector selects `gvk`, in table order.
    pub fn for_referrer<'s, 'g>(
        &'s self,
        gvk: &'g Gvk,
    ) -> impl Iterator<Item = RefSpec<'s>> + use<'s, 'g, 'a> {
        self.iter()
            .filter(move |r| super::fieldspec::spec_matches(r.referrer, gvk))
    }
}
