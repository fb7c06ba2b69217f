//! The mermaid target.

use infrac_diagnostics::Diagnostic;
use infrac_model::{Artifact, Model, Target};

/// Emits the mermaid artifacts.
pub struct MermaidTarget;

impl Target for MermaidTarget {
    fn name(&self) -> &'static str {
        "mermaid"
    }

    fn description(&self) -> &'static str {
        "mermaid artifacts"
    }

    fn emit(&self, model: &Model) -> Result<Vec<Artifact>, Vec<Diagnostic>> {
        let _ = model;
        Ok(Vec::new())
    }
}
