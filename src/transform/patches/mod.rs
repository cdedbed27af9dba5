//! The patch transformers: `patchesStrategicMerge`, `patches` and `patchesJson6902`
//! (kustomize v5.6's PatchStrategicMergeTransformer, PatchTransformer and
//! PatchJson6902Transformer). Each runs at its own place in kustomize's order, on the
//! resources this kustomization has accumulated so far.
//!
//! As in kustomize, every entry of a field is read and checked before any of them is applied.
//! - `patches`: an entry is `path` or inline `patch` (exactly one). Its content is a JSON 6902
//!   op list if it reads as one (YAML, or JSON when it starts with `[`), else strategic-merge
//!   documents. Strategic-merge documents without `target` patch the object with their own
//!   id (original, earlier or current); with `target` the single document patches every
//!   selected object, keeping the object's name and kind unless `options` allow changing them.
//!   JSON 6902 needs `target`.
//! - `patchesStrategicMerge`: file paths or inline YAML, each patching the object with its id.
//! - `patchesJson6902`: `target` (a name is required) and `path` or inline `patch`.
//!
//! A strategic-merge patch whose object is not in the build is an error; a `target` that
//! selects nothing is not (kustomize ignores it), but we print a warning.
mod batch;
mod json6902;
mod merge;

use std::path::PathBuf;

use crate::value::Value;

pub use merge::{MergeOutcome, merge_patch};

use crate::build::{Accumulator, Target};
use crate::error::{Error, Result};
use crate::resmap::ResMap;
use crate::resource::{Gvk, ResId, Resource};
use crate::select::Matcher;
use crate::types::Selector;

/// Where a patch came from, for messages.
#[derive(Debug, Clone)]
struct Source {
    /// The patch file, or the kustomization file for inline patches.
    file: PathBuf,
    /// The kustomization field of an inline patch (`patches[1].patch`).
    field: Option<String>,
}

impl Source {
    fn err(&self, msg: impl Into<String>) -> Error {
        let e = Error::msg(msg).in_file(&self.file);
        match &self.field {
            Some(f) => e.at_field(f.clone()),
            None => e,
        }
    }
}

fn kust_err(target: &Target, field: String, msg: impl Into<String>) -> Error {
    Error::msg(msg)
        .in_file(target.file.as_path())
        .at_field(field)
}

/// Reads a patch file through the target's loader (which applies the load restrictor).
fn read_patch_file(target: &Target, rel: &str, field: &str) -> Result<(Source, String)> {
    let (path, bytes) = target
        .loader
        .read_file(rel)
        .map_err(|e| e.in_file(target.file.as_path()).at_field(field.to_string()))?;
    let shown = crate::build::files::display_path(&path);
    let text = crate::yaml::decode_utf8(&bytes)
        .map_err(|e| Error::from(e).in_file(&shown))?
        .to_string();
    Ok((
        Source {
            file: shown,
            field: None,
        },
        text,
    ))
}

fn inline_source(target: &Target, field: String) -> Source {
    Source {
        file: target.file.as_path().to_path_buf(),
        field: Some(field),
    }
}

/// Reads strategic-merge patch documents: empty documents are skipped, `*List` kinds are
/// flattened, and every other document must be an object with `kind` and `metadata.name`.
fn smp_docs(text: &str) -> std::result::Result<Vec<Value>, String> {
    smp_docs_and_first(text).map(|(docs, _)| docs)
}

