//! The Proxmox target: one idempotent `qm`/`pct` script per guest of a Proxmox host,
//! `apply.sh` running them in dependency order, and each Proxmox host's
//! `/etc/network/interfaces`. A lab without a Proxmox host gets no `proxmox/` folder.
//!
//! Each script creates its guest when the VMID is free and otherwise updates, with
//! `qm set`/`pct set`, the settings that can change in place. `--dry-run` prints the
//! commands instead of running them. Every value from the source is shell-quoted.

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

use infrac_diagnostics::Diagnostic;
use infrac_model::{Artifact, Model, Target};
use serde::Serialize;

/// Emits `proxmox/`: guest scripts, `apply.sh` and `host/<host>/interfaces`.
pub struct ProxmoxTarget;

/// One guest's lines in `apply.sh`.
#[derive(Debug)]
struct Step {
    /// `N. what (why)`, comment-safe.
    comment: String,
    /// The script's file name (plain characters only, so it needs no quoting).
    script: String,
    /// The guest's node, quoted.
    node: String,
    /// `VMID NAME on NODE`, quoted, for the progress lines and the summary.
    label: String,
}

/// The view of `apply.sh`.
#[derive(Debug, Serialize)]
struct Apply {
    path: &'static str,
    source: String,
    /// How many guests it applies.
    steps: usize,
    /// The lines that apply them, written out: a large lab has tens of thousands, which
    /// the template engine would loop over value by value.
    runs: String,
}

/// The lines of `apply.sh` that apply each guest in turn, each after a blank line:
/// `# N. what (why)` and `guest LABEL NODE SCRIPT`.
fn runs(steps: &[Step]) -> String {
    let mut out = String::with_capacity(steps.len() * 160);
    for step in steps {
        for part in [
            "\n# ",
            &step.comment,
            "\nguest ",
            &step.label,
            " ",
            &step.node,
            " ",
            &step.script,
            "\n",
        ] {
            out.push_str(part);
        }
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
        let source: std::sync::Arc<str> = quote::comment_safe(&model.source).into();
        // A script per guest, each planned and rendered on its own: on the machine's cores
        // they are most of a large lab's build.
        let guests =
            infrac_model::parallel::map(model, &order, |(index, (id, placement, role))| {
                let position = index + 1;
                let script = guest::plan(model, &source, *id, placement, position);
                let comment = match role.reason() {
                    Some(reason) => format!("{position}. {} ({reason})", script.summary),
                    None => format!("{position}. {}", script.summary),
                };
                let node = &model.machine(placement.host).name;
                let step = Step {
                    comment,
                    script: script.file_name.clone(),
                    node: shell_quote(node),
                    label: shell_quote(&format!(
                        "{} {} on {node}",
                        placement.vmid.value,
                        model.machine(*id).name
                    )),
                };
                let snippet = script.snippet.as_ref().map(|snippet| {
                    Artifact::new(
                        format!("proxmox/snippets/{}", snippet.file),
                        snippet.text.clone(),
                    )
                });
                let text = guest_script::write(&script);
                (step, snippet, Artifact::new(script.path, text))
            });
        let mut steps = Vec::with_capacity(guests.len());
        for (step, snippet, script) in guests {
            steps.push(step);
            artifacts.extend(snippet);
            artifacts.push(script);
        }
        let apply = Apply {
            path: "proxmox/apply.sh",
            source: source.to_string(),
            steps: steps.len(),
            runs: runs(&steps),
        };
        artifacts.push(Artifact::new(
            apply.path,
            render::render("apply.sh", &apply),
        ));
        artifacts.extend(corosync::artifacts(model));
        artifacts.extend(ceph::artifacts(model));
        artifacts.extend(storage_cfg::artifacts(model));
        artifacts.extend(ha::artifacts(model));
        for (_, host) in model.hypervisors() {
            let view = interfaces::host_interfaces(model, host);
            let text = render::render("interfaces", &view);
            artifacts.push(Artifact::new(view.path, text));
        }
        Ok(artifacts)
    }
}
