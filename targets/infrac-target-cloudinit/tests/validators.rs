//! Every file the cloud-init target writes for ORION, the `cloudinit-*` fixtures and the
//! two-sites example passes the real validators: `cloud-init schema` for user data,
//! cloud-init's own network config parser and renderers plus `netplan generate` for
//! network config (`scripts/validators/cloudinit.sh`), and `netplan generate` for the
//! netplan files (`netplan.sh`). A missing validator fails the test; so does a validator
//! that accepts a broken file.

mod common;

use common::{emit, load, root, validate, write_all};
use std::path::{Path, PathBuf};
use std::process::Command;

/// ORION, every cloud-init fixture and the examples with Debian or Ubuntu machines.
fn labs() -> Vec<String> {
    let mut labs: Vec<String> = infrac_testkit::labs(&["cloudinit-"])
        .into_iter()
        .map(|(_, relative)| relative)
        .collect();
    assert!(labs.len() > 3, "no cloudinit- fixtures");
    labs.push("examples/two-sites.infra".into());
    labs.push("examples/minipc-k3s.infra".into());
    labs.push("examples/docker-host.infra".into());
    labs
}

/// Every file written for every lab, under `dir`.
fn written(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for (i, lab) in labs().iter().enumerate() {
        files.extend(write_all(&dir.join(i.to_string()), &emit(&load(lab))));
    }
    files
}

#[test]
fn every_cloud_init_file_passes_cloud_init() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let files: Vec<PathBuf> = written(dir.path())
        .into_iter()
        .filter(|p| p.components().any(|c| c.as_os_str() == "cloud-init"))
        .collect();
    for name in ["user-data", "network-config", "meta-data"] {
        assert!(
            files.iter().any(|p| p.ends_with(name)),
            "no {name} among {files:?}"
        );
    }
    validate("cloudinit.sh", &files);
}

#[test]
fn every_netplan_file_passes_netplan_generate() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let files: Vec<PathBuf> = written(dir.path())
        .into_iter()
        .filter(|p| p.components().any(|c| c.as_os_str() == "netplan"))
        .collect();
    validate("netplan.sh", &files);
}

/// Runs a validator on one file and says whether it passed.
fn passes(script: &str, file: &Path) -> bool {
    Command::new("bash")
        .arg(root().join("scripts/validators").join(script))
        .arg(file)
        .output()
        .unwrap_or_else(|e| panic!("{script}: {e}"))
        .status
        .success()
}

#[test]
fn the_validators_reject_broken_files() {
    // Guards the tests above: each validator must fail a file its tool rejects.
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let cases = [
        ("cloudinit.sh", "user-data", "#cloud-config\npackages: 5\n"),
        ("cloudinit.sh", "user-data", "#cloud-config\nhostnam: a\n"),
        ("cloudinit.sh", "user-data", "hostname: a\n"),
        (
            "cloudinit.sh",
            "network-config",
            "network:\n  version: 2\n  ethernets:\n    eno1:\n      adresses: [10.0.0.1/24]\n",
        ),
        (
            "cloudinit.sh",
            "network-config",
            "network:\n  version: 2\n  ethernets:\n    eno1:\n      addresses: [10.0.0.300/24]\n",
        ),
        ("cloudinit.sh", "meta-data", "local-hostname: a\n"),
        // A file it writes is checked too: a unit with a misspelt key, a Compose file
        // with an unknown option.
        (
            "cloudinit.sh",
            "user-data",
            "#cloud-config\nwrite_files:\n  - path: /etc/systemd/system/a.service\n    \
             content: \"[Service]\\nType=oneshot\\nExecStart=/usr/bin/docker-compose up\\nExecStrat=/bin/true\\n\"\n",
        ),
        (
            "cloudinit.sh",
            "user-data",
            "#cloud-config\nwrite_files:\n  - path: /etc/infrac/compose/a/compose.yaml\n    \
             content: \"services:\\n  a:\\n    image: nginx\\n    imge: nginx\\n\"\n",
        ),
        (
            "netplan.sh",
            "50-infrac.yaml",
            "network:\n  version: 2\n  ethernets:\n    eno1:\n      gateway4: 10.0.0.1\n",
        ),
    ];
    for (i, (script, name, text)) in cases.iter().enumerate() {
        let case = dir.path().join(i.to_string());
        std::fs::create_dir_all(&case).unwrap_or_else(|e| panic!("mkdir: {e}"));
        let path = case.join(name);
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("write: {e}"));
        assert!(!passes(script, &path), "{script} accepted {name}:\n{text}");
    }
}
