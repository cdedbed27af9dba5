//! Generator fixtures: `tests/fixtures/generate/<case>/` holds `input/`, optionally
//! `build_path` (default `input`), and either `expected.yaml` (what `kubectl.1.33 kustomize`
//! printed) or `expected.err` (lines the error message must contain). Objects are compared
//! as data, independent of output order and formatting.
use std::path::{Path, PathBuf};

use stackgen::build::{BuildOptions, build};
use stackgen::value::Value;

fn cases() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/generate");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("fixtures dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    v.sort();
    v
}

fn key(v: &Value) -> (String, String, String) {
    let s = |x: Option<&Value>| x.and_then(Value::as_str).unwrap_or("").to_string();
    let m = v.get("metadata");
    (
        s(v.get("kind")),
        s(m.and_then(|m| m.get("namespace"))),
        s(m.and_then(|m| m.get("name"))),
    )
}

fn run_case(dir: &Path) -> Result<(), String> {
    let build_path = std::fs::read_to_string(dir.join("build_path"))
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "input".into());
    let result = build(&dir.join(build_path), &BuildOptions::default());
    if let Ok(want) = std::fs::read_to_string(dir.join("expected.err")) {
        let err = match result {
            Ok(_) => return Err("expected an error, build succeeded".into()),
            Err(e) => e.to_string(),
        };
        for line in want.lines().filter(|l| !l.trim().is_empty()) {
            if !err.contains(line.trim()) {
                return Err(format!("error does not mention {line:?}:\n{err}"));
            }
        }
        return Ok(());
    }
    let rm = result.map_err(|e| format!("build failed: {e}"))?;
    let mut got: Vec<Value> = rm.iter().map(|r| r.body.clone()).collect();
    let text = std::fs::read(dir.join("expected.yaml")).map_err(|e| e.to_string())?;
    let text = stackgen::yaml::decode_utf8(&text).map_err(|e| e.msg)?;
    let mut want: Vec<Value> = stackgen::yaml::parse_stream(text)
        .map_err(|e| e.msg)?
        .into_iter()
        .map(|d| d.value)
        .filter(|v| !v.is_null())
        .collect();
    got.sort_by_key(key);
    want.sort_by_key(key);
    if got != want {
        return Err(format!(
            "objects differ\n got: {}\nwant: {}",
            serde_json::to_string_pretty(&got).unwrap_or_default(),
            serde_json::to_string_pretty(&want).unwrap_or_default()
        ));
    }
    Ok(())
}

#[test]
fn generator_fixtures() {
    let mut failures = Vec::new();
    let all = cases();
    assert!(!all.is_empty());
    for dir in &all {
        if let Err(e) = run_case(dir) {
            failures.push(format!("{}: {e}", dir.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} fixtures failed:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n\n")
    );
}
