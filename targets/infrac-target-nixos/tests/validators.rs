//! Every configuration the NixOS target writes for ORION and the build fixtures passes
//! the project's Nix validator: `nix-instantiate --parse` and the offline module
//! evaluation. The BIRD, nftables and k3s targets' files are written beside them because a
//! router's configuration reads its `bird.conf` and its ruleset, and a k3s server its API
//! address holder.

mod common;

use common::{analyse, root, validate, write_all};
use std::path::PathBuf;

/// ORION and every NixOS build fixture.
fn labs() -> Vec<String> {
    let labs: Vec<String> = infrac_testkit::labs(&["nixos-"])
        .into_iter()
        .map(|(_, relative)| relative)
        .collect();
    assert!(labs.len() > 1, "no nixos- fixtures");
    labs
}

#[test]
fn every_configuration_parses_and_evaluates_offline() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let mut files: Vec<PathBuf> = Vec::new();
    for (i, lab) in labs().iter().enumerate() {
        let analysis = analyse(lab);
        let artifacts = infrac_driver::build_artifacts(
            &analysis,
            &[
                "nixos".into(),
                "bird".into(),
                "nftables".into(),
                "k3s".into(),
            ],
        )
        .unwrap_or_else(|d| panic!("{lab}: {d:#?}"));
        let written = write_all(&dir.path().join(i.to_string()), &artifacts);
        files.extend(
            written
                .into_iter()
                .filter(|p| p.extension().is_some_and(|e| e == "nix")),
        );
    }
    validate("nix.sh", &files);
}

#[test]
fn the_validator_rejects_a_broken_configuration() {
    // Guards the test above: a configuration the validator cannot evaluate must fail it.
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let path = dir.path().join("configuration.nix");
    std::fs::write(&path, "{ ... }: { networking.hostName = \"a\" + 1; }\n")
        .unwrap_or_else(|e| panic!("write: {e}"));
    let output = std::process::Command::new("bash")
        .arg(root().join("scripts/validators/nix.sh"))
        .arg(&path)
        .output()
        .unwrap_or_else(|e| panic!("bash: {e}"));
    assert!(!output.status.success());
}
