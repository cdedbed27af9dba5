//! Strategic merge patches with kustomize v5.6.0 semantics.
//!
//! kustomize does not use apimachinery's strategic merge for `patches:` and
//! `patchesStrategicMerge:`; it walks target and patch together with kyaml's merge
//! walker (`kyaml/yaml/merge2`). This module reproduces that walker's observable
//! behaviour, quirks included. The rules, in short:
//!
//! * Maps merge field by field, visiting the union of field names in sorted order; new
//!   fields are appended in that order. A `null` in the patch removes the field; a field
//!   the patch removes that the target lacks adds nothing. A `null` already in the target
//!   survives a patch that doesn't mention it.
//! * `$patch: delete` on a map removes it; `$patch: replace` replaces a map that exists in
//!   the target. On a whole object, `delete` removes the object ([`SmpOutcome::DeleteObject`])
//!   while `replace` leaves it unchanged (kustomize keeps its own node). `$patch: replace`
//!   on an element of a merged list also has no effect, `$patch: delete` removes it.
//! * A list is merged only when the schema gives it a `merge` patch strategy (see
//!   [`MergeSchema`]); otherwise the patch's list replaces the target's. Merged lists put
//!   the patch's elements first (in patch order, merged with the matching target element),
//!   then the target elements the patch didn't mention. Elements are matched on the merge
//!   keys' scalar text (so `8080` matches `"8080"`); with several keys (container ports:
//!   `containerPort` + `protocol`) a missing key value matches any value. Elements are
//!   de-duplicated by key. Lists of primitives with a merge strategy (`finalizers`) become
//!   the union, patch values first.
//! * A list whose first `$patch`-carrying element is just `{$patch: replace|delete|merge}`
//!   is replaced / removed / merged (only lists that are merged look at this).
//! * `$setElementOrder/…`, `$retainKeys` and `$deleteFromPrimitiveList/…` are not
//!   directives for kustomize: they are copied into the result like any other field.
//!
//! The engine copies both documents into an arena of nodes so that it can share nodes the
//! way kyaml shares YAML node pointers (a patch map that is added to the target is also
//! walked against itself, which is how nested directives in added content are honoured).
use crate::hashing::HashSet;
use std::borrow::Cow;

use crate::value::{Map, Value};

use super::schema::{MergeSchema, SchemaRef};
use crate::error::Error;

mod direct;

/// A strategic merge patch failure (kustomize's message text where it has one). Converts
/// into the crate's [`Error`] so callers can add file and resource context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmpError {
    pub msg: String,
}

impl SmpError {
    pub(crate) fn msg(msg: impl Into<String>) -> SmpError {
        SmpError { msg: msg.into() }
    }
}

impl std::fmt::Display for SmpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.msg)
    }
}

impl std::error::Error for SmpError {}

impl From<SmpError> for Error {
    fn from(e: SmpError) -> Error {
        Error::msg(e.msg)
    }
}

type Result<T> = std::result::Result<T, SmpError>;

/// What happened to the target object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmpOutcome {
    /// The patch was merged into the object (which may be unchanged).
    Applied,
    /// The patch deleted the whole object (`$patch: delete` at the top, or nothing left):
    /// the caller removes it from the resource list.
    DeleteObject,
}

/// Applies a strategic merge patch to `target` (a whole object) in place, as kustomize
/// v5.6.0's merge walker does. The schema root is found from the target's own
/// `apiVersion`/`kind` (then the patch's). On [`SmpOutcome::DeleteObject`] the target
/// is left as it was.
///
/// This is the bare merge: kustomize additionally restores the target's `kind`,
/// `metadata.name` and `metadata.namespace` afterwards, see [`apply_smp_to_resource`].
pub fn apply_smp(target: &mut Value, patch: &Value, schema: &MergeSchema) -> Result<SmpOutcome> {
    apply_smp_with_empty_values(target, patch, schema, &[])
}

/// [`apply_smp`] for a target some of whose mapping values were read as empty (`key:`),
/// at the JSON pointers `empty_values`: kyaml drops those from the target where it keeps a
/// spelled-out `null` (pointers that no longer lead to a null are ignored).
pub fn apply_smp_with_empty_values(
    target: &mut Value,
    patch: &Value,
    schema: &MergeSchema,
    empty_values: &[String],
) -> Result<SmpOutcome> {
    if direct::applies(target, patch, schema) {
        #[cfg(debug_assertions)]
        let by_walker = {
            let mut t = target.clone();
            let out = walk_merge(&mut t, patch, schema, empty_values);
            (out, t)
        };
        direct::merge(target, patch, schema);
        #[cfg(debug_assertions)]
        {
            let text = |v: &Value| serde_json::to_string(v).unwrap_or_default();
            assert!(
                matches!(by_walker.0, Ok(SmpOutcome::Applied))
                    && text(&by_walker.1) == text(target),
                "direct strategic merge differs from the walker's:\npatch  {}\nwalker {:?} {}\ndirect {}",
                text(patch),
                by_walker.0,
                text(&by_walker.1),
                text(target)
            );
        }
        return Ok(SmpOutcome::Applied);
    }
    walk_merge(target, patch, schema, empty_values)
}

