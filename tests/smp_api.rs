//! API-level checks of the strategic merge patch engine and its schema.
use stackgen::json;
use stackgen::patch::{ListStrategy, MergeSchema, SmpOutcome, apply_smp, apply_smp_to_resource};
use stackgen::value::Value;

fn yaml(s: &str) -> Value {
    stackgen::yaml::parse_one(s).expect("yaml")
}

#[test]
fn delete_object_is_reported_and_target_untouched() {
    let mut t = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}});
    let before = t.clone();
    let p = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}, "$patch": "delete"});
    let r = apply_smp(&mut t, &p, MergeSchema::builtin()).unwrap();
    assert_eq!(r, SmpOutcome::DeleteObject);
    assert_eq!(t, before);
}

#[test]
fn errors_are_values_not_panics() {
    let mut t = json!({"kind": "X", "spec": {"a": 1}});
    let p = json!({"kind": "X", "spec": {"a": {"b": 1}}});
    let e = apply_smp(&mut t, &p, MergeSchema::builtin()).unwrap_err();
    assert!(e.msg.contains("wrong node kind"), "{}", e.msg);
    let p = json!({"kind": "X", "spec": {"$patch": "bogus"}});
    let e = apply_smp(&mut t, &p, MergeSchema::builtin()).unwrap_err();
    assert_eq!(e.msg, "unknown patch strategy 'bogus'");
    // A patch that is not a map.
    let e = apply_smp(&mut t, &json!([1, 2]), MergeSchema::builtin());
    assert!(e.is_err());
    // into the crate error
    let err: stackgen::Error = e.unwrap_err().into();
    assert!(!err.msg.is_empty());
}

fn nested(depth: usize) -> Value {
    let mut v = json!("leaf");
    for _ in 0..depth {
        v = json!({ "a": v });
    }
    v
}

#[test]
fn deep_documents_are_bounded() {
    // 256 levels (the reader's limit) merge fine
    let mut t = json!({"kind": "X", "spec": nested(250)});
    let p = json!({"kind": "X", "spec": nested(250)});
    assert_eq!(
        apply_smp(&mut t, &p, MergeSchema::builtin()).unwrap(),
        SmpOutcome::Applied
    );
    // much deeper input is refused, not overflowed
    let mut t = json!({"kind": "X", "spec": nested(400)});
    let p = json!({"kind": "X"});
    assert!(apply_smp(&mut t, &p, MergeSchema::builtin()).is_err());
}

#[test]
fn identity_is_restored_unless_allowed() {
    let mut t = yaml("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  namespace: n\n");
    let p = yaml("apiVersion: v1\nkind: Other\nmetadata:\n  name: b\n  namespace: m\n");
    apply_smp_to_resource(&mut t.clone(), &p, MergeSchema::builtin(), false, false).unwrap();
    let mut t2 = t.clone();
    apply_smp_to_resource(&mut t2, &p, MergeSchema::builtin(), false, false).unwrap();
    assert_eq!(t2["kind"], "ConfigMap");
    assert_eq!(t2["metadata"]["name"], "a");
    assert_eq!(t2["metadata"]["namespace"], "n");
    apply_smp_to_resource(&mut t, &p, MergeSchema::builtin(), true, true).unwrap();
    assert_eq!(t["kind"], "Other");
    assert_eq!(t["metadata"]["name"], "b");
    assert_eq!(t["metadata"]["namespace"], "n");
}

#[test]
fn custom_schema_from_yaml_document() {
    let doc = yaml(
        r##"
definitions:
  com.example.v1.Thing:
    type: object
    x-kubernetes-group-version-kind:
    - {group: example.com, version: v1, kind: Thing}
    properties:
      spec:
        $ref: "#/definitions/com.example.v1.ThingSpec"
  com.example.v1.ThingSpec:
    type: object
    properties:
      parts:
        type: array
        items: {$ref: "#/definitions/com.example.v1.Part"}
        x-kubernetes-patch-strategy: merge
        x-kubernetes-list-map-keys: [id, zone]
      loop:
        $ref: "#/definitions/com.example.v1.ThingSpec"
  com.example.v1.Part:
    type: object
"##,
    );
    let s = MergeSchema::from_openapi_documents(&[doc], false).unwrap();
    let parts = s.lookup(
        "example.com/v1",
        "Thing",
        &["spec", "loop", "loop", "parts"],
    );
    assert_eq!(
        s.list_strategy(parts),
        ListStrategy::Merge {
            keys: &["id".into(), "zone".into()]
        }
    );
    assert!(!s.has_type("apps/v1", "Deployment"));
    // the built-in table can be kept underneath
    let both = MergeSchema::from_openapi_documents(&[], true).unwrap();
    assert!(both.has_type("apps/v1", "Deployment"));
    // malformed documents are errors or ignored, never panics
    assert!(MergeSchema::from_openapi_documents(&[json!({"definitions": 3})], false).is_err());
    let odd = json!({"definitions": {"a": {"$ref": "#/definitions/a"}, "b": {"properties": {"x": {"$ref": "#/definitions/a"}, "y": 5}}}});
    assert!(MergeSchema::from_openapi_documents(&[odd], false).is_ok());
}

