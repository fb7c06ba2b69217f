//! keepalived on a server: one VRRP instance holding the cluster's API address on the
//! server's interface while the API server on that machine answers.
//!
//! Keywords are those of `keepalived.conf(5)` as Debian's keepalived 2.2.7 documents it
//! (`/usr/share/man/man5/keepalived.conf.5.gz`). Every server runs the same instance with
//! a priority that falls with its position in `servers`, so the first healthy server
//! holds the address. Adverts go unicast to the other servers: multicast VRRP is often
//! filtered on virtual and cloud networks, and unicast names the peers explicitly.
//!
//! No `authentication` block: keepalived can only take the VRRP password inline
//! (`auth_pass`, first eight characters, cleartext on the wire), not from a secret file,
//! and the man page itself advises against it since RFC 3768 removed authentication from
//! VRRP. `check_unicast_src` is what keeps strangers' adverts out instead.

use crate::text::{comment, header, keepalived_word};
use infrac_model::kube::{self as cluster, NodeNet, API_PORT};
use infrac_model::{Cluster, MachineId, Model};
use std::fmt::Write;
use std::net::IpAddr;

/// Where keepalived reads its configuration on Debian and Ubuntu.
pub const INSTALL_PATH: &str = "/etc/keepalived/keepalived.conf";

/// k3s's TLS material on a server (`/var/lib/rancher/k3s/server/tls`, k3s's
/// `pkg/daemons/control/deps`): the cluster's server CA and the admin client pair.
const K3S_TLS: &str = "/var/lib/rancher/k3s/server/tls";

/// `keepalived/<server>/keepalived.conf`.
pub fn path(model: &Model, server: MachineId) -> String {
    infrac_model::layout::keepalived_conf(model.machine(server))
}

/// The VRRP priority of the server at `position` in `servers`: 150, 140, 130, … and at
/// least 1 (255 would mean the address's owner, which none of them is).
fn priority(position: usize) -> u32 {
    let step = u32::try_from(position)
        .unwrap_or(u32::MAX)
        .saturating_mul(10);
    150u32.saturating_sub(step).max(1)
}

/// The VRRP router ID: the API address's last byte, which differs between clusters whose
/// addresses share a link; 1 when that byte is 0 (IDs run from 1 to 255).
fn router_id(api: IpAddr) -> u8 {
    let last = match api {
        IpAddr::V4(a) => a.octets()[3],
        IpAddr::V6(a) => a.octets()[15],
    };
    last.max(1)
}

/// The health check: the API server's `/livez` on this machine. k3s runs kube-apiserver
/// with `anonymous-auth=false`, so the check presents k3s's admin client certificate
/// (readable by root only, hence `script_user root`).
fn check_command(curl: &str) -> String {
    format!(
        "{curl} --fail --silent --max-time 2 --cacert {K3S_TLS}/server-ca.crt \
         --cert {K3S_TLS}/client-admin.crt --key {K3S_TLS}/client-admin.key \
         https://127.0.0.1:{API_PORT}/livez"
    )
}

