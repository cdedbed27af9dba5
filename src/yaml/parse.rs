//! Reading YAML streams into [`Value`] documents, the way kustomize does.
//!
//! # Why this design
//! kustomize reads YAML with go-yaml v3 (through kyaml) and, before printing, turns every
//! object into JSON. Anything a resource can hold is therefore exactly what JSON can hold:
//! null, booleans, integers, floats, strings, sequences and string-keyed maps. We keep the
//! resource body as a [`Value`] (mappings keep their key order), which gives us that model
//! directly, and serde for typed views (kustomization files, the `Stack` kind).
//!
//! The event parser is `saphyr-parser` (pure Rust, maintained, spans on every event). We build
//! values ourselves instead of going through `serde_yaml` because we need:
//! - go-yaml v3's scalar resolution (what `0777`, `1_000`, `2024-01-01` or `True` become), so
//!   that our output equals kustomize's;
//! - duplicate mapping keys rejected with both line numbers (go-yaml v3 does the same);
//! - hard bounds on hostile input: nesting depth and alias expansion (billion laughs) are
//!   limited while building, with an explicit stack, so no input can overflow ours;
//! - the line where each document starts, for diagnostics.
//!
//! Plain block-style streams (nearly all manifests) are first tried with the fast reader in
//! `fast.rs`, which feeds the same builder; anything outside its subset goes to saphyr.
//! `tests/yaml_fast_reader.rs` holds the two to the same answers.
//!
//! Measured on the bench tree (N=300, 1,819 files): see `docs/performance.md`.
use std::borrow::Cow;
use std::fmt;

use crate::value::{Map, Number, Value};
use saphyr_parser::{Event, Parser, ScalarStyle, Span, Tag};

/// Deepest nesting of collections accepted in one document. Real Kubernetes objects
/// (CRD schemas included) stay far below this; the limit keeps recursive code safe.
pub const MAX_DEPTH: usize = 256;
/// Most nodes alias expansion may add to one stream (the billion-laughs guard).
pub const MAX_ALIAS_NODES: usize = 1_000_000;

/// One parsed document and where it starts in its file (1-based line).
#[derive(Debug, Clone)]
pub struct Doc {
    pub value: Value,
    pub line: usize,
    /// JSON pointers of the mapping entries whose value was left empty (`key:`), which
    /// kyaml keeps apart from a spelled-out `null` (see [`crate::resource::Resource`]).
    pub empty_nulls: Vec<String>,
}

/// A YAML error with its position (1-based line and column; 0 when unknown).
#[derive(Debug, Clone, PartialEq)]
pub struct YamlError {
    pub line: usize,
    pub col: usize,
    pub msg: String,
}

impl fmt::Display for YamlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(f, "{}:{}: {}", self.line, self.col, self.msg)
        } else {
            f.write_str(&self.msg)
        }
    }
}

impl std::error::Error for YamlError {}

fn err_at(span: &Span, msg: impl Into<String>) -> YamlError {
    YamlError {
        line: span.start.line(),
        col: span.start.col() + 1,
        msg: msg.into(),
    }
}

/// Decodes bytes as UTF-8 (a leading BOM is dropped) or says where the first bad byte is.
pub fn decode_utf8(bytes: &[u8]) -> Result<&str, YamlError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|e| {
        let good = &bytes[..e.valid_up_to()];
        let line = good.iter().filter(|&&b| b == b'\n').count() + 1;
        let col = good.iter().rev().take_while(|&&b| b != b'\n').count() + 1;
        YamlError {
            line,
            col,
            msg: format!(
                "invalid UTF-8 (byte 0x{:02x} at offset {}); YAML files must be UTF-8",
                bytes[e.valid_up_to()],
                e.valid_up_to()
            ),
        }
    })
}

/// Parses every document of a YAML stream. Empty documents come back as `Value::Null`.
pub fn parse_stream(src: &str) -> Result<Vec<Doc>, YamlError> {
    parse_stream_with(src, false)
}

/// Like [`parse_stream`]; with `last_key_wins` a repeated mapping key replaces the earlier
/// value instead of being an error (how kustomize reads kustomization files).
pub fn parse_stream_with(src: &str, last_key_wins: bool) -> Result<Vec<Doc>, YamlError> {
    if let Some(docs) = parse_split(src, last_key_wins) {
        return Ok(docs);
    }
    // Most manifests are plain block YAML: read those with the fast reader, and everything
    // else (or anything it is unsure of) with the general parser.
    if let Some(docs) = parse_stream_fast(src, last_key_wins) {
        return Ok(docs);
    }
    parse_stream_general(src, last_key_wins)
}

/// Streams at least this long are read in pieces on all cores when they can be.
const SPLIT_MIN_BYTES: usize = 32 * 1024;
/// Smallest piece worth a share of a thread.
const SPLIT_MIN_PIECE: usize = 8 * 1024;

