//! One guest's `configuration.nix`: the sections in order, each a list of assignments,
//! and the header notes on what the file assumes.

use crate::guest::GuestView;
use crate::network::networking;
use crate::nix::{self, Nix};
use crate::services::{self, Assignments};
use infrac_diagnostics::Diagnostic;
use infrac_model::Firmware;
use infrac_model::GuestKind;
use infrac_templates::text::{file_segment, wrap};
use serde::Serialize;

/// Width of the note paragraphs in the header.
const NOTE_WIDTH: usize = 86;

/// Everything the template shows.
#[derive(Debug, Serialize)]
pub(crate) struct Configuration {
    /// Path of the artifact (`nixos/router/configuration.nix`).
    pub path: String,
    /// The source file, comment-safe.
    pub source: String,
    /// What the configuration is for, comment-safe.
    pub summary: String,
    /// Paragraphs of header notes, wrapped into comment lines.
    pub notes: Vec<Vec<String>>,
    pub sections: Vec<Section>,
}

/// A titled group of assignments, rendered into lines.
#[derive(Debug, Serialize)]
pub(crate) struct Section {
    pub title: String,
    /// Lines with their indentation, without the trailing newline.
    pub lines: Vec<String>,
}

/// The sections as assignments, before rendering: what the tests inspect.
pub(crate) fn sections(
    view: &GuestView,
) -> Result<Vec<(&'static str, Assignments)>, Box<Diagnostic>> {
    let mut out = vec![
        ("Hardware and boot", hardware(view)),
        ("Network", networking(view)),
    ];
    if view.is_router() {
        out.push((
            "Routing: this guest forwards between its networks",
            vec![(
                "boot.kernel.sysctl",
                Nix::Attrs(vec![
                    (vec!["net.ipv4.ip_forward".into()], Nix::Int(1)),
                    (vec!["net.ipv6.conf.all.forwarding".into()], Nix::Int(1)),
                ]),
            )],
        ));
    }
    if view.has_firewall() {
        let path = format!("../../nftables/{}.nft", file_segment(&view.guest.name));
        out.push((
            "Zone firewall and NAT: the nftables target's ruleset for this guest",
            vec![(
                "networking.nftables.ruleset",
                Nix::Expr(format!("builtins.readFile {path}")),
            )],
        ));
    }
    let services = services::services(view);
    if !services.is_empty() {
        out.push(("Services", services));
    }
    let k3s = services::k3s(view)?;
    if !k3s.is_empty() {
        out.push(("Kubernetes (k3s)", k3s));
    }
    if view.runs("ssh") {
        out.push((
            "Administrator: SSH logins use this account, never root",
            vec![(
                "users.users.admin",
                Nix::attrs([
                    ("isNormalUser", Nix::Bool(true)),
                    ("extraGroups", Nix::strs(["wheel"])),
                ]),
            )],
        ));
    }
    let state_version = view
        .image
        .state_version
        .clone()
        .unwrap_or_else(|| view.image.version.clone());
    out.push((
        "The NixOS release this machine was first installed with",
        vec![("system.stateVersion", Nix::Str(state_version))],
    ));
    Ok(out)
}

/// Imports, boot loader and the QEMU guest agent.
fn hardware(view: &GuestView) -> Assignments {
    let guest = view.guest;
    if guest.kind == GuestKind::Lxc {
        return vec![(
            "imports",
            Nix::List(vec![Nix::Expr(
                "modulesPath + \"/virtualisation/proxmox-lxc.nix\"".into(),
            )]),
        )];
    }
    let mut out = vec![(
        "imports",
        Nix::List(vec![Nix::Expr(
            "modulesPath + \"/profiles/qemu-guest.nix\"".into(),
        )]),
    )];
    if guest.bios == Some(Firmware::Ovmf) {
        out.push(("boot.loader.systemd-boot.enable", Nix::Bool(true)));
        out.push(("boot.loader.efi.canTouchEfiVariables", Nix::Bool(true)));
    } else {
        out.push(("boot.loader.grub.enable", Nix::Bool(true)));
        // The boot disk is Proxmox's scsi0 on virtio-scsi, which Linux names sda.
        out.push(("boot.loader.grub.device", Nix::str("/dev/sda")));
    }
    out.push(("services.qemuGuest.enable", Nix::Bool(true)));
    out
}

