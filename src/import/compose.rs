//! `stackgen import compose`: a Docker Compose file to a starting Stack.
//!
//! The file is read with stackgen's own YAML reader (anchors, merge keys `<<`, bounded
//! against hostile input) into plain values, and mapped key by key:
//!
//! | Compose | Stack |
//! |---|---|
//! | `services.<name>` | a service: a StatefulSet when it has named volumes or runs a well-known data store image, else a Deployment; data stores go to layer `data`, the rest to `app` |
//! | `image`, `command`, `entrypoint`, `user` | `image`, `args`, `command`, `securityContext.runAsUser/runAsGroup` |
//! | `ports`, `expose` | `ports` (the container side; a published HTTP port becomes an Ingress with a placeholder host) |
//! | `environment` | `config` for plain values; names that look like credentials (and URLs with a password) become `env[].secret` references to `<service>-credentials`, the value is never copied |
//! | `secrets` | `spec.secrets` (`existing: true`) mounted where Compose mounts them (`/run/secrets`) |
//! | named volumes, `tmpfs`, anonymous volumes | `storage`: persistent (10Gi assumed), emptyDir (Memory), emptyDir |
//! | `depends_on` | `dependsOn` |
//! | `healthcheck` | liveness probe (readiness defaults to it): HTTP when the test curls localhost, exec otherwise |
//! | `deploy.replicas`, `deploy.resources`, `mem_limit`, `cpus` | `replicas`, `resources` |
//!
//! Host names of other services in values (`postgres`, `http://opensearch-node1:9200`) are
//! rewritten to their Service's cluster name, since layers are namespaces. Everything else
//! (`build` without `image`, `privileged`, host networking, bind mounts of host paths,
//! `ulimits`, `env_file`, ...) is reported with its path, not guessed. Nothing the file
//! refers to is read, built, fetched or run.
use std::collections::BTreeSet;
use std::sync::OnceLock;

use crate::value::{Map, Value};
use indexmap::IndexMap;
use regex::Regex;

use super::{Finding, Level};
use crate::error::{Error, Result};
use crate::stack::types::*;
use crate::validate::rules::policy_configmap_credential::is_credential_key;

/// A Stack and what could not be mapped.
#[derive(Debug)]
pub struct Imported {
    pub stack: Stack,
    pub findings: Vec<Finding>,
}

/// Images of data stores (last path segment, before the tag): StatefulSets in layer `data`.
const DATA_IMAGES: &[&str] = &[
    "postgres",
    "postgis",
    "mysql",
    "mariadb",
    "mongo",
    "redis",
    "valkey",
    "rabbitmq",
    "kafka",
    "cp-kafka",
    "zookeeper",
    "elasticsearch",
    "opensearch",
    "cassandra",
    "influxdb",
    "minio",
    "nats",
    "etcd",
    "clickhouse-server",
    "neo4j",
    "memcached",
];

/// User ids of well-known images whose default user is root or named, so that the
/// hardened `runAsNonRoot` can hold: (image name, alpine variant?, uid).
fn known_uid(repo: &str, tag: &str) -> Option<i64> {
    let base = repo.rsplit('/').next().unwrap_or(repo);
    Some(match base {
        "postgres" | "postgis" if tag.contains("alpine") => 70,
        "postgres" | "postgis" | "mongo" | "redis" | "valkey" | "rabbitmq" | "mysql"
        | "mariadb" => 999,
        "opensearch" | "elasticsearch" => 1000,
        "grafana" => 472,
        "prometheus" => 65534,
        _ => return None,
    })
}

fn dns(name: &str) -> String {
    let mut s = String::new();
    for c in name.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            s.push(c);
        } else if !s.ends_with('-') {
            s.push('-');
        }
    }
    let mut s = s.trim_matches('-').to_string();
    if s.is_empty() {
        s = "app".into();
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s.insert(0, 's');
    }
    s.truncate(63);
    s.trim_end_matches('-').to_string()
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// `1m30s`, `500ms`, `10s` → whole seconds (rounded up, at least 1).
fn duration_secs(s: &str) -> Option<u32> {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    let re = RE
        .get_or_init(|| Regex::new(r"([0-9]+(?:\.[0-9]+)?)(h|ms|us|µs|ns|m|s)").ok())
        .as_ref()?;
    let mut total = 0.0f64;
    let mut matched = 0;
    for c in re.captures_iter(s) {
        let n: f64 = c[1].parse().ok()?;
        matched += c[0].len();
        total += n * match &c[2] {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 1e-3,
            _ => 1e-6,
        };
    }
    if matched != s.trim().len() || matched == 0 {
        return None;
    }
    Some((total.ceil() as u32).max(1))
}

/// `512M` → `512Mi`, `1g` → `1Gi`, `1048576` → itself.
fn memory(s: &str) -> Option<String> {
    let t = s.trim().to_ascii_lowercase();
    let t = t.strip_suffix('b').unwrap_or(&t);
    let split = t
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    num.parse::<f64>().ok()?;
    let suffix = match unit {
        "" => "",
        "k" => "Ki",
        "m" => "Mi",
        "g" => "Gi",
        "t" => "Ti",
        _ => return None,
    };
    Some(format!("{num}{suffix}"))
}

/// `1.5` → `1500m`, `2` → `2`.
fn cpus(s: &str) -> Option<String> {
    let n: f64 = s.trim().parse().ok()?;
    if n <= 0.0 {
        return None;
    }
    let m = (n * 1000.0).round() as u64;
    Some(if m.is_multiple_of(1000) {
        (m / 1000).to_string()
    } else {
        format!("{m}m")
    })
}

