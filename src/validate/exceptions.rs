//! Explicit, justified policy exceptions: `stackgen.dev/validate-exception` on an object.
//!
//! ```yaml
//! metadata:
//!   annotations:
//!     stackgen.dev/validate-exception: |
//!       P008[sysctl]: the init container sets vm.max_map_count, required by OpenSearch
//!       P001, P002: sized by the operator at run time
//! ```
//!
//! Entries are separated by line breaks or `;`. Each is `CODE[container]: justification`
//! (the `[container]` scope is optional; several codes may share one justification, separated
//! by commas). Unlike `stackgen.dev/validate-ignore`, which silences rules, an exception keeps
//! the finding: it is moved to the report's excepted findings, which every output lists with
//! its justification (and SARIF marks as suppressed in source), so relaxing a policy is always
//! visible and reviewed.
//!
//! Only reference (R) and policy (P) rules can be excepted: schema findings (S) are what the
//! API server rejects whatever a tool says, build notes (K) have no object. An entry without
//! a justification, with an unknown code or naming a container the object does not have is
//! itself a finding (P011, an error everywhere); an entry that excepted nothing is P012 (it
//! would silently cover the next real finding).
use std::cell::RefCell;

use super::Obj;

/// The annotation holding the exceptions of one object.
pub const EXCEPTION_ANNOTATION: &str = "stackgen.dev/validate-exception";

/// One exception: a rule code, optionally one container, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub code: String,
    pub container: Option<String>,
    pub justification: String,
}

/// The parsed annotation: valid entries and what was wrong with the others.
#[derive(Debug, Default)]
pub struct Exceptions {
    pub entries: Vec<Entry>,
    pub problems: Vec<String>,
    used: RefCell<Vec<bool>>,
}

/// Parses the annotation's value. Never fails: malformed entries become `problems`.
pub fn parse(value: &str) -> Exceptions {
    let mut ex = Exceptions::default();
    for raw in value.split(['\n', ';']) {
        let raw = raw.trim();
        if raw.is_empty() {
            continue;
        }
        let (head, why) = match raw.split_once(':') {
            Some((h, w)) => (h.trim(), w.trim()),
            None => (raw, ""),
        };
        if why.is_empty() {
            ex.problems.push(format!(
                "exception {head:?} has no justification: write `{head}: why the policy does not apply here`"
            ));
            continue;
        }
        for part in head.split(',') {
            let part = part.trim();
            let (code, container) = match part.split_once('[') {
                Some((c, rest)) => match rest.strip_suffix(']') {
                    Some(name) if !name.trim().is_empty() => {
                        (c.trim(), Some(name.trim().to_string()))
                    }
                    _ => {
                        ex.problems.push(format!(
                            "exception {part:?}: the container scope is written `CODE[container]`"
                        ));
                        continue;
                    }
                },
                None => (part, None),
            };
            if let Some(p) = code_problem(code) {
                ex.problems.push(p);
                continue;
            }
            ex.entries.push(Entry {
                code: code.to_string(),
                container,
                justification: why.to_string(),
            });
        }
    }
    ex.used = RefCell::new(vec![false; ex.entries.len()]);
    ex
}

/// Why `code` cannot be excepted, if it cannot.
pub fn code_problem(code: &str) -> Option<String> {
    let Some(rule) = super::rules::by_code(code) else {
        return Some(format!(
            "exception names unknown rule code {code:?} (`stackgen rules` lists them)"
        ));
    };
    match code.as_bytes().first() {
        Some(b'S') => Some(format!(
            "{code} ({}) cannot be excepted: the API server rejects the object whatever a tool says",
            rule.info.name
        )),
        Some(b'K') => Some(format!(
            "{code} ({}) cannot be excepted on an object: it is a note about the build's inputs",
            rule.info.name
        )),
        _ if code == "P011" || code == "P012" => Some(format!(
            "{code} ({}) cannot be excepted: fix the exception instead",
            rule.info.name
        )),
        _ => None,
    }
}

impl Exceptions {
    /// The justification of the first entry that covers a finding of `code` at `field` of
    /// `o`, marking it used. A container-scoped entry covers findings under that container's
    /// field path only.
    pub fn covering(&self, o: &Obj<'_>, code: &str, field: &str) -> Option<String> {
        for (i, e) in self.entries.iter().enumerate() {
            if e.code != code {
                continue;
            }
            let in_scope = match &e.container {
                None => true,
                Some(name) => o.containers().iter().any(|c| {
                    c.name == name
                        && field
                            .strip_prefix(c.path.as_str())
                            .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
                }),
            };
            if in_scope {
                if let Some(u) = self.used.borrow_mut().get_mut(i) {
                    *u = true;
                }
                return Some(e.justification.clone());
            }
        }
        None
    }

    /// Entries naming a container the object does not have.
    pub fn unknown_containers<'e>(&'e self, o: &Obj<'_>) -> Vec<&'e Entry> {
        self.entries
            .iter()
            .filter(|e| {
                e.container
                    .as_ref()
                    .is_some_and(|n| !o.containers().iter().any(|c| c.name == n))
            })
            .collect()
    }

    /// Entries that covered no finding.
    pub fn unused(&self) -> Vec<&Entry> {
        let used = self.used.borrow();
        self.entries
            .iter()
            .enumerate()
            .filter(|(i, _)| !used.get(*i).copied().unwrap_or(false))
            .map(|(_, e)| e)
            .collect()
    }
}

/// `P008[sysctl]` or `P008`.
pub fn display(e: &Entry) -> String {
    match &e.container {
        Some(c) => format!("{}[{c}]", e.code),
        None => e.code.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_and_problems() {
        let ex = parse(
            "P008[sysctl]: needs vm.max_map_count\nP001, P002: sized at run time; P006\nS001: no\nX999: no",
        );
        assert_eq!(ex.entries.len(), 3);
        assert_eq!(ex.entries[0].container.as_deref(), Some("sysctl"));
        assert_eq!(ex.entries[2].code, "P002");
        assert_eq!(ex.entries[2].justification, "sized at run time");
        assert_eq!(ex.problems.len(), 3, "{:?}", ex.problems);
        assert!(ex.problems[0].contains("no justification"));
        assert!(ex.problems[1].contains("cannot be excepted"));
        assert!(ex.problems[2].contains("unknown rule code"));
    }
}
