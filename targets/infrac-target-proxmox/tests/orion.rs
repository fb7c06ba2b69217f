//! The Proxmox target on the ORION example: every file under `proxmox/` as a snapshot,
//! and the properties the issue asks for checked directly.

mod common;

use common::{analyse, emit, file};

#[test]
fn orion_proxmox_files() {
    let artifacts = emit(&analyse("examples/orion.infra"));
    assert_eq!(
        artifacts.len(),
        18 + 3,
        "one script per guest, apply.sh, the host's interfaces and storage.cfg"
    );
    for artifact in &artifacts {
        let path = artifact.path.to_string_lossy().replace('/', "__");
        insta::assert_snapshot!(format!("orion__{path}"), artifact.contents);
    }
}

#[test]
fn apply_runs_the_router_first_and_agents_after_the_server() {
    let artifacts = emit(&analyse("examples/orion.infra"));
    let apply = file(&artifacts, "proxmox/apply.sh");
    let order: Vec<&str> = apply
        .lines()
        .filter_map(|l| l.strip_prefix("guest "))
        .filter_map(|l| l.rsplit(' ').next())
        .collect();
    assert_eq!(order.len(), 18);
    assert_eq!(order[0], "200-router.sh");
    let at = |name: &str| order.iter().position(|s| *s == name).unwrap_or(usize::MAX);
    for agent in [
        "601-k3s-worker-1.sh",
        "602-k3s-worker-2.sh",
        "603-k3s-worker-3.sh",
    ] {
        assert!(at("600-k3s-master.sh") < at(agent), "{order:?}");
    }
}

#[test]
fn every_artifact_names_its_source_and_says_it_is_generated() {
    infrac_testkit::assert_generated_headers(
        &emit(&analyse("examples/orion.infra")),
        // Relative to the lab's folder, whatever the working directory.
        "orion.infra",
        3,
    );
}

#[test]
fn the_router_is_a_vm_with_four_bridged_interfaces() {
    let artifacts = emit(&analyse("examples/orion.infra"));
    let router = file(&artifacts, "proxmox/200-router.sh");
    for option in [
        "run qm create \"$vmid\" \\",
        "--cores 8 \\",
        "--memory 32768 \\",
        "--scsi0 local-lvm:0,import-from=/var/lib/vz/import/nixos-router.qcow2,iothread=1,discard=on \\",
        "run qm disk resize \"$vmid\" scsi0 50G",
        "--net0 virtio,bridge=vmbr0 \\",
        "--net3 virtio,bridge=vmbr4 \\",
        "--startup order=1",
    ] {
        assert!(router.contains(option), "missing {option}:\n{router}");
    }
}

#[test]
fn the_macos_vm_follows_osx_proxmox() {
    let artifacts = emit(&analyse("examples/orion.infra"));
    let mac = file(&artifacts, "proxmox/100-hack-sequoia-01.sh");
    for option in [
        "--bios ovmf",
        "--machine q35",
        "--efidisk0 local-lvm:1,efitype=4m,pre-enrolled-keys=0",
        "--balloon 0",
        "--net0 vmxnet3,bridge=vmbr2",
        "isa-applesmc,osk=",
        "-cpu Haswell-noTSX,vendor=GenuineIntel",
        "--ide0 local:iso/opencore-osx-proxmox-vm.iso,media=cdrom,cache=unsafe",
        "--ide2 local:iso/recovery-sequoia.iso,media=cdrom,cache=unsafe",
        "run sed -i \"s/media=cdrom/media=disk/\" \"/etc/pve/qemu-server/${vmid}.conf\"",
        "require /var/lib/vz/template/iso/recovery-sequoia.iso",
    ] {
        assert!(mac.contains(option), "missing {option}:\n{mac}");
    }
}

#[test]
fn containers_come_from_the_local_template_storage() {
    let artifacts = emit(&analyse("examples/orion.infra"));
    let ollama = file(&artifacts, "proxmox/1000-ollama.sh");
    for option in [
        "run pct create \"$vmid\" \"local:vztmpl/$template\" \\",
        "grep -E \"^debian-12-standard_[^_]+_amd64\\\\.tar\\\\.(zst|xz|gz)\\$\"",
        "printf '%s\\n' \"${found:-debian-12-standard_12.12-1_amd64.tar.zst}\"",
        "--rootfs local-lvm:200 \\",
        "--net0 name=eth0,bridge=vmbr1,ip=192.168.100.40/24,gw=192.168.100.1 \\",
        "--unprivileged 1 \\",
        "run pveam download local \"$template\"",
    ] {
        assert!(ollama.contains(option), "missing {option}:\n{ollama}");
    }
}

#[test]
fn the_host_gets_its_bridges_and_address() {
    let artifacts = emit(&analyse("examples/orion.infra"));
    let interfaces = file(&artifacts, "proxmox/host/pve/interfaces");
    assert!(interfaces.contains(
        "auto vmbr0\niface vmbr0 inet manual\n\tbridge-ports eno3\n\tbridge-stp off\n\tbridge-fd 0\n\tbridge-vlan-aware yes\n\tbridge-vids 2-4094\n"
    ));
    assert!(interfaces.contains(
        "auto vmbr4\niface vmbr4 inet static\n\taddress 192.168.1.10/24\n\tgateway 192.168.1.1\n\tbridge-ports eno1\n"
    ));
}

#[test]
fn output_is_deterministic() {
    let first = emit(&analyse("examples/orion.infra"));
    let second = emit(&analyse("examples/orion.infra"));
    assert_eq!(first, second);
}
