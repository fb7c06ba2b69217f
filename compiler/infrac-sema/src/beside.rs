//! Analysing a lab beside its previous analysis, as an editor does after each edit.

use crate::decls::{LoadError, Loader};
use crate::{Analysis, Reuse};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A loader that reads files through `files` and makes each tree from the previous
/// analysis's tree of the same file ([`Analysis::reparse`]), replaying that analysis's
/// declaration checks where the edit cannot have changed them; it keeps records for the
/// next analysis. With no previous analysis, it analyses afresh and keeps records.
pub struct Beside<'a, L> {
    pub files: L,
    pub previous: Option<&'a Analysis>,
}

impl<L: Loader> Loader for Beside<'_, L> {
    fn read(&self, path: &Path) -> Result<String, LoadError> {
        self.files.read(path)
    }

    fn parse(
        &self,
        path: &Path,
        text: &str,
        file: infrac_diagnostics::FileId,
    ) -> Option<infrac_syntax::Parsed> {
        self.previous?.reparse(&path.to_string_lossy(), text, file)
    }

    fn identity(&self, path: &Path) -> Option<PathBuf> {
        self.files.identity(path)
    }

    fn keeps_records(&self) -> bool {
        true
    }

    fn reuse(&self) -> Option<Arc<Reuse>> {
        self.previous?.reuse.clone()
    }
}
