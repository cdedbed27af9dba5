//! `images` (kustomize's ImageTagTransformer and its `image` name matching).
use crate::lookup::Lookup;
use crate::value::Value;
use serde::Deserialize;

use super::fieldspec::{self, CreateKind};
use crate::error::{Error, Result};
use crate::resmap::ResMap;
use crate::types::{FieldSpec, Image};

/// `kind: ImageTagTransformer` config.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImageTagTransformer {
    #[serde(default)]
    pub image_tag: Image,
    #[serde(default, deserialize_with = "super::de_vec")]
    pub field_specs: Vec<FieldSpec>,
}

impl ImageTagTransformer {
    pub fn apply(&self, rm: &mut ResMap) -> Result<()> {
        let m = Matcher::new(&self.image_tag.name);
        // kustomize first rewrites every `containers`/`initContainers` list anywhere in the
        // object, then again at the field specs.
        for r in rm.iter_mut() {
            if r.kind() == "CustomResourceDefinition" {
                continue;
            }
            let shown = r.id();
            legacy_walk(&mut r.body, &m, &self.image_tag).map_err(|e| e.for_resource(&shown))?;
        }
        for r in rm.iter_mut() {
            if r.kind() == "CustomResourceDefinition" {
                continue;
            }
            let gvk = r.gvk();
            let shown = r.id();
            fieldspec::apply_all(
                &mut r.body,
                &gvk,
                &self.field_specs,
                CreateKind::None,
                &mut |v| update(v, &m, &self.image_tag),
            )
            .map_err(|e| e.for_resource(&shown))?;
        }
        Ok(())
    }
}

/// kustomize matches `name` as a regular expression anchored at the start, followed by an
/// optional tag and an optional sha256 digest:
/// `^NAME(:[a-zA-Z0-9_.{}-]*)?(@sha256:[a-zA-Z0-9_.{}-]*)?$`.
///
/// Nearly every real name is "plain": letters, digits and `_/:@-`, which a regular expression
/// reads literally, plus `.`, which matches any one character but a newline. Such a name
/// matches a fixed number of characters, so it is checked by hand — compiling one regular
/// expression per `images` entry cost more than the whole rewrite on large trees. Any
/// other name is compiled as the regular expression kustomize builds.
pub enum Matcher {
    Plain(String),
    Regex(Option<regex::Regex>),
}

/// Whether a regular expression reads every character of `name` literally, except `.`.
fn is_plain(name: &str) -> bool {
    name.bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'/' | b':' | b'@' | b'-' | b'.'))
}

/// A character of a tag or digest in kustomize's pattern.
fn is_tag_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '{' | '}' | '-')
}

/// Whether `rest` (what follows the name) is `(:TAG)?(@sha256:DIGEST)?`.
fn is_tag_and_digest(rest: &str) -> bool {
    let rest = match rest.strip_prefix(':') {
        Some(r) => r.trim_start_matches(is_tag_char),
        None => rest,
    };
    if rest.is_empty() {
        return true;
    }
    rest.strip_prefix("@sha256:")
        .is_some_and(|d| d.chars().all(is_tag_char))
}

/// The part of `image` after a plain `name`'s characters, when they match.
fn after_plain<'a>(name: &str, image: &'a str) -> Option<&'a str> {
    let mut chars = image.char_indices();
    for n in name.bytes() {
        let (_, c) = chars.next()?;
        let ok = if n == b'.' { c != '\n' } else { c == n as char };
        if !ok {
            return None;
        }
    }
    Some(chars.as_str())
}

impl Matcher {
    pub fn new(name: &str) -> Matcher {
        if is_plain(name) {
            return Matcher::Plain(name.to_string());
        }
        let re = format!("^{name}(:[a-zA-Z0-9_.{{}}-]*)?(@sha256:[a-zA-Z0-9_.{{}}-]*)?$");
        Matcher::Regex(regex::Regex::new(&re).ok())
    }

    pub fn is_match(&self, image: &str) -> bool {
        match self {
            Matcher::Plain(name) => after_plain(name, image).is_some_and(is_tag_and_digest),
            Matcher::Regex(re) => re.as_ref().is_some_and(|r| r.is_match(image)),
        }
    }
}

