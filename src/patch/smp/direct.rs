//! The strategic merge of a *plain* patch, done straight on the target's values.
//!
//! Most patches in real trees (and every patch of the bench's overlays) set scalars,
//! add fields and merge containers or env vars by name. For those, kyaml's walker (the
//! arena engine in the parent module) ends up doing something simple, and this module
//! does that simple thing in place, without copying the target into the arena and back.
//!
//! A patch is merged here only when [`applies`] proves, reading both documents, that the
//! walker would produce the same result; anything else (directives, nulls, kind
//! mismatches, lists merged by value, merge keys that are missing, empty or repeated,
//! target subtrees the walker would rewrite) goes to the walker, which also reports the
//! errors. What the walker does with a plain patch, and what is done here instead:
//!
//! * Maps: fields of both are merged; fields only the patch has are added after the
//!   target's, in sorted order (the walker visits the union of names sorted); fields only
//!   the target has are left alone, which the walker does too when [`untouched`] holds.
//! * Scalars: the patch's value replaces the target's.
//! * Lists without a merge strategy: the patch's list replaces the target's.
//! * Lists merged by keys: elements are matched on the keys' scalar text. With one key
//!   the result is the patch's elements in patch order (merged with their target element),
//!   then the target's other elements. With several keys (container ports), kyaml's
//!   `append_list` moves every target element behind the new ones, so the result is the
//!   patch-only elements, then all target elements in target order.
//! * A patch element `{<keys>, $patch: delete}` in such a list removes the target element
//!   with those keys (if any) and adds nothing.
//! * Content added from the patch is the patch's own, which the walker walks against
//!   itself; for content that [`untouched`] accepts that walk changes nothing.
//!
//! In debug builds (the test suite) every merge done here is also done by the walker and
//! the two results are compared, key order included.
use std::borrow::Cow;

use crate::value::{Map, Value};

use super::{MAX_DEPTH, View, distinct_tuples, key_tuple, merges, untouched};
use crate::lookup::Lookup;
use crate::patch::schema::{MergeSchema, SchemaRef};

/// Whether `patch` can be merged into `target` here (see the module notes).
pub(super) fn applies(target: &Value, patch: &Value, ms: &MergeSchema) -> bool {
    match (target, patch) {
        // an emptied or empty target is the walker's (it deletes the object)
        (Value::Object(t), Value::Object(_)) if !t.is_empty() => check(ms, target, patch, None, 0),
        _ => false,
    }
}

/// Merges `patch` into `target`; only after [`applies`] said yes.
pub(super) fn merge(target: &mut Value, patch: &Value, ms: &MergeSchema) {
    merge_node(ms, target, patch, None);
}

/// The schema of a map: the parent's, else the one its (the target's, then the patch's)
/// apiVersion and kind name, as the walker looks it up at every node.
fn map_schema(
    ms: &MergeSchema,
    schema: Option<SchemaRef>,
    dest: &Value,
    patch: &Value,
) -> Option<SchemaRef> {
    schema
        .or_else(|| View::Value(dest).resource_schema(ms))
        .or_else(|| View::Value(patch).resource_schema(ms))
}

fn is_scalar(v: &Value) -> bool {
    matches!(v, Value::String(_) | Value::Number(_) | Value::Bool(_))
}

/// No null and no `$`-key anywhere in `v` (nothing the walker treats as a directive or
/// drops).
fn plain(v: &Value, depth: usize) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    match v {
        Value::Null => false,
        Value::Object(m) => m
            .iter()
            .all(|(k, c)| !k.starts_with('$') && plain(c, depth + 1)),
        Value::Array(a) => a.iter().all(|c| plain(c, depth + 1)),
        _ => true,
    }
}

/// Patch content for a place the target lacks: walked against itself, it must come out
/// as it is.
fn addable(ms: &MergeSchema, pv: &Value, schema: Option<SchemaRef>, depth: usize) -> bool {
    plain(pv, depth) && untouched(ms, View::Value(pv), schema, depth)
}

