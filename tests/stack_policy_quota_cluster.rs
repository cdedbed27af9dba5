//! Stack extensions for real deployments: policy exceptions (privileged and root containers,
//! weaker namespaces), layer quotas and limit ranges checked at build time, image pull
//! secrets, and StatefulSet clusters whose member lists follow the profile's replicas.
use stackgen::stack::{expand_one, parse_stack};
use stackgen::value::Value;

fn stack(yaml: &str) -> Value {
    let y: serde_yaml::Value = serde_yaml::from_str(yaml).expect("yaml");
    stackgen::value::to_value(&y).expect("json")
}

fn expand(yaml: &str) -> Result<Vec<Value>, String> {
    let stack = parse_stack(&stack(yaml)).map_err(|e| e.to_string())?;
    expand_one(&stack).map_err(|e| e.to_string())
}

fn find<'a>(docs: &'a [Value], kind: &str, name: &str) -> &'a Value {
    docs.iter()
        .find(|d| d["kind"] == kind && d["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} {name}"))
}

const SEARCH: &str = r#"
apiVersion: stackgen.dev/v1alpha1
kind: Stack
metadata: {name: scan}
spec:
  profile: PROFILE
  layers:
  - name: search
    podSecurity: privileged
    policyExceptions:
    - {rule: P013, reason: "OpenSearch's sysctl init container runs privileged"}
  services:
  - name: opensearch
    layer: search
    kind: StatefulSet
    image: opensearchproject/opensearch:2.11.0
    replicas: 3
    ports:
    - {name: http, port: 9200}
    - {name: transport, port: 9300}
    securityContext: {runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000}
    cluster:
      podManagementPolicy: Parallel
      peerEnv:
      - {name: discovery.seed_hosts}
      - {name: cluster.initial_cluster_manager_nodes, format: "{pod}"}
      - {name: PEERS_FQDN, format: "{fqdn}:9300", separator: " "}
    initContainers:
    - name: sysctl
      image: busybox:1.37.0
      command: [sysctl, -w, vm.max_map_count=262144]
      securityContext: {privileged: true, runAsUser: 0}
    policyExceptions:
    - {rule: P008, container: sysctl, reason: "sets vm.max_map_count, which OpenSearch requires"}
"#;

fn search(profile: &str) -> String {
    SEARCH.replace("PROFILE", profile)
}

#[test]
fn privileged_init_container_with_its_exception() {
    let docs = expand(&search("production")).expect("expands");
    let sts = find(&docs, "StatefulSet", "opensearch");
    assert_eq!(
        sts["metadata"]["annotations"]["stackgen.dev/validate-exception"],
        "P008[sysctl]: sets vm.max_map_count, which OpenSearch requires"
    );
    let init = &sts["spec"]["template"]["spec"]["initContainers"][0];
    let sc = &init["securityContext"];
    assert_eq!(sc["privileged"], true);
    assert_eq!(
        sc["allowPrivilegeEscalation"], true,
        "the API server requires it with privileged"
    );
    assert_eq!(sc["runAsUser"], 0);
    assert_eq!(sc["runAsNonRoot"], false);
    // The main container keeps the hardened defaults.
    let main = &sts["spec"]["template"]["spec"]["containers"][0]["securityContext"];
    assert_eq!(main["runAsNonRoot"], true);
    assert_eq!(main["allowPrivilegeEscalation"], false);
    assert!(main.get("privileged").is_none());
    let ns = find(&docs, "Namespace", "search-layer");
    assert_eq!(
        ns["metadata"]["labels"]["pod-security.kubernetes.io/enforce"],
        "privileged"
    );
    assert_eq!(
        ns["metadata"]["annotations"]["stackgen.dev/validate-exception"],
        "P013: OpenSearch's sysctl init container runs privileged"
    );
}

