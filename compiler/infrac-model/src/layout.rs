//! Paths of generated files that one target writes and another reads (the NixOS
//! configuration imports the BIRD configuration and the nftables ruleset). Both sides
//! call these functions, so a rename cannot leave a dangling reference.

use crate::Machine;

/// A name usable as one path segment: characters other than ASCII letters, digits, `.`,
/// `_` and `-` become `_`, and a name of dots only (`.`, `..`) or an empty one gets a
/// leading `_`.
pub fn segment(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 1);
    push_segment(&mut out, name);
    out
}

/// Appends [`segment`] of `name` to `out`. Most names are segments as they stand and are
/// copied whole: every guest of a large lab names a file or two.
pub fn push_segment(out: &mut String, name: &str) {
    let kept = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-');
    let dots_only = |text: &str| text.bytes().all(|b| b == b'.');
    if name.bytes().all(kept) && !dots_only(name) {
        out.push_str(name);
        return;
    }
    let start = out.len();
    out.extend(name.chars().map(|c| {
        if c.is_ascii() && kept(c as u8) {
            c
        } else {
            '_'
        }
    }));
    if dots_only(&out[start..]) {
        out.insert(start, '_');
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

#[cfg(test)]
mod tests {
    use super::{push_segment, segment};

    /// The rule as first written, character by character, for comparison.
    fn segment_by_chars(name: &str) -> String {
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

    #[test]
    fn plain_names_are_kept_and_the_rest_replaced() {
        for name in [
            "", ".", "..", "...", "a", "g0-0", "web.lan", "_x", "-rf", ".hidden", "a b", "a/b",
            "../etc", "é", "naïve", "日本", "🦀", "a\0b", "a\nb", "a\\b", "x..y", ". .", "ABC_09",
        ] {
            assert_eq!(segment(name), segment_by_chars(name), "{name:?}");
            let mut out = String::from("p/");
            push_segment(&mut out, name);
            assert_eq!(out, format!("p/{}", segment_by_chars(name)), "{name:?}");
        }
    }
}
