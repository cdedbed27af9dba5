//! Explicit, justified policy exceptions (`stackgen.dev/validate-exception`): the finding
//! they cover is listed apart with its justification (library report, human, JSON and SARIF
//! output, build's stderr), a container scope covers that container only, and malformed or
//! unused exceptions are findings themselves.
use std::fs;
use std::path::PathBuf;
use std::sync::Arc;

use stackgen::build::files::resources_from_bytes;
use stackgen::validate::config::Profile;
use stackgen::validate::{self, Options, Policy, Report};
use stackgen::value::Value;

#[path = "support/cli.rs"]
mod cli;
use cli::stackgen;
#[path = "support/production_report.rs"]
mod production_report;
use production_report::production_report;

/// A StatefulSet whose init container must run privileged (`sysctl`), and whose main
/// container is hardened; `exceptions` is the annotation's value.
fn sts(exceptions: &str) -> String {
    let ann = if exceptions.is_empty() {
        String::new()
    } else {
        format!(
            "  annotations:\n    stackgen.dev/validate-exception: {}\n",
            serde_json::to_string(exceptions).unwrap()
        )
    };
    format!(
        "apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: opensearch
  namespace: search
{ann}spec:
  serviceName: opensearch-headless
  selector: {{matchLabels: {{app: os}}}}
  template:
    metadata: {{labels: {{app: os}}}}
    spec:
      securityContext: {{runAsNonRoot: true}}
      initContainers:
      - name: sysctl
        image: busybox:1.37.0
        command: [sysctl, -w, vm.max_map_count=262144]
        securityContext: {{privileged: true, allowPrivilegeEscalation: true, runAsUser: 0, runAsNonRoot: false}}
        resources: {{requests: {{cpu: 10m, memory: 16Mi}}, limits: {{cpu: 50m, memory: 32Mi}}}}
      containers:
      - name: opensearch
        image: opensearchproject/opensearch:2.11.0
        securityContext: {{allowPrivilegeEscalation: false}}
        resources: {{requests: {{cpu: 500m, memory: 1Gi}}, limits: {{cpu: 1, memory: 2Gi}}}}
        readinessProbe: {{tcpSocket: {{port: 9200}}}}
        livenessProbe: {{tcpSocket: {{port: 9200}}}}
---
apiVersion: v1
kind: Service
metadata:
  name: opensearch-headless
  namespace: search
spec:
  clusterIP: None
  selector: {{app: os}}
  ports: [{{port: 9200}}]
"
    )
}

fn report(yaml: &str) -> Report {
    let rm = resources_from_bytes(yaml.as_bytes(), Arc::new(PathBuf::from("sts.yaml")))
        .unwrap_or_else(|e| panic!("does not load: {e}\n{yaml}"));
    production_report(&rm)
}

fn codes(r: &Report) -> Vec<&'static str> {
    r.diagnostics.iter().map(|d| d.code).collect()
}

#[test]
fn without_an_exception_the_privileged_init_container_is_an_error() {
    let r = report(&sts(""));
    assert_eq!(codes(&r), vec!["P008"], "{:#?}", r.diagnostics);
    assert_eq!(r.errors(), 1);
    assert!(r.excepted.is_empty());
}

#[test]
fn a_scoped_exception_lists_the_finding_with_its_justification() {
    let why = "sysctl sets vm.max_map_count, required by OpenSearch";
    let r = report(&sts(&format!("P008[sysctl]: {why}")));
    assert!(r.diagnostics.is_empty(), "{:#?}", r.diagnostics);
    assert_eq!(r.errors(), 0);
    assert_eq!(r.excepted.len(), 1);
    let d = &r.excepted[0];
    assert_eq!(d.code, "P008");
    assert_eq!(d.resource.as_deref(), Some("StatefulSet search/opensearch"));
    assert_eq!(
        d.field,
        "spec.template.spec.initContainers[0].securityContext"
    );
    assert_eq!(d.justification.as_deref(), Some(why));
    assert_eq!(d.severity, validate::Severity::Error, "keeps its severity");
}

#[test]
fn a_container_scope_does_not_cover_the_other_containers() {
    // The main container loses its hardening: the exception for `sysctl` does not cover it.
    let y = sts("P008[sysctl]: sets vm.max_map_count").replace(
        "securityContext: {allowPrivilegeEscalation: false}",
        "securityContext: {allowPrivilegeEscalation: true}",
    );
    let r = report(&y);
    assert_eq!(codes(&r), vec!["P008"]);
    assert!(r.diagnostics[0].field.contains("containers[0]"));
    assert_eq!(r.excepted.len(), 1);
    // Unscoped, one entry covers every container of the object.
    let r = report(&y.replace("P008[sysctl]", "P008"));
    assert!(r.diagnostics.is_empty(), "{:#?}", r.diagnostics);
    assert_eq!(r.excepted.len(), 2);
}

