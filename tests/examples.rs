//! The example systems in `examples/<system>/`: every overlay directory
//! (`examples/*/overlays/*` holding a kustomization) is found here, so a new example is
//! checked without touching this file.
//!
//! - Each overlay builds with the validation `stackgen build` applies by default (the
//!   environment from `stackgen.yaml` or `default`): no error findings. Production overlays
//!   are also validated with the `production` environment (references, policy and build
//!   notes are errors there): no error findings either.
//! - Each build equals its committed golden `examples/<system>/golden/<overlay>.yaml`.
//!   Refresh with `scripts/refresh-goldens` (or `stackgen golden --update --golden
//!   examples/<system>/golden examples/<system>/overlays`) after an intended change.
//! - Each production build keeps the production promises of `support/policy.rs`.
//! - Each documented mistake in `examples/<system>/mistakes/` (a YAML file of manifests, or a
//!   kustomization directory) is still caught: its first comment lines say what
//!   `stackgen validate` reports, `# stackgen: R012 P009` (those codes among its findings),
//!   `# stackgen error: <text>` (the build fails with a message containing the text) or
//!   `# stackgen: none` (a mistake no rule can see, or a helper of another one: no findings,
//!   so that the README's "not reported" stays true).
use std::path::{Path, PathBuf};
use std::process::Command;

use stackgen::build::{BuildOptions, build};
use stackgen::validate::{self, Config, KubeVersion, Severity};
use stackgen::value::Value;

#[path = "support/policy.rs"]
mod policy;
#[path = "support/text_diff.rs"]
mod text_diff;
use text_diff::first_difference;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn rel(p: &Path) -> String {
    p.strip_prefix(root()).unwrap_or(p).display().to_string()
}

fn sorted_dirs(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

fn is_kustomization_dir(p: &Path) -> bool {
    stackgen::build::KUSTOMIZATION_FILE_NAMES
        .iter()
        .any(|n| p.join(n).is_file())
}

/// `(system dir, overlay name)` of every example overlay.
fn overlays() -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    for system in sorted_dirs(&root().join("examples")) {
        for ov in sorted_dirs(&system.join("overlays")) {
            if is_kustomization_dir(&ov) {
                let name = ov
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                out.push((system.clone(), name));
            }
        }
    }
    out
}

/// Error findings of `rm` validated as `stackgen build` would (`env` None: the default).
fn errors(rm: &stackgen::resmap::ResMap, dir: &Path, env: Option<&str>) -> Vec<String> {
    let config = Config::discover(dir).unwrap_or_else(|e| panic!("{}: {e}", rel(dir)));
    let policy = config
        .policy(env)
        .unwrap_or_else(|e| panic!("{}: {e}", rel(dir)));
    let opts = validate::Options {
        kube_version: KubeVersion::default(),
        policy,
    };
    validate::validate(rm, &opts)
        .diagnostics
        .into_iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| {
            format!(
                "{} {} {}: {}",
                d.code,
                d.resource.unwrap_or_default(),
                d.field,
                d.message
            )
        })
        .collect()
}

