//! A fast reader for the block-style subset of YAML that nearly every Kubernetes manifest
//! is written in. It produces the same events `saphyr-parser` would, and they go through the
//! same [`super::parse`] builder, so scalar resolution, duplicate keys, empty values and
//! limits behave exactly alike.
//!
//! # Why this exists
//! Parsing was the largest single cost of a build (measured in `docs/performance.md`): the
//! general scanner pays for everything YAML can express on every character. This reader
//! handles only what manifests use — block mappings and sequences, plain and one-line quoted
//! scalars, empty `[]`/`{}`, comments, `---` separators — and gives up on anything else
//! (anchors, tags, block scalars, multi-line scalars, flow collections, escapes, tabs, CR
//! line ends, directives, unusual indentation). Giving up costs nothing: the caller parses
//! the whole stream again with `saphyr-parser`. It never reports an error itself; input
//! that might be an error is also handed to the general parser, so messages stay the same.
use std::borrow::Cow;

use saphyr_parser::{Event, Marker, ScalarStyle, Span};

use super::parse::YamlError;

/// Why the fast reader stopped: either the input is outside its subset, or the builder
/// rejected an event. Either way the caller falls back to the general parser.
/// `at` is the line of this file that gave up, to find what is worth adding to the subset.
#[derive(Debug)]
pub(crate) struct GiveUp {
    pub at: u32,
}

#[track_caller]
fn give_up() -> GiveUp {
    GiveUp {
        at: std::panic::Location::caller().line(),
    }
}

impl From<YamlError> for GiveUp {
    #[track_caller]
    fn from(_: YamlError) -> GiveUp {
        give_up()
    }
}

type R<T> = Result<T, GiveUp>;

/// Deepest nesting the fast reader follows; deeper input goes to the general parser, which
/// reports the depth limit.
const MAX_FAST_DEPTH: usize = 128;

/// One significant (non-blank, non-comment) line.
#[derive(Clone, Copy)]
struct Line<'a> {
    /// 1-based line number
    no: usize,
    /// byte offset of the line's first character in the stream
    start: usize,
    /// column (in bytes) where `content` starts
    indent: usize,
    /// the rest of the line from `indent`, without the line break
    content: &'a str,
    /// whether the whole line is ASCII (columns in bytes are then columns in characters)
    ascii: bool,
    /// the whole line, for character columns
    text: &'a str,
}

impl Line<'_> {
    fn is_doc_start(&self) -> bool {
        self.indent == 0
            && self.content.starts_with("---")
            && (self.content.len() == 3 || self.content.as_bytes()[3] == b' ')
    }

    fn is_dash(&self) -> bool {
        let c = self.content.as_bytes();
        c.first() == Some(&b'-') && (c.len() == 1 || c[1] == b' ')
    }
}

/// The first position from `from` on, in steps of eight bytes, where a word holds a byte
/// the line scan must look at (a newline, tab or carriage return, or a byte of a multi-byte
/// character); the byte loop carries on from there. Most lines are plain ASCII, and eight
/// bytes at a time costs a fraction of three comparisons per byte.
fn skip_plain_bytes(bytes: &[u8], from: usize) -> usize {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    // whether some byte of `w` is zero (exact: no false answers either way)
    fn zero_byte(w: u64) -> bool {
        w.wrapping_sub(LO) & !w & HI != 0
    }
    let mut at = from;
    while let Some(word) = bytes.get(at..at + 8) {
        let Ok(word) = <[u8; 8]>::try_from(word) else {
            break;
        };
        let w = u64::from_le_bytes(word);
        if w & HI != 0
            || zero_byte(w ^ (LO * u64::from(b'\n')))
            || zero_byte(w ^ (LO * u64::from(b'\t')))
            || zero_byte(w ^ (LO * u64::from(b'\r')))
        {
            break;
        }
        at += 8;
    }
    at
}

