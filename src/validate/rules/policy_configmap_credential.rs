//! P009: a credential stored in plain text in a ConfigMap.
use crate::value::Value;

use crate::validate::diag::Family;
use crate::validate::{Ctx, Obj, Sink, schema};

use super::{POLICY, Rule, RuleInfo};

pub static RULE: Rule = Rule {
    info: RuleInfo {
        code: "P009",
        name: "configmap-plaintext-credential",
        family: Family::Policy,
        severity: POLICY,
        summary: "a ConfigMap key that names a credential (password, secret, token, api key, private key) with a literal value, a config file in a ConfigMap with such a `key: value` / `key=value` line, or a URL with a password in it (`postgresql://user:password@host/db`)",
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
    // a byte-window search: `str::contains` sets up a searcher per call, and this runs for
    // every key of every ConfigMap
    let has = |w: &str| k.as_bytes().windows(w.len()).any(|x| x == w.as_bytes());
    if !WORDS.iter().any(|w| has(w)) {
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

/// Whether `v` holds a URL with a literal password in its user info
/// (`postgresql://app:hunter2@db:5432/app`); `$(DB_PASSWORD)`, `${DB_PASSWORD}` and other
/// placeholders are not literal.
pub fn has_url_password(v: &str) -> bool {
    let mut rest = v;
    while let Some(i) = rest.find("://") {
        let after = &rest[i + 3..];
        let end = after
            .find(|c: char| {
                matches!(c, '/' | '?' | '#') || c.is_whitespace() || c == '"' || c == '\''
            })
            .unwrap_or(after.len());
        let authority = &after[..end];
        if let Some((userinfo, _host)) = authority.rsplit_once('@')
            && let Some((_user, password)) = userinfo.split_once(':')
            && is_literal_secret(password)
        {
            return true;
        }
        rest = &after[end..];
    }
    false
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
        if has_url_password(s) {
            out.report(
                &RULE.info,
                o,
                schema::join("data", k),
                format!(
                    "ConfigMap {} holds a URL with a password in {k:?} (in plain text)",
                    o.name
                ),
            );
            continue;
        }
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

#[cfg(test)]
mod tests {
    use super::has_url_password;

    #[test]
    fn urls_with_passwords() {
        assert!(has_url_password(
            "postgresql://access:access@postgres-service:5432/access"
        ));
        assert!(has_url_password("redis://:s3cret@redis:6379/0"));
        assert!(has_url_password(
            "url: amqp://app:pw-123@rabbitmq:5672/vhost"
        ));
        assert!(!has_url_password("redis://redis-service:6379/0"));
        assert!(!has_url_password("postgresql://app@db:5432/app"));
        assert!(!has_url_password(
            "postgresql://$(POSTGRES_USER):$(POSTGRES_PASSWORD)@postgres:5432/access"
        ));
        assert!(!has_url_password("https://user:${TOKEN}@example.com/"));
        assert!(!has_url_password("http://keycloak:8080/realms/x"));
    }
}
