//! The fast YAML reader (`src/yaml/fast.rs`) must read every stream it accepts exactly as
//! the general parser does: the same values, document lines and empty-value pointers. These
//! tests hold it to that on hand-written edge cases and on every YAML file in the project;
//! `STACKGEN_YAML_CORPUS=DIR` adds a directory tree (the shared conformance corpus, say).
use std::path::Path;

use stackgen::yaml::parse::{
    Doc, fast_reader_gives_up_at, node_lines, parse_stream_fast, parse_stream_general,
};

fn same(a: &[Doc], b: &[Doc]) -> Result<(), String> {
    if a.len() != b.len() {
        return Err(format!("{} documents vs {}", a.len(), b.len()));
    }
    for (i, (x, y)) in a.iter().zip(b).enumerate() {
        if x.value != y.value {
            return Err(format!("document {i}: {:?} vs {:?}", x.value, y.value));
        }
        if x.line != y.line {
            return Err(format!("document {i}: line {} vs {}", x.line, y.line));
        }
        if x.empty_nulls != y.empty_nulls {
            return Err(format!(
                "document {i}: empty values {:?} vs {:?}",
                x.empty_nulls, y.empty_nulls
            ));
        }
    }
    Ok(())
}

/// `Some(true)` when the fast reader took the stream and agreed, `Some(false)` when it left
/// it alone; an error names the difference.
fn check(src: &str) -> Result<bool, String> {
    if let Some(fast) = node_lines(src, true) {
        let general = node_lines(src, false);
        if general.as_ref() != Some(&fast) {
            let diff = match &general {
                Some(g) => fast
                    .iter()
                    .zip(g)
                    .find(|(a, b)| a != b)
                    .map(|(a, b)| format!("{a:?} vs {b:?}"))
                    .unwrap_or_else(|| format!("{} events vs {}", fast.len(), g.len())),
                None => "the general parser fails".to_string(),
            };
            return Err(format!("node lines differ: {diff}"));
        }
    }
    for last_key_wins in [false, true] {
        let Some(fast) = parse_stream_fast(src, last_key_wins) else {
            return Ok(false);
        };
        match parse_stream_general(src, last_key_wins) {
            Ok(general) => same(&fast, &general)?,
            Err(e) => {
                return Err(format!(
                    "general parser rejects it ({e}), fast reader took it"
                ));
            }
        }
    }
    Ok(true)
}

/// Streams the fast reader must take (and read like the general parser).
const TAKEN: &[&str] = &[
    "a: 1\n",
    "a: 1",
    "# c\napiVersion: v1\nkind: ConfigMap\n",
    "a:\n  b: c\n  d:\n  - 1\n  - x # note\n  e:\n    - f: g\n      h: \"i j\"\n    -\n    - k\n",
    "---\na: 1\n---\n---\nb: 2\n",
    "---\n",
    "a: 1\n---\n",
    "--- # first\na: 1\n",
    "- a\n- b: c\n  d: e\n-\n- 'it''s'\n",
    "a: []\nb: {}\nc: [ ]\nd: \"\"\ne: ''\n",
    "a:\nb:\n",
    "a: ~\nb: null\nc: 0777\nd: 1_000\ne: 2024-01-01\nf: True\ng: 1e3\nh: .5\ni: -1\nj: 0x1F\n",
    "url: http://x:80/y\nk:v: w\n\"q k\": v\n'q2': v\n",
    "a: b#c\nd: e #f\n",
    "a#b: c\nd:e#: f\n",
    "a:   spaced   \n",
    "x: é\n\"ü\": 'ö'\n",
    "a:\n  -  b\n  -   c: d\n      e: f\n",
    "spec:\n  template:\n    spec:\n      containers:\n      - name: a\n        env:\n        - name: X\n          value: \"1\"\n        ports: []\n",
    "\n\n# only\n  # comments\n\na: 1\n\n",
    "a: 1\n\n\n",
    "-1: x\n-a: y\n",
    "- foo # a: b\n- bar #c\n",
    "k: v # c: d\nl:\n  - x # y: z\n",
    "<<: {}\n",
];

/// Streams the fast reader must leave to the general parser.
const LEFT: &[&str] = &[
    "a: &x 1\nb: *x\n",
    "a: !!str 1\n",
    "a: |\n  text\n",
    "a: >-\n  text\n",
    "a: b\n  continued\n",
    "a: \"multi\n  line\"\n",
    "a: \"esc\\n\"\n",
    "a: [1, 2]\n",
    "a: {b: c}\n",
    "a:\tb\n",
    "a: b\r\n",
    "%YAML 1.2\n---\na: 1\n",
    "a: 1\n...\n",
    "? a\n: b\n",
    "- - a\n",
    "a: b: c\n",
    "scalar\n",
    "a: 1\na: 2\n",
    "a:\n  b: 1\n c: 2\n",
    "a: @x\n",
    "a: -\n",
    "k: v\nx #c: d\n",
    "a #b: c\n",
];

#[test]
fn hand_written_streams() {
    for src in TAKEN {
        assert_eq!(check(src), Ok(true), "{src:?}");
    }
    for src in LEFT {
        match check(src) {
            Ok(false) => {}
            other => panic!("{src:?}: {other:?}"),
        }
    }
}

fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            if p.file_name().is_some_and(|n| n == "target" || n == ".git") {
                continue;
            }
            walk(&p, out);
        } else if p
            .extension()
            .is_some_and(|x| x == "yaml" || x == "yml" || x == "snap")
        {
            out.push(p);
        }
    }
}

fn check_tree(root: &Path) -> (usize, usize) {
    let mut files = Vec::new();
    walk(root, &mut files);
    files.sort();
    let (mut taken, mut all) = (0, 0);
    let mut failures = Vec::new();
    let mut left = std::collections::BTreeMap::<u32, Vec<String>>::new();
    for f in &files {
        let Ok(bytes) = std::fs::read(f) else {
            continue;
        };
        let Ok(src) = std::str::from_utf8(&bytes) else {
            continue;
        };
        all += 1;
        match check(src) {
            Ok(true) => taken += 1,
            Ok(false) => left
                .entry(fast_reader_gives_up_at(src).unwrap_or(0))
                .or_default()
                .push(f.display().to_string()),
            Err(e) => failures.push(format!("{}: {e}", f.display())),
        }
    }
    // which check in src/yaml/fast.rs left how many files, with an example (--nocapture)
    for (at, fs) in &left {
        eprintln!("fast.rs:{at}: {} file(s), e.g. {}", fs.len(), fs[0]);
    }
    assert!(
        failures.is_empty(),
        "{} file(s) read differently:\n{}",
        failures.len(),
        failures.join("\n")
    );
    (taken, all)
}

#[test]
fn every_yaml_file_in_the_project() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (taken, all) = check_tree(root);
    // Most of the project's YAML is plain block style; if the fast reader stops taking it,
    // this test stops testing anything.
    assert!(all > 200, "only {all} YAML files found");
    assert!(
        taken * 3 > all,
        "fast reader took only {taken} of {all} files"
    );
}

#[test]
fn corpus_from_the_environment() {
    let Some(dir) = std::env::var_os("STACKGEN_YAML_CORPUS") else {
        return;
    };
    let (taken, all) = check_tree(Path::new(&dir));
    eprintln!("fast reader took {taken} of {all} files");
}
