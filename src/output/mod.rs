//! Output beyond kustomize's YAML stream (opt-in): JSON, and one file per object for GitOps
//! repositories.
//!
//! `--output-dir DIR` writes `DIR/<namespace>/<kind>-<name>.yaml` (cluster-scoped objects
//! under `DIR/_cluster/`), names that do not change when other objects come and go, so a
//! GitOps diff shows only what changed. The kind is lower-cased and qualified by its API
//! group (`<kind>.<group>-<name>`) only when two objects would otherwise share a file.
//! Files are rewritten only when their content changes. YAML/JSON files under `DIR` that the
//! build no longer produces are reported as stale (and removed with `--prune`).
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::value::Value;

use crate::error::{Error, Result};
use crate::resmap::ResMap;
use crate::resource::Resource;

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// kustomize's YAML stream (the default).
    #[default]
    Yaml,
    /// A `v1 List` of the objects (as `kubectl get -o json` prints), pretty-printed.
    Json,
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Format::Yaml => "yaml",
            Format::Json => "json",
        }
    }
}

/// The whole build as one stream in `format`.
pub fn render(rm: &ResMap, format: Format) -> Result<String> {
    match format {
        Format::Yaml => Ok(render_yaml(rm)),
        Format::Json => {
            let list = crate::json!({
                "apiVersion": "v1",
                "kind": "List",
                "items": rm.iter().map(|r| r.body.clone()).collect::<Vec<_>>(),
            });
            to_json(&list)
        }
    }
}

/// Documents rendered per piece of work when writing a build: small enough that a build of
/// a few hundred objects is already spread over the cores.
const CHUNK: usize = 32;

/// Chunks rendered per round before their text is written, per core: the text of a round
/// is written before the next is rendered into the same buffers, so the memory the output
/// takes stays at one round's worth (fresh memory is not free: the kernel faults it in
/// page by page), and the cores are stopped once per some 250 documents.
const GROUP_PER_THREAD: usize = 4;

/// Room reserved per document of a chunk, so the text is not copied as it grows (a typical
/// Deployment is 2–3 KiB; reserved pages that are never written cost nothing).
const RESERVE_PER_DOC: usize = 4096;

/// Renders the YAML of one chunk of objects, as [`crate::yaml::emit_stream`] writes it,
/// into `out` (emptied first; its room is kept from round to round). A chunk that follows
/// another in the stream starts with the separator, so that each chunk is one write.
fn render_chunk(objs: &[crate::resource::Resource], follows: bool, out: &mut String) {
    out.clear();
    out.reserve(objs.len() * RESERVE_PER_DOC + 4);
    for (i, r) in objs.iter().enumerate() {
        if i > 0 || follows {
            out.push_str("---\n");
        }
        crate::yaml::emit_document(&r.body, out);
    }
}

/// The YAML stream of `rm`, byte for byte what [`crate::yaml::emit_stream`] writes.
fn render_yaml(rm: &ResMap) -> String {
    let mut out = Vec::new();
    // Writing to a Vec cannot fail.
    let _ = write_yaml(rm, &mut out);
    String::from_utf8(out).unwrap_or_default()
}

/// Writes the YAML stream of `rm` to `w`, byte for byte what [`crate::yaml::emit_stream`]
/// produces, without holding the whole text: documents are independent, so a large build
/// is rendered a few chunks at a time on all cores and written in order.
///
/// Each chunk of documents reaches `w` in one `write_all` of some tens of KiB, so `w` need
/// not be buffered (a buffer would only copy the text once more, through memory the kernel
/// has to fault in: 1 MiB of `BufWriter` was a tenth of the peak heap at 100 services).
pub fn write_yaml(rm: &ResMap, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    let objs: &[crate::resource::Resource] = rm.as_slice();
    // (chunk, whether a chunk precedes it in the stream)
    let chunks: Vec<(&[crate::resource::Resource], bool)> = objs
        .chunks(CHUNK)
        .enumerate()
        .map(|(i, c)| (c, i > 0))
        .collect();
    let group = GROUP_PER_THREAD * crate::par::threads();
    let mut bufs: Vec<((&[crate::resource::Resource], bool), String)> = Vec::new();
    for round in chunks.chunks(group) {
        bufs.resize_with(round.len(), || ((&[], false), String::new()));
        for (slot, c) in bufs.iter_mut().zip(round) {
            slot.0 = *c;
        }
        let Ok(()) = crate::par::for_each_mut(&mut bufs, 1, |((c, follows), out)| {
            render_chunk(c, *follows, out);
            Ok::<(), std::convert::Infallible>(())
        });
        for (_, part) in &bufs {
            w.write_all(part.as_bytes())?;
        }
    }
    Ok(())
}

