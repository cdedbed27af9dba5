//! Printing reports: like a compiler (human), JSON, and SARIF 2.1.0 for CI annotations.
use std::fmt::Write as _;

use crate::json;
use crate::value::Value;

use super::diag::{Diagnostic, Report, Severity};
use super::rules;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    #[default]
    Human,
    Json,
    Sarif,
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "human" | "text" => Ok(Format::Human),
            "json" => Ok(Format::Json),
            "sarif" => Ok(Format::Sarif),
            _ => Err(format!("unknown format {s:?}: use human, json or sarif")),
        }
    }
}

fn label(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
        Severity::Off => "off",
    }
}

/// `error[S003]: deployment.yaml:20: Deployment shop/web: spec.replicas: message` and a hint line.
pub fn human_line(d: &Diagnostic, as_severity: Option<Severity>) -> String {
    let mut s = String::new();
    let sev = as_severity.unwrap_or(d.severity);
    let _ = write!(s, "{}[{}]: ", label(sev), d.code);
    if let Some(f) = &d.file {
        let _ = write!(s, "{}", f.display());
        if d.line > 0 {
            let _ = write!(s, ":{}", d.line);
        }
        s.push_str(": ");
    }
    if let Some(r) = &d.resource {
        let _ = write!(s, "{r}: ");
    }
    if !d.field.is_empty() {
        let _ = write!(s, "{}: ", d.field);
    }
    s.push_str(&d.message);
    if !d.hint.is_empty() {
        let _ = write!(s, "\n  = hint: {}", d.hint);
    }
    s
}

/// An excepted finding: `excepted[P008]: file:line: resource: field: message` and its
/// justification (with the severity it has without the exception).
pub fn human_excepted_line(d: &Diagnostic) -> String {
    let mut s = human_line(
        &Diagnostic {
            hint: String::new(),
            ..d.clone()
        },
        None,
    );
    let head = format!("{}[{}]: ", label(d.severity), d.code);
    if let Some(rest) = s.strip_prefix(&head) {
        s = format!("excepted[{}]: {rest}", d.code);
    }
    let _ = write!(
        s,
        "\n  = justification: {} (an {} without this exception)",
        d.justification.as_deref().unwrap_or(""),
        label(d.severity)
    );
    s.replace("(an warning", "(a warning")
        .replace("(an note", "(a note")
}

/// The excepted findings, one block each, for a terminal.
pub fn human_excepted(report: &Report) -> String {
    let mut s = String::new();
    for d in &report.excepted {
        s.push_str(&human_excepted_line(d));
        s.push('\n');
    }
    s
}

/// The whole report for a terminal. `downgrade` prints errors as warnings (`build --validate=warn`).
pub fn human(report: &Report, downgrade: bool, summary: bool) -> String {
    let mut s = String::new();
    for d in &report.diagnostics {
        let sev = (downgrade && d.severity == Severity::Error).then_some(Severity::Warning);
        s.push_str(&human_line(d, sev));
        s.push('\n');
    }
    s.push_str(&human_excepted(report));
    if !report.skipped.is_empty() {
        let list: Vec<String> = report
            .skipped
            .iter()
            .map(|k| format!("{} {} ({})", k.kind, k.api_version, k.count))
            .collect();
        let _ = writeln!(
            s,
            "note: not schema-checked (no CRD for them in the build): {}",
            list.join(", ")
        );
    }
    if summary {
        let _ = write!(
            s,
            "validate: {} error(s), {} warning(s), {} note(s)",
            report.errors(),
            report.warnings(),
            report.count(Severity::Info)
        );
        if !report.excepted.is_empty() {
            let _ = write!(s, ", {} excepted", report.excepted.len());
        }
        s.push('\n');
    }
    s
}