/// A command written as one string: split like a shell would when it is a plain word list,
/// else run it with `sh -c`.
fn command(v: &Value) -> Vec<String> {
    match v {
        Value::Array(a) => a.iter().filter_map(scalar).collect(),
        Value::String(s) => {
            if s.contains(['|', '&', ';', '$', '>', '<', '`', '(', '*']) {
                vec!["sh".into(), "-c".into(), s.clone()]
            } else {
                split_words(s)
            }
        }
        _ => Vec::new(),
    }
}

fn split_words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut any = false;
    for c in s.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => cur.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                any = true;
            }
            (None, c) if c.is_whitespace() => {
                if !cur.is_empty() || any {
                    out.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            (None, c) => cur.push(c),
        }
    }
    if !cur.is_empty() || any {
        out.push(cur);
    }
    out
}

fn is_http(port: u16) -> bool {
    matches!(
        port,
        80 | 3000 | 4000 | 5000 | 8000..=8099 | 8888 | 9000 | 9090
    )
}

fn port_name(port: u16, proto: Protocol, taken: &[String]) -> String {
    let well_known = match port {
        80 | 8080 => "http",
        443 | 8443 => "https",
        5432 => "postgres",
        3306 => "mysql",
        27017 => "mongodb",
        6379 => "redis",
        5672 => "amqp",
        15672 => "management",
        15692 => "prometheus",
        9200 => "http",
        9300 => "transport",
        9600 => "perf-analyzer",
        9092 => "kafka",
        2181 => "zookeeper",
        4222 => "nats",
        p if is_http(p) => "http",
        _ => "",
    };
    let proto_s = if proto == Protocol::Udp { "udp" } else { "tcp" };
    for cand in [well_known.to_string(), format!("{proto_s}-{port}")] {
        if !cand.is_empty() && !taken.contains(&cand) {
            return cand;
        }
    }
    format!("p{port}")
}

fn credential_url(v: &str) -> bool {
    static RE: OnceLock<Option<Regex>> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"://[^/\s:@]+:[^/\s@]+@").ok())
        .as_ref()
        .is_some_and(|re| re.is_match(v))
}

/// A variable that holds a credential: the validator's notion (`*PASSWORD*`, `*TOKEN*`,
/// `*SECRET*`, API keys, ...) plus the short forms Compose files use (`RABBITMQ_DEFAULT_PASS`,
/// `DB_PWD`, `ENCRYPTION_KEY`).
fn looks_like_credential(var: &str) -> bool {
    if var.to_ascii_uppercase().ends_with("_FILE") {
        return false;
    }
    let last = var
        .rsplit(['_', '.', '-'])
        .next()
        .unwrap_or(var)
        .to_ascii_lowercase();
    is_credential_key(var) || matches!(last.as_str(), "pass" | "pwd" | "key" | "passphrase")
}

/// A variable whose value names hosts (`DB_HOST`, `BROKER_URL`, `discovery.seed_hosts`).
fn names_hosts(var: &str) -> bool {
    let u = var.to_ascii_uppercase();
    [
        "HOST", "ADDR", "SERVER", "ENDPOINT", "URL", "URI", "BROKER", "DSN",
    ]
    .iter()
    .any(|w| u.contains(w))
}

fn key_of(var: &str) -> String {
    var.to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect::<String>()
        .trim_matches('-')
        .to_string()
}

struct Cx {
    findings: Vec<Finding>,
    /// compose name → (stack name, namespace)
    names: IndexMap<String, (String, String)>,
    /// compose secret → stack secret
    secrets: IndexMap<String, String>,
    stack_secrets: Vec<SecretRef>,
}

impl Cx {
    fn warn(&mut self, path: impl Into<String>, msg: impl Into<String>) {
        self.findings.push(Finding {
            level: Level::Warning,
            path: path.into(),
            message: msg.into(),
        });
    }

    fn note(&mut self, path: impl Into<String>, msg: impl Into<String>) {
        self.findings.push(Finding {
            level: Level::Note,
            path: path.into(),
            message: msg.into(),
        });
    }

    /// Rewrites other services' Compose host names in a value to their cluster names: in
    /// URLs (`http://db:5432`, `user@db`) always, and whole values or comma-separated items
    /// (`db`, `db:5432`) when the variable names hosts.
    fn rewrite_hosts(&self, var: &str, v: &str) -> String {
        let fqdn_of = |orig: &str| {
            self.names
                .get(orig)
                .map(|(name, ns)| format!("{name}.{ns}.svc.cluster.local"))
        };
        let mut out = if names_hosts(var) {
            v.split(',')
                .map(|item| {
                    let t = item.trim();
                    let (host, port) = match t.rsplit_once(':') {
                        Some((h, p)) if p.chars().all(|c| c.is_ascii_digit()) => (h, Some(p)),
                        _ => (t, None),
                    };
                    match (fqdn_of(host), port) {
                        (Some(f), Some(p)) => item.replace(t, &format!("{f}:{p}")),
                        (Some(f), None) => item.replace(t, &f),
                        (None, _) => item.to_string(),
                    }
                })
                .collect::<Vec<_>>()
                .join(",")
        } else {
            v.to_string()
        };
        let mut names: Vec<(&String, &(String, String))> = self.names.iter().collect();
        names.sort_by_key(|(n, _)| std::cmp::Reverse(n.len()));
        for (orig, (name, ns)) in names {
            let fqdn = format!("{name}.{ns}.svc.cluster.local");
            let Ok(re) = Regex::new(&format!(r"([/@]){}([:/]|$)", regex::escape(orig))) else {
                continue;
            };
            out = re
                .replace_all(&out, |c: &regex::Captures<'_>| {
                    format!("{}{fqdn}{}", &c[1], &c[2])
                })
                .into_owned();
        }
        out
    }
}

fn image_parts(image: &str) -> (&str, Option<&str>) {
    let no_digest = image.split('@').next().unwrap_or(image);
    let last = no_digest.rfind('/').map_or(0, |i| i + 1);
    match no_digest[last..].rfind(':') {
        Some(i) => (&no_digest[..last + i], Some(&no_digest[last + i + 1..])),
        None => (no_digest, None),
    }
}

