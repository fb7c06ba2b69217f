//! The Proxmox target writes files for Proxmox hosts and their guests only: a lab of
//! bare-metal machines and appliances gets no `proxmox/` folder at all, and a machine
//! beside a Proxmox host gets no script.

mod common;

use common::{analyse, emit};

#[test]
fn a_lab_without_a_proxmox_host_gets_no_proxmox_files() {
    let artifacts = emit(&analyse(
        "tests/fixtures/build/nixos-baremetal-router.infra",
    ));
    let paths: Vec<String> = artifacts
        .iter()
        .map(|a| a.path.display().to_string())
        .collect();
    assert!(paths.is_empty(), "{paths:?}");
}

#[test]
fn a_machine_beside_a_proxmox_host_gets_no_script() {
    let artifacts = emit(&analyse(
        "tests/fixtures/build/proxmox-host-addresses.infra",
    ));
    let paths: Vec<String> = artifacts
        .iter()
        .map(|a| a.path.display().to_string())
        .collect();
    assert_eq!(
        paths,
        [
            "proxmox/100-app.sh",
            "proxmox/apply.sh",
            "proxmox/host/pve/storage.cfg",
            "proxmox/host/pve/interfaces"
        ]
    );
}
