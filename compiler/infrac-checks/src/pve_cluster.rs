//! Proxmox VE clusters: what `proxmox NAME { nodes, links, qdevice }` must be for
//! `pvecm` to build it and corosync to keep quorum.
//!
//! - E0500: a node that is not a Proxmox host.
//! - E0501: a machine that is a node of two clusters, or listed twice.
//! - E0502: a node without an address on a link's network.
//! - E0503: a cluster name Proxmox does not accept.
//! - E0504: no links, more than eight, or one network twice.
//! - E0505: a QDevice that is a node of the cluster, or that has no address.
//! - W0500: two nodes without a QDevice.
//! - W0501: every corosync link shares its network with storage traffic.
//! - W0502: a QDevice on an odd number of nodes.

use infrac_diagnostics::{Code, Diagnostic};
use infrac_model::pve::{address_on, PveCluster, MAX_CLUSTER_NAME, MAX_LINKS};
use infrac_model::{MachineId, Model, NetworkId, Platform, StorageKind};
use std::collections::HashMap;

/// Runs the cluster checks.
pub fn check(model: &Model) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut member_of: HashMap<MachineId, &PveCluster> = HashMap::new();
    for cluster in &model.pve_clusters {
        name(cluster, &mut out);
        links(model, cluster, &mut out);
        for (position, node) in cluster.nodes.iter().enumerate() {
            let machine = model.machine(node.value);
            if machine.platform != Platform::Proxmox {
                out.push(
                    Diagnostic::error(
                        Code::PVE_NODE_PLATFORM,
                        format!(
                            "`{}` cannot be a node of Proxmox cluster `{}`",
                            machine.name, cluster.name
                        ),
                        node.span,
                        "not a Proxmox host",
                    )
                    .with_label(
                        machine.name_span,
                        format!("platform `{}`", machine.platform.as_str()),
                    )
                    .with_help("list only hosts with `platform = proxmox` (the default) as nodes"),
                );
                continue;
            }
            if let Some(other) = member_of.insert(node.value, cluster) {
                let again = std::ptr::eq(other, cluster);
                out.push(
                    Diagnostic::error(
                        Code::PVE_NODE_TWICE,
                        if again {
                            format!(
                                "`{}` is listed twice in cluster `{}`",
                                machine.name, cluster.name
                            )
                        } else {
                            format!(
                                "`{}` is a node of clusters `{}` and `{}`",
                                machine.name, other.name, cluster.name
                            )
                        },
                        node.span,
                        "a node joins one cluster once",
                    )
                    .with_label(other.span, format!("cluster `{}`", other.name))
                    .with_help(format!(
                        "remove `{}` from the `nodes` of one of them",
                        machine.name
                    )),
                );
                continue;
            }
            for (number, link) in cluster.links.iter().enumerate() {
                if address_on(model, node.value, link.value).is_none() {
                    let network = model.network(link.value);
                    out.push(
                        Diagnostic::error(
                            Code::PVE_LINK_ADDRESS,
                            format!(
                                "node `{}` has no address on `{}`, corosync link {number} of cluster `{}`",
                                machine.name, network.name, cluster.name
                            ),
                            node.span,
                            format!("no address on `{}`", network.name),
                        )
                        .with_label(link.span, format!("link {number}"))
                        .with_label(machine.name_span, "declared here")
                        .with_help(match free_address(model, link.value, position) {
                            Some(free) => format!(
                                "give `{}` an address there, such as the free {free}: add `{free} on {}` to its `address` list",
                                machine.name, network.name
                            ),
                            None => format!(
                                "give `{}` an address on `{}` in its `address` list, or use a network it has one on",
                                machine.name, network.name
                            ),
                        }),
                    );
                }
            }
        }
        quorum(model, cluster, &mut out);
        storage_link(model, cluster, &mut out);
    }
    out
}

/// E0503: Proxmox takes a cluster name of at most 15 characters that is a host name.
fn name(cluster: &PveCluster, out: &mut Vec<Diagnostic>) {
    let valid = !cluster.name.is_empty()
        && cluster.name.len() <= MAX_CLUSTER_NAME
        && cluster
            .name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !cluster.name.starts_with('-')
        && !cluster.name.ends_with('-');
    if !valid {
        out.push(
            Diagnostic::error(
                Code::PVE_CLUSTER_NAME,
                format!("Proxmox does not accept `{}` as a cluster name", cluster.name),
                cluster.span,
                format!("{} characters", cluster.name.chars().count()),
            )
            .with_help(format!(
                "name the cluster with at most {MAX_CLUSTER_NAME} letters, digits and inner hyphens, such as `homelab`"
            )),
        );
    }
}

