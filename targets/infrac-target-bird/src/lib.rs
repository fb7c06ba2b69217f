//! The bird target: `bird/<machine>/bird.conf`, the BIRD 2 configuration of every machine
//! with a `bgp` block, whatever its platform.
//!
//! Route leaks are impossible by construction: the only routes exported are the static
//! routes of the announced prefixes, matched exactly. Each session learns the full table,
//! only the default route or nothing per family ([`infrac_model::bgp`] decides), and its
//! imports reject bogons, the site's own space, too short and too long prefixes, default
//! routes (unless accepted), bad AS paths, more routes than the limit and, with an `rpki`
//! cache, RPKI-invalid routes. `docs/targets/bird.md` names the practice each follows.

mod bogons;
mod render;
mod session;
mod view;

use infrac_diagnostics::Diagnostic;
use infrac_model::{layout, Artifact, Model, Target};
use std::collections::BTreeSet;

/// Emits `bird/<machine>/bird.conf` for each BGP speaker.
pub struct BirdTarget;

impl Target for BirdTarget {
    fn name(&self) -> &'static str {
        "bird"
    }

    fn description(&self) -> &'static str {
        "bird/<machine>/bird.conf: BIRD 2 sessions, filters and route origination"
    }

    fn emit(&self, model: &Model) -> Result<Vec<Artifact>, Vec<Diagnostic>> {
        let mut artifacts = Vec::new();
        let mut problems = Vec::new();
        let mut seen = BTreeSet::new();
        for router in &model.routers {
            // Semantic analysis reports a second `bgp` block on one machine; emit the first.
            if !seen.insert(router.machine) {
                continue;
            }
            match view::bird_conf(model, router) {
                Ok(conf) => artifacts.push(Artifact::new(
                    layout::bird_conf(model.machine(router.machine)),
                    render::render(&conf),
                )),
                Err(mut d) => problems.append(&mut d),
            }
        }
        if problems.is_empty() {
            Ok(artifacts)
        } else {
            Err(problems)
        }
    }
}
