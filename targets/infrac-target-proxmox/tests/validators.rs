//! Every script the Proxmox target writes for ORION and the build fixtures passes the
//! project's shell validator (`bash -n` and `shellcheck -x -S style`), and `apply.sh
//! --dry-run` runs end to end without `qm` or `pct`.

mod common;

use common::{analyse, emit, validate, write_all};
use std::path::PathBuf;

/// ORION and every Proxmox build fixture.
fn labs() -> Vec<String> {
    let labs: Vec<String> = infrac_testkit::labs(&["proxmox-"])
        .into_iter()
        .map(|(_, relative)| relative)
        .collect();
    assert!(labs.len() > 1, "no proxmox- fixtures");
    labs
}

#[test]
fn every_script_passes_bash_n_and_shellcheck() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let mut scripts: Vec<PathBuf> = Vec::new();
    for (i, lab) in labs().iter().enumerate() {
        let written = write_all(&dir.path().join(i.to_string()), &emit(&analyse(lab)));
        scripts.extend(
            written
                .into_iter()
                .filter(|p| p.extension().is_some_and(|e| e == "sh")),
        );
    }
    validate("shell.sh", &scripts);
}

#[test]
fn apply_dry_run_prints_every_guest_without_qm_or_pct() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    write_all(dir.path(), &emit(&analyse("examples/orion.infra")));
    let output = std::process::Command::new("bash")
        .arg(dir.path().join("proxmox/apply.sh"))
        .arg("--dry-run")
        .current_dir(dir.path())
        .output()
        .unwrap_or_else(|e| panic!("bash: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let creates: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("qm create ") || l.starts_with("pct create "))
        .collect();
    assert_eq!(creates.len(), 18, "{stdout}");
    assert!(
        creates[0].starts_with("qm create 200 --name router "),
        "{stdout}"
    );
}

#[test]
fn ceph_dry_run_prints_every_step_on_its_node() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    write_all(
        dir.path(),
        &emit(&analyse("tests/fixtures/build/proxmox-ceph.infra")),
    );
    let output = std::process::Command::new("bash")
        .arg(dir.path().join("proxmox/cluster/lab/ceph.sh"))
        .arg("--dry-run")
        .output()
        .unwrap_or_else(|e| panic!("bash: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let steps: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        steps.first().copied(),
        Some("on pve1: pveceph init --network 10.0.0.0/24 --cluster-network 10.20.0.0/24"),
        "{stdout}"
    );
    // Three monitors, two more managers, four OSDs, three MDS, the pool (create and set)
    // and the file system (create and two sets).
    assert_eq!(steps.len(), 1 + 3 + 2 + 4 + 3 + 2 + 3, "{stdout}");
    assert!(
        steps.contains(&"on pve1: pveceph osd create /dev/disk/by-id/nvme-SAMSUNG_MZ1L21T9_S1"),
        "{stdout}"
    );
    assert!(
        steps.contains(&"on pve3: pveceph mon create --mon-address 10.0.0.13"),
        "{stdout}"
    );
}

#[test]
fn scripts_reject_unknown_arguments() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    write_all(dir.path(), &emit(&analyse("examples/orion.infra")));
    let output = std::process::Command::new("bash")
        .arg(dir.path().join("proxmox/200-router.sh"))
        .arg("--dryrun")
        .output()
        .unwrap_or_else(|e| panic!("bash: {e}"));
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
}

#[test]
fn every_corosync_conf_passes_corosync_t_as_each_node() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let mut confs: Vec<PathBuf> = Vec::new();
    for (i, lab) in labs().iter().enumerate() {
        let written = write_all(&dir.path().join(i.to_string()), &emit(&analyse(lab)));
        confs.extend(
            written
                .into_iter()
                .filter(|p| p.file_name().is_some_and(|n| n == "corosync.conf")),
        );
    }
    assert!(!confs.is_empty(), "no fixture declares a cluster");
    validate("corosync.sh", &confs);
}

#[test]
fn every_interfaces_file_passes_ifupdown2() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let mut files: Vec<PathBuf> = Vec::new();
    for (i, lab) in labs().iter().enumerate() {
        let written = write_all(&dir.path().join(i.to_string()), &emit(&analyse(lab)));
        files.extend(
            written
                .into_iter()
                .filter(|p| p.file_name().is_some_and(|n| n == "interfaces")),
        );
    }
    assert!(files.len() > 5, "{files:?}");
    validate("ifupdown2.sh", &files);
}
