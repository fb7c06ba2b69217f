//! The NixOS target: `nixos/<machine>/configuration.nix` for every machine whose OS is
//! NixOS (a Proxmox guest, a bare-metal computer or a cloud machine), with its addresses,
//! gateways, resolvers and overlays, the nftables firewall, BIRD, Kea and Unbound of its
//! roles, the services it declares and its k3s role. Secrets are referenced by path,
//! never inlined.

mod configuration;
mod ipv6;
mod machine;
mod network;
mod nix;
// The option table is checked by tests only; the target itself needs no table to emit.
#[cfg(test)]
mod option_type;
#[cfg(test)]
mod options;
mod overlay;
mod release;
mod render;
mod services;
mod stacks;
mod webapps;

use infrac_diagnostics::Diagnostic;
use infrac_model::{Artifact, Model, OsFamily, Target};
use machine::MachineView;

/// Emits `nixos/<machine>/configuration.nix` for every NixOS machine.
pub struct NixosTarget;

impl Target for NixosTarget {
    fn name(&self) -> &'static str {
        "nixos"
    }

    fn description(&self) -> &'static str {
        "nixos/: configuration.nix for every NixOS machine"
    }

    fn emit(&self, model: &Model) -> Result<Vec<Artifact>, Vec<Diagnostic>> {
        let mut artifacts = Vec::new();
        let mut problems = Vec::new();
        for (id, machine) in model.machines() {
            let Some(image) = machine.os.map(|i| model.image(i)) else {
                continue;
            };
            if image.os_family() != OsFamily::Nixos {
                continue;
            }
            let view = MachineView {
                model,
                id,
                machine,
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