/// The merge by kyaml's walker, in the arena.
fn walk_merge(
    target: &mut Value,
    patch: &Value,
    schema: &MergeSchema,
    empty_values: &[String],
) -> Result<SmpOutcome> {
    // The arena's storage is kept between merges (one per thread): a build applies
    // thousands of patches, and fresh arenas cost page faults.
    thread_local! {
        static ARENA: std::cell::RefCell<Vec<Node>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    let mut nodes = ARENA.with(|a| std::mem::take(&mut *a.borrow_mut()));
    nodes.clear();
    let mut w = Walker {
        nodes,
        schema,
        empty_values: Vec::new(),
        too_deep: false,
    };
    let out = merge_in(&mut w, target, patch, empty_values);
    let mut nodes = std::mem::take(&mut w.nodes);
    nodes.clear();
    ARENA.with(|a| *a.borrow_mut() = nodes);
    out
}

fn merge_in(
    w: &mut Walker<'_>,
    target: &mut Value,
    patch: &Value,
    empty_values: &[String],
) -> Result<SmpOutcome> {
    // Subtrees of the target that the patch does not reach and the walk would leave as
    // they are stay out of the arena: moving them in and back out cost more than the merge.
    let mut detached = Vec::new();
    detach_untouched(
        w.schema,
        target,
        patch,
        None,
        0,
        &mut Vec::new(),
        &mut detached,
    );
    let out = merge_in_arena(w, target, patch, empty_values);
    reattach(target, detached);
    out
}

/// The stand-in left where a subtree was detached (a string no manifest holds).
fn detached_marker(i: usize) -> String {
    format!("\u{0}stackgen-smp-detached-{i}")
}

/// Replaces, in the target map `dest`, every entry that the patch map `origin` lacks and that
/// [`untouched`] proves the walk would not change by a marker scalar (which the walk
/// skips just the same), and records it with its path. Follows only keys that are maps in
/// both, and stops at patch maps holding directives (`$patch`, `$retainKeys`, ...).
fn detach_untouched(
    ms: &MergeSchema,
    dest: &mut Value,
    origin: &Value,
    schema: Option<SchemaRef>,
    depth: usize,
    path: &mut Vec<String>,
    out: &mut Vec<(Vec<String>, Value)>,
) {
    if depth > MAX_DEPTH {
        return;
    }
    // as `Walker::walk` does: with no schema from the parent, the target's (then the
    // patch's) apiVersion and kind name one
    let schema = schema
        .or_else(|| View::Value(dest).resource_schema(ms))
        .or_else(|| View::Value(origin).resource_schema(ms));
    let (Value::Object(dm), Value::Object(om)) = (dest, origin) else {
        return;
    };
    if om.keys().any(|k| k.starts_with('$')) {
        return;
    }
    for (k, dv) in dm.iter_mut() {
        let child = schema.and_then(|s| ms.field(s, k));
        match om.get(k) {
            Some(ov) => {
                if dv.is_object() && ov.is_object() {
                    path.push(k.clone());
                    detach_untouched(ms, dv, ov, child, depth + 1, path, out);
                    path.pop();
                }
            }
            None => {
                if (dv.is_object() || dv.is_array())
                    && untouched(ms, View::Value(dv), child, depth + 1)
                {
                    let marker = Value::String(detached_marker(out.len()));
                    let mut at = path.clone();
                    at.push(k.clone());
                    out.push((at, std::mem::replace(dv, marker)));
                }
            }
        }
    }
}

/// Puts detached subtrees back where their markers still are (a marker the merge dropped,
/// with its parent, drops its subtree too).
fn reattach(target: &mut Value, detached: Vec<(Vec<String>, Value)>) {
    fn at_path<'a>(v: &'a mut Value, path: &[String]) -> Option<&'a mut Value> {
        let mut at = v;
        for k in path {
            at = at.as_object_mut()?.get_mut(k.as_str())?;
        }
        Some(at)
    }
    for (i, (path, v)) in detached.into_iter().enumerate() {
        if let Some(at) = at_path(target, &path)
            && at.as_str() == Some(detached_marker(i).as_str())
        {
            *at = v;
        }
    }
}

/// A document node the "untouched by the walk" rules read: one still outside the merge
/// arena (a target subtree being considered for detaching) or one inside it.
#[derive(Clone, Copy)]
enum View<'a> {
    Value(&'a Value),
    Arena(&'a [Node], Id),
}

impl<'a> View<'a> {
    fn is_map(self) -> bool {
        match self {
            View::Value(v) => v.is_object(),
            View::Arena(n, id) => matches!(n.get(id), Some(Node::Map(_))),
        }
    }

    /// The text of a scalar node (`None` for anything else).
    fn scalar(self) -> Option<Cow<'a, str>> {
        match self {
            View::Value(v @ (Value::String(_) | Value::Number(_) | Value::Bool(_))) => {
                Some(scalar_text(v))
            }
            View::Value(_) => None,
            View::Arena(n, id) => match n.get(id) {
                Some(Node::Scalar(v)) => Some(scalar_text(v)),
                _ => None,
            },
        }
    }

    fn field(self, name: &str) -> Option<View<'a>> {
        match self {
            View::Value(v) => crate::lookup::Lookup::field(v, name).map(View::Value),
            View::Arena(n, id) => match n.get(id) {
                Some(Node::Map(e)) => e
                    .iter()
                    .find(|(k, _)| k == name)
                    .map(|&(_, c)| View::Arena(n, c)),
                _ => None,
            },
        }
    }

    /// The schema named by the node's own apiVersion and kind (`Walker::resource_schema`).
    fn resource_schema(self, ms: &MergeSchema) -> Option<SchemaRef> {
        let text = |f: &str| self.field(f).and_then(View::scalar).unwrap_or_default();
        let (av, kind) = (text("apiVersion"), text("kind"));
        if av.is_empty() || kind.is_empty() {
            return None;
        }
        ms.root(&av, &kind)
    }
}

/// Whether the list schema `s` merges (a `merge` patch strategy) rather than replaces.
fn merges(ms: &MergeSchema, s: SchemaRef) -> bool {
    match ms.strategy_and_keys(s).0 {
        Some(st) => st.split(',').any(|p| p == "merge"),
        None => false,
    }
}