/// A long multi-document stream (an all-in-one manifest, a file of generated objects) read
/// by the fast reader in pieces cut at `---` lines, the pieces on all cores, or `None` to
/// read it whole. Cut only where the pieces cannot affect each other: no anchors anywhere
/// (aliases, and the alias budget, are the only state a document passes to the next),
/// no directives (`%` lines), and a cut only at a `---` line alone on its line that is
/// followed by a mapping key. Any piece the fast reader leaves (or finds an error in) sends
/// the whole stream down the usual path, so errors and their line numbers are unchanged.
fn parse_split(src: &str, last_key_wins: bool) -> Option<Vec<Doc>> {
    let threads = crate::par::threads();
    if src.len() < SPLIT_MIN_BYTES || threads < 2 {
        return None;
    }
    let b = src.as_bytes();
    if b.contains(&b'&') || b.first() == Some(&b'%') || src.contains("\n%") {
        return None;
    }
    // cut points: byte offsets of `---` lines, aimed at pieces of equal size
    let pieces = (threads * 4).min(src.len() / SPLIT_MIN_PIECE).max(1);
    let mut cuts: Vec<usize> = Vec::with_capacity(pieces);
    let mut from = 0;
    for k in 1..pieces {
        let aim = (src.len() * k / pieces).max(from + 1);
        let Some(at) = next_document_cut(src, aim) else {
            break;
        };
        if cuts.last() != Some(&at) {
            cuts.push(at);
        }
        from = at;
    }
    if cuts.is_empty() {
        return None;
    }
    // (text, first line of the piece)
    let mut parts: Vec<(&str, usize)> = Vec::with_capacity(cuts.len() + 1);
    let (mut start, mut line) = (0, 1);
    for &c in &cuts {
        let piece = &src[start..c];
        parts.push((piece, line));
        line += piece.bytes().filter(|&c| c == b'\n').count();
        start = c;
    }
    parts.push((&src[start..], line));
    let read = crate::par::map_ordered_from(2, &parts, |&(text, _)| {
        parse_stream_fast(text, last_key_wins)
    });
    let mut docs = Vec::new();
    for (piece, &(_, first_line)) in read.into_iter().zip(&parts) {
        for mut d in piece.flatten()? {
            d.line += first_line - 1;
            docs.push(d);
        }
    }
    Some(docs)
}

/// The offset of the first `---` line at or after `from` that stands alone on its line
/// and is followed by a line that starts a mapping key (a letter at column 0).
fn next_document_cut(src: &str, from: usize) -> Option<usize> {
    let b = src.as_bytes();
    let mut at = from;
    loop {
        let rel = src.get(at..)?.find("\n---\n")?;
        let cut = at + rel + 1;
        if b.get(cut + 4).is_some_and(u8::is_ascii_alphabetic) {
            return Some(cut);
        }
        at = cut;
    }
}

/// The documents of `src` as read by the fast reader ([`super::fast`]), or `None` when it
/// leaves the stream to the general parser. Public for the differential tests that hold
/// the two readers to the same answers.
#[doc(hidden)]
pub fn parse_stream_fast(src: &str, last_key_wins: bool) -> Option<Vec<Doc>> {
    let mut b = Builder {
        last_key_wins,
        ..Builder::default()
    };
    super::fast::parse(src, &mut |ev, span| b.event(ev, span)).ok()?;
    Some(b.docs)
}

/// Where in `src/yaml/fast.rs` the fast reader gave up on `src`, if it did.
#[doc(hidden)]
pub fn fast_reader_gives_up_at(src: &str) -> Option<u32> {
    let mut b = Builder::default();
    super::fast::parse(src, &mut |ev, span| b.event(ev, span))
        .err()
        .map(|g| g.at)
}

/// Each node event of `src` with its line, from the fast reader (`None` when it leaves the
/// stream) or the general parser: the line numbers that diagnostics are placed by
/// (`validate::locate`) must agree too.
#[doc(hidden)]
pub fn node_lines(src: &str, fast: bool) -> Option<Vec<(String, usize)>> {
    let mut out = Vec::new();
    let mut record = |ev: Event<'_>, span: &Span| {
        let what = match ev {
            Event::Scalar(t, ..) => format!("scalar {t:?}"),
            Event::MappingStart(..) => "map".to_string(),
            Event::SequenceStart(..) => "seq".to_string(),
            Event::DocumentStart(_) => "doc".to_string(),
            _ => return,
        };
        out.push((what, span.start.line()));
    };
    if fast {
        super::fast::parse(src, &mut |ev, span| {
            record(ev, span);
            Ok(())
        })
        .ok()?;
    } else {
        for item in Parser::new_from_str(src) {
            let (ev, span) = item.ok()?;
            record(ev, &span);
        }
    }
    Some(out)
}

