//! `stackgen import compose`: the write-up 004 platform's original Docker Compose file becomes
//! a starting Stack (snapshot) that builds, with everything it could not map reported by
//! its path in the file (snapshot); credentials never reach the output.
use std::path::Path;
use std::process::Command;

use stackgen::build::{BuildOptions, build};
use stackgen::import::{self, Level, compose};
use stackgen::validate::{self, Options};

fn fixture() -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/compose/cptm8/docker-compose.yml"),
    )
    .expect("fixture")
}

#[test]
fn cptm8_stack_snapshot() {
    let imported = compose::import(&fixture(), "docker-compose.yml", None).expect("imports");
    insta::assert_snapshot!(
        "cptm8_stack",
        compose::render(&imported, "docker-compose.yml")
    );
}

#[test]
fn cptm8_report_snapshot() {
    let imported = compose::import(&fixture(), "docker-compose.yml", None).expect("imports");
    insta::assert_snapshot!(
        "cptm8_report",
        import::report("docker-compose.yml", &imported.findings)
    );
}

#[test]
fn what_cannot_be_mapped_is_reported_with_its_path() {
    let imported = compose::import(&fixture(), "docker-compose.yml", None).expect("imports");
    let warned = |path: &str, needle: &str| {
        imported
            .findings
            .iter()
            .any(|f| f.level == Level::Warning && f.path == path && f.message.contains(needle))
    };
    assert!(warned("services.dashboardm8.build", "build without image"));
    assert!(warned(
        "services.naabum8.privileged",
        "privileged: not mapped"
    ));
    assert!(warned(
        "services.vector.network_mode",
        "network_mode host: not mapped"
    ));
    assert!(warned(
        "services.asmm8.volumes[0]",
        "bind mount of the host path ./services/asmm8/app/log"
    ));
    assert!(warned(
        "services.orchestratorm8.volumes[1]",
        "Docker socket"
    ));
    assert!(warned("services.opensearch-node1.ulimits", "not mapped"));
    assert!(warned("services.socketm8.env_file", "not read"));
    assert!(warned("services.asmm8.image", "mutable tag \"latest\""));
}

#[test]
fn credentials_become_references_and_never_reach_the_output() {
    let imported = compose::import(&fixture(), "docker-compose.yml", None).expect("imports");
    let text = compose::render(&imported, "docker-compose.yml");
    for leaked in [
        "rabbit-local-pass",
        "mongo-local-pass",
        "dev-secret-change-me",
        "${POSTGRESQL_PASSWORD}",
    ] {
        assert!(
            !text.contains(leaked),
            "{leaked} leaked into the Stack:\n{text}"
        );
    }
    let s = &imported.stack.spec;
    let rabbit = s.services.iter().find(|x| x.name == "rabbitmqm8").unwrap();
    let pass = rabbit
        .env
        .iter()
        .find(|e| e.name == "RABBITMQ_DEFAULT_PASS")
        .unwrap();
    let r = pass.secret.as_ref().expect("a secret reference");
    assert_eq!(
        (r.name.as_str(), r.key.as_str()),
        ("rabbitmqm8-credentials", "rabbitmq-default-pass")
    );
    assert!(
        s.secrets
            .iter()
            .any(|x| x.name == "rabbitmqm8-credentials" && x.existing == Some(true))
    );
    // A Docker secret file is mounted where Compose mounted it, by reference.
    let pg = s
        .services
        .iter()
        .find(|x| x.name == "postgresqlm8")
        .unwrap();
    assert_eq!(pg.secret_files[0].mount_path, "/run/secrets");
    assert_eq!(
        pg.config["POSTGRES_PASSWORD_FILE"].0,
        "/run/secrets/postgresql_root_password"
    );
}