#[test]
fn privileged_needs_an_exception_and_an_admitting_layer() {
    let no_exception = search("production").replace(
        "    - {rule: P008, container: sysctl, reason: \"sets vm.max_map_count, which OpenSearch requires\"}\n",
        "    - {rule: P008, container: opensearch, reason: \"not the right container\"}\n",
    );
    let e = expand(&no_exception).unwrap_err();
    assert!(
        e.contains("spec.services[0].initContainers[0].securityContext")
            && e.contains("container \"sysctl\" runs privileged: say why with a policyExceptions entry for P008"),
        "{e}"
    );
    let restricted = search("production").replace("    podSecurity: privileged\n", "");
    let e = expand(&restricted).unwrap_err();
    assert!(
        e.contains("which layer \"search\" (pod security \"restricted\") does not admit"),
        "{e}"
    );
    // Production: a weaker layer needs its own reason.
    let no_p013 = search("production").replace(
        "    - {rule: P013, reason: \"OpenSearch's sysctl init container runs privileged\"}\n",
        "    - {rule: P001, reason: \"unrelated\"}\n",
    );
    let e = expand(&no_p013).unwrap_err();
    assert!(
        e.contains("spec.layers[0].podSecurity") && e.contains("P013"),
        "{e}"
    );
    // Staging does not ask for P013.
    assert!(expand(&no_p013.replace("production", "staging")).is_ok());
    // Bad exceptions.
    let e = expand(&search("production").replace("rule: P008", "rule: S001")).unwrap_err();
    assert!(
        e.contains("policyExceptions[0].rule") && e.contains("cannot be excepted"),
        "{e}"
    );
    let e = expand(&search("production").replace("container: sysctl", "container: sysctI"))
        .unwrap_err();
    assert!(
        e.contains("unknown container \"sysctI\"") && e.contains("did you mean \"sysctl\"?"),
        "{e}"
    );
    let e = expand(&search("production").replace(
        "reason: \"sets vm.max_map_count, which OpenSearch requires\"",
        "reason: \"a; b\"",
    ))
    .unwrap_err();
    assert!(e.contains("one line, without ';'"), "{e}");
}