/// E0504: one to eight links, each network once.
fn links(model: &Model, cluster: &PveCluster, out: &mut Vec<Diagnostic>) {
    if cluster.links.len() > MAX_LINKS {
        out.push(
            Diagnostic::error(
                Code::PVE_LINKS,
                format!(
                    "cluster `{}` has {} corosync links; corosync takes at most {MAX_LINKS}",
                    cluster.name,
                    cluster.links.len()
                ),
                cluster.links[MAX_LINKS].span,
                "link 8 and beyond",
            )
            .with_help("keep one or two links: a dedicated corosync network and a fallback"),
        );
    }
    let mut seen: HashMap<NetworkId, usize> = HashMap::new();
    for (number, link) in cluster.links.iter().enumerate() {
        if let Some(first) = seen.insert(link.value, number) {
            let network = model.network(link.value);
            out.push(
                Diagnostic::error(
                    Code::PVE_LINKS,
                    format!(
                        "`{}` is both link {first} and link {number} of cluster `{}`",
                        network.name, cluster.name
                    ),
                    link.span,
                    "the same network again",
                )
                .with_label(cluster.links[first].span, format!("link {first}"))
                .with_help("a second link only helps on a second network; remove this one or name another network"),
            );
        }
    }
}

/// E0505, W0500, W0502: the QDevice and the vote count.
fn quorum(model: &Model, cluster: &PveCluster, out: &mut Vec<Diagnostic>) {
    let nodes = cluster.nodes.len();
    match cluster.qdevice {
        None if nodes == 2 => out.push(
            Diagnostic::warning(
                Code::PVE_TWO_NODES,
                format!(
                    "cluster `{}` loses quorum when either of its two nodes is down",
                    cluster.name
                ),
                cluster.span,
                "two nodes, two votes, no QDevice",
            )
            .with_note(
                "corosync needs a majority of the votes: with one of two nodes down the other \
                 has one vote of two, so /etc/pve turns read-only and HA stops",
            )
            .with_help(match qdevice_candidate(model, cluster) {
                Some(name) => format!(
                    "run corosync-qnetd on a third machine, such as `{name}` (it is on the \
                     cluster's link), and name it: `qdevice = {name}`"
                ),
                None => "run corosync-qnetd on a third machine (a NAS, a Raspberry Pi) with \
                         an address on a link network, and name it with `qdevice`"
                    .to_string(),
            }),
        ),
        None => {}
        Some(qdevice) => {
            let machine = model.machine(qdevice.value);
            if cluster.nodes.iter().any(|n| n.value == qdevice.value) {
                out.push(
                    Diagnostic::error(
                        Code::PVE_QDEVICE,
                        format!(
                            "`{}` is a node of cluster `{}` and cannot also be its QDevice",
                            machine.name, cluster.name
                        ),
                        qdevice.span,
                        "a node of this cluster",
                    )
                    .with_help("run corosync-qnetd on a machine outside the cluster"),
                );
            } else if machine.addresses().is_empty() {
                out.push(
                    Diagnostic::error(
                        Code::PVE_QDEVICE,
                        format!(
                            "QDevice `{}` of cluster `{}` has no address the nodes could reach",
                            machine.name, cluster.name
                        ),
                        qdevice.span,
                        "no address",
                    )
                    .with_label(machine.name_span, "declared here")
                    .with_help(format!(
                        "give `{}` an address on a network the nodes are on",
                        machine.name
                    )),
                );
            }
            if nodes % 2 == 1 {
                out.push(
                    Diagnostic::warning(
                        Code::PVE_QDEVICE_ODD,
                        format!(
                            "a QDevice on cluster `{}` with {nodes} nodes is not supported by Proxmox",
                            cluster.name
                        ),
                        qdevice.span,
                        format!("{nodes} nodes"),
                    )
                    .with_note(
                        "pvecm qdevice setup refuses an odd node count without --force and then \
                         uses the lms algorithm, under which the QDevice can keep a minority \
                         partition quorate",
                    )
                    .with_help("remove `qdevice` (an odd number of nodes breaks ties itself)"),
                );
            }
        }
    }
}

