//! The Proxmox target: one idempotent `qm`/`pct` script per guest of a Proxmox host,
//! `apply.sh` running them in dependency order, and each Proxmox host's
//! `/etc/network/interfaces`. A lab without a Proxmox host gets no `proxmox/` folder.
//!
//! Each script creates its guest when the VMID is free and otherwise updates, with
//! `qm set`/`pct set`, the settings that can change in place. `--dry-run` prints the
//! commands instead of running them. Every value from the source is shell-quoted.

mod apply;
mod ceph;
mod corosync;
mod guest;
mod guest_script;
mod ha;
mod images;
mod interfaces;
mod lxc;
mod macos;
mod order;
mod quote;
mod render;
mod stacks;
mod storage_cfg;
mod users;
mod vm;

pub use quote::shell_quote;

use infrac_templates::text::{push_decimal, push_shell_quoted};

use infrac_diagnostics::Diagnostic;
use infrac_model::{Artifact, Model, Target};
use std::sync::Arc;

/// Emits `proxmox/`: guest scripts, `apply.sh` and `host/<host>/interfaces`.
pub struct ProxmoxTarget;

/// One guest's lines in `apply.sh`, after a blank line: `# N. what (why)` (comment-safe)
/// and `guest LABEL NODE SCRIPT`, where the label is `VMID NAME on NODE` quoted, the node
/// quoted, and the script's file name plain (it needs no quoting).
fn step(
    position: usize,
    reason: Option<&str>,
    script: &guest::GuestScript,
    name: &str,
    host: &str,
) -> String {
    let mut label = String::with_capacity(name.len() + host.len() + 16);
    label.push_str(&script.vmid);
    label.push(' ');
    label.push_str(name);
    label.push_str(" on ");
    label.push_str(host);
    let mut out = String::with_capacity(
        script.summary.len() + label.len() + script.node.len() + script.file_name().len() + 80,
    );
    out.push_str("\n# ");
    push_decimal(&mut out, position as u64);
    out.push_str(". ");
    out.push_str(&script.summary);
    if let Some(reason) = reason {
        out.push_str(" (");
        out.push_str(reason);
        out.push(')');
    }
    out.push_str("\nguest ");
    push_shell_quoted(&mut out, &label);
    for part in [" ", &script.node, " ", script.file_name(), "\n"] {
        out.push_str(part);
    }
    out
}

impl Target for ProxmoxTarget {
    fn name(&self) -> &'static str {
        "proxmox"
    }

    fn description(&self) -> &'static str {
        "proxmox/: qm/pct scripts per guest, apply.sh, and each host's network interfaces"
    }

    fn emit(&self, model: &Model) -> Result<Vec<Artifact>, Vec<Diagnostic>> {
        let mut artifacts = Vec::new();
        if model.hypervisors().next().is_none() {
            return Ok(artifacts);
        }
        let order: Vec<_> = order::apply_order(model).into_iter().enumerate().collect();
        let source: Arc<str> = quote::comment_safe(&model.source).into();
        // Each node's name quoted once: all its guests' scripts and lines show it.
        let mut nodes: Vec<Option<Arc<str>>> = vec![None; model.machines.len()];
        for (id, host) in model.hypervisors() {
            nodes[id.index()] = Some(shell_quote(&host.name).into());
        }
        // A script per guest, each planned and rendered on its own: on the machine's cores
        // they are most of a large lab's build.
        let guests =
            infrac_model::parallel::map(model, &order, |(index, (id, placement, role))| {
                let position = index + 1;
                let host = placement.host;
                let node = nodes[host.index()]
                    .clone()
                    .unwrap_or_else(|| shell_quote(&model.machine(host).name).into());
                let script = guest::plan(model, &source, &node, *id, placement, position);
                let step = step(
                    position,
                    role.reason(),
                    &script,
                    &model.machine(*id).name,
                    &model.machine(placement.host).name,
                );
                let snippet = script.snippet.as_ref().map(|snippet| {
                    Artifact::new(
                        format!("proxmox/snippets/{}", snippet.file),
                        snippet.text.clone(),
                    )
                });
                let text = guest_script::write(&script);
                (step, snippet, Artifact::new(script.path, text))
            });
        let steps = guests.len();
        let mut runs = String::with_capacity(guests.iter().map(|(step, ..)| step.len()).sum());
        for (step, snippet, script) in guests {
            runs.push_str(&step);
            artifacts.extend(snippet);
            artifacts.push(script);
        }
        artifacts.push(Artifact::new(
            apply::PATH,
            apply::write(&source, steps, &runs),
        ));
        artifacts.extend(corosync::artifacts(model));
        artifacts.extend(ceph::artifacts(model));
        artifacts.extend(storage_cfg::artifacts(model));
        artifacts.extend(ha::artifacts(model));
        for (_, host) in model.hypervisors() {
            let view = interfaces::host_interfaces(model, host);
            let text = interfaces::write(&view);
            artifacts.push(Artifact::new(view.path, text));
        }
        Ok(artifacts)
    }
}
