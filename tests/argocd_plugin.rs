//! Emulates Argo CD's config management plugin sidecar exactly: the example repository is
//! copied to a temporary directory, the `init` and `generate` commands of the printed
//! `plugin.yaml` run in the application directory the way the cmp-server runs them
//! (`command[0]` with the rest of `command` and `args` appended, so `sh -c ...`), with Argo
//! CD's build environment and stackgen on PATH.
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_stackgen");

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let t = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &t);
        } else {
            std::fs::copy(e.path(), &t).unwrap();
        }
    }
}

/// The example repository (base/ and overlays/) in a temporary directory, each overlay
/// marked for the plugin's discovery.
fn example_repo() -> tempfile::TempDir {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"));
    let d = tempfile::tempdir().unwrap();
    for sub in ["base", "overlays"] {
        copy_dir(&src.join(sub), &d.path().join(sub));
    }
    for ov in ["dev", "staging", "production"] {
        std::fs::write(d.path().join("overlays").join(ov).join(".stackgen"), "").unwrap();
    }
    d
}

struct Plugin {
    init: Vec<String>,
    generate: Vec<String>,
    discover: String,
}

fn command_of(v: &serde_yaml::Value, key: &str) -> Vec<String> {
    let c = &v["spec"][key];
    let mut out: Vec<String> = c["command"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|x| x.as_str().unwrap().to_string())
        .collect();
    if let Some(args) = c["args"].as_sequence() {
        out.extend(args.iter().map(|x| x.as_str().unwrap().to_string()));
    }
    out
}

