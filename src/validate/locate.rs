//! Finds the line of a finding's field in its source file.
//!
//! Objects carry the line where their document starts. For a finding we want the line of
//! the field itself (`deployment.yaml:20`), so after all rules ran we re-read only the files
//! that have findings, walk their YAML events once, and for each finding take the line of
//! the deepest key of its field path that exists in the source (a field that a patch added
//! or that is missing maps to its nearest existing parent; an object from a generator keeps
//! its origin).
use crate::hashing::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use saphyr_parser::{Event, Parser};

use super::diag::Diagnostic;

/// Largest file re-read for line numbers.
const MAX_LOCATE_BYTES: u64 = 8 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathSeg {
    Key(String),
    Idx(usize),
}

/// Parses `spec.containers[0]["app.kubernetes.io/name"].image` into segments.
pub fn parse_path(s: &str) -> Vec<PathSeg> {
    let mut out = Vec::new();
    let b: Vec<char> = s.chars().collect();
    let mut i = 0;
    let mut cur = String::new();
    while i < b.len() {
        match b[i] {
            '.' => {
                if !cur.is_empty() {
                    out.push(PathSeg::Key(std::mem::take(&mut cur)));
                }
                i += 1;
            }
            '[' => {
                if !cur.is_empty() {
                    out.push(PathSeg::Key(std::mem::take(&mut cur)));
                }
                if b.get(i + 1) == Some(&'"') {
                    let mut j = i + 2;
                    let mut key = String::new();
                    while j < b.len() && b[j] != '"' {
                        if b[j] == '\\' && j + 1 < b.len() {
                            j += 1;
                        }
                        key.push(b[j]);
                        j += 1;
                    }
                    out.push(PathSeg::Key(key));
                    i = j + 2; // past `"]`
                } else {
                    let mut j = i + 1;
                    let mut num = String::new();
                    while j < b.len() && b[j] != ']' {
                        num.push(b[j]);
                        j += 1;
                    }
                    match num.parse() {
                        Ok(n) => out.push(PathSeg::Idx(n)),
                        Err(_) => out.push(PathSeg::Key(num)),
                    }
                    i = j + 1;
                }
            }
            c => {
                cur.push(c);
                i += 1;
            }
        }
    }
    if !cur.is_empty() {
        out.push(PathSeg::Key(cur));
    }
    out
}

enum Frame {
    Map { key: Option<String>, want_key: bool },
    Seq { idx: usize },
}

/// A file's targets by the line of the document they are in.
type TargetsByLine = HashMap<usize, Vec<Target>>;

struct Target {
    diag: usize,
    segs: Vec<PathSeg>,
    best_len: usize,
    best_line: usize,
}

/// Replaces each finding's document line by its field's line where the source shows it.
pub fn refine_lines(diags: &mut [Diagnostic]) {
    let mut by_file: HashMap<Arc<PathBuf>, TargetsByLine> = HashMap::default();
    for (i, d) in diags.iter().enumerate() {
        let Some(f) = &d.file else { continue };
        if d.line == 0 || d.field.is_empty() {
            continue;
        }
        by_file
            .entry(f.clone())
            .or_default()
            .entry(d.line)
            .or_default()
            .push(Target {
                diag: i,
                segs: parse_path(&d.field),
                best_len: 0,
                best_line: 0,
            });
    }
    // Files are read and scanned on all cores; each file's targets name only its own
    // diagnostics.
    let mut files: Vec<(Arc<PathBuf>, TargetsByLine)> = by_file.into_iter().collect();
    let _ = crate::par::for_each_mut(&mut files, 1, |(file, docs)| {
        if std::fs::metadata(file.as_path()).map_or(true, |m| m.len() > MAX_LOCATE_BYTES) {
            return Ok::<(), ()>(());
        }
        if let Ok(text) = std::fs::read_to_string(file.as_path()) {
            scan(&text, docs);
        }
        Ok(())
    });
    for t in files.iter().flat_map(|(_, docs)| docs.values().flatten()) {
        if t.best_len > 0
            && let Some(d) = diags.get_mut(t.diag)
        {
            d.line = t.best_line;
        }
    }
}