/// Finds, for an image reference, the first `images` entry at or after a position that
/// matches it, without trying every entry: plain names are grouped by their length and the
/// positions of their `.` wildcards, and looked up by the reference's first characters with
/// those positions left out; other names go through one `RegexSet`.
/// Plain names of one length with `.` at the same positions: (length, `.` positions, the
/// name without them → entries in order).
type PlainGroup = (
    usize,
    Vec<usize>,
    crate::hashing::HashMap<String, Vec<usize>>,
);

struct EntryIndex {
    /// (name length in characters, `.` positions, key without them → entries in order)
    plain: Vec<PlainGroup>,
    /// Entries whose names are regular expressions, and one set over them.
    others: Vec<usize>,
    set: Option<regex::RegexSet>,
}

fn skeleton(chars: impl Iterator<Item = char>, dots: &[usize]) -> String {
    chars
        .enumerate()
        .filter(|(i, _)| dots.binary_search(i).is_err())
        .map(|(_, c)| c)
        .collect()
}

impl EntryIndex {
    /// `None` when the regular-expression names are too many for one automaton.
    fn new(entries: &[Image], matchers: &[Matcher]) -> Option<EntryIndex> {
        let mut plain: Vec<PlainGroup> = Vec::new();
        let mut others = Vec::new();
        let mut patterns = Vec::new();
        for (i, (e, m)) in entries.iter().zip(matchers).enumerate() {
            match m {
                Matcher::Plain(name) => {
                    let dots: Vec<usize> = name
                        .bytes()
                        .enumerate()
                        .filter(|&(_, b)| b == b'.')
                        .map(|(i, _)| i)
                        .collect();
                    let len = name.len();
                    let key = skeleton(e.name.chars(), &dots);
                    let group = match plain.iter().position(|(l, d, _)| *l == len && *d == dots) {
                        Some(g) => g,
                        None => {
                            plain.push((len, dots, Default::default()));
                            plain.len() - 1
                        }
                    };
                    plain[group].2.entry(key).or_default().push(i);
                }
                Matcher::Regex(Some(re)) => {
                    others.push(i);
                    patterns.push(re.as_str().to_string());
                }
                Matcher::Regex(None) => {}
            }
        }
        let set = if patterns.is_empty() {
            None
        } else {
            Some(regex::RegexSet::new(&patterns).ok()?)
        };
        Some(EntryIndex { plain, others, set })
    }

    /// The first entry at or after `pos` whose name matches `text`.
    fn first_match(&self, text: &str, pos: usize, matchers: &[Matcher]) -> Option<usize> {
        let mut best: Option<usize> = None;
        for (len, dots, map) in &self.plain {
            let Some(end) = text.char_indices().nth(*len).map(|(i, _)| i).or((text
                .chars()
                .count()
                == *len)
                .then_some(text.len()))
            else {
                continue;
            };
            if !is_tag_and_digest(&text[end..]) {
                continue;
            }
            let prefix = &text[..end];
            if dots.iter().any(|&d| prefix.chars().nth(d) == Some('\n')) {
                continue;
            }
            if let Some(found) = map.get(&skeleton(prefix.chars(), dots))
                && let Some(&e) = found
                    .iter()
                    .find(|&&e| e >= pos && matchers[e].is_match(text))
            {
                best = Some(best.map_or(e, |b| b.min(e)));
            }
        }
        if let Some(set) = &self.set
            && let Some(e) = set
                .matches(text)
                .iter()
                .map(|k| self.others[k])
                .find(|&e| e >= pos)
        {
            best = Some(best.map_or(e, |b| b.min(e)));
        }
        best
    }
}