pub fn json(report: &Report) -> String {
    let excepted: Vec<Value> = report
        .excepted
        .iter()
        .map(|d| {
            let mut v = crate::value::to_value(d).unwrap_or(Value::Null);
            v["excepted"] = true.into();
            v
        })
        .collect();
    let v = json!({
        "diagnostics": report.diagnostics,
        "excepted": excepted,
        "skipped": report.skipped,
        "summary": {
            "errors": report.errors(),
            "warnings": report.warnings(),
            "notes": report.count(Severity::Info),
            "excepted": report.excepted.len(),
        }
    });
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_else(|_| "{}".into());
    s.push('\n');
    s
}

fn sarif_level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        _ => "note",
    }
}

/// SARIF 2.1.0: one run, every rule described, one result per diagnostic.
pub fn sarif(report: &Report) -> String {
    let rule_list: Vec<Value> = rules::ALL
        .iter()
        .map(|r| {
            json!({
                "id": r.info.code,
                "name": r.info.name,
                "shortDescription": {"text": r.info.summary},
                "help": {"text": r.info.hint},
                "defaultConfiguration": {"level": sarif_level(r.info.severity[0])},
                "properties": {"family": r.info.family.as_str()},
            })
        })
        .collect();
    let results: Vec<Value> = report
        .diagnostics
        .iter()
        .chain(&report.excepted)
        .map(|d| {
            let mut msg = String::new();
            if let Some(r) = &d.resource {
                let _ = write!(msg, "{r}: ");
            }
            if !d.field.is_empty() {
                let _ = write!(msg, "{}: ", d.field);
            }
            msg.push_str(&d.message);
            let mut res = json!({
                "ruleId": d.code,
                "ruleIndex": rules::ALL.iter().position(|r| r.info.code == d.code).unwrap_or(0),
                "level": sarif_level(d.severity),
                "message": {"text": msg},
                "properties": {"resource": d.resource, "field": d.field, "hint": d.hint},
            });
            if let Some(f) = &d.file {
                let uri = f.display().to_string().replace('\\', "/");
                let mut loc = json!({"artifactLocation": {"uri": uri}});
                if d.line > 0 {
                    loc["region"] = json!({"startLine": d.line});
                }
                res["locations"] = json!([{"physicalLocation": loc}]);
            }
            if let Some(j) = &d.justification {
                // Excepted in source: SARIF viewers show it as suppressed, with the reason.
                res["suppressions"] = json!([{"kind": "inSource", "justification": j}]);
            }
            res
        })
        .collect();
    let v = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "stackgen",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/stackgen/stackgen/blob/main/docs/rules.md",
                "rules": rule_list,
            }},
            "results": results,
        }]
    });
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_else(|_| "{}".into());
    s.push('\n');
    s
}

/// How severities are chosen; the head of docs/rules.md.
const CONFIG_DOC: &str = r#"## Severities, environments and `stackgen.yaml`

Every finding is an `error`, a `warning` or a `note` (info). `stackgen build` fails on errors (exit 1, nothing on
stdout), prints warnings on stderr and succeeds; `--validate=warn` prints errors as warnings and succeeds;
`--validate=off` skips validation. `stackgen validate` exits 1 when there is an error or a warning
(`--fail-on error|warning|never` changes that).

Severities depend on the environment, chosen by `--env NAME`, else the variable `STACKGEN_ENV`, else
`validation.environment` in `stackgen.yaml`, else none (the `default` profile). Built-in profiles:

- `default` (also `staging`): API-server rejections (S) are errors; references (R), policy (P) and build notes (K)
  are warnings.
- `production` (`prod`): references, policy and build notes become errors.
- `dev` (`development`, `kind`, `local`): policy findings are notes or off; the rest as in `default`.

The table below gives each rule's severity in default / production / dev. A repository adjusts them in
`stackgen.yaml`, found in the built directory or a parent up to the repository root (the directory holding `.git`),
or named with `--config FILE`:

