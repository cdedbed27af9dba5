//! The merge schema in force for strategic-merge patches (kustomization field `openapi:`).
//!
//! kustomize keeps one global schema per build: the top-level kustomization sets it (its
//! `openapi:` or the builtin one), and a base's `openapi:` only takes effect when nothing set
//! one before it — the first one met in build order wins. We reproduce that with a
//! per-thread slot reset at the start of every build.
use std::cell::RefCell;
use std::sync::Arc;

use crate::build::Target;
use crate::error::{Error, Result};
use crate::patch::MergeSchema;

/// `None`: nothing chose a schema yet; `Some(None)`: the builtin one was chosen by
/// `openapi: {version: ...}`; `Some(Some(s))`: a custom schema.
pub(crate) type Slot = Option<Option<Arc<MergeSchema>>>;

thread_local! {
    static CURRENT: RefCell<Slot> = const { RefCell::new(None) };
}

/// Runs `f` with the schema patches use now: a custom one if set, else the builtin table.
pub fn with_current<R>(f: impl FnOnce(&MergeSchema) -> R) -> R {
    match CURRENT.with(|c| c.borrow().clone()) {
        Some(Some(s)) => f(&s),
        _ => f(MergeSchema::builtin()),
    }
}

/// The schema choice of this thread, to hand to worker threads ([`with_slot`]).
pub(crate) fn snapshot() -> Slot {
    CURRENT.with(|c| c.borrow().clone())
}

/// Runs `f` with `slot` as this thread's schema choice (a worker merging patches for the
/// build thread), then restores what was there.
pub(crate) fn with_slot<R>(slot: &Slot, f: impl FnOnce() -> R) -> R {
    let prev = CURRENT.with(|c| c.replace(slot.clone()));
    let out = f();
    CURRENT.with(|c| *c.borrow_mut() = prev);
    out
}

/// Applies `target`'s `openapi:` field. `reset` is true for the top-level kustomization.
pub fn set_from(target: &Target, reset: bool) -> Result<()> {
    let is_set = CURRENT.with(|c| c.borrow().is_some());
    if reset {
        CURRENT.with(|c| *c.borrow_mut() = None);
    } else if is_set {
        return Ok(());
    }
    let field = &target.kust.openapi;
    let file = target.file.as_path();
    let Some(path) = field.get("path") else {
        if let Some(v) = field.get("version")
            && !v.is_empty()
            && v != "v1.21.2"
        {
            return Err(Error::msg(format!(
                "openapi version {v:?} is not built in (only v1.21.2 is)"
            ))
            .in_file(file)
            .at_field("openapi.version"));
        }
        if field.get("version").is_some_and(|v| !v.is_empty()) {
            CURRENT.with(|c| *c.borrow_mut() = Some(None));
        }
        return Ok(());
    };
    if field.contains_key("version") {
        return Err(
            Error::msg("openapi: give either a path or a version, not both")
                .in_file(file)
                .at_field("openapi"),
        );
    }
    let (p, bytes) = target
        .loader
        .read_file(path)
        .map_err(|e| e.in_file(file).at_field("openapi.path"))?;
    let shown = crate::build::files::display_path(&p);
    let text = crate::yaml::decode_utf8(&bytes).map_err(|e| Error::from(e).in_file(&shown))?;
    let docs: Vec<crate::value::Value> = crate::yaml::parse_stream(text)
        .map_err(|e| Error::from(e).in_file(&shown))?
        .into_iter()
        .map(|d| d.value)
        .filter(|v| !v.is_null())
        .collect();
    let schema = MergeSchema::from_openapi_documents(&docs, false)
        .map_err(|e| Error::from(e).in_file(&shown))?;
    CURRENT.with(|c| *c.borrow_mut() = Some(Some(Arc::new(schema))));
    Ok(())
}
