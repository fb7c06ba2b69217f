//! Ceph on the nodes of a Proxmox cluster: replication the nodes can satisfy, OSDs where
//! Ceph runs, and addresses on the Ceph networks.
//!
//! - E0512: a pool with more replicas (`size`) than nodes with OSDs. CRUSH's default
//!   replicated rule puts each replica on another host, so the pool's placement groups
//!   never become clean.
//! - E0513: a `ceph` block on a cluster none of whose nodes has an OSD.
//! - E0514: `min_size` larger than `size`: no write is ever acknowledged.
//! - E0515: an OSD on a machine that is not a node of a cluster with a `ceph` block.
//! - E0516: a node without an address on the public Ceph network (every node is a Ceph
//!   client, the first three run monitors), or a node with OSDs without one on the
//!   cluster network.
//! - E0518: an OSD device that is not under `/dev/`, or one device given twice on a node.
//! - E0519: a migration network (`migration = NET`) that a node has no address on, or
//!   without a prefix for `datacenter.cfg`.
//! - W0506: `min_size = 1`: a pool that accepts writes with a single copy loses them when
//!   that disk fails before recovery (ceph-medic WOSD2,
//!   docs.ceph.com/projects/ceph-medic/en/latest/codes/osds.html).

use infrac_diagnostics::{Code, Diagnostic};
use infrac_model::ceph::{raw_by_node, Ceph, CephPool, CephPoolKind};
use infrac_model::pve::{address_on, pve_cluster_of, PveCluster};
use infrac_model::{MachineId, Model};
use std::collections::HashMap;

/// Runs the Ceph checks.
pub fn check(model: &Model) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for cluster in &model.pve_clusters {
        if let Some(ceph) = &cluster.ceph {
            replication(model, cluster, ceph, &mut out);
            networks(model, cluster, ceph, &mut out);
        }
    }
    osds(model, &mut out);
    migration(model, &mut out);
    out
}

fn what(pool: &CephPool) -> &'static str {
    match pool.kind {
        CephPoolKind::Rbd => "pool",
        CephPoolKind::Fs => "file system",
    }
}

fn replication(model: &Model, cluster: &PveCluster, ceph: &Ceph, out: &mut Vec<Diagnostic>) {
    let nodes: Vec<MachineId> = cluster.nodes.iter().map(|n| n.value).collect();
    let with_osds = raw_by_node(model, &nodes);
    if with_osds.is_empty() {
        let mut d = Diagnostic::error(
            Code::CEPH_NO_OSDS,
            format!(
                "cluster `{}` runs Ceph, but none of its nodes has an OSD",
                cluster.name
            ),
            ceph.span,
            "Ceph without disks",
        );
        for pool in &ceph.pools {
            d = d.with_label(
                pool.span,
                format!("{} `{}` has nowhere to store data", what(pool), pool.name),
            );
        }
        out.push(d.with_help(format!(
            "declare the disks Ceph may use on the nodes, e.g. `osd sdb {{ size = 4TiB }}` in `host {}`",
            cluster
                .nodes
                .first()
                .map_or("…", |n| model.machine(n.value).name.as_str())
        )));
        return;
    }
    let count = with_osds.len();
    let names: Vec<&str> = with_osds
        .iter()
        .map(|(n, _)| model.machine(*n).name.as_str())
        .collect();
    for pool in &ceph.pools {
        let (size, min) = (pool.size.value, pool.min_size.value);
        if usize::from(size) > count {
            out.push(
                Diagnostic::error(
                    Code::CEPH_REPLICAS,
                    format!(
                        "Ceph {} `{}` keeps {size} replicas, but only {count} node{} of `{}` ha{} OSDs",
                        what(pool),
                        pool.name,
                        if count == 1 { "" } else { "s" },
                        cluster.name,
                        if count == 1 { "s" } else { "ve" }
                    ),
                    pool.size.span,
                    format!("{size} replicas on {count} node{}", if count == 1 { "" } else { "s" }),
                )
                .with_note(format!(
                    "each replica goes to another node (CRUSH's default rule); nodes with OSDs: {}",
                    names.join(", ")
                ))
                .with_help(format!(
                    "declare OSDs on {} more node{}, or lower `size` to {count}",
                    usize::from(size) - count,
                    if usize::from(size) - count == 1 { "" } else { "s" }
                )),
            );
        }
        if min > size {
            out.push(
                Diagnostic::error(
                    Code::CEPH_MIN_SIZE,
                    format!(
                        "Ceph {} `{}` needs {min} replicas for I/O but keeps only {size}",
                        what(pool),
                        pool.name
                    ),
                    pool.min_size.span,
                    format!("min_size {min} > size {size}"),
                )
                .with_label(pool.size.span, format!("size {size}"))
                .with_note("Ceph acknowledges no read or write until min_size replicas are up")
                .with_help(format!(
                    "set `min_size` to at most {size} (usually size − 1)"
                )),
            );
        } else if min == 1 {
            let mut d = Diagnostic::warning(
                Code::CEPH_MIN_SIZE_ONE,
                format!(
                    "Ceph {} `{}` accepts writes with a single replica",
                    what(pool),
                    pool.name
                ),
                pool.min_size.span,
                "min_size 1",
            )
            .with_note(
                "a write acknowledged by one OSD is lost if that disk fails before the others recover",
            );
            d = if size > 2 {
                d.with_help("set `min_size = 2`")
            } else {
                d.with_help(
                    "keep three replicas with `size = 3, min_size = 2` (on three nodes with OSDs)",
                )
            };
            out.push(d);
        }
    }
}

