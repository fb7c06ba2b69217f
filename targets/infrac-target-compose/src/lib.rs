//! The Compose target: `compose/<machine>/<stack>/compose.yaml` and `.env` for every
//! stack, which `docker compose up -d` (or `podman-compose up -d`) starts from that
//! folder; and the cloudflared target ([`tunnel`]): `cloudflared/<machine>/config.yml`
//! for every tunnel; and the caddy target ([`caddy`]): `caddy/<machine>/Caddyfile` for
//! every machine that runs Caddy for a reverse proxy.
//!
//! The files themselves come from the format library `infrac-format-compose`, which the
//! platform targets use too, so the file on the machine is the file written here.

pub mod caddy;
pub mod tunnel;

use infrac_diagnostics::Diagnostic;
use infrac_model::{layout, Artifact, Model, Target};

pub use caddy::CaddyTarget;
pub use infrac_format_compose::render_stack;
pub use tunnel::CloudflaredTarget;

/// Emits `compose/<machine>/<stack>/{compose.yaml,.env}`.
pub struct ComposeTarget;

impl Target for ComposeTarget {
    fn name(&self) -> &'static str {
        "compose"
    }

    fn description(&self) -> &'static str {
        "compose/<machine>/<stack>/: compose.yaml and .env for every Compose stack"
    }

    fn emit(&self, model: &Model) -> Result<Vec<Artifact>, Vec<Diagnostic>> {
        let mut artifacts = Vec::new();
        for stack in &model.stacks {
            let machine = model.machine(stack.machine);
            let (compose, env) = render_stack(model, stack);
            artifacts.push(Artifact::new(layout::compose_file(machine, stack), compose));
            artifacts.push(Artifact::new(layout::compose_env(machine, stack), env));
        }
        Ok(artifacts)
    }
}