/// Reads `src` and hands every event to `sink`, or gives up.
pub(crate) fn parse<'a>(
    src: &'a str,
    sink: &mut dyn FnMut(Event<'a>, &Span) -> Result<(), YamlError>,
) -> R<()> {
    let bytes = src.as_bytes();
    if src.starts_with('\u{feff}') {
        return Err(give_up());
    }
    // One pass over the bytes: lines, their indentation, whether they are ASCII, and the
    // tabs and carriage returns this reader leaves to the general parser.
    let mut lines = Vec::with_capacity(src.len() / 24 + 1);
    let mut pos = 0;
    let mut no = 0;
    loop {
        let mut end = skip_plain_bytes(bytes, pos);
        let mut ascii = true;
        while let Some(&c) = bytes.get(end) {
            match c {
                b'\n' => break,
                b'\t' | b'\r' => return Err(give_up()),
                _ => ascii &= c < 0x80,
            }
            end += 1;
        }
        no += 1;
        let text = &src[pos..end];
        let trimmed = trim_start_spaces(text);
        if !(trimmed.is_empty() || trimmed.starts_with('#')) {
            let indent = text.len() - trimmed.len();
            if indent == 0 && (trimmed.starts_with('%') || trimmed.starts_with("...")) {
                return Err(give_up());
            }
            lines.push(Line {
                no,
                start: pos,
                indent,
                content: trimmed,
                ascii,
                text,
            });
        }
        if end == bytes.len() {
            break;
        }
        pos = end + 1;
    }
    let breaks = no - 1;
    let mut p = Reader {
        lines,
        i: 0,
        sink,
        depth: 0,
        // the line after the last one, counting an unterminated last line
        eof_line: breaks + if src.ends_with('\n') { 1 } else { 2 },
        eof_index: src.len(),
    };
    p.stream()
}

struct Reader<'a, 's> {
    lines: Vec<Line<'a>>,
    i: usize,
    sink: &'s mut dyn FnMut(Event<'a>, &Span) -> Result<(), YamlError>,
    depth: usize,
    eof_line: usize,
    eof_index: usize,
}