/// [`smp_docs`], and whether the stream's first document is a mapping (then the text
/// cannot also be a JSON 6902 op list).
fn smp_docs_and_first(text: &str) -> std::result::Result<(Vec<Value>, bool), String> {
    let docs = crate::yaml::parse_stream(text).map_err(|e| e.to_string())?;
    let first_is_map = docs.first().is_some_and(|d| d.value.is_object());
    let mut queue: std::collections::VecDeque<(Value, usize)> =
        docs.into_iter().map(|d| (d.value, d.line)).collect();
    let mut out = Vec::new();
    while let Some((v, line)) = queue.pop_front() {
        let at = |msg: String| {
            if line > 0 {
                format!("line {line}: {msg}")
            } else {
                msg
            }
        };
        let obj = match v {
            Value::Null => continue,
            Value::Object(m) if m.is_empty() => continue,
            Value::Object(m) => m,
            other => {
                return Err(at(format!(
                    "a strategic-merge patch is a mapping (an object), found {}",
                    crate::types::type_name(&other)
                )));
            }
        };
        let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("");
        if kind.is_empty() {
            return Err(at(
                "missing `kind`: a strategic-merge patch names the kind, \
                 apiVersion and metadata.name of the object it patches"
                    .into(),
            ));
        }
        if kind.ends_with("List") {
            match obj.get("items") {
                Some(Value::Array(items)) => {
                    queue.extend(items.iter().map(|i| (i.clone(), line)));
                    continue;
                }
                Some(Value::Null) => continue,
                Some(_) => return Err(at(format!("{kind}: `items` must be a list"))),
                None => {}
            }
        }
        let name = obj
            .get("metadata")
            .and_then(|m| m.get("name"))
            .and_then(Value::as_str)
            .unwrap_or("");
        if name.is_empty() && !kind.ends_with("List") {
            return Err(at(format!("{kind} patch has no metadata.name")));
        }
        out.push(Value::Object(obj));
    }
    Ok((out, first_is_map))
}

/// The id a strategic-merge patch document names.
fn patch_id(doc: &Value) -> ResId {
    let s = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or("").to_string();
    let meta = doc.get("metadata");
    ResId {
        gvk: Gvk::from_api_version(
            doc.get("apiVersion").and_then(Value::as_str).unwrap_or(""),
            doc.get("kind").and_then(Value::as_str).unwrap_or(""),
        ),
        name: s(meta.and_then(|m| m.get("name"))),
        namespace: s(meta.and_then(|m| m.get("namespace"))),
    }
}

fn fmt_id(id: &ResId) -> String {
    let api = id.gvk.api_version();
    let api = if api.is_empty() {
        "no apiVersion".to_string()
    } else {
        api
    };
    format!("{id} ({api})")
}

fn fmt_selector(s: &Selector) -> String {
    let parts: Vec<String> = [
        ("group", &s.group),
        ("version", &s.version),
        ("kind", &s.kind),
        ("name", &s.name),
        ("namespace", &s.namespace),
        ("labelSelector", &s.label_selector),
        ("annotationSelector", &s.annotation_selector),
    ]
    .iter()
    .filter(|(_, v)| !v.is_empty())
    .map(|(k, v)| format!("{k}: {v}"))
    .collect();
    if parts.is_empty() {
        "{} (everything)".into()
    } else {
        format!("{{{}}}", parts.join(", "))
    }
}

/// Finds the one object a strategic-merge patch without `target` applies to.
fn find_patch_target(rm: &mut ResMap, doc: &Value, src: &Source) -> Result<usize> {
    let id = patch_id(doc);
    let found = rm.find_by_any_id(&id);
    match found.as_slice() {
        [i] => Ok(*i),
        [] => {
            let mut e = src.err(format!(
                "strategic-merge patch for {} matches no object in this kustomization",
                fmt_id(&id)
            ));
            if let Some(h) = no_match_hint(rm, &id) {
                e = e.with_hint(h);
            }
            Err(e)
        }
        many => {
            let names: Vec<String> = many
                .iter()
                .filter_map(|&i| rm.get(i))
                .map(|r| r.id().to_string())
                .collect();
            Err(src.err(format!(
                "strategic-merge patch for {} matches {} objects ({}); it must match exactly one",
                fmt_id(&id),
                many.len(),
                names.join(", ")
            )))
        }
    }
}

/// Explains near misses: the same name with another kind, apiVersion or namespace, or other
/// objects of the same kind.
fn no_match_hint(rm: &ResMap, id: &ResId) -> Option<String> {
    let mut near = Vec::new();
    let mut same_kind = Vec::new();
    for r in rm {
        let cur = r.id();
        if r.all_ids().iter().any(|x| x.name == id.name) {
            near.push(fmt_id(&cur));
        } else if cur.gvk.kind == id.gvk.kind {
            same_kind.push(cur.to_string());
        }
    }
    if !near.is_empty() {
        near.truncate(5);
        return Some(format!(
            "objects named {:?}: {}; a patch must match the object's apiVersion, kind, name and namespace",
            id.name,
            near.join(", ")
        ));
    }
    if !same_kind.is_empty() {
        let n = same_kind.len();
        same_kind.truncate(5);
        return Some(format!(
            "{} object{} of kind {} in this kustomization: {}{}",
            n,
            if n == 1 { "" } else { "s" },
            id.gvk.kind,
            same_kind.join(", "),
            if n > 5 { ", ..." } else { "" }
        ));
    }
    None
}

