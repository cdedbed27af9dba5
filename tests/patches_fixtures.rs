//! The patch transformers against outputs recorded from `kubectl.1.33 kustomize` (v5.6.0).
//!
//! Each directory under `tests/fixtures/patches/` holds `input/` (built at `build_path`, default
//! `.`) and either `expected.yaml` (kubectl's output) or `expected.err` (kubectl failed; then
//! `mentions` lists what our message must name, one per line). Documents are compared
//! regardless of order: output ordering belongs to another stage.
use std::fs;
use std::path::Path;

use stackgen::build::{BuildOptions, build};
use stackgen::value::Value;

fn key(v: &Value) -> String {
    let s = |p: &str| {
        v.pointer(p)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    format!(
        "{}|{}|{}",
        s("/kind"),
        s("/metadata/namespace"),
        s("/metadata/name")
    )
}

fn sorted(mut docs: Vec<Value>) -> Vec<Value> {
    docs.sort_by_key(key);
    docs
}

fn check_case(dir: &Path) -> Result<(), String> {
    let build_path = fs::read_to_string(dir.join("build_path"))
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| ".".into());
    let result = build(
        &dir.join("input").join(build_path),
        &BuildOptions::default(),
    );
    if dir.join("expected.err").exists() {
        let err = match result {
            Ok(_) => return Err("kubectl fails on this tree, but the build succeeded".into()),
            Err(e) => e.to_string(),
        };
        let mentions = fs::read_to_string(dir.join("mentions")).unwrap_or_default();
        for m in mentions.lines().filter(|l| !l.trim().is_empty()) {
            if !err.contains(m) {
                return Err(format!("message does not mention {m:?}:\n{err}"));
            }
        }
        return Ok(());
    }
    let rm = result.map_err(|e| format!("build failed: {e}"))?;
    let text = fs::read_to_string(dir.join("expected.yaml")).map_err(|e| e.to_string())?;
    let expected: Vec<Value> = stackgen::yaml::parse_stream(&text)
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|d| d.value)
        .filter(|v| !v.is_null())
        .collect();
    let got: Vec<Value> = rm.iter().map(|r| r.body.clone()).collect();
    let (expected, got) = (sorted(expected), sorted(got));
    if expected != got {
        return Err(format!(
            "output differs\nexpected: {}\ngot:      {}",
            serde_json::to_string_pretty(&expected).unwrap_or_default(),
            serde_json::to_string_pretty(&got).unwrap_or_default()
        ));
    }
    Ok(())
}

#[test]
fn fixtures_match_kubectl() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/patches");
    let mut dirs: Vec<_> = fs::read_dir(&root)
        .expect("fixtures directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("input").is_dir())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 20, "fixtures missing");
    let failures: Vec<String> = dirs
        .iter()
        .filter_map(|d| {
            check_case(d).err().map(|e| {
                format!(
                    "{}: {e}",
                    d.file_name().unwrap_or_default().to_string_lossy()
                )
            })
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