/// Whether walking the target subtree `v` with no patch counterpart (`walk(Some(v), None,
/// schema)`) would leave it exactly as it is. Conservative: `false` whenever the walk might
/// rewrite something — a null (kept, or dropped when it was an empty value), or an
/// associative list whose elements lack a merge key, repeat one, or are not mappings (the
/// walk de-duplicates and re-orders those) — and for primitive lists merged by value.
fn untouched(ms: &MergeSchema, v: View<'_>, schema: Option<SchemaRef>, depth: usize) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    let schema_here = || schema.or_else(|| v.resource_schema(ms));
    // Scalars come through untouched and nulls do not, whatever their schema: the
    // child's schema is looked up only for collections.
    let leaf = |c: View<'_>| match c {
        View::Value(Value::Null) => Some(false),
        View::Value(Value::Object(_) | Value::Array(_)) => None,
        View::Value(_) => Some(true),
        View::Arena(n, id) => match n.get(id) {
            None | Some(Node::Null { .. }) => Some(false),
            Some(Node::Scalar(_)) => Some(true),
            Some(Node::Map(_) | Node::Seq(_)) => None,
        },
    };
    let all_entries = |f: &mut dyn FnMut(&str, View<'_>) -> bool| {
        let mut each =
            |k: &str, c: View<'_>| depth < MAX_DEPTH && leaf(c).unwrap_or_else(|| f(k, c));
        match v {
            View::Value(Value::Object(m)) => m.iter().all(|(k, c)| each(k, View::Value(c))),
            View::Arena(n, id) => match n.get(id) {
                Some(Node::Map(e)) => e.iter().all(|(k, c)| each(k, View::Arena(n, *c))),
                _ => true,
            },
            View::Value(_) => true,
        }
    };
    let items: Vec<View<'_>> = match v {
        View::Value(Value::Null) => return false,
        View::Value(Value::Object(_)) => {
            let schema = schema_here();
            return all_entries(&mut |k, c| {
                untouched(ms, c, schema.and_then(|s| ms.field(s, k)), depth + 1)
            });
        }
        View::Value(Value::Array(a)) => a.iter().map(View::Value).collect(),
        View::Value(_) => return true,
        View::Arena(n, id) => match n.get(id) {
            None | Some(Node::Null { .. }) => return false,
            Some(Node::Scalar(_)) => return true,
            Some(Node::Map(_)) => {
                let schema = schema_here();
                return all_entries(&mut |k, c| {
                    untouched(ms, c, schema.and_then(|s| ms.field(s, k)), depth + 1)
                });
            }
            Some(Node::Seq(items)) => items.iter().map(|&i| View::Arena(n, i)).collect(),
        },
    };
    // a list
    let Some(s) = schema_here().filter(|&s| merges(ms, s)) else {
        // replaced wholesale: the walk returns the target's list as it is
        return true;
    };
    let keys = ms.strategy_and_keys(s).1;
    if keys.is_empty() {
        return false;
    }
    let elem = ms.elements(s);
    distinct_tuples(items.iter().copied(), keys).is_some()
        && items
            .iter()
            .all(|&item| untouched(ms, item, elem, depth + 1))
}

/// The merge-key texts of a list element: a map with every key set to a non-empty scalar.
fn key_tuple<'a>(item: View<'a>, keys: &[Box<str>]) -> Option<Vec<Cow<'a, str>>> {
    if !item.is_map() {
        return None;
    }
    keys.iter()
        .map(|k| {
            item.field(k)
                .and_then(View::scalar)
                .filter(|t| !t.is_empty())
        })
        .collect()
}

/// The key tuples of a list's elements, when every element has one and no two share it
/// (the walker would de-duplicate or re-order the list otherwise).
fn distinct_tuples<'a>(
    items: impl IntoIterator<Item = View<'a>>,
    keys: &[Box<str>],
) -> Option<Vec<Vec<Cow<'a, str>>>> {
    let mut out: Vec<Vec<Cow<'a, str>>> = Vec::new();
    for item in items {
        let t = key_tuple(item, keys)?;
        if out.contains(&t) {
            return None;
        }
        out.push(t);
    }
    Some(out)
}

fn merge_in_arena(
    w: &mut Walker<'_>,
    target: &mut Value,
    patch: &Value,
    empty_values: &[String],
) -> Result<SmpOutcome> {
    // The target is moved into the arena (not copied) and moved back out after the walk;
    // on any failure it is put back as it was.
    let d = w.import_owned(std::mem::take(target), 0);
    if w.too_deep {
        *target = w.export_owned(d);
        return Err(too_deep());
    }
    for pointer in empty_values {
        if let Some(id) = w.resolve(d, pointer)
            && w.is_null(id)
        {
            w.empty_values.push(id);
        }
    }
    // The patch is shared by every object it applies to, so it is copied in.
    let p = w.import_owned(patch.clone(), 0);
    if w.too_deep {
        *target = w.export_owned(d);
        return Err(too_deep());
    }
    let result = match w.walk(Some(d), Some(p), None, 0) {
        Ok(r) => r,
        Err(e) => {
            // The build stops on a failed merge; the target keeps what was merged so far.
            *target = w.export_owned(d);
            return Err(e);
        }
    };
    if result.is_none() {
        *target = w.export_owned(d);
        return Ok(SmpOutcome::DeleteObject);
    }
    // kustomize keeps its own node even when the walk returned another one (a top-level
    // `$patch: replace`), so the target is read back from its original node.
    let out = w.export_owned(d);
    let empty = match &out {
        Value::Null => true,
        Value::Object(m) => m.is_empty(),
        _ => false,
    };
    if empty {
        return Ok(SmpOutcome::DeleteObject);
    }
    *target = out;
    Ok(SmpOutcome::Applied)
}

/// [`apply_smp`] plus what kustomize's `Resource.ApplySmPatch` does around it: unless
/// the patch may change them (the `allowNameChange` / `allowKindChange` patch options),
/// the target's `metadata.name` and `kind` are put back, and its `metadata.namespace`
/// always is (removed when it had none).
pub fn apply_smp_to_resource(
    target: &mut Value,
    patch: &Value,
    schema: &MergeSchema,
    allow_name_change: bool,
    allow_kind_change: bool,
) -> Result<SmpOutcome> {
    let kind = meta_string(target.get("kind"));
    let md = target.get("metadata").filter(|m| !is_nil_or_empty(m));
    let name = md.and_then(|m| m.get("name")).map(|v| meta_string(Some(v)));
    let namespace = md
        .and_then(|m| m.get("namespace"))
        .map(|v| meta_string(Some(v)));
    let outcome = apply_smp(target, patch, schema)?;
    if outcome == SmpOutcome::DeleteObject {
        return Ok(outcome);
    }
    let Some(obj) = target.as_object_mut() else {
        return Ok(outcome);
    };
    if !allow_kind_change {
        obj.insert("kind".into(), Value::String(kind));
    }
    if !allow_name_change {
        set_meta(obj, "name", Value::String(name.unwrap_or_default()));
    }
    match namespace.filter(|ns| !ns.is_empty()) {
        Some(ns) => set_meta(obj, "namespace", Value::String(ns)),
        None => {
            if let Some(Value::Object(m)) = obj.get_mut("metadata") {
                m.shift_remove("namespace");
            }
        }
    }
    Ok(outcome)
}

