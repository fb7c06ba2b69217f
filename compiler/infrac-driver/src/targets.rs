//! The registry of targets: every emitter `infrac build` knows, in output order.

mod model_json;

use infrac_model::{Artifact, Model, Target};

/// The checked model as JSON: a debugging aid, always written.
struct ModelJson;

impl Target for ModelJson {
    fn name(&self) -> &'static str {
        "model"
    }

    fn description(&self) -> &'static str {
        "model.json: the checked model, for debugging and external tools"
    }

    fn emit(&self, model: &Model) -> Result<Vec<Artifact>, Vec<infrac_diagnostics::Diagnostic>> {
        // Machines are most of the text, a guest about 1.5 KiB of it: a large lab's
        // model.json is then written without copying it over as it grows.
        let capacity = model.machines.len() * 1536 + 32 * 1024;
        let mut json = model_json::to_string_pretty(model, capacity)
            .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
        json.push('\n');
        Ok(vec![Artifact::new("model.json", json)])
    }
}

/// Every target, in the order their files are listed.
pub fn all_targets() -> Vec<&'static dyn Target> {
    vec![
        &ModelJson,
        &infrac_target_proxmox::ProxmoxTarget,
        &infrac_target_nixos::NixosTarget,
        &infrac_target_bird::BirdTarget,
        &infrac_target_nftables::NftablesTarget,
        &infrac_target_openwrt::OpenwrtTarget,
        &infrac_target_k8s::K8sTarget,
        &infrac_target_k3s::K3sTarget,
        &infrac_target_mermaid::MermaidTarget,
        &infrac_target_docs::DocsTarget,
        &infrac_target_cloudinit::CloudInitTarget,
        &infrac_target_wireguard::WireguardTarget,
        &infrac_target_compose::ComposeTarget,
        &infrac_target_compose::CloudflaredTarget,
        &infrac_target_compose::CaddyTarget,
    ]
}

/// The target named `name`.
pub fn target_named(name: &str) -> Option<&'static dyn Target> {
    all_targets().into_iter().find(|t| t.name() == name)
}

/// The targets whose files a target's files read by path from the same build: a NixOS
/// configuration loads the BIRD configuration and the nftables ruleset of its machine,
/// and the kube-vip manifest or keepalived configuration the k3s target writes.
/// `build --target` adds these, so no generated file names a file the build did not
/// write (`tests/build_cli.rs` checks every such path in every example).
pub fn dependencies(name: &str) -> &'static [&'static str] {
    match name {
        "nixos" => &["bird", "nftables", "k3s"],
        _ => &[],
    }
}

/// The dependencies of `selected` that it does not name, each with the target that
/// needs it, in registry order.
pub fn missing_dependencies(selected: &[String]) -> Vec<(&'static str, String)> {
    let mut missing: Vec<(&'static str, String)> = Vec::new();
    for target in all_targets() {
        let name = target.name();
        if selected.iter().any(|s| s == name) || missing.iter().any(|(m, _)| *m == name) {
            continue;
        }
        if let Some(by) = selected.iter().find(|s| dependencies(s).contains(&name)) {
            missing.push((name, by.clone()));
        }
    }
    missing
}

#[cfg(test)]
mod tests {
    use super::{all_targets, missing_dependencies};

    #[test]
    fn nixos_brings_the_targets_it_reads() {
        let selected = vec!["proxmox".to_string(), "nixos".to_string()];
        let added: Vec<&str> = missing_dependencies(&selected)
            .iter()
            .map(|(name, _)| *name)
            .collect();
        assert_eq!(added, ["bird", "nftables", "k3s"]);
        let named = vec!["nixos".to_string(), "bird".to_string()];
        assert!(!missing_dependencies(&named)
            .iter()
            .any(|(n, _)| *n == "bird"));
        assert!(missing_dependencies(&["proxmox".to_string()]).is_empty());
    }

    #[test]
    fn dependencies_are_targets() {
        let names: Vec<&str> = all_targets().iter().map(|t| t.name()).collect();
        for target in &names {
            for dep in super::dependencies(target) {
                assert!(names.contains(dep), "{target} depends on unknown {dep}");
            }
        }
    }
}