impl<'a> Reader<'a, '_> {
    fn span(&self, line: &Line<'a>, col_bytes: usize) -> Span {
        let col = if line.ascii {
            col_bytes
        } else {
            line.text
                .get(..col_bytes)
                .map_or(col_bytes, |s| s.chars().count())
        };
        // The index is in bytes, not characters as in saphyr: the builder reads it only for
        // block scalars, which this reader never produces.
        let m = Marker::new(line.start + col_bytes, line.no, col);
        Span::new(m, m)
    }

    fn emit(&mut self, ev: Event<'a>, span: Span) -> R<()> {
        (self.sink)(ev, &span)?;
        Ok(())
    }

    fn stream(&mut self) -> R<()> {
        self.emit(Event::StreamStart, Span::default())?;
        while let Some(line) = self.lines.get(self.i).copied() {
            if line.is_doc_start() {
                let rest = trim_start_spaces(&line.content[3..]);
                if !(rest.is_empty() || rest.starts_with('#')) {
                    return Err(give_up());
                }
                self.i += 1;
                self.emit(Event::DocumentStart(true), self.span(&line, 0))?;
                // An empty document's null sits where the next token is (saphyr's span).
                match self.lines.get(self.i).copied() {
                    None => {
                        let m = Marker::new(self.eof_index, self.eof_line, 0);
                        self.emit(
                            Event::Scalar(Cow::Borrowed(""), ScalarStyle::Plain, 0, None),
                            Span::new(m, m),
                        )?;
                    }
                    Some(next) if next.is_doc_start() => {
                        let span = self.span(&next, 0);
                        self.emit(
                            Event::Scalar(Cow::Borrowed(""), ScalarStyle::Plain, 0, None),
                            span,
                        )?;
                    }
                    Some(_) => self.root()?,
                }
            } else {
                self.emit(Event::DocumentStart(false), self.span(&line, line.indent))?;
                self.root()?;
            }
            self.emit(Event::DocumentEnd, Span::default())?;
        }
        self.emit(Event::StreamEnd, Span::default())
    }

    /// The node of a document, which must end at the next `---` or the end of the stream.
    fn root(&mut self) -> R<()> {
        let Some(line) = self.lines.get(self.i).copied() else {
            return Err(give_up());
        };
        if line.is_dash() {
            self.sequence(line.indent)?;
        } else if split_key(line.content)?.is_some() {
            self.mapping(line.indent)?;
        } else {
            return Err(give_up());
        }
        match self.lines.get(self.i) {
            None => Ok(()),
            Some(next) if next.is_doc_start() => Ok(()),
            Some(_) => Err(give_up()),
        }
    }

    fn empty_scalar(&mut self, at: &Line<'a>) -> R<()> {
        let span = self.span(at, at.indent + at.content.len());
        self.emit(
            Event::Scalar(Cow::Borrowed(""), ScalarStyle::Plain, 0, None),
            span,
        )
    }

    fn enter(&mut self) -> R<()> {
        self.depth += 1;
        if self.depth > MAX_FAST_DEPTH {
            return Err(give_up());
        }
        Ok(())
    }

    /// A block mapping whose keys sit at column `indent`; the current line is its first key.
    fn mapping(&mut self, indent: usize) -> R<()> {
        self.enter()?;
        let first = self.lines[self.i];
        self.emit(Event::MappingStart(0, None), self.span(&first, indent))?;
        loop {
            let line = self.lines[self.i];
            let Some((key, style, rest)) = split_key(line.content)? else {
                return Err(give_up());
            };
            self.emit(
                Event::Scalar(key, style, 0, None),
                self.span(&line, line.indent),
            )?;
            let value_col = line.indent + (line.content.len() - rest.len());
            if rest.is_empty() || rest.starts_with('#') {
                self.i += 1;
                self.block_value(indent, &line, true)?;
            } else {
                self.inline_value(&line, rest, value_col)?;
                self.i += 1;
            }
            match self.lines.get(self.i) {
                None => break,
                Some(next) if next.is_doc_start() || next.indent < indent => break,
                Some(next) if next.indent == indent && !next.is_dash() => continue,
                // deeper (a continuation line or an error) or a stray `- `
                Some(_) => return Err(give_up()),
            }
        }
        self.emit(Event::MappingEnd, Span::default())?;
        self.depth -= 1;
        Ok(())
    }

    /// A block sequence whose `- ` sit at column `indent`; the current line is its first item.
    fn sequence(&mut self, indent: usize) -> R<()> {
        self.enter()?;
        let first = self.lines[self.i];
        self.emit(Event::SequenceStart(0, None), self.span(&first, indent))?;
        loop {
            let line = self.lines[self.i];
            if !line.is_dash() || line.indent != indent {
                return Err(give_up());
            }
            let after = &line.content[1..];
            let rest = trim_start_spaces(after);
            let col = line.indent + 1 + (after.len() - rest.len());
            if rest.is_empty() || rest.starts_with('#') {
                self.i += 1;
                self.block_value(indent, &line, false)?;
            } else if rest.starts_with('-') && (rest.len() == 1 || rest.as_bytes()[1] == b' ') {
                // `- - x`: a nested compact sequence
                return Err(give_up());
            } else if split_key(rest)?.is_some() {
                // `- key: value`: a compact mapping whose keys sit at the item's column
                self.lines[self.i] = Line {
                    indent: col,
                    content: rest,
                    ..line
                };
                self.mapping(col)?;
            } else {
                self.inline_value(&line, rest, col)?;
                self.i += 1;
            }
            match self.lines.get(self.i) {
                None => break,
                Some(next) if next.is_doc_start() || next.indent < indent => break,
                Some(next) if next.indent == indent && next.is_dash() => continue,
                Some(next) if next.indent == indent => break,
                Some(_) => return Err(give_up()),
            }
        }
        self.emit(Event::SequenceEnd, Span::default())?;
        self.depth -= 1;
        Ok(())
    }

    /// The value of a key or `- ` with nothing after it on its line (`owner`): a block node
    /// on the next lines, deeper than `indent` — or, for a mapping value, a sequence at the
    /// key's own column — else an empty (null) value.
    fn block_value(&mut self, indent: usize, owner: &Line<'a>, is_map_value: bool) -> R<()> {
        let Some(next) = self.lines.get(self.i).copied() else {
            return self.empty_scalar(owner);
        };
        if next.is_doc_start() {
            return self.empty_scalar(owner);
        }
        if next.indent > indent {
            if next.is_dash() {
                return self.sequence(next.indent);
            }
            if split_key(next.content)?.is_some() {
                return self.mapping(next.indent);
            }
            return Err(give_up());
        }
        if is_map_value && next.indent == indent && next.is_dash() {
            return self.sequence(indent);
        }
        self.empty_scalar(owner)
    }

    /// A value written on the same line as its key or `- `.
    fn inline_value(&mut self, line: &Line<'a>, rest: &'a str, col: usize) -> R<()> {
        let span = self.span(line, col);
        match rest.as_bytes()[0] {
            b'"' | b'\'' => {
                let (text, style, after) = quoted(rest)?;
                if !is_end(after) {
                    return Err(give_up());
                }
                self.emit(Event::Scalar(text, style, 0, None), span)
            }
            b'[' | b'{' => {
                let close = if rest.as_bytes()[0] == b'[' { ']' } else { '}' };
                let inner = trim_start_spaces(&rest[1..]);
                let Some(after) = inner.strip_prefix(close) else {
                    return Err(give_up());
                };
                if !is_end(after) {
                    return Err(give_up());
                }
                if close == ']' {
                    self.emit(Event::SequenceStart(0, None), span)?;
                    self.emit(Event::SequenceEnd, span)
                } else {
                    self.emit(Event::MappingStart(0, None), span)?;
                    self.emit(Event::MappingEnd, span)
                }
            }
            _ => {
                let text = plain(rest)?;
                self.emit(
                    Event::Scalar(Cow::Borrowed(text), ScalarStyle::Plain, 0, None),
                    span,
                )
            }
        }
    }
}