/// keepalived's configuration for one server of a cluster whose `api` address keepalived
/// holds (`vip = keepalived`), for any OS: the k3s target writes it for servers that are
/// not NixOS, and a NixOS configuration can carry the same text.
///
/// It needs the cluster's `api` address, a NIC of `server` on the cluster's network (see
/// [`cluster::cluster_network`]) and the servers' static addresses there in the address's
/// family; the k3s target reports E1202 before it gets here when one is missing. Should
/// the server itself lack what it needs, the file says why in a comment and configures no
/// instance; a peer without an address is left out, with a comment.
pub fn keepalived_conf(model: &Model, cluster: &Cluster, server: MachineId) -> String {
    let machine = model.machine(server);
    let mut out = String::new();
    let network = cluster::cluster_network(model, cluster);
    let api = cluster.api.map(|a| a.value);
    let own = network.and_then(|n| cluster::node_net(model, n, server));
    let position = cluster.servers.iter().position(|s| s.value == server);
    let about = match (api, &own) {
        (Some(api), Some(own)) => format!(
            "keepalived configuration of {}, server of cluster {}: holds the Kubernetes \
                 API address {api} on {} while the API server on this machine answers. \
                 Install as {INSTALL_PATH}.",
            machine.name, cluster.name, own.interface
        ),
        _ => format!(
            "keepalived configuration of {}, server of cluster {}.",
            machine.name, cluster.name
        ),
    };
    out.push_str(&header(&[about], &model.source));
    let (Some(api), Some(own), Some(position)) = (api, own, position) else {
        let why = if api.is_none() {
            format!(
                "Cluster {} declares no `api` address to hold.",
                cluster.name
            )
        } else if position.is_none() {
            format!(
                "{} is not a server of cluster {}.",
                machine.name, cluster.name
            )
        } else {
            format!(
                "{} has no NIC on the network of cluster {}; nothing to hold.",
                machine.name, cluster.name
            )
        };
        out.push_str(&comment(&[why]));
        return out;
    };
    let ipv6 = api.is_ipv6();
    let script = format!("k3s_api_{}", keepalived_word(&cluster.name));
    let interface = keepalived_word(&own.interface);

    out.push('\n');
    out.push_str("global_defs {\n");
    let _ = writeln!(out, "    router_id {}", keepalived_word(&machine.name));
    // Scripts run as root only when no part of their path is writable by other users.
    out.push_str("    enable_script_security\n");
    out.push_str("    script_user root\n");
    out.push_str("}\n\n");

    let _ = writeln!(out, "vrrp_script {script} {{");
    // NixOS has no /usr/bin/curl; its keepalived service puts curl on the PATH, and
    // /usr/bin/env exists there as everywhere.
    let curl =
        if infrac_model::roles::os_family(model, server) == Some(infrac_model::OsFamily::Nixos) {
            "/usr/bin/env curl"
        } else {
            "/usr/bin/curl"
        };
    let _ = writeln!(out, "    script \"{}\"", check_command(curl));
    out.push_str("    interval 2\n");
    out.push_str("    timeout 3\n");
    out.push_str("    rise 2\n");
    out.push_str("    fall 2\n");
    out.push_str("}\n\n");

    let _ = writeln!(out, "vrrp_instance {script} {{");
    // Every server starts as a backup; the priorities elect the first healthy one.
    out.push_str("    state BACKUP\n");
    let _ = writeln!(out, "    interface {interface}");
    let _ = writeln!(out, "    virtual_router_id {}", router_id(api));
    let _ = writeln!(out, "    priority {}", priority(position));
    out.push_str("    advert_int 1\n");
    let peers = peers(model, cluster, server, ipv6);
    let source = own.address(ipv6);
    if let (Some(source), false) = (source, peers.is_empty()) {
        let _ = writeln!(out, "    unicast_src_ip {source}");
        out.push_str("    check_unicast_src\n");
        out.push_str("    unicast_peer {\n");
        for peer in &peers {
            match peer {
                Peer::Address(address) => {
                    let _ = writeln!(out, "        {address}");
                }
                Peer::Missing(name) => {
                    let family = if ipv6 { "IPv6" } else { "IPv4" };
                    let why =
                        format!("{name}: no static {family} address on the cluster's network");
                    for line in comment(&[why]).lines() {
                        let _ = writeln!(out, "        {line}");
                    }
                }
            }
        }
        out.push_str("    }\n");
    }
    out.push_str("    virtual_ipaddress {\n");
    let bits = if ipv6 { 128 } else { 32 };
    let _ = writeln!(out, "        {api}/{bits} dev {interface}");
    out.push_str("    }\n");
    out.push_str("    track_script {\n");
    let _ = writeln!(out, "        {script}");
    out.push_str("    }\n");
    out.push_str("}\n");
    out
}

enum Peer {
    Address(IpAddr),
    Missing(String),
}

/// The other servers' addresses of the API's family on the cluster's network.
fn peers(model: &Model, cluster: &Cluster, server: MachineId, ipv6: bool) -> Vec<Peer> {
    let Some(network) = cluster::cluster_network(model, cluster) else {
        return Vec::new();
    };
    cluster
        .servers
        .iter()
        .filter(|s| s.value != server)
        .map(|s| {
            match cluster::node_net(model, network, s.value)
                .as_ref()
                .and_then(|n: &NodeNet| n.address(ipv6))
            {
                Some(address) => Peer::Address(address),
                None => Peer::Missing(model.machine(s.value).name.clone()),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{Ipv4Addr, Ipv6Addr};

    #[test]
    fn priorities_fall_with_position_and_stay_valid() {
        assert_eq!(priority(0), 150);
        assert_eq!(priority(1), 140);
        assert_eq!(priority(14), 10);
        assert_eq!(priority(15), 1);
        assert_eq!(priority(usize::MAX), 1);
    }

    #[test]
    fn router_ids_come_from_the_address() {
        assert_eq!(router_id(IpAddr::V4(Ipv4Addr::new(192, 168, 50, 99))), 99);
        assert_eq!(router_id(IpAddr::V4(Ipv4Addr::new(10, 0, 1, 0))), 1);
        assert_eq!(
            router_id(IpAddr::V6(Ipv6Addr::new(0xfd00, 0, 0, 0, 0, 0, 0, 0x1ff))),
            255
        );
    }
}
