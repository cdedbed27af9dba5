//! Selecting resources: kustomize's `Selector` (patch targets, replacement sources and
//! targets). Group, version, kind, name and namespace are anchored regular expressions;
//! name and namespace match either the original or the current id; label and annotation
//! selectors use Kubernetes' selector syntax.
use regex::Regex;

use crate::error::{Error, Result};
use crate::resource::{ResId, Resource};
use crate::types::Selector;

/// A compiled [`Selector`].
#[derive(Debug, Clone)]
pub struct Matcher {
    group: Option<Pattern>,
    version: Option<Pattern>,
    kind: Option<Pattern>,
    name: Option<Pattern>,
    namespace: Option<Pattern>,
    labels: Vec<Requirement>,
    annotations: Vec<Requirement>,
    /// The name pattern when it is a plain name (no regex syntax): candidates can then be
    /// found through a name index instead of testing every object.
    literal_name: Option<String>,
}

/// One anchored pattern of a selector. Most are plain words (`Deployment`, `web`), which a
/// regular expression reads literally: those are compared as strings, since compiling a
/// regex for every patch target cost more than the matching.
#[derive(Debug, Clone)]
enum Pattern {
    Literal(String),
    Regex(Regex),
}

impl Pattern {
    fn is_match(&self, s: &str) -> bool {
        match self {
            Pattern::Literal(l) => l == s,
            Pattern::Regex(r) => r.is_match(s),
        }
    }
}

fn anchored(pattern: &str, what: &str) -> Result<Option<Pattern>> {
    if pattern.is_empty() {
        return Ok(None);
    }
    let literal = pattern
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'/' | b':' | b'@'));
    if literal {
        return Ok(Some(Pattern::Literal(pattern.to_string())));
    }
    Regex::new(&format!("^(?:{pattern})$"))
        .map(|r| Some(Pattern::Regex(r)))
        .map_err(|e| Error::msg(format!("invalid {what} pattern {pattern:?}: {e}")))
}

fn effective_ns_parts<'a>(group: &str, version: &str, kind: &str, ns: &'a str) -> &'a str {
    if crate::scope::is_cluster_scoped_parts(group, version, kind) {
        "_non_namespaceable_"
    } else if ns.is_empty() {
        "default"
    } else {
        ns
    }
}

/// The namespace kustomize compares with: `default` for empty, a placeholder for
/// cluster-scoped kinds.
pub fn effective_namespace(id: &ResId) -> &str {
    if id.gvk.is_cluster_scoped() {
        "_non_namespaceable_"
    } else if id.namespace.is_empty() {
        "default"
    } else {
        &id.namespace
    }
}

impl Matcher {
    pub fn new(s: &Selector) -> Result<Matcher> {
        Ok(Matcher {
            group: anchored(&s.group, "group")?,
            version: anchored(&s.version, "version")?,
            kind: anchored(&s.kind, "kind")?,
            name: anchored(&s.name, "name")?,
            literal_name: (!s.name.is_empty()
                && !s.name.contains(|c: char| "\\.+*?()|[]{}^$".contains(c)))
            .then(|| s.name.clone()),
            namespace: anchored(&s.namespace, "namespace")?,
            labels: parse_selector(&s.label_selector).map_err(|e| {
                Error::msg(format!("invalid labelSelector {:?}: {e}", s.label_selector))
            })?,
            annotations: parse_selector(&s.annotation_selector).map_err(|e| {
                Error::msg(format!(
                    "invalid annotationSelector {:?}: {e}",
                    s.annotation_selector
                ))
            })?,
        })
    }

    /// The selector's name when it is a plain name rather than a pattern.
    pub fn literal_name(&self) -> Option<&str> {
        self.literal_name.as_deref()
    }

    /// Whether `r` is selected (kustomize's `resWrangler.Select`).
    pub fn matches(&self, r: &Resource) -> bool {
        // Borrowed views of the current and original ids: this runs for every object and
        // every selector, so nothing is allocated here.
        let (group, version) = crate::resource::split_api_version(r.api_version());
        let kind = r.kind();
        let org = r.prev_ids.first();
        if let Some(n) = &self.name
            && !n.is_match(org.map_or(r.name(), |o| o.name.as_str()))
            && !n.is_match(r.name())
        {
            return false;
        }
        if self.group.as_ref().is_some_and(|g| !g.is_match(group))
            || self.version.as_ref().is_some_and(|v| !v.is_match(version))
            || self.kind.as_ref().is_some_and(|k| !k.is_match(kind))
        {
            return false;
        }
        if let Some(ns) = &self.namespace {
            let cur_ns = effective_ns_parts(group, version, kind, r.namespace());
            let org_ns = org.map_or(cur_ns, effective_namespace);
            if !ns.is_match(org_ns) && !ns.is_match(cur_ns) {
                return false;
            }
        }
        let get_label = |k: &str| r.label(k);
        let get_anno = |k: &str| r.annotation(k);
        self.labels.iter().all(|q| q.matches(&get_label))
            && self.annotations.iter().all(|q| q.matches(&get_anno))
    }
}

