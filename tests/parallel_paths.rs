//! Large builds take parallel paths (resource files parsed on all cores, one patch merged
//! into many objects on all cores, output rendered in chunks). These tests build trees big
//! enough to take them and check the result is what the sequential paths give.
use std::fmt::Write as _;
use std::path::Path;

use stackgen::build::{BuildOptions, build};

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

/// A custom `openapi:` schema must reach the worker threads that merge a patch into many
/// objects: `spec.items` merges by `name` only under that schema (the builtin one does not
/// know the kind and would replace the list).
#[test]
fn a_patch_on_many_objects_merges_with_the_custom_schema() {
    let d = tempfile::tempdir().unwrap();
    let schema = r#"{"definitions": {"v1.Widget": {"type": "object",
      "x-kubernetes-group-version-kind": [{"group": "example.com", "kind": "Widget", "version": "v1"}],
      "properties": {"apiVersion": {"type": "string"}, "kind": {"type": "string"},
        "metadata": {"type": "object"},
        "spec": {"type": "object", "properties": {"items": {"type": "array",
          "x-kubernetes-patch-merge-key": "name", "x-kubernetes-patch-strategy": "merge",
          "items": {"type": "object", "properties": {"name": {"type": "string"}, "v": {"type": "integer"}}}}}}}}}}"#;
    write(d.path(), "schema.json", schema);
    let mut kust = String::from("openapi:\n  path: schema.json\nresources:\n");
    // 20 files of 40 objects: enough files to parse in parallel, enough objects to merge
    // in parallel.
    for f in 0..20 {
        let mut text = String::new();
        for i in 0..40 {
            let _ = write!(
                text,
                "---\napiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w-{f}-{i}\nspec:\n  items:\n  - name: a\n    v: {i}\n"
            );
        }
        write(d.path(), &format!("w{f}.yaml"), &text);
        let _ = writeln!(kust, "- w{f}.yaml");
    }
    kust.push_str(
        "patches:\n- target:\n    kind: Widget\n  patch: |-\n    apiVersion: example.com/v1\n    kind: Widget\n    metadata:\n      name: any\n    spec:\n      items:\n      - name: b\n        v: 2\n",
    );
    write(d.path(), "kustomization.yaml", &kust);
    let rm = build(d.path(), &BuildOptions::default()).unwrap();
    assert_eq!(rm.len(), 800);
    for (n, r) in rm.iter().enumerate() {
        let items = r.body["spec"]["items"].as_array().unwrap();
        let names: Vec<&str> = items.iter().map(|i| i["name"].as_str().unwrap()).collect();
        assert_eq!(names, ["b", "a"], "object {n}: {}", r.body);
    }
    // Every object arrives once, and the output is in kustomize's (legacy, by name) order.
    let names: Vec<&str> = rm.iter().map(|r| r.name()).collect();
    let mut sorted = names.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(names, sorted);
    let out = stackgen::output::render(&rm, stackgen::output::Format::Yaml).unwrap();
    let seq = stackgen::yaml::emit::emit_stream(rm.iter().map(|r| &r.body));
    assert_eq!(
        out, seq,
        "chunked rendering differs from the sequential stream"
    );
}

/// Many target-less strategic-merge patches are applied in parallel, grouped by object:
/// patches for one object still apply in their order, and the first failing patch in
/// `patches` order is the one reported.
#[test]
fn many_targetless_patches_keep_their_order_and_first_error() {
    let d = tempfile::tempdir().unwrap();
    let mut objs = String::new();
    for i in 0..100 {
        let _ = write!(
            objs,
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i:03}\ndata:\n  orig: \"{i}\"\n"
        );
    }
    write(d.path(), "cms.yaml", &objs);
    let patch = |name: &str, key: &str, val: &str| {
        format!(
            "- patch: |-\n    apiVersion: v1\n    kind: ConfigMap\n    metadata:\n      name: {name}\n    data:\n      {key}: \"{val}\"\n"
        )
    };
    let mut kust = String::from("resources:\n- cms.yaml\npatches:\n");
    for i in 0..100 {
        kust.push_str(&patch(&format!("cm-{i:03}"), "step", "first"));
    }
    // a second patch for cm-007 and cm-050: it must win
    kust.push_str(&patch("cm-007", "step", "second"));
    kust.push_str(&patch("cm-050", "step", "second"));
    write(d.path(), "kustomization.yaml", &kust);
    let rm = build(d.path(), &BuildOptions::default()).unwrap();
    assert_eq!(rm.len(), 100);
    for r in rm.iter() {
        let want = if r.name() == "cm-007" || r.name() == "cm-050" {
            "second"
        } else {
            "first"
        };
        assert_eq!(r.body["data"]["step"], want, "{}", r.body);
        assert!(r.body["data"]["orig"].is_string());
    }
    // Two patches naming objects that do not exist: the earlier one is reported.
    kust.push_str(&patch("missing-b", "x", "1"));
    kust.push_str(&patch("missing-a", "x", "1"));
    write(d.path(), "kustomization.yaml", &kust);
    let err = build(d.path(), &BuildOptions::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("missing-b"), "{err}");
    assert!(!err.contains("missing-a"), "{err}");
}