#[test]
fn the_generated_stack_builds() {
    let imported = compose::import(&fixture(), "docker-compose.yml", None).expect("imports");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("stack.yaml"),
        compose::render(&imported, "docker-compose.yml"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("kustomization.yaml"),
        "resources:\n- stack.yaml\n",
    )
    .unwrap();
    let rm = build(dir.path(), &BuildOptions::default())
        .unwrap_or_else(|e| panic!("does not build: {e}"));
    let report = validate::validate(&rm, &Options::default());
    assert_eq!(report.errors(), 0, "{:#?}", report.diagnostics);
    assert!(
        rm.iter()
            .any(|r| r.kind() == "StatefulSet" && r.name() == "postgresqlm8")
    );
}

#[test]
fn small_cases() {
    let y = br#"
services:
  web:
    image: nginx:1.27
    entrypoint: /docker-entrypoint.sh
    command: ["nginx", "-g", "daemon off;"]
    user: "101:101"
    ports:
      - target: 8080
        published: 80
    tmpfs: /var/cache/nginx
    volumes:
      - /var/run
    network_mode: host
    deploy: {replicas: 2, placement: {constraints: [node.role==worker]}}
    healthcheck:
      test: ["CMD-SHELL", "wget -qO- http://127.0.0.1:8080/healthz || exit 1"]
      interval: 1m30s
  cache:
    image: redis
    environment: [REDIS_PASSWORD=hunter2, LOG=debug]
"#;
    let imported = compose::import(y, "compose.yaml", Some("Shop_Front")).expect("imports");
    let st = &imported.stack;
    assert_eq!(st.metadata.name, "shop-front");
    let web = &st.spec.services[0];
    assert_eq!(web.command, vec!["/docker-entrypoint.sh"]);
    assert_eq!(web.args, vec!["nginx", "-g", "daemon off;"]);
    assert_eq!(web.replicas, Some(2));
    assert_eq!(web.ports[0].port, 8080);
    let sc = web.security_context.as_ref().unwrap();
    assert_eq!((sc.run_as_user, sc.run_as_group), (Some(101), Some(101)));
    let mounts: Vec<&str> = web
        .storage
        .iter()
        .filter_map(|v| v.mount_path.as_deref())
        .collect();
    assert_eq!(mounts, vec!["/var/run", "/var/cache/nginx", "/tmp"]);
    assert_eq!(
        web.storage[1].empty_dir.as_ref().unwrap().medium.as_deref(),
        Some("Memory")
    );
    let probe = web.probes.as_ref().unwrap().liveness.as_ref().unwrap();
    assert_eq!(probe.http.as_deref(), Some("/healthz"));
    assert_eq!(probe.period_seconds, Some(90));
    let paths: Vec<&str> = imported.findings.iter().map(|f| f.path.as_str()).collect();
    assert!(paths.contains(&"services.web.network_mode"));
    assert!(paths.contains(&"services.web.deploy.placement"));
    assert!(
        paths.contains(&"services.cache.image"),
        "redis without a tag"
    );
    let cache = &st.spec.services[1];
    assert_eq!(cache.layer, "data");
    assert_eq!(
        cache.kind,
        stackgen::stack::types::WorkloadKind::StatefulSet
    );
    assert_eq!(
        cache.env[0].secret.as_ref().unwrap().name,
        "cache-credentials"
    );
    assert_eq!(cache.config["LOG"].0, "debug");

    let err = compose::import(b"version: '3'\n", "x.yml", None).unwrap_err();
    assert!(err.to_string().contains("no `services` mapping"), "{err}");
    let err = compose::import(b"services: [a\n", "x.yml", None).unwrap_err();
    assert!(err.to_string().contains("x.yml"), "{err}");
}

#[test]
fn cli_prints_the_stack_and_reports_on_stderr() {
    let out = Command::new(env!("CARGO_BIN_EXE_stackgen"))
        .args(["import", "compose", "docker-compose.yml"])
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/compose/cptm8"))
        .output()
        .expect("run stackgen");
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stdout.contains("kind: Stack") && stdout.contains("name: cptm8"),
        "{stdout}"
    );
    assert!(
        stderr.contains("warning: docker-compose.yml: services.naabum8.privileged:"),
        "{stderr}"
    );
    assert!(
        stderr.lines().last().unwrap_or("").starts_with("import: "),
        "{stderr}"
    );
}