/// [`parse_stream_with`] through the general parser (`saphyr-parser`) only.
#[doc(hidden)]
pub fn parse_stream_general(src: &str, last_key_wins: bool) -> Result<Vec<Doc>, YamlError> {
    // saphyr ends the last line of a stream that lacks a final line break as if the break were
    // there (and mishandles a final blank line), while go-yaml v3 gives a block scalar reaching
    // the end of the stream no final break. Parse with the break added — saphyr is right then —
    // and let the builder take off what go-yaml would not have read.
    let terminated = src.is_empty() || src.ends_with('\n') || src.ends_with('\r');
    let owned;
    let (text, unterminated_tail) = if terminated {
        (src, None)
    } else {
        owned = format!("{src}\n");
        let last_line = src.rsplit(['\n', '\r']).next().unwrap_or(src);
        let tail = UnterminatedTail {
            end: owned.chars().count(),
            last_line_len: last_line.chars().count(),
            last_line_spaces: last_line.chars().take_while(|c| *c == ' ').count(),
        };
        (owned.as_str(), Some(tail))
    };
    let mut b = Builder {
        last_key_wins,
        unterminated_tail,
        ..Builder::default()
    };
    for item in Parser::new_from_str(text) {
        let (ev, span) = item.map_err(|e| YamlError {
            line: e.marker().line(),
            col: e.marker().col() + 1,
            msg: e.info().to_string(),
        })?;
        b.event(ev, &span)?;
    }
    Ok(b.docs)
}

/// Parses a stream that must hold exactly one document (a kustomization file, say).
/// An empty stream gives `Value::Null`.
pub fn parse_one(src: &str) -> Result<Value, YamlError> {
    parse_one_with(src, false)
}

/// [`parse_one`] with the duplicate-key policy of [`parse_stream_with`].
pub fn parse_one_with(src: &str, last_key_wins: bool) -> Result<Value, YamlError> {
    let mut docs = parse_stream_with(src, last_key_wins)?;
    docs.retain(|d| !d.value.is_null());
    match docs.len() {
        0 => Ok(Value::Null),
        1 => Ok(docs.remove(0).value),
        n => Err(YamlError {
            line: docs[1].line,
            col: 1,
            msg: format!("expected one YAML document, found {n}"),
        }),
    }
}

enum Frame {
    Seq {
        items: Vec<Value>,
        anchor: usize,
        nodes: usize,
    },
    Map {
        /// Entries in order; turned into a `Map` (with exact capacity)
        /// when the mapping ends.
        map: Vec<(String, Value)>,
        /// hashes of the keys once the mapping is large, to find duplicates without scanning
        key_hashes: Option<crate::hashing::HashSet<u64>>,
        /// line of each key, for duplicate-key messages
        key_lines: Vec<usize>,
        pending_key: Option<(String, usize, bool)>,
        merges: Vec<Value>,
        anchor: usize,
        nodes: usize,
        /// set when a complex (non-scalar) key is being built: its value is discarded
        complex_key: bool,
    },
}

/// The last line of a stream that has no final line break (see [`parse_stream_with`]).
struct UnterminatedTail {
    /// length in chars of the stream as parsed, with the added break
    end: usize,
    /// chars on the last line, and how many of them are leading spaces
    last_line_len: usize,
    last_line_spaces: usize,
}

impl UnterminatedTail {
    /// go-yaml v3's value of a block scalar (`text` as parsed with the added break) that runs
    /// to the end of the stream, with `indent` its content indentation. A last line with
    /// content gives the scalar no final break (clip and keep chomping alike); a last line
    /// that is only indentation adds no trailing empty line under keep chomping.
    fn chomp<'a>(&self, text: Cow<'a, str>, indent: usize) -> Cow<'a, str> {
        let content = self.last_line_len > indent && self.last_line_spaces >= indent;
        let drop = if content {
            text.ends_with('\n')
        } else {
            text.ends_with("\n\n")
        };
        if !drop {
            return text;
        }
        match text {
            Cow::Borrowed(t) => Cow::Borrowed(&t[..t.len() - 1]),
            Cow::Owned(mut t) => {
                t.pop();
                Cow::Owned(t)
            }
        }
    }
}

#[derive(Default)]
struct Builder {
    last_key_wins: bool,
    unterminated_tail: Option<UnterminatedTail>,
    docs: Vec<Doc>,
    stack: Vec<Frame>,
    doc_line: usize,
    root: Option<Value>,
    /// anchor id -> (value, node count)
    anchors: Vec<Option<(Value, usize)>>,
    /// empty mapping values of the current document, as JSON pointers
    empty_nulls: Vec<String>,
    alias_nodes: usize,
    /// Emptied collection buffers of finished frames, reused by the next ones: a finished
    /// sequence or mapping is copied out with exact capacity, so no buffer grows twice and
    /// the values keep no spare room.
    spare_items: Vec<Vec<Value>>,
    spare_entries: Vec<Vec<(String, Value)>>,
    spare_lines: Vec<Vec<usize>>,
}

