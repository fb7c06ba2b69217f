//! The NixOS target: `nixos/<guest>/configuration.nix` for every guest whose image is
//! NixOS, with its addresses, gateways, resolvers, nftables firewall, the services it
//! declares and its k3s role. Secrets are referenced by path, never inlined.

mod configuration;
mod guest;
mod network;
mod nix;
mod render;
mod services;

use guest::GuestView;
use infrac_diagnostics::Diagnostic;
use infrac_model::{Artifact, GuestId, Model, Target};

/// Emits `nixos/<guest>/configuration.nix` for every NixOS guest.
pub struct NixosTarget;

impl Target for NixosTarget {
    fn name(&self) -> &'static str {
        "nixos"
    }

    fn description(&self) -> &'static str {
        "nixos/: configuration.nix for every NixOS guest"
    }

    fn emit(&self, model: &Model) -> Result<Vec<Artifact>, Vec<Diagnostic>> {
        let mut artifacts = Vec::new();
        let mut problems = Vec::new();
        for (index, guest) in model.guests.iter().enumerate() {
            let Some(image) = guest.os.map(|i| model.image(i)) else {
                continue;
            };
            if image.family != "nixos" {
                continue;
            }
            let view = GuestView {
                model,
                id: GuestId(index as u32),
                guest,
                image,
            };
            match configuration::configuration(&view) {
                Ok(config) => {
                    let text = render::configuration(&config);
                    artifacts.push(Artifact::new(config.path, text));
                }
                Err(diagnostic) => problems.push(*diagnostic),
            }
        }
        if problems.is_empty() {
            Ok(artifacts)
        } else {
            Err(problems)
        }
    }
}
