//! `stackgen schema`: a valid JSON Schema that the example stacks satisfy, committed as
//! `docs/stack.schema.json` for editors; and the strict reading of stacks.
use std::path::Path;
use std::process::Command;

use serde_json::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A YAML file as JSON, with merge keys (`<<: *common`, as stackgen reads them) applied:
/// the schema describes the merged Stack.
fn yaml_file(rel: &str) -> Value {
    let text = std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    let mut v: serde_yaml::Value =
        serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{rel}: {e}"));
    v.apply_merge().unwrap_or_else(|e| panic!("{rel}: {e}"));
    serde_yaml::from_value(v).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn schema() -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_stackgen"))
        .arg("schema")
        .output()
        .expect("run stackgen schema");
    assert!(out.status.success());
    serde_json::from_slice(&out.stdout).expect("schema is JSON")
}

#[test]
fn schema_is_valid_and_committed() {
    let s = schema();
    assert!(
        jsonschema::meta::is_valid(&s),
        "stackgen schema is not a valid JSON Schema"
    );
    let committed: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("docs/stack.schema.json"))
            .expect("docs/stack.schema.json"),
    )
    .expect("committed schema is JSON");
    assert_eq!(
        committed, s,
        "docs/stack.schema.json is stale: stackgen schema > docs/stack.schema.json"
    );
}

#[test]
fn example_stacks_validate() {
    let v = jsonschema::validator_for(&schema()).expect("compile schema");
    let mut files: Vec<String> = [
        "base/stack.yaml",
        "tests/fixtures/stack/kitchen-sink.yaml",
        "tests/fixtures/stack/cluster-peers.yaml",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    // Every example system's base stack (examples/<system>/base/stack.yaml).
    let mut examples: Vec<String> = std::fs::read_dir(root().join("examples"))
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| {
                    format!(
                        "examples/{}/base/stack.yaml",
                        e.file_name().to_string_lossy()
                    )
                })
                .filter(|rel| root().join(rel).is_file())
                .collect()
        })
        .unwrap_or_default();
    examples.sort();
    files.extend(examples);
    for rel in &files {
        let doc = yaml_file(rel);
        let errors: Vec<String> = v
            .iter_errors(&doc)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{rel} does not validate: {errors:#?}");
    }
}

#[test]
fn schema_rejects_a_misspelled_field() {
    let v = jsonschema::validator_for(&schema()).expect("compile schema");
    let doc = yaml_file("tests/fixtures/stack/typo/stack.yaml");
    assert!(!v.is_valid(&doc));
}

#[test]
fn misspelled_field_names_file_path_and_suggestion() {
    let out = Command::new(env!("CARGO_BIN_EXE_stackgen"))
        .arg("build")
        .arg(root().join("tests/fixtures/stack/typo"))
        .output()
        .expect("run stackgen");
    assert!(!out.status.success());
    assert!(
        out.stdout.is_empty(),
        "nothing on stdout when the build fails"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("typo/stack.yaml"), "{err}");
    assert!(err.contains("spec.services[0].replica:"), "{err}");
    assert!(err.contains("unknown field \"replica\""), "{err}");
    assert!(err.contains("did you mean \"replicas\"?"), "{err}");
}
