//! High availability on a Proxmox cluster: HA rules that can work, room to restart a
//! failed node's HA guests, and guests that must not share a node.
//!
//! - E0510: an HA rule names a guest that does not run on a node of the cluster, a node
//!   that is not one of its nodes, or a guest with a disk on a pool other nodes cannot
//!   reach (it could not be restarted elsewhere).
//! - E0511: guests that an HA rule keeps `apart` are placed on the same node.
//! - W0504: if one of an HA rule's nodes fails, the others lack the memory to restart
//!   its HA guests (N-1 capacity).
//! - W0505: two or more servers of a Kubernetes cluster run on one Proxmox node, so
//!   losing that node loses the control plane's quorum.

use infrac_diagnostics::{Code, Diagnostic};
use infrac_model::pve::{HaRule, PveCluster};
use infrac_model::roles::cluster_of;
use infrac_model::{Bytes, MachineId, Model};
use std::collections::BTreeMap;

/// Runs the HA checks.
pub fn check(model: &Model) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for cluster in &model.pve_clusters {
        for rule in &cluster.ha {
            membership(model, cluster, rule, &mut out);
            apart(model, rule, &mut out);
            n_minus_one(model, cluster, rule, &mut out);
        }
    }
    kubernetes_servers(model, &mut out);
    out
}

/// The node a guest runs on.
fn node_of(model: &Model, guest: MachineId) -> Option<MachineId> {
    model.machine(guest).guest.as_ref().map(|g| g.host)
}

/// E0510.
fn membership(model: &Model, cluster: &PveCluster, rule: &HaRule, out: &mut Vec<Diagnostic>) {
    let in_cluster = |m: MachineId| cluster.nodes.iter().any(|n| n.value == m);
    for node in &rule.nodes {
        if !in_cluster(node.value) {
            out.push(
                Diagnostic::error(
                    Code::HA_RULE,
                    format!(
                        "HA rule `{}` names `{}`, which is not a node of cluster `{}`",
                        rule.name,
                        model.machine(node.value).name,
                        cluster.name
                    ),
                    node.span,
                    "not a node of this cluster",
                )
                .with_label(cluster.span, format!("cluster `{}`", cluster.name))
                .with_help("name nodes listed in the cluster's `nodes`"),
            );
        }
    }
    for guest in &rule.guests {
        let machine = model.machine(guest.value);
        let Some(host) = node_of(model, guest.value) else {
            out.push(
                Diagnostic::error(
                    Code::HA_RULE,
                    format!(
                        "HA rule `{}` names `{}`, which is not a guest",
                        rule.name, machine.name
                    ),
                    guest.span,
                    "not a vm or lxc",
                )
                .with_help("list VMs and containers in `guests`"),
            );
            continue;
        };
        if !in_cluster(host) {
            out.push(
                Diagnostic::error(
                    Code::HA_RULE,
                    format!(
                        "HA rule `{}` names `{}`, which runs on `{}`, not a node of cluster `{}`",
                        rule.name,
                        machine.name,
                        model.machine(host).name,
                        cluster.name
                    ),
                    guest.span,
                    "outside the cluster",
                )
                .with_help(format!(
                    "place `{}` on a node of `{}` or remove it from the rule",
                    machine.name, cluster.name
                )),
            );
            continue;
        }
        let host_machine = model.machine(host);
        for disk in machine.guest.iter().flat_map(|g| &g.disks) {
            let Some(pool) = host_machine.pool(&disk.pool.value) else {
                continue;
            };
            if !pool.shared {
                out.push(
                    Diagnostic::error(
                        Code::HA_RULE,
                        format!(
                            "HA guest `{}` keeps a disk on `{}`, a pool local to `{}`",
                            machine.name, pool.name, host_machine.name
                        ),
                        disk.pool.span,
                        "local to one node",
                    )
                    .with_label(guest.span, format!("HA rule `{}`", rule.name))
                    .with_note(
                        "when its node fails, the HA manager restarts the guest on another \
                         node, which cannot read a disk on the failed node's local pool",
                    )
                    .with_help(
                        "put the guest's disks on shared storage (rbd, nfs) or remove it from \
                         the HA rule",
                    ),
                );
            }
        }
    }
}

/// E0511.
fn apart(model: &Model, rule: &HaRule, out: &mut Vec<Diagnostic>) {
    if !rule.apart {
        return;
    }
    let mut seen: BTreeMap<MachineId, &infrac_model::Spanned<MachineId>> = BTreeMap::new();
    for guest in &rule.guests {
        let Some(host) = node_of(model, guest.value) else {
            continue;
        };
        if let Some(first) = seen.insert(host, guest) {
            let node = &model.machine(host).name;
            let free = model
                .pve_clusters
                .iter()
                .find(|c| c.ha.iter().any(|r| std::ptr::eq(r, rule)))
                .and_then(|c| {
                    c.nodes
                        .iter()
                        .map(|n| n.value)
                        .find(|n| !seen.contains_key(n))
                })
                .map(|n| model.machine(n).name.clone());
            out.push(
                Diagnostic::error(
                    Code::HA_APART,
                    format!(
                        "`{}` and `{}` must keep apart (HA rule `{}`) but both run on `{node}`",
                        model.machine(first.value).name,
                        model.machine(guest.value).name,
                        rule.name
                    ),
                    guest.span,
                    format!("on `{node}`"),
                )
                .with_label(first.span, format!("also on `{node}`"))
                .with_help(match free {
                    Some(free) => format!(
                        "place `{}` on `{free}`, a node none of the rule's guests uses",
                        model.machine(guest.value).name
                    ),
                    None => "the rule has more guests than the cluster has nodes: remove one"
                        .to_string(),
                }),
            );
        }
    }
}

