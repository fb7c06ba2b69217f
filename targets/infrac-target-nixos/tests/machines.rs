//! NixOS on machines that are not Proxmox guests: a bare-metal router whose roles drive
//! its services, bare-metal cluster nodes behind an API address, and overlay members.

mod common;

use common::{analyse, emit, file};

#[test]
fn a_bare_metal_router_gets_its_roles_and_nothing_of_proxmox() {
    let artifacts = emit(&analyse(
        "tests/fixtures/build/nixos-baremetal-router.infra",
    ));
    let paths: Vec<String> = artifacts
        .iter()
        .map(|a| a.path.display().to_string())
        .collect();
    assert_eq!(paths, ["nixos/edge/configuration.nix"]);
    let edge = file(&artifacts, "nixos/edge/configuration.nix");
    for text in [
        "../../../hardware-configuration.nix # /etc/nixos/hardware-configuration.nix",
        "boot.loader.systemd-boot.enable = true;",
        "enp1s0 = {\n      useDHCP = true;",
        "enp2s0 = {",
        "networking.nftables.ruleset = builtins.readFile ../../nftables/edge.nft;",
        "config = builtins.readFile ../../bird/edge/bird.conf;",
        "interfaces-config.interfaces = [ \"enp2s0\" \"enp3s0\" ];",
        "hw-address = \"00:11:22:33:44:55\";",
        "{ hw-address = \"00:11:22:33:44:66\"; ip-address = \"192.168.30.120\"; hostname = \"nas\"; }",
        "\"192.168.30.0/24 allow\"",
        "\"\\\"nas.home.arpa. A 192.168.30.120\\\"\"",
        "\"net.ipv4.ip_forward\" = 1;",
    ] {
        assert!(edge.contains(text), "missing {text}:\n{edge}");
    }
    for absent in ["qemu", "proxmox", "ens18", "192.168.99.0/24 allow"] {
        assert!(!edge.contains(absent), "{absent} in:\n{edge}");
    }
}

#[test]
fn cluster_nodes_join_through_the_api_address() {
    let artifacts = emit(&analyse("tests/fixtures/build/nixos-baremetal-k3s.infra"));
    let flags = "extraFlags = \"--cluster-cidr=10.42.0.0/16 --service-cidr=10.43.0.0/16 \
                 --tls-san=192.168.60.99\";";
    let first = file(&artifacts, "nixos/cp-1/configuration.nix");
    assert!(first.contains("clusterInit = true;"), "{first}");
    assert!(!first.contains("serverAddr"), "{first}");
    assert!(first.contains(flags), "{first}");
    let second = file(&artifacts, "nixos/cp-2/configuration.nix");
    assert!(second.contains(flags), "{second}");
    for node in ["cp-2", "worker-1"] {
        let text = file(&artifacts, &format!("nixos/{node}/configuration.nix"));
        assert!(
            text.contains("serverAddr = \"https://192.168.60.99:6443\";"),
            "{text}"
        );
        assert!(text.contains("tokenFile = \"/run/secrets/k3s-token\";"));
        assert!(text.contains("10250 # kubelet"), "{text}");
    }
    // The VM keeps its Proxmox integration; the bare-metal nodes have none.
    let worker = file(&artifacts, "nixos/worker-1/configuration.nix");
    assert!(worker.contains("services.qemuGuest.enable = true;"));
    assert!(!first.contains("qemuGuest"));
}

#[test]
fn overlay_members_get_their_daemons_peers_and_key_files() {
    let artifacts = emit(&analyse("tests/fixtures/build/nixos-overlays.infra"));
    let bastion = file(&artifacts, "nixos/bastion/configuration.nix");
    let home = file(&artifacts, "nixos/homeserver/configuration.nix");
    for text in [
        "privateKeyFile = \"/run/secrets/wg-bastion\";",
        "publicKey = \"TrMvSoP4jYQlY6RIzBgbssQqY3vxI2Pi+y71lOWWXX0=\";",
        "51820 # wireguard",
    ] {
        assert!(bastion.contains(text), "missing {text}:\n{bastion}");
    }
    for text in [
        "privateKeyFile = \"/run/secrets/wg-homeserver\";",
        "endpoint = \"bastion.cloud.example.net:51820\";",
        "persistentKeepalive = 25;",
        "services.tailscale = {",
        "authKeyFile = \"/run/secrets/tailscale-tailnet-auth-key\";",
    ] {
        assert!(home.contains(text), "missing {text}:\n{home}");
    }
    for text in [bastion, home] {
        // Overlay interfaces get firewall openings, never addresses of their own.
        assert!(!text.contains("tailscale0 = { ipv"), "{text}");
        assert!(!text.contains("wg-wg = { ipv4"), "{text}");
    }
}
