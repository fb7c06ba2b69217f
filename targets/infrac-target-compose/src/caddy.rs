//! The caddy target: `caddy/<machine>/Caddyfile` for every machine that runs Caddy for
//! the lab's reverse proxies (`infrac_model::proxy::runs_caddy`). The text comes from
//! `infrac_format_compose::caddy`, which the platform targets place on the machine too.

use infrac_diagnostics::Diagnostic;
use infrac_format_compose::caddy::caddyfile;
use infrac_model::layout;
use infrac_model::{Artifact, Model, Target};

/// Emits `caddy/<machine>/Caddyfile`.
pub struct CaddyTarget;

impl Target for CaddyTarget {
    fn name(&self) -> &'static str {
        "caddy"
    }

    fn description(&self) -> &'static str {
        "caddy/<machine>/Caddyfile: one site per route of the reverse proxies Caddy runs"
    }

    fn emit(&self, model: &Model) -> Result<Vec<Artifact>, Vec<Diagnostic>> {
        let mut artifacts = Vec::new();
        for (id, machine) in model.machines() {
            if let Some(text) = caddyfile(model, id) {
                artifacts.push(Artifact::new(layout::caddyfile(machine), text));
            }
        }
        Ok(artifacts)
    }
}