/// Memory a node offers to guests: its hardware less its reserve.
fn room(model: &Model, node: MachineId) -> Bytes {
    let machine = model.machine(node);
    let memory = machine.capacity().map_or(0, |(_, m)| m.0);
    Bytes(memory.saturating_sub(machine.reserve.memory.0))
}

/// Memory the guests placed on a node use.
fn used(model: &Model, node: MachineId) -> Bytes {
    Bytes(
        model
            .guests_on(node)
            .map(|(_, _, g)| g.memory.value.0)
            .sum(),
    )
}

/// W0504: the node whose failure leaves the least room.
fn n_minus_one(model: &Model, cluster: &PveCluster, rule: &HaRule, out: &mut Vec<Diagnostic>) {
    let nodes: Vec<MachineId> = if rule.nodes.is_empty() {
        cluster.nodes.iter().map(|n| n.value).collect()
    } else {
        rule.nodes.iter().map(|n| n.value).collect()
    };
    if nodes.len() < 2 {
        return;
    }
    for &failed in &nodes {
        let displaced: Vec<MachineId> = rule
            .guests
            .iter()
            .map(|g| g.value)
            .filter(|g| node_of(model, *g) == Some(failed))
            .collect();
        let need: u64 = displaced
            .iter()
            .filter_map(|g| model.machine(*g).guest.as_ref())
            .map(|g| g.memory.value.0)
            .sum();
        if need == 0 {
            continue;
        }
        let free: u64 = nodes
            .iter()
            .filter(|n| **n != failed)
            .map(|n| room(model, *n).0.saturating_sub(used(model, *n).0))
            .sum();
        if need > free {
            out.push(
                Diagnostic::warning(
                    Code::HA_N_MINUS_ONE,
                    format!(
                        "if `{}` fails, the other nodes of HA rule `{}` cannot take its guests: they need {} and the others have {} free",
                        model.machine(failed).name,
                        rule.name,
                        Bytes(need),
                        Bytes(free)
                    ),
                    rule.span,
                    format!("{} guests on `{}`", displaced.len(), model.machine(failed).name),
                )
                .with_note(
                    "HA restarts a failed node's guests on the others; guests that do not fit \
                     stay down until the node is back",
                )
                .with_help(
                    "leave room on the other nodes (less memory for their guests, a larger \
                     reserve elsewhere), or add a node to the rule",
                ),
            );
            return;
        }
    }
}

/// W0505: a Kubernetes control plane that one node's failure takes down.
fn kubernetes_servers(model: &Model, out: &mut Vec<Diagnostic>) {
    for cluster in &model.clusters {
        if cluster.servers.len() < 2 {
            continue;
        }
        let mut by_node: BTreeMap<MachineId, Vec<&infrac_model::Spanned<MachineId>>> =
            BTreeMap::new();
        for server in &cluster.servers {
            if let Some(host) = node_of(model, server.value) {
                let servers = by_node.entry(host).or_default();
                // A server listed twice is another check's finding, not two servers.
                if !servers.iter().any(|s| s.value == server.value) {
                    servers.push(server);
                }
            }
        }
        for (node, servers) in by_node {
            if servers.len() < 2 || cluster_of(model, servers[0].value).is_none() {
                continue;
            }
            let majority = cluster.servers.len() / 2 + 1;
            let names: Vec<String> = servers
                .iter()
                .map(|s| format!("`{}`", model.machine(s.value).name))
                .collect();
            let mut warning = Diagnostic::warning(
                Code::K8S_SERVERS_SHARE_NODE,
                format!(
                    "servers {} of Kubernetes cluster `{}` all run on Proxmox node `{}`",
                    names.join(", "),
                    cluster.name,
                    model.machine(node).name
                ),
                servers[1].span,
                format!("also on `{}`", model.machine(node).name),
            )
            .with_label(
                servers[0].span,
                format!("on `{}`", model.machine(node).name),
            );
            if servers.len() >= majority {
                warning = warning.with_note(format!(
                    "etcd needs {majority} of its {} servers: losing `{}` stops the control plane",
                    cluster.servers.len(),
                    model.machine(node).name
                ));
            }
            let all: Vec<&str> = cluster
                .servers
                .iter()
                .map(|s| model.machine(s.value).name.as_str())
                .collect();
            out.push(warning.with_help(format!(
                "place the servers on different nodes, and keep them apart with an HA rule in \
                 the nodes' `proxmox` block: `ha {} {{ guests = [{}], apart = true }}`",
                cluster.name,
                all.join(", ")
            )));
        }
    }
}
