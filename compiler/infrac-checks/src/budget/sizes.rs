//! A guest's own size against what Proxmox creates (E0492): no cores, less memory than its
//! minimum, a balloon above the memory, an empty disk. The script would stop at `qm
//! create` or `pct create` (or, for the balloon, at `qm set` on the next apply), and an
//! empty disk would silently become a 1 GiB one, which is not what the lab says.
//!
//! The limits, from Proxmox's own option schemas:
//! - `cores`: `minimum => 1` in qemu-server (`src/PVE/QemuServer.pm`, `$confdesc`) and in
//!   pve-container (`src/PVE/LXC/Config.pm`, `$confdesc`, at 896cd762);
//! - `memory`: `minimum => 16` (MiB) in qemu-server (`src/PVE/QemuServer/Memory.pm`,
//!   `$memory_fmt`, at 54396a39) and in pve-container (the same `$confdesc`);
//! - `balloon`: "balloon value too large (must be smaller than assigned memory)", qemu-server
//!   `src/PVE/API2/Qemu.pm`, `$update_vm_api`, when it exceeds `memory`;
//! - a disk is written `STORAGE:SIZE_IN_GiB`. For a VM a size of 0 asks to import an
//!   existing volume (`import-from`), which the lab does not name; for a container it
//!   makes a volume without a size limit on directory and ZFS storage only, and fails on
//!   the others (pve-container `src/PVE/LXC.pm`, `alloc_disk`). infrac writes every
//!   volume with the size the lab gives it.

use infrac_diagnostics::{Code, Diagnostic};
use infrac_model::{Bytes, Guest, GuestKind, Machine};

/// The least memory Proxmox gives a guest, in MiB.
const MIN_MEMORY_MIB: u64 = 16;

pub(super) fn check_guest(machine: &Machine, guest: &Guest, out: &mut Vec<Diagnostic>) {
    let kind = guest.kind.as_str();
    let create = match guest.kind {
        GuestKind::Vm => "qm create",
        GuestKind::Lxc => "pct create",
    };
    let name = &machine.name;
    if guest.cores.value == 0 {
        out.push(
            Diagnostic::error(
                Code::GUEST_BELOW_MINIMUM,
                format!("{kind} {name} has no cores"),
                guest.cores.span,
                "0 cores",
            )
            .with_help("give it at least `cores = 1`")
            .with_note(format!("`{create}` refuses a guest with no cores")),
        );
    }
    let memory = guest.memory.value;
    if memory.0 < MIN_MEMORY_MIB * Bytes::MIB {
        out.push(
            Diagnostic::error(
                Code::GUEST_BELOW_MINIMUM,
                format!("{kind} {name} has {memory} of memory, under Proxmox's minimum of {MIN_MEMORY_MIB} MiB"),
                guest.memory.span,
                format!("below {MIN_MEMORY_MIB} MiB"),
            )
            .with_help(format!("give it at least `memory = {MIN_MEMORY_MIB}MiB`"))
            .with_note(format!("`{create}` refuses memory under {MIN_MEMORY_MIB} MiB")),
        );
    }
    if let Some(balloon) = guest
        .balloon
        .filter(|b| guest.kind == GuestKind::Vm && *b > memory)
    {
        out.push(
            Diagnostic::error(
                Code::GUEST_BELOW_MINIMUM,
                format!("vm {name} has a balloon of {balloon}, more than its {memory} of memory"),
                guest.memory.span,
                format!("{memory} of memory"),
            )
            .with_help(format!(
                "`balloon` is the least memory the VM keeps: make it at most {memory}, or raise `memory`"
            ))
            .with_note("Proxmox refuses a balloon above the memory (\"balloon value too large\")"),
        );
    }
    for disk in guest.disks.iter().filter(|d| d.size.value.0 == 0) {
        out.push(
            Diagnostic::error(
                Code::GUEST_BELOW_MINIMUM,
                format!("{kind} {name} has an empty disk on `{}`", disk.pool.value),
                disk.size.span,
                "0 bytes",
            )
            .with_help("give the disk a size, such as `32GiB`, or remove it")
            .with_note(match guest.kind {
                GuestKind::Vm => "Proxmox reads a disk of size 0 as one to import from an existing volume, which the lab does not name",
                GuestKind::Lxc => "Proxmox makes a container volume of size 0 only on directory and ZFS storage, as one without a size limit; infrac writes every volume with the size the lab gives it",
            }),
        );
    }
}
