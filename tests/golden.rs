//! The example application's overlays must build to their committed outputs in `golden/`.
//! A change in generation shows up here as a reviewable diff; refresh with
//! `scripts/refresh-goldens` after an intended change.
use std::path::Path;

use stackgen::build::{BuildOptions, build};

#[path = "support/text_diff.rs"]
mod text_diff;
use text_diff::first_difference;

fn check(overlay: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let rm = build(
        &root.join("overlays").join(overlay),
        &BuildOptions::default(),
    )
    .unwrap_or_else(|e| panic!("overlays/{overlay} does not build: {e}"));
    let got = stackgen::yaml::emit::emit_stream(rm.iter().map(|r| &r.body));
    let want = std::fs::read_to_string(root.join("golden").join(format!("{overlay}.yaml")))
        .unwrap_or_else(|e| panic!("golden/{overlay}.yaml: {e}"));
    if got != want {
        let diff = first_difference(&want, &got);
        panic!("overlays/{overlay} differs from golden/{overlay}.yaml:\n{diff}");
    }
}

#[test]
fn dev() {
    check("dev");
}

#[test]
fn staging() {
    check("staging");
}

#[test]
fn production() {
    check("production");
}
