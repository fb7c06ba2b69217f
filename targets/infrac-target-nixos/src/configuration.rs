//! One machine's `configuration.nix`: the sections in order, each a list of assignments,
//! and the header notes on what the file assumes.

use crate::machine::{Form, MachineView};
use crate::network::{links, networking};
use crate::nix::{self, Nix};
use crate::overlay;
use crate::services::{self, Assignments};
use infrac_diagnostics::Diagnostic;
use infrac_model::layout::{
    bird_conf, from_nixos, nftables_ruleset, nixos_configuration, secret_file,
};
use infrac_model::{Firmware, VipProvider};
use infrac_templates::text::wrap;
use serde::Serialize;

/// Width of the note paragraphs in the header.
const NOTE_WIDTH: usize = 86;

/// Where the generated configuration is copied to on the machine, and so the folder its
/// relative paths start from (`/etc/nixos/infrac/nixos/NAME/configuration.nix`).
const INSTALLED_AT: &str = "/etc/nixos/infrac";

/// The operator's `hardware-configuration.nix` in `/etc/nixos`, seen from the installed
/// configuration three folders below it.
const HARDWARE_CONFIGURATION: &str = "../../../hardware-configuration.nix";

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
    /// The module arguments the file uses (`modulesPath`, and `pkgs` where a package is
    /// named).
    pub arguments: String,
    pub sections: Vec<Section>,
}

/// A titled group of assignments, rendered into lines.
#[derive(Debug, Serialize)]
pub(crate) struct Section {
    pub title: String,
    /// Lines with their indentation, without the trailing newline.
    pub lines: Vec<String>,
}

/// How the machine is called in comments: a guest is a guest, anything else a machine.
fn noun(view: &MachineView) -> &'static str {
    match view.form() {
        Form::Vm(_) | Form::Lxc(_) => "guest",
        Form::Baremetal | Form::Cloud(_) => "machine",
    }
}

/// The sections as assignments, before rendering.
pub(crate) fn sections(view: &MachineView) -> Result<Vec<(String, Assignments)>, Box<Diagnostic>> {
    let mut out = vec![
        ("Hardware and boot".to_string(), hardware(view)),
        ("Network".to_string(), networking(view)),
    ];
    let overlays = overlay::overlays(view);
    if !overlays.is_empty() {
        out.push(("Overlay networks".to_string(), overlays));
    }
    let mounts = nfs_mounts(view);
    if !mounts.is_empty() {
        out.push(("NFS mounts of the storage pools".to_string(), mounts));
    }
    let exports = nfs_exports(view);
    if !exports.is_empty() {
        out.push(("NFS exports".to_string(), exports));
    }
    if view.is_router() || overlay::relays(view) {
        out.push((
            format!("Routing: this {} forwards between its networks", noun(view)),
            vec![(
                "boot.kernel.sysctl",
                Nix::Attrs(
                    [
                        (vec!["net.ipv4.ip_forward".into()], Nix::Int(1)),
                        (vec!["net.ipv6.conf.all.forwarding".into()], Nix::Int(1)),
                    ]
                    .into_iter()
                    .chain(crate::ipv6::uplink_accept_ra(view))
                    .collect(),
                ),
            )],
        ));
    }
    if view.firewall().is_some() {
        let path = from_nixos(&nftables_ruleset(view.machine));
        out.push((
            format!(
                "Zone firewall and NAT: the nftables target's ruleset for this {}",
                noun(view)
            ),
            vec![
                // The ruleset replaces only its own tables; flushing the whole ruleset
                // (the default with a ruleset) would remove other programs' tables on
                // every reload, and stopping nftables would drop the filter.
                ("networking.nftables.flushRuleset", Nix::Bool(false)),
                (
                    "networking.nftables.ruleset",
                    Nix::Expr(format!("builtins.readFile {path}")),
                ),
            ],
        ));
    }
    let services = services::services(view);
    if !services.is_empty() {
        out.push(("Services".to_string(), services));
    }
    let stacks = crate::stacks::stacks(view);
    if !stacks.is_empty() {
        out.push(("Compose stacks".to_string(), stacks));
    }
    let advertisements = crate::ipv6::advertisements(view);
    if !advertisements.is_empty() {
        out.push((
            "IPv6 router advertisements (and DHCPv6) on the networks this machine routes"
                .to_string(),
            advertisements,
        ));
    }
    let k3s = services::k3s(view)?;
    if !k3s.is_empty() {
        out.push(("Kubernetes (k3s)".to_string(), k3s));
    }
    let users = &view.model.users;
    if !users.is_empty() {
        let mut accounts: Vec<(Vec<String>, Nix)> = Vec::new();
        for user in users {
            let mut settings = vec![("isNormalUser", Nix::Bool(true))];
            let mut groups: Vec<&str> = user.sudo.then_some("wheel").into_iter().collect();
            for group in &user.groups {
                if !groups.contains(&group.value.as_str()) {
                    groups.push(&group.value);
                }
            }
            if !groups.is_empty() {
                settings.push(("extraGroups", Nix::strs(groups)));
            }
            settings.push((
                "openssh.authorizedKeys.keys",
                Nix::strs(user.keys.iter().map(|k| k.value.clone())),
            ));
            accounts.push((vec![user.name.clone()], Nix::attrs(settings)));
        }
        let mut assignments = vec![("users.users", Nix::Attrs(accounts))];
        // A group the system does not define otherwise is created, so membership in it
        // never names a group that does not exist.
        let mut groups: Vec<(Vec<String>, Nix)> = Vec::new();
        for group in users.iter().flat_map(|u| &u.groups) {
            if group.value != "wheel" && !groups.iter().any(|(g, _)| g[0] == group.value) {
                groups.push((vec![group.value.clone()], Nix::Attrs(Vec::new())));
            }
        }
        if !groups.is_empty() {
            assignments.push(("users.groups", Nix::Attrs(groups)));
        }
        if users.iter().any(|u| u.sudo) {
            // The accounts have no password: sudo by key-authenticated session.
            assignments.push(("security.sudo.wheelNeedsPassword", Nix::Bool(false)));
        }
        out.push((
            "People: SSH logins by key, never as root".to_string(),
            assignments,
        ));
    }
    let state_version = view
        .image
        .state_version
        .clone()
        .unwrap_or_else(|| view.image.version.clone());
    out.push((
        "The NixOS release this machine was first installed with".to_string(),
        vec![("system.stateVersion", Nix::Str(state_version))],
    ));
    Ok(out)
}