/// Splits an image reference into name, tag and digest (kustomize's `image.Split`): a
/// `:` before the first `/` is a registry port, not a tag.
pub fn split(image: &str) -> (&str, &str, &str) {
    let slash = match image.find('/') {
        Some(i) if i > 0 => i,
        _ => 0,
    };
    let search = &image[slash..];
    let at = search.find('@');
    let colon = search.find(':');
    match (at, colon) {
        (None, None) => (image, "", ""),
        (Some(a), c) if c.is_none() || c.is_some_and(|c| a < c) => {
            let a = a + slash;
            (&image[..a], "", &image[a + 1..])
        }
        (Some(a), Some(c)) => {
            let (a, c) = (a + slash, c + slash);
            (
                &image[..c],
                image.get(c + 1..a).unwrap_or(""),
                &image[a + 1..],
            )
        }
        (None, Some(c)) => {
            let c = c + slash;
            (&image[..c], &image[c + 1..], "")
        }
        // Unreachable given the arms above; kept total.
        (Some(_), None) => (image, "", ""),
    }
}

fn image_text(v: &Value) -> Result<Option<String>> {
    match v {
        Value::String(s) => Ok(Some(s.clone())),
        Value::Null => Ok(None),
        Value::Number(n) => Ok(Some(n.to_string())),
        Value::Bool(b) => Ok(Some(b.to_string())),
        other => Err(Error::msg(format!(
            "an image must be a string, found {}",
            crate::types::type_name(other)
        ))),
    }
}

fn update(v: &mut Value, m: &Matcher, it: &Image) -> Result<()> {
    let Some(text) = image_text(v)? else {
        return Ok(());
    };
    if !m.is_match(&text) {
        return Ok(());
    }
    *v = Value::String(rewrite(&text, it));
    Ok(())
}

/// The image reference `text` after applying `it` (which matched it).
fn rewrite(text: &str, it: &Image) -> String {
    let (name, tag, digest) = split(text);
    let mut name = name.to_string();
    let mut tag = tag.to_string();
    let mut digest = digest.to_string();
    if !it.new_name.is_empty() {
        name = it.new_name.clone();
    }
    if !it.new_tag.is_empty() && !it.digest.is_empty() {
        tag = it.new_tag.clone();
        digest = it.digest.clone();
    } else if !it.new_tag.is_empty() {
        tag = it.new_tag.clone();
        digest.clear();
    } else if !it.digest.is_empty() {
        tag.clear();
        digest = it.digest.clone();
    } else if !it.tag_suffix.is_empty() {
        tag.push_str(&it.tag_suffix);
        digest.clear();
    }
    if !tag.is_empty() {
        name.push(':');
        name.push_str(&tag);
    }
    if !digest.is_empty() {
        name.push('@');
        name.push_str(&digest);
    }
    name
}

/// The key of the placeholder that stands for one image field while [`apply_all`] works.
const MARK: &str = "\u{0}stackgen-image";

/// Applies a kustomization's `images` entries in one pass per object, with exactly the
/// result of kustomize's one transformer per entry.
///
/// kustomize rewrites, for each entry in turn, every `containers`/`initContainers` image
/// anywhere in the object and then every image at the field specs again — so a field
/// reached both ways sees each entry twice (that is why a `tagSuffix` is applied twice).
/// Fields are independent, so we find each image field once, count how many of the two
/// walks reach it (marking it with a placeholder), and run the entries over its value in
/// order, each as many times as kustomize would. A `RegexSet` over all entry names finds
/// the entries that can match a value in one scan, so the cost does not grow with the
/// number of entries times the number of objects.
pub fn apply_all(entries: &[Image], field_specs: &[FieldSpec], rm: &mut ResMap) -> Result<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let matchers: Vec<Matcher> = entries.iter().map(|e| Matcher::new(&e.name)).collect();
    let Some(index) = EntryIndex::new(entries, &matchers) else {
        // Too large for one automaton: one pass per entry, as kustomize does.
        for image in entries {
            ImageTagTransformer {
                image_tag: image.clone(),
                field_specs: field_specs.to_vec(),
            }
            .apply(rm)?;
        }
        return Ok(());
    };
    // Objects are independent: spread them over the cores.
    crate::par::for_each_mut(rm.as_mut_slice(), crate::par::LIGHT_CHUNK, |r| {
        if r.kind() == "CustomResourceDefinition" {
            return Ok(());
        }
        let gvk = r.gvk();
        // (original value, how many walks reach it)
        let mut locs: Vec<(Value, u8)> = Vec::new();
        let marked = mark_legacy(&mut r.body, &mut locs).and_then(|()| {
            fieldspec::apply_all(&mut r.body, &gvk, field_specs, CreateKind::None, &mut |v| {
                mark(v, &mut locs, true)
            })
        });
        if let Err(e) = marked {
            return Err(e.for_resource(r.id()));
        }
        if locs.is_empty() {
            return Ok(());
        }
        let finals: Vec<Value> = locs
            .into_iter()
            .map(|(orig, times)| run_entries(orig, times, entries, &matchers, &index))
            .collect();
        // each placeholder is in the object once: the walk stops when all are back
        let mut left = finals.len();
        restore(&mut r.body, &finals, &mut left);
        Ok(())
    })
}

