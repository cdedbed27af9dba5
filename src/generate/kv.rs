//! Key/value sources of generators (kustomize's `api/kv`): `envs` files, `literals` and
//! `files`, read in that order.
use crate::error::{Error, Result};
use crate::loader::Loader;

/// One generated entry. Values are bytes: a file may hold anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pair {
    pub key: String,
    pub value: Vec<u8>,
    /// Where the entry came from, for messages (`literals[0]`, `files[2]`, `envs[0] (.env line 3)`).
    pub source: String,
}

/// The sources of one generator.
#[derive(Debug, Clone, Default)]
pub struct Sources<'a> {
    pub envs: &'a [String],
    pub literals: &'a [String],
    pub files: &'a [String],
}

/// Loads every pair, envs first, then literals, then files (kustomize's order).
pub fn load(loader: &Loader, src: &Sources<'_>) -> Result<Vec<Pair>> {
    let mut out = Vec::new();
    for (i, p) in src.envs.iter().enumerate() {
        let field = format!("envs[{i}]");
        let (_, bytes) = loader
            .read_file(p)
            .map_err(|e| with_field(e, &field, "env file", p))?;
        for mut pair in parse_env(&bytes, p).map_err(|e| e.at_field(field.clone()))? {
            pair.source = format!("{field} ({})", pair.source);
            out.push(pair);
        }
    }
    for (i, s) in src.literals.iter().enumerate() {
        let field = format!("literals[{i}]");
        let (key, value) = parse_literal(s).map_err(|e| e.at_field(field.clone()))?;
        out.push(Pair {
            key,
            value: value.into_bytes(),
            source: field,
        });
    }
    for (i, s) in src.files.iter().enumerate() {
        let field = format!("files[{i}]");
        let (key, path) = parse_file_source(s).map_err(|e| e.at_field(field.clone()))?;
        let (_, bytes) = loader
            .read_file(path)
            .map_err(|e| with_field(e, &field, "file", path))?;
        out.push(Pair {
            key: key.to_string(),
            value: bytes,
            source: field,
        });
    }
    Ok(out)
}

fn with_field(e: Error, field: &str, what: &str, path: &str) -> Error {
    let mut e = e.at_field(field.to_string());
    if !e.msg.contains(&format!("{path:?}")) {
        e.msg = format!("{what} {path:?}: {}", e.msg);
    }
    e
}

/// `key=value`; the value may be wrapped in matching single or double quotes.
pub fn parse_literal(s: &str) -> Result<(String, String)> {
    match s.split_once('=') {
        Some((k, v)) if !k.is_empty() => Ok((k.to_string(), remove_quotes(v).to_string())),
        _ => Err(Error::msg(format!(
            "invalid literal {s:?}: expected key=value"
        ))),
    }
}

fn remove_quotes(s: &str) -> &str {
    let b = s.as_bytes();
    if b.len() >= 2 && b[0] == b[b.len() - 1] && (b[0] == b'"' || b[0] == b'\'') {
        &s[1..s.len() - 1]
    } else {
        s
    }
}

/// `path` (key is the file's base name) or `key=path`.
pub fn parse_file_source(s: &str) -> Result<(&str, &str)> {
    let n = s.matches('=').count();
    if n == 0 {
        return Ok((go_path_base(s), s));
    }
    if n > 1 {
        return Err(Error::msg(format!(
            "file source {s:?}: the key name or the file path contains '='"
        ))
        .with_hint("write key=path with a single '='"));
    }
    match s.split_once('=') {
        Some(("", p)) => Err(Error::msg(format!(
            "file source {s:?}: missing key name for file path {p:?}"
        ))),
        Some((k, "")) => Err(Error::msg(format!(
            "file source {s:?}: missing file path for key name {k:?}"
        ))),
        Some((k, p)) => Ok((k, p)),
        None => Ok((go_path_base(s), s)),
    }
}

/// Go's `path.Base`: the last slash-separated element, trailing slashes ignored.
fn go_path_base(p: &str) -> &str {
    if p.is_empty() {
        return ".";
    }
    let t = p.trim_end_matches('/');
    if t.is_empty() {
        return "/";
    }
    match t.rfind('/') {
        Some(i) => &t[i + 1..],
        None => t,
    }
}

/// Longest line kustomize's line scanner accepts.
const MAX_ENV_LINE: usize = 64 * 1024;

