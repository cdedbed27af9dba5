//! The example application's overlays must build to their committed outputs in `golden/`.
//! A change in generation shows up here as a reviewable diff; refresh with
//! `scripts/refresh-goldens` after an intended change.
use std::path::Path;

use stackgen::build::{BuildOptions, build};

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
        let diff = similar_lines(&want, &got);
        panic!("overlays/{overlay} differs from golden/{overlay}.yaml:\n{diff}");
    }
}

/// A compact line diff for the failure message.
fn similar_lines(want: &str, got: &str) -> String {
    let w: Vec<&str> = want.lines().collect();
    let g: Vec<&str> = got.lines().collect();
    let first = w
        .iter()
        .zip(&g)
        .position(|(a, b)| a != b)
        .unwrap_or(w.len().min(g.len()));
    let from = first.saturating_sub(3);
    let mut out = format!("first difference at line {}\n", first + 1);
    for l in w.iter().skip(from).take(8) {
        out.push_str(&format!("- {l}\n"));
    }
    for l in g.iter().skip(from).take(8) {
        out.push_str(&format!("+ {l}\n"));
    }
    out
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
