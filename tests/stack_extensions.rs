//! Stack features the example systems needed (`examples/`): peer discovery of StatefulSet
//! clusters (`env[].peers`), egress to pods outside the stack (`egress[].namespace`), a
//! scraper outside the stack (`monitoring.namespace`), ingress from a controller outside the
//! pod network (`ingress.sourceCidrs`), extra pod labels (`podLabels`), service links
//! (`serviceLinks`) and the Azure Key Vault provider's `objects` parameter written from the
//! CSI keys.
use std::path::Path;

use stackgen::json;
use stackgen::stack::{expand_one, parse_stack};
use stackgen::value::Value;

fn fixture() -> Value {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/stack/cluster-peers.yaml");
    let text = std::fs::read_to_string(path).expect("fixture");
    let y: serde_yaml::Value = serde_yaml::from_str(&text).expect("yaml");
    stackgen::value::to_value(&y).expect("json")
}

fn expand(v: &Value) -> Result<Vec<Value>, String> {
    let stack = parse_stack(v).map_err(|e| e.to_string())?;
    expand_one(&stack).map_err(|e| e.to_string())
}

fn find<'a>(docs: &'a [Value], kind: &str, name: &str) -> &'a Value {
    docs.iter()
        .find(|d| d["kind"] == kind && d["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} {name}"))
}

fn env<'a>(workload: &'a Value, name: &str) -> &'a Value {
    workload["spec"]["template"]["spec"]["containers"][0]["env"]
        .as_array()
        .and_then(|a| a.iter().find(|e| e["name"] == name))
        .unwrap_or_else(|| panic!("no env {name}"))
}

#[test]
fn peers_follow_the_profile_replicas() {
    let docs = expand(&fixture()).expect("expands");
    let zk = find(&docs, "StatefulSet", "zookeeper");
    assert_eq!(
        env(zk, "ZOO_SERVERS")["value"],
        "server.1=zookeeper-0.zookeeper-headless.data-layer.svc.cluster.local:2888:3888;2181 \
         server.2=zookeeper-1.zookeeper-headless.data-layer.svc.cluster.local:2888:3888;2181 \
         server.3=zookeeper-2.zookeeper-headless.data-layer.svc.cluster.local:2888:3888;2181"
    );
    let kafka = find(&docs, "StatefulSet", "kafka");
    assert_eq!(
        env(kafka, "KAFKA_ZOOKEEPER_CONNECT")["value"],
        "zookeeper-0.zookeeper-headless.data-layer.svc.cluster.local:2181,\
         zookeeper-1.zookeeper-headless.data-layer.svc.cluster.local:2181,\
         zookeeper-2.zookeeper-headless.data-layer.svc.cluster.local:2181"
    );
    assert_eq!(
        env(kafka, "KAFKA_BROKER_ID")["valueFrom"]["fieldRef"]["fieldPath"],
        "metadata.labels['apps.kubernetes.io/pod-index']"
    );
    // No KAFKA_PORT from the Service named kafka in Confluent's environment-driven config.
    assert_eq!(
        kafka["spec"]["template"]["spec"]["enableServiceLinks"],
        false
    );
    assert!(
        zk["spec"]["template"]["spec"]
            .get("enableServiceLinks")
            .is_none()
    );
    // kind runs one replica of everything: one peer.
    let mut v = fixture();
    v["spec"]["profile"] = json!("kind");
    let docs = expand(&v).expect("expands in kind");
    let api = find(&docs, "Deployment", "api");
    assert_eq!(
        env(api, "BROKERS")["value"],
        "kafka-0.kafka-headless.data-layer.svc.cluster.local:9092"
    );
}

#[test]
fn peer_ports_are_for_the_cluster_only() {
    let docs = expand(&fixture()).expect("expands");
    let names = |svc: &Value| -> Vec<String> {
        svc["spec"]["ports"]
            .as_array()
            .expect("ports")
            .iter()
            .filter_map(|p| p["name"].as_str().map(str::to_string))
            .collect()
    };
    assert_eq!(
        names(find(&docs, "Service", "zookeeper-headless")),
        ["client", "peer", "election"]
    );
    assert_eq!(names(find(&docs, "Service", "zookeeper")), ["client"]);
    // Kafka (a dependent) reaches the client port only; the ensemble reaches each other.
    let kafka = find(&docs, "NetworkPolicy", "kafka");
    let to_zk = kafka["spec"]["egress"]
        .as_array()
        .expect("egress")
        .iter()
        .find(|r| r["to"][0]["podSelector"]["matchLabels"]["app.kubernetes.io/name"] == "zookeeper")
        .expect("egress to zookeeper");
    assert_eq!(to_zk["ports"], json!([{"protocol": "TCP", "port": 2181}]));
}

