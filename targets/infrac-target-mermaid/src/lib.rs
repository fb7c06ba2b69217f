//! The Mermaid target: `diagrams/*.mmd`, one flowchart per view of the lab.
//!
//! The views themselves (topology, network, ingress, BGP) live in
//! [`infrac_model::graph`], which the docs target embeds as well; this target only
//! writes each one to its own file.

use infrac_diagnostics::Diagnostic;
use infrac_model::{graph, Artifact, Model, Target};

/// Emits `diagrams/topology.mmd`, `network.mmd`, `ingress.mmd` and `bgp.mmd`.
pub struct MermaidTarget;

impl Target for MermaidTarget {
    fn name(&self) -> &'static str {
        "mermaid"
    }

    fn description(&self) -> &'static str {
        "diagrams/*.mmd: Mermaid diagrams of the topology, networks, ingress paths and BGP"
    }

    fn emit(&self, model: &Model) -> Result<Vec<Artifact>, Vec<Diagnostic>> {
        Ok(graph::drawings(model)
            .iter()
            .map(|drawing| {
                Artifact::new(
                    format!("diagrams/{}.mmd", drawing.name),
                    drawing.mermaid.clone(),
                )
            })
            .collect())
    }
}