/// Whether what follows a value on its line is nothing, spaces, or spaces and a comment.
fn is_end(after: &str) -> bool {
    let t = trim_start_spaces(after);
    t.is_empty() || (t.len() < after.len() && t.starts_with('#'))
}

/// Characters that cannot start a plain scalar here (or start one only in ways this reader
/// leaves to the general parser).
fn starts_specially(b: u8) -> bool {
    matches!(
        b,
        b'?' | b':'
            | b','
            | b'['
            | b']'
            | b'{'
            | b'}'
            | b'#'
            | b'&'
            | b'*'
            | b'!'
            | b'|'
            | b'>'
            | b'\''
            | b'"'
            | b'%'
            | b'@'
            | b'`'
    )
}

/// Where the first `x` immediately followed by `y` is. Faster than `str::find` with a
/// two-byte pattern on the short strings of a line.
fn find_pair(s: &[u8], x: u8, y: u8) -> Option<usize> {
    s.windows(2).position(|w| w[0] == x && w[1] == y)
}

/// A plain scalar that makes up the rest of a line (up to a comment).
fn plain(rest: &str) -> R<&str> {
    let b = rest.as_bytes();
    if starts_specially(b[0]) || (b[0] == b'-' && (b.len() == 1 || b[1] == b' ')) {
        return Err(give_up());
    }
    let end = find_pair(b, b' ', b'#').unwrap_or(b.len());
    let text = trim_end_spaces(&rest[..end]);
    // `a: b: c` and `a: b:` are errors (or keys) — the general parser decides.
    if find_pair(text.as_bytes(), b':', b' ').is_some() || text.ends_with(':') {
        return Err(give_up());
    }
    Ok(text)
}

