//! The contract between the checked model and the emitters.
//!
//! A target turns a checked [`Model`] into files. It is pure: no file I/O, no access to
//! syntax, no knowledge of other targets. The driver writes what it returns.

use crate::Model;
use infrac_diagnostics::Diagnostic;
use std::path::PathBuf;

/// One generated file: its path relative to the output folder, and its contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    pub path: PathBuf,
    pub contents: String,
}

impl Artifact {
    /// An artifact at `path` (relative, `/`-separated) with `contents`.
    pub fn new(path: impl Into<PathBuf>, contents: impl Into<String>) -> Self {
        Artifact {
            path: path.into(),
            contents: contents.into(),
        }
    }
}

/// An emitter of one kind of artifact.
pub trait Target: Sync {
    /// The name used with `--target` (`proxmox`, `nixos`, …).
    fn name(&self) -> &'static str;

    /// One line saying what the target writes, for `--help`.
    fn description(&self) -> &'static str;

    /// Emits the target's files. Fails only for limitations of the target itself
    /// ("bird cannot express X"), with codes in the E1xxx range.
    fn emit(&self, model: &Model) -> Result<Vec<Artifact>, Vec<Diagnostic>>;
}
