//! A VM's `cpu` and `machine` against what Proxmox defines (E0305).
//!
//! `qm create --cpu` takes a built-in type or `custom-NAME` from the node's
//! `cpu-models.conf`, and refuses anything else: "Built-in cputype '…' is not defined
//! (missing 'custom-' prefix?)" (qemu-server `src/PVE/QemuServer/CPUConfig.pm` at 0538c83c,
//! `validate_vm_cpu_conf`). A macOS guest's type goes to QEMU's own `-cpu` instead (see the
//! Proxmox target), so it is not held to Proxmox's list.
//!
//! `--machine` takes a type that matches the pattern of `$machine_fmt` in qemu-server's
//! `src/PVE/QemuServer/Machine.pm` (at 0c14d454), optionally as `type=…` and followed by
//! `,key=value` options that Proxmox checks itself.

use infrac_diagnostics::{did_you_mean, Code, Diagnostic};
use infrac_model::{Guest, GuestKind, Machine, Model, OsFamily, Spanned};
use regex_lite::Regex;
use std::sync::OnceLock;

/// `$machine_fmt->{type}{pattern}` of qemu-server's `src/PVE/QemuServer/Machine.pm`,
/// anchored as Proxmox's JSON schema anchors every pattern.
const MACHINE_TYPE: &str = r"^(pc|pc(-i440fx)?-\d+(\.\d+)+(\+pve\d+)?(\.pxe)?|q35|pc-q35-\d+(\.\d+)+(\+pve\d+)?(\.pxe)?|virt(?:-\d+(\.\d+)+)?(\+pve\d+)?)$";

/// The keys of `$cpu_vendor_list` and `$builtin_models` in qemu-server's
/// `src/PVE/QemuServer/CPUConfig.pm` at 0538c83c (Proxmox VE 9).
const PROXMOX_CPU_TYPES: &[&str] = &[
    "486",
    "pentium",
    "pentium2",
    "pentium3",
    "coreduo",
    "core2duo",
    "Conroe",
    "Penryn",
    "Nehalem",
    "Nehalem-IBRS",
    "Westmere",
    "Westmere-IBRS",
    "SandyBridge",
    "SandyBridge-IBRS",
    "IvyBridge",
    "IvyBridge-IBRS",
    "Haswell",
    "Haswell-IBRS",
    "Haswell-noTSX",
    "Haswell-noTSX-IBRS",
    "Broadwell",
    "Broadwell-IBRS",
    "Broadwell-noTSX",
    "Broadwell-noTSX-IBRS",
    "Skylake-Client",
    "Skylake-Client-IBRS",
    "Skylake-Client-noTSX-IBRS",
    "Skylake-Client-v4",
    "Skylake-Server",
    "Skylake-Server-IBRS",
    "Skylake-Server-noTSX-IBRS",
    "Skylake-Server-v4",
    "Skylake-Server-v5",
    "Cascadelake-Server",
    "Cascadelake-Server-v2",
    "Cascadelake-Server-noTSX",
    "Cascadelake-Server-v4",
    "Cascadelake-Server-v5",
    "Cooperlake",
    "Cooperlake-v2",
    "KnightsMill",
    "Icelake-Client",
    "Icelake-Client-noTSX",
    "Icelake-Server",
    "Icelake-Server-noTSX",
    "Icelake-Server-v3",
    "Icelake-Server-v4",
    "Icelake-Server-v5",
    "Icelake-Server-v6",
    "Icelake-Server-v7",
    "SapphireRapids",
    "SapphireRapids-v2",
    "SapphireRapids-v3",
    "SapphireRapids-v4",
    "GraniteRapids",
    "GraniteRapids-v2",
    "GraniteRapids-v3",
    "SierraForest",
    "SierraForest-v2",
    "SierraForest-v3",
    "ClearwaterForest",
    "athlon",
    "phenom",
    "Opteron_G1",
    "Opteron_G2",
    "Opteron_G3",
    "Opteron_G4",
    "Opteron_G5",
    "EPYC",
    "EPYC-IBPB",
    "EPYC-v3",
    "EPYC-v4",
    "EPYC-v5",
    "EPYC-Rome",
    "EPYC-Rome-v2",
    "EPYC-Rome-v3",
    "EPYC-Rome-v4",
    "EPYC-Rome-v5",
    "EPYC-Milan",
    "EPYC-Milan-v2",
    "EPYC-Milan-v3",
    "EPYC-Genoa",
    "EPYC-Genoa-v2",
    "EPYC-Turin",
    "host",
    "kvm32",
    "kvm64",
    "qemu32",
    "qemu64",
    "max",
    "x86-64-v2",
    "x86-64-v2-AES",
    "x86-64-v3",
    "x86-64-v4",
];

pub(super) fn check_guest(
    model: &Model,
    machine: &Machine,
    guest: &Guest,
    out: &mut Vec<Diagnostic>,
) {
    if guest.kind != GuestKind::Vm {
        return;
    }
    if let Some(cpu) = &guest.cpu {
        cpu_type(model, machine, cpu, out);
    }
    if let Some(written) = &guest.machine {
        machine_type(machine, written, out);
    }
}

fn machine_type(machine: &Machine, written: &Spanned<Box<str>>, out: &mut Vec<Diagnostic>) {
    static PATTERN: OnceLock<Option<Regex>> = OnceLock::new();
    let Some(pattern) = PATTERN.get_or_init(|| Regex::new(MACHINE_TYPE).ok()) else {
        return;
    };
    let first = written.value.split(',').next().unwrap_or_default();
    let kind = first.strip_prefix("type=").unwrap_or(first);
    if pattern.is_match(kind) {
        return;
    }
    out.push(
        Diagnostic::error(
            Code::OUT_OF_RANGE,
            format!(
                "vm {} asks for machine type `{kind}`, which Proxmox does not accept",
                machine.name
            ),
            written.span,
            "not a QEMU machine type Proxmox accepts",
        )
        .with_help("use `q35` or `pc` (i440fx), or a pinned version such as `pc-q35-9.2+pve1`"),
    );
}

fn cpu_type(model: &Model, machine: &Machine, cpu: &Spanned<Box<str>>, out: &mut Vec<Diagnostic>) {
    let macos = model.os_family(machine) == Some(OsFamily::Macos);
    let name = &*cpu.value;
    if macos || name.starts_with("custom-") || PROXMOX_CPU_TYPES.contains(&name) {
        return;
    }
    out.push(
        Diagnostic::error(
            Code::OUT_OF_RANGE,
            format!("vm {} asks for CPU type `{name}`, which Proxmox does not define", machine.name),
            cpu.span,
            "not a Proxmox CPU type",
        )
        .with_help(match did_you_mean(name, PROXMOX_CPU_TYPES.iter().copied()) {
            Some(meant) => format!("did you mean `{meant}`?"),
            None => "use one of Proxmox's CPU types (`host`, `x86-64-v2-AES`, `EPYC-Genoa`, …), or `custom-NAME` for a model defined on the node".to_string(),
        }),
    );
}