/// A targeted `$patch: delete` on enough objects to be merged on all cores removes exactly
/// the objects it selects and keeps the others in order.
#[test]
fn a_delete_patch_on_many_objects_removes_exactly_its_targets() {
    let d = tempfile::tempdir().unwrap();
    let mut objs = String::new();
    for i in 0..80 {
        let tier = if i % 2 == 0 { "even" } else { "odd" };
        let _ = write!(
            objs,
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i:03}\n  labels:\n    tier: {tier}\ndata:\n  k: v\n"
        );
    }
    write(d.path(), "cms.yaml", &objs);
    write(
        d.path(),
        "kustomization.yaml",
        "resources:\n- cms.yaml\npatches:\n- target:\n    kind: ConfigMap\n    labelSelector: tier=odd\n  patch: |-\n    $patch: delete\n    apiVersion: v1\n    kind: ConfigMap\n    metadata:\n      name: any\n",
    );
    let rm = build(d.path(), &BuildOptions::default()).unwrap();
    let names: Vec<&str> = rm.iter().map(|r| r.name()).collect();
    let want: Vec<String> = (0..80).step_by(2).map(|i| format!("cm-{i:03}")).collect();
    assert_eq!(names, want);
}

/// Writes 40 ConfigMaps and a `patches` list that interleaves, per object, a target-less
/// strategic-merge patch, a JSON 6902 op list with a name target (even objects) and a
/// second strategic-merge patch (every third object), then `extra` entries.
fn interleaved_patches(dir: &Path, extra: &str) {
    let mut objs = String::new();
    let mut kust = String::from("resources:\n- cms.yaml\npatches:\n");
    for i in 0..40 {
        let _ = write!(
            objs,
            "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i:02}\ndata:\n  a: orig\n"
        );
        write(
            dir,
            &format!("smp-{i}.yaml"),
            &format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i:02}\ndata:\n  a: smp-{i}\n  b: smp\n"
            ),
        );
        let _ = writeln!(kust, "- path: smp-{i}.yaml");
        if i % 2 == 0 {
            write(
                dir,
                &format!("json-{i}.yaml"),
                &format!(
                    "- op: replace\n  path: /data/a\n  value: json-{i}\n- op: add\n  path: /data/c\n  value: after-smp\n"
                ),
            );
            let _ = writeln!(
                kust,
                "- path: json-{i}.yaml\n  target:\n    kind: ConfigMap\n    name: cm-{i:02}"
            );
        }
        if i % 3 == 0 {
            write(
                dir,
                &format!("smp2-{i}.yaml"),
                &format!(
                    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i:02}\ndata:\n  a: smp2-{i}\n"
                ),
            );
            let _ = writeln!(kust, "- path: smp2-{i}.yaml");
        }
    }
    kust.push_str(extra);
    write(dir, "cms.yaml", &objs);
    write(dir, "kustomization.yaml", &kust);
}

/// Strategic-merge documents and JSON 6902 op lists for many objects, interleaved, are
/// applied object by object on all cores: each object sees its entries in `patches` order
/// (the result kustomize v5.6 gives on this tree), and a target that matches nothing is
/// still reported.
#[test]
fn interleaved_patch_kinds_apply_in_order_per_object() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "nomatch.yaml",
        "- op: add\n  path: /data/z\n  value: z\n",
    );
    interleaved_patches(
        d.path(),
        "- path: nomatch.yaml\n  target:\n    kind: ConfigMap\n    name: nothing-here\n",
    );
    let rm = build(d.path(), &BuildOptions::default()).unwrap();
    assert_eq!(rm.len(), 40);
    for (i, r) in rm.iter().enumerate() {
        let data = &r.body["data"];
        let a = if i % 3 == 0 {
            format!("smp2-{i}")
        } else if i % 2 == 0 {
            format!("json-{i}")
        } else {
            format!("smp-{i}")
        };
        assert_eq!(data["a"], a.as_str(), "cm-{i:02}: {data}");
        assert_eq!(data["b"], "smp");
        assert_eq!(data["c"].as_str(), (i % 2 == 0).then_some("after-smp"));
    }
    let k002: Vec<&str> = rm
        .notes
        .iter()
        .filter(|n| n.code == "K002")
        .map(|n| n.message.as_str())
        .collect();
    assert_eq!(k002.len(), 1, "{k002:?}");
    assert!(k002[0].contains("nothing-here"), "{k002:?}");
}

/// When several entries of a parallel run fail, the first in `patches` order is reported,
/// whatever the order of the objects it patches.
#[test]
fn interleaved_patches_report_the_first_failing_entry() {
    let d = tempfile::tempdir().unwrap();
    // Both op lists fail (the paths do not exist); the one for cm-39 comes first.
    write(
        d.path(),
        "bad-39.yaml",
        "- op: replace\n  path: /data/missing\n  value: x\n",
    );
    write(
        d.path(),
        "bad-01.yaml",
        "- op: replace\n  path: /data/missing\n  value: x\n",
    );
    interleaved_patches(
        d.path(),
        "- path: bad-39.yaml\n  target:\n    kind: ConfigMap\n    name: cm-39\n- path: bad-01.yaml\n  target:\n    kind: ConfigMap\n    name: cm-01\n",
    );
    let err = build(d.path(), &BuildOptions::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("bad-39.yaml"), "{err}");
    assert!(!err.contains("bad-01.yaml"), "{err}");
}