#[test]
fn malformed_and_unused_exceptions_are_findings() {
    let r = report(&sts(
        "P008[sysctl]: needed\nP006\nS001: the schema is wrong\nP008[nope]: typo\nP007: nothing untagged here",
    ));
    let mut got = codes(&r);
    got.sort();
    assert_eq!(
        got,
        vec!["P011", "P011", "P011", "P012"],
        "{:#?}",
        r.diagnostics
    );
    let msgs: Vec<&str> = r.diagnostics.iter().map(|d| d.message.as_str()).collect();
    assert!(
        msgs.iter()
            .any(|m| m.contains("\"P006\" has no justification"))
    );
    assert!(
        msgs.iter()
            .any(|m| m.contains("S001 (schema-unknown-field) cannot be excepted"))
    );
    assert!(
        msgs.iter()
            .any(|m| m.contains("P008[nope] names a container"))
    );
    assert!(
        msgs.iter()
            .any(|m| m.contains("P007 (\"nothing untagged here\") excepts no finding"))
    );
    assert_eq!(r.excepted.len(), 1);
    // Entries may also be separated by ';'.
    let r = report(&sts("P008[sysctl]: needed; P006"));
    assert_eq!(codes(&r), vec!["P011"]);
}

#[test]
fn an_exception_for_a_rule_that_is_off_is_not_unused() {
    let rm = resources_from_bytes(
        sts("P008[sysctl]: needed\nP005: probes are fine").as_bytes(),
        Arc::new(PathBuf::from("sts.yaml")),
    )
    .unwrap();
    // Dev: P008 is a note (still excepted), P012 a note too; nothing is an error.
    let opts = Options {
        policy: Policy::builtin(Profile::Dev),
        ..Options::default()
    };
    let r = validate::validate(&rm, &opts);
    assert_eq!(r.errors() + r.warnings(), 0, "{:#?}", r.diagnostics);
    assert_eq!(r.excepted.len(), 1);
}

// ----------------------------------------------------------------------------- CLI

fn tree(exceptions: &str) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let k = d.path().join("k");
    fs::create_dir_all(&k).unwrap();
    fs::write(k.join("kustomization.yaml"), "resources:\n- sts.yaml\n").unwrap();
    fs::write(k.join("sts.yaml"), sts(exceptions)).unwrap();
    d
}

#[test]
fn validate_and_build_list_excepted_findings() {
    let why = "sysctl sets vm.max_map_count, required by OpenSearch";
    let d = tree(&format!("P008[sysctl]: {why}"));
    let out = stackgen(&["validate", "k", "--env", "production"], d.path());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("excepted[P008]: k/sts.yaml:")
            && text.contains("StatefulSet search/opensearch: spec.template.spec.initContainers[0].securityContext: container \"sysctl\" runs privileged")
            && text.contains(&format!("= justification: {why} (an error without this exception)")),
        "{text}"
    );
    assert!(
        text.ends_with("validate: 0 error(s), 0 warning(s), 0 note(s), 1 excepted\n"),
        "{text}"
    );

    let out = stackgen(
        &["validate", "k", "--env", "production", "--format", "json"],
        d.path(),
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["summary"]["excepted"], 1);
    assert_eq!(v["summary"]["errors"], 0);
    let e = &v["excepted"][0];
    assert_eq!(e["excepted"], true);
    assert_eq!(e["code"], "P008");
    assert_eq!(e["justification"], why);
    assert_eq!(
        e["field"],
        "spec.template.spec.initContainers[0].securityContext"
    );

    let out = stackgen(
        &["validate", "k", "--env", "production", "--format", "sarif"],
        d.path(),
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("sarif");
    let res = &v["runs"][0]["results"][0];
    assert_eq!(res["ruleId"], "P008");
    assert_eq!(res["suppressions"][0]["kind"], "inSource");
    assert_eq!(res["suppressions"][0]["justification"], why);

    // build: the stream on stdout, the excepted finding on stderr.
    let out = stackgen(&["build", "k", "--env", "production"], d.path());
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("kind: StatefulSet"));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("excepted[P008]") && err.contains(why), "{err}");
}

#[test]
fn build_fails_on_an_exception_without_justification() {
    let d = tree("P008[sysctl]");
    let out = stackgen(&["build", "k"], d.path());
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("error[P011]") && err.contains("no justification"),
        "{err}"
    );
}
