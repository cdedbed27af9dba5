//! End-to-end behaviour of the `stackgen` binary: exit codes, clean stdout on failure, and the
//! loading rules of "Build core" (restrictor, cycles, duplicates, unknown fields, lists).
use std::fs;
use std::path::Path;
use std::process::{Command, Output};

fn stackgen(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stackgen"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run stackgen")
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, text).unwrap();
}

const CM: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: v\n";

fn build_err(dir: &Path, path: &str) -> String {
    let out = stackgen(&["build", path], dir);
    assert_eq!(
        out.status.code(),
        Some(1),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty(), "stdout must be empty on failure");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn version_and_usage_errors() {
    let d = tempfile::tempdir().unwrap();
    let out = stackgen(&["--version"], d.path());
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("stackgen "));
    let out = stackgen(&["build"], d.path());
    assert_eq!(out.status.code(), Some(2));
    let out = stackgen(&["build", ".", "--validate", "sometimes"], d.path());
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn builds_a_multi_document_file_and_skips_empty_documents() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "kustomization.yaml", "resources:\n- all.yaml\n");
    write(
        d.path(),
        "all.yaml",
        &format!("---\n{CM}---\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n"),
    );
    let out = stackgen(&["build", "."], d.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("ConfigMap") && text.contains("Secret"),
        "{text}"
    );
    assert_eq!(text.matches("---").count(), 1, "{text}");
}

#[test]
fn list_kinds_are_flattened() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "kustomization.yaml", "resources:\n- list.yaml\n");
    write(
        d.path(),
        "list.yaml",
        "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: one\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: two\n",
    );
    let out = stackgen(&["build", "."], d.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("one") && text.contains("two") && !text.contains("List"),
        "{text}"
    );
}

#[test]
fn output_file_is_written_only_on_success() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "ok/kustomization.yaml", "resources:\n- cm.yaml\n");
    write(d.path(), "ok/cm.yaml", CM);
    let out = stackgen(&["build", "ok", "-o", "out.yaml"], d.path());
    assert!(out.status.success());
    assert!(out.stdout.is_empty());
    assert!(
        fs::read_to_string(d.path().join("out.yaml"))
            .unwrap()
            .contains("ConfigMap")
    );
    write(
        d.path(),
        "bad/kustomization.yaml",
        "resources:\n- missing.yaml\n",
    );
    let out = stackgen(&["build", "bad", "-o", "bad.yaml"], d.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(!d.path().join("bad.yaml").exists());
}

#[test]
fn unknown_field_names_file_and_suggests() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "kustomization.yaml", "resource:\n- cm.yaml\n");
    let err = build_err(d.path(), ".");
    assert!(err.contains("kustomization.yaml"), "{err}");
    assert!(err.contains("\"resource\""), "{err}");
    assert!(err.contains("did you mean \"resources\""), "{err}");
}

#[test]
fn wrong_field_type_names_the_field() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "kustomization.yaml", "resources: cm.yaml\n");
    let err = build_err(d.path(), ".");
    assert!(
        err.contains("resources") && err.contains("expected a list"),
        "{err}"
    );
}

#[test]
fn urls_are_refused_without_network() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "kustomization.yaml",
        "resources:\n- https://127.0.0.1:9/x.yaml\n",
    );
    let err = build_err(d.path(), ".");
    assert!(
        err.contains("https://127.0.0.1:9/x.yaml") && err.contains("network"),
        "{err}"
    );
}

#[test]
fn absolute_paths_are_refused() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "kustomization.yaml",
        "resources:\n- /etc/passwd\n",
    );
    let err = build_err(d.path(), ".");
    assert!(err.contains("/etc/passwd"), "{err}");
    assert!(!err.contains("root:x:0:0"), "{err}");
}

