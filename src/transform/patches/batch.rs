//! Runs of `patches` entries applied object by object, on all cores.
//!
//! A typical overlay patches each service: a target-less strategic-merge document for its
//! Deployment, then a JSON 6902 op list with a name `target` for the same Deployment or
//! its HorizontalPodAutoscaler, and so on, one service after another. None of these
//! entries changes an object's id, so every entry's objects can be found before any is
//! applied, and entries for different objects commute. A run of such entries is therefore
//! applied per object (each object's entries in their `patches` order), objects in
//! parallel, with the outcome of the one-by-one loop:
//! - every object sees exactly the entries that would have reached it, in order;
//! - the first failure in entry order (then object order) is the one reported, after the
//!   failures of finding targets that come later;
//! - "matches no object" warnings are noted in entry order.
//!
//! An entry may join a run ([`joins_run`]) when it cannot change which objects later
//! entries select: a target-less strategic-merge patch without a top-level `$patch` and
//! without `allowNameChange`/`allowKindChange`, or a JSON 6902 op list whose `target`
//! selects by id only (no label or annotation selector) and whose ops write nowhere near
//! `apiVersion`, `kind`, `metadata.name` or `metadata.namespace`.
use crate::value::Value;

use super::{
    Content, MergeOutcome, SmpMode, Source, apply_json, find_patch_target, merge_into, option,
    selected_indices, warn_no_match,
};
use crate::error::{Error, Result};
use crate::resmap::ResMap;
use crate::resource::Resource;
use crate::types::{Patch, Selector};

/// Fewest object updates worth spreading over threads.
const PARALLEL_UPDATES: usize = 32;

/// One document or op list of a run.
pub(super) struct Step<'a> {
    pub src: &'a Source,
    pub op: Op<'a>,
}

pub(super) enum Op<'a> {
    /// A target-less strategic-merge document (its own id names its object).
    Smp(&'a Value),
    /// A JSON 6902 op list and its `target`.
    Json(&'a [Value], &'a Selector),
}

/// Whether a loaded `patches` entry can join a run (see the module notes).
pub(super) fn joins_run(content: &Content, p: &Patch) -> bool {
    if option(&p.options, "allowNameChange") || option(&p.options, "allowKindChange") {
        return false;
    }
    match (content, &p.target) {
        (Content::Smp(docs), None) => docs.iter().all(|d| d.get("$patch").is_none()),
        (Content::Json(ops), Some(sel)) => {
            sel.label_selector.is_empty()
                && sel.annotation_selector.is_empty()
                && ops.iter().all(op_keeps_id)
        }
        _ => false,
    }
}

/// Whether a JSON pointer may reach `apiVersion`, `kind`, `metadata.name` or
/// `metadata.namespace` (or a parent of them). Escaped tokens are taken as reaching.
fn reaches_id(pointer: &str) -> bool {
    let mut tokens = pointer.split('/');
    if tokens.next() != Some("") {
        return true;
    }
    match tokens.next() {
        None => true,
        Some(t) if t.contains('~') => true,
        Some("apiVersion" | "kind") => true,
        Some("metadata") => match tokens.next() {
            None => true,
            Some(t) => t.contains('~') || t == "name" || t == "namespace",
        },
        Some(_) => false,
    }
}

/// Whether a JSON 6902 op leaves the object's id alone (`test` only reads).
fn op_keeps_id(op: &Value) -> bool {
    let text = |k: &str| op.get(k).and_then(Value::as_str);
    let Some(path) = text("path") else {
        return false;
    };
    match text("op") {
        Some("test") => true,
        Some("move") => text("from").is_some_and(|f| !reaches_id(f)) && !reaches_id(path),
        Some(_) => !reaches_id(path),
        None => false,
    }
}

/// Applies one step to one object, as the one-by-one loop does.
fn apply_step(res: &mut Resource, step: &Step<'_>) -> Result<MergeOutcome> {
    match step.op {
        Op::Smp(doc) => merge_into(res, doc, SmpMode::default(), step.src),
        Op::Json(ops, _) => apply_json(res, ops, step.src, true).map(|()| MergeOutcome::Merged),
    }
}