/// How a strategic-merge patch treats its target's identity.
#[derive(Debug, Clone, Copy, Default)]
struct SmpMode {
    allow_name_change: bool,
    allow_kind_change: bool,
    /// The patch takes the target's apiVersion (patches applied through a selected set).
    use_target_api_version: bool,
}

/// [`apply_smp`], its error naming the patch and the object as it was.
fn merge_into(
    res: &mut Resource,
    doc: &Value,
    mode: SmpMode,
    src: &Source,
) -> Result<MergeOutcome> {
    let before = res.id();
    apply_smp(res, doc, mode).map_err(|e| src.err(e).for_resource(before))
}

/// Applies one strategic-merge patch document to `res` (kustomize's Resource.ApplySmPatch):
/// name and kind are kept unless allowed to change; the namespace is always kept.
fn apply_smp(
    res: &mut Resource,
    doc: &Value,
    mode: SmpMode,
) -> std::result::Result<MergeOutcome, String> {
    let name = res.name().to_string();
    let namespace = res.namespace().to_string();
    let kind = res.kind().to_string();
    if mode.allow_name_change || mode.allow_kind_change {
        res.remember_id();
    }
    // The patch is shared by every object it targets: copied only when its apiVersion
    // has to become the target's and is not that already.
    let mut patch = std::borrow::Cow::Borrowed(doc);
    if mode.use_target_api_version
        && doc.is_object()
        && doc.get("apiVersion").and_then(Value::as_str) != Some(res.api_version())
        && let Value::Object(m) = patch.to_mut()
    {
        m.insert(
            "apiVersion".into(),
            Value::String(res.api_version().to_string()),
        );
    }
    let gvk = res.gvk();
    let outcome = merge_patch(&mut res.body, &patch, &gvk, &res.empty_nulls)?;
    // The merge visited (and dropped) every empty value it could reach.
    res.empty_nulls.clear();
    if outcome == MergeOutcome::Deleted {
        return Ok(outcome);
    }
    let Value::Object(body) = &mut res.body else {
        return Err("the patched object is no longer a mapping".into());
    };
    if !mode.allow_kind_change {
        body.insert("kind".into(), Value::String(kind));
    }
    let meta = res.metadata_mut();
    if !mode.allow_name_change {
        meta.insert("name".into(), Value::String(name));
    }
    if namespace.is_empty() {
        meta.remove("namespace");
    } else {
        meta.insert("namespace".into(), Value::String(namespace));
    }
    Ok(outcome)
}