impl Builder {
    fn event(&mut self, ev: Event<'_>, span: &Span) -> Result<(), YamlError> {
        match ev {
            Event::StreamStart | Event::StreamEnd | Event::Nothing => Ok(()),
            Event::DocumentStart(_) => {
                self.doc_line = span.start.line();
                self.root = None;
                self.empty_nulls.clear();
                Ok(())
            }
            Event::DocumentEnd => {
                let value = self.root.take().unwrap_or(Value::Null);
                self.docs.push(Doc {
                    value,
                    line: self.doc_line.max(1),
                    empty_nulls: std::mem::take(&mut self.empty_nulls),
                });
                self.anchors.clear();
                Ok(())
            }
            Event::Scalar(mut text, style, anchor, tag) => {
                if let (Some(tail), ScalarStyle::Literal | ScalarStyle::Folded) =
                    (&self.unterminated_tail, style)
                    && span.end.index() >= tail.end
                {
                    text = tail.chomp(text, span.start.col());
                }
                let v = resolve_input(&text, style, tag.as_deref()).map_err(|m| err_at(span, m))?;
                if text.is_empty() && style == ScalarStyle::Plain && v.is_null() {
                    self.note_empty_value();
                }
                self.push_value(v, 1, anchor, span, Some(&text), style)
            }
            Event::Alias(id) => {
                let (v, n) = match self.anchors.get(id) {
                    Some(Some((v, n))) => (v.clone(), *n),
                    _ => return Err(err_at(span, "unknown anchor referenced by alias")),
                };
                self.alias_nodes += n;
                if self.alias_nodes > MAX_ALIAS_NODES {
                    return Err(err_at(
                        span,
                        format!(
                            "alias expansion exceeds {MAX_ALIAS_NODES} nodes (a \"billion laughs\" document?)"
                        ),
                    ));
                }
                self.push_value(v, n, 0, span, None, ScalarStyle::Plain)
            }
            Event::SequenceStart(anchor, _) => {
                self.check_depth(span)?;
                self.stack.push(Frame::Seq {
                    items: self.spare_items.pop().unwrap_or_default(),
                    anchor,
                    nodes: 1,
                });
                Ok(())
            }
            Event::MappingStart(anchor, _) => {
                self.check_depth(span)?;
                self.stack.push(Frame::Map {
                    map: self.spare_entries.pop().unwrap_or_default(),
                    key_hashes: None,
                    key_lines: self.spare_lines.pop().unwrap_or_default(),
                    pending_key: None,
                    merges: Vec::new(),
                    anchor,
                    nodes: 1,
                    complex_key: false,
                });
                Ok(())
            }
            Event::SequenceEnd => match self.stack.pop() {
                Some(Frame::Seq {
                    mut items,
                    anchor,
                    nodes,
                }) => {
                    // Copied out at exact size on purpose: the buffer (with its spare room)
                    // goes back to the pool.
                    #[allow(clippy::drain_collect)]
                    let array: Vec<Value> = items.drain(..).collect();
                    self.spare_items.push(items);
                    self.push_value(
                        Value::Array(array),
                        nodes,
                        anchor,
                        span,
                        None,
                        ScalarStyle::Plain,
                    )
                }
                _ => Err(err_at(span, "internal: unbalanced sequence end")),
            },
            Event::MappingEnd => match self.stack.pop() {
                Some(Frame::Map {
                    map: mut entries,
                    mut key_lines,
                    merges,
                    anchor,
                    nodes,
                    ..
                }) => {
                    // exact capacity; the keys are distinct (checked as they came)
                    let mut exact = Vec::with_capacity(entries.len());
                    exact.append(&mut entries);
                    let mut map = Map::from_distinct(exact);
                    self.spare_entries.push(entries);
                    key_lines.clear();
                    self.spare_lines.push(key_lines);
                    // Merge keys (`<<`): explicit keys win, then earlier merge sources.
                    for m in merges {
                        let sources = match m {
                            Value::Object(o) => vec![o],
                            Value::Array(a) => a
                                .into_iter()
                                .filter_map(|x| match x {
                                    Value::Object(o) => Some(o),
                                    _ => None,
                                })
                                .collect(),
                            _ => {
                                return Err(err_at(
                                    span,
                                    "map merge requires map or sequence of maps as the value",
                                ));
                            }
                        };
                        for src in sources {
                            for (k, v) in src {
                                map.entry(k).or_insert(v);
                            }
                        }
                    }
                    self.push_value(
                        Value::Object(map),
                        nodes,
                        anchor,
                        span,
                        None,
                        ScalarStyle::Plain,
                    )
                }
                _ => Err(err_at(span, "internal: unbalanced mapping end")),
            },
        }
    }

