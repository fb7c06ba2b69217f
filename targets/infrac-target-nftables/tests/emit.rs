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

/// The lines of chain `name` of the filter table.
fn chain<'a>(ruleset: &'a str, name: &str) -> Vec<&'a str> {
    let head = format!("chain {name} {{");
    ruleset
        .lines()
        .map(str::trim)
        .skip_while(|l| *l != head)
        .skip(2)
        .take_while(|l| *l != "}")
        .collect()
}

#[test]
fn every_ruleset_is_hardened_the_same_way() {
    let orion = &emit("examples/orion.infra").unwrap_or_default()[0].1;
    for name in ["input", "forward"] {
        let lines = chain(orion, name);
        let ct = lines
            .iter()
            .position(|l| l.starts_with("ct state established"))
            .unwrap_or_else(|| panic!("{name}: no connection tracking"));
        // Anti-spoofing before connection tracking: the uplink refuses inside sources,
        // each inside network accepts only its own.
        let spoofing: Vec<usize> = (0..lines.len())
            .filter(|&i| lines[i].contains("built-in: anti-spoofing"))
            .collect();
        assert!(
            spoofing.len() >= 4 && spoofing.iter().all(|&i| i < ct),
            "{name}: {lines:#?}"
        );
        assert!(lines
            .iter()
            .any(|l| l.starts_with("iifname \"ens18\" ip saddr { 192.168.100.0/24")));
        assert!(lines
            .iter()
            .any(|l| l.starts_with("iifname \"ens19\" ip saddr != { 0.0.0.0, 192.168.100.0/24 }")));
        // No redirect or router renumbering from the uplink, whatever the lab allows.
        let guard = lines
            .iter()
            .position(|l| l.contains("icmpv6 type { nd-redirect, 138, 139, 140 }"))
            .unwrap_or_else(|| panic!("{name}: no uplink ICMPv6 guard"));
        let user = lines
            .iter()
            .position(|l| l.contains("orion.infra:"))
            .unwrap_or(lines.len());
        assert!(guard < user, "{name}");
        // Drops are counted, and what the policy drops is logged at a bounded rate.
        assert!(
            lines
                .iter()
                .filter(|l| l.ends_with("drop") || l.contains(" drop comment"))
                .all(|l| l.contains("counter")),
            "{name}"
        );
        assert!(lines
            .iter()
            .any(|l| l.starts_with("limit rate 10/minute burst 5 packets log prefix")));
    }
    let input = chain(orion, "input");
    let ct = input
        .iter()
        .position(|l| l.starts_with("ct state established"))
        .unwrap_or(0);
    let ping = input
        .iter()
        .position(|l| l.starts_with("icmp type echo-request limit rate over"))
        .unwrap_or(usize::MAX);
    assert!(
        ping < ct,
        "echo requests are limited before conntrack accepts them"
    );
    assert!(input
        .iter()
        .any(|l| l.starts_with("tcp dport { 22, 9100 } ct state new add @management_rate_v4")));
    // The DHCP client takes only a server's replies, and BGP only from the peers on the
    // uplink.
    assert!(input
        .iter()
        .any(|l| l
            .starts_with("iifname \"ens18\" meta nfproto ipv4 udp sport 67 udp dport 68 accept")));
    assert!(input
        .iter()
        .any(|l| l.starts_with("iifname \"ens19\" meta nfproto ipv4 tcp dport 179 counter drop")));
}
