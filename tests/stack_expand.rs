//! Expansion of stacks: every feature, the profiles' differences, the checks' messages,
//! and patches targeting kind Stack applied through kustomizations.
use std::path::Path;

use stackgen::build::{BuildOptions, build};
use stackgen::json;
use stackgen::stack::{expand_one, parse_stack};
use stackgen::value::Value;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn sink() -> Value {
    let text = std::fs::read_to_string(root().join("tests/fixtures/stack/kitchen-sink.yaml"))
        .expect("fixture");
    let y: serde_yaml::Value = serde_yaml::from_str(&text).expect("yaml");
    stackgen::value::to_value(&y).expect("json")
}

fn expand(v: &Value) -> Result<Vec<Value>, String> {
    let stack = parse_stack(v).map_err(|e| e.to_string())?;
    expand_one(&stack).map_err(|e| e.to_string())
}

fn find<'a>(docs: &'a [Value], kind: &str, ns: &str, name: &str) -> &'a Value {
    docs.iter()
        .find(|d| {
            d["kind"] == kind
                && d["metadata"]["name"] == name
                && d["metadata"]
                    .get("namespace")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    == ns
        })
        .unwrap_or_else(|| panic!("no {kind} {ns}/{name}"))
}

fn count(docs: &[Value], kind: &str) -> usize {
    docs.iter().filter(|d| d["kind"] == kind).count()
}