    /// Records the pointer of the mapping value about to be pushed, when it is one (not a
    /// key, a sequence item or anything under a merge key or complex key).
    fn note_empty_value(&mut self) {
        if !matches!(
            self.stack.last(),
            Some(Frame::Map {
                pending_key: Some(_),
                ..
            })
        ) {
            return;
        }
        let mut pointer = String::new();
        for frame in &self.stack {
            match frame {
                Frame::Seq { items, .. } => {
                    pointer.push('/');
                    pointer.push_str(&items.len().to_string());
                }
                Frame::Map {
                    pending_key: Some((key, _, false)),
                    complex_key: false,
                    ..
                } => {
                    pointer.push('/');
                    pointer.push_str(&key.replace('~', "~0").replace('/', "~1"));
                }
                Frame::Map { .. } => return,
            }
        }
        self.empty_nulls.push(pointer);
    }

    fn check_depth(&self, span: &Span) -> Result<(), YamlError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(err_at(
                span,
                format!("nesting deeper than {MAX_DEPTH} levels is not accepted"),
            ));
        }
        Ok(())
    }

    fn push_value(
        &mut self,
        v: Value,
        nodes: usize,
        anchor: usize,
        span: &Span,
        scalar_text: Option<&str>,
        style: ScalarStyle,
    ) -> Result<(), YamlError> {
        if anchor > 0 {
            if self.anchors.len() <= anchor {
                self.anchors.resize(anchor + 1, None);
            }
            self.anchors[anchor] = Some((v.clone(), nodes));
        }
        match self.stack.last_mut() {
            None => {
                self.root = Some(v);
                Ok(())
            }
            Some(Frame::Seq {
                items, nodes: n, ..
            }) => {
                *n += nodes;
                items.push(v);
                Ok(())
            }
            Some(Frame::Map {
                map,
                key_hashes,
                key_lines,
                pending_key,
                merges,
                nodes: n,
                complex_key,
                ..
            }) => {
                *n += nodes;
                match pending_key.take() {
                    None => {
                        // This value is a key.
                        let is_merge = style == ScalarStyle::Plain && scalar_text == Some("<<");
                        let key = match v {
                            _ if is_merge => "<<".to_string(),
                            Value::String(s) => s,
                            Value::Null => "null".to_string(),
                            Value::Bool(b) => b.to_string(),
                            Value::Number(_) => scalar_text.unwrap_or_default().to_string(),
                            Value::Array(_) | Value::Object(_) => {
                                *complex_key = true;
                                return Err(err_at(
                                    span,
                                    "a mapping key must be a scalar (complex keys cannot become JSON)",
                                ));
                            }
                        };
                        *pending_key = Some((key, span.start.line(), is_merge));
                        Ok(())
                    }
                    Some((key, line, is_merge)) => {
                        if is_merge {
                            merges.push(v);
                            return Ok(());
                        }
                        if let Some(i) = find_key(map, key_hashes.as_ref(), &key) {
                            if self.last_key_wins {
                                if let Some(slot) = map.get_mut(i) {
                                    slot.1 = v;
                                }
                                return Ok(());
                            }
                            let first = key_lines.get(i).copied().unwrap_or(0);
                            return Err(YamlError {
                                line,
                                col: 1,
                                msg: format!("mapping key {key:?} already defined at line {first}"),
                            });
                        }
                        key_lines.push(line);
                        if let Some(h) = key_hashes {
                            h.insert(hash_key(&key));
                        } else if map.len() + 1 >= LINEAR_KEYS {
                            let mut h: crate::hashing::HashSet<u64> =
                                map.iter().map(|(k, _)| hash_key(k)).collect();
                            h.insert(hash_key(&key));
                            *key_hashes = Some(h);
                        }
                        map.push((key, v));
                        Ok(())
                    }
                }
            }
        }
    }
}

/// Mappings up to this many keys look for duplicates by scanning.
const LINEAR_KEYS: usize = 16;

fn hash_key(k: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    k.hash(&mut h);
    h.finish()
}

/// The index of `key` among a mapping's entries so far.
fn find_key(
    entries: &[(String, Value)],
    hashes: Option<&crate::hashing::HashSet<u64>>,
    key: &str,
) -> Option<usize> {
    if let Some(h) = hashes
        && !h.contains(&hash_key(key))
    {
        return None;
    }
    entries.iter().position(|(k, _)| k == key)
}

