//! The k8s target.

use infrac_diagnostics::Diagnostic;
use infrac_model::{Artifact, Model, Target};

/// Emits the k8s artifacts.
pub struct K8sTarget;

impl Target for K8sTarget {
    fn name(&self) -> &'static str {
        "k8s"
    }

    fn description(&self) -> &'static str {
        "k8s artifacts"
    }

    fn emit(&self, model: &Model) -> Result<Vec<Artifact>, Vec<Diagnostic>> {
        let _ = model;
        Ok(Vec::new())
    }
}