/// A quoted scalar that closes on its line, with what follows it. Double-quoted text with
/// escapes is left to the general parser.
fn quoted(s: &str) -> R<(Cow<'_, str>, ScalarStyle, &str)> {
    let q = s.as_bytes()[0];
    let body = &s[1..];
    if q == b'"' {
        let end = body.find(['"', '\\']).ok_or_else(give_up)?;
        if body.as_bytes()[end] == b'\\' {
            return Err(give_up());
        }
        return Ok((
            Cow::Borrowed(&body[..end]),
            ScalarStyle::DoubleQuoted,
            &body[end + 1..],
        ));
    }
    let mut owned: Option<String> = None;
    let mut from = 0;
    loop {
        let end = from + body[from..].find('\'').ok_or_else(give_up)?;
        if body.as_bytes().get(end + 1) == Some(&b'\'') {
            let o = owned.get_or_insert_with(String::new);
            o.push_str(&body[from..=end]);
            from = end + 2;
            continue;
        }
        let text = match owned {
            Some(mut o) => {
                o.push_str(&body[from..end]);
                Cow::Owned(o)
            }
            None => Cow::Borrowed(&body[..end]),
        };
        return Ok((text, ScalarStyle::SingleQuoted, &body[end + 1..]));
    }
}

/// `s` without its leading spaces (a byte loop: `trim_start_matches` sets up a pattern
/// searcher on every call, and this runs for every key of every object).
fn trim_start_spaces(s: &str) -> &str {
    let n = s.bytes().take_while(|&c| c == b' ').count();
    &s[n..]
}

/// `s` without its trailing spaces.
fn trim_end_spaces(s: &str) -> &str {
    let n = s.bytes().rev().take_while(|&c| c == b' ').count();
    &s[..s.len() - n]
}

/// Splits a line's content into a mapping key and what follows its `:` (leading spaces
/// removed), when the content is a `key: ...` entry. `Ok(None)` when it is not one; an error
/// when it might be one in a form this reader leaves alone.
fn split_key(content: &str) -> R<Option<(Cow<'_, str>, ScalarStyle, &str)>> {
    let b = content.as_bytes();
    match b[0] {
        b'"' | b'\'' => {
            let (key, style, after) = quoted(content)?;
            let Some(rest) = after.strip_prefix(':') else {
                return Ok(None);
            };
            if !(rest.is_empty() || rest.starts_with(' ')) {
                return Err(give_up());
            }
            Ok(Some((key, style, trim_start_spaces(rest))))
        }
        b'-' if b.len() == 1 || b[1] == b' ' => Ok(None),
        c if starts_specially(c) => Err(give_up()),
        _ => {
            // The first `:` followed by a space or the line's end; a comment (` #`) before
            // it means the line holds no key. One pass over the bytes: keys are a few
            // bytes long, shorter than a `memchr` call is worth.
            let mut colon = None;
            for (i, &c) in b.iter().enumerate() {
                match c {
                    b':' if i + 1 == b.len() || b[i + 1] == b' ' => {
                        colon = Some(i);
                        break;
                    }
                    b'#' if i > 0 && b[i - 1] == b' ' => return Ok(None),
                    _ => {}
                }
            }
            let Some(colon) = colon else {
                return Ok(None);
            };
            let key = trim_end_spaces(&content[..colon]);
            if key.is_empty() {
                return Err(give_up());
            }
            let rest = trim_start_spaces(&content[colon + 1..]);
            Ok(Some((Cow::Borrowed(key), ScalarStyle::Plain, rest)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_byte_skip_stops_at_the_word_the_line_scan_needs() {
        let special = |c: u8| c >= 0x80 || c == b'\n' || c == b'\t' || c == b'\r';
        for text in [
            "",
            "abc",
            "metadata:\n  name: x\n",
            "a long line of plain text without a break at all....",
            "seven77\nrest of it",
            "eightchr\tafter",
            "tab\there",
            "cr\r\nlf",
            "café au lait, twice: café",
            "0123456789abcdef\n",
        ] {
            let b = text.as_bytes();
            for from in 0..b.len().min(12) {
                let at = skip_plain_bytes(b, from);
                assert!(
                    at >= from && at <= b.len() && (at - from).is_multiple_of(8),
                    "{text:?} {from}"
                );
                // everything skipped is plain, and it stops at the first word that is not
                // (or short of a whole word)
                assert!(!b[from..at].iter().any(|&c| special(c)), "{text:?} {from}");
                if let Some(next) = b.get(at..at + 8) {
                    assert!(next.iter().any(|&c| special(c)), "{text:?} {from}");
                }
            }
        }
    }
}