/// A list element that deletes its counterpart: `$patch: delete` beside its merge keys (the
/// walker reads a `$patch` with other fields as the element's own directive, not the list's).
fn is_delete(item: &Value) -> bool {
    item.as_object()
        .and_then(|m| m.field("$patch"))
        .is_some_and(|v| v.as_str() == Some("delete"))
}

fn check(
    ms: &MergeSchema,
    dest: &Value,
    patch: &Value,
    schema: Option<SchemaRef>,
    depth: usize,
) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    match (dest, patch) {
        (Value::Object(d), Value::Object(p)) => {
            let schema = map_schema(ms, schema, dest, patch);
            let child = |k: &str| schema.and_then(|s| ms.field(s, k));
            p.iter().all(|(k, pv)| {
                !k.starts_with('$')
                    && match d.field(k) {
                        Some(dv) => check(ms, dv, pv, child(k), depth + 1),
                        None => addable(ms, pv, child(k), depth + 1),
                    }
            }) && d.iter().all(|(k, dv)| {
                p.field(k).is_some() || untouched(ms, View::Value(dv), child(k), depth + 1)
            })
        }
        (Value::Array(d), Value::Array(p)) => {
            let Some(s) = schema.filter(|&s| merges(ms, s)) else {
                // replaced by the patch's list as it is
                return plain(patch, depth);
            };
            let keys = ms.strategy_and_keys(s).1;
            if keys.is_empty() {
                // merged by value (finalizers): the walker's
                return false;
            }
            let elem = ms.elements(s);
            let (Some(dt), Some(pt)) = (
                distinct_tuples(d.iter().map(View::Value), keys),
                distinct_tuples(p.iter().map(View::Value), keys),
            ) else {
                return false;
            };
            let mut matched = vec![false; d.len()];
            for (pv, t) in p.iter().zip(&pt) {
                let found = dt.iter().position(|x| x == t);
                if let Some(j) = found {
                    matched[j] = true;
                }
                let ok = match found {
                    _ if is_delete(pv) => true,
                    Some(j) => check(ms, &d[j], pv, elem, depth + 1),
                    None => addable(ms, pv, elem, depth + 1),
                };
                if !ok {
                    return false;
                }
            }
            d.iter()
                .zip(&matched)
                .all(|(dv, &m)| m || untouched(ms, View::Value(dv), elem, depth + 1))
        }
        (d, p) => is_scalar(d) && is_scalar(p),
    }
}

fn merge_node(ms: &MergeSchema, dest: &mut Value, patch: &Value, schema: Option<SchemaRef>) {
    match patch {
        Value::Object(p) => {
            let schema = map_schema(ms, schema, dest, patch);
            let Value::Object(d) = dest else { return };
            merge_map(ms, d, p, schema);
        }
        Value::Array(p) => {
            let Some(s) = schema.filter(|&s| merges(ms, s)) else {
                *dest = patch.clone();
                return;
            };
            let Value::Array(d) = dest else { return };
            let (_, keys) = ms.strategy_and_keys(s);
            let merged = merge_list(ms, std::mem::take(d), p, keys, ms.elements(s));
            *d = merged;
        }
        _ => *dest = patch.clone(),
    }
}

fn merge_map(
    ms: &MergeSchema,
    d: &mut Map<String, Value>,
    p: &Map<String, Value>,
    schema: Option<SchemaRef>,
) {
    let mut added: Vec<(&String, &Value)> = Vec::new();
    for (k, pv) in p {
        match d.field_mut(k) {
            Some(dv) => merge_node(ms, dv, pv, schema.and_then(|s| ms.field(s, k))),
            None => added.push((k, pv)),
        }
    }
    added.sort_unstable_by(|a, b| a.0.cmp(b.0));
    for (k, pv) in added {
        d.insert(k.clone(), pv.clone());
    }
}