/// Resolves a scalar the way go-yaml v3 does when decoding into `interface{}`
/// (kustomize's view of every resource).
fn resolve_input(text: &str, style: ScalarStyle, tag: Option<&Tag>) -> Result<Value, String> {
    let tag = tag.map(|t| {
        if t.handle == "tag:yaml.org,2002:" || t.handle == "!!" {
            format!("!!{}", t.suffix)
        } else {
            t.to_string()
        }
    });
    let plain = style == ScalarStyle::Plain;
    match tag.as_deref() {
        Some("!!str") | Some("!!binary") => return Ok(Value::String(text.to_string())),
        Some("!!int") | Some("!!float") | Some("!!bool") | Some("!!null") | Some("!!timestamp") => {
            let v = resolve_plain_v3(text);
            let ok = match (tag.as_deref(), &v) {
                (Some("!!int"), Value::Number(n)) => n.is_i64() || n.is_u64(),
                (Some("!!float"), Value::Number(n)) => {
                    return Ok(n
                        .as_f64()
                        .and_then(Number::from_f64)
                        .map(Value::Number)
                        .unwrap_or(v));
                }
                (Some("!!bool"), Value::Bool(_)) => true,
                (Some("!!null"), Value::Null) => true,
                (Some("!!timestamp"), Value::String(_)) => true,
                _ => false,
            };
            if ok {
                return Ok(v);
            }
            return Err(format!(
                "cannot decode {:?} as a {}",
                text,
                tag.as_deref().unwrap_or_default()
            ));
        }
        Some(t) if !t.is_empty() && t != "!" => {
            // Unknown tags: go-yaml keeps the text as a string.
            return Ok(Value::String(text.to_string()));
        }
        _ => {}
    }
    if !plain || tag.as_deref() == Some("!") {
        return Ok(Value::String(text.to_string()));
    }
    match resolve_plain_v3(text) {
        Value::String(_) if is_non_finite(text) => Err(format!(
            "{:?} is not a finite number and cannot be represented in JSON",
            text
        )),
        v => Ok(v),
    }
}

fn is_non_finite(s: &str) -> bool {
    matches!(
        s,
        ".nan"
            | ".NaN"
            | ".NAN"
            | ".inf"
            | ".Inf"
            | ".INF"
            | "+.inf"
            | "+.Inf"
            | "+.INF"
            | "-.inf"
            | "-.Inf"
            | "-.INF"
    )
}

/// go-yaml's resolver for a plain scalar; `yaml11` adds YAML 1.1 booleans (go-yaml v2,
/// used to decide quoting on output). Non-finite floats and timestamps stay strings here.
pub fn resolve_plain(s: &str, yaml11: bool) -> Value {
    let Some(&first) = s.as_bytes().first() else {
        return Value::Null;
    };
    match s {
        "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    if yaml11 {
        match s {
            "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => return Value::Bool(true),
            "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => return Value::Bool(false),
            _ => {}
        }
    }
    match first {
        b'.' => parse_go_float(s)
            .and_then(Number::from_f64)
            .map(Value::Number)
            .unwrap_or_else(|| Value::String(s.to_string())),
        b'0'..=b'9' | b'+' | b'-' => {
            if is_timestamp(s) {
                return Value::String(s.to_string());
            }
            let plain: Cow<str> = if s.contains('_') {
                Cow::Owned(s.replace('_', ""))
            } else {
                Cow::Borrowed(s)
            };
            if let Some(v) = parse_go_int(&plain) {
                return Value::Number(v);
            }
            if is_yaml_style_float(&plain)
                && let Some(n) = plain.parse::<f64>().ok().and_then(Number::from_f64)
            {
                return Value::Number(n);
            }
            if !yaml11 {
                // YAML 1.2 octal 0o / -0o
                if let Some(rest) = plain.strip_prefix("0o")
                    && let Ok(v) = i64::from_str_radix(rest, 8)
                {
                    if rest.starts_with(['+', '-']) {
                        return Value::String(s.to_string());
                    }
                    return Value::Number(v.into());
                }
                if let Some(rest) = plain.strip_prefix("-0o")
                    && !rest.starts_with(['+', '-'])
                    && let Ok(v) = i64::from_str_radix(&format!("-{rest}"), 8)
                {
                    return Value::Number(v.into());
                }
            }
            Value::String(s.to_string())
        }
        _ => Value::String(s.to_string()),
    }
}

