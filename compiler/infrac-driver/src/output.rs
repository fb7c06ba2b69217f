//! Writing artifacts: all or nothing, never touching files infrac did not generate.

use std::fmt;
use std::path::{Path, PathBuf};

pub use infrac_model::Artifact;

/// Why the output could not be written.
#[derive(Debug)]
pub struct WriteError {
    pub path: PathBuf,
    pub message: String,
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.message)
    }
}

fn io_err(path: &Path) -> impl Fn(std::io::Error) -> WriteError + '_ {
    move |e| WriteError {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// Writes every artifact under `dir`. Each file is written to a temporary name beside
/// its destination and renamed over it, so a reader never sees a half-written file and a
/// failure leaves the previous file in place.
pub fn write_atomically(dir: &Path, artifacts: &[Artifact]) -> Result<(), WriteError> {
    std::fs::create_dir_all(dir).map_err(io_err(dir))?;
    let mut staged = Vec::new();
    for artifact in artifacts {
        let target = dir.join(&artifact.path);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(io_err(parent))?;
        }
        let temp = target.with_extension("infrac-tmp");
        if let Err(e) = std::fs::write(&temp, &artifact.contents) {
            for (t, _) in &staged {
                let _ = std::fs::remove_file(t);
            }
            let _ = std::fs::remove_file(&temp);
            return Err(io_err(&temp)(e));
        }
        staged.push((temp, target));
    }
    for (temp, target) in staged {
        std::fs::rename(&temp, &target).map_err(io_err(&target))?;
    }
    Ok(())
}