fn is_data_image(image: &str) -> bool {
    let (repo, _) = image_parts(image);
    let base = repo.rsplit('/').next().unwrap_or(repo);
    DATA_IMAGES.contains(&base)
}

/// Imports a Compose file. `file` names it in messages; `name` overrides the stack's name.
pub fn import(bytes: &[u8], file: &str, name: Option<&str>) -> Result<Imported> {
    let text = crate::yaml::decode_utf8(bytes).map_err(|e| Error::from(e).in_file(file))?;
    let doc = crate::yaml::parse_one(text).map_err(|e| Error::from(e).in_file(file))?;
    let Some(top) = doc.as_object() else {
        return Err(Error::msg("not a Compose file: the document is not a mapping").in_file(file));
    };
    let Some(services) = top.get("services").and_then(Value::as_object) else {
        return Err(Error::msg("not a Compose file: no `services` mapping")
            .in_file(file)
            .at_field("services"));
    };
    let stack_name = dns(name
        .map(str::to_string)
        .or_else(|| top.get("name").and_then(scalar))
        .or_else(|| {
            std::path::Path::new(file)
                .canonicalize()
                .ok()
                .and_then(|p| {
                    p.parent()
                        .and_then(|d| d.file_name())
                        .map(|d| d.to_string_lossy().into_owned())
                })
        })
        .unwrap_or_else(|| "app".into())
        .as_str());
    let mut cx = Cx {
        findings: Vec::new(),
        names: IndexMap::new(),
        secrets: IndexMap::new(),
        stack_secrets: Vec::new(),
    };
    for (k, v) in top {
        match k.as_str() {
            "services" | "volumes" | "secrets" | "name" => {}
            "version" => cx.note("version", "obsolete in the Compose specification: ignored"),
            "networks" => cx.note(
                "networks",
                "ignored: each layer is a namespace and NetworkPolicies allow exactly the dependsOn edges",
            ),
            "configs" => cx.warn(
                "configs",
                "not mapped (the files are not read): put their contents in the services' configFiles",
            ),
            k if k.starts_with("x-") => {}
            k => cx.warn(k, format!("top-level {k:?} is not mapped")),
        }
        let _ = v;
    }

    // Names and layers first: values refer to other services by name.
    let ns_of = |layer: &str| format!("{stack_name}-{layer}");
    let mut taken: BTreeSet<String> = BTreeSet::new();
    for (orig, v) in services {
        let mut n = dns(orig);
        let mut i = 2;
        while taken.contains(&n) {
            n = format!("{}-{i}", dns(orig));
            i += 1;
        }
        taken.insert(n.clone());
        if n != *orig {
            cx.note(
                format!("services.{orig}"),
                format!("named {n:?} (Kubernetes names are lower-case DNS labels)"),
            );
        }
        let image = v.get("image").and_then(Value::as_str).unwrap_or("");
        let layer = if is_data_image(image) { "data" } else { "app" };
        cx.names.insert(orig.clone(), (n, ns_of(layer)));
    }

    // Top-level secrets: by reference, never read.
    if let Some(secrets) = top.get("secrets").and_then(Value::as_object) {
        for (orig, def) in secrets {
            let n = dns(orig);
            let how = if let Some(f) = def.get("file").and_then(Value::as_str) {
                format!("its file {f} is not read")
            } else if let Some(e) = def.get("environment").and_then(Value::as_str) {
                format!("its value comes from ${e} on the host")
            } else {
                "external".into()
            };
            cx.warn(
                format!("secrets.{orig}"),
                format!(
                    "{how}: declared as Secret {n:?} (`existing: true`) holding key {orig:?}; create it by reference (a SOPS-encrypted SopsSecret, an ExternalSecret), never from a plain file in the repository"
                ),
            );
            cx.secrets.insert(orig.clone(), n.clone());
            cx.stack_secrets.push(SecretRef {
                name: n,
                existing: Some(true),
                ..SecretRef::default()
            });
        }
    }

    let mut out_services = Vec::new();
    let mut layers_used: Vec<&str> = Vec::new();
    for (orig, v) in services {
        let Some(m) = v.as_object() else {
            cx.warn(format!("services.{orig}"), "not a mapping: skipped");
            continue;
        };
        let s = service(&mut cx, orig, m, top, &stack_name);
        let layer = if s.layer == "data" { "data" } else { "app" };
        if !layers_used.contains(&layer) {
            layers_used.push(layer);
        }
        out_services.push(s);
    }
    suggest_clusters(&mut cx, services);

    let layers = ["app", "data"]
        .iter()
        .filter(|l| layers_used.contains(l))
        .map(|l| Layer {
            name: (*l).to_string(),
            namespace: Some(ns_of(l)),
            ..Layer::default()
        })
        .collect();
    let stack = Stack {
        api_version: crate::stack::API_VERSION.into(),
        kind: crate::stack::KIND.into(),
        metadata: StackMeta {
            name: stack_name,
            ..StackMeta::default()
        },
        spec: StackSpec {
            layers,
            secrets: std::mem::take(&mut cx.stack_secrets),
            services: out_services,
            ..StackSpec::default()
        },
    };
    Ok(Imported {
        stack,
        findings: cx.findings,
    })
}

