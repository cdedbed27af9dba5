//! Golden checks: compare a build with committed output, object by object, for CI.
//!
//! A golden is a YAML stream file (`golden/production.yaml`) or a directory written by
//! `--output-dir`. The check is byte-exact; when bytes differ the report says which objects
//! were added, removed or changed (with a unified diff of each changed object), or that only
//! the order or formatting differs.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::value::Value;
use similar::TextDiff;

use crate::error::{Error, Result};
use crate::output::{Format, split};
use crate::resmap::ResMap;

/// Largest number of lines shown for one whole-file diff.
const MAX_LINES: usize = 400;

fn key(v: &Value) -> String {
    let s = |p: &[&str]| {
        let mut cur = v;
        for k in p {
            match cur.get(k) {
                Some(x) => cur = x,
                None => return String::new(),
            }
        }
        cur.as_str().unwrap_or("").to_string()
    };
    let ns = s(&["metadata", "namespace"]);
    let name = s(&["metadata", "name"]);
    let kind = s(&["kind"]);
    let api = s(&["apiVersion"]);
    if ns.is_empty() {
        format!("{kind} {name} ({api})")
    } else {
        format!("{kind} {ns}/{name} ({api})")
    }
}

fn objects(text: &str) -> Option<Vec<(String, String)>> {
    let docs = crate::yaml::parse_stream(text).ok()?;
    Some(
        docs.into_iter()
            .filter(|d| !d.value.is_null())
            .map(|d| {
                let mut s = String::new();
                crate::yaml::emit_document(&d.value, &mut s);
                (key(&d.value), s)
            })
            .collect(),
    )
}

fn unified(old: &str, new: &str, old_name: &str, new_name: &str) -> String {
    let d = TextDiff::from_lines(old, new);
    let text = d
        .unified_diff()
        .context_radius(3)
        .header(old_name, new_name)
        .to_string();
    let lines: Vec<&str> = text.lines().collect();
    if lines.len() > MAX_LINES {
        format!(
            "{}\n... ({} more lines)\n",
            lines[..MAX_LINES].join("\n"),
            lines.len() - MAX_LINES
        )
    } else {
        text
    }
}

/// Compares a built stream with a golden stream; `None` when identical.
pub fn diff_streams(built: &str, golden: &str, golden_name: &str) -> Option<String> {
    if built == golden {
        return None;
    }
    let (Some(b), Some(g)) = (objects(built), objects(golden)) else {
        return Some(unified(golden, built, golden_name, "build"));
    };
    let gm: BTreeMap<&str, &str> = g.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let bm: BTreeMap<&str, &str> = b.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let mut out = String::new();
    for (k, text) in &b {
        match gm.get(k.as_str()) {
            None => {
                out.push_str(&format!("+ added: {k}\n"));
                out.push_str(&unified("", text, "/dev/null", k));
            }
            Some(old) if old != text => {
                out.push_str(&format!("~ changed: {k}\n"));
                out.push_str(&unified(
                    old,
                    text,
                    &format!("golden {k}"),
                    &format!("build {k}"),
                ));
            }
            Some(_) => {}
        }
    }
    for (k, _) in &g {
        if !bm.contains_key(k.as_str()) {
            out.push_str(&format!("- removed: {k}\n"));
        }
    }
    if out.is_empty() {
        let order_b: Vec<&str> = b.iter().map(|(k, _)| k.as_str()).collect();
        let order_g: Vec<&str> = g.iter().map(|(k, _)| k.as_str()).collect();
        if order_b != order_g {
            out.push_str("same objects, different order:\n");
            out.push_str(&unified(
                &(order_g.join("\n") + "\n"),
                &(order_b.join("\n") + "\n"),
                &format!("{golden_name} (order)"),
                "build (order)",
            ));
        } else {
            out.push_str("same objects, different formatting:\n");
            out.push_str(&unified(golden, built, golden_name, "build"));
        }
    }
    Some(out)
}

/// Compares a build with a directory written by `--output-dir`; `None` when identical.
pub fn diff_dir(rm: &ResMap, dir: &Path, format: Format) -> Result<Option<String>> {
    if !dir.is_dir() {
        return Err(Error::msg("golden directory not found").in_file(dir));
    }
    let files = split(rm, format)?;
    let mut out = String::new();
    let mut produced = std::collections::BTreeSet::new();
    for (rel, content) in &files {
        produced.insert(rel.clone());
        let p = dir.join(rel);
        match std::fs::read(&p) {
            Err(_) => {
                out.push_str(&format!("+ added: {}\n", rel.display()));
                out.push_str(&unified(
                    "",
                    content,
                    "/dev/null",
                    &rel.display().to_string(),
                ));
            }
            Ok(old) if old != content.as_bytes() => {
                let old = String::from_utf8_lossy(&old);
                out.push_str(&format!("~ changed: {}\n", rel.display()));
                out.push_str(&unified(
                    &old,
                    content,
                    &p.display().to_string(),
                    &format!("build {}", rel.display()),
                ));
            }
            Ok(_) => {}
        }
    }
    let mut existing = Vec::new();
    crate::output::list_outputs(dir, Path::new(""), 0, &mut existing);
    for rel in existing {
        if !produced.contains(&rel) {
            out.push_str(&format!("- removed: {}\n", rel.display()));
        }
    }
    Ok((!out.is_empty()).then_some(out))
}

/// Where the golden of overlay `name` lives under `golden`: `NAME.yaml`, else `NAME/`.
pub fn golden_path(golden: &Path, name: &str) -> PathBuf {
    let dir = golden.join(name);
    if dir.is_dir() {
        dir
    } else {
        golden.join(format!("{name}.yaml"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_object_report() {
        let g = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: v\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n";
        let b = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: w\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: svc\n";
        let d = diff_streams(b, g, "golden.yaml").unwrap();
        assert!(d.contains("~ changed: ConfigMap a (v1)"), "{d}");
        assert!(d.contains("-  k: v") && d.contains("+  k: w"), "{d}");
        assert!(d.contains("+ added: Service svc"), "{d}");
        assert!(d.contains("- removed: Secret s"), "{d}");
        assert!(diff_streams(g, g, "x").is_none());
        let swapped = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  k: v\n";
        let d = diff_streams(swapped, g, "g").unwrap();
        assert!(d.contains("different order"), "{d}");
    }
}