#[test]
fn files_outside_the_kustomization_are_refused_unless_allowed() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "outside.yaml", CM);
    write(
        d.path(),
        "app/kustomization.yaml",
        "resources:\n- ../outside.yaml\n",
    );
    let err = build_err(d.path(), "app");
    assert!(
        err.contains("outside.yaml") && err.contains("outside the kustomization root"),
        "{err}"
    );
    let out = stackgen(
        &["build", "app", "--load-restrictor", "LoadRestrictionsNone"],
        d.path(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[cfg(unix)]
#[test]
fn symlinks_are_resolved_before_the_root_check() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "private/secret.yaml", CM);
    write(
        d.path(),
        "app/kustomization.yaml",
        "resources:\n- secret.yaml\n",
    );
    std::os::unix::fs::symlink("../private/secret.yaml", d.path().join("app/secret.yaml")).unwrap();
    let err = build_err(d.path(), "app");
    assert!(
        err.contains("secret.yaml") && err.contains("outside"),
        "{err}"
    );
}

#[test]
fn dotdot_that_stays_inside_is_fine() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "kustomization.yaml",
        "resources:\n- sub/../cm.yaml\n",
    );
    write(d.path(), "sub/.keep", "");
    write(d.path(), "cm.yaml", CM);
    let out = stackgen(&["build", "."], d.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn bases_outside_the_overlay_directory_are_allowed() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "base/kustomization.yaml",
        "resources:\n- cm.yaml\n",
    );
    write(d.path(), "base/cm.yaml", CM);
    write(
        d.path(),
        "overlays/prod/kustomization.yaml",
        "resources:\n- ../../base\n",
    );
    let out = stackgen(&["build", "overlays/prod"], d.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn cycles_are_reported_with_their_path() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "a/kustomization.yaml", "resources:\n- ../b\n");
    write(d.path(), "b/kustomization.yaml", "resources:\n- ../a\n");
    let err = build_err(d.path(), "a");
    assert!(err.contains("cycle"), "{err}");
    assert!(err.contains("a -> ") && err.contains("b -> "), "{err}");
}

#[test]
fn duplicate_ids_name_both_origins() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "kustomization.yaml",
        "resources:\n- one.yaml\n- two.yaml\n",
    );
    write(d.path(), "one.yaml", CM);
    write(d.path(), "two.yaml", CM);
    let err = build_err(d.path(), ".");
    assert!(
        err.contains("one.yaml") && err.contains("two.yaml"),
        "{err}"
    );
}

#[test]
fn missing_files_and_kustomizations_are_errors() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "kustomization.yaml", "resources:\n- nope.yaml\n");
    let err = build_err(d.path(), ".");
    assert!(err.contains("nope.yaml"), "{err}");
    fs::create_dir_all(d.path().join("empty")).unwrap();
    let err = build_err(d.path(), "empty");
    assert!(err.contains("no kustomization file"), "{err}");
}

#[test]
fn yaml_problems_name_the_file_and_line() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "kustomization.yaml", "resources:\n- cm.yaml\n");
    write(
        d.path(),
        "cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  name: b\n",
    );
    let err = build_err(d.path(), ".");
    assert!(
        err.contains("cm.yaml:5") && err.contains("\"name\" already defined at line 4"),
        "{err}"
    );
    write(
        d.path(),
        "cm.yaml",
        "kind: ConfigMap\nmetadata:\n  name: a\n",
    );
    let err = build_err(d.path(), ".");
    assert!(err.contains("apiVersion"), "{err}");
    write(d.path(), "cm.yaml", "- a\n- b\n");
    let err = build_err(d.path(), ".");
    assert!(err.contains("must be a mapping"), "{err}");
    fs::write(
        d.path().join("cm.yaml"),
        b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: \xe9\n",
    )
    .unwrap();
    let err = build_err(d.path(), ".");
    assert!(err.contains("UTF-8") && err.contains("cm.yaml:4"), "{err}");
}

#[test]
fn components_cannot_be_resources() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "comp/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n",
    );
    write(d.path(), "kustomization.yaml", "resources:\n- comp\n");
    let err = build_err(d.path(), ".");
    assert!(err.contains("Component"), "{err}");
}