fn networks(model: &Model, cluster: &PveCluster, ceph: &Ceph, out: &mut Vec<Diagnostic>) {
    let nodes: Vec<MachineId> = cluster.nodes.iter().map(|n| n.value).collect();
    let with_osds: Vec<MachineId> = raw_by_node(model, &nodes)
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    let checks = [
        (
            ceph.network,
            &nodes,
            "every node reaches the monitors and OSDs on it",
        ),
        (
            ceph.cluster_network,
            &with_osds,
            "OSDs replicate and recover over it",
        ),
    ];
    for (network, members, why) in checks {
        let Some(network) = network else { continue };
        let net = model.network(network.value);
        for &node in members {
            if address_on(model, node, network.value).is_some() {
                continue;
            }
            let machine = model.machine(node);
            out.push(
                Diagnostic::error(
                    Code::CEPH_NETWORK,
                    format!(
                        "node `{}` of `{}` has no address on Ceph network `{}`",
                        machine.name, cluster.name, net.name
                    ),
                    network.span,
                    why,
                )
                .with_label(machine.name_span, "no address there")
                .with_help(format!(
                    "give `{}` an address on `{}` (`address = [… on {}]` or a NIC on it)",
                    machine.name, net.name, net.name
                )),
            );
        }
    }
}

fn osds(model: &Model, out: &mut Vec<Diagnostic>) {
    for (id, machine) in model.machines() {
        if machine.osds.is_empty() {
            continue;
        }
        let ceph_cluster = pve_cluster_of(model, id).filter(|(_, c)| c.ceph.is_some());
        if ceph_cluster.is_none() {
            let first = &machine.osds[0];
            let reason = match pve_cluster_of(model, id) {
                Some((_, c)) => format!("cluster `{}` has no `ceph` block", c.name),
                None => format!("`{}` is not a node of a Proxmox cluster", machine.name),
            };
            out.push(
                Diagnostic::error(
                    Code::CEPH_OSD_PLACEMENT,
                    format!("OSD `{}` of `{}` would belong to no Ceph", first.name, machine.name),
                    first.span,
                    reason,
                )
                .with_help("declare `ceph { network = …, pool NAME { … } }` in the node's `proxmox` cluster, or remove the OSD"),
            );
        }
        let mut seen: HashMap<&str, &infrac_model::ceph::Osd> = HashMap::new();
        for osd in &machine.osds {
            let device = osd.device.value.as_str();
            let valid = device.strip_prefix("/dev/").is_some_and(|rest| {
                !rest.is_empty()
                    && rest
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"/-_.:".contains(&b))
                    && !rest.split('/').any(|part| part.is_empty() || part == "..")
            });
            if !valid {
                out.push(
                    Diagnostic::error(
                        Code::CEPH_OSD_DEVICE,
                        format!("OSD `{}` of `{}` is not on a block device", osd.name, machine.name),
                        osd.device.span,
                        format!("`{device}` is not a path under /dev/"),
                    )
                    .with_help("name the disk, e.g. `device = \"/dev/disk/by-id/nvme-…\"`, or name the block `osd sdb` for /dev/sdb"),
                );
            } else if let Some(first) = seen.insert(device, osd) {
                out.push(
                    Diagnostic::error(
                        Code::CEPH_OSD_DEVICE,
                        format!(
                            "OSDs `{}` and `{}` of `{}` are one disk",
                            first.name, osd.name, machine.name
                        ),
                        osd.device.span,
                        format!("{device} again"),
                    )
                    .with_label(first.device.span, "first given here")
                    .with_help("an OSD takes a whole disk: give each its own device"),
                );
            }
        }
    }
}

/// E0519: the migration network of a cluster carries an address of every node and has a
/// prefix, which `datacenter.cfg` names (`migration: secure,network=CIDR`).
pub fn migration(model: &Model, out: &mut Vec<Diagnostic>) {
    for cluster in &model.pve_clusters {
        let Some(network) = cluster.migration else {
            continue;
        };
        let net = model.network(network.value);
        if net.ipv4.is_none() && net.ipv6.is_none() {
            out.push(
                Diagnostic::error(
                    Code::PVE_MIGRATION_NETWORK,
                    format!(
                        "migration network `{}` of `{}` has no prefix",
                        net.name, cluster.name
                    ),
                    network.span,
                    "datacenter.cfg names it by its CIDR",
                )
                .with_help(format!("give `{}` an `ipv4` or `ipv6` prefix", net.name)),
            );
            continue;
        }
        for node in &cluster.nodes {
            if address_on(model, node.value, network.value).is_some() {
                continue;
            }
            let machine = model.machine(node.value);
            out.push(
                Diagnostic::error(
                    Code::PVE_MIGRATION_NETWORK,
                    format!(
                        "node `{}` of `{}` has no address on migration network `{}`",
                        machine.name, cluster.name, net.name
                    ),
                    network.span,
                    "live migrations to and from every node use it",
                )
                .with_label(machine.name_span, "no address there")
                .with_help(format!(
                    "give `{}` an address on `{}`, or migrate over another network",
                    machine.name, net.name
                )),
            );
        }
    }
}