fn scan(text: &str, docs: &mut TargetsByLine) {
    // The fast reader takes plain block YAML; whatever it leaves goes through saphyr from
    // the start again (recording the best line per target is idempotent).
    {
        let mut st = ScanState::default();
        let fast = crate::yaml::fast::parse(text, &mut |ev, span| {
            st.event(ev, span.start.line(), docs);
            Ok(())
        });
        if fast.is_ok() {
            return;
        }
    }
    let mut st = ScanState::default();
    for item in Parser::new_from_str(text) {
        let Ok((ev, span)) = item else { return };
        st.event(ev, span.start.line(), docs);
    }
}

#[derive(Default)]
struct ScanState {
    stack: Vec<Frame>,
    doc_line: usize,
    path: Vec<PathSeg>,
}

impl ScanState {
    fn event(&mut self, ev: Event<'_>, line: usize, docs: &mut HashMap<usize, Vec<Target>>) {
        let ScanState {
            stack,
            doc_line,
            path,
        } = self;
        // Before a node: where does it sit?
        let is_node = matches!(
            ev,
            Event::Scalar(..)
                | Event::MappingStart(..)
                | Event::SequenceStart(..)
                | Event::Alias(_)
        );
        if is_node {
            // A value in a sequence: its path is known now.
            if let Some(Frame::Seq { idx }) = stack.last() {
                path.push(PathSeg::Idx(*idx));
                visit(docs.get_mut(doc_line), path, line);
            }
            if let Some(Frame::Map { key, want_key }) = stack.last_mut()
                && *want_key
            {
                // This node is a key.
                let k = match &ev {
                    Event::Scalar(s, ..) => s.to_string(),
                    _ => String::new(),
                };
                path.push(PathSeg::Key(k.clone()));
                visit(docs.get_mut(doc_line), path, line);
                *key = Some(k);
                *want_key = false;
                // Complex keys are not followed.
                if !matches!(ev, Event::Scalar(..) | Event::Alias(_)) {
                    stack.push(Frame::Map {
                        key: None,
                        want_key: true,
                    });
                }
                return;
            }
        }
        match ev {
            Event::DocumentStart(_) => {
                *doc_line = line;
                stack.clear();
                path.clear();
            }
            Event::MappingStart(..) => stack.push(Frame::Map {
                key: None,
                want_key: true,
            }),
            Event::SequenceStart(..) => stack.push(Frame::Seq { idx: 0 }),
            Event::MappingEnd | Event::SequenceEnd => {
                stack.pop();
                end_value(stack, path);
            }
            Event::Scalar(..) | Event::Alias(_) => end_value(stack, path),
            _ => {}
        }
    }
}

/// A value in the frame on top of the stack has ended.
fn end_value(stack: &mut [Frame], path: &mut Vec<PathSeg>) {
    match stack.last_mut() {
        Some(Frame::Map { key, want_key }) => {
            if key.take().is_some() {
                path.pop();
            }
            *want_key = true;
        }
        Some(Frame::Seq { idx }) => {
            *idx += 1;
            path.pop();
        }
        None => {}
    }
}

fn visit(targets: Option<&mut Vec<Target>>, path: &[PathSeg], line: usize) {
    let Some(targets) = targets else { return };
    for t in targets {
        if path.len() > t.best_len && t.segs.len() >= path.len() && t.segs[..path.len()] == *path {
            t.best_len = path.len();
            t.best_line = line;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert_eq!(
            parse_path("spec.containers[0][\"a.b/c\"].x"),
            vec![
                PathSeg::Key("spec".into()),
                PathSeg::Key("containers".into()),
                PathSeg::Idx(0),
                PathSeg::Key("a.b/c".into()),
                PathSeg::Key("x".into())
            ]
        );
    }

    #[test]
    fn lines() {
        let text = "a: 1\n---\nkind: X\nspec:\n  list:\n  - name: a\n  - name: b\n    image: x\n";
        let mut docs = HashMap::default();
        docs.insert(
            2,
            vec![Target {
                diag: 0,
                segs: parse_path("spec.list[1].image"),
                best_len: 0,
                best_line: 0,
            }],
        );
        scan(text, &mut docs);
        assert_eq!(docs[&2][0].best_line, 8);
    }
}
