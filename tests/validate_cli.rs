//! The validation surface of the binary: build's default validation and its modes,
//! `stackgen validate` on kustomizations, streams and raw directories, output formats,
//! environments from stackgen.yaml, and snapshots of the human and JSON output.
use std::fs;
use std::path::Path;
use std::process::Command;

#[path = "support/cli.rs"]
mod cli;
use cli::stackgen;

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, text).unwrap();
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn fixtures() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/validate")
}

const KUST: &str = "resources:\n- objects.yaml\n";
const BAD_REPLICAS: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: -1\n  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n      labels: {app: web}\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n";
const LATEST: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: web\n    image: nginx:latest\n";

#[test]
fn build_fails_on_errors_with_nothing_on_stdout() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "k/kustomization.yaml", KUST);
    write(d.path(), "k/objects.yaml", BAD_REPLICAS);
    let out = stackgen(&["build", "k"], d.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let err = text(&out.stderr);
    assert!(
        err.contains("error[S011]: k/objects.yaml:6: Deployment web: spec.replicas"),
        "{err}"
    );

    let out = stackgen(&["build", "k", "--validate", "warn"], d.path());
    assert!(out.status.success());
    assert!(text(&out.stdout).contains("replicas: -1"));
    assert!(text(&out.stderr).contains("warning[S011]"));

    let out = stackgen(&["build", "k", "--validate=off"], d.path());
    assert!(out.status.success());
    assert!(out.stderr.is_empty());
}

#[test]
fn warnings_do_not_fail_build_but_fail_validate() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "k/kustomization.yaml", KUST);
    write(d.path(), "k/objects.yaml", LATEST);
    let out = stackgen(&["build", "k"], d.path());
    assert!(out.status.success());
    assert!(text(&out.stdout).starts_with("apiVersion: v1"));
    assert!(!text(&out.stdout).contains("P006"));
    assert!(text(&out.stderr).contains("warning[P006]"));

    let out = stackgen(&["validate", "k"], d.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stdout).contains("warning[P006]"));
    let out = stackgen(&["validate", "k", "--fail-on", "error"], d.path());
    assert!(out.status.success());
}

#[test]
fn validate_reads_streams_and_raw_directories() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "raw/a.yaml", BAD_REPLICAS);
    write(d.path(), "raw/sub/b.yml", LATEST);
    write(
        d.path(),
        "stream.yaml",
        &format!("{BAD_REPLICAS}---\n{LATEST}"),
    );
    for p in ["raw", "stream.yaml"] {
        let out = stackgen(&["validate", p], d.path());
        assert_eq!(out.status.code(), Some(1));
        let s = text(&out.stdout);
        assert!(s.contains("[S011]") && s.contains("[P006]"), "{p}: {s}");
    }
}

#[test]
fn sarif_and_json_are_machine_readable() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "stream.yaml", BAD_REPLICAS);
    let out = stackgen(&["validate", "--format", "sarif", "stream.yaml"], d.path());
    let v: stackgen::value::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let res = &v["runs"][0]["results"][0];
    assert_eq!(res["ruleId"], "S011");
    assert_eq!(res["level"], "error");
    assert_eq!(
        res["locations"][0]["physicalLocation"]["region"]["startLine"],
        6
    );
    let out = stackgen(&["validate", "--format", "json", "stream.yaml"], d.path());
    let v: stackgen::value::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["summary"]["errors"], 1);
}

#[test]
fn environments_from_config_change_severities() {
    let d = tempfile::tempdir().unwrap();
    fs::create_dir(d.path().join(".git")).unwrap();
    write(
        d.path(),
        "stackgen.yaml",
        "validation:\n  environments:\n    qa:\n      base: dev\n      rules: {P006: error}\n",
    );
    write(d.path(), "apps/k/kustomization.yaml", KUST);
    write(d.path(), "apps/k/objects.yaml", LATEST);
    // production: policy findings are errors, the build fails
    let out = stackgen(&["build", "apps/k", "--env", "production"], d.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("error[P006]"));
    // dev: notes only, nothing printed by build
    let out = stackgen(&["build", "apps/k", "--env", "dev"], d.path());
    assert!(out.status.success());
    assert!(!text(&out.stderr).contains("P002"));
    // qa from the repository's stackgen.yaml
    let out = stackgen(&["validate", "apps/k", "--env", "qa"], d.path());
    let s = text(&out.stdout);
    assert!(
        s.contains("error[P006]") && !s.contains("warning[P002]"),
        "{s}"
    );
    // unknown environment
    let out = stackgen(&["validate", "apps/k", "--env", "nope"], d.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("unknown environment"));
}

#[test]
fn kube_version_flag_and_env() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "pdb.yaml",
        "apiVersion: policy/v1beta1\nkind: PodDisruptionBudget\nmetadata:\n  name: a\nspec:\n  minAvailable: 1\n",
    );
    let out = stackgen(&["validate", "pdb.yaml"], d.path());
    assert!(text(&out.stdout).contains("[P015]"));
    // A warning by default (a tree for an older cluster still builds), an error in production.
    write(d.path(), "kustomization.yaml", "resources:\n- pdb.yaml\n");
    let out = stackgen(&["build", "."], d.path());
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("P015"));
    let out = stackgen(&["build", ".", "--env", "production"], d.path());
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let out = stackgen(
        &["validate", "pdb.yaml", "--kube-version", "1.24"],
        d.path(),
    );
    assert!(out.status.success(), "{}", text(&out.stdout));
    let out = Command::new(env!("CARGO_BIN_EXE_stackgen"))
        .args(["validate", "pdb.yaml"])
        .current_dir(d.path())
        .env("KUBE_VERSION", "v1.24.3")
        .output()
        .unwrap();
    assert!(out.status.success());
}

#[test]
fn rules_lists_every_code() {
    let d = tempfile::tempdir().unwrap();
    let out = stackgen(&["rules"], d.path());
    let s = text(&out.stdout);
    for r in stackgen::validate::rules::ALL {
        assert!(s.contains(r.info.code), "{}", r.info.code);
    }
}

#[test]
fn snapshot_human() {
    let out = stackgen(&["validate", "small"], &fixtures());
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!(text(&out.stdout));
}

#[test]
fn snapshot_json() {
    let out = stackgen(&["validate", "--format", "json", "small"], &fixtures());
    insta::assert_snapshot!(text(&out.stdout));
}

#[test]
fn build_notes_are_reported_by_validate() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "k/kustomization.yaml",
        "resources:\n- objects.yaml\n- empty.yaml\npatches:\n- target: {kind: Deployment, name: checkout-api}\n  patch: |\n    - op: replace\n      path: /spec/replicas\n      value: 3\n",
    );
    write(
        d.path(),
        "k/objects.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n",
    );
    write(d.path(), "k/empty.yaml", "");
    let out = stackgen(&["build", "k"], d.path());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = stackgen(&["validate", "k"], d.path());
    assert_eq!(out.status.code(), Some(1));
    let s = text(&out.stdout);
    assert!(s.contains("warning[K001]: k/empty.yaml"), "{s}");
    assert!(
        s.contains("warning[K002]") && s.contains("checkout-api"),
        "{s}"
    );
}