fn to_json(v: &Value) -> Result<String> {
    let mut s = serde_json::to_string_pretty(v)
        .map_err(|e| Error::msg(format!("cannot write JSON: {e}")))?;
    s.push('\n');
    Ok(s)
}

/// One object in `format`.
pub fn render_one(r: &Resource, format: Format) -> Result<String> {
    match format {
        Format::Yaml => {
            let mut s = String::new();
            crate::yaml::emit_document(&r.body, &mut s);
            Ok(s)
        }
        Format::Json => to_json(&r.body),
    }
}

fn sanitize(s: &str) -> String {
    let out: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    match out.as_str() {
        "" | "." | ".." => format!("_{out}"),
        _ => out,
    }
}

/// The relative file name of every object, in `rm`'s order.
pub fn file_names(rm: &ResMap, format: Format) -> Result<Vec<PathBuf>> {
    let ext = format.extension();
    let dir_of = |r: &Resource| {
        if r.gvk().is_cluster_scoped() || r.namespace().is_empty() {
            if r.gvk().is_cluster_scoped() {
                "_cluster".to_string()
            } else {
                "default".to_string()
            }
        } else {
            sanitize(r.namespace())
        }
    };
    let short = |r: &Resource| {
        PathBuf::from(dir_of(r)).join(format!(
            "{}-{}.{ext}",
            r.kind().to_ascii_lowercase(),
            sanitize(r.name())
        ))
    };
    let mut count: BTreeMap<PathBuf, usize> = BTreeMap::new();
    for r in rm {
        *count.entry(short(r)).or_default() += 1;
    }
    let mut names = Vec::with_capacity(rm.len());
    let mut seen = BTreeSet::new();
    for r in rm {
        let s = short(r);
        let name = if count.get(&s).copied().unwrap_or(0) > 1 {
            let g = r.gvk().group;
            let kind = r.kind().to_ascii_lowercase();
            let qual = if g.is_empty() {
                kind
            } else {
                format!("{kind}.{}", sanitize(&g))
            };
            PathBuf::from(dir_of(r)).join(format!("{qual}-{}.{ext}", sanitize(r.name())))
        } else {
            s
        };
        if !seen.insert(name.clone()) {
            return Err(Error::msg(format!(
                "two objects would be written to {}: {}",
                name.display(),
                r.id()
            ))
            .with_hint(
                "their names differ only in characters that are not allowed in file names",
            ));
        }
        names.push(name);
    }
    Ok(names)
}

/// What writing an output directory did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DirReport {
    pub written: Vec<PathBuf>,
    pub unchanged: Vec<PathBuf>,
    /// Files under the directory that this build did not produce.
    pub stale: Vec<PathBuf>,
    /// Stale files removed (with `prune`).
    pub removed: Vec<PathBuf>,
}

/// The files `rm` splits into: relative path and content.
pub fn split(rm: &ResMap, format: Format) -> Result<Vec<(PathBuf, String)>> {
    let names = file_names(rm, format)?;
    names
        .into_iter()
        .zip(rm.iter())
        .map(|(n, r)| render_one(r, format).map(|c| (n, c)))
        .collect()
}

/// Writes one file per object under `dir`.
pub fn write_dir(rm: &ResMap, dir: &Path, format: Format, prune: bool) -> Result<DirReport> {
    let files = split(rm, format)?;
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::msg(format!("cannot create directory: {e}")).in_file(dir))?;
    let mut report = DirReport::default();
    let mut produced = BTreeSet::new();
    for (rel, content) in &files {
        let path = dir.join(rel);
        produced.insert(rel.clone());
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| Error::msg(format!("cannot create directory: {e}")).in_file(parent))?;
        }
        if let Ok(meta) = std::fs::symlink_metadata(&path) {
            if meta.file_type().is_symlink() || !meta.is_file() {
                return Err(
                    Error::msg("refusing to write through a symlink or over a non-file")
                        .in_file(&path),
                );
            }
            if std::fs::read(&path).is_ok_and(|old| old == content.as_bytes()) {
                report.unchanged.push(rel.clone());
                continue;
            }
        }
        std::fs::write(&path, content)
            .map_err(|e| Error::msg(format!("cannot write: {e}")).in_file(&path))?;
        report.written.push(rel.clone());
    }
    let mut existing = Vec::new();
    list_outputs(dir, Path::new(""), 0, &mut existing);
    for rel in existing {
        if !produced.contains(&rel) {
            if prune {
                let p = dir.join(&rel);
                std::fs::remove_file(&p)
                    .map_err(|e| Error::msg(format!("cannot remove: {e}")).in_file(&p))?;
                if let Some(parent) = p.parent()
                    && parent != dir
                {
                    // Only succeeds when the directory is now empty.
                    let _ = std::fs::remove_dir(parent);
                }
                report.removed.push(rel);
            } else {
                report.stale.push(rel);
            }
        }
    }
    Ok(report)
}

