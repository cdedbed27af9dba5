//! YAML emitter reproducing `kustomize build` output byte for byte.
//!
//! kustomize prints each resource by encoding it to JSON and converting that
//! JSON to YAML with `sigs.k8s.io/yaml`, i.e. go-yaml v2 unmarshals the JSON
//! and marshals it again.  The output is therefore that of go-yaml v2's
//! libyaml-derived emitter with block style everywhere, mapping keys in
//! go-yaml's "natural" order, YAML 1.1 aware quoting of strings, wrapping of
//! long flow scalars at 80 columns and literal block scalars for strings
//! containing newlines.  This module re-implements exactly the parts of that
//! pipeline that matter for JSON-shaped data.

use crate::value::{Map, Number, Value};
use std::cmp::Ordering;
use std::fmt::Write as _;

/// Preferred line width of the go-yaml emitter.
const BEST_WIDTH: usize = 80;
/// Indentation step of the go-yaml emitter.
const BEST_INDENT: isize = 2;
/// Longest key (in bytes) that may be written as a simple key.
const MAX_SIMPLE_KEY_LEN: usize = 128;

/// Emits one YAML document (no leading `---`) into `out`, ending with a newline.
pub fn emit_document(v: &Value, out: &mut String) {
    let mut e = Emitter::new(out);
    e.node(v, false, false);
    // DOCUMENT-END: go-yaml finishes the last line.
    e.indent = -1;
    e.write_indent();
}

/// Emits one YAML document like [`emit_document`] but keeps every mapping's keys in their
/// order in `v` (for documents people read, e.g. a generated Stack), instead of kustomize's.
pub fn emit_document_in_order(v: &Value, out: &mut String) {
    let mut e = Emitter::new(out);
    e.keep_order = true;
    e.node(v, false, false);
    e.indent = -1;
    e.write_indent();
}

/// Emits several documents separated by `---\n` lines.
pub fn emit_stream<'a>(docs: impl IntoIterator<Item = &'a Value>) -> String {
    let mut out = String::new();
    for (i, doc) in docs.into_iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        emit_document(doc, &mut out);
    }
    out
}

// ---------------------------------------------------------------------------
// Emitter state
// ---------------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
}

struct Emitter<'o> {
    out: &'o mut String,
    /// Current column, counted in characters as libyaml does.
    column: usize,
    /// Current indentation (-1 before the root node).
    indent: isize,
    /// Whether the last written character was whitespace.
    whitespace: bool,
    /// Whether only indentation has been written on the current line.
    indention: bool,
    /// Scratch buffer for number formatting.
    scratch: String,
    /// Keep mapping keys in their order instead of sorting them.
    keep_order: bool,
}

const SPACES: &str = "                                                                ";

impl<'o> Emitter<'o> {
    fn new(out: &'o mut String) -> Self {
        Emitter {
            out,
            column: 0,
            indent: -1,
            whitespace: true,
            indention: true,
            scratch: String::new(),
            keep_order: false,
        }
    }

    #[inline]
    fn put(&mut self, c: u8) {
        self.out.push(c as char);
        self.column += 1;
    }

