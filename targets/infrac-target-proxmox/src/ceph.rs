//! Each Ceph-running cluster's `ceph.sh`: the pveceph commands that set Ceph up on its
//! nodes. The commands and options are pve-manager's (proxmox/pve-manager at commit
//! 14a22df3): `pveceph init --network CIDR [--cluster-network CIDR]`
//! (`PVE/API2/Ceph.pm`), `pveceph mon create --mon-address IP` (`PVE/API2/Ceph/MON.pm`;
//! the first monitor also creates a manager), `pveceph mgr create`, `pveceph osd create
//! DEV` (`OSD.pm`), `pveceph pool create NAME --size N --min_size M --application rbd
//! --add_storages 0` and `pveceph pool set NAME --size N --min_size M` (`Pool.pm`),
//! `pveceph mds create` and `pveceph fs create --name NAME --add-storage 0` (`MDS.pm`,
//! `FS.pm`: it needs a standby MDS and makes pools `NAME_data` and `NAME_metadata`).
//! Daemon directories are `/var/lib/ceph/{mon,mgr,mds}/ceph-ID` with the node name as
//! ID (`MON.pm`, `PVE/Ceph/Services.pm`); `ceph-volume lvm list DEV` exits non-zero when
//! the device holds no OSD (ceph-volume `devices/lvm/listing.py`).

use crate::quote::{comment_safe, shell_quote};
use infrac_model::budget::format_bytes;
use infrac_model::ceph::{monitor_nodes, pool_capacity, raw_by_node, Ceph, CephPoolKind};
use infrac_model::layout::segment;
use infrac_model::pve::{address_on, PveCluster};
use infrac_model::{Artifact, MachineId, Model};

/// One step of `ceph.sh`.
#[derive(serde::Serialize)]
struct Step {
    /// The node it runs on, quoted.
    node: String,
    /// The command, its words quoted.
    command: String,
    /// A shell condition under which the step is already done; empty: run every time.
    unless: String,
    /// What it does, comment-safe.
    comment: String,
}

#[derive(serde::Serialize)]
struct View {
    path: String,
    source: String,
    name: String,
    first: String,
    first_name: String,
    nodes: String,
    capacity: Vec<String>,
    steps: Vec<Step>,
}

/// `proxmox/cluster/<name>/ceph.sh` of every cluster with a `ceph` block.
pub(crate) fn artifacts(model: &Model) -> Vec<Artifact> {
    model
        .pve_clusters
        .iter()
        .filter_map(|cluster| {
            let ceph = cluster.ceph.as_ref()?;
            let path = format!("proxmox/cluster/{}/ceph.sh", segment(&cluster.name));
            let view = view(model, cluster, ceph, &path)?;
            Some(Artifact::new(path, crate::render::render("ceph.sh", &view)))
        })
        .collect()
}

fn words(words: &[&str]) -> String {
    words
        .iter()
        .map(|w| shell_quote(w))
        .collect::<Vec<_>>()
        .join(" ")
}

