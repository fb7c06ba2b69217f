//! Ceph on the nodes of a Proxmox VE cluster: OSDs declared per node, pools declared once
//! per cluster, and the capacity a pool offers, which is what the storage budget counts.
//!
//! Capacity. The default replicated CRUSH rule places each replica of an object on a
//! different host (`step chooseleaf firstn 0 type host`), so a pool of `size` N stores an
//! object on N distinct nodes. With the raw OSD capacity of each node `c_1 ≥ c_2 ≥ …`,
//! the most data `D` such a pool can hold is the largest `D` with `Σ min(c_i, D) ≥ N·D`,
//! which is `min over j < N of (Σ_{i>j} c_i) / (N − j)`: equal nodes give raw / N, and a
//! small node caps what a pool as wide as the cluster can hold. The budget then keeps
//! below Ceph's `nearfull` ratio, 0.85, where the cluster turns HEALTH_WARN; writes stop at
//! the `full` ratio, 0.95 (defaults `mon_osd_nearfull_ratio` and `mon_osd_full_ratio`,
//! docs.ceph.com/en/quincy/rados/configuration/mon-config-ref/#storage-capacity, and
//! ceph-medic's WOSD4, docs.ceph.com/projects/ceph-medic/en/latest/codes/osds.html).
//! All pools share the OSDs: what one pool stores (times its size) is gone for the others.
//!
//! Defaults of `size` and `min_size` are pveceph's: 3 and 2 (proxmox/pve-manager at commit
//! 14a22df3, `PVE/API2/Ceph/Pool.pm`, `$ceph_pool_common_options`, `minimum => 1`,
//! `maximum => 7`).

use crate::{Bytes, MachineId, Model, NetworkId, Span, Spanned};
use serde::Serialize;
use std::collections::BTreeMap;

/// The share of raw capacity the budget fills: Ceph's default `nearfull` ratio.
pub const NEARFULL_RATIO: f64 = 0.85;
/// Replicas per object when a pool names none (pveceph's default).
pub const DEFAULT_SIZE: u8 = 3;
/// Replicas needed for I/O when a pool names none (pveceph's default).
pub const DEFAULT_MIN_SIZE: u8 = 2;
/// The most replicas pveceph accepts.
pub const MAX_SIZE: u8 = 7;

/// An OSD of a node (`osd NAME { size, device }`): one disk given whole to Ceph.
#[derive(Debug, Clone, Serialize)]
pub struct Osd {
    pub name: String,
    /// The block device `pveceph osd create` takes (`/dev/NAME` unless declared).
    pub device: Spanned<String>,
    /// The disk's raw capacity.
    pub size: Spanned<Bytes>,
    #[serde(skip)]
    pub span: Span,
}

/// What a Ceph pool holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CephPoolKind {
    /// RBD images: VM disks and container volumes (`pool NAME { … }`).
    Rbd,
    /// A CephFS file system with its data and metadata pools (`fs NAME { … }`).
    Fs,
}

/// A Ceph pool of a cluster; it is a storage of every node of the cluster.
#[derive(Debug, Clone, Serialize)]
pub struct CephPool {
    pub name: String,
    pub kind: CephPoolKind,
    /// Replicas per object.
    pub size: Spanned<u8>,
    /// Replicas that must be up for I/O.
    pub min_size: Spanned<u8>,
    #[serde(skip)]
    pub span: Span,
}

/// The Ceph of a cluster (`ceph { network, cluster_network, pool …, fs … }`).
#[derive(Debug, Clone, Serialize)]
pub struct Ceph {
    /// The public network: monitors and clients (`pveceph init --network`).
    pub network: Option<Spanned<NetworkId>>,
    /// Replication and recovery between OSDs (`--cluster-network`); `None`: the public one.
    pub cluster_network: Option<Spanned<NetworkId>>,
    pub pools: Vec<CephPool>,
    #[serde(skip)]
    pub span: Span,
}

impl Ceph {
    /// A pool by name.
    pub fn pool(&self, name: &str) -> Option<&CephPool> {
        self.pools.iter().find(|p| p.name == name)
    }
}

/// Each node's raw OSD capacity, for the nodes of `nodes` that have OSDs.
pub fn raw_by_node(model: &Model, nodes: &[MachineId]) -> Vec<(MachineId, u64)> {
    nodes
        .iter()
        .filter_map(|&n| {
            let raw: u64 = model.machine(n).osds.iter().map(|o| o.size.value.0).sum();
            (raw > 0).then_some((n, raw))
        })
        .collect()
}

