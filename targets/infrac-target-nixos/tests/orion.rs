//! The NixOS target on the ORION example: every `configuration.nix` as a snapshot, and
//! the properties the issue asks for checked directly.

mod common;

use common::{analyse, emit, file};

#[test]
fn orion_nixos_files() {
    let artifacts = emit(&analyse("examples/orion.infra"));
    let paths: Vec<String> = artifacts
        .iter()
        .map(|a| a.path.display().to_string())
        .collect();
    assert_eq!(
        paths,
        [
            "nixos/router/configuration.nix",
            "nixos/ai-coordinator/configuration.nix",
            "nixos/netbox/configuration.nix",
            "nixos/k3s-master/configuration.nix",
            "nixos/k3s-worker-1/configuration.nix",
            "nixos/k3s-worker-2/configuration.nix",
            "nixos/k3s-worker-3/configuration.nix",
        ],
        "every NixOS guest and nothing else (not the macOS VM, not the containers)"
    );
    for artifact in &artifacts {
        let path = artifact.path.to_string_lossy().replace('/', "__");
        insta::assert_snapshot!(format!("orion__{path}"), artifact.contents);
    }
}

#[test]
fn the_router_serves_its_networks() {
    let artifacts = emit(&analyse("examples/orion.infra"));
    let router = file(&artifacts, "nixos/router/configuration.nix");
    for text in [
        "networking.hostName = \"router\";",
        "networking.domain = \"orion.home.arpa\";",
        "networking.nftables.enable = true;",
        "useDHCP = true;",
        "\"net.ipv4.ip_forward\" = 1;",
        "services.unbound = {",
        "services.kea.dhcp4 = {",
        "pool = \"192.168.100.100 - 192.168.100.200\";",
        "pool = \"192.168.200.100 - 192.168.200.200\";",
        // NixOS 26.05 has `services.bird`, and BIRD 3 as its default package.
        "services.bird = {",
        "package = pkgs.bird2;",
        "config = builtins.readFile ../../bird/router/bird.conf;",
        "networking.nftables.ruleset = builtins.readFile ../../nftables/router.nft;",
        "services.prometheus.exporters.node = {",
        "networking.nftables.flushRuleset = false;",
        "enable = false; # the zone firewall below filters instead",
        "system.stateVersion = \"26.05\";",
    ] {
        assert!(router.contains(text), "missing {text}:\n{router}");
    }
    // The WAN comes from DHCP and every inside network's gateway is the router itself.
    assert!(!router.contains("networking.defaultGateway ="), "{router}");
    // mgmt has no DHCP range: Kea must not serve it.
    assert!(!router.contains("192.168.1.0/24\""), "{router}");
}

#[test]
fn cluster_nodes_join_with_the_token_file() {
    let artifacts = emit(&analyse("examples/orion.infra"));
    let master = file(&artifacts, "nixos/k3s-master/configuration.nix");
    assert!(master.contains("role = \"server\";"));
    assert!(master
        .contains("extraFlags = \"--cluster-cidr=10.42.0.0/16 --service-cidr=10.43.0.0/16\";"));
    assert!(
        !master.contains("serverAddr"),
        "the only server starts the cluster"
    );
    for worker in 1..=3 {
        let text = file(
            &artifacts,
            &format!("nixos/k3s-worker-{worker}/configuration.nix"),
        );
        assert!(text.contains("role = \"agent\";"));
        assert!(text.contains("tokenFile = \"/run/secrets/k3s-token\";"));
        assert!(text.contains("serverAddr = \"https://192.168.100.60:6443\";"));
        assert!(text.contains(
            "networking.defaultGateway = { address = \"192.168.100.1\"; interface = \"ens18\"; };"
        ));
        assert!(text.contains("30080 # NodePort of Grafana (monitoring)"));
    }
}

#[test]
fn every_file_names_its_source_and_says_it_is_generated() {
    infrac_testkit::assert_generated_headers(
        &emit(&analyse("examples/orion.infra")),
        // Relative to the lab's folder, whatever the working directory.
        "orion.infra",
        2,
    );
}

#[test]
fn output_is_deterministic() {
    let first = emit(&analyse("examples/orion.infra"));
    let second = emit(&analyse("examples/orion.infra"));
    assert_eq!(first, second);
}
