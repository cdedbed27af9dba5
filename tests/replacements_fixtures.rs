//! `replacements` against kustomize: every directory under `tests/fixtures/replacements/`
//! is a kustomization whose `resources` are plain files. `expected.yaml` holds what
//! `kubectl.1.33 kustomize DIR` printed; `expected.err` marks a tree kustomize rejects
//! (its text is kustomize's message, for information only).
//!
//! Only the resources and the replacement transformer run here (no other transformers, no
//! output sorting), so documents are compared by id, as parsed data.
use std::path::{Path, PathBuf};

use stackgen::build::{Accumulator, Target};
use stackgen::loader::{LoadRestrictor, Loader};
use stackgen::transform::replacements::apply_replacements;
use stackgen::value::Value;

fn fixtures() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/replacements");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("fixture directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("kustomization.yaml").is_file())
        .collect();
    dirs.sort();
    dirs
}

fn run(dir: &Path) -> stackgen::Result<Vec<Value>> {
    let target = Target::load(Loader::new(dir, LoadRestrictor::RootOnly)?)?;
    let mut acc = Accumulator::default();
    for path in &target.kust.resources {
        let rm = stackgen::build::files::load_resources(&target.loader, path)?;
        acc.rm.append_all(rm)?;
    }
    apply_replacements(&target, &mut acc)?;
    Ok(acc.rm.iter().map(|r| r.body.clone()).collect())
}

fn key(v: &Value) -> String {
    let s = |p: &str| {
        v.pointer(p)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    format!(
        "{} {} {}/{}",
        s("/apiVersion"),
        s("/kind"),
        s("/metadata/namespace"),
        s("/metadata/name")
    )
}

fn sorted(mut docs: Vec<Value>) -> Vec<Value> {
    docs.sort_by_key(key);
    docs
}

fn expected_docs(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).expect("expected.yaml");
    serde_yaml::Deserializer::from_str(&text)
        .map(|d| {
            let v: serde_yaml::Value = serde::Deserialize::deserialize(d).expect("yaml");
            stackgen::value::to_value(&v).expect("json")
        })
        .filter(|v| !v.is_null())
        .collect()
}

#[test]
fn fixtures_match_kustomize() {
    let dirs = fixtures();
    assert!(dirs.len() >= 20, "fixtures missing: {dirs:?}");
    let mut failures = Vec::new();
    for dir in &dirs {
        let name = dir.file_name().and_then(|n| n.to_str()).unwrap_or("?");
        let got = run(dir);
        if dir.join("expected.err").is_file() {
            match got {
                Ok(docs) => failures.push(format!("{name}: expected an error, got {docs:#?}")),
                Err(e) => {
                    let msg = e.to_string();
                    assert!(!msg.trim().is_empty(), "{name}: empty error message");
                    eprintln!("{name}: {msg}");
                }
            }
            continue;
        }
        let want = sorted(expected_docs(&dir.join("expected.yaml")));
        match got {
            Err(e) => failures.push(format!("{name}: unexpected error: {e}")),
            Ok(docs) => {
                let docs = sorted(docs);
                if docs != want {
                    failures.push(format!(
                        "{name}:\n got: {}\nwant: {}",
                        serde_json::to_string_pretty(&docs).unwrap_or_default(),
                        serde_json::to_string_pretty(&want).unwrap_or_default()
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
