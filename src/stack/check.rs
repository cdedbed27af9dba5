//! Checks of a stack that serde's types cannot express: names that must refer to each
//! other, fields that exclude each other, values that need a profile. Every error names
//! the field path and, for a misspelled reference, the closest valid name.
use std::collections::HashSet;

use super::profile::{Defaults, pod_security_name};
use super::types::{
    Container, EnvVar, ExposeType, PodSecurityLevel, PolicyException, Probe, Profile, Service,
    Stack, WorkloadKind,
};
use crate::error::{Error, Result, suggest};

fn err(path: impl Into<String>, msg: impl Into<String>) -> Error {
    Error::msg(msg).at_field(path)
}

fn unknown(path: String, what: &str, name: &str, known: &[&str]) -> Error {
    let mut e = err(path, format!("unknown {what} {name:?}"));
    if let Some(s) = suggest(name, known.iter().copied()) {
        e = e.with_hint(format!("did you mean {s:?}?"));
    } else if !known.is_empty() {
        e = e.with_hint(format!("declared: {}", known.join(", ")));
    }
    e
}

fn dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

fn port_name_ok(s: &str) -> bool {
    dns_label(s) && s.len() <= 15 && s.bytes().any(|b| b.is_ascii_lowercase())
}

/// Checks the whole stack against itself and the profile.
pub fn check(stack: &Stack, d: &Defaults) -> Result<()> {
    let spec = &stack.spec;
    if !dns_label(&stack.metadata.name) {
        return Err(err(
            "metadata.name",
            format!(
                "{:?} is not a valid name: lower-case letters, digits and '-', at most 63",
                stack.metadata.name
            ),
        ));
    }
    let mut seen = HashSet::new();
    for (i, l) in spec.layers.iter().enumerate() {
        if !dns_label(&l.name) {
            return Err(err(
                format!("spec.layers[{i}].name"),
                format!("{:?} is not a valid layer name", l.name),
            ));
        }
        if !seen.insert(l.name.as_str()) {
            return Err(err(
                format!("spec.layers[{i}].name"),
                format!("layer {:?} declared twice", l.name),
            ));
        }
        if let Some(ns) = &l.namespace
            && !dns_label(ns)
        {
            return Err(err(
                format!("spec.layers[{i}].namespace"),
                format!("{ns:?} is not a valid namespace name"),
            ));
        }
        let lp = format!("spec.layers[{i}]");
        super::quota::check_keys(&lp, l)?;
        check_exceptions(&lp, &l.policy_exceptions, None)?;
        let level = l
            .pod_security
            .or(spec.pod_security)
            .unwrap_or(d.pod_security);
        if d.profile == Profile::Production
            && level != PodSecurityLevel::Restricted
            && !l.policy_exceptions.iter().any(|e| e.rule == "P013")
        {
            return Err(err(
                format!("{lp}.podSecurity"),
                format!(
                    "layer {:?} enforces pod security {:?} in production: say why with a policyExceptions entry for P013",
                    l.name,
                    pod_security_name(level)
                ),
            )
            .with_hint("policyExceptions: [{rule: P013, reason: \"...\"}] on the layer"));
        }
    }
    let layers: Vec<&str> = spec.layers.iter().map(|l| l.name.as_str()).collect();
    let services: Vec<&str> = spec.services.iter().map(|s| s.name.as_str()).collect();
    let statefulsets: Vec<&str> = spec
        .services
        .iter()
        .filter(|s| s.kind == WorkloadKind::StatefulSet)
        .map(|s| s.name.as_str())
        .collect();
    let secrets: Vec<&str> = spec.secrets.iter().map(|s| s.name.as_str()).collect();

    let mut seen = HashSet::new();
    for (i, s) in spec.secrets.iter().enumerate() {
        let p = format!("spec.secrets[{i}]");
        if !dns_label(&s.name) && !s.name.contains('.') {
            return Err(err(
                format!("{p}.name"),
                format!("{:?} is not a valid Secret name", s.name),
            ));
        }
        if !seen.insert(s.name.as_str()) {
            return Err(err(
                format!("{p}.name"),
                format!("secret {:?} declared twice", s.name),
            ));
        }
        let n = usize::from(s.existing == Some(true))
            + usize::from(s.external_secret.is_some())
            + usize::from(s.csi.is_some());
        if n != 1 {
            return Err(err(
                p,
                format!(
                    "secret {:?} needs exactly one source: `existing: true`, `externalSecret` or `csi`",
                    s.name
                ),
            )
            .with_hint("secrets are declared by reference only: their values never live in the stack"));
        }
        if let Some(csi) = &s.csi {
            for (j, k) in csi.keys.iter().enumerate() {
                let kp = format!("{p}.csi.keys[{j}]");
                let generated = csi.provider == "azure" && !csi.parameters.contains_key("objects");
                if generated
                    && (k.object_name.is_empty()
                        || !k
                            .object_name
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'-'))
                {
                    return Err(err(
                        format!("{kp}.objectName"),
                        format!(
                            "{:?} is not a Key Vault object name (letters, digits and '-')",
                            k.object_name
                        ),
                    ));
                }
                if let Some(t) = &k.object_type {
                    if !generated {
                        return Err(err(
                            format!("{kp}.objectType"),
                            "objectType is written into the azure provider's generated `objects` parameter: it needs provider azure and no `objects` parameter",
                        ));
                    }
                    if !matches!(t.as_str(), "secret" | "key" | "cert") {
                        return Err(err(
                            format!("{kp}.objectType"),
                            format!("{t:?} is not a Key Vault object type (secret, key, cert)"),
                        ));
                    }
                }
            }
        }
    }

    let mut seen = HashSet::new();
    for (i, s) in spec.services.iter().enumerate() {
        let p = format!("spec.services[{i}]");
        if !dns_label(&s.name) {
            return Err(err(
                format!("{p}.name"),
                format!(
                    "{:?} is not a valid service name: lower-case letters, digits and '-'",
                    s.name
                ),
            ));
        }
        if !seen.insert(s.name.as_str()) {
            return Err(err(
                format!("{p}.name"),
                format!("service {:?} declared twice", s.name),
            ));
        }
        let Some(layer) = spec.layers.iter().find(|l| l.name == s.layer) else {
            return Err(unknown(format!("{p}.layer"), "layer", &s.layer, &layers));
        };
        let names = Names {
            services: &services,
            statefulsets: &statefulsets,
            secrets: &secrets,
        };
        check_service(&p, s, d, &names)?;
        let level = layer
            .pod_security
            .or(spec.pod_security)
            .unwrap_or(d.pod_security);
        check_privileges(&p, s, level)?;
    }
    if let Some(m) = &spec.monitoring {
        match (&m.scraper, &m.namespace) {
            (Some(sc), None) => {
                if !services.contains(&sc.as_str()) {
                    return Err(unknown(
                        "spec.monitoring.scraper".into(),
                        "service",
                        sc,
                        &services,
                    ));
                }
                if !m.pod_labels.is_empty() {
                    return Err(err(
                        "spec.monitoring.podLabels",
                        "podLabels select the pods of an outside scraper: use them with namespace, not scraper",
                    ));
                }
            }
            (None, Some(ns)) => {
                if !dns_label(ns) {
                    return Err(err(
                        "spec.monitoring.namespace",
                        format!("{ns:?} is not a valid namespace name"),
                    ));
                }
            }
            _ => {
                return Err(err(
                    "spec.monitoring",
                    "monitoring needs exactly one of scraper (a service of the stack) and namespace (a scraper outside it)",
                ));
            }
        }
    }
    if let Some(ing) = &spec.ingress {
        for (i, c) in ing.source_cidrs.iter().enumerate() {
            if !cidr_ok(c) {
                return Err(err(
                    format!("spec.ingress.sourceCidrs[{i}]"),
                    format!("{c:?} is not a CIDR (e.g. 10.1.0.0/24)"),
                ));
            }
        }
    }
    Ok(())
}

