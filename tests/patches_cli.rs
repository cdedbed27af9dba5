//! Patch behaviour visible only at the command line: warnings on stderr.
use std::fs;
use std::path::Path;
use std::process::Command;

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, text).unwrap();
}

const DEP: &str =
    "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n";

#[test]
fn target_matching_nothing_warns_but_builds() {
    // kubectl.1.33 kustomize builds this tree and says nothing; we build it and warn.
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "deployment.yaml", DEP);
    write(
        d.path(),
        "kustomization.yaml",
        "resources: [deployment.yaml]\npatches:\n- target: {kind: Deployment, name: checkout-api}\n  \
         patch: |-\n    - op: replace\n      path: /spec/replicas\n      value: 5\n\
         - path: smp.yaml\n  target: {kind: StatefulSet}\n",
    );
    write(
        d.path(),
        "smp.yaml",
        "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: x\nspec:\n  replicas: 2\n",
    );
    let out = Command::new(env!("CARGO_BIN_EXE_stackgen"))
        // The fixture's Deployment is a bare stub (no selector/template): keep schema
        // findings from failing the build; the unmatched targets are validation's K002.
        .args(["build", ".", "--validate=warn"])
        .current_dir(d.path())
        .output()
        .expect("run stackgen");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("replicas") && !stdout.contains('5'),
        "{stdout}"
    );
    assert!(stderr.contains("warning[K002]"), "{stderr}");
    assert!(stderr.contains("patches[0].patch"), "{stderr}");
    assert!(stderr.contains("name: checkout-api"), "{stderr}");
    assert!(stderr.contains("smp.yaml"), "{stderr}");
    assert!(stderr.contains("kind: StatefulSet"), "{stderr}");
}
