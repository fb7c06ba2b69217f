//! Where a Kubernetes cluster lives on the lab's networks: the network its nodes share,
//! each node's interface and static addresses there, and the address of its API. The k3s
//! target (nodes that are not NixOS, and every server's API address holder) and the NixOS
//! target read these facts from here, so they cannot disagree.

use crate::{interfaces, Cluster, MachineId, Model, NetworkId};
use ipnet::IpNet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The port of the Kubernetes API (and of the k3s supervisor, which shares it).
pub const API_PORT: u16 = 6443;

/// A node's attachment to the cluster's network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeNet {
    /// The interface name inside the node (`eno1`, `ens18`).
    pub interface: String,
    pub ipv4: Option<Ipv4Addr>,
    pub ipv6: Option<Ipv6Addr>,
}

impl NodeNet {
    /// The node's static addresses, IPv4 first.
    pub fn addresses(&self) -> Vec<IpAddr> {
        let v4 = self.ipv4.map(IpAddr::V4);
        let v6 = self.ipv6.map(IpAddr::V6);
        v4.into_iter().chain(v6).collect()
    }

    /// The node's static address of one family.
    pub fn address(&self, ipv6: bool) -> Option<IpAddr> {
        if ipv6 {
            self.ipv6.map(IpAddr::V6)
        } else {
            self.ipv4.map(IpAddr::V4)
        }
    }
}

/// The network a cluster runs on.
///
/// With an `api` address, the network holding it among the first server's (the model
/// checks, E0419, make every server be on it: the servers announce the address on that
/// link). Otherwise the first of the first server's networks that every node is on,
/// preferring a physical network to an uplink and both to an overlay, since flannel's
/// VXLAN inside a VPN tunnel is a last resort. When the nodes share no network, the first
/// server's first physical network, so that the nodes off it can be named.
pub fn cluster_network(model: &Model, cluster: &Cluster) -> Option<NetworkId> {
    let first = model.machine(cluster.servers.first()?.value);
    let mut candidates: Vec<NetworkId> = Vec::new();
    for (_, _, network) in first.attached() {
        if !candidates.contains(&network) {
            candidates.push(network);
        }
    }
    if let Some(api) = cluster.api {
        if let Some(network) = candidates
            .iter()
            .copied()
            .find(|n| holds(model, *n, api.value))
        {
            return Some(network);
        }
    }
    let shared = |n: NetworkId| {
        cluster
            .nodes()
            .all(|(node, _)| model.machine(node).attached().any(|(_, _, m)| m == n))
    };
    let overlay = |n: NetworkId| model.network(n).overlay.is_some();
    let uplink = |n: NetworkId| model.network(n).uplink;
    let pick = |accept: &dyn Fn(NetworkId) -> bool| candidates.iter().copied().find(|n| accept(*n));
    pick(&|n| shared(n) && !overlay(n) && !uplink(n))
        .or_else(|| pick(&|n| shared(n) && !overlay(n)))
        .or_else(|| pick(&|n| shared(n)))
        .or_else(|| pick(&|n| !overlay(n) && !uplink(n)))
        .or_else(|| candidates.first().copied())
}

/// Whether a network's prefix of the address's family holds the address.
fn holds(model: &Model, network: NetworkId, address: IpAddr) -> bool {
    let network = model.network(network);
    let prefix = match address {
        IpAddr::V4(_) => network.ipv4.map(|p| IpNet::V4(p.value)),
        IpAddr::V6(_) => network.ipv6.map(|p| IpNet::V6(p.value)),
    };
    prefix.is_some_and(|p| p.contains(&address))
}

/// A machine's first NIC on a network, with its interface name and static addresses.
pub fn node_net(model: &Model, network: NetworkId, machine: MachineId) -> Option<NodeNet> {
    let m = model.machine(machine);
    let (index, nic, _) = m.attached().find(|(_, _, n)| *n == network)?;
    Some(NodeNet {
        interface: interfaces::interface_name(model, m, index),
        ipv4: nic.ip.map(|ip| ip.value),
        ipv6: nic.ip6.map(|ip| ip.value),
    })
}

/// The address every node reaches the Kubernetes API at: the cluster's `api` address, or
/// the first server's static address on the cluster's network (IPv4 when it has one).
pub fn api_address(model: &Model, cluster: &Cluster, network: NetworkId) -> Option<IpAddr> {
    if let Some(api) = cluster.api {
        return Some(api.value);
    }
    let first = cluster.servers.first()?.value;
    node_net(model, network, first)?
        .addresses()
        .first()
        .copied()
}

/// An address as the host part of a URL: IPv6 in brackets.
pub fn url_host(address: IpAddr) -> String {
    match address {
        IpAddr::V4(a) => a.to_string(),
        IpAddr::V6(a) => format!("[{a}]"),
    }
}