/// Applies `doc` to the objects at `indices`, drops deleted ones and re-checks ids
/// (kustomize's ResMap.ApplySmPatch).
fn apply_smp_to_set(
    rm: &mut ResMap,
    indices: &[usize],
    doc: &Value,
    mode: SmpMode,
    src: &Source,
) -> Result<()> {
    let mut deleted = Vec::new();
    let renamed = mode.allow_name_change || mode.allow_kind_change;
    if !renamed && indices.len() >= 2 * crate::par::HEAVY_CHUNK {
        // One patch on many objects (a component's patch for every Deployment): the
        // objects are independent and keep their ids, so they are merged in parallel.
        let mut sorted = indices.to_vec();
        sorted.sort_unstable();
        let mut work: Vec<(usize, &mut Resource, bool)> = rm
            .as_mut_slice()
            .iter_mut()
            .enumerate()
            .filter(|(i, _)| sorted.binary_search(i).is_ok())
            .map(|(i, r)| (i, r, false))
            .collect();
        // The merge schema in force is the build thread's; workers take it along.
        let schema = crate::build::openapi::snapshot();
        crate::par::for_each_mut(&mut work, crate::par::HEAVY_CHUNK, |(_, res, gone)| {
            let before = res.id();
            let merged = crate::build::openapi::with_slot(&schema, || apply_smp(res, doc, mode));
            match merged {
                Ok(MergeOutcome::Merged) => Ok(()),
                Ok(MergeOutcome::Deleted) => {
                    *gone = true;
                    Ok(())
                }
                Err(e) => Err(src.err(e).for_resource(before)),
            }
        })?;
        deleted.extend(work.iter().filter(|w| w.2).map(|w| w.0));
    } else {
        for &i in indices {
            let applied = rm.update(i, |res| merge_into(res, doc, mode, src));
            match applied {
                Some(Ok(MergeOutcome::Merged)) | None => {}
                Some(Ok(MergeOutcome::Deleted)) => deleted.push(i),
                Some(Err(e)) => return Err(e),
            }
        }
    }
    if deleted.is_empty() && !renamed {
        // The common case: objects changed in place, ids and indexes still valid.
        return Ok(());
    }
    let notes = std::mem::take(&mut rm.notes);
    let list = std::mem::take(rm).into_vec();
    let kept: Vec<Resource> = list
        .into_iter()
        .enumerate()
        .filter(|(i, _)| deleted.binary_search(i).is_err())
        .map(|(_, r)| r)
        .collect();
    if renamed {
        let mut fresh = ResMap::new();
        fresh.append_all(ResMap::from_vec(kept)).map_err(|e| {
            src.err(e.msg.clone())
                .with_hint("the patch renamed an object onto another one's id")
        })?;
        *rm = fresh;
    } else {
        *rm = ResMap::from_vec(kept);
    }
    rm.notes = notes;
    Ok(())
}

/// Checks a JSON-patched object and tidies it as kustomize does (an emptied
/// `metadata.annotations` is removed).
/// Applies a JSON 6902 op list to one object (remembering its id first when asked, as the
/// `patches` field does) and checks what is left.
fn apply_json(
    res: &mut Resource,
    ops: &[Value],
    src: &Source,
    store_previous_id: bool,
) -> Result<()> {
    let before = res.id();
    if store_previous_id {
        res.remember_id();
    }
    json6902::apply_ops(&mut res.body, ops)
        .and_then(|_| after_json_patch(res))
        .map_err(|e| src.err(e).for_resource(&before))
}

fn after_json_patch(res: &mut Resource) -> std::result::Result<(), String> {
    // kustomize applies JSON patches through JSON: empty values come back as `null`.
    res.empty_nulls.clear();
    let Value::Object(body) = &mut res.body else {
        return Err(format!(
            "the patch turned the object into {}; it must stay a mapping",
            crate::types::type_name(&res.body)
        ));
    };
    if let Some(Value::Object(meta)) = body.get_mut("metadata") {
        let empty = match meta.get("annotations") {
            Some(Value::Null) => true,
            Some(Value::Object(a)) => a.is_empty(),
            _ => false,
        };
        if empty {
            meta.remove("annotations");
        }
    }
    if res.kind().is_empty() {
        return Err("the patched object has no kind".into());
    }
    if res.name().is_empty() {
        return Err("the patched object has no metadata.name".into());
    }
    Ok(())
}

/// Applies a JSON 6902 op list to every selected object.
fn apply_json_to_selected(
    rm: &mut ResMap,
    sel: &Selector,
    ops: &[Value],
    src: &Source,
    store_previous_id: bool,
) -> Result<()> {
    let matcher = Matcher::new(sel).map_err(|e| src.err(format!("target: {}", e.msg)))?;
    let selected = rm.select(&matcher);
    for &i in &selected {
        rm.update(i, |res| apply_json(res, ops, src, store_previous_id))
            .transpose()?;
    }
    if selected.is_empty() {
        warn_no_match(rm, src, sel);
    }
    Ok(())
}

/// kustomize silently applies nothing; validation reports it (K002, a warning on stderr
/// during `build`, a finding of `stackgen validate`).
fn warn_no_match(rm: &mut ResMap, src: &Source, sel: &Selector) {
    rm.notes.push(crate::resmap::Note {
        code: "K002",
        file: std::sync::Arc::new(src.file.clone()),
        line: 0,
        resource: None,
        message: format!(
            "{}patch target {} matches no object in this kustomization; the patch does nothing",
            src.field
                .as_deref()
                .map(|f| format!("{f}: "))
                .unwrap_or_default(),
            fmt_selector(sel)
        ),
    });
}

