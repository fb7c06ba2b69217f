//! The proxmox target.

use infrac_diagnostics::Diagnostic;
use infrac_model::{Artifact, Model, Target};

/// Emits the proxmox artifacts.
pub struct ProxmoxTarget;

impl Target for ProxmoxTarget {
    fn name(&self) -> &'static str {
        "proxmox"
    }

    fn description(&self) -> &'static str {
        "proxmox artifacts"
    }

    fn emit(&self, model: &Model) -> Result<Vec<Artifact>, Vec<Diagnostic>> {
        let _ = model;
        Ok(Vec::new())
    }
}
