//! Resource budgets of hosts and storage pools: capacity, use, and who uses it.
//!
//! Derived once here because the budget checks, `infrac check --summary` and the
//! generated docs all show the same figures.

use crate::{Bytes, MachineId, Model, Span};
use std::collections::BTreeMap;

/// Use of one resource against its capacity, with the consumers sorted largest first.
#[derive(Debug, Clone, PartialEq)]
pub struct Usage {
    /// Units depend on the resource: milli-vCPUs, bytes.
    pub used: u64,
    pub capacity: u64,
    /// `(guest, amount, span of the attribute that asks for it)`, largest first.
    pub consumers: Vec<(MachineId, u64, Span)>,
}

impl Usage {
    /// Free capacity (zero when over budget).
    pub fn headroom(&self) -> u64 {
        self.capacity.saturating_sub(self.used)
    }
    /// Whether use exceeds capacity.
    pub fn over(&self) -> bool {
        self.used > self.capacity
    }
    /// Use as a percentage of capacity.
    pub fn percent(&self) -> f64 {
        if self.capacity == 0 {
            if self.used == 0 {
                0.0
            } else {
                f64::INFINITY
            }
        } else {
            self.used as f64 * 100.0 / self.capacity as f64
        }
    }
}

/// CPU and memory of one hypervisor host.
#[derive(Debug, Clone, PartialEq)]
pub struct HostBudget {
    pub host: MachineId,
    /// Guests started at boot, in milli-vCPUs against logical CPUs minus the reserve,
    /// times the overcommit ratio.
    pub cpu: Usage,
    /// Guests started at boot, in bytes against installed memory minus the reserve,
    /// times the overcommit ratio.
    pub memory: Usage,
    /// Guests not started at boot: what they would add when started.
    pub idle_cpu: Usage,
    pub idle_memory: Usage,
}

/// One storage pool's budget. Shared pools (NFS, Ceph) are one budget per Proxmox
/// cluster, or per site outside a cluster.
#[derive(Debug, Clone, PartialEq)]
pub struct PoolBudget {
    pub name: String,
    /// The hosts that declare this pool (one for a local pool).
    pub hosts: Vec<MachineId>,
    pub shared: bool,
    /// Bytes of all disks placed on it, started or not, against its size.
    pub usage: Usage,
    /// Where the pool's size is declared.
    pub span: Span,
}

fn scaled(capacity: u64, ratio: f64) -> u64 {
    if ratio == 1.0 {
        capacity
    } else {
        (capacity as f64 * ratio.max(0.0)).floor() as u64
    }
}

fn sorted(mut consumers: Vec<(MachineId, u64, Span)>) -> Vec<(MachineId, u64, Span)> {
    consumers.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    consumers
}

fn usage(consumers: Vec<(MachineId, u64, Span)>, capacity: u64) -> Usage {
    Usage {
        used: consumers.iter().map(|c| c.1).sum(),
        capacity,
        consumers: sorted(consumers),
    }
}

/// Budgets of every host that has a hardware model.
pub fn host_budgets(model: &Model) -> Vec<HostBudget> {
    let mut out = Vec::new();
    // Collected in lists kept across hosts and copied out at their final length: a host
    // with many guests would otherwise grow four lists by doubling.
    let (mut cpu, mut memory, mut idle_cpu, mut idle_memory) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (id, host) in model.machines() {
        let Some(hw) = &host.hardware else { continue };
        let logical = u64::from(hw.threads().max(hw.cores()));
        let cpu_capacity = scaled(
            (logical * 1000).saturating_sub(host.reserve.cpu.0),
            host.overcommit.cpu,
        );
        let memory_capacity = scaled(
            hw.memory().0.saturating_sub(host.reserve.memory.0),
            host.overcommit.memory,
        );
        for list in [&mut cpu, &mut memory, &mut idle_cpu, &mut idle_memory] {
            list.clear();
        }
        for (gid, _, guest) in model.guests_on(id) {
            let vcpus = u64::from(guest.vcpus()) * 1000;
            let (c, m) = if guest.start {
                (&mut cpu, &mut memory)
            } else {
                (&mut idle_cpu, &mut idle_memory)
            };
            c.push((gid, vcpus, guest.cores.span));
            m.push((gid, guest.memory.value.0, guest.memory.span));
        }
        out.push(HostBudget {
            host: id,
            cpu: usage(cpu.to_vec(), cpu_capacity),
            memory: usage(memory.to_vec(), memory_capacity),
            idle_cpu: usage(idle_cpu.to_vec(), cpu_capacity),
            idle_memory: usage(idle_memory.to_vec(), memory_capacity),
        });
    }
    out
}

