//! Proxmox VE clusters: nodes joined by corosync, an optional QDevice, and the facts the
//! checks and the Proxmox target both need (which cluster a node is in, each node's
//! address on each corosync link, the QDevice's address and algorithm).

use crate::{MachineId, Model, NetworkId, Span, Spanned};
use serde::Serialize;
use std::net::IpAddr;

/// The most corosync links Proxmox configures: link numbers 0 to 7 (pve-cluster
/// `PVE::Corosync`, `MAX_LINK_INDEX => 7`).
pub const MAX_LINKS: usize = 8;

/// The longest cluster name Proxmox accepts (pve-cluster `API2/ClusterConfig.pm`:
/// `clustername`, format `pve-node`, `maxLength => 15`).
pub const MAX_CLUSTER_NAME: usize = 15;

/// A Proxmox VE cluster (`proxmox NAME { nodes = [...], links = [...] }`).
#[derive(Debug, Clone, Serialize)]
pub struct PveCluster {
    pub name: String,
    pub doc: Option<String>,
    /// The member nodes, in node-ID order (the first is node 1, which creates the cluster).
    pub nodes: Vec<Spanned<MachineId>>,
    /// The networks corosync runs on: link 0, link 1, … Each node has an address on each.
    pub links: Vec<Spanned<NetworkId>>,
    /// The machine that runs `corosync-qnetd` as the cluster's external vote.
    pub qdevice: Option<Spanned<MachineId>>,
    /// HA rules: guests the HA manager restarts on another node when theirs fails.
    pub ha: Vec<HaRule>,
    /// The network live migrations use (`datacenter.cfg` `migration: secure,network=…`);
    /// `None`: the cluster's default, its first link.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub migration: Option<Spanned<NetworkId>>,
    /// Ceph on the nodes, when the cluster runs it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ceph: Option<crate::ceph::Ceph>,
    #[serde(skip)]
    pub span: Span,
}

/// The bond modes ifupdown2 accepts by name (ifupdown2 3.0.0, `addons/bond.py`,
/// `bond-mode` `validvals`, which also take each by its number 0 to 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum BondMode {
    #[serde(rename = "balance-rr")]
    BalanceRr,
    #[serde(rename = "active-backup")]
    ActiveBackup,
    #[serde(rename = "balance-xor")]
    BalanceXor,
    #[serde(rename = "broadcast")]
    Broadcast,
    /// IEEE 802.3ad link aggregation (LACP).
    #[serde(rename = "802.3ad")]
    Lacp,
    #[serde(rename = "balance-tlb")]
    BalanceTlb,
    #[serde(rename = "balance-alb")]
    BalanceAlb,
}

impl BondMode {
    /// Every mode, in ifupdown2's numbering (0 to 6).
    pub const ALL: [BondMode; 7] = [
        BondMode::BalanceRr,
        BondMode::ActiveBackup,
        BondMode::BalanceXor,
        BondMode::Broadcast,
        BondMode::Lacp,
        BondMode::BalanceTlb,
        BondMode::BalanceAlb,
    ];

    /// The name ifupdown2's `bond-mode` takes.
    pub const fn as_str(self) -> &'static str {
        match self {
            BondMode::BalanceRr => "balance-rr",
            BondMode::ActiveBackup => "active-backup",
            BondMode::BalanceXor => "balance-xor",
            BondMode::Broadcast => "broadcast",
            BondMode::Lacp => "802.3ad",
            BondMode::BalanceTlb => "balance-tlb",
            BondMode::BalanceAlb => "balance-alb",
        }
    }

    /// The mode named `name`.
    pub fn parse(name: &str) -> Option<BondMode> {
        BondMode::ALL.into_iter().find(|m| m.as_str() == name)
    }
}

