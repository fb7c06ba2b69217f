//! The registry of targets: every emitter `infrac build` knows, in output order.

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
        let mut json = serde_json::to_string_pretty(model)
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
    ]
}

/// The target named `name`.
pub fn target_named(name: &str) -> Option<&'static dyn Target> {
    all_targets().into_iter().find(|t| t.name() == name)
}
