//! P009: a credential stored in plain text in a ConfigMap.
use serde_json::Value;

use crate::validate::diag::Family;
use crate::validate::{Ctx, Obj, Sink, schema};

use super::{POLICY, Rule, RuleInfo};

pub static RULE: Rule = Rule {
    info: RuleInfo {
        code: "P009",
        name: "configmap-plaintext-credential",
        family: Family::Policy,
        severity: POLICY,
        summary: "a ConfigMap key that names a credential (password, secret, token, api key, private key) with a literal value, or a config file in a ConfigMap with such a `key: value` / `key=value` line",
        hint: "move the value to a Secret (or an ExternalSecret / SealedSecret) and reference it with secretKeyRef",
        bad: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: grafana-config\ndata:\n  admin-user: admin\n  admin-password: password\n",
        good: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: grafana-config\ndata:\n  admin-user: admin\n  admin-password-file: /run/secrets/admin-password\n",
    },
    check: Some(check),
    also: &[],
};

/// Whether a key names a credential (`DB_PASSWORD`, `admin-password`, `apiKey`), but not a
/// pointer to one (`PASSWORD_FILE`, `tokenPath`, `secretName`).
pub fn is_credential_key(key: &str) -> bool {
    let k: String = key
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    const WORDS: &[&str] = &[
        "password",
        "passwd",
        "secret",
        "token",
        "apikey",
        "privatekey",
        "accesskey",
        "credential",
        "clientsecret",
    ];
    const POINTERS: &[&str] = &[
        "file", "path", "name", "ref", "dir", "key", "id", "url", "uri", "enabled", "length",
        "ttl", "expiry", "type", "mode", "header", "policy", "source", "secrets", "endpoint",
        "issuer", "audience",
    ];
    if !WORDS.iter().any(|w| k.contains(w)) {
        return false;
    }
    // `secretKey`, `apiKey`, `privateKey` end in "key" but are credentials.
    let cred_suffix = [
        "apikey",
        "privatekey",
        "accesskey",
        "secretkey",
        "secretaccesskey",
    ]
    .iter()
    .any(|s| k.ends_with(s));
    cred_suffix || !POINTERS.iter().any(|p| k.ends_with(p))
}

/// Whether a value is a literal secret rather than a placeholder or a reference.
pub fn is_literal_secret(v: &str) -> bool {
    let t = v.trim().trim_matches(['"', '\'']);
    !(t.is_empty()
        || t.len() < 3
        || t.contains("${")
        || t.contains("$(")
        || t.contains("{{")
        || t.starts_with('/')
        || t.starts_with("file:")
        || t.starts_with("vault:")
        || t.starts_with("env:")
        || t.starts_with('<')
        || matches!(
            t.to_ascii_lowercase().as_str(),
            "true" | "false" | "null" | "none" | "changeme" | "redacted" | "xxx" | "****"
        ))
}

fn check(_cx: &Ctx<'_>, o: &Obj<'_>, out: &mut Sink<'_>) {
    if o.kind != "ConfigMap" || !o.group.is_empty() {
        return;
    }
    let Some(data) = o.get(&["data"]).and_then(Value::as_object) else {
        return;
    };
    for (k, v) in data {
        let Some(s) = v.as_str() else { continue };
        if is_credential_key(k) && !s.contains('\n') && is_literal_secret(s) {
            out.report(
                &RULE.info,
                o,
                schema::join("data", k),
                format!("ConfigMap {} holds {k:?} in plain text", o.name),
            );
            continue;
        }
        if s.contains('\n') {
            for (n, line) in s.lines().enumerate() {
                let l = line.trim();
                if l.starts_with('#') || l.starts_with("//") {
                    continue;
                }
                let Some((lk, lv)) = l.split_once([':', '=']) else {
                    continue;
                };
                let lk = lk.trim().trim_matches(['"', '\'']);
                if lk.contains(' ') || lk.is_empty() {
                    continue;
                }
                if is_credential_key(lk) && is_literal_secret(lv) {
                    out.report(
                        &RULE.info,
                        o,
                        schema::join("data", k),
                        format!(
                            "ConfigMap {} holds {lk:?} in plain text in {k} (line {})",
                            o.name,
                            n + 1
                        ),
                    );
                    break;
                }
            }
        }
    }
}