/// Where a pool's budget is kept: shared pools once per Proxmox cluster (or per site,
/// for hosts outside one), local pools per host.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
// Local pools sort first, as they are declared first on a host.
// Names are borrowed from the model: every guest's disk looks its pool up.
enum PoolKey<'m> {
    Host(u32, &'m str),
    Cluster(usize, &'m str),
    Site(u32, &'m str),
}

fn pool_key<'m>(model: &Model, host: MachineId, pool: &'m crate::StoragePool) -> PoolKey<'m> {
    if !pool.shared {
        return PoolKey::Host(host.0, &pool.name);
    }
    match crate::pve::pve_cluster_of(model, host) {
        Some((index, _)) => PoolKey::Cluster(index, &pool.name),
        None => PoolKey::Site(model.machine(host).site.0, &pool.name),
    }
}

/// Budgets of every storage pool.
pub fn pool_budgets(model: &Model) -> Vec<PoolBudget> {
    // The budgets in the order they are first met, found by key through `keys`; each
    // pool of each machine remembers its budget, as every guest's disk adds to one.
    let mut budgets: Vec<PoolBudget> = Vec::new();
    let mut keys: BTreeMap<PoolKey, usize> = BTreeMap::new();
    let mut slots: Vec<Vec<usize>> = Vec::with_capacity(model.machines.len());
    for (h, host) in model.machines() {
        let mut of_host = Vec::with_capacity(host.storage.len());
        for pool in &host.storage {
            let slot = *keys.entry(pool_key(model, h, pool)).or_insert_with(|| {
                budgets.push(PoolBudget {
                    name: pool.name.clone(),
                    hosts: Vec::new(),
                    shared: pool.shared,
                    usage: Usage {
                        used: 0,
                        capacity: pool.size.value.0,
                        consumers: Vec::new(),
                    },
                    span: pool.size.span,
                });
                budgets.len() - 1
            });
            let entry = &mut budgets[slot];
            entry.hosts.push(h);
            entry.usage.capacity = entry.usage.capacity.max(pool.size.value.0);
            of_host.push(slot);
        }
        slots.push(of_host);
    }
    for (g, _, guest) in model.guests() {
        let host = model.machine(guest.host);
        for disk in &guest.disks {
            let Some(index) = host.pool_position(&disk.pool.value) else {
                continue;
            };
            let budget = &mut budgets[slots[guest.host.index()][index]];
            budget.usage.used += disk.size.value.0;
            budget
                .usage
                .consumers
                .push((g, disk.size.value.0, disk.size.span));
        }
    }
    ceph_capacities(model, &keys, &mut budgets);
    let mut budgets: Vec<Option<PoolBudget>> = budgets.into_iter().map(Some).collect();
    keys.into_values()
        .filter_map(|slot| budgets[slot].take())
        .map(|mut p| {
            p.usage.consumers = sorted(std::mem::take(&mut p.usage.consumers));
            p
        })
        .collect()
}

/// Ceph pools share their cluster's OSDs: each one's capacity is what the others leave.
fn ceph_capacities<'m>(
    model: &'m Model,
    keys: &BTreeMap<PoolKey<'m>, usize>,
    budgets: &mut [PoolBudget],
) {
    for (index, cluster) in model.pve_clusters.iter().enumerate() {
        let Some(ceph) = &cluster.ceph else { continue };
        let nodes: Vec<MachineId> = cluster.nodes.iter().map(|n| n.value).collect();
        let raw: Vec<u64> = crate::ceph::raw_by_node(model, &nodes)
            .into_iter()
            .map(|(_, r)| r)
            .collect();
        let key = |name: &'m str| PoolKey::Cluster(index, name);
        let used: BTreeMap<String, u64> = ceph
            .pools
            .iter()
            .filter_map(|p| {
                keys.get(&key(&p.name))
                    .map(|&slot| (p.name.clone(), budgets[slot].usage.used))
            })
            .collect();
        for (name, capacity) in crate::ceph::shared_capacities(&raw, ceph, &used) {
            let Some(pool) = ceph.pools.iter().find(|p| p.name == name) else {
                continue;
            };
            if let Some(&slot) = keys.get(&key(&pool.name)) {
                budgets[slot].usage.capacity = capacity;
            }
        }
    }
}

/// Formats milli-vCPUs as vCPUs, exactly: `12`, `12.5`, `12.25`, `0.001`. Rounded to one
/// place, 12.25 read as 12.2 and a budget over by 50m could print as two equal figures.
pub fn format_vcpus(milli: u64) -> String {
    let (whole, frac) = (milli / 1000, milli % 1000);
    if frac == 0 {
        return whole.to_string();
    }
    let digits = format!("{frac:03}");
    format!("{whole}.{}", digits.trim_end_matches('0'))
}

/// Formats bytes for budget tables.
pub fn format_bytes(bytes: u64) -> String {
    Bytes(bytes).to_string()
}

#[cfg(test)]
mod tests {
    use super::format_vcpus;

    #[test]
    fn vcpus_are_written_exactly() {
        for (milli, text) in [
            (0, "0"),
            (1000, "1"),
            (12_000, "12"),
            (4500, "4.5"),
            (12_250, "12.25"),
            (500, "0.5"),
            (1, "0.001"),
            (2_050, "2.05"),
        ] {
            assert_eq!(format_vcpus(milli), text, "{milli}m");
        }
    }
}
