//! Diagnostics: what a rule found, where, and how to fix it.
use std::path::PathBuf;
use std::sync::Arc;

use serde::Serialize;

/// How serious a finding is. `Off` never reaches output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Off,
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn parse(s: &str) -> Option<Severity> {
        Some(match s.to_ascii_lowercase().as_str() {
            "off" | "none" | "ignore" => Severity::Off,
            "info" | "note" => Severity::Info,
            "warn" | "warning" => Severity::Warning,
            "error" => Severity::Error,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Off => "off",
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// The rule families, by code prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    /// `S`: what the Kubernetes API server would reject (schema and its own validation).
    Schema,
    /// `R`: cross-object references and selectors.
    Reference,
    /// `P`: policy guardrails, severity per environment.
    Policy,
    /// `K`: the kustomization's inputs (empty files, patches that match nothing).
    Build,
}

impl Family {
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Schema => "schema",
            Family::Reference => "reference",
            Family::Policy => "policy",
            Family::Build => "build",
        }
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnostic {
    /// Stable code, e.g. `S003`.
    pub code: &'static str,
    /// The rule's short name, e.g. `schema-unknown-field`.
    pub rule: &'static str,
    pub severity: Severity,
    /// The file the object (or the finding) comes from.
    #[serde(serialize_with = "ser_path")]
    pub file: Option<Arc<PathBuf>>,
    /// 1-based line (the field's own line when it could be found, else the document's); 0 if unknown.
    pub line: usize,
    /// `Deployment shop/web`.
    pub resource: Option<String>,
    /// `spec.template.spec.containers[0].image`.
    pub field: String,
    pub message: String,
    pub hint: String,
    /// Set on excepted findings: the justification of the `stackgen.dev/validate-exception`
    /// entry that covers it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub justification: Option<String>,
}

fn ser_path<S: serde::Serializer>(p: &Option<Arc<PathBuf>>, s: S) -> Result<S::Ok, S::Error> {
    match p {
        Some(p) => s.serialize_str(&p.display().to_string()),
        None => s.serialize_none(),
    }
}

/// All findings of one validation run, in a stable order.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub diagnostics: Vec<Diagnostic>,
    /// Findings covered by an explicit exception (each with its justification): not counted
    /// as errors or warnings, but always listed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub excepted: Vec<Diagnostic>,
    /// Kinds that could not be checked (no schema): said once, not per object.
    pub skipped: Vec<SkippedKind>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SkippedKind {
    pub api_version: String,
    pub kind: String,
    pub count: usize,
}

impl Report {
    pub fn count(&self, sev: Severity) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.severity == sev)
            .count()
    }

    pub fn errors(&self) -> usize {
        self.count(Severity::Error)
    }

    pub fn warnings(&self) -> usize {
        self.count(Severity::Warning)
    }

    /// Replaces each finding's document line by its field's line (re-reads the files that
    /// have findings), then restores the stable order.
    pub fn locate(&mut self) {
        super::locate::refine_lines(&mut self.diagnostics);
        super::locate::refine_lines(&mut self.excepted);
        self.sort();
    }

    /// Sorts by file, line, code, resource and field (the order rules ran in is not stable
    /// across refactorings, this is) and drops exact duplicates.
    pub fn sort(&mut self) {
        sort_diagnostics(&mut self.diagnostics);
        sort_diagnostics(&mut self.excepted);
    }
}

fn sort_diagnostics(diagnostics: &mut Vec<Diagnostic>) {
    {
        // Findings of one file share its path: equal pointers spare comparing the paths
        // component by component, and each later key is compared only on a tie.
        diagnostics.sort_by(|a, b| {
            let file = match (&a.file, &b.file) {
                (Some(x), Some(y)) if Arc::ptr_eq(x, y) => std::cmp::Ordering::Equal,
                (x, y) => x.as_deref().cmp(&y.as_deref()),
            };
            file.then_with(|| a.line.cmp(&b.line))
                .then_with(|| a.resource.cmp(&b.resource))
                .then_with(|| a.code.cmp(b.code))
                .then_with(|| a.field.cmp(&b.field))
                .then_with(|| a.message.cmp(&b.message))
        });
        diagnostics.dedup();
    }
}
