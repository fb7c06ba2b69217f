//! The nftables target: `nftables/<router>.nft`, the zone firewall and NAT of every guest
//! with a `firewall` block, compiled from the shared policy semantics in
//! [`infrac_model::policy`] so the ruleset, the analyser and `infrac explain-flow` agree.

mod render;
mod view;

use infrac_diagnostics::{Code, Diagnostic};
use infrac_model::policy::Policy;
use infrac_model::{Artifact, Model, Target};

/// Emits `nftables/<router>.nft` for each firewall.
pub struct NftablesTarget;

impl Target for NftablesTarget {
    fn name(&self) -> &'static str {
        "nftables"
    }

    fn description(&self) -> &'static str {
        "nftables/<router>.nft: each router's zone firewall and NAT ruleset"
    }

    fn emit(&self, model: &Model) -> Result<Vec<Artifact>, Vec<Diagnostic>> {
        let mut artifacts = Vec::new();
        let mut problems = Vec::new();
        for index in 0..model.firewalls.len() {
            let policy = Policy::compile(model, index);
            problems.extend(unresolved_forwards(&policy));
            let router = &model.guest(policy.router).name;
            artifacts.push(Artifact::new(
                format!("nftables/{router}.nft"),
                render::render(&view::ruleset(&policy)),
            ));
        }
        if problems.is_empty() {
            Ok(artifacts)
        } else {
            Err(problems)
        }
    }
}

/// Port forwards nftables cannot express: DNAT needs the target's address.
fn unresolved_forwards(policy: &Policy) -> Vec<Diagnostic> {
    policy
        .unresolved_forwards
        .iter()
        .map(|&i| {
            let forward = &policy.firewall.forwards[i];
            let target = policy.model.guest(forward.target);
            Diagnostic::error(
                Code::NFT_FORWARD_WITHOUT_ADDRESS,
                format!(
                    "nftables cannot forward to `{}`: it has no static IPv4 address",
                    target.name
                ),
                forward.span,
                "destination NAT needs a fixed address to rewrite to",
            )
            .with_label(
                target.name_span,
                format!("`{}` is declared here", target.name),
            )
            .with_help(format!(
                "give `{}` a static address on one of its networks: `nic NETWORK {{ ip = … }}`",
                target.name
            ))
        })
        .collect()
}
