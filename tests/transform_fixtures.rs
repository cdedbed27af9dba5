//! Builds each fixture under `tests/fixtures/transform/` and compares the result with the
//! output kubectl 1.33's kustomize printed for it (`expected.yaml`, recorded once), as
//! data: same documents, same order. A fixture with `expected.err` must fail.
use std::path::Path;

use stackgen::build::{BuildOptions, build};

fn check(name: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/transform")
        .join(name);
    let result = build(&dir, &BuildOptions::default());
    if dir.join("expected.err").exists() {
        assert!(result.is_err(), "{name}: expected an error, got success");
        return;
    }
    let rm = match result {
        Ok(rm) => rm,
        Err(e) => panic!("{name}: build failed: {e}"),
    };
    let text = std::fs::read_to_string(dir.join("expected.yaml")).expect("expected.yaml");
    let want: Vec<stackgen::value::Value> = stackgen::yaml::parse_stream(&text)
        .expect("expected.yaml parses")
        .into_iter()
        .map(|d| d.value)
        .filter(|v| !v.is_null())
        .collect();
    let got: Vec<stackgen::value::Value> = rm.iter().map(|r| r.body.clone()).collect();
    assert_eq!(got.len(), want.len(), "{name}: number of documents");
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert_eq!(
            g,
            w,
            "{name}: document {i} differs\n got: {}\nwant: {}",
            serde_json::to_string_pretty(g).unwrap_or_default(),
            serde_json::to_string_pretty(w).unwrap_or_default()
        );
    }
}

#[test]
fn namespace() {
    check("namespace");
}

#[test]
fn prefix_suffix_and_name_references() {
    check("prefix-nameref");
}

#[test]
fn labels_and_annotations() {
    check("labels");
}

#[test]
fn images_and_replicas() {
    check("images-replicas");
}

#[test]
fn sort_legacy_custom() {
    check("sort-legacy-custom");
}

#[test]
fn sort_fifo() {
    check("sort-fifo");
}

#[test]
fn sort_default_and_managed_by() {
    check("sort-default");
}

#[test]
fn name_references_across_namespaces() {
    check("nameref-namespaces");
}

#[test]
fn name_references_unresolved_stay() {
    check("nameref-ambiguous");
}

#[test]
fn configurations() {
    check("configurations");
}

#[test]
fn sort_options_without_order_are_rejected() {
    check("sort-invalid");
}

#[test]
fn replicas_matching_nothing_are_rejected() {
    check("replicas-missing");
}

#[test]
fn build_metadata_annotations_and_label() {
    check("build-metadata/prod");
}

#[test]
fn annotations_end_as_string_maps_or_go() {
    check("annotations-rewritten");
}

#[test]
fn origin_annotations_name_generators() {
    check("origin-generators/prod");
}