#[test]
fn kitchen_sink_in_kind() {
    let docs = expand(&sink()).expect("expands");
    // Layers: default namespace name, labels and annotations.
    let edge = find(&docs, "Namespace", "", "edge-layer");
    assert_eq!(edge["metadata"]["labels"]["tier"], "edge");
    assert_eq!(edge["metadata"]["labels"]["stackgen.dev/layer"], "edge");
    assert_eq!(edge["metadata"]["annotations"]["owner"], "platform");
    assert_eq!(
        edge["metadata"]["labels"]["pod-security.kubernetes.io/enforce"],
        "privileged"
    );
    // CSI secret: a SecretProviderClass where it is used, mounted so that it syncs.
    let spc = find(&docs, "SecretProviderClass", "core", "api-keys");
    assert_eq!(spc["spec"]["secretObjects"][0]["secretName"], "api-keys");
    let api = find(&docs, "Deployment", "core", "core-api");
    let vols = api["spec"]["template"]["spec"]["volumes"]
        .as_array()
        .expect("volumes");
    assert!(
        vols.iter()
            .any(|v| v["csi"]["volumeAttributes"]["secretProviderClass"] == "api-keys")
    );
    assert!(
        vols.iter()
            .any(|v| v["configMap"]["name"] == "shared-settings")
    );
    // kind: one replica, no HPA/PDB/Ingress, external exposure by fixed NodePorts.
    assert_eq!(api["spec"]["replicas"], 1);
    assert_eq!(count(&docs, "HorizontalPodAutoscaler"), 0);
    assert_eq!(count(&docs, "PodDisruptionBudget"), 0);
    assert_eq!(count(&docs, "Ingress"), 0);
    let gw = find(&docs, "Service", "edge-layer", "gateway");
    assert_eq!(gw["spec"]["type"], "NodePort");
    assert_eq!(gw["spec"]["ports"][0]["nodePort"], 30080);
    assert_eq!(gw["spec"]["ports"][1]["protocol"], "UDP");
    let core = find(&docs, "Service", "core", "core-api");
    assert_eq!(core["spec"]["type"], "NodePort");
    assert_eq!(core["spec"]["ports"][0]["nodePort"], 30082);
    let q = find(&docs, "Service", "core", "queue");
    assert_eq!(q["spec"]["ports"][0]["nodePort"], 31222);
    // Relaxed resources: small requests, large limits; a declared small limit is raised.
    let c = &api["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(
        c["resources"],
        json!({"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"cpu": "2", "memory": "2Gi"}})
    );
    let seed = find(&docs, "Job", "core", "seed");
    assert_eq!(
        seed["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["cpu"],
        "2"
    );
    assert_eq!(seed["spec"]["ttlSecondsAfterFinished"], 86400);
    // Env of every kind, envFrom absent without config.
    let env = c["env"].as_array().expect("env");
    assert_eq!(env[0]["valueFrom"]["fieldRef"]["fieldPath"], "status.podIP");
    assert_eq!(env[1]["valueFrom"]["secretKeyRef"]["name"], "api-keys");
    assert_eq!(env[2]["valueFrom"]["configMapKeyRef"]["key"], "mode");
    assert_eq!(env[3]["value"], "3");
    // Config files: unique keys, mounted one by one.
    let files = find(&docs, "ConfigMap", "core", "core-api-files");
    assert!(files["data"].get("app.toml").is_some() && files["data"].get("2-app.toml").is_some());
    // Probes: readiness declared, liveness defaults to TCP on the first port.
    assert_eq!(c["readinessProbe"]["httpGet"]["port"], "http");
    assert_eq!(c["livenessProbe"]["tcpSocket"]["port"], "http");
    // Init container hardened too; RBAC in the namespace with token mounted.
    let init = &api["spec"]["template"]["spec"]["initContainers"][0];
    assert_eq!(init["securityContext"]["allowPrivilegeEscalation"], false);
    assert!(init.get("livenessProbe").is_none());
    assert_eq!(
        api["spec"]["template"]["spec"]["automountServiceAccountToken"],
        true
    );
    find(&docs, "Role", "core", "core-api");
    find(&docs, "RoleBinding", "core", "core-api");
    let sa = find(&docs, "ServiceAccount", "core", "core-api");
    assert_eq!(
        sa["metadata"]["annotations"]["azure.workload.identity/client-id"],
        "11111111-1111-1111-1111-111111111111"
    );
    // DaemonSet with hostPath (kind only), StatefulSet with its two Services and claims.
    let ds = find(&docs, "DaemonSet", "core", "node-agent");
    assert_eq!(
        ds["spec"]["template"]["spec"]["volumes"][0]["hostPath"]["type"],
        "Directory"
    );
    let sts = find(&docs, "StatefulSet", "core", "queue");
    assert_eq!(sts["spec"]["serviceName"], "queue-headless");
    assert_eq!(
        sts["spec"]["volumeClaimTemplates"][0]["spec"]["storageClassName"],
        "fast"
    );
    assert_eq!(
        find(&docs, "Service", "core", "queue-headless")["spec"]["clusterIP"],
        "None"
    );
    let pvc = find(&docs, "PersistentVolumeClaim", "core", "scratch-shared");
    assert_eq!(pvc["spec"]["storageClassName"], "nfs");
    // CronJob.
    let cj = find(&docs, "CronJob", "core", "report");
    assert_eq!(cj["spec"]["concurrencyPolicy"], "Replace");
    assert_eq!(
        cj["spec"]["jobTemplate"]["spec"]["template"]["spec"]["restartPolicy"],
        "OnFailure"
    );
    // NetworkPolicies were asked for even in kind: egress to the declared CIDR.
    let np = find(&docs, "NetworkPolicy", "core", "node-agent");
    assert_eq!(
        np["spec"]["egress"][0]["to"][0]["ipBlock"]["cidr"],
        "10.0.0.0/8"
    );
    // Queue peers talk to each other? Only with more than one replica (kind runs one).
    let rep = find(&docs, "NetworkPolicy", "core", "report");
    assert_eq!(rep["spec"]["egress"].as_array().map(Vec::len), Some(2));
}

#[test]
fn kitchen_sink_in_production_refuses_host_path() {
    let mut v = sink();
    v["spec"]["profile"] = "production".into();
    let err = expand(&v).expect_err("hostPath outside kind");
    assert!(
        err.contains("spec.services[1].storage[0].hostPath"),
        "{err}"
    );
    assert!(err.contains("only allowed with profile kind"), "{err}");
}

#[test]
fn kitchen_sink_in_production() {
    let mut v = sink();
    v["spec"]["profile"] = "production".into();
    v["spec"]["services"][1]["storage"] =
        json!([{"name": "host-logs", "mountPath": "/var/log/host", "emptyDir": {}}]);
    let docs = expand(&v).expect("expands");
    let api = find(&docs, "Deployment", "core", "core-api");
    assert_eq!(api["spec"]["replicas"], 3);
    let hpa = find(&docs, "HorizontalPodAutoscaler", "core", "core-api");
    assert_eq!(hpa["spec"]["metrics"][1]["resource"]["name"], "memory");
    assert_eq!(
        find(&docs, "PodDisruptionBudget", "core", "core-api")["spec"]["minAvailable"],
        2
    );
    assert_eq!(
        find(&docs, "PodDisruptionBudget", "core", "queue")["spec"]["maxUnavailable"],
        1
    );
    let ing = find(&docs, "Ingress", "core", "core-api");
    assert_eq!(ing["spec"]["ingressClassName"], "traefik");
    assert_eq!(ing["spec"]["tls"][0]["secretName"], "core-api-tls");
    assert_eq!(
        ing["metadata"]["annotations"]["cert-manager.io/cluster-issuer"],
        "internal-ca"
    );
    assert_eq!(
        ing["spec"]["rules"][0]["http"]["paths"][0]["pathType"],
        "Exact"
    );
    // Declared types stay: LoadBalancer, NodePort (auto port unless fixed).
    assert_eq!(
        find(&docs, "Service", "edge-layer", "gateway")["spec"]["type"],
        "LoadBalancer"
    );
    assert_eq!(
        find(&docs, "Service", "core", "queue")["spec"]["ports"][0]["nodePort"],
        31222
    );
    // Replicated StatefulSet peers may talk.
    let np = find(&docs, "NetworkPolicy", "core", "queue");
    assert!(
        np["spec"]["ingress"]
            .as_array()
            .expect("ingress")
            .iter()
            .any(|r| r["from"][0]["podSelector"].is_object()
                && r["from"][0].get("namespaceSelector").is_none())
    );
    // Defaults for a container that declares only limits: requests not above them.
    let seed = find(&docs, "Job", "core", "seed");
    assert_eq!(
        seed["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"],
        json!({"cpu": "50m", "memory": "100Mi"})
    );
}

fn expect_error(edit: impl Fn(&mut Value), want: &[&str]) {
    let mut v = sink();
    edit(&mut v);
    let err = expand(&v).expect_err("should fail");
    for w in want {
        assert!(err.contains(w), "{err:?} does not contain {w:?}");
    }
}

#[test]
fn checks_name_the_field_and_suggest() {
    expect_error(
        |v| v["spec"]["services"][2]["dependsOn"] = json!(["queu"]),
        &[
            "spec.services[2].dependsOn[0]",
            "unknown service \"queu\"",
            "did you mean \"queue\"?",
        ],
    );
    expect_error(
        |v| v["spec"]["services"][0]["layer"] = json!("edg"),
        &["spec.services[0].layer", "did you mean \"edge\"?"],
    );
    expect_error(
        |v| v["spec"]["services"][2]["env"][1]["secret"]["name"] = json!("api-key"),
        &[
            "spec.services[2].env[1].secret.name",
            "did you mean \"api-keys\"?",
        ],
    );
    expect_error(
        |v| v["spec"]["secrets"][1] = json!({"name": "tls-material"}),
        &["spec.secrets[1]", "exactly one source"],
    );
    expect_error(
        |v| v["spec"]["services"][5]["schedule"] = Value::Null,
        &["spec.services[5].schedule", "needs a schedule"],
    );
    expect_error(
        |v| v["spec"]["services"][2]["autoscaling"] = json!({"minReplicas": 5, "maxReplicas": 2}),
        &["spec.services[2].autoscaling"],
    );
    expect_error(
        |v| v["spec"]["services"][2]["probes"]["readiness"]["port"] = json!("htp"),
        &[
            "spec.services[2].probes.readiness.port",
            "did you mean \"http\"?",
        ],
    );
    expect_error(
        |v| {
            v["spec"]["services"][2]["resources"] =
                json!({"requests": {"cpu": "2"}, "limits": {"cpu": "1"}})
        },
        &["spec.services[2].resources.requests.cpu", "above its limit"],
    );
    expect_error(
        |v| v["spec"]["services"][2]["ports"][0]["name"] = json!("a-very-long-port-name"),
        &["spec.services[2].ports", "at most 15"],
    );
    expect_error(
        |v| v["spec"]["monitoring"] = json!({"scraper": "prometheus"}),
        &["spec.monitoring.scraper"],
    );
}

#[test]
fn strict_types_reject_unknown_fields_and_bad_quantities() {
    let mut v = sink();
    v["spec"]["services"][2]["storage"][0]["emptyDir"]["sizeLimt"] = json!("1Gi");
    let err = expand(&v).expect_err("unknown field");
    assert!(
        err.contains("spec.services[2].storage[0].emptyDir.sizeLimt"),
        "{err}"
    );
    assert!(err.contains("did you mean \"sizeLimit\"?"), "{err}");
    let mut v = sink();
    v["spec"]["services"][6]["resources"]["limits"]["memory"] = json!("lots");
    let err = expand(&v).expect_err("bad quantity");
    assert!(err.contains("not a Kubernetes quantity"), "{err}");
    let mut v = sink();
    v["spec"]["profile"] = json!("prod");
    let err = expand(&v).expect_err("bad profile");
    assert!(err.contains("spec.profile"), "{err}");
    assert!(err.contains("production"), "{err}");
}

#[test]
fn patches_targeting_stacks_apply_before_expansion_outermost_last() {
    let rm = build(
        &root().join("tests/fixtures/stack/patched/overlay"),
        &BuildOptions::default(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let docs: Vec<Value> = rm.iter().map(|r| r.body.clone()).collect();
    assert!(
        docs.iter().all(|d| d["kind"] != "Stack"),
        "the Stack is replaced by its objects"
    );
    let api = find(&docs, "Deployment", "app-layer", "api");
    // base 2 → middle (patchesStrategicMerge) 3 → overlay (JSON 6902 via target) 5.
    assert_eq!(api["spec"]["replicas"], 5);
    // The middle layer's selector patch set the profile; the overlay's patch without a
    // target (a Stack document) changed the image.
    assert_eq!(
        api["spec"]["template"]["spec"]["containers"][0]["image"],
        "example/api:2.0.0"
    );
    assert_eq!(
        count(&docs, "NetworkPolicy"),
        0,
        "the middle layer turned NetworkPolicies off"
    );
}
