//! Fixtures whose expected output was produced by `kubectl kustomize`
//! (kubectl 1.33, kustomize v5.6).
//!
//! Each `tests/emit_fixtures/NAME.json` is a single resource (used verbatim as
//! the kustomize input) and `NAME.expected.yaml` is what kustomize printed.

use stackgen::yaml::emit::emit_stream;
use std::path::Path;

fn check(name: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/emit_fixtures");
    let input = std::fs::read_to_string(dir.join(format!("{name}.json"))).unwrap();
    let want = std::fs::read_to_string(dir.join(format!("{name}.expected.yaml"))).unwrap();
    let value: stackgen::value::Value = serde_json::from_str(&input).unwrap();
    let got = emit_stream([&value]);
    if got != want {
        for (i, (g, w)) in got.lines().zip(want.lines()).enumerate() {
            if g != w {
                panic!(
                    "{name}: first difference at line {}:\n want: {w:?}\n got:  {g:?}",
                    i + 1
                );
            }
        }
        panic!(
            "{name}: outputs differ in length: want {} got {}",
            want.len(),
            got.len()
        );
    }
}

#[test]
fn strings() {
    check("strings");
}

#[test]
fn keys() {
    check("keys");
}

#[test]
fn nums() {
    check("nums");
}

#[test]
fn nest() {
    check("nest");
}

#[test]
fn nel() {
    check("nel");
}

#[test]
fn more() {
    check("more");
}