/// The text of a scalar the way kyaml reads metadata strings ("" for null / empty).
fn meta_string(v: Option<&Value>) -> String {
    match v {
        Some(v) if !is_nil_or_empty(v) => scalar_text(v).into_owned(),
        _ => String::new(),
    }
}

fn is_nil_or_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Object(m) => m.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

fn set_meta(obj: &mut Map<String, Value>, field: &str, v: Value) {
    let md = obj
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    if !md.is_object() {
        *md = Value::Object(Map::new());
    }
    if let Value::Object(m) = md {
        m.insert(field.to_string(), v);
    }
}

/// How YAML would spell a scalar (kyaml compares merge keys by this text).
fn scalar_text(v: &Value) -> Cow<'_, str> {
    match v {
        Value::String(s) => Cow::Borrowed(s),
        Value::Bool(true) => Cow::Borrowed("true"),
        Value::Bool(false) => Cow::Borrowed("false"),
        Value::Number(n) => Cow::Owned(n.to_string()),
        Value::Null => Cow::Borrowed("null"),
        _ => Cow::Borrowed(""),
    }
}

/// Deepest walk / copy accepted (our YAML reader already limits documents to 256 levels).
const MAX_DEPTH: usize = 300;

type Id = usize;

#[derive(Debug, Clone)]
enum Node {
    Map(Vec<(String, Id)>),
    Seq(Vec<Id>),
    Scalar(Value),
    /// `keep` marks a target null that must survive the merge.
    Null {
        keep: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Directive {
    Unknown,
    Replace,
    Delete,
    Merge,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Map,
    Seq,
    Scalar,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Map => "MappingNode",
            Kind::Seq => "SequenceNode",
            Kind::Scalar => "ScalarNode",
        }
    }
}

struct Walker<'s> {
    nodes: Vec<Node>,
    schema: &'s MergeSchema,
    /// target nulls that were written as empty values
    empty_values: Vec<Id>,
    /// [`Walker::import_owned`] met a document nested deeper than [`MAX_DEPTH`].
    too_deep: bool,
}

fn too_deep() -> SmpError {
    SmpError::msg("strategic merge patch: document nests too deeply")
}