    #[inline]
    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
    }

    /// Writes the line break starting at byte `i` of `s` (`w` bytes long).
    fn write_break(&mut self, s: &str, i: usize, w: usize) {
        if s.as_bytes()[i] == b'\n' {
            self.put_break();
        } else {
            self.out.push_str(&s[i..i + w]);
            self.column = 0;
        }
    }

    fn write_indent(&mut self) {
        let indent = self.indent.max(0) as usize;
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            let n = (indent - self.column).min(SPACES.len());
            self.out.push_str(&SPACES[..n]);
            self.column += n;
        }
        self.whitespace = true;
        self.indention = true;
    }

    fn write_indicator(&mut self, ind: &str, need_ws: bool, is_ws: bool, is_indention: bool) {
        if need_ws && !self.whitespace {
            self.put(b' ');
        }
        self.out.push_str(ind);
        self.column += ind.len();
        self.whitespace = is_ws;
        self.indention = self.indention && is_indention;
    }

    /// Increases the indentation for a block collection.
    fn increase_block_indent(&mut self, indentless: bool) {
        if self.indent < 0 {
            self.indent = 0;
        } else if !indentless {
            self.indent += BEST_INDENT;
        }
    }

    // -- nodes ---------------------------------------------------------------

    fn node(&mut self, v: &Value, mapping_ctx: bool, simple_key: bool) {
        match v {
            Value::Null => self.plain_token("null"),
            Value::Bool(true) => self.plain_token("true"),
            Value::Bool(false) => self.plain_token("false"),
            Value::Number(n) => {
                let mut buf = std::mem::take(&mut self.scratch);
                buf.clear();
                format_number(n, &mut buf);
                self.plain_token(&buf);
                self.scratch = buf;
            }
            Value::String(s) => self.string(s, simple_key),
            Value::Array(items) if items.is_empty() => {
                self.write_indicator("[", true, true, false);
                self.write_indicator("]", false, false, false);
            }
            Value::Object(m) if m.is_empty() => {
                self.write_indicator("{", true, true, false);
                self.write_indicator("}", false, false, false);
            }
            Value::Array(items) => self.block_sequence(items, mapping_ctx),
            Value::Object(m) => self.block_mapping(m),
        }
    }

    fn block_sequence(&mut self, items: &[Value], mapping_ctx: bool) {
        let saved = self.indent;
        let indentless = mapping_ctx && !self.indention;
        self.increase_block_indent(indentless);
        for item in items {
            self.write_indent();
            self.write_indicator("-", true, false, true);
            self.node(item, false, false);
        }
        self.indent = saved;
    }

    fn block_mapping(&mut self, m: &Map<String, Value>) {
        let saved = self.indent;
        self.increase_block_indent(false);
        let mut prev: Option<&str> = None;
        let sorted = self.keep_order
            || m.keys().all(|k| {
                let ok = prev.is_none_or(|p| key_cmp(p, k) != Ordering::Greater);
                prev = Some(k);
                ok
            });
        if sorted {
            for (k, v) in m {
                self.mapping_entry(k, v);
            }
        } else {
            let mut entries: Vec<(&String, &Value)> = m.iter().collect();
            sort_entries(&mut entries);
            for (k, v) in entries {
                self.mapping_entry(k, v);
            }
        }
        self.indent = saved;
    }

    fn mapping_entry(&mut self, k: &str, v: &Value) {
        self.write_indent();
        let mut a = analyze(k);
        let folded;
        let k: &str = if a.has_nel {
            folded = fold_nel(k);
            a = analyze(&folded);
            &folded
        } else {
            k
        };
        if !a.multiline && k.len() <= MAX_SIMPLE_KEY_LEN {
            self.scalar(k, requested_style(k, &a), true, &a);
            self.write_indicator(":", false, false, false);
        } else {
            self.write_indicator("?", true, false, true);
            self.scalar(k, requested_style(k, &a), false, &a);
            self.write_indent();
            self.write_indicator(":", true, false, true);
        }
        self.node(v, true, false);
    }

    // -- scalars -------------------------------------------------------------

    /// Writes a scalar known to be a short plain token (numbers, bools, null).
    fn plain_token(&mut self, s: &str) {
        if !self.whitespace {
            self.put(b' ');
        }
        self.out.push_str(s);
        self.column += s.len();
        self.whitespace = false;
        self.indention = false;
    }

    fn string(&mut self, s: &str, simple_key: bool) {
        let mut a = analyze(s);
        let folded;
        let s: &str = if a.has_nel {
            folded = fold_nel(s);
            a = analyze(&folded);
            &folded
        } else {
            s
        };
        self.scalar(s, requested_style(s, &a), simple_key, &a);
    }

    fn scalar(&mut self, s: &str, requested: Style, simple_key: bool, a: &Analysis) {
        let mut style = requested;
        if simple_key && a.multiline {
            style = Style::DoubleQuoted;
        }
        if style == Style::Plain && (!a.block_plain || (s.is_empty() && simple_key)) {
            style = Style::SingleQuoted;
        }
        if style == Style::SingleQuoted && !a.single_quoted {
            style = Style::DoubleQuoted;
        }
        if style == Style::Literal && (!a.block || simple_key) {
            style = Style::DoubleQuoted;
        }
        let saved = self.indent;
        self.indent = if saved < 0 {
            BEST_INDENT
        } else {
            saved + BEST_INDENT
        };
        let allow_breaks = !simple_key;
        match style {
            Style::Plain => self.write_plain(s, allow_breaks, a.chars),
            Style::SingleQuoted => self.write_single_quoted(s, allow_breaks),
            Style::DoubleQuoted => self.write_double_quoted(s, allow_breaks),
            Style::Literal => self.write_literal(s, a.other_breaks),
        }
        self.indent = saved;
    }

    /// Writes a run of characters containing no spaces or line breaks.
    fn write_run(&mut self, run: &str) {
        self.out.push_str(run);
        self.column += char_count(run.as_bytes());
    }

    fn write_plain(&mut self, s: &str, allow_breaks: bool, chars: usize) {
        if !self.whitespace {
            self.put(b' ');
        }
        if !allow_breaks || self.column + s.len() <= BEST_WIDTH + 1 {
            // No break can be inserted (and plain scalars have no line breaks).
            self.out.push_str(s);
            self.column += chars;
        } else {
            let b = s.as_bytes();
            let mut spaces = false;
            let mut breaks = false;
            let mut i = 0;
            while i < b.len() {
                if b[i] == b' ' {
                    if allow_breaks && !spaces && self.column > BEST_WIDTH && at(b, i + 1) != b' ' {
                        self.write_indent();
                    } else {
                        self.put(b' ');
                    }
                    i += 1;
                    spaces = true;
                } else if let Some(w) = break_width(b, i) {
                    if !breaks && b[i] == b'\n' {
                        self.put_break();
                    }
                    self.write_break(s, i, w);
                    i += w;
                    self.indention = true;
                    breaks = true;
                } else {
                    if breaks {
                        self.write_indent();
                    }
                    let start = i;
                    while i < b.len() && b[i] != b' ' && break_width(b, i).is_none() {
                        i += width(b[i]).max(1);
                    }
                    self.write_run(&s[start..i]);
                    self.indention = false;
                    spaces = false;
                    breaks = false;
                }
            }
        }
        self.whitespace = false;
        self.indention = false;
    }

    fn write_single_quoted(&mut self, s: &str, allow_breaks: bool) {
        self.write_indicator("'", true, false, false);
        let b = s.as_bytes();
        let mut spaces = false;
        let mut breaks = false;
        let mut i = 0;
        while i < b.len() {
            if b[i] == b' ' {
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && i > 0
                    && i + 1 < b.len()
                    && b[i + 1] != b' '
                {
                    self.write_indent();
                } else {
                    self.put(b' ');
                }
                i += 1;
                spaces = true;
            } else if let Some(w) = break_width(b, i) {
                if !breaks && b[i] == b'\n' {
                    self.put_break();
                }
                self.write_break(s, i, w);
                i += w;
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                let start = i;
                while i < b.len() && b[i] != b' ' && b[i] != b'\'' && break_width(b, i).is_none() {
                    i += width(b[i]).max(1);
                }
                if start < i {
                    self.write_run(&s[start..i]);
                } else {
                    // A quote, doubled.
                    self.out.push_str("''");
                    self.column += 2;
                    i += 1;
                }
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.write_indicator("'", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_double_quoted(&mut self, s: &str, allow_breaks: bool) {
        self.write_indicator("\"", true, false, false);
        let b = s.as_bytes();
        // libyaml's is_bom() looks at the start of the value, whatever the position.
        let bom = b.starts_with(&[0xEF, 0xBB, 0xBF]);
        let needs_escape = |i: usize| {
            bom || !is_printable(b, i)
                || break_width(b, i).is_some()
                || b[i] == b'"'
                || b[i] == b'\\'
        };
        let mut spaces = false;
        let mut i = 0;
        while i < b.len() {
            if needs_escape(i) {
                let w = width(b[i]).max(1);
                let c = s[i..].chars().next().map_or(0, u32::from);
                i += w;
                self.write_escape(c);
                spaces = false;
            } else if b[i] == b' ' {
                if allow_breaks && !spaces && self.column > BEST_WIDTH && i > 0 && i + 1 < b.len() {
                    self.write_indent();
                    if b[i + 1] == b' ' {
                        self.put(b'\\');
                    }
                } else {
                    self.put(b' ');
                }
                i += 1;
                spaces = true;
            } else {
                let start = i;
                while i < b.len() && b[i] != b' ' && !needs_escape(i) {
                    i += width(b[i]).max(1);
                }
                self.write_run(&s[start..i]);
                spaces = false;
            }
        }
        self.write_indicator("\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_escape(&mut self, c: u32) {
        self.put(b'\\');
        let simple = match c {
            0x00 => Some(b'0'),
            0x07 => Some(b'a'),
            0x08 => Some(b'b'),
            0x09 => Some(b't'),
            0x0A => Some(b'n'),
            0x0B => Some(b'v'),
            0x0C => Some(b'f'),
            0x0D => Some(b'r'),
            0x1B => Some(b'e'),
            0x22 => Some(b'"'),
            0x5C => Some(b'\\'),
            0x85 => Some(b'N'),
            0xA0 => Some(b'_'),
            0x2028 => Some(b'L'),
            0x2029 => Some(b'P'),
            _ => None,
        };
        if let Some(e) = simple {
            self.put(e);
            return;
        }
        let (prefix, digits) = if c <= 0xFF {
            (b'x', 2)
        } else if c <= 0xFFFF {
            (b'u', 4)
        } else {
            (b'U', 8)
        };
        self.put(prefix);
        for k in (0..digits).rev() {
            let d = ((c >> (k * 4)) & 0xF) as u8;
            self.put(if d < 10 { b'0' + d } else { b'A' + d - 10 });
        }
    }

    fn write_literal(&mut self, s: &str, other_breaks: bool) {
        self.write_indicator("|", true, false, false);
        let b = s.as_bytes();
        if at(b, 0) == b' ' || break_width(b, 0).is_some() {
            self.write_indicator("2", false, false, false);
        }
        if let Some(chomp) = chomp_indicator(b) {
            self.write_indicator(chomp, false, false, false);
        }
        self.put_break();
        self.indention = true;
        self.whitespace = true;
        let mut breaks = true;
        let mut i = 0;
        while i < b.len() {
            if let Some(w) = break_width(b, i) {
                self.write_break(s, i, w);
                i += w;
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                let start = i;
                if other_breaks {
                    while i < b.len() && break_width(b, i).is_none() {
                        i += width(b[i]).max(1);
                    }
                } else {
                    i = s[i..].find('\n').map_or(b.len(), |n| i + n);
                }
                let line = &s[start..i];
                self.out.push_str(line);
                // The column only matters after the last line.
                self.column += if i == b.len() {
                    char_count(line.as_bytes())
                } else {
                    line.len()
                };
                self.indention = false;
                breaks = false;
            }
        }
    }
}

/// Applies what go-yaml's double-quoted scalar parsing does to a string that
/// went through encoding/json: encoding/json leaves NEL (U+0085) unescaped,
/// so go-yaml folds every run of spaces and NELs containing `k` NELs into a
/// single space (`k == 1`) or `k - 1` newlines.
fn fold_nel(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut run = String::new();
    let mut nels = 0usize;
    let flush = |out: &mut String, run: &mut String, nels: &mut usize| {
        match *nels {
            0 => out.push_str(run),
            1 => out.push(' '),
            n => (1..n).for_each(|_| out.push('\n')),
        }
        run.clear();
        *nels = 0;
    };
    for c in s.chars() {
        match c {
            ' ' => run.push(c),
            '\u{85}' => nels += 1,
            _ => {
                flush(&mut out, &mut run, &mut nels);
                out.push(c);
            }
        }
    }
    flush(&mut out, &mut run, &mut nels);
    out
}

/// Stable merge sort by go-yaml key order.  go-yaml's order is not a total
/// order for some key sets (kustomize's output is then nondeterministic), so
/// this must not rely on the comparator being consistent.
fn sort_entries<T: Copy>(v: &mut [(&String, T)]) {
    let mut buf = v.to_vec();
    merge_sort(v, &mut buf);
}

fn merge_sort<'a, T: Copy>(v: &mut [(&'a String, T)], buf: &mut [(&'a String, T)]) {
    let less = |a: &(&String, T), b: &(&String, T)| key_cmp(a.0, b.0) == Ordering::Less;
    let n = v.len();
    if n <= 16 {
        for i in 1..n {
            let mut j = i;
            while j > 0 && less(&v[j], &v[j - 1]) {
                v.swap(j, j - 1);
                j -= 1;
            }
        }
        return;
    }
    let mid = n / 2;
    merge_sort(&mut v[..mid], &mut buf[..mid]);
    merge_sort(&mut v[mid..], &mut buf[mid..]);
    if !less(&v[mid], &v[mid - 1]) {
        return;
    }
    buf[..n].copy_from_slice(v);
    let (mut i, mut j) = (0, mid);
    for slot in v.iter_mut() {
        if j < n && (i >= mid || less(&buf[j], &buf[i])) {
            *slot = buf[j];
            j += 1;
        } else {
            *slot = buf[i];
            i += 1;
        }
    }
}

/// The chomping indicator of a literal block scalar, if any.
fn chomp_indicator(b: &[u8]) -> Option<&'static str> {
    if b.is_empty() {
        return Some("-");
    }
    let mut i = b.len() - 1;
    while i > 0 && b[i] & 0xC0 == 0x80 {
        i -= 1;
    }
    if break_width(b, i).is_none() {
        return Some("-");
    }
    if i == 0 {
        return Some("+");
    }
    i -= 1;
    while i > 0 && b[i] & 0xC0 == 0x80 {
        i -= 1;
    }
    if break_width(b, i).is_some() {
        Some("+")
    } else {
        None
    }
}

// ---------------------------------------------------------------------------
// Character classes (libyaml's yamlprivateh.go)
// ---------------------------------------------------------------------------

/// Byte at `i`, or NUL past the end (libyaml strings are NUL-terminated).
#[inline]
fn at(b: &[u8], i: usize) -> u8 {
    b.get(i).copied().unwrap_or(0)
}

#[inline]
fn width(c: u8) -> usize {
    if c & 0x80 == 0 {
        1
    } else if c & 0xE0 == 0xC0 {
        2
    } else if c & 0xF0 == 0xE0 {
        3
    } else if c & 0xF8 == 0xF0 {
        4
    } else {
        0
    }
}

#[inline]
fn char_count(b: &[u8]) -> usize {
    b.iter().filter(|&&c| c & 0xC0 != 0x80).count()
}

#[inline]
fn is_printable(b: &[u8], i: usize) -> bool {
    let c = b[i];
    match c {
        0x0A | 0x20..=0x7E => true,
        0xC2 => at(b, i + 1) >= 0xA0,
        0xC3..=0xEC | 0xEE => true,
        0xED => at(b, i + 1) < 0xA0,
        0xEF => {
            let (c1, c2) = (at(b, i + 1), at(b, i + 2));
            !(c1 == 0xBB && c2 == 0xBF) && !(c1 == 0xBF && (c2 == 0xBE || c2 == 0xBF))
        }
        _ => false,
    }
}

/// Width of the line break at `i` (CR, LF, NEL, LS, PS), if any.
#[inline]
fn break_width(b: &[u8], i: usize) -> Option<usize> {
    match b[i] {
        b'\r' | b'\n' => Some(1),
        0xC2 if at(b, i + 1) == 0x85 => Some(2),
        0xE2 if at(b, i + 1) == 0x80 && matches!(at(b, i + 2), 0xA8 | 0xA9) => Some(3),
        _ => None,
    }
}

#[inline]
fn is_blank(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

/// Space, tab, line break or NUL at `i`.
#[inline]
fn is_blankz(b: &[u8], i: usize) -> bool {
    let c = at(b, i);
    is_blank(c) || c == 0 || (i < b.len() && break_width(b, i).is_some())
}

// ---------------------------------------------------------------------------
// Scalar analysis (yaml_emitter_analyze_scalar)
// ---------------------------------------------------------------------------

#[cfg_attr(test, derive(Debug, PartialEq))]
struct Analysis {
    multiline: bool,
    block_plain: bool,
    single_quoted: bool,
    block: bool,
    /// Number of characters (code points).
    chars: usize,
    /// Contains `\n`.
    has_lf: bool,
    /// Contains NEL (U+0085).
    has_nel: bool,
    /// Contains line breaks other than `\n` (CR, NEL, LS, PS).
    other_breaks: bool,
}

/// Bytes that need no attention in [`analyze`] after the first position:
/// printable ASCII other than space, `:` and `#`.
const BORING: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0x21;
    while c <= 0x7E {
        t[c] = c != b':' as usize && c != b'#' as usize;
        c += 1;
    }
    t
};

fn analyze(s: &str) -> Analysis {
    let b = s.as_bytes();
    if b.is_empty() {
        return Analysis {
            multiline: false,
            block_plain: true,
            single_quoted: true,
            block: false,
            chars: 0,
            has_lf: false,
            has_nel: false,
            other_breaks: false,
        };
    }
    // Words (most keys and many values: `name`, `containerPort`, `app.kubernetes.io/name`,
    // `nginx:1.27`): a letter or digit first, then only bytes that need no attention. The
    // general loop below gives every flag its default for them; its first-character rules
    // cost more than the rest of such a short string.
    if b[0].is_ascii_alphanumeric() && b[1..].iter().all(|&c| BORING[usize::from(c)]) {
        return Analysis {
            multiline: false,
            block_plain: true,
            single_quoted: true,
            block: true,
            chars: b.len(),
            has_lf: false,
            has_nel: false,
            other_breaks: false,
        };
    }
    analyze_general(s)
}

/// [`analyze`] without the shortcut for words (go-yaml's scan, character by character).
fn analyze_general(s: &str) -> Analysis {
    let b = s.as_bytes();
    let mut block_indicators = b.starts_with(b"---") || b.starts_with(b"...");
    let mut line_breaks = false;
    let mut special = false;
    let mut leading_space = false;
    let mut leading_break = false;
    let mut trailing_space = false;
    let mut trailing_break = false;
    let mut break_space = false;
    let mut space_break = false;
    let mut preceded_by_ws = true;
    let mut previous_space = false;
    let mut previous_break = false;
    let mut chars = 0;
    let mut has_lf = false;
    let mut has_nel = false;
    let mut other_breaks = false;

    let mut i = 0;
    while i < b.len() {
        if i > 0 {
            // Fast path for the common bytes; `i > 0` keeps first-character
            // rules out of it.
            let start = i;
            while i < b.len() && BORING[usize::from(b[i])] {
                i += 1;
            }
            if i > start {
                chars += i - start;
                preceded_by_ws = false;
                previous_space = false;
                previous_break = false;
                if i == b.len() {
                    break;
                }
            }
            match b[i] {
                b' ' => {
                    chars += 1;
                    trailing_space |= i + 1 == b.len();
                    break_space |= previous_break;
                    previous_space = true;
                    previous_break = false;
                    preceded_by_ws = true;
                    i += 1;
                    continue;
                }
                b'\n' => {
                    chars += 1;
                    has_lf = true;
                    line_breaks = true;
                    trailing_break |= i + 1 == b.len();
                    space_break |= previous_space;
                    previous_space = false;
                    previous_break = true;
                    preceded_by_ws = true;
                    i += 1;
                    continue;
                }
                _ => {}
            }
        }
        let c = b[i];
        has_lf |= c == b'\n';
        has_nel |= c == 0xC2 && at(b, i + 1) == 0x85;
        let w = width(c).max(1);
        chars += 1;
        let followed_by_ws = i + w >= b.len() || is_blank(b[i + w]);
        if i == 0 {
            match c {
                b'#' | b',' | b'[' | b']' | b'{' | b'}' | b'&' | b'*' | b'!' | b'|' | b'>'
                | b'\'' | b'"' | b'%' | b'@' | b'`' => block_indicators = true,
                b'?' | b':' | b'-' if followed_by_ws => block_indicators = true,
                _ => {}
            }
        } else {
            match c {
                b':' if followed_by_ws => block_indicators = true,
                b'#' if preceded_by_ws => block_indicators = true,
                _ => {}
            }
        }
        if !is_printable(b, i) {
            special = true;
        }
        if c == b' ' {
            if i == 0 {
                leading_space = true;
            }
            if i + w == b.len() {
                trailing_space = true;
            }
            if previous_break {
                break_space = true;
            }
            previous_space = true;
            previous_break = false;
        } else if break_width(b, i).is_some() {
            line_breaks = true;
            other_breaks |= c != b'\n';
            if i == 0 {
                leading_break = true;
            }
            if i + w == b.len() {
                trailing_break = true;
            }
            if previous_space {
                space_break = true;
            }
            previous_space = false;
            previous_break = true;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_ws = is_blankz(b, i);
        i += w;
    }

    let mut a = Analysis {
        multiline: line_breaks,
        block_plain: true,
        single_quoted: true,
        block: true,
        chars,
        has_lf,
        has_nel,
        other_breaks,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        a.block_plain = false;
    }
    if trailing_space {
        a.block = false;
    }
    if break_space {
        a.block_plain = false;
        a.single_quoted = false;
    }
    if space_break || special {
        a.block_plain = false;
        a.single_quoted = false;
        a.block = false;
    }
    if line_breaks || block_indicators {
        a.block_plain = false;
    }
    a
}

// ---------------------------------------------------------------------------
// Requested style (go-yaml v2 encode.go stringv + resolve.go)
// ---------------------------------------------------------------------------

fn requested_style(s: &str, a: &Analysis) -> Style {
    if a.has_lf {
        Style::Literal
    } else if resolves_to_non_string(s) || is_base60_float(s) {
        Style::DoubleQuoted
    } else {
        Style::Plain
    }
}

/// Whether go-yaml v2 would resolve `s`, written plain, to something other
/// than a string.
fn resolves_to_non_string(s: &str) -> bool {
    let b = s.as_bytes();
    let Some(&first) = b.first() else {
        return true; // null
    };
    match first {
        b'+'
        | b'-'
        | b'0'..=b'9'
        | b'y'
        | b'Y'
        | b'n'
        | b'N'
        | b't'
        | b'T'
        | b'f'
        | b'F'
        | b'o'
        | b'O'
        | b'~'
        | b'.' => {}
        _ => return false,
    }
    if matches!(
        s,
        "y" | "Y"
            | "yes"
            | "Yes"
            | "YES"
            | "true"
            | "True"
            | "TRUE"
            | "on"
            | "On"
            | "ON"
            | "n"
            | "N"
            | "no"
            | "No"
            | "NO"
            | "false"
            | "False"
            | "FALSE"
            | "off"
            | "Off"
            | "OFF"
            | "~"
            | "null"
            | "Null"
            | "NULL"
            | ".nan"
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
    ) {
        return true;
    }
    match first {
        b'.' => is_yaml_float(b) && go_parse_float_ok(s),
        b'+' | b'-' | b'0'..=b'9' => {
            if parse_timestamp(b) {
                return true;
            }
            let owned;
            let plain: &str = if s.contains('_') {
                owned = s.replace('_', "");
                &owned
            } else {
                s
            };
            let p = plain.as_bytes();
            if go_parse_int_or_uint(p) {
                return true;
            }
            if is_yaml_float(p) && go_parse_float_ok(plain) {
                return true;
            }
            if let Some(rest) = p.strip_prefix(b"0b") {
                return go_parse_signed_base2(rest);
            }
            if let Some(rest) = p.strip_prefix(b"-0b") {
                return rest.first().is_some_and(|&c| c != b'+' && c != b'-')
                    && go_parse_signed_base2_neg(rest);
            }
            false
        }
        _ => false,
    }
}

/// Go `strconv.ParseInt(s, 0, 64)` or `ParseUint(s, 0, 64)` succeeds.
fn go_parse_int_or_uint(b: &[u8]) -> bool {
    let (sign, digits) = match b.first() {
        Some(b'+') => (1, &b[1..]),
        Some(b'-') => (-1, &b[1..]),
        _ => (0, b),
    };
    let Some(u) = go_parse_uint_base0(digits) else {
        return false;
    };
    match sign {
        0 => true,
        1 => u <= i64::MAX as u64,
        _ => u <= 1u64 << 63,
    }
}

/// Go `strconv.ParseUint(s, 0, 64)` (after the sign has been removed).
fn go_parse_uint_base0(b: &[u8]) -> Option<u64> {
    if b.is_empty() {
        return None;
    }
    let (base, digits) = if b[0] == b'0' {
        match b.get(1).map(u8::to_ascii_lowercase) {
            Some(b'b') if b.len() >= 3 => (2, &b[2..]),
            Some(b'o') if b.len() >= 3 => (8, &b[2..]),
            Some(b'x') if b.len() >= 3 => (16, &b[2..]),
            _ => (8, &b[1..]),
        }
    } else {
        (10, b)
    };
    parse_digits(digits, base, true)
}

/// Parses digits in `base`; `allow_empty` mirrors Go accepting "0" as octal.
fn parse_digits(digits: &[u8], base: u32, allow_empty: bool) -> Option<u64> {
    if digits.is_empty() && !allow_empty {
        return None;
    }
    let mut n: u64 = 0;
    for &c in digits {
        let d = (c as char).to_digit(base)?;
        n = n.checked_mul(u64::from(base))?.checked_add(u64::from(d))?;
    }
    Some(n)
}

/// Go `strconv.ParseInt(rest, 2, 64)` or `ParseUint(rest, 2, 64)` succeeds.
fn go_parse_signed_base2(rest: &[u8]) -> bool {
    match rest.first() {
        Some(b'+') => parse_digits(&rest[1..], 2, false).is_some_and(|u| u <= i64::MAX as u64),
        Some(b'-') => parse_digits(&rest[1..], 2, false).is_some_and(|u| u <= 1u64 << 63),
        _ => parse_digits(rest, 2, false).is_some(),
    }
}

/// Go `strconv.ParseInt("-" + rest, 2, 64)` succeeds.
fn go_parse_signed_base2_neg(rest: &[u8]) -> bool {
    parse_digits(rest, 2, false).is_some_and(|u| u <= 1u64 << 63)
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`
fn is_yaml_float(b: &[u8]) -> bool {
    let mut i = 0;
    let digits = |b: &[u8], mut i: usize| {
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        i
    };
    if matches!(b.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    if at(b, i) == b'.' {
        let j = digits(b, i + 1);
        if j == i + 1 {
            return false;
        }
        i = j;
    } else {
        let j = digits(b, i);
        if j == i {
            return false;
        }
        i = j;
        if at(b, i) == b'.' {
            i = digits(b, i + 1);
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let j = digits(b, i);
        if j == i {
            return false;
        }
        i = j;
    }
    i == b.len()
}

/// Go `strconv.ParseFloat` succeeds on text already matching [`is_yaml_float`]
/// (it only fails on overflow).
fn go_parse_float_ok(s: &str) -> bool {
    s.parse::<f64>().is_ok_and(f64::is_finite)
}

/// `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`
fn is_base60_float(s: &str) -> bool {
    let b = s.as_bytes();
    let Some(&c) = b.first() else {
        return false;
    };
    if !(c == b'+' || c == b'-' || c.is_ascii_digit()) || !b.contains(&b':') {
        return false;
    }
    let mut i = usize::from(c == b'+' || c == b'-');
    if !at(b, i).is_ascii_digit() {
        return false;
    }
    i += 1;
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
        i += 1;
    }
    let mut groups = 0;
    while at(b, i) == b':' {
        i += 1;
        let d0 = at(b, i);
        if !d0.is_ascii_digit() {
            return false;
        }
        if d0 <= b'5' && at(b, i + 1).is_ascii_digit() {
            i += 2;
        } else {
            i += 1;
        }
        groups += 1;
    }
    if groups == 0 {
        return false;
    }
    if at(b, i) == b'.' {
        i += 1;
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
            i += 1;
        }
    }
    i == b.len()
}

// ---------------------------------------------------------------------------
// Timestamps (go-yaml v2 parseTimestamp with Go's time.Parse)
// ---------------------------------------------------------------------------

#[derive(Clone, Copy)]
enum Tok {
    Year,
    Month,
    Day,
    Hour,
    Minute,
    Second,
    Frac,
    Zone,
    Lit(u8),
}

const TS_LAYOUTS: [&[Tok]; 4] = {
    use Tok::*;
    [
        &[
            Year,
            Lit(b'-'),
            Month,
            Lit(b'-'),
            Day,
            Lit(b'T'),
            Hour,
            Lit(b':'),
            Minute,
            Lit(b':'),
            Second,
            Frac,
            Zone,
        ],
        &[
            Year,
            Lit(b'-'),
            Month,
            Lit(b'-'),
            Day,
            Lit(b't'),
            Hour,
            Lit(b':'),
            Minute,
            Lit(b':'),
            Second,
            Frac,
            Zone,
        ],
        &[
            Year,
            Lit(b'-'),
            Month,
            Lit(b'-'),
            Day,
            Lit(b' '),
            Hour,
            Lit(b':'),
            Minute,
            Lit(b':'),
            Second,
            Frac,
        ],
        &[Year, Lit(b'-'), Month, Lit(b'-'), Day],
    ]
};

fn parse_timestamp(b: &[u8]) -> bool {
    let n = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if n != 4 || at(b, 4) != b'-' {
        return false;
    }
    TS_LAYOUTS.iter().any(|layout| go_time_parse(layout, b))
}

/// Go's `getnum(s, false)`: one or two digits.
fn getnum(v: &[u8]) -> Option<(u32, &[u8])> {
    let d0 = *v.first().filter(|c| c.is_ascii_digit())?;
    match v.get(1) {
        Some(&d1) if d1.is_ascii_digit() => {
            Some((u32::from(d0 - b'0') * 10 + u32::from(d1 - b'0'), &v[2..]))
        }
        _ => Some((u32::from(d0 - b'0'), &v[1..])),
    }
}

fn two_digits(v: &[u8]) -> Option<u32> {
    match v {
        [a, b] if a.is_ascii_digit() && b.is_ascii_digit() => {
            Some(u32::from(a - b'0') * 10 + u32::from(b - b'0'))
        }
        _ => None,
    }
}

fn go_time_parse(layout: &[Tok], mut v: &[u8]) -> bool {
    let (mut year, mut month, mut day) = (0u32, 1u32, 1u32);
    for tok in layout {
        match *tok {
            Tok::Lit(b' ') => {
                if v.first().is_some_and(|&c| c != b' ') {
                    return false;
                }
                while v.first() == Some(&b' ') {
                    v = &v[1..];
                }
            }
            Tok::Lit(c) => {
                if v.first() != Some(&c) {
                    return false;
                }
                v = &v[1..];
            }
            Tok::Year => {
                if v.len() < 4 || !v[..4].iter().all(u8::is_ascii_digit) {
                    return false;
                }
                year = v[..4].iter().fold(0, |a, &c| a * 10 + u32::from(c - b'0'));
                v = &v[4..];
            }
            Tok::Month | Tok::Day | Tok::Hour | Tok::Minute | Tok::Second => {
                let Some((n, rest)) = getnum(v) else {
                    return false;
                };
                v = rest;
                let ok = match *tok {
                    Tok::Month => (1..=12).contains(&n),
                    Tok::Hour => n < 24,
                    Tok::Minute | Tok::Second => n < 60,
                    _ => true,
                };
                if !ok {
                    return false;
                }
                match *tok {
                    Tok::Month => month = n,
                    Tok::Day => day = n,
                    _ => {}
                }
            }
            Tok::Frac => {
                if v.len() >= 2 && (v[0] == b'.' || v[0] == b',') && v[1].is_ascii_digit() {
                    let n = 1 + v[1..].iter().take_while(|c| c.is_ascii_digit()).count();
                    v = &v[n..];
                }
            }
            Tok::Zone => {
                if v.first() == Some(&b'Z') {
                    v = &v[1..];
                    continue;
                }
                if v.len() < 6 || v[3] != b':' {
                    return false;
                }
                let (Some(hh), Some(mm)) = (two_digits(&v[1..3]), two_digits(&v[4..6])) else {
                    return false;
                };
                if hh > 24 || mm > 60 || !(v[0] == b'+' || v[0] == b'-') {
                    return false;
                }
                v = &v[6..];
            }
        }
    }
    v.is_empty() && day >= 1 && day <= days_in(month, year)
}

fn days_in(month: u32, year: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// ---------------------------------------------------------------------------
// Numbers
// ---------------------------------------------------------------------------

/// Formats a JSON number the way it comes out of encoding/json → go-yaml v2.
fn format_number(n: &Number, out: &mut String) {
    if let Some(i) = n.as_i64() {
        if i < 0 {
            out.push('-');
        }
        push_u64(i.unsigned_abs(), out);
    } else if let Some(u) = n.as_u64() {
        push_u64(u, out);
    } else if let Some(f) = n.as_f64() {
        format_float(f, out);
    }
}

fn push_u64(mut u: u64, out: &mut String) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (u % 10) as u8;
        u /= 10;
        if u == 0 {
            break;
        }
    }
    push_ascii(&buf[i..], out);
}

/// Shortest round-trip decimal digits of `|f|` and the decimal point
/// position (`0.d1d2... × 10^dp`), like Go's `decimalSlice`.
fn shortest_digits(f: f64) -> (Vec<u8>, i32) {
    let s = format!("{:e}", f.abs());
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let digits: Vec<u8> = mant.bytes().filter(u8::is_ascii_digit).collect();
    let exp: i32 = exp.parse().unwrap_or(0);
    (digits, exp + 1)
}

fn format_float(f: f64, out: &mut String) {
    if f.is_nan() {
        out.push_str(".nan");
        return;
    }
    if f.is_infinite() {
        out.push_str(if f > 0.0 { ".inf" } else { "-.inf" });
        return;
    }
    if f == 0.0 {
        // encoding/json writes "0" or "-0", which go-yaml reads as int 0.
        out.push('0');
        return;
    }
    let (digits, dp) = shortest_digits(f);
    let abs = f.abs();
    if (1e-6..1e21).contains(&abs) && dp >= digits.len() as i32 {
        // encoding/json writes an integer literal; go-yaml keeps it as an
        // integer if it fits in int64 or uint64.
        let start = out.len();
        if f < 0.0 {
            out.push('-');
        }
        push_digits_f(&digits, dp, out);
        let text = &out[start..];
        if text.parse::<i64>().is_ok() || text.parse::<u64>().is_ok() {
            return;
        }
        out.truncate(start);
    }
    if f < 0.0 {
        out.push('-');
    }
    let exp = dp - 1;
    if !(-4..6).contains(&exp) {
        // %e with the shortest digits.
        out.push(char::from(digits[0]));
        if digits.len() > 1 {
            out.push('.');
            push_ascii(&digits[1..], out);
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        let e = exp.unsigned_abs();
        if e < 10 {
            out.push('0');
        }
        let _ = write!(out, "{e}");
    } else {
        push_digits_f(&digits, dp, out);
    }
}

/// Go's `fmtF` with the shortest precision.
fn push_digits_f(digits: &[u8], dp: i32, out: &mut String) {
    let nd = digits.len() as i32;
    if dp > 0 {
        let m = nd.min(dp) as usize;
        push_ascii(&digits[..m], out);
        for _ in nd..dp {
            out.push('0');
        }
    } else {
        out.push('0');
    }
    let prec = (nd - dp).max(0);
    if prec > 0 {
        out.push('.');
        for i in 1..=prec {
            let j = dp + i - 1;
            let c = if (0..nd).contains(&j) {
                char::from(digits[j as usize])
            } else {
                '0'
            };
            out.push(c);
        }
    }
}

fn push_ascii(b: &[u8], out: &mut String) {
    for &c in b {
        out.push(char::from(c));
    }
}

// ---------------------------------------------------------------------------
// Key order (go-yaml v2 sorter.go, string keys)
// ---------------------------------------------------------------------------

/// Go's `unicode.IsLetter` (category L).  Rust's `is_alphabetic` adds Nl
/// (removed here) and Other_Alphabetic marks (kept; rare in keys).
fn is_letter(c: char) -> bool {
    if c.is_ascii() {
        c.is_ascii_alphabetic()
    } else {
        c.is_alphabetic() && !c.is_numeric()
    }
}

/// Decodes the character starting at byte `i` (a char boundary) of `s`.
fn char_at(s: &str, i: usize) -> char {
    s.get(i..).and_then(|t| t.chars().next()).unwrap_or('\0')
}

/// Ordering equivalent to go-yaml v2's `keyList.Less` for two string keys.
///
/// Works on bytes and decodes runes only where the keys first differ.  Digits
/// are ASCII digits only (Go's `unicode.IsDigit` also accepts other Nd
/// digits, with meaningless numeric values; those never occur in practice).
fn key_cmp(a: &str, b: &str) -> Ordering {
    let (ab, bb) = (a.as_bytes(), b.as_bytes());
    let p = ab.iter().zip(bb).take_while(|(x, y)| x == y).count();
    if p == ab.len() || p == bb.len() {
        // One is a prefix of the other: the shorter one sorts first.
        return ab.len().cmp(&bb.len());
    }
    // Back up to the start of the differing character (same in both).
    let mut i = p;
    while i > 0 && ab[i] & 0xC0 == 0x80 {
        i -= 1;
    }
    let (ra, rb) = (char_at(a, i), char_at(b, i));
    let (al, bl) = (is_letter(ra), is_letter(rb));
    if al && bl {
        return ra.cmp(&rb);
    }
    if al || bl {
        return if bl {
            Ordering::Less
        } else {
            Ordering::Greater
        };
    }
    let (mut an, mut bn) = (0i64, 0i64);
    if ra == '0' || rb == '0' {
        for &c in ab[..i].iter().rev() {
            if !c.is_ascii_digit() {
                break;
            }
            if c != b'0' {
                an = 1;
                bn = 1;
                break;
            }
        }
    }
    let run = |s: &[u8], mut n: i64| {
        let len = s[i..].iter().take_while(|c| c.is_ascii_digit()).count();
        for &c in &s[i..i + len] {
            n = n.wrapping_mul(10).wrapping_add(i64::from(c - b'0'));
        }
        (n, len)
    };
    let (an, alen) = run(ab, an);
    let (bn, blen) = run(bb, bn);
    if an != bn {
        return an.cmp(&bn);
    }
    if alen != blen {
        return alen.cmp(&blen);
    }
    ra.cmp(&rb)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_shortcut_for_words_agrees_with_the_general_scan() {
        let words = [
            "a",
            "name",
            "containerPort",
            "app.kubernetes.io/name",
            "nginx:1.27",
            "v1",
            "8080",
            "0x1F",
            "1e3",
            "true",
            "null",
            "y",
            "a-b_c.d/e@f",
            "x=y",
            "a%b",
            "q?",
            "a!b",
            "a*b",
            "a&b",
            "a|b",
            "a>b",
            "a'b",
            "a\"b",
            "a,b",
            "a[b]",
            "a{b}",
            "a`b",
            "a~b",
            "0---",
            "a...",
        ];
        for w in words {
            assert_eq!(super::analyze(w), super::analyze_general(w), "{w:?}");
        }
    }
    use super::*;
    use crate::json;

    fn doc(v: Value) -> String {
        let mut s = String::new();
        emit_document(&v, &mut s);
        s
    }

    #[test]
    fn basic_layout() {
        let v = json!({"b": [1, {"x": "y", "a": []}, [true, null]], "a": {"c": {}}});
        assert_eq!(
            doc(v),
            "a:\n  c: {}\nb:\n- 1\n- a: []\n  x: \"y\"\n- - true\n  - null\n"
        );
    }

    #[test]
    fn key_order() {
        let mut keys = vec![
            "a10", "a2", "a1", "B", "b", "_x", "a01", "a001", "1", "10", "9", "a",
        ];
        keys.sort_by(|a, b| key_cmp(a, b));
        assert_eq!(
            keys,
            vec![
                "_x", "1", "9", "10", "B", "a", "a1", "a01", "a001", "a2", "a10", "b"
            ]
        );
    }

    #[test]
    fn resolver() {
        for s in [
            "",
            "yes",
            "Off",
            "~",
            "1",
            "-1",
            "+1",
            "0x1F",
            "0o17",
            "017",
            "08",
            "1_000",
            "1.5",
            "1e3",
            ".5",
            "1:20",
            "2001-12-14",
            "2001-12-14t21:59:43.10-05:00",
            "0b-1",
            "1.",
        ] {
            assert!(
                resolves_to_non_string(s) || is_base60_float(s),
                "{s:?} should resolve to non-string"
            );
        }
        for s in [
            "abc",
            "1e999",
            "2001-13-14",
            "2001-02-29",
            "0x",
            "-",
            "1:60",
            "<<",
            "1.2.3",
            ".e5",
        ] {
            assert!(
                !resolves_to_non_string(s) && !is_base60_float(s),
                "{s:?} should stay a string"
            );
        }
    }

    #[test]
    fn floats() {
        let cases: &[(f64, &str)] = &[
            (1.0, "1"),
            (1.5, "1.5"),
            (-0.0, "0"),
            (1e20, "1e+20"),
            (1e21, "1e+21"),
            (1e15, "1000000000000000"),
            (1234567.5, "1.2345675e+06"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1e-7, "1e-07"),
            (-2.5e-300, "-2.5e-300"),
            (9.223372036854776e18, "9223372036854776000"),
            (1.8446744073709552e19, "1.8446744073709552e+19"),
        ];
        for &(f, want) in cases {
            let mut s = String::new();
            format_float(f, &mut s);
            assert_eq!(s, want, "formatting {f:e}");
        }
    }

    #[test]
    fn scalar_styles() {
        let v = json!({
            "plain": "hello world",
            "quoted": "yes",
            "empty": "",
            "colon": "a: b",
            "lead": " x",
            "hash": "#x",
            "tab": "a\tb",
            "lit": "a\nb\n",
            "strip": "a\nb",
            "keep": "a\n\n",
            "indent": " a\nb",
            "emoji": "\u{1F600}",
            "quote": "'x'",
        });
        assert_eq!(
            doc(v),
            "colon: 'a: b'\nemoji: \"\\U0001F600\"\nempty: \"\"\nhash: '#x'\n\
             indent: |2-\n   a\n  b\nkeep: |+\n  a\n\nlead: ' x'\nlit: |\n  a\n  b\n\
             plain: hello world\nquote: '''x'''\nquoted: \"yes\"\nstrip: |-\n  a\n  b\n\
             tab: \"a\\tb\"\n"
        );
    }

    #[test]
    fn wrapping() {
        let words = "word ".repeat(30);
        let v = json!({ "k": words.trim_end() });
        let out = doc(v);
        assert!(out.lines().all(|l| l.chars().count() <= 90));
        assert!(out.starts_with("k: word word"));
        assert!(out.contains("\n  word"));
    }

    #[test]
    fn inconsistent_key_order_does_not_panic() {
        // "1a" < "2a" < "10a" < "1a": go-yaml's order has cycles here.
        let mut m = Map::new();
        for i in 0..200 {
            m.insert(format!("{}a", i % 23), json!(i));
            m.insert(format!("x{}y{}", i % 7, i), json!(i));
        }
        let out = doc(Value::Object(m));
        assert_eq!(out.lines().count(), 223);
    }

    #[test]
    fn non_ascii_keys() {
        let mut keys = vec!["é", "É", "ß", "z", "Z", "日本", "a\u{300}", "a"];
        keys.sort_by(|a, b| key_cmp(a, b));
        assert_eq!(keys, vec!["Z", "a", "a\u{300}", "z", "É", "ß", "é", "日本"]);
    }

    #[test]
    fn root_scalars() {
        assert_eq!(doc(json!("abc")), "abc\n");
        assert_eq!(doc(json!(null)), "null\n");
        assert_eq!(doc(json!([])), "[]\n");
        assert_eq!(doc(json!({})), "{}\n");
        assert_eq!(doc(json!(["a", ["b"]])), "- a\n- - b\n");
    }

    #[test]
    fn stream() {
        let a = json!({"a": 1});
        let b = json!({"b": 2});
        assert_eq!(emit_stream([&a, &b]), "a: 1\n---\nb: 2\n");
    }
}