/// Parses an env file: `KEY=value` lines (value taken verbatim, no quote removal), `KEY`
/// alone for an empty value; blank lines and `#` comments skipped; leading whitespace
/// ignored; a UTF-8 BOM on the first line dropped; lines with an empty key skipped.
pub fn parse_env(bytes: &[u8], file: &str) -> Result<Vec<Pair>> {
    let mut out = Vec::new();
    let mut rest = bytes;
    let mut lineno = 0usize;
    while !rest.is_empty() {
        let (mut line, next) = match rest.iter().position(|&b| b == b'\n') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, &rest[rest.len()..]),
        };
        rest = next;
        lineno += 1;
        if let Some(l) = line.strip_suffix(b"\r") {
            line = l;
        }
        if line.len() > MAX_ENV_LINE {
            return Err(Error::msg(format!(
                "env file {file:?} line {lineno} is longer than {MAX_ENV_LINE} bytes"
            )));
        }
        let Ok(mut text) = std::str::from_utf8(line) else {
            return Err(Error::msg(format!(
                "env file {file:?} line {lineno} is not valid UTF-8"
            ))
            .with_hint("put binary content in `files:` instead of `envs:`"));
        };
        if lineno == 1 {
            text = text.strip_prefix('\u{feff}').unwrap_or(text);
        }
        let text = text.trim_start();
        if text.is_empty() || text.starts_with('#') {
            continue;
        }
        let (key, value) = text.split_once('=').unwrap_or((text, ""));
        if key.is_empty() {
            continue;
        }
        out.push(Pair {
            key: key.to_string(),
            value: value.as_bytes().to_vec(),
            source: format!("{file} line {lineno}"),
        });
    }
    Ok(out)
}

/// The API server's ConfigMap/Secret key rule: 1–253 characters from `[-._a-zA-Z0-9]`,
/// not `.` or `..`, not starting with `..`.
pub fn check_key(key: &str) -> Result<(), String> {
    if key.is_empty() {
        return Err("a key must not be empty".into());
    }
    if key.len() > 253 {
        return Err(format!(
            "key {:?}… is {} characters long; keys are at most 253",
            key.chars().take(20).collect::<String>(),
            key.len()
        ));
    }
    if let Some(c) = key
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        return Err(format!(
            "invalid key {key:?}: {c:?} is not allowed; keys consist of alphanumeric characters, '-', '_' or '.'"
        ));
    }
    if key == "." || key == ".." || key.starts_with("..") {
        return Err(format!(
            "invalid key {key:?}: keys must not be '.' or '..' or start with '..'"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals() {
        assert_eq!(parse_literal("a=b").unwrap(), ("a".into(), "b".into()));
        assert_eq!(parse_literal("a=b=c").unwrap(), ("a".into(), "b=c".into()));
        assert_eq!(parse_literal("a=\"x y\"").unwrap().1, "x y");
        assert_eq!(parse_literal("a='x'").unwrap().1, "x");
        assert_eq!(parse_literal("a=\"x'").unwrap().1, "\"x'");
        assert_eq!(parse_literal("a=\"").unwrap().1, "\"");
        assert_eq!(parse_literal("a=").unwrap().1, "");
        assert!(parse_literal("=b").is_err());
        assert!(parse_literal("ab").is_err());
    }

    #[test]
    fn file_sources() {
        assert_eq!(
            parse_file_source("dir/a.txt").unwrap(),
            ("a.txt", "dir/a.txt")
        );
        assert_eq!(
            parse_file_source("k=dir/a.txt").unwrap(),
            ("k", "dir/a.txt")
        );
        assert!(parse_file_source("=a").is_err());
        assert!(parse_file_source("k=").is_err());
        assert!(parse_file_source("k=a=b").is_err());
    }

    #[test]
    fn env_files() {
        let src = b"\xef\xbb\xbfA=1\r\n  # c\n\nB\n  C=x=y # not a comment\n=skip\nexport D=2";
        let got: Vec<(String, String)> = parse_env(src, "e")
            .unwrap()
            .into_iter()
            .map(|p| (p.key, String::from_utf8(p.value).unwrap()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("A".into(), "1".into()),
                ("B".into(), "".into()),
                ("C".into(), "x=y # not a comment".into()),
                ("export D".into(), "2".into()),
            ]
        );
        assert!(parse_env(b"A=\xff", "e").is_err());
    }

    #[test]
    fn keys() {
        assert!(check_key("a-b_c.d").is_ok());
        assert!(check_key(".a").is_ok());
        assert!(check_key("..a").is_err());
        assert!(check_key("a b").is_err());
        assert!(check_key("").is_err());
        assert!(check_key(&"a".repeat(254)).is_err());
    }
}
