//! Templating: `{{ vars.NAME }}` in kustomization files and Stack documents, sandboxed.
use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_stackgen");

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .env("SECRET_TOKEN", "hunter2")
        .output()
        .unwrap()
}

fn fails(out: &Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty());
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn undefined_variable_names_file_and_variable() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "app/kustomization.yaml",
        "namespace: feature-{{ vars.BRANCH }}\nresources: []\n",
    );
    let err = fails(&run(d.path(), &["build", "app"]));
    assert!(err.contains("app/kustomization.yaml"), "{err}");
    assert!(err.contains("vars.BRANCH"), "{err}");
    assert!(err.contains("namespace"), "{err}");
    let out = run(d.path(), &["build", "app", "--var", "BRANCH=x"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn templated_kustomization_fields_are_rendered() {
    let k = stackgen::build::parse_kustomization_with_vars(
        b"namespace: feature-{{ vars.BRANCH | lower }}\nnamePrefix: '{{ app.name }}-'\n",
        Path::new("kustomization.yaml"),
        &stackgen::template::TemplateVars {
            vars: [("BRANCH".to_string(), "Login".to_string())].into(),
            app: [("name".to_string(), "shop".to_string())].into(),
        },
    )
    .unwrap();
    assert_eq!(k.namespace, "feature-login");
    assert_eq!(k.name_prefix, "shop-");
}

#[test]
fn templates_cannot_read_files_or_the_environment() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "secret.txt", "top secret\n");
    for (i, src) in [
        "{% include 'secret.txt' %}",
        "{% import 'secret.txt' as s %}",
        "{% extends 'secret.txt' %}",
        "{{ vars.SECRET_TOKEN }}",
        "{{ env.SECRET_TOKEN }}",
        "{{ SECRET_TOKEN }}",
        "{{ lookup('env', 'SECRET_TOKEN') }}",
        "{{ debug() }}",
    ]
    .iter()
    .enumerate()
    {
        let dir = format!("case{i}");
        write(
            d.path(),
            &format!("{dir}/kustomization.yaml"),
            &format!("namePrefix: \"{src}\"\n"),
        );
        let out = run(d.path(), &["build", &dir]);
        let err = fails(&out);
        assert!(
            !err.contains("hunter2") && !err.contains("top secret"),
            "{src}: {err}"
        );
        assert!(err.contains("kustomization.yaml"), "{src}: {err}");
    }
}

#[test]
fn vars_files_and_precedence() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "vars.yaml", "FILE: a.yaml\nOTHER: 3\n");
    write(
        d.path(),
        "app/kustomization.yaml",
        "resources:\n- '{{ vars.FILE }}'\n",
    );
    write(
        d.path(),
        "app/a.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n",
    );
    write(
        d.path(),
        "app/b.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n",
    );
    let out = run(d.path(), &["build", "app", "--vars-file", "vars.yaml"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("name: a"));
    let out = run(
        d.path(),
        &[
            "build",
            "app",
            "--vars-file",
            "vars.yaml",
            "--var",
            "FILE=b.yaml",
        ],
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("name: b"));
    let out = run(d.path(), &["build", "app", "--var", "no good=1"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn other_resource_files_are_never_templated() {
    let d = tempfile::tempdir().unwrap();
    // Prometheus rules and Go templates are not ours: byte for byte what kustomize prints.
    // (Written with kustomize's sorted keys, so the output equals the input.)
    let cm = "apiVersion: v1\ndata:\n  alert: '{{ $labels.instance }} is down'\n  tpl: '{% raw %}'\nkind: ConfigMap\nmetadata:\n  name: rules\n";
    write(
        d.path(),
        "app/kustomization.yaml",
        "resources:\n- cm.yaml\n",
    );
    write(d.path(), "app/cm.yaml", cm);
    let out = run(d.path(), &["build", "app"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), cm);
}

#[test]
fn stack_documents_are_templated() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "app/kustomization.yaml",
        "resources:\n- stack.yaml\n",
    );
    write(
        d.path(),
        "app/stack.yaml",
        "apiVersion: stackgen.dev/v1alpha1\nkind: Stack\nmetadata:\n  name: shop\nspec:\n  environment: '{{ vars.ENV }}'\n",
    );
    let err = fails(&run(d.path(), &["build", "app"]));
    assert!(
        err.contains("app/stack.yaml") && err.contains("vars.ENV"),
        "{err}"
    );
    assert!(err.contains("spec.environment"), "{err}");
}