#[test]
fn cluster_members_follow_the_profile() {
    let env_of = |docs: &[Value]| -> Vec<(String, String)> {
        find(docs, "StatefulSet", "opensearch")["spec"]["template"]["spec"]["containers"][0]["env"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["name"].as_str().unwrap().to_string(),
                    e["value"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect()
    };
    let prod = expand(&search("production")).unwrap();
    let sts = find(&prod, "StatefulSet", "opensearch");
    assert_eq!(sts["spec"]["podManagementPolicy"], "Parallel");
    assert_eq!(sts["spec"]["replicas"], 3);
    let env = env_of(&prod);
    assert_eq!(
        env[0],
        (
            "discovery.seed_hosts".into(),
            "opensearch-0.opensearch-headless,opensearch-1.opensearch-headless,opensearch-2.opensearch-headless".into()
        )
    );
    assert_eq!(env[1].1, "opensearch-0,opensearch-1,opensearch-2");
    assert_eq!(
        env[2].1,
        "opensearch-0.opensearch-headless.search-layer.svc.cluster.local:9300 opensearch-1.opensearch-headless.search-layer.svc.cluster.local:9300 opensearch-2.opensearch-headless.search-layer.svc.cluster.local:9300"
    );
    let headless = find(&prod, "Service", "opensearch-headless");
    assert_eq!(headless["spec"]["publishNotReadyAddresses"], true);
    // kind runs one member: a one-node cluster.
    let kind = expand(&search("kind")).unwrap();
    assert_eq!(env_of(&kind)[1].1, "opensearch-0");
    // Only StatefulSets cluster.
    let e =
        expand(&search("production").replace("kind: StatefulSet", "kind: Deployment")).unwrap_err();
    assert!(e.contains("cluster settings are for StatefulSets"), "{e}");
}

const APP: &str = r#"
apiVersion: stackgen.dev/v1alpha1
kind: Stack
metadata: {name: stats}
spec:
  profile: PROFILE
  layers:
  - name: app
    namespace: stats-app
    quota: {requests.cpu: "2", limits.memory: 4Gi, pods: "10", persistentvolumeclaims: "2", configmaps: "5"}
    limitRange:
      container:
        default: {cpu: 500m, memory: 512Mi}
        defaultRequest: {cpu: 100m, memory: 128Mi}
        min: {cpu: 50m, memory: 64Mi}
        max: {cpu: "2", memory: 2Gi}
      persistentVolumeClaim: {min: 1Gi, max: 10Gi}
  secrets:
  - {name: registry-token, existing: true}
  services:
  - name: api
    layer: app
    image: registry.example.com/stats/api:1.0.0
    imagePullSecrets: [registry-token]
    replicas: 2
    ports: [{name: http, port: 8080}]
    resources:
      requests: {cpu: 250m, memory: 256Mi}
      limits: {cpu: "1", memory: 512Mi}
  - name: db
    layer: app
    kind: StatefulSet
    image: postgres:17.5
    ports: [{name: pg, port: 5432}]
    resources:
      requests: {cpu: 250m, memory: 512Mi}
      limits: {cpu: "1", memory: 1Gi}
    storage:
    - {name: data, mountPath: /var/lib/postgresql/data, persistent: {size: 5Gi}}
"#;

fn app(profile: &str) -> String {
    APP.replace("PROFILE", profile)
}

#[test]
fn quota_and_limit_range_outside_kind() {
    let docs = expand(&app("production")).expect("fits");
    let q = find(&docs, "ResourceQuota", "stats-quota");
    assert_eq!(q["metadata"]["namespace"], "stats-app");
    assert_eq!(q["spec"]["hard"]["requests.cpu"], "2");
    assert_eq!(q["spec"]["hard"]["pods"], "10");
    let lr = find(&docs, "LimitRange", "stats-limits");
    assert_eq!(lr["spec"]["limits"][0]["type"], "Container");
    assert_eq!(lr["spec"]["limits"][0]["max"]["memory"], "2Gi");
    assert_eq!(lr["spec"]["limits"][0]["defaultRequest"]["cpu"], "100m");
    assert_eq!(lr["spec"]["limits"][1]["type"], "PersistentVolumeClaim");
    assert_eq!(lr["spec"]["limits"][1]["max"]["storage"], "10Gi");
    let api = find(&docs, "Deployment", "api");
    assert_eq!(
        api["spec"]["template"]["spec"]["imagePullSecrets"],
        stackgen::json!([{"name": "registry-token"}])
    );
    // kind: neither (its requests are below any real minimum).
    let kind = expand(&app("kind")).unwrap();
    assert!(
        !kind
            .iter()
            .any(|d| d["kind"] == "ResourceQuota" || d["kind"] == "LimitRange")
    );
}

#[test]
fn what_does_not_fit_fails_the_build() {
    // api: 2 replicas + 1 surge = 3 × 250m, db 250m: 1 CPU of requests; a quota of 900m is short.
    let e = expand(&app("production").replace("requests.cpu: \"2\"", "requests.cpu: 900m"))
        .unwrap_err();
    assert!(
        e.contains("spec.layers[0].quota.requests.cpu")
            && e.contains("layer app needs 1 requests.cpu")
            && e.contains("its quota allows 900m"),
        "{e}"
    );
    let e = expand(&app("production").replace("pods: \"10\"", "pods: \"3\"")).unwrap_err();
    assert!(e.contains("needs 4 pods"), "{e}");
    // configmaps count kube-root-ca.crt: none generated here, so 1.
    let e =
        expand(&app("production").replace("configmaps: \"5\"", "configmaps: \"0\"")).unwrap_err();
    assert!(e.contains("needs 1 configmaps"), "{e}");
    let e = expand(&app("staging").replace(
        "max: {cpu: \"2\", memory: 2Gi}",
        "max: {cpu: 500m, memory: 2Gi}",
    ))
    .unwrap_err();
    assert!(
        e.contains("Deployment api, container api: limits.cpu 1 is above the layer's LimitRange maximum 500m"),
        "{e}"
    );
    let e = expand(&app("staging").replace("size: 5Gi", "size: 20Gi")).unwrap_err();
    assert!(e.contains("StatefulSet db claim data requests 20Gi storage, above the layer's LimitRange maximum 10Gi"), "{e}");
    let e = expand(&app("staging").replace("pods: \"10\"", "podz: \"10\"")).unwrap_err();
    assert!(
        e.contains("unknown quota key \"podz\"") && e.contains("did you mean \"pods\"?"),
        "{e}"
    );
    let e = expand(&app("staging").replace(
        "imagePullSecrets: [registry-token]",
        "imagePullSecrets: [registry-tokn]",
    ))
    .unwrap_err();
    assert!(
        e.contains("imagePullSecrets[0]") && e.contains("did you mean \"registry-token\"?"),
        "{e}"
    );
}

const SCANNER: &str = r#"
apiVersion: stackgen.dev/v1alpha1
kind: Stack
metadata: {name: scan}
spec:
  profile: production
  layers:
  - {name: apps}
  services:
  - name: naabum8
    layer: apps
    image: registry.example.com/cptm8/naabum8:1.8.0
    ports: [{name: http, port: 8001}]
    config: {LOG_DIR: /var/log/naabum8}
    configFiles:
    - {path: /app/configs/naabu.yaml, content: "rate: 1000\n"}
    storage:
    - {name: logs, mountPath: /var/log/naabum8, emptyDir: {}}
    sidecars:
    - name: log-shipper
      image: timberio/vector:0.47.0-distroless-libc
      args: [--config, /etc/vector/vector.yaml]
      configFiles:
      - {path: /etc/vector/vector.yaml, content: "sources: {}\n"}
      mounts:
      - {volume: logs, mountPath: /var/log/naabum8, readOnly: true}
    egress:
    - {cidr: 0.0.0.0/0, except: [10.0.0.0/8, 169.254.169.254/32], ports: []}
"#;

#[test]
fn sidecar_config_files_and_egress_exceptions() {
    let docs = expand(SCANNER).expect("expands");
    let cm = find(&docs, "ConfigMap", "naabum8-files");
    assert_eq!(cm["data"]["naabu.yaml"], "rate: 1000\n");
    assert_eq!(cm["data"]["vector.yaml"], "sources: {}\n");
    let pod = &find(&docs, "Deployment", "naabum8")["spec"]["template"]["spec"];
    let mounts = |i: usize| -> Vec<String> {
        pod["containers"][i]["volumeMounts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                format!(
                    "{}:{}",
                    m["name"].as_str().unwrap(),
                    m["mountPath"].as_str().unwrap()
                )
            })
            .collect()
    };
    assert_eq!(
        mounts(0),
        vec![
            "logs:/var/log/naabum8",
            "config-files:/app/configs/naabu.yaml"
        ]
    );
    assert_eq!(
        mounts(1),
        vec![
            "logs:/var/log/naabum8",
            "config-files:/etc/vector/vector.yaml"
        ],
        "the sidecar mounts its own file only"
    );
    let np = find(&docs, "NetworkPolicy", "naabum8");
    let rule = np["spec"]["egress"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["to"][0].get("ipBlock").is_some())
        .expect("ipBlock rule");
    assert_eq!(
        rule["to"][0]["ipBlock"]["except"],
        stackgen::json!(["10.0.0.0/8", "169.254.169.254/32"])
    );
    assert_eq!(rule["ports"], stackgen::json!([]), "every port");
    let e = expand(&SCANNER.replace("path: /etc/vector/vector.yaml", "path: etc/vector.yaml"))
        .unwrap_err();
    assert!(
        e.contains("sidecars[0].configFiles[0].path") && e.contains("not an absolute file path"),
        "{e}"
    );
}