#[test]
fn builtin_table_is_kustomizes_1_21_2() {
    let s = MergeSchema::builtin();
    let list = |av: &str, k: &str, p: &[&str]| s.list_strategy(s.lookup(av, k, p));
    let name = ListStrategy::Merge {
        keys: &["name".into()],
    };
    assert_eq!(list("v1", "Pod", &["spec", "volumes"]), name);
    assert_eq!(list("v1", "Pod", &["spec", "imagePullSecrets"]), name);
    assert_eq!(
        list("v1", "Pod", &["spec", "containers", "[]", "volumeMounts"]),
        ListStrategy::Merge {
            keys: &["mountPath".into()]
        }
    );
    assert_eq!(
        list("v1", "Service", &["spec", "ports"]),
        ListStrategy::Merge {
            keys: &["port".into(), "protocol".into()]
        }
    );
    // 1.33 merges schedulingGates by name; 1.21.2 (and so kustomize) has no such field
    assert_eq!(
        list("v1", "Pod", &["spec", "schedulingGates"]),
        ListStrategy::Replace
    );
    assert_eq!(
        list("v1", "Pod", &["spec", "tolerations"]),
        ListStrategy::Replace
    );
}

/// Target subtrees the patch does not reach are kept out of the merge arena
/// (`detach_untouched`): they must come back in place and in order, must go when the patch
/// replaces or deletes their parent, and failures must still leave the target whole.
#[test]
fn untouched_subtrees_come_back_in_place() {
    let target = yaml(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\n  labels: {x: '1'}\nspec:\n  selector:\n    matchLabels: {app: a}\n  template:\n    spec:\n      volumes:\n      - name: v\n        emptyDir: {}\n      containers:\n      - name: c\n        image: i\n      securityContext: {runAsNonRoot: true}\n  strategy: {type: Recreate}\n",
    );
    let patch = yaml(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\nspec:\n  template:\n    spec:\n      containers:\n      - name: c\n        image: j\n  replicas: 2\n",
    );
    let mut t = target.clone();
    apply_smp(&mut t, &patch, MergeSchema::builtin()).unwrap();
    let want = yaml(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\n  labels: {x: '1'}\nspec:\n  selector:\n    matchLabels: {app: a}\n  template:\n    spec:\n      volumes:\n      - name: v\n        emptyDir: {}\n      containers:\n      - name: c\n        image: j\n      securityContext: {runAsNonRoot: true}\n  strategy: {type: Recreate}\n  replicas: 2\n",
    );
    assert_eq!(t, want);
    let keys: Vec<&String> = t["spec"].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["selector", "template", "strategy", "replicas"]);

    // The patch replaces the parent of untouched subtrees: they go.
    let mut t = target.clone();
    let replace = yaml("kind: Deployment\nspec:\n  template:\n    $patch: replace\n    spec: {}\n");
    apply_smp(&mut t, &replace, MergeSchema::builtin()).unwrap();
    assert_eq!(t["spec"]["template"], json!({"spec": {}}));
    assert_eq!(t["spec"]["strategy"], json!({"type": "Recreate"}));

    // The patch deletes a parent with null: its untouched children go with it.
    let mut t = target.clone();
    apply_smp(
        &mut t,
        &json!({"kind": "Deployment", "spec": {"template": null}}),
        MergeSchema::builtin(),
    )
    .unwrap();
    assert!(t["spec"].get("template").is_none());
    assert_eq!(t["spec"]["selector"], json!({"matchLabels": {"app": "a"}}));

    // A failing merge leaves untouched subtrees in place.
    let mut t = target.clone();
    let bad = json!({"kind": "Deployment", "spec": {"template": {"spec": {"$patch": "bogus"}}}});
    assert!(apply_smp(&mut t, &bad, MergeSchema::builtin()).is_err());
    assert_eq!(t["spec"]["selector"], target["spec"]["selector"]);
    assert_eq!(
        t["spec"]["template"]["spec"]["volumes"],
        target["spec"]["template"]["spec"]["volumes"]
    );
}