/// Services that look like members of one cluster (same image, names that differ only
/// in a trailing number): say that a StatefulSet with replicas is the Kubernetes way.
fn suggest_clusters(cx: &mut Cx, services: &Map<String, Value>) {
    let mut groups: IndexMap<(String, String), Vec<&str>> = IndexMap::new();
    for (n, v) in services {
        let Some(image) = v.get("image").and_then(Value::as_str) else {
            continue;
        };
        let stem = n.trim_end_matches(|c: char| c.is_ascii_digit());
        if stem.len() < n.len() {
            groups
                .entry((stem.to_string(), image.to_string()))
                .or_default()
                .push(n);
        }
    }
    for ((stem, _), members) in groups {
        if members.len() > 1 {
            cx.note(
                format!("services.{}", members.join(",")),
                format!(
                    "{} look like members of one cluster: make them one StatefulSet {:?} with replicas: {} and cluster.peerEnv for the member lists (see docs/stack.md)",
                    members.join(", "),
                    dns(stem.trim_end_matches(['-', '_', '.'])),
                    members.len()
                ),
            );
        }
    }
}

fn service(
    cx: &mut Cx,
    orig: &str,
    m: &Map<String, Value>,
    top: &Map<String, Value>,
    stack: &str,
) -> Service {
    let p = format!("services.{orig}");
    let (name, _) = cx
        .names
        .get(orig)
        .cloned()
        .unwrap_or_else(|| (dns(orig), String::new()));
    let mut s = Service {
        name: name.clone(),
        layer: "app".into(),
        ..Service::default()
    };

    // Image.
    let image = m.get("image").and_then(Value::as_str);
    match (image, m.get("build")) {
        (Some(i), Some(_)) => {
            s.image = i.to_string();
            cx.note(
                format!("{p}.build"),
                format!("ignored: the image {i} is what runs"),
            );
        }
        (Some(i), None) => s.image = i.to_string(),
        (None, Some(_)) => {
            s.image = format!("registry.example.com/{stack}/{name}:0.1.0");
            cx.warn(
                format!("{p}.build"),
                format!(
                    "build without image: build and push the image, then set image (placeholder {})",
                    s.image
                ),
            );
        }
        (None, None) => {
            s.image = format!("registry.example.com/{stack}/{name}:0.1.0");
            cx.warn(&p, format!("no image: placeholder {}", s.image));
        }
    }
    let image_full = s.image.clone();
    let (repo, tag) = image_parts(&image_full);
    match tag {
        None if !s.image.contains('@') => cx.warn(
            format!("{p}.image"),
            format!("{} has no tag (it pulls :latest): pin a version", s.image),
        ),
        Some(t) if t.starts_with("latest") => cx.warn(
            format!("{p}.image"),
            format!(
                "{} uses the mutable tag {t:?}: pin a version (production refuses :latest)",
                s.image
            ),
        ),
        _ => {}
    }
    let data = is_data_image(&s.image);
    if data {
        s.layer = "data".into();
    }

    // Ports.
    let mut published: Vec<(u16, String)> = Vec::new();
    let add_port = |s: &mut Service, port: u16, proto: Protocol| -> String {
        if let Some(x) = s.ports.iter().find(|x| x.port == port) {
            return x.name.clone();
        }
        let taken: Vec<String> = s.ports.iter().map(|x| x.name.clone()).collect();
        let name = port_name(port, proto, &taken);
        s.ports.push(Port {
            name: name.clone(),
            port,
            protocol: (proto != Protocol::Tcp).then_some(proto),
            node_port: None,
            peer: None,
        });
        name
    };
    if let Some(ports) = m.get("ports").and_then(Value::as_array) {
        for (i, pv) in ports.iter().enumerate() {
            let pp = format!("{p}.ports[{i}]");
            match parse_port(pv) {
                Ok(list) => {
                    for (port, proto, host) in list {
                        let n = add_port(&mut s, port, proto);
                        if host {
                            published.push((port, n));
                        }
                    }
                }
                Err(msg) => cx.warn(pp, msg),
            }
        }
    }
    if let Some(expose) = m.get("expose").and_then(Value::as_array) {
        for (i, pv) in expose.iter().enumerate() {
            match parse_port(pv) {
                Ok(list) => {
                    for (port, proto, _) in list {
                        add_port(&mut s, port, proto);
                    }
                }
                Err(msg) => cx.warn(format!("{p}.expose[{i}]"), msg),
            }
        }
    }
    if let Some((port, pname)) = published.first().cloned() {
        if !data && (is_http(port) || pname == "http") {
            s.expose = Some(Expose {
                type_: None,
                ingress: Some(Ingress {
                    hosts: vec![format!("{name}.example.com")],
                    paths: vec![IngressPath {
                        path: "/".into(),
                        path_type: None,
                        port: Some(pname.clone()),
                    }],
                    ..Ingress::default()
                }),
            });
            cx.note(
                format!("{p}.ports"),
                format!(
                    "port {port} published on the host: an Ingress with the placeholder host {name}.example.com (a NodePort in kind); set the real host"
                ),
            );
        } else {
            let list: Vec<String> = published.iter().map(|(n, _)| n.to_string()).collect();
            cx.note(
                format!("{p}.ports"),
                format!(
                    "port(s) {} published on the host for local access: not exposed outside the cluster (kubectl port-forward)",
                    list.join(", ")
                ),
            );
        }
    }

    // Secrets mounted like Compose does (/run/secrets/<name>); with several, one directory
    // each (and `*_FILE` variables follow).
    let mut secret_paths: IndexMap<String, String> = IndexMap::new();
    if let Some(list) = m.get("secrets").and_then(Value::as_array) {
        let used: Vec<(String, String)> = list
            .iter()
            .filter_map(|x| {
                x.as_str()
                    .map(str::to_string)
                    .or_else(|| x.get("source").and_then(scalar))
            })
            .filter_map(|orig| cx.secrets.get(&orig).map(|n| (orig, n.clone())))
            .collect();
        for (orig, n) in &used {
            let mount = if used.len() == 1 {
                "/run/secrets".to_string()
            } else {
                format!("/run/secrets/{n}")
            };
            secret_paths.insert(format!("/run/secrets/{orig}"), format!("{mount}/{orig}"));
            if used.len() > 1 {
                cx.note(
                    format!("{p}.secrets"),
                    format!("secret {orig} is the file {mount}/{orig} (one directory per Secret)"),
                );
            }
            s.secret_files.push(SecretFiles {
                secret: n.clone(),
                mount_path: mount,
            });
        }
    }

    // Environment.
    let mut secret_keys: Vec<String> = Vec::new();
    let cred_secret = format!("{name}-credentials");
    if let Some(env) = m.get("environment") {
        let pairs: Vec<(String, Option<String>)> = match env {
            Value::Object(o) => o.iter().map(|(k, v)| (k.clone(), scalar(v))).collect(),
            Value::Array(a) => a
                .iter()
                .filter_map(scalar)
                .map(|e| match e.split_once('=') {
                    Some((k, v)) => (k.to_string(), Some(v.to_string())),
                    None => (e, None),
                })
                .collect(),
            _ => Vec::new(),
        };
        for (k, v) in pairs {
            let ep = format!("{p}.environment.{k}");
            let Some(v) = v else {
                cx.warn(
                    ep,
                    "taken from the host's environment when Compose runs: no value to map",
                );
                continue;
            };
            if looks_like_credential(&k) || credential_url(&v) {
                let key = key_of(&k);
                let why = if looks_like_credential(&k) {
                    "a credential"
                } else {
                    "a URL with a password"
                };
                cx.warn(
                    ep,
                    format!(
                        "{why}: now a reference to key {key:?} of Secret {cred_secret:?} (`existing: true`); the value was not copied: store it by reference"
                    ),
                );
                secret_keys.push(key.clone());
                s.env.push(EnvVar {
                    name: k,
                    secret: Some(KeyRef {
                        name: cred_secret.clone(),
                        key,
                    }),
                    ..EnvVar::default()
                });
                continue;
            }
            let val = match secret_paths.get(&v) {
                Some(path) => path.clone(),
                None => cx.rewrite_hosts(&k, &v),
            };
            if val != v {
                let why = if secret_paths.contains_key(&v) {
                    "where the Secret is mounted"
                } else {
                    "other services by their cluster names (layers are namespaces)"
                };
                cx.note(ep.clone(), format!("{v:?} becomes {val:?}: {why}"));
            }
            if val.contains("localhost") || val.contains("127.0.0.1") {
                cx.note(
                    ep.clone(),
                    "names localhost: in a pod that is the pod itself (a browser-side URL needs the public host)",
                );
            }
            if val.contains('$') {
                cx.warn(
                    ep,
                    "interpolated from the host's environment or .env by Compose: kept as written, set the value",
                );
            }
            s.config.insert(k, StrLike(val));
        }
    }
    if !secret_keys.is_empty() && !cx.stack_secrets.iter().any(|x| x.name == cred_secret) {
        cx.stack_secrets.push(SecretRef {
            name: cred_secret.clone(),
            existing: Some(true),
            ..SecretRef::default()
        });
    }
    if m.contains_key("env_file") {
        cx.warn(
            format!("{p}.env_file"),
            "not read (it may hold credentials): put its settings in config and its credentials in secrets",
        );
    }

    // Storage.
    let mut named = false;
    let mut vol_names: Vec<String> = Vec::new();
    let mut add_vol = |s: &mut Service, base: &str, v: Volume| {
        let mut n = dns(base);
        let mut i = 2;
        while vol_names.contains(&n) || n == "config-files" {
            n = format!("{}-{i}", dns(base));
            i += 1;
        }
        vol_names.push(n.clone());
        s.storage.push(Volume { name: n, ..v });
    };
    if let Some(vols) = m.get("volumes").and_then(Value::as_array) {
        for (i, vv) in vols.iter().enumerate() {
            let vp = format!("{p}.volumes[{i}]");
            let (kind, source, target, ro) = match vv {
                Value::String(sv) => {
                    let parts: Vec<&str> = sv.split(':').collect();
                    match parts.as_slice() {
                        [t] => ("anonymous", String::new(), t.to_string(), false),
                        [src, t] => (vol_kind(src), src.to_string(), t.to_string(), false),
                        [src, t, mode, ..] => (
                            vol_kind(src),
                            src.to_string(),
                            t.to_string(),
                            mode.split(',').any(|x| x == "ro"),
                        ),
                        [] => continue,
                    }
                }
                Value::Object(o) => {
                    let t = o.get("target").and_then(scalar).unwrap_or_default();
                    let src = o.get("source").and_then(scalar).unwrap_or_default();
                    let kind = match o.get("type").and_then(Value::as_str) {
                        Some("bind") => "bind",
                        Some("tmpfs") => "tmpfs",
                        _ if src.is_empty() => "anonymous",
                        _ => "volume",
                    };
                    let ro = o.get("read_only").and_then(Value::as_bool).unwrap_or(false);
                    (kind, src, t, ro)
                }
                _ => continue,
            };
            match kind {
                "volume" => {
                    named = true;
                    if top
                        .get("volumes")
                        .and_then(|vs| vs.get(&source))
                        .is_some_and(|d| d.get("external").and_then(Value::as_bool) == Some(true))
                    {
                        cx.warn(&vp, format!("external volume {source}: its data is not moved; a new claim is made"));
                    }
                    cx.note(
                        &vp,
                        format!("named volume {source}: a persistent claim of 10Gi (assumed: set the size)"),
                    );
                    add_vol(
                        &mut s,
                        &source,
                        Volume {
                            mount_path: Some(target),
                            read_only: ro.then_some(true),
                            persistent: Some(Persistent {
                                size: Quantity("10Gi".into()),
                                ..Persistent::default()
                            }),
                            ..Volume::default()
                        },
                    );
                }
                "tmpfs" | "anonymous" => add_vol(
                    &mut s,
                    target
                        .rsplit('/')
                        .find(|x| !x.is_empty())
                        .unwrap_or("scratch"),
                    Volume {
                        mount_path: Some(target.clone()),
                        empty_dir: Some(EmptyDir {
                            medium: (kind == "tmpfs").then(|| "Memory".to_string()),
                            size_limit: None,
                        }),
                        ..Volume::default()
                    },
                ),
                _ => {
                    let msg = if source.ends_with("docker.sock") {
                        format!(
                            "bind mount of the Docker socket {source}: not mapped (root on the host; a cluster has no Docker daemon to talk to)"
                        )
                    } else if ro && source.rsplit('/').next().is_some_and(|f| f.contains('.')) {
                        format!(
                            "bind mount of the host file {source}: not mapped (not read); put its content in configFiles at {target}"
                        )
                    } else {
                        format!(
                            "bind mount of the host path {source}: not mapped; configFiles for configuration, a volume (persistent or emptyDir) for data, hostPath only with the kind profile"
                        )
                    };
                    cx.warn(&vp, msg);
                }
            }
        }
    }
    if let Some(t) = m.get("tmpfs") {
        let list: Vec<String> = match t {
            Value::Array(a) => a.iter().filter_map(scalar).collect(),
            v => scalar(v).into_iter().collect(),
        };
        for target in list {
            let target = target.split(':').next().unwrap_or("").to_string();
            add_vol(
                &mut s,
                target
                    .rsplit('/')
                    .find(|x| !x.is_empty())
                    .unwrap_or("tmpfs"),
                Volume {
                    mount_path: Some(target.clone()),
                    empty_dir: Some(EmptyDir {
                        medium: Some("Memory".into()),
                        size_limit: None,
                    }),
                    ..Volume::default()
                },
            );
        }
    }
    if !s
        .storage
        .iter()
        .any(|v| v.mount_path.as_deref() == Some("/tmp"))
    {
        // The root filesystem is read-only: most programs still want a writable /tmp.
        add_vol(
            &mut s,
            "tmp",
            Volume {
                mount_path: Some("/tmp".into()),
                empty_dir: Some(EmptyDir::default()),
                ..Volume::default()
            },
        );
    }
    if named || data {
        s.kind = WorkloadKind::StatefulSet;
        if named && !data {
            cx.note(&p, "named volumes: a StatefulSet (one claim per replica)");
        }
    }

    // Commands, user.
    if let Some(c) = m.get("command") {
        s.args = command(c);
    }
    if let Some(c) = m.get("entrypoint") {
        s.command = command(c);
    }
    let mut sc = SecurityContext::default();
    if let Some(u) = m.get("user").and_then(scalar) {
        let (uid, gid) = match u.split_once(':') {
            Some((a, b)) => (a.to_string(), Some(b.to_string())),
            None => (u.clone(), None),
        };
        match (uid.parse::<i64>(), gid.as_deref().map(str::parse::<i64>)) {
            (Ok(uid), None) => sc.run_as_user = Some(uid),
            (Ok(uid), Some(Ok(g))) => {
                sc.run_as_user = Some(uid);
                sc.run_as_group = Some(g);
            }
            _ => cx.warn(
                format!("{p}.user"),
                format!("{u:?} is not numeric: runAsNonRoot needs a user id"),
            ),
        }
    } else if let Some(uid) = known_uid(repo, tag.unwrap_or("")) {
        sc.run_as_user = Some(uid);
        sc.run_as_group = Some(uid);
        sc.fs_group = Some(uid);
        cx.note(
            &p,
            format!("runs as user {uid}, the {repo} image's own (the hardened containers never run as root)"),
        );
    }
    if sc.run_as_user == Some(0) {
        cx.warn(
            format!("{p}.user"),
            "root: not mapped (runAsUser 0 needs a P008 policy exception with its reason)",
        );
        sc.run_as_user = None;
        sc.run_as_group = None;
    }
    if let Some(caps) = m.get("cap_add").and_then(Value::as_array) {
        for c in caps.iter().filter_map(Value::as_str) {
            let c = c.trim_start_matches("CAP_").to_string();
            if c == "NET_BIND_SERVICE" {
                sc.add_capabilities.push(c);
            } else {
                cx.warn(
                    format!("{p}.cap_add"),
                    format!("{c}: not mapped (the restricted Pod Security level allows only NET_BIND_SERVICE)"),
                );
            }
        }
    }
    if sc.run_as_user.is_some() || !sc.add_capabilities.is_empty() {
        s.security_context = Some(sc);
    }

    // Probes.
    if let Some(h) = m.get("healthcheck").and_then(Value::as_object)
        && let Some(probe) = healthcheck(cx, &format!("{p}.healthcheck"), h, &s.ports)
    {
        s.probes = Some(Probes {
            liveness: Some(probe),
            ..Probes::default()
        });
    }

    // Dependencies.
    let deps: Vec<(String, Option<String>)> = match m.get("depends_on") {
        Some(Value::Array(a)) => a.iter().filter_map(scalar).map(|d| (d, None)).collect(),
        Some(Value::Object(o)) => o
            .iter()
            .map(|(d, c)| (d.clone(), c.get("condition").and_then(scalar)))
            .collect(),
        _ => Vec::new(),
    };
    let mut conditions = Vec::new();
    for (d, cond) in deps {
        match cx.names.get(&d) {
            Some((n, _)) => {
                if !s.depends_on.contains(n) {
                    s.depends_on.push(n.clone());
                }
            }
            None => cx.warn(
                format!("{p}.depends_on"),
                format!("{d} is not a service of this file"),
            ),
        }
        if let Some(c) = cond.filter(|c| c != "service_started") {
            conditions.push(format!("{d}: {c}"));
        }
    }
    if !conditions.is_empty() {
        cx.note(
            format!("{p}.depends_on"),
            format!(
                "start conditions ({}) are not ordering in Kubernetes: the dependencies' readiness probes gate traffic, and the service must retry until they are ready",
                conditions.join(", ")
            ),
        );
    }

    // Scale and resources.
    let deploy = m.get("deploy");
    if let Some(r) = deploy
        .and_then(|d| d.get("replicas"))
        .and_then(Value::as_u64)
    {
        s.replicas = u32::try_from(r).ok();
    }
    let mut res = Resources::default();
    let lim = deploy.and_then(|d| d.pointer("/resources/limits"));
    let rq = deploy.and_then(|d| d.pointer("/resources/reservations"));
    let pick = |v: Option<&Value>, k: &str| v.and_then(|x| x.get(k)).and_then(scalar);
    let limits = ResourceList {
        cpu: pick(lim, "cpus")
            .or_else(|| m.get("cpus").and_then(scalar))
            .and_then(|c| cpus(&c))
            .map(Quantity),
        memory: pick(lim, "memory")
            .or_else(|| m.get("mem_limit").and_then(scalar))
            .and_then(|x| memory(&x))
            .map(Quantity),
    };
    let requests = ResourceList {
        cpu: pick(rq, "cpus").and_then(|c| cpus(&c)).map(Quantity),
        memory: pick(rq, "memory")
            .or_else(|| m.get("mem_reservation").and_then(scalar))
            .and_then(|x| memory(&x))
            .map(Quantity),
    };
    if limits.cpu.is_some() || limits.memory.is_some() {
        res.limits = Some(limits);
    }
    if requests.cpu.is_some() || requests.memory.is_some() {
        res.requests = Some(requests);
    }
    if res.limits.is_some() || res.requests.is_some() {
        s.resources = Some(res);
    }
    if let Some(g) = m.get("stop_grace_period").and_then(Value::as_str) {
        s.termination_grace_period_seconds = duration_secs(g);
    }

    // What is not mapped.
    for (k, v) in m {
        let kp = format!("{p}.{k}");
        match k.as_str() {
            "image" | "build" | "ports" | "expose" | "environment" | "env_file" | "secrets"
            | "volumes" | "tmpfs" | "command" | "entrypoint" | "user" | "cap_add"
            | "healthcheck" | "depends_on" | "cpus" | "mem_limit" | "mem_reservation"
            | "stop_grace_period" | "stdin_open" | "tty" | "read_only" => {}
            "deploy" => {
                for dk in v.as_object().map(|o| o.keys().cloned().collect::<Vec<_>>()).unwrap_or_default() {
                    if dk != "replicas" && dk != "resources" {
                        cx.warn(format!("{kp}.{dk}"), "not mapped");
                    }
                }
            }
            "privileged" if v.as_bool() == Some(true) => cx.warn(
                kp,
                "privileged: not mapped; the Stack's containers are hardened. If it is truly needed, set securityContext.privileged with a P008 policy exception saying why (and a privileged layer)",
            ),
            "privileged" => {}
            "network_mode" => cx.warn(
                kp,
                format!(
                    "network_mode {}: not mapped (pods have their own network; host networking is refused by the Pod Security levels the Stack enforces)",
                    scalar(v).unwrap_or_default()
                ),
            ),
            "networks" => cx.note(kp, "ignored: namespaces and NetworkPolicies instead"),
            "ulimits" => cx.warn(
                kp,
                "not mapped: Kubernetes sets no per-container ulimits (the node's apply); e.g. turn off memory locking instead of raising memlock",
            ),
            "sysctls" => cx.warn(kp, "not mapped: namespaced sysctls need the pod's securityContext.sysctls, others a node setting"),
            "restart" => {
                let r = scalar(v).unwrap_or_default();
                if r == "no" || r.starts_with("on-failure") {
                    cx.note(kp, format!("restart {r}: long-running workloads always restart; a run-once task is a Job"));
                }
            }
            "container_name" | "hostname" => cx.note(kp, format!("ignored: the Service name is {name}")),
            "labels" => cx.note(kp, "ignored: the Stack labels everything it generates"),
            "configs" => cx.warn(kp, "not mapped (the files are not read): put their contents in configFiles"),
            k if k.starts_with("x-") => {}
            _ => cx.warn(kp, "not mapped"),
        }
    }
    s
}

