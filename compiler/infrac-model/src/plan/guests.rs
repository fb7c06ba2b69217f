//! Proxmox guests between two versions: created, destroyed, resized, moved, and which
//! changes take effect only after a restart; disks that would shrink are refused.
//!
//! What needs a restart follows `qm(1)`: a VM's `hotplug` option defaults to
//! `network,disk,usb` (https://pve.proxmox.com/pve-docs/qm.1.html, "hotplug"), so CPU and
//! memory changes stay pending until the VM restarts, as do its CPU type, machine type,
//! firmware, PCI passthrough and extra arguments, which are fixed when QEMU starts. Disks
//! grow and NICs change live.

use crate::{Guest, GuestKind, Model};
use serde::Serialize;
use std::collections::BTreeMap;

/// One change to a guest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GuestChange {
    pub guest: String,
    /// The hypervisor (after the change; before it for a destroyed guest).
    pub host: String,
    pub kind: GuestChangeKind,
    /// What changes, in words (`memory 8 GiB -> 16 GiB`).
    pub detail: String,
    /// Whether Proxmox applies it only after the guest restarts.
    pub restart: bool,
}

/// What happens to a guest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum GuestChangeKind {
    Created,
    Destroyed,
    Resized,
    /// A setting other than size.
    Changed,
    /// To another hypervisor.
    Moved,
    /// A disk that would become smaller: Proxmox cannot shrink a disk, and the generated
    /// script refuses to.
    ShrinkRefused,
}

fn guests(model: &Model) -> BTreeMap<String, (&Guest, String)> {
    model
        .guests()
        .map(|(_, m, g)| (m.name.clone(), (g, model.machine(g.host).name.clone())))
        .collect()
}

/// Every change to a guest, in guest name order.
pub fn guest_changes(before: &Model, after: &Model) -> Vec<GuestChange> {
    let (a, b) = (guests(before), guests(after));
    let mut out = Vec::new();
    for (name, (g, host)) in &b {
        if !a.contains_key(name) {
            out.push(GuestChange {
                guest: name.clone(),
                host: host.clone(),
                kind: GuestChangeKind::Created,
                detail: format!(
                    "{} {}: {} core{}, {}",
                    kind_word(g.kind),
                    g.vmid.value,
                    g.vcpus(),
                    if g.vcpus() == 1 { "" } else { "s" },
                    g.memory.value
                ),
                restart: false,
            });
        }
    }
    for (name, (g, host)) in &a {
        let Some((new, new_host)) = b.get(name) else {
            out.push(GuestChange {
                guest: name.clone(),
                host: host.clone(),
                kind: GuestChangeKind::Destroyed,
                detail: format!("{} {} and its disks", kind_word(g.kind), g.vmid.value),
                restart: false,
            });
            continue;
        };
        let mut push = |kind, detail: String, restart| {
            out.push(GuestChange {
                guest: name.clone(),
                host: new_host.clone(),
                kind,
                detail,
                restart,
            })
        };
        if host != new_host {
            push(
                GuestChangeKind::Moved,
                format!("from {host} to {new_host}"),
                false,
            );
        }
        let vm = new.kind == GuestKind::Vm;
        if g.vcpus() != new.vcpus() {
            let detail = format!("cores {} -> {}", g.vcpus(), new.vcpus());
            push(GuestChangeKind::Resized, detail, vm);
        }
        if g.memory.value != new.memory.value {
            let detail = format!("memory {} -> {}", g.memory.value, new.memory.value);
            push(GuestChangeKind::Resized, detail, vm);
        }
        for disk in &new.disks {
            match g.disks.iter().find(|d| d.name == disk.name) {
                None => push(
                    GuestChangeKind::Resized,
                    format!(
                        "disk {} added ({} on {})",
                        disk.name, disk.size.value, disk.pool.value
                    ),
                    false,
                ),
                Some(old) if disk.size.value < old.size.value => push(
                    GuestChangeKind::ShrinkRefused,
                    format!(
                        "disk {} {} -> {}",
                        disk.name, old.size.value, disk.size.value
                    ),
                    false,
                ),
                Some(old) if disk.size.value > old.size.value => push(
                    GuestChangeKind::Resized,
                    format!(
                        "disk {} {} -> {}",
                        disk.name, old.size.value, disk.size.value
                    ),
                    false,
                ),
                Some(_) => {}
            }
        }
        for disk in g
            .disks
            .iter()
            .filter(|d| !new.disks.iter().any(|n| n.name == d.name))
        {
            push(
                GuestChangeKind::Resized,
                format!("disk {} removed ({})", disk.name, disk.size.value),
                false,
            );
        }
        let settings: [(&str, String, String); 5] = [
            (
                "cpu",
                opt(g.cpu.as_ref().map(|c| &*c.value)),
                opt(new.cpu.as_ref().map(|c| &*c.value)),
            ),
            (
                "machine",
                opt(g.machine.as_ref().map(|m| &*m.value)),
                opt(new.machine.as_ref().map(|m| &*m.value)),
            ),
            ("bios", format!("{:?}", g.bios), format!("{:?}", new.bios)),
            (
                "pci",
                g.pci
                    .iter()
                    .map(|p| p.value.clone())
                    .collect::<Vec<_>>()
                    .join(","),
                new.pci
                    .iter()
                    .map(|p| p.value.clone())
                    .collect::<Vec<_>>()
                    .join(","),
            ),
            ("args", opt(g.args.as_deref()), opt(new.args.as_deref())),
        ];
        for (what, old, now) in settings {
            if old != now {
                push(GuestChangeKind::Changed, format!("{what} changes"), vm);
            }
        }
    }
    out.sort_by(|x, y| (&x.guest, x.kind).cmp(&(&y.guest, y.kind)));
    out
}

fn opt(value: Option<&str>) -> String {
    value.unwrap_or_default().to_string()
}

fn kind_word(kind: GuestKind) -> &'static str {
    match kind {
        GuestKind::Vm => "VM",
        GuestKind::Lxc => "container",
    }
}
