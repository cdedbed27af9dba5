//! Throughput check (ignored by default):
//! `cargo test --release --test emit_bench -- --ignored --nocapture`.
//!
//! Parses the conformance outputs (if present), repeats them until about
//! 34 MB of YAML, and times `emit_stream`.

use serde::Deserialize;
use stackgen::yaml::emit::emit_stream;
use std::path::Path;
use std::time::Instant;

#[test]
#[ignore]
fn emit_throughput() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance/cases");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        eprintln!("skipping: {} not found", dir.display());
        return;
    };
    let mut docs = Vec::new();
    let mut bytes = 0;
    for e in entries.filter_map(Result::ok) {
        let Ok(text) = std::fs::read_to_string(e.path().join("expected.yaml")) else {
            continue;
        };
        bytes += text.len();
        for d in serde_yaml::Deserializer::from_str(&text) {
            if let Ok(v) = stackgen::value::Value::deserialize(d) {
                docs.push(v);
            }
        }
    }
    if bytes == 0 {
        return;
    }
    let reps = (34_000_000 / bytes).max(1);
    let all: Vec<&stackgen::value::Value> = (0..reps).flat_map(|_| docs.iter()).collect();
    let mut best = f64::MAX;
    let mut len = 0;
    for _ in 0..5 {
        let t = Instant::now();
        let out = emit_stream(all.iter().copied());
        best = best.min(t.elapsed().as_secs_f64());
        len = out.len();
    }
    eprintln!(
        "emitted {} docs, {:.1} MB in {:.3} s: {:.0} MB/s",
        all.len(),
        len as f64 / 1e6,
        best,
        len as f64 / 1e6 / best
    );
}