fn vol_kind(src: &str) -> &'static str {
    if src.starts_with(['.', '/', '~', '$']) || src.contains('/') {
        "bind"
    } else {
        "volume"
    }
}

/// A short or long Compose port: the container ports (expanded ranges), their protocol and
/// whether the port is published on the host.
fn parse_port(v: &Value) -> std::result::Result<Vec<(u16, Protocol, bool)>, String> {
    let proto_of = |s: &str| match s.to_ascii_lowercase().as_str() {
        "udp" => Ok(Protocol::Udp),
        "sctp" => Ok(Protocol::Sctp),
        "tcp" | "" => Ok(Protocol::Tcp),
        p => Err(format!("protocol {p:?} is not mapped")),
    };
    match v {
        Value::Number(n) => n
            .as_u64()
            .and_then(|n| u16::try_from(n).ok())
            .filter(|n| *n > 0)
            .map(|n| vec![(n, Protocol::Tcp, false)])
            .ok_or_else(|| format!("{n} is not a port")),
        Value::String(s) => {
            let (spec, proto) = match s.split_once('/') {
                Some((a, b)) => (a, proto_of(b)?),
                None => (s.as_str(), Protocol::Tcp),
            };
            let (host, container) = match spec.rsplit_once(':') {
                Some((h, c)) => (!h.rsplit(':').next().unwrap_or("").is_empty(), c),
                None => (false, spec),
            };
            let range: Vec<u16> = match container.split_once('-') {
                Some((a, b)) => {
                    let (a, b) = (
                        a.parse::<u16>()
                            .map_err(|_| format!("{s:?} is not a port"))?,
                        b.parse::<u16>()
                            .map_err(|_| format!("{s:?} is not a port"))?,
                    );
                    if b < a || b - a >= 16 {
                        return Err(format!(
                            "port range {container} is not mapped: list the ports"
                        ));
                    }
                    (a..=b).collect()
                }
                None => vec![
                    container
                        .parse::<u16>()
                        .map_err(|_| format!("{s:?} is not a port"))?,
                ],
            };
            if range.contains(&0) {
                return Err(format!("{s:?} is not a port"));
            }
            Ok(range.into_iter().map(|p| (p, proto, host)).collect())
        }
        Value::Object(o) => {
            let target = o
                .get("target")
                .and_then(scalar)
                .and_then(|t| t.parse::<u16>().ok())
                .filter(|t| *t > 0)
                .ok_or("a long-syntax port needs a target")?;
            let proto = proto_of(&o.get("protocol").and_then(scalar).unwrap_or_default())?;
            Ok(vec![(target, proto, o.get("published").is_some())])
        }
        _ => Err("not a port".into()),
    }
}

