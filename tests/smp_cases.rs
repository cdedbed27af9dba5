//! Runs every strategic-merge fixture in `tests/fixtures/smp/` (expected results were
//! produced by kustomize v5.6.0 via `scripts/smp_fixtures.py`).
use std::path::Path;

use stackgen::patch::{MergeSchema, SmpOutcome, apply_smp_to_resource};
use stackgen::value::Value;

fn run_case(path: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let docs = stackgen::yaml::parse_stream(&text).map_err(|e| format!("{e:?}"))?;
    if docs.len() < 4 {
        return Err(format!("expected 4 documents, found {}", docs.len()));
    }
    let meta = &docs[0].value;
    let mut target = docs[1].value.clone();
    let patch = &docs[2].value;
    let expected = &docs[3].value;
    let outcome = meta.get("outcome").and_then(Value::as_str).unwrap_or("");
    let custom;
    let schema = match meta.get("openapi") {
        Some(doc) => {
            custom = MergeSchema::from_openapi_documents(std::slice::from_ref(doc), false)
                .map_err(|e| format!("schema: {e:?}"))?;
            &custom
        }
        None => MergeSchema::builtin(),
    };
    let got = apply_smp_to_resource(&mut target, patch, schema, false, false);
    match (outcome, got) {
        ("applied", Ok(SmpOutcome::Applied)) => {
            if &target == expected {
                Ok(())
            } else {
                Err(format!(
                    "result differs\n--- got\n{}\n--- expected\n{}",
                    serde_json::to_string_pretty(&target).unwrap_or_default(),
                    serde_json::to_string_pretty(expected).unwrap_or_default()
                ))
            }
        }
        ("deleted", Ok(SmpOutcome::DeleteObject)) => Ok(()),
        ("error", Err(_)) => Ok(()),
        (want, got) => Err(format!("expected outcome {want}, got {got:?}")),
    }
}

#[test]
fn smp_fixtures_match_kustomize() {
    // SMP_FIXTURES=DIR runs an ad-hoc fixture folder instead (same format).
    let custom = std::env::var_os("SMP_FIXTURES");
    let dir = match &custom {
        Some(d) => Path::new(d).to_path_buf(),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/smp"),
    };
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixture dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    paths.sort();
    assert!(
        custom.is_some() || paths.len() >= 60,
        "only {} fixtures",
        paths.len()
    );
    let mut failures = vec![];
    for p in &paths {
        if let Err(e) = run_case(p) {
            failures.push(format!("{}: {e}", p.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} fixtures failed:\n{}",
        failures.len(),
        paths.len(),
        failures.join("\n\n")
    );
}
