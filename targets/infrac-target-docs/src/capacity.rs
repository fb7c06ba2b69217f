//! The capacity page: used, capacity and headroom of every hypervisor's CPU and memory,
//! every storage pool, and every cluster's allocatable resources against its apps'
//! requests. The host and pool figures are the budget checks' own
//! ([`infrac_model::budget`]); a node's size is [`infrac_model::Machine::capacity`].

use crate::markdown::{cell, percent, Table};
use crate::storage_kind;
use crate::text::Shown;
use infrac_model::budget::{host_budgets, pool_budgets, PoolBudget, Usage};
use infrac_model::{App, Bytes, MachineId, Model};
use serde::Serialize;

#[derive(Serialize)]
pub(crate) struct CapacityPage {
    header: String,
    hosts: Vec<HostCapacity>,
    /// Whether any machine runs guests at all.
    hypervisors: bool,
    shared: Table,
    clusters: Vec<ClusterCapacity>,
}

#[derive(Serialize)]
struct HostCapacity {
    name: String,
    basis: String,
    budget: Table,
    idle: Option<String>,
    guests: Table,
}

#[derive(Serialize)]
struct ClusterCapacity {
    name: String,
    basis: String,
    budget: Table,
    apps: Table,
}

/// Milli-units as a decimal number of whole units (`4.25`, `12`).
fn units(milli: u64) -> String {
    let text = format!("{}.{:03}", milli / 1000, milli % 1000);
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn bytes(b: u64) -> String {
    Bytes(b).to_string()
}

fn usage_row(name: String, usage: &Usage, show: fn(u64) -> String) -> Vec<String> {
    let headroom = if usage.over() {
        format!("**over by {}**", show(usage.used - usage.capacity))
    } else {
        show(usage.headroom())
    };
    vec![
        name,
        show(usage.capacity),
        show(usage.used),
        headroom,
        percent(usage.used as f64, usage.capacity as f64),
    ]
}

fn pool_row(pool: &PoolBudget, model: &Model) -> Vec<String> {
    let kind = pool
        .hosts
        .first()
        .and_then(|h| model.machine(*h).pool(&pool.name))
        .map(|p| storage_kind(p.kind))
        .unwrap_or_default();
    usage_row(
        format!("storage {} ({kind})", cell(&pool.name)),
        &pool.usage,
        bytes,
    )
}

pub(crate) fn page(model: &Model, header: &str) -> CapacityPage {
    let pools = pool_budgets(model);
    // Each host's own pools, in the pools' order: found in one pass, where a scan of every
    // pool per host grows with hosts × pools.
    let mut own_pools: Vec<Vec<usize>> = vec![Vec::new(); model.machines.len()];
    for (i, pool) in pools.iter().enumerate().filter(|(_, p)| !p.shared) {
        for host in &pool.hosts {
            if let Some(list) = own_pools.get_mut(host.index()) {
                // A host named twice by one pool lists the pool once.
                if list.last() != Some(&i) {
                    list.push(i);
                }
            }
        }
    }
    let mut hosts = Vec::new();
    for budget in host_budgets(model) {
        let host = model.machine(budget.host);
        // A bare-metal machine's hardware runs its own workloads, which the cluster
        // figures below cover; only a hypervisor has guests to budget.
        if !host.platform.is_hypervisor() {
            continue;
        }
        let Some(hw) = &host.hardware else { continue };
        let reserved = if host.reserve.cpu.0 == 0 && host.reserve.memory.0 == 0 {
            "nothing reserved for the hypervisor".to_string()
        } else {
            format!(
                "{} and {} reserved for the hypervisor",
                host.reserve.cpu.cores_text(),
                host.reserve.memory
            )
        };
        let basis = format!(
            "{} cores / {} threads and {} installed; {reserved}; overcommit {}:1 for CPU and \
             {}:1 for memory. vCPUs count against threads.",
            hw.cores(),
            hw.threads(),
            hw.memory(),
            host.overcommit.cpu,
            host.overcommit.memory
        );
        let mut table = Table::new(&["Resource", "Capacity>", "Used>", "Headroom>", "Used %>"]);
        table.row(usage_row("vCPUs".into(), &budget.cpu, units));
        table.row(usage_row("memory".into(), &budget.memory, bytes));
        for &i in own_pools.get(budget.host.index()).into_iter().flatten() {
            table.row(pool_row(&pools[i], model));
        }
        let idle = (budget.idle_cpu.used > 0 || budget.idle_memory.used > 0).then(|| {
            format!(
                "Guests not started at boot would add {} vCPUs and {} when started.",
                units(budget.idle_cpu.used),
                bytes(budget.idle_memory.used)
            )
        });
        hosts.push(HostCapacity {
            name: cell(&host.name),
            basis,
            budget: table,
            idle,
            guests: guests_table(model, budget.host),
        });
    }
    let mut shared = Table::new(&["Resource", "Capacity>", "Used>", "Headroom>", "Used %>"]);
    for pool in pools.iter().filter(|p| p.shared) {
        shared.row(pool_row(pool, model));
    }
    let clusters = model
        .clusters
        .iter()
        .enumerate()
        .map(|(index, cluster)| {
            let nodes: Vec<(u32, Bytes)> = cluster
                .nodes()
                .map(|(m, _)| model.machine(m).capacity().unwrap_or((0, Bytes(0))))
                .collect();
            let node_cpu: u64 = nodes
                .iter()
                .map(|(cpus, _)| (u64::from(*cpus) * 1000).saturating_sub(cluster.reserve.cpu.0))
                .sum();
            let node_memory: u64 = nodes
                .iter()
                .map(|(_, memory)| memory.0.saturating_sub(cluster.reserve.memory.0))
                .sum();
            let apps: Vec<&App> = model
                .apps
                .iter()
                .filter(|a| a.cluster.index() == index)
                .collect();
            let total = |pick: fn(&App) -> u64| -> u64 {
                apps.iter().map(|a| pick(a) * u64::from(a.replicas)).sum()
            };
            let cpu_requests = total(|a| a.requests.cpu.map_or(0, |c| c.value.0));
            let cpu_limits = total(|a| a.limits.cpu.map_or(0, |c| c.value.0));
            let memory_requests = total(|a| a.requests.memory.map_or(0, |m| m.value.0));
            let memory_limits = total(|a| a.limits.memory.map_or(0, |m| m.value.0));
            let mut budget = Table::new(&[
                "Resource",
                "Allocatable>",
                "Requested>",
                "Headroom>",
                "Requested %>",
                "Limits>",
            ]);
            let mut row = |name: &str, usage: Usage, limits: u64, show: fn(u64) -> String| {
                let mut cells = usage_row(name.into(), &usage, show);
                cells.push(show(limits));
                budget.row(cells);
            };
            row(
                "CPU (cores)",
                Usage {
                    used: cpu_requests,
                    capacity: node_cpu,
                    consumers: Vec::new(),
                },
                cpu_limits,
                units,
            );
            row(
                "memory",
                Usage {
                    used: memory_requests,
                    capacity: node_memory,
                    consumers: Vec::new(),
                },
                memory_limits,
                bytes,
            );
            let mut apps_table = Table::new(&[
                "App",
                "Replicas>",
                "CPU requests>",
                "Memory requests>",
                "CPU limits>",
                "Memory limits>",
            ]);
            for app in &apps {
                let replicas = u64::from(app.replicas);
                let per = |v: Option<u64>, show: fn(u64) -> String| {
                    v.map_or_else(|| "—".to_string(), |v| show(v * replicas))
                };
                apps_table.row(vec![
                    cell(&app.name),
                    app.replicas.to_string(),
                    per(app.requests.cpu.map(|c| c.value.0), units),
                    per(app.requests.memory.map(|m| m.value.0), bytes),
                    per(app.limits.cpu.map(|c| c.value.0), units),
                    per(app.limits.memory.map(|m| m.value.0), bytes),
                ]);
            }
            ClusterCapacity {
                name: cell(&cluster.name),
                basis: format!(
                    "{} node{}, each minus {} and {} reserved for the kubelet and system; \
                     app figures are per app, times its replicas.",
                    nodes.len(),
                    if nodes.len() == 1 { "" } else { "s" },
                    cluster.reserve.cpu.cores_text(),
                    cluster.reserve.memory
                ),
                budget,
                apps: apps_table,
            }
        })
        .collect();
    CapacityPage {
        header: header.to_string(),
        hosts,
        hypervisors: model.hypervisors().next().is_some(),
        shared,
        clusters,
    }
}

fn guests_table(model: &Model, host: MachineId) -> Table {
    let mut table = Table::new(&[
        "Guest",
        "ID>",
        "vCPUs>",
        "Memory>",
        "Disk>",
        "Starts at boot",
    ]);
    let mut guests: Vec<_> = model.guests_on(host).collect();
    guests.sort_by_key(|(_, _, g)| g.vmid.value);
    // A lab's guests come in a few sizes: each is formatted once.
    let mut sizes = Shown::default();
    for (_, machine, guest) in guests {
        let disk: u64 = guest.disks.iter().map(|d| d.size.value.0).sum();
        table.add(|row| {
            row.cell(&machine.name)
                .int(guest.vmid.value.0)
                .int(guest.vcpus())
                .raw(sizes.get(guest.memory.value))
                .raw(sizes.get(Bytes(disk)))
                .raw(if guest.start { "yes" } else { "no" });
        });
    }
    table
}

#[cfg(test)]
mod tests {
    use super::units;

    #[test]
    fn units_trim_trailing_zeros() {
        assert_eq!(units(4250), "4.25");
        assert_eq!(units(12000), "12");
        assert_eq!(units(500), "0.5");
    }
}
