//! Secrets delivered as SOPS-encrypted `SopsSecret`s (sops-secrets-operator) count as present
//! for references (R002), and production namespaces must enforce the `restricted` Pod
//! Security level unless a justified exception says why not (P013).
use std::path::PathBuf;
use std::sync::Arc;

use stackgen::build::files::resources_from_bytes;
use stackgen::validate::config::Profile;
use stackgen::validate::{self, Options, Policy, Report};

fn report(yaml: &str, profile: Profile) -> Report {
    let rm = resources_from_bytes(yaml.as_bytes(), Arc::new(PathBuf::from("x.yaml")))
        .unwrap_or_else(|e| panic!("does not load: {e}"));
    let opts = Options {
        policy: Policy::builtin(profile),
        ..Options::default()
    };
    validate::validate(&rm, &opts)
}

const SOPS: &str = "apiVersion: isindir.github.com/v1alpha3
kind: SopsSecret
metadata:
  name: app-secrets
  namespace: apps
spec:
  secretTemplates:
  - name: db-credentials
    stringData:
      password: ENC[AES256_GCM,data:3q2+7w==,iv:AAAA,tag:BBBB,type:str]
sops:
  mac: ENC[AES256_GCM,data:AAAA,iv:BBBB,tag:CCCC,type:str]
  encrypted_regex: ^(data|stringData)$
  version: 3.10.2
";

fn pod(secret: &str) -> String {
    format!(
        "---
apiVersion: v1
kind: Pod
metadata: {{name: web, namespace: apps}}
spec:
  containers:
  - name: web
    image: nginx:1.27
    env:
    - name: DB_PASSWORD
      valueFrom: {{secretKeyRef: {{name: {secret}, key: password}}}}
"
    )
}

#[test]
fn a_sops_secret_provides_its_templates() {
    let codes = |y: &str| -> Vec<&'static str> {
        report(y, Profile::Default)
            .diagnostics
            .iter()
            .map(|d| d.code)
            .filter(|c| c.starts_with('R'))
            .collect()
    };
    assert!(codes(&format!("{SOPS}{}", pod("db-credentials"))).is_empty());
    assert_eq!(
        codes(&format!("{SOPS}{}", pod("db-credentialz"))),
        vec!["R002"]
    );
    // In another namespace it does not count.
    assert_eq!(
        codes(&format!(
            "{}{}",
            SOPS.replace("namespace: apps", "namespace: other"),
            pod("db-credentials")
        )),
        vec!["R002"]
    );
}

const NS: &str = "apiVersion: v1
kind: Namespace
metadata:
  name: search
  labels:
    pod-security.kubernetes.io/enforce: privileged
";

#[test]
fn production_namespaces_enforce_restricted_unless_excepted() {
    let p013 = |r: &Report| r.diagnostics.iter().filter(|d| d.code == "P013").count();
    let prod = report(NS, Profile::Production);
    assert_eq!(p013(&prod), 1);
    assert_eq!(prod.errors(), 1);
    // A note elsewhere, nothing in dev.
    assert_eq!(
        report(NS, Profile::Default).errors() + report(NS, Profile::Default).warnings(),
        0
    );
    assert_eq!(p013(&report(NS, Profile::Dev)), 0);
    // Restricted passes; a missing label is flagged too.
    assert_eq!(
        p013(&report(
            &NS.replace("privileged", "restricted"),
            Profile::Production
        )),
        0
    );
    let bare = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: search\n";
    assert_eq!(p013(&report(bare, Profile::Production)), 1);
    // Excepted with a justification: listed, not an error.
    let excepted = NS.replace(
        "  labels:",
        "  annotations:\n    stackgen.dev/validate-exception: \"P013: OpenSearch's sysctl init container runs privileged\"\n  labels:",
    );
    let r = report(&excepted, Profile::Production);
    assert_eq!(r.errors(), 0, "{:#?}", r.diagnostics);
    assert_eq!(r.excepted.len(), 1);
    assert_eq!(r.excepted[0].code, "P013");
}