impl std::fmt::Display for BondMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The names of [`BondMode::ALL`], the words the `mode` attribute accepts.
pub const BOND_MODES: [&str; 7] = {
    let mut names = [""; 7];
    let mut i = 0;
    while i < 7 {
        names[i] = BondMode::ALL[i].as_str();
        i += 1;
    }
    names
};

/// A bond of a Proxmox node's ports (`bond bond0 { ports = [eno1, eno2], mode = "802.3ad" }`),
/// which a bridge may take as its port.
#[derive(Debug, Clone, Serialize)]
pub struct Bond {
    pub name: String,
    pub ports: Vec<Spanned<String>>,
    pub mode: BondMode,
    #[serde(skip)]
    pub span: Span,
}

/// An HA rule (`ha NAME { guests, nodes, strict, apart }`): its guests become HA
/// resources; `nodes` makes a node-affinity rule, `apart` a negative resource-affinity
/// rule (pve-ha-manager's rules, Proxmox VE 9).
#[derive(Debug, Clone, Serialize)]
pub struct HaRule {
    pub name: String,
    pub guests: Vec<Spanned<MachineId>>,
    /// The nodes the guests prefer; empty: any node of the cluster.
    pub nodes: Vec<Spanned<MachineId>>,
    /// Whether the guests may run only on `nodes` (a strict node-affinity rule).
    pub strict: bool,
    /// Whether the guests keep to separate nodes.
    pub apart: bool,
    #[serde(skip)]
    pub span: Span,
}

/// The QDevice algorithm `pvecm qdevice setup` chooses: `ffsplit` (one vote) for an even
/// number of nodes; for an odd number it refuses without `--force` and then uses `lms`
/// (pve-cluster `CLI/pvecm.pm`: "Clusters with an odd node count are not officially
/// supported!").
pub fn qdevice_algorithm(cluster: &PveCluster) -> &'static str {
    if cluster.nodes.len() % 2 == 1 {
        "lms"
    } else {
        "ffsplit"
    }
}

/// The Proxmox cluster a machine is a node of, with its index.
pub fn pve_cluster_of(model: &Model, machine: MachineId) -> Option<(usize, &PveCluster)> {
    model
        .pve_clusters
        .iter()
        .enumerate()
        .find(|(_, c)| c.nodes.iter().any(|n| n.value == machine))
}

/// A machine's address on a network (IPv4 first, as corosync links are usually IPv4), or
/// `None` when it has none there.
pub fn address_on(model: &Model, machine: MachineId, network: NetworkId) -> Option<IpAddr> {
    let addresses = model.machine(machine).addresses();
    let on: Vec<IpAddr> = addresses
        .iter()
        .filter(|(n, _)| *n == network)
        .map(|(_, a)| a.value)
        .collect();
    on.iter()
        .find(|a| a.is_ipv4())
        .or_else(|| on.first())
        .copied()
}

/// Each link's address of a node, in link order; `None` where the node has no address on
/// that link's network (a check reports it).
pub fn link_addresses(model: &Model, cluster: &PveCluster, node: MachineId) -> Vec<Option<IpAddr>> {
    cluster
        .links
        .iter()
        .map(|link| address_on(model, node, link.value))
        .collect()
}

/// The address the nodes reach the QDevice at: its address on the first link network it
/// has one on, else its first address of all.
pub fn qdevice_address(model: &Model, cluster: &PveCluster) -> Option<IpAddr> {
    let qdevice = cluster.qdevice?.value;
    cluster
        .links
        .iter()
        .find_map(|link| address_on(model, qdevice, link.value))
        .or_else(|| {
            model
                .machine(qdevice)
                .addresses()
                .first()
                .map(|(_, a)| a.value)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bond_modes_round_trip_by_name() {
        for (mode, name) in BondMode::ALL.into_iter().zip(BOND_MODES) {
            assert_eq!(mode.as_str(), name);
            assert_eq!(BondMode::parse(name), Some(mode));
        }
        assert_eq!(BondMode::parse("lacp"), None);
    }
}