/// An IPv4 or IPv6 CIDR: an address, '/', a prefix length in range.
fn cidr_ok(s: &str) -> bool {
    let Some((addr, len)) = s.split_once('/') else {
        return false;
    };
    let Ok(len) = len.parse::<u8>() else {
        return false;
    };
    match addr.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(_)) => len <= 32,
        Ok(std::net::IpAddr::V6(_)) => len <= 128,
        Err(_) => false,
    }
}

/// The names a service may refer to.
struct Names<'a> {
    services: &'a [&'a str],
    statefulsets: &'a [&'a str],
    secrets: &'a [&'a str],
}

/// Labels stackgen owns on pods: selectors and the standard labels.
fn reserved_label(k: &str) -> bool {
    k.starts_with("app.kubernetes.io/") || k.starts_with("stackgen.dev/")
}

fn check_service(p: &str, s: &Service, d: &Defaults, names: &Names) -> Result<()> {
    let services = names.services;
    let secrets = names.secrets;
    if s.image.trim().is_empty() {
        return Err(err(format!("{p}.image"), "image is empty"));
    }
    // Port names across the main container and the sidecars share the Service.
    let mut ports: Vec<&str> = Vec::new();
    let mut numbers = HashSet::new();
    let all_ports = s.ports.iter().map(|x| (format!("{p}.ports"), x)).chain(
        s.sidecars.iter().enumerate().flat_map(|(j, c)| {
            c.ports
                .iter()
                .map(move |x| (format!("{p}.sidecars[{j}].ports"), x))
        }),
    );
    for (pp, port) in all_ports {
        if !port_name_ok(&port.name) {
            return Err(err(
                pp,
                format!(
                    "port name {:?} is not valid: at most 15 lower-case letters, digits and '-'",
                    port.name
                ),
            ));
        }
        if ports.contains(&port.name.as_str()) {
            return Err(err(pp, format!("port name {:?} used twice", port.name)));
        }
        if port.port == 0 || !numbers.insert(port.port) {
            return Err(err(pp, format!("port {} is 0 or used twice", port.port)));
        }
        if port.peer == Some(true) && s.kind != WorkloadKind::StatefulSet {
            return Err(err(
                pp,
                format!(
                    "port {:?} is a peer port: only a StatefulSet's pods talk to each other by name",
                    port.name
                ),
            ));
        }
        if let Some(np) = port.node_port
            && !(30000..=32767).contains(&np)
        {
            return Err(err(
                pp,
                format!("nodePort {np} is outside the node port range 30000-32767"),
            ));
        }
        ports.push(&port.name);
    }
    match (s.kind, &s.schedule) {
        (WorkloadKind::CronJob, None) => {
            return Err(err(
                format!("{p}.schedule"),
                "a CronJob needs a schedule (e.g. \"0 2 * * *\")",
            ));
        }
        (k, Some(_)) if k != WorkloadKind::CronJob => {
            return Err(err(
                format!("{p}.schedule"),
                format!("schedule is only for kind CronJob, not {}", k.as_str()),
            ));
        }
        _ => {}
    }
    if s.job.is_some() && s.kind.long_running() {
        return Err(err(
            format!("{p}.job"),
            format!(
                "job settings are only for Job and CronJob, not {}",
                s.kind.as_str()
            ),
        ));
    }
    if let Some(e) = &s.expose {
        if !s.kind.long_running() {
            return Err(err(
                format!("{p}.expose"),
                format!("a {} is not exposed by a Service", s.kind.as_str()),
            ));
        }
        if let Some(ing) = &e.ingress {
            if e.type_ == Some(ExposeType::None) {
                return Err(err(
                    format!("{p}.expose"),
                    "an Ingress needs a Service: type None excludes ingress",
                ));
            }
            if s.ports.is_empty() {
                return Err(err(
                    format!("{p}.expose.ingress"),
                    "an Ingress needs a port to route to",
                ));
            }
            if ing.hosts.is_empty() {
                return Err(err(
                    format!("{p}.expose.ingress.hosts"),
                    "an Ingress needs at least one host",
                ));
            }
            for (j, path) in ing.paths.iter().enumerate() {
                if let Some(port) = &path.port
                    && !ports.contains(&port.as_str())
                {
                    return Err(unknown(
                        format!("{p}.expose.ingress.paths[{j}].port"),
                        "port",
                        port,
                        &ports,
                    ));
                }
                if !path.path.starts_with('/') {
                    return Err(err(
                        format!("{p}.expose.ingress.paths[{j}].path"),
                        "an Ingress path starts with '/'",
                    ));
                }
            }
        }
    }
    for (j, dep) in s.depends_on.iter().enumerate() {
        if dep == &s.name {
            return Err(err(
                format!("{p}.dependsOn[{j}]"),
                "a service cannot depend on itself",
            ));
        }
        if !services.contains(&dep.as_str()) {
            return Err(unknown(
                format!("{p}.dependsOn[{j}]"),
                "service",
                dep,
                services,
            ));
        }
    }
    check_env(&format!("{p}.env"), &s.env, s, names)?;
    for k in s.pod_labels.keys() {
        if reserved_label(k) {
            return Err(err(
                format!("{p}.podLabels"),
                format!(
                    "label {k:?} is stackgen's (app.kubernetes.io/* and stackgen.dev/* label every object and select its pods)"
                ),
            ));
        }
    }
    for (j, e) in s.egress.iter().enumerate() {
        let ep = format!("{p}.egress[{j}]");
        match (&e.cidr, &e.namespace) {
            (Some(c), None) => {
                if !cidr_ok(c) {
                    return Err(err(
                        format!("{ep}.cidr"),
                        format!("{c:?} is not a CIDR (e.g. 10.0.0.0/8, 0.0.0.0/0)"),
                    ));
                }
                if !e.pod_labels.is_empty() {
                    return Err(err(
                        format!("{ep}.podLabels"),
                        "podLabels select pods of a namespace: use them with namespace, not cidr",
                    ));
                }
            }
            (None, Some(ns)) => {
                if !dns_label(ns) {
                    return Err(err(
                        format!("{ep}.namespace"),
                        format!("{ns:?} is not a valid namespace name"),
                    ));
                }
            }
            _ => {
                return Err(err(
                    ep,
                    "an egress rule needs exactly one of cidr and namespace",
                ));
            }
        }
        if e.cidr.is_none() && !e.except.is_empty() {
            return Err(err(
                format!("{ep}.except"),
                "except narrows a cidr: use it with cidr, not namespace",
            ));
        }
        for (k, x) in e.except.iter().enumerate() {
            if !cidr_ok(x) {
                return Err(err(
                    format!("{ep}.except[{k}]"),
                    format!("{x:?} is not a CIDR (e.g. 10.0.0.0/8, 169.254.0.0/16)"),
                ));
            }
        }
        if e.ports.contains(&0) {
            return Err(err(
                format!("{ep}.ports"),
                "egress ports are 1-65535 ([] for every port)",
            ));
        }
    }
    for (j, n) in s.image_pull_secrets.iter().enumerate() {
        if !secrets.contains(&n.as_str()) {
            return Err(
                unknown(format!("{p}.imagePullSecrets[{j}]"), "secret", n, secrets)
                    .with_hint_if_none(
                        "declare it in spec.secrets (e.g. `existing: true` when a job makes it)",
                    ),
            );
        }
    }
    let containers: Vec<&str> = std::iter::once(s.name.as_str())
        .chain(s.sidecars.iter().map(|c| c.name.as_str()))
        .chain(s.init_containers.iter().map(|c| c.name.as_str()))
        .collect();
    check_exceptions(p, &s.policy_exceptions, Some(&containers))?;
    if let Some(c) = &s.cluster {
        if s.kind != WorkloadKind::StatefulSet {
            return Err(err(
                format!("{p}.cluster"),
                format!(
                    "cluster settings are for StatefulSets, not {}",
                    s.kind.as_str()
                ),
            ));
        }
        for (j, pe) in c.peer_env.iter().enumerate() {
            if pe.name.is_empty()
                || s.env.iter().any(|e| e.name == pe.name)
                || c.peer_env[..j].iter().any(|o| o.name == pe.name)
            {
                return Err(err(
                    format!("{p}.cluster.peerEnv[{j}].name"),
                    format!("variable {:?} is empty or set twice", pe.name),
                ));
            }
            let fmt = pe.format.as_deref().unwrap_or("{host}");
            if !["{pod}", "{host}", "{fqdn}", "{index}"]
                .iter()
                .any(|ph| fmt.contains(ph))
            {
                return Err(err(
                    format!("{p}.cluster.peerEnv[{j}].format"),
                    format!(
                        "{fmt:?} names no member: use {{pod}}, {{host}}, {{fqdn}} or {{index}}"
                    ),
                ));
            }
        }
    }
    for (j, f) in s.secret_files.iter().enumerate() {
        if !secrets.contains(&f.secret.as_str()) {
            return Err(unknown(
                format!("{p}.secretFiles[{j}].secret"),
                "secret",
                &f.secret,
                secrets,
            )
            .with_hint_if_none("declare it in spec.secrets (existing, externalSecret or csi)"));
        }
    }
    check_config_files(&format!("{p}.configFiles"), &s.config_files)?;
    let mut vols: Vec<&str> = Vec::new();
    for (j, v) in s.storage.iter().enumerate() {
        let vp = format!("{p}.storage[{j}]");
        if !dns_label(&v.name) {
            return Err(err(
                format!("{vp}.name"),
                format!("{:?} is not a valid volume name", v.name),
            ));
        }
        if vols.contains(&v.name.as_str()) || v.name == "config-files" {
            return Err(err(
                format!("{vp}.name"),
                format!("volume name {:?} used twice or reserved", v.name),
            ));
        }
        vols.push(&v.name);
        let n = usize::from(v.persistent.is_some())
            + usize::from(v.empty_dir.is_some())
            + usize::from(v.host_path.is_some());
        if n != 1 {
            return Err(err(
                vp,
                "a volume needs exactly one of persistent, emptyDir, hostPath",
            ));
        }
        if v.host_path.is_some() && !d.is_kind() {
            return Err(err(
                format!("{vp}.hostPath"),
                "hostPath storage is only allowed with profile kind",
            )
            .with_hint("declare it in overlays/dev with a patch targeting kind: Stack, or use persistent storage"));
        }
        if v.persistent.is_some() && s.kind == WorkloadKind::DaemonSet {
            return Err(err(
                format!("{vp}.persistent"),
                "a DaemonSet cannot claim persistent storage per pod",
            ));
        }
        if let Some(pv) = &v.persistent
            && s.kind == WorkloadKind::Deployment
            && d.replicas(s.kind, s.replicas) > 1
            && (pv.access_modes.is_empty() || pv.access_modes.iter().all(|m| m == "ReadWriteOnce"))
        {
            return Err(err(
                format!("{vp}.persistent"),
                "a Deployment of more than one replica cannot share a ReadWriteOnce volume",
            )
            .with_hint(
                "make the service a StatefulSet (one volume per replica), or use ReadWriteMany",
            ));
        }
    }
    for (kind, list) in [
        ("initContainers", &s.init_containers),
        ("sidecars", &s.sidecars),
    ] {
        for (j, c) in list.iter().enumerate() {
            check_container(&format!("{p}.{kind}[{j}]"), c, &vols, s, names)?;
            if kind == "initContainers" && (c.probes.is_some() || !c.ports.is_empty()) {
                return Err(err(
                    format!("{p}.{kind}[{j}]"),
                    "init containers have neither probes nor ports",
                ));
            }
        }
    }
    for (j, v) in s.storage.iter().enumerate() {
        let used = v.mount_path.is_some()
            || s.sidecars
                .iter()
                .chain(&s.init_containers)
                .any(|c| c.mounts.iter().any(|m| m.volume == v.name));
        if !used {
            return Err(err(
                format!("{p}.storage[{j}].mountPath"),
                format!(
                    "volume {:?} has no mountPath and no sidecar or init container mounts it",
                    v.name
                ),
            ));
        }
    }
    if let Some(pr) = &s.probes {
        for (name, probe) in [
            ("liveness", &pr.liveness),
            ("readiness", &pr.readiness),
            ("startup", &pr.startup),
        ] {
            if let Some(probe) = probe {
                check_probe(
                    &format!("{p}.probes.{name}"),
                    probe,
                    &s.ports.iter().map(|x| x.name.as_str()).collect::<Vec<_>>(),
                )?;
            }
        }
    }
    if let Some(m) = &s.metrics
        && !ports.contains(&m.port.as_str())
    {
        return Err(unknown(
            format!("{p}.metrics.port"),
            "port",
            &m.port,
            &ports,
        ));
    }
    if let Some(a) = &s.autoscaling {
        if a.min_replicas == 0 || a.min_replicas > a.max_replicas {
            return Err(err(
                format!("{p}.autoscaling"),
                "autoscaling needs 1 <= minReplicas <= maxReplicas",
            ));
        }
        if !matches!(s.kind, WorkloadKind::Deployment | WorkloadKind::StatefulSet) {
            return Err(err(
                format!("{p}.autoscaling"),
                format!("a {} cannot be autoscaled", s.kind.as_str()),
            ));
        }
    }
    if let Some(b) = &s.disruption_budget
        && usize::from(b.min_available.is_some()) + usize::from(b.max_unavailable.is_some()) != 1
    {
        return Err(err(
            format!("{p}.disruptionBudget"),
            "a disruption budget needs exactly one of minAvailable, maxUnavailable",
        ));
    }
    Ok(())
}

