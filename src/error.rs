//! The library's error type: every error names what it can of the file, the resource
//! (kind, namespace, name) and the field path, plus an optional one-line hint.
use std::fmt;
use std::path::{Path, PathBuf};

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A build error. Boxed so that `Result<T, Error>` stays one pointer wide.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Error(Box<ErrorInfo>);

/// What an error says, and where.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ErrorInfo {
    pub file: Option<PathBuf>,
    pub line: Option<usize>,
    pub resource: Option<String>,
    pub field: Option<String>,
    pub msg: String,
    pub hint: Option<String>,
}

impl std::ops::Deref for Error {
    type Target = ErrorInfo;
    fn deref(&self) -> &ErrorInfo {
        &self.0
    }
}

impl std::ops::DerefMut for Error {
    fn deref_mut(&mut self) -> &mut ErrorInfo {
        &mut self.0
    }
}

impl Error {
    pub fn msg(msg: impl Into<String>) -> Error {
        Error(Box::new(ErrorInfo {
            msg: msg.into(),
            ..ErrorInfo::default()
        }))
    }

    pub fn in_file(mut self, file: impl AsRef<Path>) -> Error {
        if self.file.is_none() {
            self.file = Some(file.as_ref().to_path_buf());
        }
        self
    }

    pub fn at_line(mut self, line: usize) -> Error {
        if self.line.is_none() && line > 0 {
            self.line = Some(line);
        }
        self
    }

    pub fn for_resource(mut self, res: impl fmt::Display) -> Error {
        if self.resource.is_none() {
            self.resource = Some(res.to_string());
        }
        self
    }

    pub fn at_field(mut self, field: impl Into<String>) -> Error {
        if self.field.is_none() {
            self.field = Some(field.into());
        }
        self
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Error {
        self.hint = Some(hint.into());
        self
    }

    /// Two objects with the same id.
    pub fn duplicate_id(id: &str, first: &str, second: &str) -> Error {
        Error::msg(format!(
            "duplicate resource {id}: defined in {first} and again in {second}"
        ))
        .with_hint("give one of them another name or namespace, or patch the first instead of redefining it")
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{}", file.display())?;
            if let Some(line) = self.line {
                write!(f, ":{line}")?;
            }
            f.write_str(": ")?;
        }
        if let Some(r) = &self.resource {
            write!(f, "{r}: ")?;
        }
        if let Some(p) = &self.field {
            write!(f, "{p}: ")?;
        }
        f.write_str(&self.msg)?;
        if let Some(h) = &self.hint {
            write!(f, "\n  hint: {h}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

impl From<crate::yaml::YamlError> for Error {
    fn from(e: crate::yaml::YamlError) -> Error {
        Error(Box::new(ErrorInfo {
            line: (e.line > 0).then_some(e.line),
            msg: e.msg,
            ..ErrorInfo::default()
        }))
    }
}

/// The closest of `candidates` to `word`, if it is close enough to be a plausible typo.
pub fn suggest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = word.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(&lower, &c.to_ascii_lowercase()), c))
        .filter(|(s, _)| *s > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}