fn plugin() -> Plugin {
    let out = Command::new(BIN)
        .args(["argocd", "plugin"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_yaml::Value = serde_yaml::from_slice(&out.stdout).unwrap();
    assert_eq!(v["apiVersion"].as_str(), Some("argoproj.io/v1alpha1"));
    assert_eq!(v["kind"].as_str(), Some("ConfigManagementPlugin"));
    assert!(v["spec"]["version"].as_str().is_some());
    Plugin {
        init: command_of(&v, "init"),
        generate: command_of(&v, "generate"),
        discover: v["spec"]["discover"]["fileName"]
            .as_str()
            .unwrap()
            .to_string(),
    }
}

/// Served API versions of a cluster that has External Secrets installed.
const API_VERSIONS: &str = "apps/v1,autoscaling/v2,batch/v1,external-secrets.io/v1,networking.k8s.io/v1,policy/v1,rbac.authorization.k8s.io/v1,v1,apps/v1/Deployment,apps/v1/StatefulSet,autoscaling/v2/HorizontalPodAutoscaler,batch/v1/CronJob,batch/v1/Job,external-secrets.io/v1/ExternalSecret,networking.k8s.io/v1/Ingress,networking.k8s.io/v1/NetworkPolicy,policy/v1/PodDisruptionBudget,rbac.authorization.k8s.io/v1/ClusterRole,rbac.authorization.k8s.io/v1/ClusterRoleBinding,v1/ConfigMap,v1/Namespace,v1/Secret,v1/Service,v1/ServiceAccount";

/// Runs one plugin command as the cmp-server does.
fn run(cmd: &[String], app_dir: &Path, extra: &[(&str, &str)]) -> Output {
    let bin_dir = PathBuf::from(BIN).parent().unwrap().to_path_buf();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut c = Command::new(&cmd[0]);
    c.args(&cmd[1..])
        .current_dir(app_dir)
        .env_clear()
        .env("PATH", path)
        .env("HOME", "/home/argocd")
        .env("ARGOCD_APP_NAME", "shop")
        .env("ARGOCD_APP_NAMESPACE", "argocd")
        .env(
            "ARGOCD_APP_REVISION",
            "0123456789abcdef0123456789abcdef01234567",
        )
        .env("ARGOCD_APP_REVISION_SHORT", "0123456")
        .env("ARGOCD_APP_SOURCE_PATH", "overlays/production")
        .env(
            "ARGOCD_APP_SOURCE_REPO_URL",
            "https://git.example.com/shop.git",
        )
        .env("ARGOCD_APP_SOURCE_TARGET_REVISION", "HEAD")
        .env("KUBE_VERSION", "1.33.0")
        .env("KUBE_API_VERSIONS", API_VERSIONS)
        .env("ARGOCD_APP_PARAMETERS", "[]");
    for (k, v) in extra {
        c.env(k, v);
    }
    c.output().unwrap()
}

fn stackgen_build(root: &Path, overlay: &str) -> Vec<u8> {
    let out = Command::new(BIN)
        .args(["build", overlay])
        .current_dir(root)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

#[test]
fn generate_in_every_overlay_equals_stackgen_build() {
    let repo = example_repo();
    let p = plugin();
    assert_eq!(
        p.init[..2],
        ["sh", "-c"],
        "Argo CD runs the commands with sh -c"
    );
    assert_eq!(p.generate[..2], ["sh", "-c"]);
    for ov in ["dev", "staging", "production"] {
        let rel = format!("overlays/{ov}");
        let app = repo.path().join(&rel);
        assert!(app.join(&p.discover).is_file(), "discovery matches {rel}");
        let init = run(&p.init, &app, &[]);
        assert!(
            init.status.success(),
            "init in {rel}: {}",
            String::from_utf8_lossy(&init.stderr)
        );
        let gen_out = run(&p.generate, &app, &[]);
        assert!(
            gen_out.status.success(),
            "generate in {rel}: {}",
            String::from_utf8_lossy(&gen_out.stderr)
        );
        let expected = stackgen_build(repo.path(), &rel);
        assert!(!expected.is_empty());
        assert_eq!(
            String::from_utf8_lossy(&gen_out.stdout),
            String::from_utf8_lossy(&expected),
            "{rel}"
        );
        // And the committed golden, when there is one.
        let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("golden/{ov}.yaml"));
        if let Ok(g) = std::fs::read(&golden) {
            assert_eq!(
                String::from_utf8_lossy(&gen_out.stdout),
                String::from_utf8_lossy(&g),
                "{}",
                golden.display()
            );
        }
    }
}

#[test]
fn a_broken_overlay_fails_with_empty_stdout_and_names_the_file() {
    let repo = example_repo();
    let p = plugin();
    let app = repo.path().join("overlays/broken");
    std::fs::create_dir_all(&app).unwrap();
    std::fs::write(app.join(".stackgen"), "").unwrap();
    std::fs::write(
        app.join("kustomization.yaml"),
        "resources:\n- ../../base\n- extra.yaml\n",
    )
    .unwrap();
    std::fs::write(
        app.join("extra.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata: [unclosed\n",
    )
    .unwrap();
    let init = run(&p.init, &app, &[]);
    assert!(init.status.success());
    let out = run(&p.generate, &app, &[]);
    assert_ne!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty(), "nothing on stdout on failure");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("extra.yaml"), "{err}");
}

#[test]
fn argocd_variables_reach_templates_and_nothing_else_does() {
    let repo = example_repo();
    let p = plugin();
    let app = repo.path().join("overlays/feature");
    std::fs::create_dir_all(&app).unwrap();
    std::fs::write(app.join(".stackgen"), "").unwrap();
    std::fs::write(
        app.join("kustomization.yaml"),
        "resources:\n- cm-{{ vars.BRANCH }}.yaml\n- '{{ vars.EXTRA }}'\n",
    )
    .unwrap();
    std::fs::write(
        app.join("cm-feat-x.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: feat\n",
    )
    .unwrap();
    std::fs::write(
        app.join("extra.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n",
    )
    .unwrap();
    let out = run(
        &p.generate,
        &app,
        &[
            ("ARGOCD_ENV_BRANCH", "feat-x"),
            ("PARAM_VARS_EXTRA", "extra.yaml"),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("name: feat") && text.contains("name: extra"),
        "{text}"
    );

    // The process environment is not a source of variables.
    let out = run(
        &p.generate,
        &app,
        &[("BRANCH", "feat-x"), ("EXTRA", "extra.yaml")],
    );
    assert_ne!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("kustomization.yaml") && err.contains("vars.BRANCH"),
        "{err}"
    );
}

#[test]
fn kinds_the_cluster_does_not_serve_fail_the_build() {
    let repo = example_repo();
    let p = plugin();
    let app = repo.path().join("overlays/production");
    let out = run(
        &p.generate,
        &app,
        &[(
            "KUBE_API_VERSIONS",
            // Everything the example uses but the External Secrets Operator's kind.
            &API_VERSIONS
                .replace(",external-secrets.io/v1/ExternalSecret", "")
                .replace(",external-secrets.io/v1,", ","),
        )],
    );
    assert_ne!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("ExternalSecret"), "{err}");
    assert!(
        err.contains("postgres-credentials") && err.contains("stack.yaml"),
        "{err}"
    );
}

#[test]
fn an_empty_result_is_an_error_unless_allowed() {
    let repo = example_repo();
    let p = plugin();
    let app = repo.path().join("overlays/empty");
    std::fs::create_dir_all(&app).unwrap();
    std::fs::write(app.join("kustomization.yaml"), "resources: []\n").unwrap();
    let out = run(&p.generate, &app, &[]);
    assert_ne!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("empty"));
    let out = run(&p.generate, &app, &[("PARAM_ALLOW_EMPTY", "true")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn parameters_select_order_and_sync_waves() {
    let repo = example_repo();
    let p = plugin();
    let app = repo.path().join("overlays/production");
    let out = run(
        &p.generate,
        &app,
        &[("PARAM_ORDER", "dependency"), ("PARAM_SYNC_WAVES", "true")],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("argocd.argoproj.io/sync-wave"), "{text}");
    let out = run(&p.generate, &app, &[("PARAM_ORDER", "random")]);
    assert_ne!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("PARAM_ORDER"));
}

#[test]
fn sidecar_patch_runs_the_cmp_server_as_argocd() {
    let out = Command::new(BIN)
        .args([
            "argocd",
            "plugin",
            "--sidecar-patch",
            "--image",
            "registry.example.com/stackgen:1",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let docs: Vec<serde_yaml::Value> = serde_yaml::Deserializer::from_slice(&out.stdout)
        .map(|d| serde::Deserialize::deserialize(d).unwrap())
        .collect();
    assert_eq!(docs.len(), 2);
    assert_eq!(docs[0]["kind"].as_str(), Some("ConfigMap"));
    let plugin_yaml = docs[0]["data"]["plugin.yaml"].as_str().unwrap();
    assert!(plugin_yaml.contains("ConfigManagementPlugin"));
    let c = &docs[1]["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(
        docs[1]["metadata"]["name"].as_str(),
        Some("argocd-repo-server")
    );
    assert_eq!(
        c["command"][0].as_str(),
        Some("/var/run/argocd/argocd-cmp-server")
    );
    assert_eq!(c["securityContext"]["runAsUser"].as_i64(), Some(999));
    assert_eq!(c["image"].as_str(), Some("registry.example.com/stackgen:1"));
    let mounts: Vec<&str> = c["volumeMounts"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|m| m["mountPath"].as_str().unwrap())
        .collect();
    for m in [
        "/var/run/argocd",
        "/home/argocd/cmp-server/plugins",
        "/home/argocd/cmp-server/config/plugin.yaml",
        "/tmp",
    ] {
        assert!(mounts.contains(&m), "{m} in {mounts:?}");
    }
    let vols = docs[1]["spec"]["template"]["spec"]["volumes"]
        .as_sequence()
        .unwrap();
    assert!(vols.iter().any(|v| v["emptyDir"].is_mapping()), "own /tmp");
}

#[test]
fn apps_generates_one_application_per_overlay() {
    let repo = example_repo();
    let out = Command::new(BIN)
        .args([
            "argocd",
            "apps",
            "overlays",
            "--repo-url",
            "https://git.example.com/shop.git",
            "--name-prefix",
            "shop-",
        ])
        .current_dir(repo.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let docs: Vec<serde_yaml::Value> = serde_yaml::Deserializer::from_slice(&out.stdout)
        .map(|d| serde::Deserialize::deserialize(d).unwrap())
        .collect();
    let names: Vec<&str> = docs
        .iter()
        .map(|d| d["metadata"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["shop-dev", "shop-production", "shop-staging"]);
    assert_eq!(
        docs[1]["spec"]["source"]["path"].as_str(),
        Some("overlays/production")
    );
    assert_eq!(
        docs[1]["spec"]["source"]["plugin"]["name"].as_str(),
        Some("stackgen-v1")
    );
    // The example's overlays set no kustomization namespace (the Stack puts every object in
    // its layer's namespace), so the Application names none either.
    assert_eq!(docs[1]["spec"]["destination"]["namespace"].as_str(), None);
    let out = Command::new(BIN)
        .args([
            "argocd",
            "apps",
            "overlays",
            "--repo-url",
            "https://git.example.com/shop.git",
            "--applicationset",
        ])
        .current_dir(repo.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    let set: serde_yaml::Value = serde_yaml::from_slice(&out.stdout).unwrap();
    assert_eq!(set["kind"].as_str(), Some("ApplicationSet"));
    assert_eq!(
        set["spec"]["generators"][0]["git"]["directories"][0]["path"].as_str(),
        Some("overlays/*")
    );
}