fn view(model: &Model, cluster: &PveCluster, ceph: &Ceph, path: &str) -> Option<View> {
    let name = |id: MachineId| model.machine(id).name.clone();
    let first = name(cluster.nodes.first()?.value);
    let network_id = ceph.network?.value;
    let network = model.network(network_id);
    let cidr = |n: &infrac_model::Network| {
        n.ipv4
            .map(|p| p.value.to_string())
            .or(n.ipv6.map(|p| p.value.to_string()))
    };
    let mut steps = Vec::new();
    let step = |node: &str, command: String, unless: String, comment: String| Step {
        node: shell_quote(node),
        command,
        unless,
        comment: comment_safe(&comment),
    };
    let mut init = vec![
        "pveceph".to_string(),
        "init".into(),
        "--network".into(),
        cidr(network)?,
    ];
    if let Some(cluster_network) = ceph.cluster_network {
        let n = model.network(cluster_network.value);
        init.extend(["--cluster-network".to_string(), cidr(n)?]);
    }
    steps.push(step(
        &first,
        words(&init.iter().map(String::as_str).collect::<Vec<_>>()),
        "[ -e /etc/pve/ceph.conf ]".into(),
        format!("Ceph's configuration, public network {}", network.name),
    ));
    let daemon = |kind: &str, node: &str| {
        format!(
            "run_on {} test -d {}",
            shell_quote(node),
            shell_quote(&format!("/var/lib/ceph/{kind}/ceph-{node}"))
        )
    };
    let monitors = monitor_nodes(cluster);
    for (i, &m) in monitors.iter().enumerate() {
        let node = name(m);
        let address = address_on(model, m, network_id)?.to_string();
        steps.push(step(
            &node,
            words(&["pveceph", "mon", "create", "--mon-address", &address]),
            daemon("mon", &node),
            format!("monitor {} of {} on {node}", i + 1, monitors.len()),
        ));
        if i > 0 {
            steps.push(step(
                &node,
                words(&["pveceph", "mgr", "create"]),
                daemon("mgr", &node),
                format!("a standby manager on {node}"),
            ));
        }
    }
    for node in &cluster.nodes {
        let host = model.machine(node.value);
        for osd in &host.osds {
            let device = &osd.device.value;
            steps.push(step(
                &host.name,
                words(&["pveceph", "osd", "create", device]),
                format!(
                    "run_on {} ceph-volume lvm list {} >/dev/null 2>&1",
                    shell_quote(&host.name),
                    shell_quote(device)
                ),
                format!(
                    "OSD {} on {}: {device}, {}",
                    osd.name, host.name, osd.size.value
                ),
            ));
        }
    }
    let replicas = |pool: &str, size: u8, min: u8| {
        words(&[
            "pveceph",
            "pool",
            "set",
            pool,
            "--size",
            &size.to_string(),
            "--min_size",
            &min.to_string(),
        ])
    };
    if ceph.pools.iter().any(|p| p.kind == CephPoolKind::Fs) {
        for &m in &monitors {
            let node = name(m);
            steps.push(step(
                &node,
                words(&["pveceph", "mds", "create"]),
                daemon("mds", &node),
                format!("a CephFS metadata server on {node}"),
            ));
        }
    }
    for pool in &ceph.pools {
        let (size, min) = (pool.size.value, pool.min_size.value);
        match pool.kind {
            CephPoolKind::Rbd => {
                steps.push(step(
                    &first,
                    words(&[
                        "pveceph",
                        "pool",
                        "create",
                        &pool.name,
                        "--size",
                        &size.to_string(),
                        "--min_size",
                        &min.to_string(),
                        "--application",
                        "rbd",
                        "--add_storages",
                        "0",
                    ]),
                    format!(
                        "ceph osd pool ls 2>/dev/null | grep -qx {}",
                        shell_quote(&pool.name)
                    ),
                    format!("RBD pool {}: {size} replicas, I/O with {min}", pool.name),
                ));
                steps.push(step(
                    &first,
                    replicas(&pool.name, size, min),
                    String::new(),
                    format!("{}'s replicas, also when the pool existed", pool.name),
                ));
            }
            CephPoolKind::Fs => {
                steps.push(step(
                    &first,
                    words(&[
                        "pveceph",
                        "fs",
                        "create",
                        "--name",
                        &pool.name,
                        "--add-storage",
                        "0",
                    ]),
                    format!(
                        "ceph fs ls 2>/dev/null | grep -q {}",
                        shell_quote(&format!("^name: {},", pool.name))
                    ),
                    format!("CephFS {}: pools {0}_data and {0}_metadata", pool.name),
                ));
                for suffix in ["data", "metadata"] {
                    steps.push(step(
                        &first,
                        replicas(&format!("{}_{suffix}", pool.name), size, min),
                        String::new(),
                        format!("{}_{suffix}: {size} replicas, I/O with {min}", pool.name),
                    ));
                }
            }
        }
    }
    let ids: Vec<MachineId> = cluster.nodes.iter().map(|n| n.value).collect();
    let raw: Vec<u64> = raw_by_node(model, &ids)
        .into_iter()
        .map(|(_, r)| r)
        .collect();
    let capacity = ceph
        .pools
        .iter()
        .map(|p| {
            comment_safe(&format!(
                "{} ({} replicas): {}",
                p.name,
                p.size.value,
                format_bytes(pool_capacity(&raw, p))
            ))
        })
        .collect();
    Some(View {
        path: path.to_string(),
        source: comment_safe(&model.source),
        name: comment_safe(&cluster.name),
        first_name: comment_safe(&first),
        first: shell_quote(&first),
        nodes: ids
            .iter()
            .map(|&n| shell_quote(&name(n)))
            .collect::<Vec<_>>()
            .join(" "),
        capacity,
        steps,
    })
}