/// YAML and JSON files under `dir` (relative), two levels deep at most, symlinks not followed.
pub fn list_outputs(dir: &Path, rel: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir.join(rel)) else {
        return;
    };
    let mut entries: Vec<_> = rd.filter_map(|e| e.ok()).collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let Ok(ft) = e.file_type() else { continue };
        let r = rel.join(e.file_name());
        if ft.is_dir() && depth < 2 {
            list_outputs(dir, &r, depth + 1, out);
        } else if ft.is_file() {
            let ext = r.extension().and_then(|x| x.to_str()).unwrap_or("");
            if matches!(ext, "yaml" | "yml" | "json") {
                out.push(r);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;
    use crate::resource::Origin;

    fn rm(vals: Vec<Value>) -> ResMap {
        ResMap::from_vec(
            vals.into_iter()
                .map(|v| Resource::new(v, Origin::default()))
                .collect(),
        )
    }

    #[test]
    fn names_are_stable_and_qualified_on_collision() {
        let m = rm(vec![
            json!({"apiVersion":"v1","kind":"Namespace","metadata":{"name":"shop"}}),
            json!({"apiVersion":"v1","kind":"Service","metadata":{"name":"web","namespace":"shop"}}),
            json!({"apiVersion":"serving.knative.dev/v1","kind":"Service","metadata":{"name":"web","namespace":"shop"}}),
            json!({"apiVersion":"rbac.authorization.k8s.io/v1","kind":"ClusterRole","metadata":{"name":"system:x"}}),
        ]);
        let n = file_names(&m, Format::Yaml).unwrap();
        let n: Vec<String> = n.iter().map(|p| p.display().to_string()).collect();
        assert_eq!(
            n,
            [
                "_cluster/namespace-shop.yaml",
                "shop/service-web.yaml",
                "shop/service.serving.knative.dev-web.yaml",
                "_cluster/clusterrole-system_x.yaml"
            ]
        );
    }

    #[test]
    fn the_stream_written_in_rounds_equals_one_emitted_whole() {
        // more documents than one round holds, and a partial last chunk
        let n = GROUP_PER_THREAD * crate::par::threads() * CHUNK * 2 + CHUNK + 7;
        let m = rm((0..n)
            .map(|i| json!({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":format!("c{i}")},"data":{"k":i.to_string()}}))
            .collect());
        let whole = crate::yaml::emit_stream(m.iter().map(|r| &r.body));
        let mut out = Vec::new();
        write_yaml(&m, &mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), whole);
        assert_eq!(render(&m, Format::Yaml).unwrap(), whole);
    }

    #[test]
    fn each_chunk_is_one_write() {
        // the writer is not buffered (see `write_yaml`): separators travel with their chunk
        struct Counting(Vec<usize>);
        impl std::io::Write for Counting {
            fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
                self.0.push(b.len());
                Ok(b.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let n = CHUNK * 3 + 1;
        let m = rm((0..n)
            .map(|i| json!({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":format!("c{i}")}}))
            .collect());
        let mut w = Counting(Vec::new());
        write_yaml(&m, &mut w).unwrap();
        assert_eq!(w.0.len(), 4, "{:?}", w.0);
        assert!(w.0[..3].iter().all(|&len| len > CHUNK * 40), "{:?}", w.0);
    }

    #[test]
    fn json_is_a_list() {
        let m = rm(vec![
            json!({"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"a"}}),
        ]);
        let s = render(&m, Format::Json).unwrap();
        let v: Value = serde_json::from_str(&s).unwrap();
        assert_eq!(v["kind"], "List");
        assert_eq!(v["items"][0]["metadata"]["name"], "a");
    }
}
