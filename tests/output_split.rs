//! `--output-dir`, `--format json`, `stackgen diff` and `stackgen golden`.
use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_stackgen");

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn app(d: &Path) {
    write(d, "app/kustomization.yaml", "resources:\n- all.yaml\n");
    write(
        d,
        "app/all.yaml",
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n  namespace: shop\ndata:\n  a: \"1\"\n",
    );
}

#[test]
fn output_dir_writes_stable_names_and_reports_stale_files() {
    let d = tempfile::tempdir().unwrap();
    app(d.path());
    let out = run(d.path(), &["build", "app", "--output-dir", "out"]);
    assert!(ok(&out).is_empty(), "nothing on stdout");
    let cm = std::fs::read_to_string(d.path().join("out/shop/configmap-cfg.yaml")).unwrap();
    assert!(cm.starts_with("apiVersion: v1\n") && cm.contains("name: cfg"));
    assert!(d.path().join("out/_cluster/namespace-shop.yaml").is_file());
    // The ConfigMap goes away: its file is reported, then pruned.
    write(
        d.path(),
        "app/all.yaml",
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n",
    );
    let out = run(d.path(), &["build", "app", "--output-dir", "out"]);
    ok(&out);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("stale:") && err.contains("configmap-cfg.yaml"),
        "{err}"
    );
    assert!(d.path().join("out/shop/configmap-cfg.yaml").is_file());
    ok(&run(
        d.path(),
        &["build", "app", "--output-dir", "out", "--prune"],
    ));
    assert!(!d.path().join("out/shop/configmap-cfg.yaml").exists());
}

#[test]
fn json_format() {
    let d = tempfile::tempdir().unwrap();
    app(d.path());
    let text = ok(&run(d.path(), &["build", "app", "--format", "json"]));
    let v: stackgen::value::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["kind"], "List");
    assert_eq!(v["items"][1]["data"]["a"], "1");
    ok(&run(
        d.path(),
        &["build", "app", "--format", "json", "--output-dir", "j"],
    ));
    let one: stackgen::value::Value = serde_json::from_str(
        &std::fs::read_to_string(d.path().join("j/shop/configmap-cfg.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(one["metadata"]["name"], "cfg");
}

#[test]
fn a_failed_build_writes_no_files() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "bad/kustomization.yaml",
        "resources:\n- missing.yaml\n",
    );
    let out = run(d.path(), &["build", "bad", "--output-dir", "out"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!d.path().join("out").exists());
}

#[test]
fn diff_and_golden_update() {
    let d = tempfile::tempdir().unwrap();
    app(d.path());
    write(
        d.path(),
        "overlays/one/kustomization.yaml",
        "resources:\n- ../../app\n",
    );
    write(
        d.path(),
        "overlays/two/kustomization.yaml",
        "resources:\n- cm.yaml\n",
    );
    write(
        d.path(),
        "overlays/two/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: two\n",
    );
    // No goldens yet: drift, with the command that creates them.
    let out = run(d.path(), &["diff", "--golden", "golden", "overlays"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("golden --update"));
    ok(&run(
        d.path(),
        &["golden", "--update", "--golden", "golden", "overlays"],
    ));
    assert!(d.path().join("golden/one.yaml").is_file());
    ok(&run(d.path(), &["diff", "--golden", "golden", "overlays"]));
    ok(&run(
        d.path(),
        &["golden", "--golden", "golden", "overlays"],
    ));
    ok(&run(d.path(), &["diff", "overlays/two", "golden/two.yaml"]));
    // A change shows up as a per-object diff and a non-zero exit.
    write(
        d.path(),
        "app/all.yaml",
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\n  namespace: shop\ndata:\n  a: \"2\"\n",
    );
    let out = run(d.path(), &["diff", "--golden", "golden", "overlays"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("~ changed: ConfigMap shop/cfg"), "{text}");
    assert!(
        text.contains("-  a: \"1\"") && text.contains("+  a: \"2\""),
        "{text}"
    );
    assert!(!text.contains("overlays/two differs"), "{text}");
    // A broken overlay is reported too, and the others are still checked.
    write(d.path(), "overlays/two/cm.yaml", "kind: [\n");
    let out = run(d.path(), &["diff", "--golden", "golden", "overlays"]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("overlays/two/cm.yaml") && text.contains("ConfigMap shop/cfg"),
        "{text}"
    );
    // Goldens are not touched when an overlay fails to build.
    let before = std::fs::read(d.path().join("golden/one.yaml")).unwrap();
    assert_eq!(
        run(
            d.path(),
            &["golden", "--update", "--golden", "golden", "overlays"]
        )
        .status
        .code(),
        Some(1)
    );
    assert_eq!(
        std::fs::read(d.path().join("golden/one.yaml")).unwrap(),
        before
    );
}

#[test]
fn diff_against_an_output_dir() {
    let d = tempfile::tempdir().unwrap();
    app(d.path());
    ok(&run(
        d.path(),
        &["build", "app", "--output-dir", "rendered"],
    ));
    ok(&run(d.path(), &["diff", "app", "rendered"]));
    write(d.path(), "rendered/shop/extra.yaml", "x: 1\n");
    let out = run(d.path(), &["diff", "app", "rendered"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("- removed: shop/extra.yaml"));
}

#[test]
fn graph_formats() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let m = ok(&run(root, &["graph", "overlays/production"]));
    assert!(m.starts_with("flowchart LR\n"), "{m}");
    assert!(m.contains("serviceName") && m.contains("selects"), "{m}");
    let dot = ok(&run(
        root,
        &["graph", "overlays/production", "--format", "dot"],
    ));
    assert!(
        dot.starts_with("digraph stackgen {") && dot.trim_end().ends_with('}'),
        "{dot}"
    );
    assert!(dot.contains("->"), "{dot}");
}
