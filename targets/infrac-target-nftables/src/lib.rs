//! The nftables target: `nftables/<machine>.nft`, the zone firewall and NAT of every
//! machine with a `firewall` block, compiled from the shared policy semantics in
//! [`infrac_model::policy`] so the ruleset, the analyser and `infrac explain-flow` agree.
//!
//! An OpenWrt router's firewall is not an nftables file: OpenWrt generates its ruleset
//! from UCI (`/etc/config/firewall`), which the OpenWrt target writes.

mod hardening;
mod render;
mod view;

use infrac_diagnostics::{Code, Diagnostic};
use infrac_model::policy::Policy;
use infrac_model::{layout, Artifact, Model, Platform, Target};

/// Emits `nftables/<machine>.nft` for each firewall outside OpenWrt.
pub struct NftablesTarget;

impl Target for NftablesTarget {
    fn name(&self) -> &'static str {
        "nftables"
    }

    fn description(&self) -> &'static str {
        "nftables/<machine>.nft: each router's zone firewall and NAT ruleset"
    }

    fn emit(&self, model: &Model) -> Result<Vec<Artifact>, Vec<Diagnostic>> {
        let mut artifacts = Vec::new();
        let mut problems = Vec::new();
        for (index, firewall) in model.firewalls.iter().enumerate() {
            let router = model.machine(firewall.machine);
            if router.platform == Platform::Openwrt {
                continue;
            }
            let policy = Policy::compile(model, index);
            problems.extend(unresolved_forwards(&policy));
            artifacts.push(Artifact::new(
                layout::nftables_ruleset(router),
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
            let target = policy.model.machine(forward.target);
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