fn resolve_plain_v3(s: &str) -> Value {
    resolve_plain(s, false)
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
pub fn is_yaml_style_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let st = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - st
    };
    if i < b.len() && b[i] == b'.' {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
            digits(&mut i);
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

/// Go's `strconv.ParseInt(s, 0, 64)` then `ParseUint(s, 0, 64)` (underscores already removed).
fn parse_go_int(s: &str) -> Option<Number> {
    let (neg, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if body.is_empty() {
        return None;
    }
    let (radix, digits) =
        if let Some(r) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
            (16, r)
        } else if let Some(r) = body.strip_prefix("0b").or_else(|| body.strip_prefix("0B")) {
            (2, r)
        } else if let Some(r) = body.strip_prefix("0o").or_else(|| body.strip_prefix("0O")) {
            (8, r)
        } else if body.len() > 1 && body.starts_with('0') {
            (8, &body[1..])
        } else {
            (10, body)
        };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let mag = u128::from_str_radix(digits, radix).ok()?;
    if neg {
        if mag <= (i64::MAX as u128) + 1 {
            return Some(Number::from((-(mag as i128)) as i64));
        }
        return None;
    }
    if mag <= i64::MAX as u128 {
        Some(Number::from(mag as i64))
    } else if mag <= u64::MAX as u128 {
        Some(Number::from(mag as u64))
    } else {
        None
    }
}

/// Go's `strconv.ParseFloat` for the forms go-yaml hands it after a leading `.`.
fn parse_go_float(s: &str) -> Option<f64> {
    if is_yaml_style_float(s) {
        s.parse().ok()
    } else {
        None
    }
}

/// go-yaml's `parseTimestamp` quick check plus the accepted layouts (date, date-time).
pub fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 5 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return false;
    }
    // 2006-1-2 with optional time part.
    let rest = &s[5..];
    let (date, time) = match rest.find(['T', 't', ' ']) {
        Some(i) => (&rest[..i], Some((&rest[i..i + 1], &rest[i + 1..]))),
        None => (rest, None),
    };
    let mut parts = date.split('-');
    let (Some(m), Some(d), None) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let num = |x: &str, lo: u32, hi: u32| {
        !x.is_empty() && x.len() <= 2 && x.bytes().all(|c| c.is_ascii_digit()) && {
            let v: u32 = x.parse().unwrap_or(0);
            v >= lo && v <= hi
        }
    };
    if !num(m, 1, 12) || !num(d, 1, 31) {
        return false;
    }
    let Some((sep, t)) = time else {
        return true;
    };
    // time: 15:4:5(.frac)?(Z|±hh:mm)?  ("Z07:00" layout for T/t, none for space)
    let (clock, zone) = if sep == " " {
        (t, "")
    } else {
        match t.find(['Z', '+', '-']) {
            Some(i) => (&t[..i], &t[i..]),
            None => return false,
        }
    };
    let (hms, frac) = match clock.find('.') {
        Some(i) => (&clock[..i], Some(&clock[i + 1..])),
        None => (clock, None),
    };
    let mut p = hms.split(':');
    let (Some(h), Some(mi), Some(se), None) = (p.next(), p.next(), p.next(), p.next()) else {
        return false;
    };
    if !num(h, 0, 23) || !num(mi, 0, 59) || !num(se, 0, 59) {
        return false;
    }
    if let Some(f) = frac
        && (f.is_empty() || !f.bytes().all(|c| c.is_ascii_digit()))
    {
        return false;
    }
    match zone {
        "" => sep == " ",
        "Z" => true,
        z => {
            let z = &z[1..];
            z.len() == 5
                && z.as_bytes()[2] == b':'
                && num(&z[..2], 0, 23)
                && z[3..].bytes().all(|c| c.is_ascii_digit())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json;

    fn one(s: &str) -> Value {
        parse_one(s).unwrap()
    }

    #[test]
    fn scalars_resolve_like_go_yaml_v3() {
        let v = one(
            "a: 0777\nb: 0x1F\nc: 1_000\nd: yes\ne: True\nf: ~\ng: 1.5\nh: 2024-01-02\ni: '12'\nj: 08\nk: 1e3\nl: 0o17\nm: -12\nn: +3\n",
        );
        assert_eq!(
            v,
            json!({"a": 511, "b": 31, "c": 1000, "d": "yes", "e": true, "f": null, "g": 1.5,
                   "h": "2024-01-02", "i": "12", "j": 8.0, "k": 1000.0, "l": 15, "m": -12, "n": 3})
        );
    }

    #[test]
    fn huge_integers_become_floats_or_strings() {
        let v =
            one("a: 18446744073709551615\nb: 99999999999999999999999\nc: 0xFFFFFFFFFFFFFFFFFF\n");
        assert_eq!(v["a"], json!(18446744073709551615u64));
        assert_eq!(v["b"], json!(1e23));
        assert_eq!(v["c"], json!("0xFFFFFFFFFFFFFFFFFF"));
    }

    #[test]
    fn duplicate_keys_are_errors() {
        let e = parse_stream("a: 1\nb: 2\na: 3\n").unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.msg.contains("already defined at line 1"), "{e}");
    }

    #[test]
    fn alias_bomb_is_bounded() {
        let mut s = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        let mut prev = 'a';
        for c in 'b'..='k' {
            s.push_str(&format!(
                "{c}: &{c} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
            ));
            prev = c;
        }
        let e = parse_stream(&s).unwrap_err();
        assert!(e.msg.contains("alias expansion"), "{e}");
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let s = "[".repeat(100_000);
        assert!(parse_stream(&s).is_err());
    }

    #[test]
    fn merge_keys() {
        let v = one("base: &b {x: 1, y: 2}\nd:\n  <<: *b\n  y: 3\n");
        assert_eq!(v["d"], json!({"y": 3, "x": 1}));
    }

    #[test]
    fn documents_and_lines() {
        let d = parse_stream("a: 1\n---\n---\nb: 2\n").unwrap();
        assert_eq!(d.len(), 3);
        assert!(d[1].value.is_null());
        assert_eq!(d[2].line, 3);
    }

    #[test]
    fn empty_mapping_values_are_noted() {
        let d = parse_stream(
            "a:\nb: null\nc:\n  d: ~\n  e/f:\n  g:\n  - h:\n  -\n---\ni: ''\nj: !!null\n",
        )
        .unwrap();
        assert_eq!(d[0].empty_nulls, ["/a", "/c/e~1f", "/c/g/0/h"]);
        assert_eq!(d[1].empty_nulls, ["/j"]);
    }

    #[test]
    fn quoted_and_block_scalars_are_strings() {
        let v = one("a: \"1\"\nb: |\n  x\n  y\nc: !!str 5\nd: !!int \"7\"\n");
        assert_eq!(v, json!({"a": "1", "b": "x\ny\n", "c": "5", "d": 7}));
    }

    #[test]
    fn block_scalar_at_end_of_unterminated_stream() {
        // Values recorded from kubectl 1.33 (go-yaml v3).
        assert_eq!(one("a: |\n  x\n  y"), json!({"a": "x\ny"}));
        assert_eq!(one("a: |+\n  x"), json!({"a": "x"}));
        assert_eq!(one("a: >\n  x\n  y"), json!({"a": "x y"}));
        assert_eq!(one("a: |\n  x\n  "), json!({"a": "x\n"}));
        assert_eq!(one("a: |+\n  x\n  "), json!({"a": "x\n"}));
        assert_eq!(one("a: |\n  x\n     "), json!({"a": "x\n   "}));
        assert_eq!(one("a: |\n  x\n# c"), json!({"a": "x\n"}));
        assert_eq!(one("a: |\n  x\n  y\n"), json!({"a": "x\ny\n"}));
        assert_eq!(one("a: x\n  y"), json!({"a": "x y"}));
    }

    #[test]
    fn timestamps() {
        assert!(is_timestamp("2001-12-14"));
        assert!(is_timestamp("2001-12-14T21:59:43.10Z"));
        assert!(is_timestamp("2001-12-14 21:59:43.10"));
        assert!(!is_timestamp("2001-13-14"));
        assert!(!is_timestamp("1234-5"));
    }

    #[test]
    fn non_utf8_is_reported() {
        let e = decode_utf8(b"a: 1\nb: \xe9t\xe9\n").unwrap_err();
        assert_eq!(e.line, 2);
    }

    /// A stream long enough to be read in pieces: `n` small objects, the odd ones with an
    /// empty value, with a comment now and then.
    fn long_stream(n: usize) -> String {
        (0..n)
            .map(|i| {
                let extra = if i % 2 == 1 { "  empty:\n" } else { "" };
                let tail = if i % 7 == 0 { "# note\n" } else { "" };
                format!(
                    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\ndata:\n  k: v-{i}\n{extra}{tail}"
                )
            })
            .collect::<Vec<_>>()
            .join("---\n")
    }

    fn summary(docs: &[Doc]) -> Vec<(String, usize, Vec<String>)> {
        docs.iter()
            .map(|d| {
                (
                    serde_json::to_string(&d.value).unwrap_or_default(),
                    d.line,
                    d.empty_nulls.clone(),
                )
            })
            .collect()
    }

    #[test]
    fn a_long_stream_read_in_pieces_equals_reading_it_whole() {
        let src = long_stream(3000);
        assert!(src.len() >= SPLIT_MIN_BYTES);
        let whole = parse_stream_fast(&src, false).unwrap();
        assert_eq!(whole.len(), 3000);
        if crate::par::threads() < 2 {
            assert!(parse_split(&src, false).is_none());
            return;
        }
        let pieces = parse_split(&src, false).expect("split");
        assert_eq!(summary(&pieces), summary(&whole));
        assert_eq!(pieces[2999].line, whole[2999].line);
        assert!(pieces[2999].line > 20_000);
    }

    #[test]
    fn streams_that_pieces_could_change_are_read_whole() {
        let src = long_stream(3000);
        // an anchor: aliases in later documents must see the same budget and errors
        let anchored = src.replacen("k: v-5\n", "k: &a v-5\n", 1);
        assert!(parse_split(&anchored, false).is_none());
        // a directive
        let directive = format!("%YAML 1.2\n---\n{src}");
        assert!(parse_split(&directive, false).is_none());
        // short streams
        assert!(parse_split(&long_stream(10), false).is_none());
        // a stream just long enough is cut into a few pieces (fewer than `par::MIN_ITEMS`),
        // and they read as the whole does
        let short = long_stream(SPLIT_MIN_BYTES / 60);
        assert!(short.len() >= SPLIT_MIN_BYTES && short.len() < 2 * SPLIT_MIN_BYTES);
        if crate::par::threads() >= 2 {
            let pieces = parse_split(&short, false).expect("split");
            let whole = parse_stream_fast(&short, false).unwrap();
            assert_eq!(summary(&pieces), summary(&whole));
        }
        // an error in one piece: the whole stream is read again and the error is the same
        let broken = src.replacen("k: v-2500\n", "k: v-2500\n  k: again\n", 1);
        assert!(parse_split(&broken, false).is_none());
        let e = parse_stream(&broken).unwrap_err();
        assert!(e.msg.contains("already defined"), "{e:?}");
        assert!(e.line > 17_000, "{e:?}");
    }
}
