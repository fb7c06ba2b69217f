//! The docs target.

use infrac_diagnostics::Diagnostic;
use infrac_model::{Artifact, Model, Target};

/// Emits the docs artifacts.
pub struct DocsTarget;

impl Target for DocsTarget {
    fn name(&self) -> &'static str {
        "docs"
    }

    fn description(&self) -> &'static str {
        "docs artifacts"
    }

    fn emit(&self, model: &Model) -> Result<Vec<Artifact>, Vec<Diagnostic>> {
        let _ = model;
        Ok(Vec::new())
    }
}