/// Header notes: the assumptions and what is left to the operator.
fn notes(view: &GuestView) -> Vec<Vec<String>> {
    let guest = view.guest;
    let mut notes = Vec::new();
    let name = file_segment(&guest.name);
    let (hardware, imports) = match guest.kind {
        GuestKind::Vm => (
            " beside the hardware-configuration.nix that nixos-generate-config wrote",
            format!("./hardware-configuration.nix ./infrac/nixos/{name}/configuration.nix"),
        ),
        GuestKind::Lxc => ("", format!("./infrac/nixos/{name}/configuration.nix")),
    };
    notes.push(wrap(
        &format!(
            "Use: copy this build's output folder to the guest as /etc/nixos/infrac{hardware}, \
             make /etc/nixos/configuration.nix `{{ imports = [ {imports} ]; }}` and run \
             `nixos-rebuild switch`. Paths in this file are relative to it, so the build's \
             folders stay together."
        ),
        NOTE_WIDTH,
    ));
    match guest.kind {
        GuestKind::Vm => {
            notes.push(wrap(
                "Interface names assume Proxmox's default i440fx machine, where net0 is ens18, \
                 net1 ens19 and so on in the order the interfaces are declared.",
                NOTE_WIDTH,
            ));
            if guest.machine.as_deref().is_some_and(|m| m.contains("q35")) {
                notes.push(wrap(
                    "This VM uses the q35 machine, which puts NICs on other PCI slots and so \
                     gives them other names: check them with `ip link` before relying on the \
                     interface settings below.",
                    NOTE_WIDTH,
                ));
            }
        }
        GuestKind::Lxc => notes.push(wrap(
            "Interfaces are eth0, eth1… in the order they are declared.",
            NOTE_WIDTH,
        )),
    }
    if view.runs("ssh") {
        notes.push(wrap(
            "SSH: root cannot log in and passwords are off. Put the administrator's public key \
             in /home/admin/.ssh/authorized_keys.",
            NOTE_WIDTH,
        ));
    }
    let mut secrets = Vec::new();
    if let Some((cluster, _)) = view.clusters().first() {
        if let Some(token) = &cluster.token {
            secrets.push(format!("{}/{}", services::SECRETS_DIR, token.0));
        }
    }
    if view.runs("grafana") {
        secrets.push(format!("{}/grafana-admin-password", services::SECRETS_DIR));
        secrets.push(format!("{}/grafana-secret-key", services::SECRETS_DIR));
    }
    if !secrets.is_empty() {
        notes.push(wrap(
            &format!(
                "Secrets are read from files the secret store provides, never written here: {}.",
                secrets.join(", ")
            ),
            NOTE_WIDTH,
        ));
    }
    if view.has_firewall() {
        notes.push(wrap(
            &format!(
                "The zone firewall and NAT load from nftables/{}.nft of this build, next to the \
                 NixOS firewall that opens this guest's own service ports: traffic to the guest \
                 passes both.",
                file_segment(&guest.name)
            ),
            NOTE_WIDTH,
        ));
    }
    if view.runs("bird") {
        notes.push(wrap(
            &format!(
                "BIRD reads bird/{}/bird.conf of this build.",
                file_segment(&guest.name)
            ),
            NOTE_WIDTH,
        ));
    }
    let unmapped = services::unmapped(view);
    if !unmapped.is_empty() {
        notes.push(wrap(
            &format!(
                "Declared but not configured here (their ports are open in the firewall): {}.",
                unmapped.join(", ")
            ),
            NOTE_WIDTH,
        ));
    }
    notes
}

/// The whole configuration of one NixOS guest.
pub(crate) fn configuration(view: &GuestView) -> Result<Configuration, Box<Diagnostic>> {
    let sections = sections(view)?
        .into_iter()
        .map(|(title, assignments)| Section {
            title: nix::comment_safe(title),
            lines: assignments
                .iter()
                .flat_map(|(path, value)| {
                    let text = format!("  {}", nix::assignment(&nix::path(path), value, 2));
                    text.lines().map(str::to_string).collect::<Vec<_>>()
                })
                .collect(),
        })
        .collect();
    let guest = view.guest;
    let noun = match guest.kind {
        GuestKind::Vm => "VM",
        GuestKind::Lxc => "container",
    };
    Ok(Configuration {
        path: format!("nixos/{}/configuration.nix", file_segment(&guest.name)),
        source: nix::comment_safe(&view.model.source),
        summary: nix::comment_safe(&format!(
            "{noun} {} \"{}\" on host {}",
            guest.vmid.value,
            guest.name,
            view.model.host(guest.host).name
        )),
        notes: notes(view),
        sections,
    })
}