fn selected_indices(rm: &mut ResMap, sel: &Selector, src: &Source) -> Result<Vec<usize>> {
    let matcher = Matcher::new(sel).map_err(|e| src.err(format!("target: {}", e.msg)))?;
    Ok(rm.select(&matcher))
}

/// `patchesStrategicMerge` (kustomize's PatchStrategicMergeTransformer).
pub fn apply_patches_strategic_merge(target: &Target, acc: &mut Accumulator) -> Result<()> {
    let entries = &target.kust.patches_strategic_merge;
    if entries.is_empty() {
        return Ok(());
    }
    // Read everything first.
    let mut patches: Vec<(Source, Value)> = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        let field = format!("patchesStrategicMerge[{i}]");
        // An entry is inline YAML when it reads as patch documents, else a file path.
        if let Ok(docs) = smp_docs(entry) {
            let src = inline_source(target, field);
            patches.extend(docs.into_iter().map(|d| (src.clone(), d)));
            continue;
        }
        let (src, text) = read_patch_file(target, entry, &field).map_err(|e| {
            if entry.contains('\n') {
                // It was meant to be inline: say why it does not read as a patch.
                let why = smp_docs(entry).err().unwrap_or_default();
                kust_err(target, field.clone(), format!("inline patch: {why}"))
            } else {
                e
            }
        })?;
        let docs = smp_docs(&text).map_err(|e| src.err(e))?;
        patches.extend(docs.into_iter().map(|d| (src.clone(), d)));
    }
    if patches.is_empty() {
        return Err(kust_err(
            target,
            "patchesStrategicMerge".into(),
            format!(
                "the patches hold no objects (empty files?): {}",
                entries.join(", ")
            ),
        )
        .with_hint("remove empty patch files from patchesStrategicMerge"));
    }
    // Stack documents were applied to their Stack before it was expanded.
    patches.retain(|(_, doc)| !crate::stack::is_stack_document(doc));
    let mode = SmpMode {
        use_target_api_version: true,
        ..SmpMode::default()
    };
    for (src, doc) in &patches {
        let i = find_patch_target(&mut acc.rm, doc, src)?;
        apply_smp_to_set(&mut acc.rm, &[i], doc, mode, src)?;
    }
    Ok(())
}

/// What a `patches` entry holds.
enum Content {
    /// Strategic-merge documents (empty for an empty file).
    Smp(Vec<Value>),
    /// A JSON 6902 op list (`None` for kustomize's nil patch).
    Json(Vec<Value>),
}

/// Tells strategic-merge documents from JSON 6902 op lists, as kustomize does.
fn classify(text: &str) -> std::result::Result<Content, String> {
    let sm = match smp_docs_and_first(text) {
        // The first document is a mapping, which no op list is: one parse is enough.
        Ok((docs, true)) if !text.starts_with('[') => return Ok(Content::Smp(docs)),
        other => other.map(|(docs, _)| docs),
    };
    let js = json6902::decode_op_list(text);
    match (sm, js) {
        (Ok(docs), Err(_)) => Ok(Content::Smp(docs)),
        (Err(_), Ok(ops)) => Ok(Content::Json(ops.unwrap_or_default())),
        (Ok(docs), Ok(_)) => Err(if docs.is_empty() {
            "the patch holds only comments or whitespace: it is neither a strategic-merge patch \
             nor a JSON 6902 op list"
                .into()
        } else {
            "the patch reads both as strategic-merge documents and as a JSON 6902 op list".into()
        }),
        (Err(se), Err(je)) => {
            let first_is_list = text.trim_start().starts_with('[')
                || crate::yaml::parse_stream(text)
                    .ok()
                    .and_then(|d| d.into_iter().find(|d| !d.value.is_null()))
                    .is_some_and(|d| d.value.is_array());
            Err(if first_is_list {
                format!("not a valid JSON 6902 op list: {je}")
            } else {
                format!("not a valid strategic-merge patch: {se}")
            })
        }
    }
}