/// The most data a pool of `size` replicas can hold on nodes of these raw capacities,
/// each replica on another node (zero when there are fewer nodes than replicas).
pub fn replicated_capacity(raw: &[u64], size: u8) -> u64 {
    let n = usize::from(size);
    if n == 0 || raw.len() < n {
        return 0;
    }
    let mut sorted: Vec<u128> = raw.iter().map(|&c| u128::from(c)).collect();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    (0..n)
        .map(|j| sorted[j..].iter().sum::<u128>() / (n - j) as u128)
        .min()
        .map_or(0, |d| u64::try_from(d).unwrap_or(u64::MAX))
}

/// How many monitors the cluster runs: three, as Ceph recommends for a production
/// cluster (docs.ceph.com/en/umbrella/rados/operations/add-or-rm-mons/, "at least three
/// Monitors"), or every node of a smaller cluster.
pub const MONITORS: usize = 3;

/// The nodes that run a monitor (and a manager): the first three of the cluster.
pub fn monitor_nodes(cluster: &crate::pve::PveCluster) -> Vec<MachineId> {
    cluster
        .nodes
        .iter()
        .take(MONITORS)
        .map(|n| n.value)
        .collect()
}

fn nearfull(bytes: u64) -> u64 {
    (bytes as f64 * NEARFULL_RATIO).floor() as u64
}

/// What a pool can hold when it is alone on the OSDs, below the nearfull ratio.
pub fn pool_capacity(raw: &[u64], pool: &CephPool) -> u64 {
    nearfull(replicated_capacity(raw, pool.size.value))
}

/// What each pool of a Ceph can hold given what the others store (`used` by pool name):
/// its own use plus what the OSDs have left, divided by its replicas.
pub fn shared_capacities(
    raw: &[u64],
    ceph: &Ceph,
    used: &BTreeMap<String, u64>,
) -> BTreeMap<String, u64> {
    let stored = |p: &CephPool| {
        u128::from(used.get(&p.name).copied().unwrap_or(0)) * u128::from(p.size.value)
    };
    ceph.pools
        .iter()
        .map(|p| {
            let size = u128::from(p.size.value.max(1));
            let own_raw = u128::from(pool_capacity(raw, p)) * size;
            let others: u128 = ceph
                .pools
                .iter()
                .filter(|q| q.name != p.name)
                .map(stored)
                .sum();
            let capacity = own_raw.saturating_sub(others) / size;
            (p.name.clone(), u64::try_from(capacity).unwrap_or(u64::MAX))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: u64 = 1 << 40;

    fn pool(name: &str, size: u8) -> CephPool {
        CephPool {
            name: name.into(),
            kind: CephPoolKind::Rbd,
            size: Spanned::new(size, Span::default()),
            min_size: Spanned::new(2, Span::default()),
            span: Span::default(),
        }
    }

    #[test]
    fn equal_nodes_divide_raw_by_size() {
        assert_eq!(replicated_capacity(&[4 * T, 4 * T, 4 * T], 3), 4 * T);
        assert_eq!(replicated_capacity(&[4 * T, 4 * T, 4 * T], 2), 6 * T);
    }

    #[test]
    fn a_small_node_caps_a_pool_as_wide_as_the_cluster() {
        assert_eq!(replicated_capacity(&[8 * T, 8 * T, 2 * T], 3), 2 * T);
        // Two replicas: the large nodes hold each other's copies beside the small one.
        assert_eq!(replicated_capacity(&[8 * T, 8 * T, 2 * T], 2), 9 * T);
    }

    #[test]
    fn too_few_nodes_hold_nothing() {
        assert_eq!(replicated_capacity(&[4 * T, 4 * T], 3), 0);
    }

    #[test]
    fn pools_share_the_osds() {
        let raw = [4 * T, 4 * T, 4 * T];
        let ceph = Ceph {
            network: None,
            cluster_network: None,
            pools: vec![pool("vm", 3), pool("fs", 3)],
            span: Span::default(),
        };
        let used = BTreeMap::from([("fs".to_string(), T)]);
        let caps = shared_capacities(&raw, &ceph, &used);
        assert_eq!(caps["fs"], nearfull(4 * T));
        assert_eq!(caps["vm"], nearfull(4 * T) - T);
    }
}