/// Applies a run of steps (see the module notes).
pub(super) fn apply_run(rm: &mut ResMap, mut steps: &[Step<'_>]) -> Result<()> {
    while !steps.is_empty() {
        // Every step's objects, found before anything changes. A failing lookup ends this
        // round: the steps before it apply first (their failures come first), then the
        // failing step is looked up again, as the one-by-one loop would.
        let mut targets: Vec<Vec<usize>> = Vec::with_capacity(steps.len());
        let mut lookup_error = None;
        for step in steps {
            let found = match step.op {
                Op::Smp(doc) => find_patch_target(rm, doc, step.src).map(|i| vec![i]),
                Op::Json(_, sel) => selected_indices(rm, sel, step.src),
            };
            match found {
                Ok(t) => targets.push(t),
                Err(e) => {
                    lookup_error = Some(e);
                    break;
                }
            }
        }
        if targets.is_empty()
            && let Some(e) = lookup_error
        {
            return Err(e);
        }
        let now = steps.get(..targets.len()).unwrap_or(steps);
        let updates: usize = targets.iter().map(Vec::len).sum();
        let done = if updates < PARALLEL_UPDATES {
            apply_in_order(rm, now, &targets)?
        } else {
            apply_per_object(rm, now, &targets)?;
            now.len()
        };
        steps = steps.get(done..).unwrap_or(&[]);
    }
    Ok(())
}

/// The one-by-one loop, for short runs. Returns how many steps it applied: all of them, or
/// up to one that deleted its object (indices moved, so the rest is looked up again).
fn apply_in_order(rm: &mut ResMap, steps: &[Step<'_>], targets: &[Vec<usize>]) -> Result<usize> {
    for (pos, (step, objs)) in steps.iter().zip(targets).enumerate() {
        for &i in objs {
            match rm.update(i, |res| apply_step(res, step)) {
                Some(Ok(MergeOutcome::Merged)) | None => {}
                Some(Ok(MergeOutcome::Deleted)) => {
                    rm.remove(i);
                    return Ok(pos + 1);
                }
                Some(Err(e)) => return Err(e),
            }
        }
        if objs.is_empty()
            && let Op::Json(_, sel) = step.op
        {
            warn_no_match(rm, step.src, sel);
        }
    }
    Ok(steps.len())
}

/// Each object's steps in order, objects in parallel.
fn apply_per_object(rm: &mut ResMap, steps: &[Step<'_>], targets: &[Vec<usize>]) -> Result<()> {
    // Step positions per object, in step order.
    let mut per_object: Vec<Vec<usize>> = vec![Vec::new(); rm.len()];
    for (pos, objs) in targets.iter().enumerate() {
        for &i in objs {
            if let Some(v) = per_object.get_mut(i) {
                v.push(pos);
            }
        }
    }
    struct Work<'r> {
        res: &'r mut Resource,
        index: usize,
        positions: Vec<usize>,
        /// (step position, error) of the first failure
        failed: Option<(usize, Error)>,
        /// step position at which the object was deleted
        deleted_at: Option<usize>,
    }
    let mut work: Vec<Work<'_>> = rm
        .as_mut_slice()
        .iter_mut()
        .zip(per_object)
        .enumerate()
        .filter(|(_, (_, positions))| !positions.is_empty())
        .map(|(index, (res, positions))| Work {
            res,
            index,
            positions,
            failed: None,
            deleted_at: None,
        })
        .collect();
    let schema = crate::build::openapi::snapshot();
    crate::par::for_each_mut(&mut work, crate::par::HEAVY_CHUNK, |w| {
        let id = w.res.id();
        for &pos in &w.positions {
            let Some(step) = steps.get(pos) else {
                continue;
            };
            match crate::build::openapi::with_slot(&schema, || apply_step(w.res, step)) {
                Ok(MergeOutcome::Merged) => {}
                Ok(MergeOutcome::Deleted) => {
                    w.deleted_at = Some(pos);
                    return Ok(());
                }
                Err(e) => {
                    w.failed = Some((pos, e));
                    return Ok(());
                }
            }
        }
        // Guaranteed by `joins_run`; checked because the indexes rely on it.
        if w.res.id() != id {
            return Err(Error::msg(format!(
                "internal: a batched patch changed the id of {id}"
            )));
        }
        Ok(())
    })?;
    let mut first_error: Option<(usize, usize, Error)> = None;
    let mut deleted: Vec<(usize, usize)> = Vec::new();
    for w in work {
        if let Some((pos, e)) = w.failed
            && first_error
                .as_ref()
                .is_none_or(|(p, i, _)| (pos, w.index) < (*p, *i))
        {
            first_error = Some((pos, w.index, e));
        }
        if let Some(pos) = w.deleted_at {
            deleted.push((w.index, pos));
        }
    }
    if let Some((_, _, e)) = first_error {
        return Err(e);
    }
    // An object deleted by its patch leaves the build. A later document for it then finds
    // nothing (the lookup reports it), and a later op list that selected only deleted
    // objects selects nothing.
    let deleted_before = |i: usize, pos: usize| deleted.iter().any(|&(d, at)| d == i && at < pos);
    let mut no_match = Vec::new();
    let mut missing = None;
    for (pos, (step, objs)) in steps.iter().zip(targets).enumerate() {
        let gone = !objs.is_empty() && objs.iter().all(|&i| deleted_before(i, pos));
        match step.op {
            Op::Json(_, sel) if objs.is_empty() || gone => no_match.push((step.src, sel)),
            Op::Smp(doc) if gone && missing.is_none() => missing = Some((step.src, doc)),
            _ => {}
        }
    }
    let mut gone: Vec<usize> = deleted.iter().map(|d| d.0).collect();
    gone.sort_unstable();
    for i in gone.iter().rev() {
        rm.remove(*i);
    }
    for (src, sel) in no_match {
        warn_no_match(rm, src, sel);
    }
    if let Some((src, doc)) = missing {
        find_patch_target(rm, doc, src)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    #[test]
    fn pointers_that_reach_the_id() {
        for p in [
            "",
            "/",
            "/kind",
            "/apiVersion",
            "/metadata",
            "/metadata/name",
            "/metadata/namespace",
            "/metadata~1x",
            "/metadata/na~1me",
            "relative",
        ] {
            // "/" names the key "" at the root: harmless, but the only one of the lot
            assert_eq!(reaches_id(p), p != "/", "{p:?}");
        }
        for p in [
            "/spec/replicas",
            "/metadata/labels/app",
            "/metadata/annotations",
            "/data/kind",
        ] {
            assert!(!reaches_id(p), "{p:?}");
        }
    }

    #[test]
    fn ops_that_keep_the_id() {
        assert!(op_keeps_id(
            &json!({"op": "replace", "path": "/spec/replicas", "value": 2})
        ));
        assert!(op_keeps_id(
            &json!({"op": "test", "path": "/metadata/name", "value": "a"})
        ));
        assert!(!op_keeps_id(
            &json!({"op": "replace", "path": "/metadata/name", "value": "b"})
        ));
        assert!(!op_keeps_id(
            &json!({"op": "move", "from": "/metadata/name", "path": "/x"})
        ));
        assert!(!op_keeps_id(&json!({"op": "add", "value": 1})));
        assert!(op_keeps_id(
            &json!({"op": "copy", "from": "/metadata/name", "path": "/data/n"})
        ));
    }
}
