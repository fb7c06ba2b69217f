//! Snapshots of every emitted ruleset (ORION and the router fixtures), and the real `nft`
//! checking each one (`scripts/validators/nft.sh`; a missing validator fails the test).

mod common;

use infrac_target_nftables::NftablesTarget;
use std::process::Command;

/// The emitted files of a lab, or its rendered target diagnostics.
fn emit(relative: &str) -> Result<Vec<(String, String)>, String> {
    infrac_testkit::lab_files(&NftablesTarget, relative)
}

#[test]
fn snapshots() {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        for (snapshot, contents) in infrac_testkit::snapshot_entries(&NftablesTarget, &["router-"])
        {
            insta::assert_snapshot!(snapshot, contents);
        }
    });
}

#[test]
fn orion_has_one_ruleset_for_the_router() {
    let files = emit("examples/orion.infra").unwrap_or_default();
    let paths: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(paths, ["nftables/router.nft"]);
}

/// A bare-metal NixOS router and an OpenWrt router, each with a firewall.
const MACHINES: &str = r#"
network wan { uplink = true }
network lan { ipv4 = 192.168.30.0/24, gateway = 192.168.30.1 }
network home { ipv4 = 192.168.40.0/24, gateway = 192.168.40.1 }
machine edge {
  os = nixos("25.05")
  nic enp1s0 { network = wan, dhcp = true }
  nic enp2s0 { network = lan, ip = lan.gateway }
}
machine gw {
  platform = openwrt
  nic wan  { dhcp = true }
  nic home { ip = home.gateway }
}
firewall on edge {
  policy forward = drop
  allow lan -> wan
  masquerade [lan] -> wan
}
firewall on gw {
  policy forward = drop
  allow home -> wan
  masquerade [home] -> wan
}
"#;

#[test]
fn every_firewall_but_openwrt_gets_a_ruleset() {
    let model = infrac_testkit::model_of("machines.infra", MACHINES);
    let files = infrac_testkit::emit(&NftablesTarget, &model);
    let paths: Vec<String> = files
        .iter()
        .map(|a| a.path.to_string_lossy().replace('\\', "/"))
        .collect();
    // OpenWrt builds its own ruleset from UCI; the bare-metal router binds its ports.
    assert_eq!(paths, ["nftables/edge.nft"]);
    let ruleset = &files[0].contents;
    assert!(
        ruleset.contains("iifname \"enp2s0\"") && ruleset.contains("oifname \"enp1s0\""),
        "{ruleset}"
    );
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("no temporary directory: {e}"));
    infrac_testkit::validate("nft.sh", &infrac_testkit::write_all(dir.path(), &files));
}

#[test]
fn every_ruleset_passes_nft() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("no temporary directory: {e}"));
    let mut files = Vec::new();
    for (name, relative) in common::labs() {
        let Ok(emitted) = emit(&relative) else {
            continue;
        };
        for (path, contents) in emitted {
            let file = dir
                .path()
                .join(format!("{name}-{}", path.replace('/', "_")));
            std::fs::write(&file, contents).unwrap_or_else(|e| panic!("cannot write: {e}"));
            files.push(file);
        }
    }
    assert!(
        files.len() >= 6,
        "expected a ruleset per lab, got {}",
        files.len()
    );
    let script = common::root().join("scripts/validators/nft.sh");
    assert!(script.exists(), "validator missing: {}", script.display());
    let output = Command::new("bash")
        .arg(&script)
        .args(&files)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "nft rejected a ruleset:\n{report}");
    assert_eq!(
        report.matches("PASS").count(),
        files.len(),
        "every file must pass:\n{report}"
    );
}
