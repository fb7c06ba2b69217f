//! Paths of generated files that one target writes and another reads (the NixOS
//! configuration imports the BIRD configuration and the nftables ruleset). Both sides
//! call these functions, so a rename cannot leave a dangling reference.

use crate::Machine;

/// A name usable as one path segment: characters other than ASCII letters, digits, `.`,
/// `_` and `-` become `_`, and a name of dots only (`.`, `..`) or an empty one gets a
/// leading `_`.
pub fn segment(name: &str) -> String {
    let segment: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if segment.is_empty() || segment.chars().all(|c| c == '.') {
        format!("_{segment}")
    } else {
        segment
    }
}

/// `bird/<machine>/bird.conf`.
pub fn bird_conf(machine: &Machine) -> String {
    format!("bird/{}/bird.conf", segment(&machine.name))
}

/// `nftables/<machine>.nft`.
pub fn nftables_ruleset(machine: &Machine) -> String {
    format!("nftables/{}.nft", segment(&machine.name))
}

/// `compose/<machine>/<stack>/compose.yaml`.
pub fn compose_file(machine: &Machine, stack: &crate::Stack) -> String {
    format!("{}/compose.yaml", compose_folder(machine, stack))
}

/// `compose/<machine>/<stack>/.env`: the variables `compose.yaml` interpolates.
pub fn compose_env(machine: &Machine, stack: &crate::Stack) -> String {
    format!("{}/.env", compose_folder(machine, stack))
}

fn compose_folder(machine: &Machine, stack: &crate::Stack) -> String {
    format!(
        "compose/{}/{}",
        segment(&machine.name),
        segment(&stack.name)
    )
}

/// `caddy/<machine>/Caddyfile`: the sites of the reverse proxies Caddy runs there.
pub fn caddyfile(machine: &Machine) -> String {
    format!("caddy/{}/Caddyfile", segment(&machine.name))
}

/// `nixos/<machine>/configuration.nix`.
pub fn nixos_configuration(machine: &Machine) -> String {
    format!("nixos/{}/configuration.nix", segment(&machine.name))
}

/// The path from a machine's NixOS configuration folder to another generated file.
pub fn from_nixos(path: &str) -> String {
    format!("../../{path}")
}

/// Where a machine reads a secret at run time: `/run/secrets/<name>`, put there by the
/// operator's secret manager (sops-nix, agenix, a provisioning script). Generated files
/// name this path and never contain the value.
pub fn secret_file(secret: &crate::SecretRef) -> String {
    format!("/run/secrets/{}", segment(&secret.0))
}

/// `k3s/<cluster>/<node>/kube-vip.yaml`: the kube-vip static pod of a server.
pub fn kube_vip_manifest(cluster: &crate::Cluster, machine: &Machine) -> String {
    format!(
        "k3s/{}/{}/kube-vip.yaml",
        segment(&cluster.name),
        segment(&machine.name)
    )
}

/// `keepalived/<machine>/keepalived.conf`.
pub fn keepalived_conf(machine: &Machine) -> String {
    format!("keepalived/{}/keepalived.conf", segment(&machine.name))
}

/// `wireguard/<machine>/<interface>.conf`.
pub fn wireguard_conf(machine: &Machine, interface: &str) -> String {
    format!(
        "wireguard/{}/{}.conf",
        segment(&machine.name),
        segment(interface)
    )
}