/// Exceptions: valid codes, a reason that fits the annotation, a known container.
fn check_exceptions(p: &str, list: &[PolicyException], containers: Option<&[&str]>) -> Result<()> {
    for (j, e) in list.iter().enumerate() {
        let ep = format!("{p}.policyExceptions[{j}]");
        if let Some(problem) = crate::validate::exceptions::code_problem(&e.rule) {
            return Err(err(format!("{ep}.rule"), problem));
        }
        let reason = e.reason.trim();
        if reason.is_empty() || reason.contains([';', '\n']) {
            return Err(err(
                format!("{ep}.reason"),
                "an exception needs a reason: one line, without ';'",
            ));
        }
        match (&e.container, containers) {
            (Some(_), None) => {
                return Err(err(
                    format!("{ep}.container"),
                    "a layer's exceptions apply to its Namespace, which has no containers",
                ));
            }
            (Some(c), Some(known)) if !known.contains(&c.as_str()) => {
                return Err(unknown(format!("{ep}.container"), "container", c, known));
            }
            _ => {}
        }
    }
    Ok(())
}

/// Privileged and root containers: each needs a P008 exception naming it (or the whole
/// service), and a layer whose pod security level admits it.
fn check_privileges(p: &str, s: &Service, level: PodSecurityLevel) -> Result<()> {
    let main = s.security_context.as_ref();
    let all = std::iter::once((format!("{p}.securityContext"), s.name.as_str(), main))
        .chain(s.sidecars.iter().enumerate().map(|(j, c)| {
            (
                format!("{p}.sidecars[{j}].securityContext"),
                c.name.as_str(),
                c.security_context.as_ref().or(main),
            )
        }))
        .chain(s.init_containers.iter().enumerate().map(|(j, c)| {
            (
                format!("{p}.initContainers[{j}].securityContext"),
                c.name.as_str(),
                c.security_context.as_ref().or(main),
            )
        }));
    for (path, name, sc) in all {
        let Some(sc) = sc else { continue };
        let privileged = sc.privileged == Some(true);
        let root = sc.run_as_user == Some(0);
        if !privileged && !root {
            continue;
        }
        let what = if privileged {
            "runs privileged"
        } else {
            "runs as root"
        };
        let excepted = s
            .policy_exceptions
            .iter()
            .any(|e| e.rule == "P008" && e.container.as_deref().is_none_or(|c| c == name));
        if !excepted {
            return Err(err(
                path,
                format!(
                    "container {name:?} {what}: say why with a policyExceptions entry for P008"
                ),
            )
            .with_hint(format!(
                "policyExceptions: [{{rule: P008, container: {name}, reason: \"...\"}}]"
            )));
        }
        let admitted = match level {
            PodSecurityLevel::Privileged => true,
            PodSecurityLevel::Baseline => !privileged,
            PodSecurityLevel::Restricted => false,
        };
        if !admitted {
            return Err(err(
                path,
                format!(
                    "container {name:?} {what}, which layer {:?} (pod security {:?}) does not admit",
                    s.layer,
                    pod_security_name(level)
                ),
            )
            .with_hint(if privileged {
                "set podSecurity: privileged on the layer (with a P013 exception in production)"
            } else {
                "set podSecurity: baseline on the layer (with a P013 exception in production)"
            }));
        }
    }
    Ok(())
}

