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
use std::sync::{Arc, Mutex};

use crate::hashing::HashSet;

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
    /// Directories already found to be real directories (no symbolic link on the way down
    /// from a loader's directory), shared by a loader and its children: a build reads
    /// hundreds of files from a few directories, and each would stat them again.
    plain_dirs: Arc<Mutex<HashSet<PathBuf>>>,
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
            plain_dirs: Arc::default(),
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
        self.resolve(rel).map(|(p, _)| p)
    }

    /// [`Loader::resolve_file`] when `rel` names a regular file (symbolic links followed),
    /// else `None`.
    pub fn resolve_regular_file(&self, rel: &str) -> Option<PathBuf> {
        match self.resolve(rel).ok()? {
            (p, Some(is_file)) => is_file.then_some(p),
            (p, None) => p.is_file().then_some(p),
        }
    }

    /// [`Loader::resolve_file`], with whether the path is a regular file when that came out
    /// of resolving it.
    fn resolve(&self, rel: &str) -> Result<(PathBuf, Option<bool>)> {
        self.check_remote(rel)?;
        let p = Path::new(rel);
        if p.is_absolute() && self.restrictor == LoadRestrictor::RootOnly {
            return Err(Error::msg(format!(
                "absolute path {rel:?} refused: files must be inside the kustomization directory {}",
                self.dir.display()
            ))
            .with_hint("use a path relative to the kustomization, or --load-restrictor LoadRestrictionsNone"));
        }
        let (canon, is_file) = match self.plain_path_below(p) {
            Some((c, is_file)) => (c, Some(is_file)),
            None => (
                self.dir
                    .join(p)
                    .canonicalize()
                    .map_err(|e| Error::msg(format!("cannot read {rel:?}: {}", io_reason(&e))))?,
                None,
            ),
        };
        if self.restrictor == LoadRestrictor::RootOnly && !canon.starts_with(self.dir.as_path()) {
            return Err(Error::msg(format!(
                "security: {rel:?} resolves to {} which is outside the kustomization root {}",
                canon.display(),
                self.dir.display()
            ))
            .with_hint("move the file under the kustomization directory, or build with --load-restrictor LoadRestrictionsNone"));
        }
        Ok((canon, is_file))
    }

    /// The canonical path of `rel` without asking the OS to resolve the whole path, when that
    /// is certain: `rel` is relative, has no `..`, and no component below this (canonical)
    /// directory is a symbolic link. Anything else — including a missing file, so that the
    /// error is the OS's own — is left to `canonicalize`. A build reads thousands of files;
    /// this turns a dozen system calls per file into one (directories already seen are not
    /// asked again). With the path comes whether it is a regular file.
    fn plain_path_below(&self, rel: &Path) -> Option<(PathBuf, bool)> {
        let mut out = self.dir.as_path().to_path_buf();
        let mut parts = rel
            .components()
            .filter(|c| !matches!(c, Component::CurDir))
            .peekable();
        while let Some(c) = parts.next() {
            let Component::Normal(n) = c else {
                return None;
            };
            out.push(n);
            let last = parts.peek().is_none();
            if !last && self.plain_dirs.lock().is_ok_and(|d| d.contains(&out)) {
                continue;
            }
            let md = std::fs::symlink_metadata(&out).ok()?;
            if md.file_type().is_symlink() {
                return None;
            }
            if last {
                return Some((out, md.is_file()));
            }
            if md.is_dir()
                && let Ok(mut d) = self.plain_dirs.lock()
            {
                d.insert(out.clone());
            }
        }
        None
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
            plain_dirs: self.plain_dirs.clone(),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn tree() -> tempfile::TempDir {
        let d = tempfile::tempdir().unwrap();
        let root = d.path().join("root");
        std::fs::create_dir_all(root.join("plain/deeper")).unwrap();
        std::fs::create_dir_all(d.path().join("outside")).unwrap();
        std::fs::write(root.join("plain/a.yaml"), "a").unwrap();
        std::fs::write(root.join("plain/deeper/b.yaml"), "b").unwrap();
        std::fs::write(d.path().join("outside/c.yaml"), "c").unwrap();
        d
    }

    #[cfg(unix)]
    #[test]
    fn seen_directories_are_not_asked_again_but_links_still_are() {
        let d = tree();
        let root = d.path().join("root");
        std::os::unix::fs::symlink("../outside", root.join("linked")).unwrap();
        std::os::unix::fs::symlink("plain/a.yaml", root.join("a-link.yaml")).unwrap();
        let l = Loader::new(&root, LoadRestrictor::RootOnly).unwrap();
        let canon = root.canonicalize().unwrap();
        assert_eq!(
            l.resolve_file("plain/a.yaml").unwrap(),
            canon.join("plain/a.yaml")
        );
        assert_eq!(
            l.resolve_file("./plain/deeper/b.yaml").unwrap(),
            canon.join("plain/deeper/b.yaml")
        );
        let seen = l.plain_dirs.lock().unwrap().clone();
        assert!(seen.contains(&canon.join("plain")), "{seen:?}");
        assert!(seen.contains(&canon.join("plain/deeper")), "{seen:?}");
        // a child loader shares what its parent found
        let child = l.child("plain").unwrap();
        assert!(Arc::ptr_eq(&child.plain_dirs, &l.plain_dirs));
        // a linked directory is never taken for a plain one: the root check still sees
        // where it leads
        let e = l.resolve_file("linked/c.yaml").unwrap_err();
        assert!(
            e.to_string().contains("outside the kustomization root"),
            "{e}"
        );
        assert!(!l.plain_dirs.lock().unwrap().contains(&canon.join("linked")));
        // a link to a file inside the root resolves to the file
        assert_eq!(
            l.resolve_regular_file("a-link.yaml"),
            Some(canon.join("plain/a.yaml"))
        );
    }

    #[test]
    fn regular_files_only() {
        let d = tree();
        let root = d.path().join("root");
        let l = Loader::new(&root, LoadRestrictor::RootOnly).unwrap();
        let canon = root.canonicalize().unwrap();
        assert_eq!(
            l.resolve_regular_file("plain/a.yaml"),
            Some(canon.join("plain/a.yaml"))
        );
        assert_eq!(l.resolve_regular_file("plain"), None);
        assert_eq!(l.resolve_regular_file("plain/missing.yaml"), None);
        assert_eq!(l.resolve_regular_file("../outside/c.yaml"), None);
        assert!(l.resolve_file("plain/missing.yaml").is_err());
    }
}
