//! `--order dependency --sync-waves`: every object sits in a wave no earlier than the objects
//! it references (the reference table of `stackgen::order`), and the stream is in wave order.
use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use stackgen::build::files::resources_from_bytes;
use stackgen::order::{EdgeKind, SYNC_WAVE, edges};

const BIN: &str = env!("CARGO_BIN_EXE_stackgen");

fn build(dir: &Path, args: &[&str]) -> Vec<u8> {
    let out = Command::new(BIN)
        .arg("build")
        .args(args)
        // The fixtures are minimal objects (no selectors, probes...): ordering is under test.
        .arg("--validate=off")
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn check_waves(stream: &[u8]) {
    let rm = resources_from_bytes(stream, Arc::new("out.yaml".into())).unwrap();
    let waves: Vec<i64> = rm
        .iter()
        .map(|r| {
            r.annotation(SYNC_WAVE)
                .unwrap_or_else(|| panic!("{} has no sync wave", r.id()))
                .parse()
                .unwrap()
        })
        .collect();
    assert!(waves.windows(2).all(|w| w[0] <= w[1]), "{waves:?}");
    let edges = edges(&rm);
    for e in &edges {
        let (from, to) = (&rm.as_slice()[e.from], &rm.as_slice()[e.to]);
        assert!(
            waves[e.from] >= waves[e.to],
            "{} (wave {}) references {} (wave {})",
            from.id(),
            waves[e.from],
            to.id(),
            waves[e.to]
        );
        if e.kind == EdgeKind::DependsOn {
            assert!(waves[e.from] > waves[e.to]);
        }
    }
}

#[test]
fn production_waves_respect_references() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = build(
        root,
        &[
            "overlays/production",
            "--order",
            "dependency",
            "--sync-waves",
        ],
    );
    check_waves(&out);
    let rm = resources_from_bytes(&out, Arc::new("out.yaml".into())).unwrap();
    let pos = |kind: &str| rm.iter().position(|r| r.kind() == kind).unwrap();
    assert_eq!(pos("Namespace"), 0);
    assert!(pos("StatefulSet") < pos("Deployment"), "data layer first");
    assert!(pos("ExternalSecret") < pos("StatefulSet"));
    // The default stays kustomize's order and adds nothing.
    let plain = build(root, &["overlays/production"]);
    assert!(!String::from_utf8_lossy(&plain).contains(SYNC_WAVE));
}

#[test]
fn references_and_stack_dependencies_order_a_larger_app() {
    let d = tempfile::tempdir().unwrap();
    let w = |p: &str, t: &str| std::fs::write(d.path().join(p), t).unwrap();
    w("kustomization.yaml", "resources:\n- app.yaml\n");
    w(
        "app.yaml",
        r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: app
  annotations:
    stackgen.dev/depends-on: cache, StatefulSet/db
spec:
  template:
    spec:
      serviceAccountName: api
      containers:
      - name: api
        envFrom:
        - configMapRef:
            name: api-config
        volumeMounts: []
      volumes:
      - name: data
        persistentVolumeClaim:
          claimName: api-data
---
apiVersion: batch/v1
kind: Job
metadata:
  name: migrate
  namespace: app
  annotations:
    stackgen.dev/hook: PreSync
    stackgen.dev/depends-on: db
spec:
  template:
    spec:
      containers:
      - name: m
        env:
        - name: P
          valueFrom:
            secretKeyRef:
              name: db-credentials
              key: password
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: api
  namespace: app
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: api
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: cache
  namespace: app
  labels:
    stackgen.dev/layer: data
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
  namespace: app
spec:
  serviceName: db
---
apiVersion: v1
kind: Service
metadata:
  name: db
  namespace: app
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: api-data
  namespace: app
---
apiVersion: v1
kind: Secret
metadata:
  name: db-credentials
  namespace: app
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: api-config
  namespace: app
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: api
  namespace: app
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: api
subjects:
- kind: ServiceAccount
  name: api
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: api
  namespace: app
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: api
  namespace: app
---
apiVersion: v1
kind: Namespace
metadata:
  name: app
"#,
    );
    let out = build(d.path(), &[".", "--order", "dependency", "--sync-waves"]);
    check_waves(&out);
    let rm = resources_from_bytes(&out, Arc::new("out.yaml".into())).unwrap();
    let job = rm.iter().find(|r| r.name() == "migrate").unwrap();
    assert_eq!(job.annotation("argocd.argoproj.io/hook"), Some("PreSync"));
    assert_eq!(
        job.annotation("argocd.argoproj.io/hook-delete-policy"),
        Some("BeforeHookCreation")
    );
    let names: Vec<String> = rm
        .iter()
        .map(|r| format!("{}/{}", r.kind(), r.name()))
        .collect();
    let at = |n: &str| names.iter().position(|x| x == n).unwrap();
    assert!(at("Namespace/app") < at("ServiceAccount/api"));
    assert!(at("Role/api") <= at("RoleBinding/api"));
    assert!(at("StatefulSet/db") < at("Deployment/api"));
    assert!(at("Deployment/cache") < at("Deployment/api"));
    assert!(at("Deployment/api") < at("HorizontalPodAutoscaler/api"));
}
