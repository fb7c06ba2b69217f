//! The wg-quick files of the labs with WireGuard members: snapshots, the real validator,
//! and the hub-and-spoke peer rules.

use infrac_target_wireguard::WireguardTarget;
use infrac_testkit::{emit, file, load, validate, write_all};

/// Labs with WireGuard members that run wg-quick.
const LABS: [&str; 3] = [
    "examples/two-sites.infra",
    "tests/fixtures/build/cloudinit-debian-bastion.infra",
    "tests/fixtures/build/proxmox-host-addresses.infra",
];

#[test]
fn snapshots() {
    for lab in LABS {
        let name = std::path::Path::new(lab)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        for artifact in emit(&WireguardTarget, &load(lab)) {
            let path = artifact.path.to_string_lossy().replace('/', "__");
            insta::assert_snapshot!(format!("{name}@{path}"), artifact.contents);
        }
    }
}

#[test]
fn every_file_passes_the_validator() {
    let scratch = tempfile::tempdir().expect("scratch folder");
    let mut files = Vec::new();
    for (index, lab) in LABS.iter().enumerate() {
        let dir = scratch.path().join(index.to_string());
        files.extend(write_all(&dir, &emit(&WireguardTarget, &load(lab))));
    }
    assert!(files.len() >= 3, "{files:?}");
    validate("wireguard.sh", &files);
}

#[test]
fn members_behind_nat_reach_the_overlay_through_the_hub() {
    let artifacts = emit(&WireguardTarget, &load("examples/two-sites.infra"));
    let spoke = file(&artifacts, "wireguard/pve/wg-wg.conf");
    // A spoke lists only the hub, with the whole overlay behind it, and keeps the tunnel up.
    assert_eq!(spoke.matches("[Peer]").count(), 1, "{spoke}");
    assert!(spoke.contains("AllowedIPs = 10.99.0.0/24\n"), "{spoke}");
    assert!(spoke.contains("PersistentKeepalive = 25\n"), "{spoke}");
    let hub = file(&artifacts, "wireguard/bastion/wg-wg.conf");
    // The hub lists every other member by its own address and dials none of them.
    assert_eq!(hub.matches("[Peer]").count(), 2, "{hub}");
    assert!(hub.contains("AllowedIPs = 10.99.0.2/32\n"), "{hub}");
    assert!(hub.contains("AllowedIPs = 10.99.0.3/32\n"), "{hub}");
    assert!(!hub.contains("PersistentKeepalive"), "{hub}");
    assert!(hub.contains("ListenPort = 51820\n"), "{hub}");
}

#[test]
fn private_keys_stay_in_the_secret_store() {
    for lab in LABS {
        for artifact in emit(&WireguardTarget, &load(lab)) {
            assert!(
                !artifact.contents.contains("PrivateKey"),
                "{}",
                artifact.path.display()
            );
            assert!(
                artifact
                    .contents
                    .contains("PostUp = wg set %i private-key /run/secrets/"),
                "{}",
                artifact.path.display()
            );
        }
    }
}

#[test]
fn nixos_and_openwrt_members_get_no_wg_quick_file() {
    let artifacts = emit(
        &WireguardTarget,
        &load("tests/fixtures/build/nixos-overlays.infra"),
    );
    assert!(
        artifacts.is_empty(),
        "{:?}",
        artifacts.iter().map(|a| &a.path).collect::<Vec<_>>()
    );
}

#[test]
fn every_file_names_its_lab() {
    for lab in LABS {
        let model = load(lab);
        let artifacts = emit(&WireguardTarget, &model);
        infrac_testkit::assert_generated_headers(&artifacts, &model.source, 2);
    }
}