fn healthcheck(cx: &mut Cx, p: &str, h: &Map<String, Value>, ports: &[Port]) -> Option<Probe> {
    if h.get("disable").and_then(Value::as_bool) == Some(true) {
        cx.note(p, "disabled: no probe");
        return None;
    }
    let test: Vec<String> = match h.get("test")? {
        Value::Array(a) => a.iter().filter_map(scalar).collect(),
        Value::String(s) => vec!["CMD-SHELL".into(), s.clone()],
        _ => return None,
    };
    let exec: Vec<String> = match test.split_first() {
        Some((first, rest)) if first == "CMD" => rest.to_vec(),
        Some((first, rest)) if first == "CMD-SHELL" => {
            vec!["sh".into(), "-c".into(), rest.join(" ")]
        }
        Some((first, _)) if first == "NONE" => return None,
        _ => test.clone(),
    };
    let mut probe = Probe::default();
    static HTTP: OnceLock<Option<Regex>> = OnceLock::new();
    let joined = exec.join(" ");
    let http = HTTP
        .get_or_init(|| {
            Regex::new(r#"(?:curl|wget)\b[^|;&]*?https?://(?:localhost|127\.0\.0\.1)(?::([0-9]+))?(/[^\s"'|;&]*)?"#).ok()
        })
        .as_ref()
        .and_then(|re| re.captures(&joined));
    match http {
        Some(c) => {
            let port = c
                .get(1)
                .and_then(|x| x.as_str().parse::<u16>().ok())
                .unwrap_or(80);
            probe.http = Some(c.get(2).map_or("/", |x| x.as_str()).to_string());
            probe.port = Some(match ports.iter().find(|x| x.port == port) {
                Some(x) => IntOrString::Str(x.name.clone()),
                None => IntOrString::Int(i64::from(port)),
            });
            cx.note(
                format!("{p}.test"),
                format!(
                    "curls localhost: an HTTP probe of {} on port {port} (no curl needed in the image)",
                    probe.http.as_deref().unwrap_or("/")
                ),
            );
        }
        None => probe.exec = exec,
    }
    probe.period_seconds = h
        .get("interval")
        .and_then(Value::as_str)
        .and_then(duration_secs);
    if let Some(t) = h
        .get("timeout")
        .and_then(Value::as_str)
        .and_then(duration_secs)
    {
        if t > 5 {
            cx.note(
                format!("{p}.timeout"),
                format!("{t}s lowered to 5s (policy P005: a slow check should be fixed, not waited for); failureThreshold tolerates slowness"),
            );
            probe.timeout_seconds = Some(5);
        } else {
            probe.timeout_seconds = Some(t);
        }
    }
    probe.failure_threshold = h
        .get("retries")
        .and_then(Value::as_u64)
        .and_then(|r| u32::try_from(r).ok());
    probe.initial_delay_seconds = h
        .get("start_period")
        .and_then(Value::as_str)
        .and_then(duration_secs);
    Some(probe)
}

/// The Stack as YAML, in the Stack's own field order, with a header saying where it came
/// from.
pub fn render(imported: &Imported, file: &str) -> String {
    let mut out = format!(
        "# Generated by `stackgen import compose {file}`: a starting point, not a finished\n# stack. Review what the import reported on stderr (docs/import-compose.md).\n"
    );
    let v = crate::value::to_value(&imported.stack).unwrap_or(Value::Null);
    crate::yaml::emit_document_in_order(&v, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        assert_eq!(dns("opensearch_Node1"), "opensearch-node1");
        assert_eq!(dns("1st"), "s1st");
        assert_eq!(duration_secs("1m30s"), Some(90));
        assert_eq!(duration_secs("500ms"), Some(1));
        assert_eq!(duration_secs("ten"), None);
        assert_eq!(memory("512M").as_deref(), Some("512Mi"));
        assert_eq!(memory("1g").as_deref(), Some("1Gi"));
        assert_eq!(memory("1gb").as_deref(), Some("1Gi"));
        assert_eq!(cpus("1.5").as_deref(), Some("1500m"));
        assert_eq!(cpus("2").as_deref(), Some("2"));
        assert_eq!(
            command(&Value::String(
                "redis-server --appendonly 'yes please'".into()
            )),
            vec!["redis-server", "--appendonly", "yes please"]
        );
        assert_eq!(command(&Value::String("a && b".into()))[0], "sh");
        assert!(credential_url("amqp://u:p@host:5672/"));
        assert!(!credential_url("http://host:9200"));
        assert_eq!(
            parse_port(&Value::String("127.0.0.1:8000:8000/udp".into())),
            Ok(vec![(8000, Protocol::Udp, true)])
        );
        assert_eq!(
            parse_port(&Value::String("9000-9001".into())),
            Ok(vec![
                (9000, Protocol::Tcp, false),
                (9001, Protocol::Tcp, false)
            ])
        );
    }
}