#[test]
fn every_example_overlay_builds_validates_and_matches_its_golden() {
    let all = overlays();
    let mut failures: Vec<String> = Vec::new();
    for (system, overlay) in &all {
        let dir = system.join("overlays").join(overlay);
        let what = rel(&dir);
        let rm = match build(&dir, &BuildOptions::default()) {
            Ok(rm) => rm,
            Err(e) => {
                failures.push(format!("{what} does not build: {e}"));
                continue;
            }
        };
        let errs = errors(&rm, &dir, None);
        if !errs.is_empty() {
            failures.push(format!(
                "{what}: validation errors:\n  {}",
                errs.join("\n  ")
            ));
        }
        if overlay == "production" {
            let errs = errors(&rm, &dir, Some("production"));
            if !errs.is_empty() {
                failures.push(format!(
                    "{what}: validation errors with --env production:\n  {}",
                    errs.join("\n  ")
                ));
            }
        }
        let got = stackgen::yaml::emit::emit_stream(rm.iter().map(|r| &r.body));
        let golden = system.join("golden").join(format!("{overlay}.yaml"));
        match std::fs::read_to_string(&golden) {
            Ok(want) if want == got => {}
            Ok(want) => failures.push(format!(
                "{what} differs from {} (refresh with scripts/refresh-goldens if intended): {}",
                rel(&golden),
                first_difference(&want, &got)
            )),
            Err(e) => failures.push(format!(
                "{}: {e} (create it with scripts/refresh-goldens)",
                rel(&golden)
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} example overlay(s) failed:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n")
    );
}

#[test]
fn every_example_production_build_keeps_the_production_policy() {
    let mut failures = Vec::new();
    for (system, overlay) in overlays() {
        if overlay != "production" {
            continue;
        }
        let dir = system.join("overlays").join(&overlay);
        let docs: Vec<Value> = match build(&dir, &BuildOptions::default()) {
            Ok(rm) => rm.iter().map(|r| r.body.clone()).collect(),
            Err(e) => {
                failures.push(format!("{} does not build: {e}", rel(&dir)));
                continue;
            }
        };
        for v in policy::check_production(&docs) {
            failures.push(format!("{}: {v}", rel(&dir)));
        }
    }
    assert!(
        failures.is_empty(),
        "production policy violations (an object may be exempted with the annotation {} naming the code):\n{}",
        policy::EXCEPTION_ANNOTATION,
        failures.join("\n")
    );
}

/// What a mistake's header says stackgen reports.
enum Expect {
    Codes(Vec<String>),
    Error(String),
    Nothing,
}

fn expectation(path: &Path) -> Option<Expect> {
    let file = if path.is_dir() {
        stackgen::build::KUSTOMIZATION_FILE_NAMES
            .iter()
            .map(|n| path.join(n))
            .find(|f| f.is_file())?
    } else {
        path.to_path_buf()
    };
    let text = std::fs::read_to_string(file).ok()?;
    for line in text.lines().take_while(|l| l.starts_with('#')) {
        let l = line.trim_start_matches('#').trim();
        if let Some(e) = l.strip_prefix("stackgen error:") {
            return Some(Expect::Error(e.trim().to_string()));
        }
        if let Some(c) = l.strip_prefix("stackgen:") {
            if c.trim() == "none" {
                return Some(Expect::Nothing);
            }
            return Some(Expect::Codes(
                c.split_whitespace().map(str::to_string).collect(),
            ));
        }
    }
    None
}

#[test]
fn documented_mistakes_are_caught() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for system in sorted_dirs(&root().join("examples")) {
        let Ok(rd) = std::fs::read_dir(system.join("mistakes")) else {
            continue;
        };
        let mut paths: Vec<PathBuf> = rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                is_kustomization_dir(p) || p.extension().is_some_and(|x| x == "yaml" || x == "yml")
            })
            .collect();
        paths.sort();
        for p in paths {
            let what = rel(&p);
            let Some(expect) = expectation(&p) else {
                failures.push(format!(
                    "{what}: no `# stackgen: CODES` or `# stackgen error: TEXT` header"
                ));
                continue;
            };
            checked += 1;
            let out = Command::new(env!("CARGO_BIN_EXE_stackgen"))
                .args(["validate", "--format", "json", "--fail-on", "never"])
                .arg(&p)
                .output()
                .expect("run stackgen validate");
            let stderr = String::from_utf8_lossy(&out.stderr);
            match expect {
                Expect::Error(text) => {
                    if !stderr.contains(&text) {
                        failures.push(format!(
                            "{what}: expected an error containing {text:?}, stderr was: {stderr}"
                        ));
                    }
                }
                Expect::Nothing => {
                    let found: Option<Vec<String>> = serde_json::from_slice::<Value>(&out.stdout)
                        .ok()
                        .and_then(|r| {
                            r["diagnostics"].as_array().map(|a| {
                                a.iter()
                                    .filter_map(|d| d["code"].as_str().map(str::to_string))
                                    .collect()
                            })
                        });
                    match found {
                        Some(f) if f.is_empty() => {}
                        Some(f) => failures.push(format!(
                            "{what}: `# stackgen: none` but found {f:?} (name them in the header)"
                        )),
                        None => failures.push(format!("{what}: no JSON report: {stderr}")),
                    }
                }
                Expect::Codes(codes) => {
                    let report: Value = match serde_json::from_slice(&out.stdout) {
                        Ok(v) => v,
                        Err(e) => {
                            failures.push(format!("{what}: no JSON report ({e}): {stderr}"));
                            continue;
                        }
                    };
                    let found: Vec<&str> = report["diagnostics"]
                        .as_array()
                        .map(|a| a.iter().filter_map(|d| d["code"].as_str()).collect())
                        .unwrap_or_default();
                    if codes.is_empty() {
                        failures.push(format!(
                            "{what}: `# stackgen:` names no code (write `# stackgen: none` for no findings)"
                        ));
                    }
                    for c in &codes {
                        if !found.contains(&c.as_str()) {
                            failures.push(format!(
                                "{what}: expected {c} among the findings, found {found:?}"
                            ));
                        }
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} documented mistake(s) checked:\n{}",
        checked,
        failures.join("\n")
    );
}
