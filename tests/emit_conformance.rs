//! Round-trips real `kustomize build` outputs through the emitter.
//!
//! Reads `../shared/conformance/cases/*/expected.yaml` when present (skips
//! otherwise), parses every document and checks that `emit_stream`
//! reproduces the file byte for byte.

use serde::Deserialize;
use stackgen::yaml::emit::emit_stream;
use std::path::Path;

fn parse_stream(text: &str) -> Result<Vec<stackgen::value::Value>, serde_yaml::Error> {
    serde_yaml::Deserializer::from_str(text)
        .map(stackgen::value::Value::deserialize)
        .collect()
}

#[test]
fn conformance_round_trip() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance/cases");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("skipping: {} not found", dir.display());
        return;
    };
    let mut paths: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path().join("expected.yaml"))
        .filter(|p| p.is_file())
        .collect();
    paths.sort();
    let (mut ok, mut failed, mut skipped) = (0, Vec::new(), 0);
    for path in &paths {
        let Ok(text) = std::fs::read_to_string(path) else {
            skipped += 1;
            continue;
        };
        let Ok(docs) = parse_stream(&text) else {
            skipped += 1;
            continue;
        };
        let docs: Vec<_> = docs.into_iter().filter(|d| !d.is_null()).collect();
        let out = emit_stream(&docs);
        if out == text {
            ok += 1;
        } else {
            let line = out
                .lines()
                .zip(text.lines())
                .position(|(a, b)| a != b)
                .unwrap_or(0);
            eprintln!(
                "MISMATCH {} at line {}:\n  want: {:?}\n  got:  {:?}",
                path.display(),
                line + 1,
                text.lines().nth(line).unwrap_or(""),
                out.lines().nth(line).unwrap_or("")
            );
            failed.push(path.clone());
        }
    }
    eprintln!(
        "round-trip: {ok} identical, {} different, {skipped} skipped",
        failed.len()
    );
    assert!(failed.is_empty(), "{} files differ", failed.len());
}