/// Egress combines ex2's `except` and "every port" with ex1's namespace destinations:
/// `except` narrows a `cidr` only, and each entry is a CIDR.
#[test]
fn egress_exceptions_need_a_cidr() {
    let rule = "{cidr: 0.0.0.0/0, except: [10.0.0.0/8, 169.254.169.254/32], ports: []}";
    let with = |r: &str| expand(&SCANNER.replace(rule, r));
    let e = with("{namespace: scanners, except: [10.0.0.0/8], ports: []}").unwrap_err();
    assert!(
        e.contains("egress[0].except") && e.contains("with cidr"),
        "{e}"
    );
    let e = with("{cidr: 0.0.0.0/0, except: [10.0.0.0/33], ports: []}").unwrap_err();
    assert!(
        e.contains("egress[0].except[0]") && e.contains("not a CIDR"),
        "{e}"
    );
    let e = with("{cidr: 0.0.0.0/0, ports: [0]}").unwrap_err();
    assert!(e.contains("egress[0].ports"), "{e}");
    let docs = with("{namespace: scanners, podLabels: {app: x}, ports: []}").expect("expands");
    let np = find(&docs, "NetworkPolicy", "naabum8");
    assert!(np["spec"]["egress"].as_array().unwrap().contains(&stackgen::json!({
        "to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "scanners"}},
                "podSelector": {"matchLabels": {"app": "x"}}}],
        "ports": [],
    })));
}