/// `fileSystems."/mnt/POOL"` for every storage pool that mounts an NFS export the lab
/// gives an address for.
fn nfs_mounts(view: &MachineView) -> Assignments {
    let mounts: Vec<(Vec<String>, Nix)> = view
        .machine
        .storage
        .iter()
        .filter_map(|pool| {
            let source = infrac_model::roles::nfs_source(view.model, view.id, pool)?;
            let options = if source.read_only { "ro" } else { "rw" };
            Some((
                vec![format!(
                    "/mnt/{}",
                    infrac_model::layout::segment(&pool.name)
                )],
                Nix::attrs([
                    ("device", Nix::str(source.device())),
                    ("fsType", Nix::str("nfs")),
                    // Mounted on first access, so boot does not wait for the server.
                    (
                        "options",
                        Nix::strs([options, "x-systemd.automount", "noauto", "_netdev"]),
                    ),
                ]),
            ))
        })
        .collect();
    if mounts.is_empty() {
        Vec::new()
    } else {
        vec![("fileSystems", Nix::Attrs(mounts))]
    }
}

/// `services.nfs.server` with the machine's exports, each to the prefixes of its client
/// networks (or of the networks the machine is on, when the export names none).
fn nfs_exports(view: &MachineView) -> Assignments {
    let machine = view.machine;
    if machine.exports.is_empty() {
        return Vec::new();
    }
    let lines: Vec<String> = machine
        .exports
        .iter()
        .filter_map(|export| infrac_model::roles::exports_line(view.model, machine, export))
        .collect();
    vec![
        ("services.nfs.server.enable", Nix::Bool(true)),
        (
            "services.nfs.server.exports",
            Nix::str(lines.join("\n") + "\n"),
        ),
    ]
}

/// The import of the operator's own hardware configuration.
fn hardware_import() -> Nix {
    Nix::Expr(HARDWARE_CONFIGURATION.into()).commented(
        "/etc/nixos/hardware-configuration.nix: the machine's own, not generated by infrac",
    )
}

