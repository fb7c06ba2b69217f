//! The bird target.

use infrac_diagnostics::Diagnostic;
use infrac_model::{Artifact, Model, Target};

/// Emits the bird artifacts.
pub struct BirdTarget;

impl Target for BirdTarget {
    fn name(&self) -> &'static str {
        "bird"
    }

    fn description(&self) -> &'static str {
        "bird artifacts"
    }

    fn emit(&self, model: &Model) -> Result<Vec<Artifact>, Vec<Diagnostic>> {
        let _ = model;
        Ok(Vec::new())
    }
}