fn option(opts: &indexmap::IndexMap<String, bool>, key: &str) -> bool {
    opts.get(key).copied().unwrap_or(false)
}

/// `patches` (kustomize's PatchTransformer).
pub fn apply_patches(target: &Target, acc: &mut Accumulator) -> Result<()> {
    // Configure every entry first, as kustomize does.
    let mut loaded = Vec::new();
    // Patch files are read and parsed up front, on all cores; errors are still reported
    // entry by entry, in order.
    let patches = &target.kust.patches;
    let indices: Vec<usize> = (0..patches.len()).collect();
    let mut read = crate::par::map_ordered(&indices, |&i| {
        let p = patches.get(i)?;
        if !p.patch.trim().is_empty() || p.path.is_empty() {
            return None;
        }
        Some(
            read_patch_file(target, &p.path, &format!("patches[{i}].path"))
                .map(|(src, text)| (classify(&text), src)),
        )
    });
    for (i, p) in patches.iter().enumerate() {
        let field = format!("patches[{i}]");
        let inline = p.patch.trim();
        let (src, content) = match (inline.is_empty(), p.path.is_empty()) {
            (true, true) => {
                return Err(kust_err(
                    target,
                    field,
                    "a patch needs `path` (a file) or `patch` (inline content)",
                ));
            }
            (false, false) => {
                return Err(kust_err(
                    target,
                    field,
                    "a patch has either `path` or `patch`, not both",
                ));
            }
            (false, true) => (
                inline_source(target, format!("{field}.patch")),
                classify(inline),
            ),
            (true, false) => match read.get_mut(i).and_then(Option::take).flatten() {
                Some(done) => {
                    let (content, src) = done?;
                    (src, content)
                }
                None => {
                    let (src, text) = read_patch_file(target, &p.path, &format!("{field}.path"))?;
                    let content = classify(&text);
                    (src, content)
                }
            },
        };
        // kustomize ignores unknown options; a typo deserves a word, not a failed build.
        for key in p.options.keys() {
            if key != "allowNameChange" && key != "allowKindChange" {
                eprintln!(
                    "warning: {}: {field}.options: unknown option {key:?} is ignored \
                     (patches options are allowNameChange and allowKindChange)",
                    target.file.display()
                );
            }
        }
        let content = content.map_err(|e| src.err(e))?;
        match (&content, &p.target) {
            (Content::Smp(docs), Some(_)) if docs.len() > 1 => {
                return Err(src.err(format!(
                    "a patch with `target` must hold one strategic-merge document, found {}",
                    docs.len()
                ))
                .with_hint("split the documents into separate patches entries, or drop `target` so each patches the object it names"));
            }
            (Content::Smp(docs), None) if docs.is_empty() => {
                return Err(src
                    .err("the patch is empty")
                    .with_hint("remove the entry, or give the patch some content"));
            }
            (Content::Json(_), None) => {
                return Err(src
                    .err("a JSON 6902 patch needs `target` to say which objects it patches")
                    .with_hint(
                        "add e.g. `target: {kind: Deployment, name: web}` to the patches entry",
                    ));
            }
            _ => {}
        }
        // Patches targeting kind Stack were applied to the Stack before it was expanded.
        let stack_patch = match &content {
            Content::Smp(docs) => crate::stack::is_stack_patch(p, docs),
            Content::Json(_) => p
                .target
                .as_ref()
                .is_some_and(crate::stack::is_stack_selector),
        };
        if !stack_patch {
            loaded.push((src, content, p));
        }
    }
    // Runs of entries that keep every object's id (one strategic-merge document and a few
    // op lists per service, typically) are applied object by object on all cores (see
    // `batch`); everything else in order, one by one.
    let mut loaded = loaded.into_iter().peekable();
    while loaded.peek().is_some() {
        let mut run = Vec::new();
        while let Some(entry) = loaded.next_if(|(_, c, p)| batch::joins_run(c, p)) {
            run.push(entry);
        }
        if !run.is_empty() {
            let steps: Vec<batch::Step<'_>> = run
                .iter()
                .flat_map(|(src, content, p)| match (content, &p.target) {
                    (Content::Smp(docs), _) => docs
                        .iter()
                        .map(|d| batch::Step {
                            src,
                            op: batch::Op::Smp(d),
                        })
                        .collect::<Vec<_>>(),
                    (Content::Json(ops), Some(sel)) => vec![batch::Step {
                        src,
                        op: batch::Op::Json(ops, sel),
                    }],
                    (Content::Json(_), None) => Vec::new(),
                })
                .collect();
            batch::apply_run(&mut acc.rm, &steps)?;
            continue;
        }
        let Some((src, content, p)) = loaded.next() else {
            break;
        };
        let mode = SmpMode {
            allow_name_change: option(&p.options, "allowNameChange"),
            allow_kind_change: option(&p.options, "allowKindChange"),
            use_target_api_version: p.target.is_some(),
        };
        match (content, &p.target) {
            (Content::Smp(docs), Some(sel)) => match docs.first() {
                Some(doc) => {
                    let idx = selected_indices(&mut acc.rm, sel, &src)?;
                    if idx.is_empty() {
                        warn_no_match(&mut acc.rm, &src, sel);
                    }
                    apply_smp_to_set(&mut acc.rm, &idx, doc, mode, &src)?;
                }
                // An empty file with a target: kustomize applies an empty JSON patch.
                None => apply_json_to_selected(&mut acc.rm, sel, &[], &src, true)?,
            },
            (Content::Smp(docs), None) => {
                for doc in &docs {
                    let i = find_patch_target(&mut acc.rm, doc, &src)?;
                    let applied = acc.rm.update(i, |res| merge_into(res, doc, mode, &src));
                    match applied {
                        Some(Ok(MergeOutcome::Merged)) | None => {}
                        Some(Ok(MergeOutcome::Deleted)) => {
                            acc.rm.remove(i);
                        }
                        Some(Err(e)) => return Err(e),
                    }
                }
            }
            (Content::Json(ops), Some(sel)) => {
                apply_json_to_selected(&mut acc.rm, sel, &ops, &src, true)?
            }
            (Content::Json(_), None) => {}
        }
    }
    Ok(())
}