```yaml
validation:
  environment: staging          # default environment of this repository
  kubeVersion: "1.33"           # --kube-version and KUBE_VERSION take precedence
  rules:                        # every environment: error | warning | info | off
    R004: off
  environments:
    production:                 # refine a built-in profile
      rules: {P005: warning}
    qa:                         # a new environment, based on a built-in profile (default if omitted)
      base: production
      rules: {P003: warning}
```

One object opts out of rules with the annotation `stackgen.dev/validate-ignore: "P006,R004"` (`*` for all).

Policy exceptions are explicit and justified instead: the annotation `stackgen.dev/validate-exception` holds entries
`CODE[container]: justification`, one per line or separated by `;` (the `[container]` scope is optional; several codes
may share a justification, `P001, P002: why`). A finding covered by an entry is not an error or a warning any more,
but it is not dropped either: `stackgen validate` lists it under the excepted findings with its justification (JSON:
`excepted`, each marked `"excepted": true`; SARIF: a result with an in-source suppression), and `stackgen build`
prints it on stderr. Only reference (R) and policy (P) findings can be excepted. An entry without a justification,
with an unknown or unexceptable code, or naming a container the object does not have is P011 (an error everywhere);
an entry that excepts nothing is P012. A Stack writes these annotations from `policyExceptions` (see docs/stack.md).

```yaml
metadata:
  annotations:
    stackgen.dev/validate-exception: |
      P008[sysctl]: the init container sets vm.max_map_count, which OpenSearch requires
```

Kubernetes version: `--kube-version`, else `KUBE_VERSION` (Argo CD sets it), else `validation.kubeVersion`, else
1.33. The schema is the 1.33 one; an older version only changes which removed APIs are accepted. APIs removed
before 1.22 are S005 errors; APIs that Kubernetes 1.21 (the schema kustomize builds with) still served but the
target does not are P015: a warning by default and in dev, an error in production.

"#;

/// `stackgen rules`: every rule with its example, as text or Markdown (docs/rules.md).
pub fn rules_doc(markdown: bool) -> String {
    let mut s = String::new();
    if markdown {
        s.push_str("# Validation rules\n\n");
        s.push_str("Generated by `stackgen rules --format markdown`; do not edit by hand.\n\n");
        s.push_str(CONFIG_DOC);
        s.push_str(
            "| code | name | default | production | dev | what |\n|---|---|---|---|---|---|\n",
        );
        for r in rules::ALL {
            let i = &r.info;
            let _ = writeln!(
                s,
                "| [{}](#{}) | {} | {} | {} | {} | {} |",
                i.code,
                i.code.to_ascii_lowercase(),
                i.name,
                i.severity[0].as_str(),
                i.severity[1].as_str(),
                i.severity[2].as_str(),
                i.summary.replace('|', "\\|")
            );
        }
        s.push('\n');
        for r in rules::ALL {
            let i = &r.info;
            let _ = writeln!(
                s,
                "## {}\n\n`{}` ({}) — {}\n",
                i.code,
                i.name,
                i.family.as_str(),
                i.summary
            );
            let _ = writeln!(s, "Fix: {}\n", i.hint);
            if !i.bad.is_empty() {
                let _ = writeln!(s, "Flagged:\n\n```yaml\n{}```\n", i.bad);
                let _ = writeln!(s, "Accepted:\n\n```yaml\n{}```\n", i.good);
            } else {
                s.push_str("Reported by the build itself (see the summary); there is no object to show.\n\n");
            }
        }
    } else {
        for r in rules::ALL {
            let i = &r.info;
            let _ = writeln!(
                s,
                "{}  {:<34} {:<9} {}\n      fix: {}",
                i.code,
                i.name,
                i.family.as_str(),
                i.summary,
                i.hint
            );
            if !i.bad.is_empty() {
                s.push_str("      example (flagged):\n");
                for l in i.bad.lines() {
                    let _ = writeln!(s, "        {l}");
                }
            }
        }
    }
    s
}