fn merge_list(
    ms: &MergeSchema,
    dest: Vec<Value>,
    patch: &[Value],
    keys: &[Box<str>],
    elem: Option<SchemaRef>,
) -> Vec<Value> {
    // Which target element each patch element merges into (tuples were checked distinct).
    let which: Vec<Option<usize>> = {
        let dt: Vec<Option<Vec<Cow<'_, str>>>> = dest
            .iter()
            .map(|v| key_tuple(View::Value(v), keys))
            .collect();
        patch
            .iter()
            .map(|pv| {
                let t = key_tuple(View::Value(pv), keys);
                t.and_then(|t| dt.iter().position(|x| x.as_ref() == Some(&t)))
            })
            .collect()
    };
    let mut dest: Vec<Option<Value>> = dest.into_iter().map(Some).collect();
    let mut merged_into: Vec<Option<usize>> = vec![None; dest.len()];
    for (i, w) in which.iter().enumerate() {
        if let Some(j) = *w {
            merged_into[j] = Some(i);
        }
    }
    // deleted target elements go first (the walker removes them from the target list as
    // it meets their keys, before any target element is placed)
    for (pv, w) in patch.iter().zip(&which) {
        if is_delete(pv)
            && let Some(slot) = w.and_then(|j| dest.get_mut(j))
        {
            *slot = None;
        }
    }
    let mut out = Vec::with_capacity(dest.len() + patch.len());
    if keys.len() == 1 {
        for (pv, w) in patch.iter().zip(&which) {
            if is_delete(pv) {
                continue;
            }
            match w.and_then(|j| dest.get_mut(j)).and_then(Option::take) {
                Some(mut dv) => {
                    merge_node(ms, &mut dv, pv, elem);
                    out.push(dv);
                }
                None => out.push(pv.clone()),
            }
        }
        out.extend(dest.into_iter().flatten());
    } else {
        for (pv, w) in patch.iter().zip(&which) {
            if w.is_none() && !is_delete(pv) {
                out.push(pv.clone());
            }
        }
        for (dv, m) in dest.into_iter().zip(merged_into) {
            let Some(mut dv) = dv else { continue };
            if let Some(pv) = m.and_then(|i| patch.get(i)) {
                merge_node(ms, &mut dv, pv, elem);
            }
            out.push(dv);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::{scalar_text, walk_merge};
    use super::*;

    fn yaml(s: &str) -> Value {
        crate::yaml::parse_one(s).expect("yaml")
    }

    const DEPLOYMENT: &str = r#"
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 1
  template:
    spec:
      containers:
      - name: app
        image: app:1
        args: [--a, --b]
        env:
        - {name: A, value: "1"}
        - {name: DEBUG, value: "true"}
        - {name: B, value: "2"}
        ports:
        - {containerPort: 8080, protocol: TCP}
        - {containerPort: 9090, protocol: TCP}
      - name: proxy
        image: envoy:1
"#;

    /// Merges directly, insists that the direct path was taken, and compares with the
    /// walker (key order included).
    fn direct(target: &str, patch: &str) -> Value {
        let ms = MergeSchema::builtin();
        let (mut t, p) = (yaml(target), yaml(patch));
        assert!(applies(&t, &p, ms), "direct path refused {patch}");
        let mut w = t.clone();
        let out = walk_merge(&mut w, &p, ms, &[]);
        assert!(
            matches!(out, Ok(super::super::SmpOutcome::Applied)),
            "{out:?}"
        );
        merge(&mut t, &p, ms);
        let text = |v: &Value| serde_json::to_string(v).unwrap_or_default();
        assert_eq!(text(&t), text(&w));
        t
    }

    /// A patch of [`DEPLOYMENT`]'s container `app`; `fields` are its fields, indented for it.
    fn app_patch(fields: &str) -> String {
        format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: web}}\nspec:\n  template:\n    spec:\n      containers:\n      - name: app\n{fields}"
        )
    }

    fn refused(target: &str, patch: &str) {
        assert!(
            !applies(&yaml(target), &yaml(patch), MergeSchema::builtin()),
            "{patch}"
        );
    }

    fn names(list: &Value) -> Vec<String> {
        list.as_array()
            .map(|a| {
                a.iter()
                    .map(|e| scalar_text(&e["name"]).into_owned())
                    .collect()
            })
            .unwrap_or_default()
    }

    #[test]
    fn scalars_replace_and_new_fields_follow_in_sorted_order() {
        let out = direct(
            DEPLOYMENT,
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, labels: {zz: z, app: new, b: x}}\nspec: {replicas: 3}",
        );
        let labels: Vec<&String> = out["metadata"]["labels"]
            .as_object()
            .map(|m| m.keys().collect())
            .unwrap_or_default();
        assert_eq!(labels, ["app", "b", "zz"]);
        assert_eq!(out["metadata"]["labels"]["app"], "new");
        assert_eq!(out["spec"]["replicas"], 3);
    }

    #[test]
    fn containers_merge_by_name_patch_order_first() {
        let out = direct(
            DEPLOYMENT,
            r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  template:
    spec:
      containers:
      - name: sidecar
        image: side:1
      - name: app
        image: app:2
        args: [--c]
        env:
        - {name: B, value: "3"}
        - {name: NEW, value: "x"}
"#,
        );
        let cs = &out["spec"]["template"]["spec"]["containers"];
        assert_eq!(names(cs), ["sidecar", "app", "proxy"]);
        assert_eq!(cs[1]["image"], "app:2");
        // a list without a merge strategy is replaced
        assert_eq!(cs[1]["args"], crate::json!(["--c"]));
        assert_eq!(names(&cs[1]["env"]), ["B", "NEW", "A", "DEBUG"]);
    }

    #[test]
    fn delete_elements_remove_their_counterpart() {
        let out = direct(
            DEPLOYMENT,
            &app_patch(
                r#"        env:
        - {name: DEBUG, $patch: delete}
        - {name: ABSENT, $patch: delete}
        - {name: C, value: "3"}
"#,
            ),
        );
        let env = &out["spec"]["template"]["spec"]["containers"][0]["env"];
        assert_eq!(names(env), ["C", "A", "B"]);
    }

    #[test]
    fn multi_key_lists_put_new_elements_before_all_target_elements() {
        let out = direct(
            DEPLOYMENT,
            &app_patch(
                r#"        ports:
        - {containerPort: 9090, protocol: TCP, name: metrics}
        - {containerPort: 7070, protocol: UDP}
"#,
            ),
        );
        let ports = &out["spec"]["template"]["spec"]["containers"][0]["ports"];
        let got: Vec<String> = ports
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|p| scalar_text(&p["containerPort"]).into_owned())
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(got, ["7070", "8080", "9090"]);
        assert_eq!(ports[2]["name"], "metrics");
    }

    #[test]
    fn anything_the_walker_rewrites_is_left_to_it() {
        let head = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n";
        // a null in the patch (removes a field)
        refused(DEPLOYMENT, &format!("{head}spec: {{replicas: null}}"));
        // a directive on a map
        refused(DEPLOYMENT, &format!("{head}spec: {{$patch: replace}}"));
        // a list-level directive
        refused(
            DEPLOYMENT,
            &format!("{head}spec: {{template: {{spec: {{containers: [{{$patch: replace}}]}}}}}}"),
        );
        // a kind mismatch (the walker reports the error)
        refused(DEPLOYMENT, &format!("{head}spec: {{replicas: {{a: 1}}}}"));
        // a list merged by value
        refused(
            DEPLOYMENT,
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, finalizers: [x]}",
        );
        // a patch element without its merge key
        refused(
            DEPLOYMENT,
            &format!("{head}spec: {{template: {{spec: {{containers: [{{image: x}}]}}}}}}"),
        );
        // a null in the target, anywhere
        let with_null = DEPLOYMENT.replace("replicas: 1", "replicas: 1\n  paused: null");
        refused(&with_null, &format!("{head}spec: {{replicas: 2}}"));
        // target elements repeating a merge key
        let dup = DEPLOYMENT.replace("name: B,", "name: A,");
        refused(&dup, &format!("{head}spec: {{replicas: 2}}"));
        // an empty target (the walker deletes the object)
        refused("{}", "{a: 1}");
    }
}
