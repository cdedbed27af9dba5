//! The API server's name and key syntax (`k8s.io/apimachinery/pkg/util/validation`).

/// DNS-1123 label: at most 63 lowercase alphanumerics or '-', starting and ending alphanumeric.
pub fn dns1123_label(s: &str) -> Option<String> {
    if s.is_empty() {
        return Some("must not be empty".into());
    }
    if s.len() > 63 {
        return Some(format!(
            "must be no more than 63 characters (it has {})",
            s.len()
        ));
    }
    let b = s.as_bytes();
    let ok = b
        .iter()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        && b[0] != b'-'
        && b[b.len() - 1] != b'-';
    (!ok).then(|| {
        "must be a lowercase RFC 1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit".into()
    })
}

/// DNS-1123 subdomain: at most 253 characters, dot-separated DNS-1123 labels.
pub fn dns1123_subdomain(s: &str) -> Option<String> {
    if s.is_empty() {
        return Some("must not be empty".into());
    }
    if s.len() > 253 {
        return Some(format!(
            "must be no more than 253 characters (it has {})",
            s.len()
        ));
    }
    // Every '.'-separated label non-empty, of [a-z0-9-], not starting or ending with '-':
    // one pass over the bytes (every object name goes through here).
    let b = s.as_bytes();
    let mut start = 0;
    let mut ok = true;
    for i in 0..=b.len() {
        match b.get(i) {
            None | Some(b'.') => {
                let label = &b[start..i];
                if label.first().is_none_or(|c| *c == b'-') || label.last() == Some(&b'-') {
                    ok = false;
                    break;
                }
                start = i + 1;
            }
            Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-' => {}
            Some(_) => {
                ok = false;
                break;
            }
        }
    }
    (!ok).then(|| {
        "must be a lowercase RFC 1123 subdomain: lowercase letters, digits, '-' and '.', starting and ending with a letter or digit".into()
    })
}

/// DNS-1035 label (Service names): like a DNS-1123 label but starting with a letter.
pub fn dns1035_label(s: &str) -> Option<String> {
    if let Some(e) = dns1123_label(s) {
        return Some(e.replace("RFC 1123", "RFC 1035"));
    }
    (!s.as_bytes()[0].is_ascii_lowercase())
        .then(|| "must be an RFC 1035 label: it must start with a lowercase letter".into())
}

/// A path segment name (RBAC objects): not `.` or `..`, no `/` or `%`.
pub fn path_segment(s: &str) -> Option<String> {
    if s.is_empty() {
        return Some("must not be empty".into());
    }
    if s == "." || s == ".." {
        return Some(format!("may not be {s:?}"));
    }
    if s.contains('/') || s.contains('%') {
        return Some("may not contain '/' or '%'".into());
    }
    None
}

fn qualified_name_part(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
}

/// A qualified name (label and annotation keys): `[prefix/]name`, the prefix a DNS-1123
/// subdomain, the name at most 63 characters of alphanumerics, '-', '_' and '.'.
pub fn qualified_name(s: &str) -> Option<String> {
    let (prefix, name) = match s.bytes().position(|c| c == b'/') {
        Some(i) => (Some(&s[..i]), &s[i + 1..]),
        None => (None, s),
    };
    if let Some(p) = prefix {
        if p.is_empty() {
            return Some("prefix part must not be empty".into());
        }
        if let Some(e) = dns1123_subdomain(p) {
            return Some(format!("prefix part {e}"));
        }
    }
    if name.is_empty() {
        return Some("name part must not be empty".into());
    }
    if name.len() > 63 {
        return Some(format!(
            "name part must be no more than 63 characters (it has {})",
            name.len()
        ));
    }
    (!qualified_name_part(name)).then(|| {
        "name part must consist of alphanumerics, '-', '_' or '.', and start and end with an alphanumeric".into()
    })
}

/// A label value: empty, or at most 63 alphanumerics, '-', '_', '.', alphanumeric at both ends.
pub fn label_value(s: &str) -> Option<String> {
    if s.is_empty() {
        return None;
    }
    if s.len() > 63 {
        return Some(format!(
            "must be no more than 63 characters (it has {})",
            s.len()
        ));
    }
    (!qualified_name_part(s)).then(|| {
        "must consist of alphanumerics, '-', '_' or '.', and start and end with an alphanumeric"
            .into()
    })
}

/// A ConfigMap or Secret key: alphanumerics, '-', '_' and '.', at most 253, not `.`/`..`.
pub fn config_map_key(s: &str) -> Option<String> {
    if s.is_empty() {
        return Some("must not be empty".into());
    }
    if s.len() > 253 {
        return Some("must be no more than 253 characters".into());
    }
    if s == "." || s == ".." || s.starts_with("..") {
        return Some("must not be '.' or '..' or start with '..'".into());
    }
    (!s.bytes()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.')))
    .then(|| "must consist of alphanumerics, '-', '_' or '.'".into())
}

/// An IANA service name (named ports): at most 15 lowercase alphanumerics or '-', with a
/// letter, no leading, trailing or double '-'.
pub fn port_name(s: &str) -> Option<String> {
    if s.len() > 15 {
        return Some("must be no more than 15 characters".into());
    }
    let b = s.as_bytes();
    if b.is_empty()
        || !b
            .iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
    {
        return Some("must contain only lowercase letters, digits and '-'".into());
    }
    if !b.iter().any(|c| c.is_ascii_lowercase()) {
        return Some("must contain at least one letter".into());
    }
    if b[0] == b'-' || b[b.len() - 1] == b'-' || s.contains("--") {
        return Some("must not start or end with '-' or contain '--'".into());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax() {
        assert!(dns1123_subdomain("web.shop-1").is_none());
        assert!(dns1123_subdomain("WebFrontend").is_some());
        for ok in ["a", "a.b", "0-x.y-1", "x--y"] {
            assert!(dns1123_subdomain(ok).is_none(), "{ok}");
        }
        for bad in [".a", "a.", "a..b", "-a", "a-", "a.-b", "a-.b", "a_b", "é"] {
            assert!(dns1123_subdomain(bad).is_some(), "{bad}");
        }
        assert!(dns1035_label("1web").is_some());
        assert!(dns1123_label("1web").is_none());
        assert!(qualified_name("app.kubernetes.io/name").is_none());
        assert!(qualified_name("a/b/c").is_some());
        assert!(label_value(&"x".repeat(64)).is_some());
        assert!(label_value("").is_none());
        assert!(port_name("http").is_none());
        assert!(port_name("8080").is_some());
        assert!(config_map_key("app.properties").is_none());
        assert!(config_map_key("a/b").is_some());
        assert!(path_segment("system:aggregate-to-view").is_none());
    }
}