/// W0501: corosync needs low latency; a link that carries NFS, CIFS or Ceph traffic
/// stalls it when the storage saturates the network.
fn storage_link(model: &Model, cluster: &PveCluster, out: &mut Vec<Diagnostic>) {
    let storage_networks = storage_networks(model, cluster);
    let Some(first) = cluster.links.first() else {
        return;
    };
    let all_shared = cluster
        .links
        .iter()
        .all(|l| storage_networks.contains_key(&l.value));
    if !all_shared {
        return;
    }
    let network = model.network(first.value);
    let pool = storage_networks
        .get(&first.value)
        .cloned()
        .unwrap_or_default();
    out.push(
        Diagnostic::warning(
            Code::PVE_LINK_SHARED_STORAGE,
            format!(
                "corosync of cluster `{}` has no link free of storage traffic",
                cluster.name
            ),
            first.span,
            format!("`{}` also carries {pool}", network.name),
        )
        .with_note(
            "corosync needs low, steady latency; when storage traffic saturates the network \
             its tokens are late, nodes are fenced and HA guests restart",
        )
        .with_help(match quiet_network(model, cluster, &storage_networks) {
            Some(quiet) => format!(
                "add `{quiet}`, where every node has an address and no storage travels, as a link: `links = [{}, {quiet}]`",
                cluster
                    .links
                    .iter()
                    .map(|l| model.network(l.value).name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            None => "give corosync a network of its own (a spare port on each node) and add it to `links`".to_string(),
        }),
    );
}

/// A machine outside the cluster, not a guest, with an address on its first link, for
/// the help of W0500.
fn qdevice_candidate<'m>(model: &'m Model, cluster: &PveCluster) -> Option<&'m str> {
    let link = cluster.links.first()?.value;
    model.machines().find_map(|(id, machine)| {
        let fits = machine.guest.is_none()
            && !cluster.nodes.iter().any(|n| n.value == id)
            && address_on(model, id, link).is_some();
        fits.then_some(machine.name.as_str())
    })
}

/// A network every node has an address on that carries no storage, for the help.
fn quiet_network<'m>(
    model: &'m Model,
    cluster: &PveCluster,
    storage: &HashMap<NetworkId, String>,
) -> Option<&'m str> {
    model.networks.iter().enumerate().find_map(|(i, network)| {
        let id = NetworkId(i as u32);
        let usable = !storage.contains_key(&id)
            && !cluster.links.iter().any(|l| l.value == id)
            && cluster
                .nodes
                .iter()
                .all(|n| address_on(model, n.value, id).is_some());
        usable.then_some(network.name.as_str())
    })
}

/// The `nth` IPv4 address of a network (from its 11th host on) that is neither its
/// network address, its gateway, nor any machine's address, for the help of E0502: each
/// node's help names another, so following every help gives distinct addresses.
fn free_address(model: &Model, network: NetworkId, nth: usize) -> Option<std::net::Ipv4Addr> {
    let net = model.network(network).ipv4?.value;
    let gateway = model.network(network).gateway.map(|g| g.value);
    let used: Vec<std::net::IpAddr> = model
        .machines
        .iter()
        .flat_map(|m| m.addresses())
        .map(|(_, a)| a.value)
        .collect();
    net.hosts()
        .skip(10)
        .chain(net.hosts().take(10))
        .filter(|a| Some(*a) != gateway && !used.contains(&std::net::IpAddr::V4(*a)))
        .nth(nth)
}

/// The networks that carry the cluster's network storage, each with the pool named.
fn storage_networks(model: &Model, cluster: &PveCluster) -> HashMap<NetworkId, String> {
    let mut out = HashMap::new();
    for node in &cluster.nodes {
        for pool in &model.machine(node.value).storage {
            if !matches!(
                pool.kind,
                StorageKind::Nfs | StorageKind::Cifs | StorageKind::Rbd | StorageKind::Cephfs
            ) {
                continue;
            }
            let server = pool.server.or_else(|| {
                pool.export.as_ref().and_then(|e| {
                    model
                        .machine(e.machine)
                        .addresses()
                        .first()
                        .map(|(_, a)| a.value)
                })
            });
            // Network names are unique once a lab checks: a network's place is its id.
            for (i, network) in model.networks.iter().enumerate() {
                let id = infrac_model::NetworkId(i as u32);
                let carries = match (server, network.ipv4, network.ipv6) {
                    (Some(std::net::IpAddr::V4(a)), Some(net), _) => net.value.contains(&a),
                    (Some(std::net::IpAddr::V6(a)), _, Some(net)) => net.value.contains(&a),
                    _ => false,
                };
                if carries {
                    out.entry(id)
                        .or_insert_with(|| format!("storage pool `{}`", pool.name));
                }
            }
        }
    }
    // Ceph replicates over its cluster network, else over its public one.
    if let Some(ceph) = &cluster.ceph {
        if let Some(network) = ceph.cluster_network.or(ceph.network) {
            out.entry(network.value)
                .or_insert_with(|| "Ceph replication".to_string());
        }
    }
    out
}