/// Replaces an image field by a placeholder (or counts a second walk reaching it).
fn mark(v: &mut Value, locs: &mut Vec<(Value, u8)>, second: bool) -> Result<()> {
    if let Value::Object(m) = v
        && m.len() == 1
        && let Some(Value::Number(n)) = m.get(MARK)
    {
        if second && let Some(l) = n.as_u64().and_then(|i| locs.get_mut(i as usize)) {
            l.1 += 1;
        }
        return Ok(());
    }
    if image_text(v)?.is_none() {
        return Ok(());
    }
    let i = locs.len();
    locs.push((std::mem::take(v), 1));
    let mut m = crate::value::Map::new();
    m.insert(MARK.to_string(), Value::from(i));
    *v = Value::Object(m);
    Ok(())
}

/// [`legacy_walk`]'s traversal, marking instead of rewriting.
fn mark_legacy(v: &mut Value, locs: &mut Vec<(Value, u8)>) -> Result<()> {
    // Every node of every object is visited: scalars are skipped here rather than in a
    // call of their own.
    match v {
        Value::Object(map) => {
            for (k, child) in map.iter_mut() {
                if !matches!(child, Value::Object(_) | Value::Array(_)) {
                    continue;
                }
                mark_legacy(child, locs)?;
                if (k == "containers" || k == "initContainers")
                    && let Value::Array(items) = child
                {
                    for c in items {
                        if let Some(img) = c.field_mut("image") {
                            mark(img, locs, false)?;
                        }
                    }
                }
            }
            Ok(())
        }
        Value::Array(items) => {
            for c in items {
                if matches!(c, Value::Object(_) | Value::Array(_)) {
                    mark_legacy(c, locs)?;
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// The final value of one image field: every entry in order, `times` times each.
fn run_entries(
    orig: Value,
    times: u8,
    entries: &[Image],
    matchers: &[Matcher],
    index: &EntryIndex,
) -> Value {
    let Ok(Some(mut text)) = image_text(&orig) else {
        return orig;
    };
    let mut changed = false;
    let mut pos = 0;
    while let Some(e) = index.first_match(&text, pos, matchers) {
        for _ in 0..times {
            if matchers[e].is_match(&text) {
                text = rewrite(&text, &entries[e]);
                changed = true;
            }
        }
        pos = e + 1;
    }
    if changed { Value::String(text) } else { orig }
}

/// Puts the final values back where the placeholders are.
fn restore(v: &mut Value, finals: &[Value], left: &mut usize) {
    match v {
        Value::Object(m) => {
            if m.len() == 1
                && let Some(Value::Number(n)) = m.field(MARK)
                && let Some(f) = n.as_u64().and_then(|i| finals.get(i as usize))
            {
                *v = f.clone();
                *left = left.saturating_sub(1);
                return;
            }
            for child in m.values_mut() {
                if *left == 0 {
                    return;
                }
                if matches!(child, Value::Object(_) | Value::Array(_)) {
                    restore(child, finals, left);
                }
            }
        }
        Value::Array(items) => {
            for c in items {
                if *left == 0 {
                    return;
                }
                if matches!(c, Value::Object(_) | Value::Array(_)) {
                    restore(c, finals, left);
                }
            }
        }
        _ => {}
    }
}

/// Every `containers` / `initContainers` list anywhere in the object (children first).
fn legacy_walk(v: &mut Value, m: &Matcher, it: &Image) -> Result<()> {
    match v {
        Value::Object(map) => {
            for (k, child) in map.iter_mut() {
                legacy_walk(child, m, it)?;
                if (k == "containers" || k == "initContainers")
                    && let Value::Array(items) = child
                {
                    for c in items {
                        if let Some(img) = c.get_mut("image") {
                            update(img, m, it)?;
                        }
                    }
                }
            }
            Ok(())
        }
        Value::Array(items) => {
            for c in items {
                legacy_walk(c, m, it)?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_kustomize() {
        assert_eq!(split("nginx"), ("nginx", "", ""));
        assert_eq!(split("nginx:1.2"), ("nginx", "1.2", ""));
        assert_eq!(split("reg:5000/nginx"), ("reg:5000/nginx", "", ""));
        assert_eq!(split("reg:5000/nginx:1.2"), ("reg:5000/nginx", "1.2", ""));
        assert_eq!(split("nginx@sha256:abc"), ("nginx", "", "sha256:abc"));
        assert_eq!(split("nginx:1@sha256:abc"), ("nginx", "1", "sha256:abc"));
    }

    #[test]
    fn matches_names() {
        let m = Matcher::new("nginx");
        assert!(m.is_match("nginx"));
        assert!(m.is_match("nginx:1.2"));
        assert!(m.is_match("nginx@sha256:abc"));
        assert!(!m.is_match("nginx2"));
        assert!(!m.is_match("my/nginx"));
    }

    /// The hand-written check of a plain name answers exactly as kustomize's regular
    /// expression does, wildcard dots, ports, tags and digests included.
    #[test]
    fn plain_names_match_like_the_regex() {
        let names = [
            "nginx",
            "reg.io/app",
            "reg:5000/app",
            "a.b",
            "x-y_z/w",
            "app@sha256",
            ".",
        ];
        let texts = [
            "nginx",
            "nginx:1",
            "nginx:",
            "nginx:1:2",
            "nginx@sha256:ab",
            "nginx:1@sha256:ab",
            "nginx@sha256",
            "nginx@md5:ab",
            "nginxx",
            "reg.io/app",
            "regXio/app:v1",
            "reg\nio/app",
            "reg:5000/app:1.2",
            "reg:5000/app",
            "a.b",
            "aXb:{x}",
            "aéb",
            "x-y_z/w@sha256:",
            "a",
            "app@sha256",
            "app@sha256:1",
            "é",
            ".",
            "",
            "nginx:1.2-rc_{a}",
            "nginx:é",
        ];
        for n in names {
            let plain = Matcher::new(n);
            assert!(matches!(plain, Matcher::Plain(_)), "{n}");
            let re = regex::Regex::new(&format!(
                "^{n}(:[a-zA-Z0-9_.{{}}-]*)?(@sha256:[a-zA-Z0-9_.{{}}-]*)?$"
            ))
            .unwrap();
            for t in texts {
                assert_eq!(plain.is_match(t), re.is_match(t), "name {n:?} text {t:?}");
            }
        }
        assert!(matches!(Matcher::new("ng.*x"), Matcher::Regex(Some(_))));
    }

    /// The index finds the same first matching entry as trying every entry in order.
    #[test]
    fn index_finds_the_first_matching_entry() {
        let names = [
            "nginx",
            "ngin.",
            "n.*",
            "reg.io/app",
            "regXio/app",
            "busybox",
            "nginx",
        ];
        let entries: Vec<Image> = names
            .iter()
            .map(|n| Image {
                name: n.to_string(),
                ..Image::default()
            })
            .collect();
        let matchers: Vec<Matcher> = names.iter().map(|n| Matcher::new(n)).collect();
        let index = EntryIndex::new(&entries, &matchers).unwrap();
        for t in [
            "nginx:1",
            "ngin\n",
            "nginy",
            "reg.io/app",
            "regXio/app:2",
            "busybox",
            "nope",
        ] {
            for pos in 0..=names.len() {
                let want = (pos..names.len()).find(|&e| matchers[e].is_match(t));
                assert_eq!(
                    index.first_match(t, pos, &matchers),
                    want,
                    "{t:?} from {pos}"
                );
            }
        }
    }
}