fn check_config_files(p: &str, files: &[super::types::ConfigFile]) -> Result<()> {
    for (j, f) in files.iter().enumerate() {
        let fp = format!("{p}[{j}]");
        if !f.path.starts_with('/') || f.path.ends_with('/') {
            return Err(err(
                format!("{fp}.path"),
                format!("{:?} is not an absolute file path", f.path),
            ));
        }
        if usize::from(f.content.is_some()) + usize::from(f.config_map.is_some()) != 1 {
            return Err(err(
                fp,
                "a config file needs exactly one of content, configMap",
            ));
        }
    }
    Ok(())
}

fn check_container(
    p: &str,
    c: &Container,
    vols: &[&str],
    s: &Service,
    names: &Names,
) -> Result<()> {
    check_config_files(&format!("{p}.configFiles"), &c.config_files)?;
    if !dns_label(&c.name) {
        return Err(err(
            format!("{p}.name"),
            format!("{:?} is not a valid container name", c.name),
        ));
    }
    check_env(&format!("{p}.env"), &c.env, s, names)?;
    for (j, m) in c.mounts.iter().enumerate() {
        if !vols.contains(&m.volume.as_str()) {
            return Err(unknown(
                format!("{p}.mounts[{j}].volume"),
                "volume",
                &m.volume,
                vols,
            ));
        }
    }
    if let Some(pr) = &c.probes {
        let names: Vec<&str> = c.ports.iter().map(|x| x.name.as_str()).collect();
        for (name, probe) in [
            ("liveness", &pr.liveness),
            ("readiness", &pr.readiness),
            ("startup", &pr.startup),
        ] {
            if let Some(probe) = probe {
                check_probe(&format!("{p}.probes.{name}"), probe, &names)?;
            }
        }
    }
    Ok(())
}