#[test]
fn outside_peers_in_network_policies() {
    let docs = expand(&fixture()).expect("expands");
    let api = find(&docs, "NetworkPolicy", "api");
    let egress = api["spec"]["egress"].as_array().expect("egress");
    assert!(egress.contains(&json!({
        "to": [{
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "identity"}},
            "podSelector": {"matchLabels": {"app.kubernetes.io/name": "keycloak"}},
        }],
        "ports": [{"protocol": "TCP", "port": 8080}],
    })));
    assert!(egress.contains(&json!({
        "to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "observability"}}}],
        "ports": [{"protocol": "TCP", "port": 4317}, {"protocol": "TCP", "port": 4318}],
    })));
    // The Ingress controller is outside the pod network: its subnet is let in.
    assert!(
        api["spec"]["ingress"]
            .as_array()
            .expect("ingress")
            .contains(&json!({
                "from": [{"ipBlock": {"cidr": "10.225.0.0/24"}}],
                "ports": [{"protocol": "TCP", "port": 8080}],
            }))
    );
    // The outside scraper reaches the metrics port, and only that one.
    let kafka = find(&docs, "NetworkPolicy", "kafka");
    assert!(kafka["spec"]["ingress"].as_array().expect("ingress").contains(&json!({
        "from": [{
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
            "podSelector": {"matchLabels": {"rsName": "ama-metrics"}},
        }],
        "ports": [{"protocol": "TCP", "port": 9404}],
    })));
}

#[test]
fn pod_labels_and_azure_objects() {
    let docs = expand(&fixture()).expect("expands");
    let api = find(&docs, "Deployment", "api");
    assert_eq!(
        api["spec"]["template"]["metadata"]["labels"]["azure.workload.identity/use"],
        "true"
    );
    assert!(
        api["spec"]["selector"]["matchLabels"]
            .get("azure.workload.identity/use")
            .is_none()
    );
    let spc = find(&docs, "SecretProviderClass", "db");
    assert_eq!(
        spc["spec"]["parameters"]["objects"],
        "array:\n  - |\n    objectName: db-user\n    objectType: secret\n  - |\n    objectName: db-password\n    objectType: secret\n  - |\n    objectName: db-cert\n    objectType: cert\n"
    );
}

#[test]
fn expansion_snapshot() {
    let docs = expand(&fixture()).expect("expands");
    let picked: Vec<&Value> = docs
        .iter()
        .filter(|d| {
            matches!(
                (d["kind"].as_str(), d["metadata"]["name"].as_str()),
                (Some("SecretProviderClass"), _)
                    | (Some("NetworkPolicy"), Some("api" | "kafka" | "zookeeper"))
                    | (Some("StatefulSet"), Some("zookeeper"))
            )
        })
        .collect();
    insta::assert_snapshot!(stackgen::yaml::emit::emit_stream(picked.into_iter()));
}

fn expect_error(edit: impl Fn(&mut Value), want: &[&str]) {
    let mut v = fixture();
    edit(&mut v);
    let err = expand(&v).expect_err("should fail");
    for w in want {
        assert!(err.contains(w), "{err:?} does not contain {w:?}");
    }
}

#[test]
fn checks_of_the_new_fields() {
    expect_error(
        |v| v["spec"]["services"][2]["env"][1]["peers"]["service"] = json!("kafak"),
        &[
            "spec.services[2].env[1].peers.service",
            "did you mean \"kafka\"?",
        ],
    );
    expect_error(
        |v| v["spec"]["services"][2]["env"][1]["peers"] = json!({}),
        &["\"api\" is not a StatefulSet"],
    );
    expect_error(
        |v| v["spec"]["services"][0]["env"][0]["peers"]["format"] = json!("{hostname}:2888"),
        &["unknown placeholder {hostname}"],
    );
    expect_error(
        |v| v["spec"]["services"][2]["ports"][0]["peer"] = json!(true),
        &["spec.services[2].ports", "is a peer port"],
    );
    expect_error(
        |v| v["spec"]["services"][2]["egress"][0]["cidr"] = json!("10.0.0.0/8"),
        &[
            "spec.services[2].egress[0]",
            "exactly one of cidr and namespace",
        ],
    );
    expect_error(
        |v| v["spec"]["services"][2]["egress"][2]["cidr"] = json!("10.1.0.0"),
        &["spec.services[2].egress[2].cidr", "is not a CIDR"],
    );
    expect_error(
        |v| v["spec"]["monitoring"]["scraper"] = json!("kafka"),
        &["spec.monitoring", "exactly one of scraper"],
    );
    expect_error(
        |v| v["spec"]["ingress"]["sourceCidrs"] = json!(["10.225.0.0/33"]),
        &["spec.ingress.sourceCidrs[0]"],
    );
    expect_error(
        |v| v["spec"]["services"][2]["podLabels"] = json!({"app.kubernetes.io/name": "x"}),
        &["spec.services[2].podLabels", "stackgen's"],
    );
    expect_error(
        |v| v["spec"]["secrets"][0]["csi"]["keys"][2]["objectType"] = json!("certificate"),
        &["spec.secrets[0].csi.keys[2].objectType"],
    );
    expect_error(
        |v| v["spec"]["secrets"][0]["csi"]["keys"][0]["objectName"] = json!("db user"),
        &["spec.secrets[0].csi.keys[0].objectName"],
    );
}
