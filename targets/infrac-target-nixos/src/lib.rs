//! The nixos target.

use infrac_diagnostics::Diagnostic;
use infrac_model::{Artifact, Model, Target};

/// Emits the nixos artifacts.
pub struct NixosTarget;

impl Target for NixosTarget {
    fn name(&self) -> &'static str {
        "nixos"
    }

    fn description(&self) -> &'static str {
        "nixos artifacts"
    }

    fn emit(&self, model: &Model) -> Result<Vec<Artifact>, Vec<Diagnostic>> {
        let _ = model;
        Ok(Vec::new())
    }
}