/// `patchesJson6902` (kustomize's PatchJson6902Transformer).
pub fn apply_patches_json6902(target: &Target, acc: &mut Accumulator) -> Result<()> {
    let mut loaded = Vec::new();
    for (i, p) in target.kust.patches_json6902.iter().enumerate() {
        let field = format!("patchesJson6902[{i}]");
        let Some(sel) = &p.target else {
            return Err(kust_err(
                target,
                field,
                "a patchesJson6902 entry needs `target` (its kind and name at least)",
            ));
        };
        if sel.name.is_empty() {
            return Err(kust_err(
                target,
                format!("{field}.target"),
                "a patchesJson6902 target needs `name`",
            ));
        }
        let (src, text) = match (p.path.is_empty(), p.patch.is_empty()) {
            (true, true) => {
                return Err(kust_err(
                    target,
                    field,
                    "a patchesJson6902 entry needs `path` (a file) or `patch` (inline ops)",
                ));
            }
            (false, false) => {
                return Err(kust_err(
                    target,
                    field,
                    "a patchesJson6902 entry has either `path` or `patch`, not both",
                ));
            }
            (true, false) => (
                inline_source(target, format!("{field}.patch")),
                p.patch.clone(),
            ),
            (false, true) => read_patch_file(target, &p.path, &format!("{field}.path"))?,
        };
        let ops = json6902::decode_op_list(&text)
            .map_err(|e| src.err(format!("not a valid JSON 6902 op list: {e}")))?
            .unwrap_or_default();
        if ops.is_empty() {
            return Err(src
                .err("the JSON 6902 patch holds no ops")
                .with_hint("remove the entry, or add ops such as `- op: replace`"));
        }
        // Patches targeting kind Stack were applied to the Stack before it was expanded.
        if !crate::stack::is_stack_selector(sel) {
            loaded.push((src, sel, ops));
        }
    }
    for (src, sel, ops) in loaded {
        apply_json_to_selected(&mut acc.rm, sel, &ops, &src, false)?;
    }
    Ok(())
}
