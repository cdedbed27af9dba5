//! File access with kustomize's load restrictor.
//!
//! Every path a kustomization names is resolved against that kustomization's directory,
//! symlinks included, before anything is read. With `LoadRestrictionsRootOnly` (the default,
//! as in kustomize) a *file* must resolve to somewhere inside the directory of the
//! kustomization that names it; other kustomization directories (bases, components) may live
//! elsewhere, as in kustomize, but may not be the current directory or one of its ancestors.
//! Absolute paths are refused under `RootOnly`. URLs are always refused: stackgen never
//! touches the network.
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use crate::error::{Error, Result};

/// Largest file stackgen reads (hostile repositories may hold huge files).
pub const MAX_FILE_BYTES: u64 = 256 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LoadRestrictor {
    #[default]
    RootOnly,
    None,
}

impl std::str::FromStr for LoadRestrictor {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "LoadRestrictionsRootOnly" | "rootOnly" => Ok(LoadRestrictor::RootOnly),
            "LoadRestrictionsNone" | "none" => Ok(LoadRestrictor::None),
            _ => Err(format!(
                "unknown load restrictor {s:?}: use LoadRestrictionsRootOnly or LoadRestrictionsNone"
            )),
        }
    }
}

/// A loader rooted at one kustomization directory.
#[derive(Debug, Clone)]
pub struct Loader {
    dir: Arc<PathBuf>,
    restrictor: LoadRestrictor,
    /// Variables for templated kustomization and Stack files (see `crate::template`).
    vars: Arc<crate::template::TemplateVars>,
}

/// Whether a resource entry names a remote location (git repo or URL).
pub fn is_remote(s: &str) -> bool {
    let l = s.to_ascii_lowercase();
    l.contains("://")
        || l.starts_with("git@")
        || l.starts_with("github.com/")
        || l.starts_with("gitlab.com/")
        || l.starts_with("bitbucket.org/")
        || l.contains("?ref=")
        || l.contains(".git//")
}

