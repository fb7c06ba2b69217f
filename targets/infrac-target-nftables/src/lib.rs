//! The nftables target.

use infrac_diagnostics::Diagnostic;
use infrac_model::{Artifact, Model, Target};

/// Emits the nftables artifacts.
pub struct NftablesTarget;

impl Target for NftablesTarget {
    fn name(&self) -> &'static str {
        "nftables"
    }

    fn description(&self) -> &'static str {
        "nftables artifacts"
    }

    fn emit(&self, model: &Model) -> Result<Vec<Artifact>, Vec<Diagnostic>> {
        let _ = model;
        Ok(Vec::new())
    }
}
