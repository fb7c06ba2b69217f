//! Reading a lab as it was at a Git revision: the root file and every relative import
//! through `git show REV:PATH`, so `infrac diff --rev` compares against exactly what the
//! revision holds, whatever the working tree has changed since.

use infrac_driver::{check_with, display_name, Analysis};
use infrac_sema::{LoadError, Loader};
use std::path::{Component, Path, PathBuf};
use std::process::Command;

/// Reads files of one revision of the repository that holds the lab.
pub struct GitLoader {
    rev: String,
    /// The repository's top folder.
    top: PathBuf,
    /// The folder relative paths are read from (the working directory), absolute.
    base: PathBuf,
}

impl GitLoader {
    /// A loader for `rev` of the repository that holds `lab`.
    pub fn new(rev: &str, lab: &Path) -> Result<GitLoader, String> {
        if rev.starts_with('-') {
            return Err(format!("`{rev}` is not a revision"));
        }
        let base = std::env::current_dir()
            .and_then(std::fs::canonicalize)
            .map_err(|e| format!("cannot read the working directory: {e}"))?;
        let folder = lexical(&base.join(lab))
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| base.clone());
        let out = Command::new("git")
            .arg("-C")
            .arg(&folder)
            .args(["rev-parse", "--show-toplevel"])
            .output()
            .map_err(|e| format!("cannot run git: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "`{}` is not in a Git repository: {}",
                lab.display(),
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        let top = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        let top = std::fs::canonicalize(&top).unwrap_or(top);
        Ok(GitLoader {
            rev: rev.to_string(),
            top,
            base,
        })
    }

    /// Checks the lab at `lab` as the revision has it. Its name is the working tree's,
    /// so generated files cite it alike and only real changes differ.
    pub fn check(&self, lab: &Path) -> Result<Analysis, LoadError> {
        let text = self.read(lab)?;
        Ok(check_with(&display_name(lab), &text, self))
    }

    /// The path inside the repository of a path relative to the working directory.
    fn in_repo(&self, path: &Path) -> Result<String, LoadError> {
        let absolute = lexical(&self.base.join(path));
        let relative = absolute.strip_prefix(&self.top).map_err(|_| {
            LoadError::Unreadable(format!(
                "{} is outside the repository {}",
                absolute.display(),
                self.top.display()
            ))
        })?;
        Ok(relative.to_string_lossy().replace('\\', "/"))
    }
}

impl Loader for GitLoader {
    fn read(&self, path: &Path) -> Result<String, LoadError> {
        let inside = self.in_repo(path)?;
        let out = Command::new("git")
            .arg("-C")
            .arg(&self.top)
            .arg("show")
            .arg(format!("{}:{inside}", self.rev))
            .output()
            .map_err(|e| LoadError::Unreadable(format!("cannot run git: {e}")))?;
        if !out.status.success() {
            return Err(LoadError::Unreadable(format!(
                "not in revision {}: {}",
                self.rev,
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        if out.stdout.len() as u64 > infrac_driver::MAX_SOURCE_BYTES {
            return Err(LoadError::Unreadable("too large".into()));
        }
        infrac_driver::source_text(out.stdout)
            .map_err(|at| LoadError::NotText(format!("not UTF-8 at byte {at}")))
    }

    fn identity(&self, path: &Path) -> Option<PathBuf> {
        Some(lexical(&self.base.join(path)))
    }
}

/// A path with `.` and `..` resolved without touching the file system (the file may not
/// exist in the working tree).
fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::lexical;
    use std::path::Path;

    #[test]
    fn dots_resolve_without_the_file_system() {
        assert_eq!(
            lexical(Path::new("/a/b/../c/./d.infra")),
            Path::new("/a/c/d.infra")
        );
    }
}