impl Loader {
    /// A loader for the directory `dir` (which must exist).
    pub fn new(dir: &Path, restrictor: LoadRestrictor) -> Result<Loader> {
        let canon = dir
            .canonicalize()
            .map_err(|e| Error::msg(format!("cannot open directory: {e}")).in_file(dir))?;
        if !canon.is_dir() {
            return Err(Error::msg("not a directory").in_file(dir));
        }
        Ok(Loader {
            dir: Arc::new(canon),
            restrictor,
            vars: Arc::default(),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn restrictor(&self) -> LoadRestrictor {
        self.restrictor
    }

    /// This loader with template variables (inherited by child loaders).
    pub fn with_template_vars(mut self, vars: Arc<crate::template::TemplateVars>) -> Loader {
        self.vars = vars;
        self
    }

    pub fn template_vars(&self) -> &crate::template::TemplateVars {
        &self.vars
    }

    fn check_remote(&self, rel: &str) -> Result<()> {
        if is_remote(rel) {
            return Err(Error::msg(format!(
                "remote resource {rel:?} refused: stackgen never fetches from the network"
            ))
            .with_hint(
                "vendor the remote base into the repository and reference it by a relative path",
            ));
        }
        Ok(())
    }

    /// Resolves `rel` (relative to this loader's directory) to a canonical path, refusing
    /// what the restrictor forbids. Nothing is read.
    pub fn resolve_file(&self, rel: &str) -> Result<PathBuf> {
        self.check_remote(rel)?;
        let p = Path::new(rel);
        if p.is_absolute() && self.restrictor == LoadRestrictor::RootOnly {
            return Err(Error::msg(format!(
                "absolute path {rel:?} refused: files must be inside the kustomization directory {}",
                self.dir.display()
            ))
            .with_hint("use a path relative to the kustomization, or --load-restrictor LoadRestrictionsNone"));
        }
        let canon = match self.plain_path_below(p) {
            Some(c) => c,
            None => self
                .dir
                .join(p)
                .canonicalize()
                .map_err(|e| Error::msg(format!("cannot read {rel:?}: {}", io_reason(&e))))?,
        };
        if self.restrictor == LoadRestrictor::RootOnly && !canon.starts_with(self.dir.as_path()) {
            return Err(Error::msg(format!(
                "security: {rel:?} resolves to {} which is outside the kustomization root {}",
                canon.display(),
                self.dir.display()
            ))
            .with_hint("move the file under the kustomization directory, or build with --load-restrictor LoadRestrictionsNone"));
        }
        Ok(canon)
    }

    /// The canonical path of `rel` without asking the OS to resolve the whole path, when that
    /// is certain: `rel` is relative, has no `..`, and no component below this (canonical)
    /// directory is a symbolic link. Anything else — including a missing file, so that the
    /// error is the OS's own — is left to `canonicalize`. A build reads thousands of files;
    /// this turns a dozen system calls per file into one or two.
    fn plain_path_below(&self, rel: &Path) -> Option<PathBuf> {
        let mut out = self.dir.as_path().to_path_buf();
        let mut any = false;
        for c in rel.components() {
            match c {
                std::path::Component::CurDir => {}
                std::path::Component::Normal(n) => {
                    out.push(n);
                    any = true;
                    let md = std::fs::symlink_metadata(&out).ok()?;
                    if md.file_type().is_symlink() {
                        return None;
                    }
                }
                _ => return None,
            }
        }
        any.then_some(out)
    }

    /// Reads a file named relative to this loader's directory.
    pub fn read_file(&self, rel: &str) -> Result<(PathBuf, Vec<u8>)> {
        let path = self.resolve_file(rel)?;
        let data = read_bounded(&path)?;
        Ok((path, data))
    }

    /// A loader for another kustomization directory named by `rel` (a base or component).
    pub fn child(&self, rel: &str) -> Result<Loader> {
        self.check_remote(rel)?;
        let p = Path::new(rel);
        if p.is_absolute() && self.restrictor == LoadRestrictor::RootOnly {
            return Err(Error::msg(format!(
                "absolute path {rel:?} refused: name bases and components relative to the kustomization"
            )));
        }
        let canon = self
            .dir
            .join(p)
            .canonicalize()
            .map_err(|e| Error::msg(format!("cannot read {rel:?}: {}", io_reason(&e))))?;
        if !canon.is_dir() {
            return Err(Error::msg(format!("{rel:?} is not a directory")));
        }
        if self.dir.starts_with(&canon) {
            return Err(Error::msg(format!(
                "cycle: {rel:?} ({}) is the kustomization directory {} itself or one of its parents",
                canon.display(),
                self.dir.display()
            )));
        }
        Ok(Loader {
            dir: Arc::new(canon),
            restrictor: self.restrictor,
            vars: self.vars.clone(),
        })
    }
}

/// Reads a whole file, refusing ones over [`MAX_FILE_BYTES`].
pub fn read_bounded(path: &Path) -> Result<Vec<u8>> {
    use std::io::Read;
    let cannot =
        |e: std::io::Error| Error::msg(format!("cannot read: {}", io_reason(&e))).in_file(path);
    // One open and one fstat per file (a build reads thousands), and the buffer sized once.
    let file = std::fs::File::open(path).map_err(cannot)?;
    let len = file.metadata().map_err(cannot)?.len();
    if len > MAX_FILE_BYTES {
        return Err(Error::msg(format!(
            "file is {len} bytes; stackgen reads at most {MAX_FILE_BYTES}"
        ))
        .in_file(path));
    }
    let mut buf = Vec::with_capacity(len as usize + 1);
    // `take` keeps the bound even if the file grows while it is read.
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut buf)
        .map_err(cannot)?;
    if buf.len() as u64 > MAX_FILE_BYTES {
        return Err(Error::msg(format!(
            "file is over {MAX_FILE_BYTES} bytes; stackgen reads at most {MAX_FILE_BYTES}"
        ))
        .in_file(path));
    }
    Ok(buf)
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

/// Lexically normalises `.` and `..` (used for display only).
pub fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            Component::CurDir => {}
            c => out.push(c),
        }
    }
    out
}
