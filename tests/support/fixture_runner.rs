//! Shared by the fixture tests that build trees with the `stackgen` binary and compare with
//! what `kubectl.1.33 kustomize` printed: `expected.yaml` byte for byte, or `expected.err`
//! for a tree kustomize rejects (then `mentions`, if present, lists text our error must
//! contain). `build_path`, when present, names the kustomization to build in the fixture,
//! and `flags` holds extra build flags.
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixtures(group: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(group);
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("fixture directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("expected.yaml").is_file() || p.join("expected.err").is_file())
        .collect();
    dirs.sort();
    dirs
}

fn build(dir: &Path) -> (bool, String, String) {
    let path = match std::fs::read_to_string(dir.join("build_path")) {
        Ok(p) => dir.join(p.trim()),
        Err(_) => dir.to_path_buf(),
    };
    let flags = std::fs::read_to_string(dir.join("flags")).unwrap_or_default();
    let out = Command::new(env!("CARGO_BIN_EXE_stackgen"))
        .args(["build", "--validate=off"])
        .args(flags.split_whitespace())
        .arg(&path)
        .output()
        .expect("run stackgen");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Builds every fixture of `group`; returns one line per mismatch.
pub fn check(group: &str, min: usize) -> Vec<String> {
    let dirs = fixtures(group);
    assert!(dirs.len() >= min, "fixtures missing: {dirs:?}");
    let mut failures = Vec::new();
    for dir in &dirs {
        let name = dir.file_name().and_then(|n| n.to_str()).unwrap_or("?");
        let (ok, stdout, stderr) = build(dir);
        if dir.join("expected.err").is_file() {
            if ok {
                failures.push(format!("{name}: expected an error, got:\n{stdout}"));
            } else if !stdout.is_empty() {
                failures.push(format!("{name}: failed but printed to stdout"));
            } else if let Ok(mentions) = std::fs::read_to_string(dir.join("mentions")) {
                for m in mentions.lines().filter(|l| !l.trim().is_empty()) {
                    if !stderr.contains(m.trim()) {
                        failures.push(format!("{name}: error does not mention {m:?}: {stderr}"));
                    }
                }
            }
        } else {
            let want = std::fs::read_to_string(dir.join("expected.yaml")).expect("expected");
            if !ok {
                failures.push(format!("{name}: failed: {stderr}"));
            } else if stdout != want {
                failures.push(format!(
                    "{name}: output differs\n--- expected\n{want}\n--- got\n{stdout}"
                ));
            }
        }
    }
    failures
}