fn check_probe(p: &str, probe: &Probe, ports: &[&str]) -> Result<()> {
    let n = usize::from(probe.http.is_some())
        + usize::from(probe.tcp == Some(true))
        + usize::from(!probe.exec.is_empty());
    if n != 1 {
        return Err(err(p, "a probe needs exactly one of http, tcp: true, exec"));
    }
    if probe.exec.is_empty() {
        match &probe.port {
            Some(super::types::IntOrString::Str(name)) if !ports.contains(&name.as_str()) => {
                return Err(unknown(format!("{p}.port"), "port", name, ports));
            }
            None if ports.is_empty() => {
                return Err(err(
                    p,
                    "an http or tcp probe needs a port and the container has none",
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

fn check_env(p: &str, env: &[EnvVar], s: &Service, names: &Names) -> Result<()> {
    let secrets = names.secrets;
    let mut seen = HashSet::new();
    for (j, e) in env.iter().enumerate() {
        let ep = format!("{p}[{j}]");
        if e.name.is_empty() {
            return Err(err(format!("{ep}.name"), "empty variable name"));
        }
        if !seen.insert(e.name.as_str()) {
            return Err(err(
                format!("{ep}.name"),
                format!("variable {:?} set twice", e.name),
            ));
        }
        let n = usize::from(e.value.is_some())
            + usize::from(e.secret.is_some())
            + usize::from(e.config_map.is_some())
            + usize::from(e.field.is_some())
            + usize::from(e.peers.is_some());
        if n != 1 {
            return Err(err(
                ep,
                format!(
                    "variable {:?} needs exactly one of value, secret, configMap, field, peers",
                    e.name
                ),
            ));
        }
        if let Some(peers) = &e.peers {
            let target = peers.service.as_deref().unwrap_or(&s.name);
            if !names.statefulsets.contains(&target) {
                let mut e = if names.services.contains(&target) {
                    err(
                        format!("{ep}.peers.service"),
                        format!(
                            "{target:?} is not a StatefulSet: only StatefulSet pods have stable names"
                        ),
                    )
                } else {
                    unknown(
                        format!("{ep}.peers.service"),
                        "StatefulSet service",
                        target,
                        names.statefulsets,
                    )
                };
                if peers.service.is_none() {
                    e = e.with_hint_if_none("name the StatefulSet in peers.service");
                }
                return Err(e);
            }
            if let Some(f) = &peers.format
                && let Some(bad) = unknown_placeholder(f)
            {
                return Err(err(
                    format!("{ep}.peers.format"),
                    format!("unknown placeholder {{{bad}}}: use {{host}}, {{ordinal}} or {{id}}"),
                ));
            }
        }
        if let Some(r) = &e.secret
            && !secrets.contains(&r.name.as_str())
        {
            return Err(
                unknown(format!("{ep}.secret.name"), "secret", &r.name, secrets).with_hint_if_none(
                    "declare it in spec.secrets (existing, externalSecret or csi)",
                ),
            );
        }
    }
    Ok(())
}

/// The first `{name}` of a peers format that is not `{host}`, `{ordinal}` or `{id}`.
fn unknown_placeholder(f: &str) -> Option<&str> {
    let mut rest = f;
    while let Some(i) = rest.find('{') {
        let after = &rest[i + 1..];
        let end = after.find('}')?;
        let name = &after[..end];
        if !matches!(name, "host" | "ordinal" | "id") {
            return Some(name);
        }
        rest = &after[end + 1..];
    }
    None
}

trait HintIfNone {
    fn with_hint_if_none(self, h: &str) -> Self;
}

impl HintIfNone for Error {
    fn with_hint_if_none(self, h: &str) -> Self {
        if self.hint.is_some() {
            self
        } else {
            self.with_hint(h)
        }
    }
}