impl Walker<'_> {
    // ---- arena --------------------------------------------------------------------

    fn push(&mut self, n: Node) -> Id {
        self.nodes.push(n);
        self.nodes.len() - 1
    }

    fn export(&self, id: Id, depth: usize) -> Result<Value> {
        if depth > MAX_DEPTH {
            return Err(too_deep());
        }
        Ok(match self.node(id) {
            Some(Node::Map(entries)) => {
                let mut m = Map::new();
                for (k, v) in entries {
                    let v = self.export(*v, depth + 1)?;
                    m.entry(k.clone()).or_insert(v);
                }
                Value::Object(m)
            }
            Some(Node::Seq(items)) => {
                let mut a = Vec::with_capacity(items.len());
                for v in items {
                    a.push(self.export(*v, depth + 1)?);
                }
                Value::Array(a)
            }
            Some(Node::Scalar(v)) => v.clone(),
            Some(Node::Null { .. }) | None => Value::Null,
        })
    }

    /// Moves `v` into the arena. Below [`MAX_DEPTH`] the rest of a subtree is kept whole as an
    /// opaque node and `too_deep` is set, so the caller can give the value back unharmed.
    fn import_owned(&mut self, v: Value, depth: usize) -> Id {
        if depth > MAX_DEPTH {
            self.too_deep = true;
            return self.push(Node::Scalar(v));
        }
        let n = match v {
            Value::Null => Node::Null { keep: false },
            Value::Object(m) => {
                let mut entries = Vec::with_capacity(m.len());
                for (k, v) in m {
                    let id = self.import_owned(v, depth + 1);
                    entries.push((k, id));
                }
                Node::Map(entries)
            }
            Value::Array(a) => {
                let mut items = Vec::with_capacity(a.len());
                for v in a {
                    items.push(self.import_owned(v, depth + 1));
                }
                Node::Seq(items)
            }
            s => Node::Scalar(s),
        };
        self.push(n)
    }

    /// Moves the tree at `root` out of the arena. A node reachable more than once (the
    /// walk may attach one patch node in several places) is copied; every other node is
    /// moved, so the common case allocates nothing new for keys and scalars.
    fn export_owned(&mut self, root: Id) -> Value {
        let mut uses = vec![0u32; self.nodes.len()];
        let mut stack = vec![root];
        while let Some(id) = stack.pop() {
            let Some(u) = uses.get_mut(id) else { continue };
            *u += 1;
            if *u > 1 {
                continue;
            }
            match self.nodes.get(id) {
                Some(Node::Map(entries)) => stack.extend(entries.iter().map(|(_, v)| *v)),
                Some(Node::Seq(items)) => stack.extend(items.iter().copied()),
                _ => {}
            }
        }
        self.take_node(root, &uses, 0)
    }

    fn take_node(&mut self, id: Id, uses: &[u32], depth: usize) -> Value {
        if uses.get(id).copied().unwrap_or(0) > 1 || depth > MAX_DEPTH {
            // Shared: copy (the arena never nests deeper than it was built, so the
            // depth bound only guards the recursion).
            return self.export(id, depth).unwrap_or(Value::Null);
        }
        let node = match self.nodes.get_mut(id) {
            Some(n) => std::mem::replace(n, Node::Null { keep: false }),
            None => return Value::Null,
        };
        match node {
            Node::Map(entries) => {
                let mut m = Map::with_capacity(entries.len());
                for (k, v) in entries {
                    let v = self.take_node(v, uses, depth + 1);
                    if !m.contains_key(&k) {
                        m.insert(k, v);
                    }
                }
                Value::Object(m)
            }
            Node::Seq(items) => {
                let mut a = Vec::with_capacity(items.len());
                for v in items {
                    a.push(self.take_node(v, uses, depth + 1));
                }
                Value::Array(a)
            }
            Node::Scalar(v) => v,
            Node::Null { .. } => Value::Null,
        }
    }

    /// The node at a JSON pointer below `root`.
    fn resolve(&self, root: Id, pointer: &str) -> Option<Id> {
        let mut id = root;
        for part in pointer.split('/').skip(1) {
            let part = part.replace("~1", "/").replace("~0", "~");
            id = match self.node(id)? {
                Node::Map(_) => self.field(id, &part)?,
                Node::Seq(items) => *items.get(part.parse::<usize>().ok()?)?,
                _ => return None,
            };
        }
        Some(id)
    }

    fn node(&self, id: Id) -> Option<&Node> {
        self.nodes.get(id)
    }

    fn kind(&self, id: Id) -> Option<Kind> {
        match self.node(id)? {
            Node::Map(_) => Some(Kind::Map),
            Node::Seq(_) => Some(Kind::Seq),
            Node::Scalar(_) => Some(Kind::Scalar),
            Node::Null { .. } => None,
        }
    }

    fn is_null(&self, id: Id) -> bool {
        matches!(self.node(id), Some(Node::Null { .. }) | None)
    }

    fn missing_or_null(&self, id: Option<Id>) -> bool {
        id.is_none_or(|i| self.is_null(i))
    }

    fn tagged_null(&self, id: Option<Id>) -> bool {
        id.is_some_and(|i| self.is_null(i))
    }

    fn empty_map(&self, id: Option<Id>) -> bool {
        match id {
            None => true,
            Some(i) => match self.node(i) {
                Some(Node::Map(e)) => e.is_empty(),
                Some(Node::Null { .. }) | None => true,
                _ => false,
            },
        }
    }

    fn nil_or_empty(&self, id: Option<Id>) -> bool {
        match id {
            None => true,
            Some(i) => match self.node(i) {
                Some(Node::Map(e)) => e.is_empty(),
                Some(Node::Seq(e)) => e.is_empty(),
                Some(Node::Null { .. }) | None => true,
                Some(Node::Scalar(_)) => false,
            },
        }
    }

    /// The node's scalar text ("" for maps and lists), like a YAML node's `Value`.
    fn text(&self, id: Id) -> String {
        match self.node(id) {
            Some(Node::Scalar(v)) => scalar_text(v).into_owned(),
            Some(Node::Null { .. }) => "null".to_string(),
            _ => String::new(),
        }
    }

    /// "" for a missing or null node, else its text.
    fn value_of(&self, id: Option<Id>) -> String {
        match id {
            Some(i) if !self.is_null(i) => self.text(i),
            _ => String::new(),
        }
    }

    fn map_entries(&self, id: Id) -> Option<&Vec<(String, Id)>> {
        match self.node(id) {
            Some(Node::Map(e)) => Some(e),
            _ => None,
        }
    }

    fn seq_items(&self, id: Id) -> Option<&Vec<Id>> {
        match self.node(id) {
            Some(Node::Seq(e)) => Some(e),
            _ => None,
        }
    }

    /// The value of the first field `name` of a map node.
    fn field(&self, id: Id, name: &str) -> Option<Id> {
        self.map_entries(id)?
            .iter()
            .find(|(k, _)| k == name)
            .map(|&(_, v)| v)
    }

    fn wrong_kind(&self, expected: Kind, id: Id) -> SmpError {
        let got = self.kind(id).map_or("ScalarNode", Kind::name);
        let contents = self
            .export(id, 0)
            .ok()
            .and_then(|v| serde_json::to_string(&v).ok())
            .unwrap_or_default();
        SmpError::msg(format!(
            "wrong node kind: expected {} but got {got}: node contents:\n{contents}",
            expected.name()
        ))
    }

    /// Errors unless the node is missing, null or of the expected kind.
    fn expect_kind(&self, id: Option<Id>, kind: Kind) -> Result<()> {
        match id {
            Some(i) if !self.is_null(i) && self.kind(i) != Some(kind) => {
                Err(self.wrong_kind(kind, i))
            }
            _ => Ok(()),
        }
    }

    // ---- the walk -----------------------------------------------------------------

    /// Merges `origin` (patch) into `dest` (target) at one position; returns the node to
    /// store there, `None` to remove it.
    fn walk(
        &mut self,
        dest: Option<Id>,
        origin: Option<Id>,
        schema: Option<SchemaRef>,
        depth: usize,
    ) -> Result<Option<Id>> {
        if depth > MAX_DEPTH {
            return Err(too_deep());
        }
        let schema = schema.or_else(|| self.resource_schema(dest, origin));
        let kind = [dest, origin]
            .into_iter()
            .flatten()
            .find(|&i| !self.is_null(i))
            .and_then(|i| self.kind(i));
        match kind {
            Some(k @ Kind::Map) | Some(k @ Kind::Seq) | Some(k @ Kind::Scalar) => {
                self.expect_kind(dest, k)?;
                self.expect_kind(origin, k)?;
                match k {
                    Kind::Map => self.walk_map(dest, origin, schema, depth),
                    Kind::Seq => match schema {
                        Some(s) if self.has_merge_strategy(s) => {
                            self.walk_assoc(dest, origin, s, depth)
                        }
                        _ => Ok(origin.or(dest)),
                    },
                    Kind::Scalar => Ok(origin.or(dest)),
                }
            }
            None => self.walk_map(dest, origin, schema, depth),
        }
    }

    /// With no schema from the parent, a node that names an apiVersion and kind gets that
    /// type's schema (the target is consulted first).
    fn resource_schema(&self, dest: Option<Id>, origin: Option<Id>) -> Option<SchemaRef> {
        [dest, origin]
            .into_iter()
            .flatten()
            .filter(|&id| self.map_entries(id).is_some())
            .find_map(|id| View::Arena(&self.nodes, id).resource_schema(self.schema))
    }

    fn has_merge_strategy(&self, s: SchemaRef) -> bool {
        merges(self.schema, s)
    }

    fn walk_map(
        &mut self,
        dest: Option<Id>,
        origin: Option<Id>,
        schema: Option<SchemaRef>,
        depth: usize,
    ) -> Result<Option<Id>> {
        let Some(dest) = self.visit_map(dest, origin)? else {
            return Ok(None);
        };
        let mut names: Vec<String> = vec![];
        for id in [Some(dest), origin].into_iter().flatten() {
            if let Some(entries) = self.map_entries(id) {
                names.extend(entries.iter().map(|(k, _)| k.clone()));
            }
        }
        names.sort();
        names.dedup();
        for name in names {
            let child_schema = schema.and_then(|s| self.schema.field(s, &name));
            let fd = self.field(dest, &name);
            let fo = origin.and_then(|o| self.field(o, &name));
            // A target subtree the patch does not touch comes through the walk unchanged
            // unless it holds something the walk rewrites: skip the walk when it provably
            // would not.
            if fo.is_none()
                && fd.is_some_and(|d| self.untouched_by_walk(d, child_schema, depth + 1))
            {
                continue;
            }
            let val = self.walk(fd, fo, child_schema, depth + 1)?;
            self.set_field(dest, &name, val);
        }
        Ok(Some(dest))
    }

    /// [`untouched`] for an arena node.
    fn untouched_by_walk(&self, id: Id, schema: Option<SchemaRef>, depth: usize) -> bool {
        untouched(self.schema, View::Arena(&self.nodes, id), schema, depth)
    }

    fn visit_map(&mut self, dest: Option<Id>, origin: Option<Id>) -> Result<Option<Id>> {
        if self.missing_or_null(dest) {
            let ps = self.directive(origin).unwrap_or(Directive::Unknown);
            if ps == Directive::Delete {
                return Ok(None);
            }
            if origin.is_none() && dest.is_some_and(|d| !self.empty_values.contains(&d)) {
                // keep a null the target spells out (an empty value goes)
                return Ok(Some(self.push(Node::Null { keep: true })));
            }
            return Ok(origin);
        }
        if self.tagged_null(origin) {
            return Ok(None);
        }
        Ok(match self.directive(origin)? {
            Directive::Delete => None,
            Directive::Replace => origin,
            _ => dest,
        })
    }

    /// Sets (or, for `None` / a plain null, removes) field `name` of map `dest`. An
    /// existing field's node takes the new node's contents in place.
    fn set_field(&mut self, dest: Id, name: &str, val: Option<Id>) {
        let remove = match val {
            None => true,
            Some(v) => matches!(self.node(v), Some(Node::Null { keep: false }) | None),
        };
        let existing = self.field(dest, name);
        let Some(Node::Map(_)) = self.node(dest) else {
            return;
        };
        if remove {
            if let Some(Node::Map(entries)) = self.nodes.get_mut(dest)
                && let Some(pos) = entries.iter().position(|(k, _)| k == name)
            {
                entries.remove(pos);
            }
            return;
        }
        let Some(val) = val else { return };
        match existing {
            Some(e) if e == val => {}
            Some(e) => {
                let mut copy = self
                    .nodes
                    .get(val)
                    .cloned()
                    .unwrap_or(Node::Null { keep: false });
                if let Node::Null { keep } = &mut copy {
                    *keep = false;
                }
                if let Some(slot) = self.nodes.get_mut(e) {
                    *slot = copy;
                }
            }
            None => {
                if let Some(Node::Map(entries)) = self.nodes.get_mut(dest) {
                    entries.push((name.to_string(), val));
                }
            }
        }
    }

    // ---- $patch directives --------------------------------------------------------

    /// Reads the `$patch` directive of a patch node and removes it from the node.
    fn directive(&mut self, patch: Option<Id>) -> Result<Directive> {
        let Some(p) = patch else {
            return Ok(Directive::Merge);
        };
        match self.node(p) {
            Some(Node::Map(_)) => self.map_directive(p),
            Some(Node::Seq(_)) => self.seq_directive(p),
            _ => {
                let tag = match self.node(p) {
                    Some(Node::Scalar(Value::Bool(_))) => "!!bool",
                    Some(Node::Scalar(Value::Number(n))) if n.is_f64() => "!!float",
                    Some(Node::Scalar(Value::Number(_))) => "!!int",
                    Some(Node::Scalar(_)) => "!!str",
                    _ => "!!null",
                };
                Err(SmpError::msg(format!(
                    "no implemented strategic merge patch strategy for '{tag}' ('{}')",
                    self.text(p)
                )))
            }
        }
    }

    fn parse_directive(v: &str) -> Result<Directive> {
        match v {
            "delete" => Ok(Directive::Delete),
            "replace" => Ok(Directive::Replace),
            "merge" => Ok(Directive::Merge),
            _ => Err(SmpError::msg(format!("unknown patch strategy '{v}'"))),
        }
    }

    fn map_directive(&mut self, p: Id) -> Result<Directive> {
        let Some(v) = self.field(p, "$patch") else {
            return Ok(Directive::Merge);
        };
        let d = Self::parse_directive(&self.text(v))?;
        if let Some(Node::Map(entries)) = self.nodes.get_mut(p)
            && let Some(pos) = entries.iter().position(|(k, _)| k == "$patch")
        {
            entries.remove(pos);
        }
        Ok(d)
    }

    fn seq_directive(&mut self, p: Id) -> Result<Directive> {
        let items = self.seq_items(p).cloned().unwrap_or_default();
        let Some(elem) = items
            .into_iter()
            .find(|&e| self.field(e, "$patch").is_some())
        else {
            return Ok(Directive::Merge);
        };
        if self.map_entries(elem).is_some_and(|e| e.len() > 1) {
            // `$patch` next to other fields belongs to the element, not the list
            return Ok(Directive::Merge);
        }
        let Some(v) = self.field(elem, "$patch") else {
            return Ok(Directive::Merge);
        };
        let text = self.text(v);
        let d = Self::parse_directive(&text)?;
        self.element_setter(p, None, &["$patch".to_string()], &[text])?;
        Ok(d)
    }

    // ---- element matching (kyaml's ElementSetter / ElementMatcher / FieldMatcher) --

    /// The value of field `name` of `rn` (for `name == ""`, `rn` itself as a scalar),
    /// when its text equals `want` (any value when `want` is `None`).
    fn match_field(&self, rn: Id, name: &str, want: Option<&str>) -> Result<Option<Id>> {
        if self.is_null(rn) {
            return Ok(None);
        }
        if name.is_empty() {
            if self.kind(rn) != Some(Kind::Scalar) {
                return Err(self.wrong_kind(Kind::Scalar, rn));
            }
            return Ok((self.value_of(Some(rn)) == want.unwrap_or("")).then_some(rn));
        }
        if self.kind(rn) != Some(Kind::Map) {
            return Err(self.wrong_kind(Kind::Map, rn));
        }
        let Some(v) = self.field(rn, name) else {
            return Ok(None);
        };
        Ok(match want {
            Some(w) if self.text(v) != w => None,
            _ => Some(v),
        })
    }

    /// Replaces the elements of `list` that match all `keys`/`values` by `element`, or
    /// removes them when `element` is `None`; appends `element` when nothing matched.
    /// Null and empty-map elements are dropped on the way, and when `values` is empty
    /// every element is.
    fn element_setter(
        &mut self,
        list: Id,
        element: Option<Id>,
        keys: &[String],
        values: &[String],
    ) -> Result<Option<Id>> {
        let default_keys = [String::new()];
        let keys = if keys.is_empty() {
            &default_keys[..]
        } else {
            keys
        };
        let items = match self.node(list) {
            Some(Node::Seq(items)) => items.clone(),
            Some(Node::Null { .. }) | None => return Ok(None),
            _ => return Err(self.wrong_kind(Kind::Seq, list)),
        };
        let mapping_setter = !keys[0].is_empty() && values.first().is_some_and(|v| !v.is_empty());
        let mut new_items = Vec::with_capacity(items.len() + 1);
        let mut matched = false;
        for elem in items {
            if self.missing_or_null(Some(elem)) || self.empty_map(Some(elem)) {
                continue;
            }
            if self.kind(elem) != Some(Kind::Map) && mapping_setter {
                new_items.push(elem);
                continue;
            }
            let mut found = true;
            let mut val = None;
            for (j, key) in keys.iter().enumerate() {
                if let Some(v) = values.get(j) {
                    let want = (!v.is_empty()).then_some(v.as_str());
                    val = self.match_field(elem, key, want)?;
                }
                if val.is_none() {
                    found = false;
                    break;
                }
            }
            if !found {
                if !values.is_empty() {
                    new_items.push(elem);
                }
                continue;
            }
            matched = true;
            if let Some(e) = element {
                new_items.push(e);
            }
        }
        let deleting = self.missing_or_null(element);
        if let (false, false, Some(e)) = (deleting, matched, element) {
            new_items.push(e);
        }
        if let Some(slot) = self.nodes.get_mut(list) {
            *slot = Node::Seq(new_items);
        }
        Ok(if deleting { None } else { element })
    }

    /// The first element of `list` whose fields `keys` have the texts `values` (for a
    /// primitive list, `keys == [""]`, the element whose text is `values[0]`).
    fn element_list(&self, list: Option<Id>, keys: &[String], values: &[String]) -> Option<Id> {
        let items = self.seq_items(list?)?;
        let default_values = [String::new()];
        let values = if values.is_empty() {
            &default_values[..]
        } else {
            values
        };
        let k0 = keys.first().map_or("", String::as_str);
        if k0.is_empty() {
            return items.iter().copied().find(|&i| self.text(i) == values[0]);
        }
        if keys.len() != values.len() {
            return None;
        }
        items.iter().copied().find(|&item| {
            self.kind(item) == Some(Kind::Map)
                && keys
                    .iter()
                    .zip(values)
                    .all(|(k, v)| self.field(item, k).is_some_and(|f| self.text(f) == *v))
        })
    }

    // ---- merged lists ---------------------------------------------------------------

    fn walk_assoc(
        &mut self,
        dest: Option<Id>,
        origin: Option<Id>,
        schema: SchemaRef,
        depth: usize,
    ) -> Result<Option<Id>> {
        let Some(dest) = self.visit_list(dest, origin)? else {
            return Ok(None);
        };
        let keys: Vec<String> = self
            .schema
            .strategy_and_keys(schema)
            .1
            .iter()
            .map(|k| k.to_string())
            .collect();
        let values = self.element_values(dest, origin, &keys);
        if !values.is_empty() || !keys.is_empty() {
            self.set_elements(values, &keys, dest, origin, schema, depth)
        } else {
            let values = self.primitive_values(dest, origin);
            self.set_elements(values, &[String::new()], dest, origin, schema, depth)
        }
    }

    fn visit_list(&mut self, dest: Option<Id>, origin: Option<Id>) -> Result<Option<Id>> {
        if self.missing_or_null(dest) {
            return Ok(origin);
        }
        if self.tagged_null(origin) {
            return Ok(None);
        }
        Ok(match self.directive(origin)? {
            Directive::Delete => None,
            Directive::Replace => origin,
            _ => dest,
        })
    }

    /// Each element's merge-key texts, patch elements first, de-duplicated.
    fn element_values(&self, dest: Id, origin: Option<Id>, keys: &[String]) -> Vec<Vec<String>> {
        let mut out: Vec<Vec<String>> = vec![];
        let mut seen: HashSet<Vec<String>> = HashSet::default();
        for src in [origin, Some(dest)].into_iter().flatten() {
            let Some(items) = self.seq_items(src) else {
                continue;
            };
            for &item in items {
                let vals: Vec<String> = keys
                    .iter()
                    .map(|k| {
                        let f = if self.kind(item) == Some(Kind::Map) {
                            self.field(item, k)
                        } else {
                            None
                        };
                        if self.nil_or_empty(f) {
                            String::new()
                        } else {
                            f.map(|f| self.text(f)).unwrap_or_default()
                        }
                    })
                    .collect();
                if vals.is_empty() || seen.contains(&vals) {
                    continue;
                }
                seen.insert(vals.clone());
                out.push(vals);
            }
        }
        out
    }

    /// The texts of a primitive list's elements, patch elements first, de-duplicated.
    fn primitive_values(&self, dest: Id, origin: Option<Id>) -> Vec<Vec<String>> {
        let mut out = vec![];
        let mut seen: HashSet<String> = HashSet::default();
        for src in [origin, Some(dest)].into_iter().flatten() {
            let Some(items) = self.seq_items(src) else {
                continue;
            };
            for &item in items {
                let t = self.text(item);
                if seen.insert(t.clone()) {
                    out.push(vec![t]);
                }
            }
        }
        out
    }

    fn set_elements(
        &mut self,
        mut values_list: Vec<Vec<String>>,
        keys: &[String],
        dest: Id,
        origin: Option<Id>,
        schema: SchemaRef,
        depth: usize,
    ) -> Result<Option<Id>> {
        let items = self.push(Node::Seq(vec![]));
        let elem_schema = self.schema.elements(schema);
        if keys.len() > 1 {
            merge_values(&mut values_list);
        }
        let mut valid_keys: Vec<String> = vec![];
        let mut valid_values: Vec<String>;
        for values in &values_list {
            if values.is_empty() {
                continue;
            }
            (valid_keys, valid_values) = validate_keys(&values_list, values, keys);
            let (ek, ev) = validate_keys(
                std::slice::from_ref(&valid_values),
                &valid_values,
                &valid_keys,
            );
            let fd = self.element_list(Some(dest), &ek, &ev);
            let fo = self.element_list(origin, &ek, &ev);
            let val = self.walk(fd, fo, elem_schema, depth + 1)?;
            let mut exit = false;
            for (i, key) in valid_keys.iter().enumerate() {
                if self.missing_or_null(val) || self.empty_map(val) {
                    self.element_setter(dest, None, &valid_keys, &valid_values)?;
                    exit = true;
                } else if let Some(v) = val {
                    let text = valid_values.get(i).cloned().unwrap_or_default();
                    if key.is_empty() || text.is_empty() {
                        continue;
                    }
                    if self.kind(v) != Some(Kind::Map) {
                        return Err(self.wrong_kind(Kind::Map, v));
                    }
                    if self.field(v, key).is_none() {
                        // kyaml puts the key back as a new (string) scalar
                        let k = self.push(Node::Scalar(Value::String(text)));
                        if let Some(Node::Map(entries)) = self.nodes.get_mut(v) {
                            entries.push((key.clone(), k));
                        }
                    }
                }
            }
            if exit {
                continue;
            }
            self.element_setter(items, val, &valid_keys, &valid_values)?;
        }
        if !values_list.is_empty() {
            self.append_list(items, dest, &valid_keys)?;
            return Ok(Some(items));
        }
        Ok(Some(dest))
    }

    /// Adds the target's elements after the patch's (replacing a patch element with the
    /// same keys by the target's node, which by then holds the merged content).
    fn append_list(&mut self, dst: Id, src: Id, keys: &[String]) -> Result<()> {
        let elems = self.seq_items(src).cloned().unwrap_or_default();
        let primitive = keys.first().is_none_or(|k| k.is_empty());
        for elem in elems {
            if primitive {
                let text = self.text(elem);
                self.element_setter(dst, Some(elem), &[String::new()], &[text])?;
                continue;
            }
            let mut v = vec![];
            for key in keys {
                match self.match_field(elem, key, None)? {
                    Some(f) => v.push(self.text(f)),
                    None => {
                        if let Some(Node::Seq(items)) = self.nodes.get_mut(dst) {
                            items.push(elem);
                        }
                    }
                }
            }
            if keys.len() > 1 {
                self.element_setter(dst, None, keys, &v)?;
            }
            self.element_setter(dst, Some(elem), keys, &v)?;
        }
        Ok(())
    }
}