/// Imports, boot loader and, on Proxmox, the guest integration.
fn hardware(view: &MachineView) -> Assignments {
    let guest = match view.form() {
        Form::Lxc(_) => {
            return vec![(
                "imports",
                Nix::List(vec![Nix::Expr(
                    "modulesPath + \"/virtualisation/proxmox-lxc.nix\"".into(),
                )]),
            )]
        }
        Form::Vm(guest) => guest,
        Form::Baremetal => {
            return vec![
                ("imports", Nix::List(vec![hardware_import()])),
                ("boot.loader.systemd-boot.enable", Nix::Bool(true)),
                ("boot.loader.efi.canTouchEfiVariables", Nix::Bool(true)),
            ]
        }
        // The installer's hardware configuration also holds the provider's boot loader
        // settings.
        Form::Cloud(_) => return vec![("imports", Nix::List(vec![hardware_import()]))],
    };
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

/// How to install the file, and what the machine's interfaces are called.
fn install_notes(view: &MachineView, notes: &mut Vec<Vec<String>>) {
    let own = format!("./infrac/{}", nixos_configuration(view.machine));
    let use_note = match view.form() {
        Form::Vm(_) => format!(
            "Use: copy this build's output folder to the guest as {INSTALLED_AT} beside the \
             hardware-configuration.nix that nixos-generate-config wrote, make \
             /etc/nixos/configuration.nix `{{ imports = [ ./hardware-configuration.nix {own} \
             ]; }}` and run `nixos-rebuild switch`. Paths in this file are relative to it, so \
             the build's folders stay together."
        ),
        Form::Lxc(_) => format!(
            "Use: copy this build's output folder to the guest as {INSTALLED_AT}, make \
             /etc/nixos/configuration.nix `{{ imports = [ {own} ]; }}` and run `nixos-rebuild \
             switch`. Paths in this file are relative to it, so the build's folders stay \
             together."
        ),
        Form::Baremetal | Form::Cloud(_) => format!(
            "Use: copy this build's output folder to the machine as {INSTALLED_AT}, make \
             /etc/nixos/configuration.nix `{{ imports = [ {own} ]; }}` and run `nixos-rebuild \
             switch`. This file imports /etc/nixos/hardware-configuration.nix, the one {} \
             wrote for this machine's disks and drivers; infrac does not generate it. Paths \
             in this file are relative to it, so the build's folders stay together.",
            match view.form() {
                Form::Cloud(_) => "the NixOS installer (nixos-anywhere, nixos-infect)",
                _ => "nixos-generate-config",
            }
        ),
    };
    notes.push(wrap(&use_note, NOTE_WIDTH));
    match view.form() {
        Form::Vm(guest) => {
            notes.push(wrap(
                "Interface names assume Proxmox's default i440fx machine, where net0 is ens18, \
                 net1 ens19 and so on in the order the interfaces are declared.",
                NOTE_WIDTH,
            ));
            if guest
                .machine
                .as_ref()
                .is_some_and(|m| m.value.contains("q35"))
            {
                notes.push(wrap(
                    "This VM uses the q35 machine, which puts NICs on other PCI slots and so \
                     gives them other names: check them with `ip link` before relying on the \
                     interface settings below.",
                    NOTE_WIDTH,
                ));
            }
        }
        Form::Lxc(_) => notes.push(wrap(
            "Interfaces are eth0, eth1… in the order they are declared.",
            NOTE_WIDTH,
        )),
        Form::Baremetal | Form::Cloud(_) => {
            if matches!(view.form(), Form::Baremetal) {
                notes.push(wrap(
                    "Boots with systemd-boot, which needs UEFI firmware: on a machine that \
                     boots by BIOS, use boot.loader.grub instead.",
                    NOTE_WIDTH,
                ));
            }
            let unnamed: Vec<&str> = view
                .machine
                .attached()
                .filter(|(_, nic, n)| {
                    nic.name.is_none() && view.model.network(*n).overlay.is_none()
                })
                .map(|(_, _, n)| view.model.network(n).name.as_str())
                .collect();
            if !unnamed.is_empty() {
                notes.push(wrap(
                    &format!(
                        "The NICs on {} declare no port name, so their interfaces are named \
                         after the network here: name each port (`nic eno1 {{ network = … }}`) \
                         as `ip link` shows it.",
                        unnamed.join(", ")
                    ),
                    NOTE_WIDTH,
                ));
            }
        }
    }
    for (address, network) in links(view).1 {
        notes.push(wrap(
            &format!(
                "The address {address} on network {} has no interface here (no NIC on that \
                 network, and not exactly one port without a network): configure it by hand.",
                view.model.network(network).name
            ),
            NOTE_WIDTH,
        ));
    }
}

/// Header notes: the assumptions and what is left to the operator.
fn notes(view: &MachineView) -> Vec<Vec<String>> {
    let mut notes = Vec::new();
    install_notes(view, &mut notes);
    let mut secrets = Vec::new();
    if let Some((cluster, _)) = view.cluster() {
        if let Some(token) = &cluster.token {
            secrets.push(secret_file(token));
        }
    }
    if view.runs("netbox") {
        secrets.push(crate::webapps::netbox_secret());
    }
    if view.runs("grafana") {
        secrets.push(services::secret("grafana-admin-password"));
        secrets.push(services::secret("grafana-secret-key"));
    }
    secrets.extend(overlay::secrets(view));
    secrets.extend(crate::stacks::secrets(view));
    if !secrets.is_empty() {
        notes.push(wrap(
            &format!(
                "Secrets are read from files the secret store provides, never written here: {}.",
                secrets.join(", ")
            ),
            NOTE_WIDTH,
        ));
    }
    if view.firewall().is_some() {
        let noun = noun(view);
        notes.push(wrap(
            &format!(
                "The zone firewall and NAT load from {} of this build and are this {noun}'s \
                 only packet filter: NixOS's own firewall is off here. The ruleset replaces \
                 only its own tables, so other programs' tables stay, and nftables never \
                 flushes the whole ruleset. Stopping nftables.service leaves the zone \
                 tables loaded (its deletion list is empty), so the {noun} is never left \
                 unfiltered; a reload or restart replaces them, and `nft list tables` \
                 shows them.",
                nftables_ruleset(view.machine)
            ),
            NOTE_WIDTH,
        ));
    }
    if let Some((cluster, true)) = view.cluster() {
        if let Some(api) = cluster.api {
            let holder = match cluster.vip {
                VipProvider::KubeVip => format!(
                    "the kube-vip static pod {} of this build, linked into k3s's pod \
                     manifests",
                    infrac_model::layout::kube_vip_manifest(cluster, view.machine)
                ),
                VipProvider::Keepalived => format!(
                    "keepalived with {} of this build (the keepalived-k3s-api service)",
                    infrac_model::layout::keepalived_conf(view.machine)
                ),
            };
            notes.push(wrap(
                &format!(
                    "The API address {} of cluster {} is in this server's certificate and is \
                     where the other nodes join; it is held by {holder}.",
                    api.value, cluster.name,
                ),
                NOTE_WIDTH,
            ));
        }
    }
    if view.bgp().is_some() {
        notes.push(wrap(
            &format!("BIRD reads {} of this build.", bird_conf(view.machine)),
            NOTE_WIDTH,
        ));
    }
    for note in crate::stacks::notes(view) {
        notes.push(wrap(&note, NOTE_WIDTH));
    }
    for note in overlay::notes(view) {
        notes.push(wrap(&note, NOTE_WIDTH));
    }
    let unmapped = services::unmapped(view);
    if !unmapped.is_empty() {
        notes.push(wrap(
            &format!(
                "Left to the operator: declared, but this file neither configures them nor \
                 opens their ports, since nothing would listen there yet; set them up and add \
                 their ports to networking.firewall: {}.",
                unmapped.join(", ")
            ),
            NOTE_WIDTH,
        ));
    }
    notes
}

/// What the configuration is for: `VM 200 "router" on host pve`.
fn summary(view: &MachineView) -> String {
    let name = &view.machine.name;
    match view.form() {
        Form::Vm(guest) | Form::Lxc(guest) => {
            let noun = if matches!(view.form(), Form::Vm(_)) {
                "VM"
            } else {
                "container"
            };
            format!(
                "{noun} {} \"{name}\" on host {}",
                guest.vmid.value,
                view.model.machine(guest.host).name
            )
        }
        Form::Baremetal => format!("bare-metal machine \"{name}\""),
        Form::Cloud(Some(cloud)) => match &cloud.region {
            Some(region) => format!("cloud machine \"{name}\" at {} ({region})", cloud.provider),
            None => format!("cloud machine \"{name}\" at {}", cloud.provider),
        },
        Form::Cloud(None) => format!("cloud machine \"{name}\""),
    }
}

/// The whole configuration of one NixOS machine.
pub(crate) fn configuration(view: &MachineView) -> Result<Configuration, Box<Diagnostic>> {
    let sections: Vec<Section> = sections(view)?
        .into_iter()
        .map(|(title, assignments)| Section {
            title: nix::comment_safe(&title),
            lines: assignments
                .iter()
                .flat_map(|(path, value)| {
                    let text = format!("  {}", nix::assignment(&nix::path(path), value, 2));
                    text.lines().map(str::to_string).collect::<Vec<_>>()
                })
                .collect(),
        })
        .collect();
    let uses_pkgs = sections
        .iter()
        .flat_map(|s: &Section| &s.lines)
        .any(|line| line.contains("pkgs."));
    Ok(Configuration {
        arguments: if uses_pkgs {
            "modulesPath, pkgs".into()
        } else {
            "modulesPath".into()
        },
        path: nixos_configuration(view.machine),
        source: nix::comment_safe(&view.model.source),
        summary: nix::comment_safe(&summary(view)),
        notes: notes(view),
        sections,
    })
}