/// One requirement of a label selector.
#[derive(Debug, Clone, PartialEq)]
pub enum Requirement {
    Equals(String, String),
    NotEquals(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    NotExists(String),
}

impl Requirement {
    fn matches<'a>(&self, get: &impl Fn(&str) -> Option<&'a str>) -> bool {
        match self {
            Requirement::Equals(k, v) => get(k) == Some(v.as_str()),
            Requirement::NotEquals(k, v) => get(k) != Some(v.as_str()),
            Requirement::In(k, vs) => get(k).is_some_and(|x| vs.iter().any(|v| v == x)),
            Requirement::NotIn(k, vs) => get(k).is_none_or(|x| !vs.iter().any(|v| v == x)),
            Requirement::Exists(k) => get(k).is_some(),
            Requirement::NotExists(k) => get(k).is_none(),
        }
    }
}

/// Parses Kubernetes selector syntax: `a=b,c!=d,e in (f,g),h notin (i),j,!k`.
pub fn parse_selector(s: &str) -> std::result::Result<Vec<Requirement>, String> {
    let mut out = Vec::new();
    let mut rest = s.trim();
    while !rest.is_empty() {
        // Split off one requirement, respecting parentheses.
        let mut depth = 0;
        let mut end = rest.len();
        for (i, c) in rest.char_indices() {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                ',' if depth == 0 => {
                    end = i;
                    break;
                }
                _ => {}
            }
        }
        let part = rest[..end].trim();
        rest = rest.get(end + 1..).unwrap_or("").trim();
        if part.is_empty() {
            return Err("empty requirement".into());
        }
        out.push(parse_requirement(part)?);
    }
    Ok(out)
}

fn parse_requirement(p: &str) -> std::result::Result<Requirement, String> {
    if let Some(k) = p.strip_prefix('!') {
        return Ok(Requirement::NotExists(key(k)?));
    }
    if let Some((k, v)) = p.split_once("!=") {
        return Ok(Requirement::NotEquals(key(k)?, v.trim().to_string()));
    }
    if let Some((k, v)) = p.split_once("==") {
        return Ok(Requirement::Equals(key(k)?, v.trim().to_string()));
    }
    if let Some((k, v)) = p.split_once('=') {
        return Ok(Requirement::Equals(key(k)?, v.trim().to_string()));
    }
    for (op, notin) in [(" notin ", true), (" in ", false)] {
        if let Some((k, v)) = p.split_once(op) {
            let v = v.trim();
            let inner = v
                .strip_prefix('(')
                .and_then(|v| v.strip_suffix(')'))
                .ok_or_else(|| format!("expected a parenthesised value list in {p:?}"))?;
            let vals = inner.split(',').map(|x| x.trim().to_string()).collect();
            return Ok(if notin {
                Requirement::NotIn(key(k)?, vals)
            } else {
                Requirement::In(key(k)?, vals)
            });
        }
    }
    Ok(Requirement::Exists(key(p)?))
}

fn key(k: &str) -> std::result::Result<String, String> {
    let k = k.trim();
    if k.is_empty() || k.contains(char::is_whitespace) {
        return Err(format!("invalid key {k:?}"));
    }
    Ok(k.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;
    use crate::resource::Origin;

    fn res(name: &str, labels: crate::value::Value) -> Resource {
        Resource::new(
            json!({"apiVersion": "apps/v1", "kind": "Deployment",
                   "metadata": {"name": name, "labels": labels}}),
            Origin::default(),
        )
    }

    /// Plain patterns are compared as strings; the answer is the anchored regex's.
    #[test]
    fn literal_patterns_match_like_their_regex() {
        let texts = [
            "web", "web2", "a-b", "a_b", "x/y", "p:q", "u@v", "", "WEB", "we",
        ];
        for p in ["web", "a-b", "a_b", "x/y", "p:q", "u@v", "Deployment"] {
            let lit = anchored(p, "name").unwrap().unwrap();
            assert!(matches!(lit, Pattern::Literal(_)), "{p}");
            let re = Regex::new(&format!("^(?:{p})$")).unwrap();
            for t in texts {
                assert_eq!(lit.is_match(t), re.is_match(t), "{p} {t}");
            }
        }
        for p in ["web.*", "a.b", "(x|y)", "w+"] {
            assert!(
                matches!(anchored(p, "name").unwrap(), Some(Pattern::Regex(_))),
                "{p}"
            );
        }
    }

    #[test]
    fn regex_names_are_anchored() {
        let m = Matcher::new(&Selector {
            name: "web.*".into(),
            ..Selector::default()
        })
        .unwrap();
        assert!(m.matches(&res("web-a", json!({}))));
        assert!(!m.matches(&res("a-web", json!({}))));
    }

    #[test]
    fn original_names_still_match_after_renames() {
        let mut r = res("web", json!({}));
        r.set_name("prod-web");
        let m = Matcher::new(&Selector {
            name: "web".into(),
            ..Selector::default()
        })
        .unwrap();
        assert!(m.matches(&r));
    }

    #[test]
    fn label_selectors() {
        let m = Matcher::new(&Selector {
            label_selector: "app=web,tier in (front, back),!legacy".into(),
            ..Selector::default()
        })
        .unwrap();
        assert!(m.matches(&res("x", json!({"app": "web", "tier": "front"}))));
        assert!(!m.matches(&res("x", json!({"app": "web", "tier": "db"}))));
        assert!(!m.matches(&res(
            "x",
            json!({"app": "web", "tier": "front", "legacy": "1"})
        )));
        assert!(parse_selector("a in b").is_err());
    }

    #[test]
    fn namespace_defaults() {
        let m = Matcher::new(&Selector {
            namespace: "default".into(),
            ..Selector::default()
        })
        .unwrap();
        assert!(m.matches(&res("x", json!({}))));
    }
}