/// Keys with a value in at least one element are "valid"; the others are dropped from
/// matching (all are kept when none has a value).
fn validate_keys(
    values_list: &[Vec<String>],
    values: &[String],
    keys: &[String],
) -> (Vec<String>, Vec<String>) {
    // Which key positions hold a value somewhere; a key is valid when any position with its
    // name does. Key lists are one or two names long: flags, not a hash set.
    let mut flag = vec![false; keys.len()];
    for vals in values_list {
        for (f, v) in flag.iter_mut().zip(vals) {
            *f |= !v.is_empty();
        }
    }
    if !flag.contains(&true) {
        return (keys.to_vec(), values.to_vec());
    }
    let is_valid = |k: &str| keys.iter().zip(&flag).any(|(kj, f)| *f && kj == k);
    let vk = keys.iter().filter(|k| is_valid(k)).cloned().collect();
    let vv = values
        .iter()
        .enumerate()
        .filter(|(i, v)| !v.is_empty() || keys.get(*i).is_some_and(|k| is_valid(k)))
        .map(|(_, v)| v.clone())
        .collect();
    (vk, vv)
}

/// Unifies key tuples that agree wherever both have a value (e.g. a port without a
/// protocol and the same port with one).
fn merge_values(list: &mut [Vec<String>]) {
    let n = list.len();
    for i in 0..n {
        let v1 = list[i].clone();
        for j in 0..n {
            if let Some(m) = unify(&v1, &list[j]) {
                list[i] = m.clone();
                list[j] = m;
            }
        }
    }
}

fn unify(a: &[String], b: &[String]) -> Option<Vec<String>> {
    if a.len() != b.len() {
        return None;
    }
    let mut common = false;
    let mut out = Vec::with_capacity(a.len());
    for (x, y) in a.iter().zip(b) {
        if x == y {
            common = true;
            out.push(x.clone());
        } else if !x.is_empty() && !y.is_empty() {
            return None;
        } else if !x.is_empty() {
            out.push(x.clone());
        } else {
            out.push(y.clone());
        }
    }
    common.then_some(out)
}
