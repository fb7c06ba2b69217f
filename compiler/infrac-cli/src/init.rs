//! `infrac init [DIR]`: a small commented starter lab, written only where nothing would
//! be overwritten.

use crate::stdout::outln;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// The file `init` writes into DIR.
pub const LAB_FILE: &str = "lab.infra";

/// The starter lab; a test checks that it has no errors.
pub const STARTER: &str = r#"
# A starter lab for infrac: one Proxmox host with a LAN and one NixOS guest.
#
# Check it:            infrac check lab.infra
# Generate its files:  infrac build lab.infra -o out/
# Browse the catalogue of hardware, OS images and services: infrac stdlib
# Explain a diagnostic code: infrac explain E0201

import "std/hardware/dell"
import "std/hardware/intel"
import "std/hardware/memory"

## The site: its DNS domain and how guests are named and numbered.
site home {
  domain = "home.arpa"
  naming {
    guest   = "^[a-z][a-z0-9-]*$"
    vmid.vm = 100..999
  }
}

## The hypervisor. Its hardware comes from the catalogue, so infrac can check that the
## guests fit into its CPUs, memory and disks.
host pve {
  hardware = dell.r730 { cpus = 2 * intel.xeon_e5_2620_v4, dimms = 4 * memory.ddr4-2400-rdimm-16gib }
  platform = proxmox
  reserve { cores = 2, memory = 8GiB }
  nic eno1 { speed = 1G }
  bridge vmbr0 { ports = [eno1] }
  storage local-lvm { kind = lvmthin, size = 500GiB }
}

## The home network, on the host's bridge.
network lan {
  bridge  = vmbr0
  ipv4    = 192.168.1.0/24
  gateway = 192.168.1.1
  dhcp    = 192.168.1.100..192.168.1.200
}

## A NixOS virtual machine with a fixed address on the LAN.
vm web 100 on pve {
  os     = nixos("26.05")
  cores  = 2
  memory = 4GiB
  disk   = 32GiB on local-lvm
  nic lan { ip = 192.168.1.10 }
  services = [ssh, https]
}
"#;

/// Write a small commented starter lab
#[derive(clap::Args)]
#[command(
    long_about = "Write a small commented starter lab, DIR/lab.infra (DIR defaults to the \
current folder, and is created if missing): one Proxmox host, a LAN and one NixOS guest, \
which `infrac check` accepts. An existing lab.infra is never overwritten."
)]
pub struct Args {
    /// The folder to write lab.infra into
    #[arg(value_name = "DIR", default_value = ".")]
    dir: PathBuf,
}

pub fn run(args: Args) -> ExitCode {
    if let Err(e) = std::fs::create_dir_all(&args.dir) {
        eprintln!("error: cannot create `{}`: {e}", args.dir.display());
        return ExitCode::from(2);
    }
    let path = args.dir.join(LAB_FILE);
    // `create_new` refuses an existing file (or a symlink, dangling or not) in one step,
    // so nothing the user has is replaced.
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path);
    let mut file = match file {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            eprintln!(
                "error: `{}` already exists; infrac init never overwrites a file (choose another folder: `infrac init DIR`)",
                path.display()
            );
            return ExitCode::from(2);
        }
        Err(e) => {
            eprintln!("error: cannot create `{}`: {e}", path.display());
            return ExitCode::from(2);
        }
    };
    if let Err(e) = file.write_all(STARTER.trim_start().as_bytes()) {
        eprintln!("error: cannot write `{}`: {e}", path.display());
        return ExitCode::from(2);
    }
    outln!(
        "wrote `{}`; check it with `infrac check {}`",
        path.display(),
        path.display()
    );
    ExitCode::SUCCESS
}
