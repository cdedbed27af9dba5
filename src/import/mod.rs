//! Importers: turn another tool's description of an application into a starting Stack.
//!
//! - `compose`: a Docker Compose file (`stackgen import compose docker-compose.yml`).
//!
//! An importer reads only the file it is given: it never executes, fetches or reads the
//! files the source refers to (env files, secret files, build contexts). What it cannot map
//! is reported, each finding with its path in the source, instead of being guessed.
pub mod compose;

use std::fmt::Write as _;

/// How much a finding matters to the person finishing the Stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Mapped, with an assumption worth checking.
    Note,
    /// Not mapped: something to decide by hand.
    Warning,
}

/// One thing the importer could not map, or mapped with an assumption.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub level: Level,
    /// Path in the source, e.g. `services.asmm8.volumes[0]`.
    pub path: String,
    pub message: String,
}

/// The findings as lines for a terminal: `warning: FILE: PATH: message`.
pub fn report(file: &str, findings: &[Finding]) -> String {
    let mut s = String::new();
    for f in findings {
        let level = match f.level {
            Level::Note => "note",
            Level::Warning => "warning",
        };
        let _ = writeln!(s, "{level}: {file}: {}: {}", f.path, f.message);
    }
    let warnings = findings
        .iter()
        .filter(|f| f.level == Level::Warning)
        .count();
    let _ = writeln!(
        s,
        "import: {warnings} thing(s) not mapped, {} note(s)",
        findings.len() - warnings
    );
    s
}
