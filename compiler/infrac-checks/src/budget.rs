//! Hardware and budgets: CPU, memory and disk against capacity; the hardware model
//! itself; Kubernetes requests against allocatable; PCI devices; NUMA spans.

use infrac_diagnostics::{plural, Code, Diagnostic};
use infrac_model::budget::{format_bytes, format_vcpus, host_budgets, pool_budgets, Usage};
use infrac_model::{Bytes, Guest, GuestKind, Machine, MachineId, Model};
use std::collections::BTreeMap;

/// How many of the largest consumers a budget error labels.
const LARGEST: usize = 3;

mod nodes;
mod sizes;
mod unmeasured;
mod vm_types;

/// Runs every budget check.
pub fn check(model: &Model) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    hardware(model, &mut out);
    hosts(model, &mut out);
    unmeasured::check(model, &mut out);
    pools(model, &mut out);
    pci(model, &mut out);
    // One pass over the guests, a large lab's most machines: what each says of itself,
    // then how it fits its host's CPUs.
    for (_, machine, guest) in model.guests() {
        sizes::check_guest(machine, guest, &mut out);
        vm_types::check_guest(model, machine, guest, &mut out);
        numa(model, machine, guest, &mut out);
    }
    cluster(model, &mut out);
    nodes::check(model, &mut out);
    limits(model, &mut out);
    out
}

fn hardware(model: &Model, out: &mut Vec<Diagnostic>) {
    for (_, host) in model.machines() {
        let Some(hw) = &host.hardware else { continue };
        let chassis = &hw.chassis;
        if hw.cpu_count.value > chassis.sockets {
            out.push(
                Diagnostic::error(
                    Code::CPU_SOCKETS,
                    format!(
                        "{} {} has {} CPUs but a {} has {} sockets",
                        host.noun(),
                        host.name,
                        hw.cpu_count.value,
                        chassis.model,
                        chassis.sockets
                    ),
                    hw.cpu_count.span,
                    format!("{} CPUs", hw.cpu_count.value),
                )
                .with_help(format!(
                    "a {} takes at most {} CPUs",
                    chassis.model, chassis.sockets
                )),
            );
        }
        if hw.dimm_count.value > chassis.dimm_slots {
            out.push(
                Diagnostic::error(
                    Code::DIMM_SLOTS,
                    format!(
                        "{} {} has {} DIMMs but a {} has {} slots",
                        host.noun(),
                        host.name,
                        hw.dimm_count.value,
                        chassis.model,
                        chassis.dimm_slots
                    ),
                    hw.dimm_count.span,
                    format!("{} DIMMs", hw.dimm_count.value),
                )
                .with_help("use fewer, larger DIMMs"),
            );
        }
        if hw.memory() > chassis.max_memory {
            out.push(
                Diagnostic::error(
                    Code::CHASSIS_MEMORY,
                    format!(
                        "{} {} has {} installed but a {} supports at most {}",
                        host.noun(),
                        host.name,
                        hw.memory(),
                        chassis.model,
                        chassis.max_memory
                    ),
                    hw.dimm_count.span,
                    format!(
                        "{} × {} = {}",
                        hw.dimm_count.value,
                        hw.dimm_size.unwrap_or_default(),
                        hw.memory()
                    ),
                )
                .with_help(format!(
                    "stay within {} per the {} specification",
                    chassis.max_memory, chassis.model
                )),
            );
        }
    }
}

/// Labels the largest consumers of a budget and summarises the rest in a note.
fn with_consumers(
    mut d: Diagnostic,
    model: &Model,
    usage: &Usage,
    show: impl Fn(u64) -> String,
) -> Diagnostic {
    for (guest, amount, span) in usage.consumers.iter().take(LARGEST) {
        d = d.with_label(
            *span,
            format!("{}: {}", model.machine(*guest).name, show(*amount)),
        );
    }
    let rest = &usage.consumers[usage.consumers.len().min(LARGEST)..];
    if !rest.is_empty() {
        let total: u64 = rest.iter().map(|c| c.1).sum();
        d = d.with_note(format!(
            "{} more guest{} use {}; `infrac check --summary` lists them all",
            rest.len(),
            plural(rest.len()),
            show(total)
        ));
    }
    d
}

fn hosts(model: &Model, out: &mut Vec<Diagnostic>) {
    for budget in host_budgets(model) {
        let host = model.machine(budget.host);
        let Some(hw) = &host.hardware else { continue };
        let vcpu = |m: u64| {
            format!(
                "{} vCPU{}",
                format_vcpus(m),
                if m == 1000 { "" } else { "s" }
            )
        };
        // Written out only for a diagnostic: most hosts of a large lab have none.
        let cpu_basis = || {
            format!(
                "{} logical CPUs, {} reserved for the hypervisor, overcommit {:.1}",
                hw.threads().max(hw.cores()),
                host.reserve.cpu,
                host.overcommit.cpu
            )
        };
        let mem_basis = || {
            format!(
                "{} installed, {} reserved for the hypervisor, overcommit {:.1}",
                hw.memory(),
                host.reserve.memory,
                host.overcommit.memory
            )
        };
        // A VM wider than the whole host is its own error (E0490, in `numa`); the
        // budget it breaks with it is a consequence, reported once that VM is fixed.
        let threads = hw.threads().max(hw.cores());
        let too_wide = model.guests_on(budget.host).any(|(_, _, g)| {
            g.kind == GuestKind::Vm
                && u64::from(g.cores.value.saturating_mul(g.sockets.max(1))) > u64::from(threads)
        });
        if budget.cpu.over() && !too_wide {
            let reserves_all = host.reserve.cpu.0 >= u64::from(threads) * 1000;
            let d = Diagnostic::error(
                Code::CPU_BUDGET,
                if reserves_all {
                    format!("host {} reserves {} for the hypervisor, but has {} logical CPUs", host.name, host.reserve.cpu.cores_text(), threads)
                } else {
                    format!("host {} is over its CPU budget: {} of {}", host.name, vcpu(budget.cpu.used), vcpu(budget.cpu.capacity))
                },
                host.span,
                cpu_basis(),
            )
            .with_help(if reserves_all {
                "lower the host's `reserve { cores = … }` below its logical CPUs"
            } else {
                "lower a guest's cores, move a guest to another host, or raise the host's `overcommit { cpu = … }`"
            });
            out.push(with_consumers(d, model, &budget.cpu, vcpu));
        }
        if budget.memory.over() {
            // A reserve of all the memory there is leaves no budget to be over: that
            // reserve is the mistake, not the guests.
            let reserves_all = host.reserve.memory.0 >= hw.memory().0;
            let d = Diagnostic::error(
                Code::MEMORY_BUDGET,
                if reserves_all {
                    format!(
                        "host {} reserves {} for the hypervisor, but has {} installed",
                        host.name,
                        host.reserve.memory,
                        hw.memory()
                    )
                } else {
                    format!(
                        "host {} is over its memory budget: {}",
                        host.name,
                        bytes_of(budget.memory.used, budget.memory.capacity)
                    )
                },
                host.span,
                mem_basis(),
            )
            .with_help(if reserves_all {
                "lower the host's `reserve { memory = … }` below its installed memory: it is what \
                 the hypervisor keeps for itself"
            } else {
                "lower a guest's memory, move it to another host, or raise the host's overcommit"
            });
            out.push(with_consumers(d, model, &budget.memory, format_bytes));
        }
        let idle_cpu = budget.cpu.used + budget.idle_cpu.used;
        let idle_mem = budget.memory.used + budget.idle_memory.used;
        if !budget.cpu.over()
            && idle_cpu > budget.cpu.capacity
            && !budget.idle_cpu.consumers.is_empty()
        {
            let d = Diagnostic::warning(
                Code::GUEST_WOULD_NOT_FIT,
                format!(
                    "host {} would need {} of {} if its stopped guests were started",
                    host.name,
                    vcpu(idle_cpu),
                    vcpu(budget.cpu.capacity)
                ),
                host.span,
                cpu_basis(),
            )
            .with_help("these guests are declared with `start = false`; starting them would overload the host");
            out.push(with_consumers(d, model, &budget.idle_cpu, vcpu));
        }
        if !budget.memory.over()
            && idle_mem > budget.memory.capacity
            && !budget.idle_memory.consumers.is_empty()
        {
            let d = Diagnostic::warning(
                Code::GUEST_WOULD_NOT_FIT,
                format!(
                    "host {} would need {} of {} memory if its stopped guests were started",
                    host.name,
                    format_bytes(idle_mem),
                    format_bytes(budget.memory.capacity)
                ),
                host.span,
                mem_basis(),
            )
            .with_help("these guests are declared with `start = false`; starting them would overload the host");
            out.push(with_consumers(d, model, &budget.idle_memory, format_bytes));
        }
    }
}

/// `used of capacity` in bytes, exact where rounding would hide the difference.
/// Use against capacity, with the excess in the same units people write sizes in:
/// "1.2 TiB of 1 TiB (160 GiB over)", or "84 GiB over its 3.5 TiB" when the two round
/// to the same figure.
fn bytes_of(used: u64, capacity: u64) -> String {
    let (u, c) = (format_bytes(used), format_bytes(capacity));
    if used <= capacity {
        return format!("{u} of {c}");
    }
    let excess = format_bytes(used - capacity);
    if u == c {
        format!("{excess} over its {c}")
    } else {
        format!("{u} of {c} ({excess} over)")
    }
}

#[cfg(test)]
mod bytes_tests {
    use super::bytes_of;

    #[test]
    fn use_that_rounds_to_the_capacity_shows_the_excess() {
        const GIB: u64 = 1 << 30;
        let capacity = 3584 * GIB; // 3.5 TiB
        assert_eq!(
            bytes_of(capacity + 40 * GIB, capacity),
            "40 GiB over its 3.5 TiB"
        );
        assert_eq!(
            bytes_of(capacity + 84 * GIB, capacity),
            "3.6 TiB of 3.5 TiB (84 GiB over)"
        );
        assert_eq!(bytes_of(capacity + 1, capacity), "1 B over its 3.5 TiB");
        assert_eq!(
            bytes_of(1024 * GIB + 160 * GIB, 1024 * GIB),
            "1.2 TiB of 1 TiB (160 GiB over)"
        );
        assert_eq!(bytes_of(GIB, 2 * GIB), "1 GiB of 2 GiB");
    }
}

fn pools(model: &Model, out: &mut Vec<Diagnostic>) {
    for pool in pool_budgets(model) {
        if !pool.usage.over() {
            continue;
        }
        let hosts: Vec<&str> = pool
            .hosts
            .iter()
            .map(|h| model.machine(*h).name.as_str())
            .collect();
        let whose = if pool.shared {
            format!("shared pool {} (on {})", pool.name, hosts.join(", "))
        } else {
            format!("pool {} on host {}", pool.name, hosts.join(", "))
        };
        let d = Diagnostic::error(
            Code::STORAGE_BUDGET,
            format!(
                "{whose} is over capacity: {}",
                bytes_of(pool.usage.used, pool.usage.capacity)
            ),
            pool.span,
            format!("{} pool", format_bytes(pool.usage.capacity)),
        )
        .with_note(
            "disks of guests that are not started at boot count too: their space is allocated",
        )
        .with_help("shrink or move a disk, or grow the pool");
        out.push(with_consumers(d, model, &pool.usage, format_bytes));
    }
}

fn pci(model: &Model, out: &mut Vec<Diagnostic>) {
    let mut holders: BTreeMap<(MachineId, &str), Vec<MachineId>> = BTreeMap::new();
    for (id, _, guest) in model.guests() {
        if !guest.start {
            continue;
        }
        for device in &guest.pci {
            holders
                .entry((guest.host, device.value.as_str()))
                .or_default()
                .push(id);
        }
    }
    for ((host, device), guests) in holders {
        if guests.len() < 2 {
            continue;
        }
        let span_of = |g: MachineId| {
            let machine = model.machine(g);
            machine
                .guest
                .iter()
                .flat_map(|guest| &guest.pci)
                .find(|p| p.value == device)
                .map_or(machine.span, |p| p.span)
        };
        let last = guests[guests.len() - 1];
        let mut d = Diagnostic::error(
            Code::PCI_SHARED,
            format!("PCI device {device} of host {} is passed through to {} running guests", model.machine(host).name, guests.len()),
            span_of(last),
            format!("also given to {}", model.machine(last).name),
        )
        .with_help("a device can be passed through to one running guest; set `start = false` on the others or give each its own device");
        for g in &guests[..guests.len() - 1] {
            d = d.with_label(span_of(*g), format!("held by {}", model.machine(*g).name));
        }
        out.push(d);
    }
}

fn numa(model: &Model, machine: &Machine, guest: &Guest, out: &mut Vec<Diagnostic>) {
    let host = model.machine(guest.host);
    let Some(hw) = &host.hardware else { return };
    let vcpus = guest.cores.value.saturating_mul(guest.sockets.max(1));
    let threads = hw.threads().max(hw.cores());
    // Proxmox refuses to start a VM with more vCPUs than the node has logical CPUs
    // ("MAX N vcpus allowed per VM on this node", qemu-server's
    // PVE/QemuServer.pm, config_to_command), whatever the overcommit.
    if guest.kind == GuestKind::Vm && threads > 0 && u64::from(vcpus) > u64::from(threads) {
        out.push(
            Diagnostic::error(
                Code::GUEST_MORE_VCPUS_THAN_HOST,
                format!(
                    "vm {} has {vcpus} vCPUs, more than the {threads} logical CPUs of host {}",
                    machine.name, host.name
                ),
                guest.cores.span,
                if guest.sockets > 1 {
                    format!("{} sockets × {} cores = {vcpus} vCPUs", guest.sockets, guest.cores.value)
                } else {
                    format!("{vcpus} vCPUs")
                },
            )
            .with_label(host.name_span, format!("{threads} logical CPUs"))
            .with_help(format!(
                "give {} at most {threads} vCPUs, or move it to a larger host",
                machine.name
            ))
            .with_note("Proxmox refuses to start a VM with more vCPUs than its node has logical CPUs, however far CPU overcommit is raised"),
        );
        return;
    }
    let Some(cpu) = &hw.cpu else { return };
    if hw.cpu_count.value < 2 {
        return;
    }
    // A guest sees one NUMA node per virtual socket; what matters is whether one
    // virtual socket has more cores than one physical socket.
    if guest.cores.value > cpu.cores {
        out.push(
            Diagnostic::warning(
                Code::NUMA_SPAN,
                format!("guest {} has {} cores per socket, more than the {} cores of one socket of host {}", machine.name, guest.cores.value, cpu.cores, host.name),
                guest.cores.span,
                format!("spans NUMA nodes: each {} has {} cores", cpu.model, cpu.cores),
            )
            .with_help(numa_layout_help(vcpus, cpu.cores)),
        );
    }
}

/// The help for a guest wider than one physical socket: the fewest virtual sockets
/// (at least two) that split the guest's vCPUs evenly into sockets no wider than a
/// physical one, so the suggested layout keeps the vCPU count.
fn numa_layout_help(vcpus: u32, socket_cores: u32) -> String {
    let fewest = vcpus.div_ceil(socket_cores.max(1)).max(2);
    let layout = (fewest..=vcpus)
        .find(|sockets| vcpus.is_multiple_of(*sockets))
        .map(|sockets| (sockets, vcpus / sockets));
    match layout {
        Some((sockets, cores)) if cores > 1 || socket_cores <= 1 => format!(
            "expose the layout to the guest: `sockets = {sockets}` with `cores = {cores}` ({vcpus} vCPUs), or keep it within {socket_cores} cores"
        ),
        _ => {
            // A prime count splits only into one-core sockets: round it to a count
            // that splits, and say so.
            let even = vcpus.next_multiple_of(fewest);
            format!(
                "{vcpus} vCPUs do not split evenly into sockets of at most {socket_cores} cores: use `sockets = {fewest}` with `cores = {}` ({even} vCPUs), or keep it within {socket_cores} cores",
                even / fewest
            )
        }
    }
}

#[cfg(test)]
mod numa_tests {
    use super::numa_layout_help;

    #[test]
    fn the_suggested_layout_keeps_the_vcpu_count() {
        // 64 vCPUs on 14-core sockets: 5 sockets of 13 would be 65.
        assert!(numa_layout_help(64, 14).contains("`sockets = 8` with `cores = 8` (64 vCPUs)"));
        assert!(numa_layout_help(24, 16).contains("`sockets = 2` with `cores = 12` (24 vCPUs)"));
        // 17 is prime: the help says the count changes.
        assert!(numa_layout_help(17, 8).contains("do not split evenly"));
        for vcpus in 2..200 {
            for socket in 1..40 {
                let help = numa_layout_help(vcpus, socket);
                let numbers: Vec<u32> = help
                    .split(|c: char| !c.is_ascii_digit())
                    .filter_map(|n| n.parse().ok())
                    .collect();
                // sockets × cores is the vCPU count the help names.
                let (sockets, cores) = if help.contains("do not split") {
                    (numbers[2], numbers[3])
                } else {
                    (numbers[0], numbers[1])
                };
                assert!(sockets * cores >= vcpus, "{help}");
            }
        }
    }
}

/// One app's request of a resource: amount for all replicas, where it is written, app name.
type Request = (u64, infrac_diagnostics::Span, String);

/// What `node` offers the pods of `cluster`: its CPUs in millicores and its memory in
/// bytes, less what the cluster keeps on every node for the system; `None` when the lab
/// does not state its size.
fn node_offer(
    model: &Model,
    cluster: &infrac_model::Cluster,
    node: MachineId,
) -> Option<(u64, u64)> {
    let (cpus, memory) = model.machine(node).capacity()?;
    Some((
        (u64::from(cpus) * 1000).saturating_sub(cluster.reserve.cpu.0),
        memory.0.saturating_sub(cluster.reserve.memory.0),
    ))
}

/// An amount of CPU for a sentence: `2 CPUs`, `1 CPU`, `4.5 CPUs` (not `4500m CPUs`: the
/// millicores of a manifest are a unit for machines, not for a sentence).
fn cpu_text(millicores: u64) -> String {
    format!(
        "{} CPU{}",
        format_vcpus(millicores),
        if millicores == 1000 { "" } else { "s" }
    )
}

fn cluster(model: &Model, out: &mut Vec<Diagnostic>) {
    for (c, cluster) in model.clusters.iter().enumerate() {
        // A node listed twice is reported by the wiring checks; counting it twice here
        // would hide a real over-request.
        let mut nodes: Vec<MachineId> = Vec::new();
        for (node, _) in cluster.nodes() {
            if !nodes.contains(&node) {
                nodes.push(node);
            }
        }
        // A node whose size the lab does not state (a machine without `hardware`) offers
        // an unknown amount, so the cluster's allocatable cannot be proven short.
        let offers: Option<Vec<(u64, u64)>> = nodes
            .iter()
            .map(|n| node_offer(model, cluster, *n))
            .collect();
        let Some(offers) = offers else {
            continue;
        };
        let cpu_alloc: u64 = offers.iter().map(|o| o.0).sum();
        let mem_alloc: u64 = offers.iter().map(|o| o.1).sum();
        let mut cpu: Vec<Request> = Vec::new();
        let mut mem: Vec<Request> = Vec::new();
        for app in model.apps_in(infrac_model::ClusterId(c as u32)) {
            let replicas = u64::from(app.replicas);
            if let Some(r) = app.requests.cpu {
                cpu.push((r.value.0 * replicas, r.span, app.name.clone()));
            }
            if let Some(r) = app.requests.memory {
                mem.push((r.value.0 * replicas, r.span, app.name.clone()));
            }
        }
        let report = |items: &mut Vec<Request>,
                      capacity: u64,
                      what: &str,
                      show: &dyn Fn(u64) -> String,
                      out: &mut Vec<Diagnostic>| {
            let used: u64 = items.iter().map(|i| i.0).sum();
            if used <= capacity {
                return;
            }
            items.sort_by(|a, b| b.0.cmp(&a.0).then(a.2.cmp(&b.2)));
            let mut d = Diagnostic::error(
                Code::CLUSTER_BUDGET,
                format!(
                    "apps in cluster {} request more {what} than its nodes offer: {} of {}",
                    cluster.name,
                    show(used),
                    show(capacity)
                ),
                cluster.span,
                if cluster.reserve.cpu.0 == 0 && cluster.reserve.memory.0 == 0 {
                    format!("{} node{}", nodes.len(), plural(nodes.len()))
                } else {
                    format!(
                        "{} node{}, each keeping {} and {} for the system",
                        nodes.len(),
                        plural(nodes.len()),
                        cluster.reserve.cpu.cores_text(),
                        cluster.reserve.memory
                    )
                },
            )
            .with_help("lower requests or replicas, or add nodes to the cluster");
            for (amount, span, name) in items.iter().take(LARGEST) {
                d = d.with_label(*span, format!("{name}: {} (all replicas)", show(*amount)));
            }
            out.push(d);
        };
        report(&mut cpu, cpu_alloc, "CPU", &cpu_text, out);
        report(
            &mut mem,
            mem_alloc,
            "memory",
            &|b| Bytes(b).to_string(),
            out,
        );
    }
}

fn limits(model: &Model, out: &mut Vec<Diagnostic>) {
    for app in &model.apps {
        if let (Some(req), Some(lim)) = (app.requests.cpu, app.limits.cpu) {
            if lim.value < req.value {
                out.push(
                    Diagnostic::error(Code::LIMIT_BELOW_REQUEST, format!("app {} limits CPU to {} but requests {}", app.name, lim.value, req.value), lim.span, "limit below the request")
                        .with_label(req.span, "requested here")
                        .with_help("Kubernetes rejects a limit below the request; raise the limit or lower the request"),
                );
            }
        }
        if let (Some(req), Some(lim)) = (app.requests.memory, app.limits.memory) {
            if lim.value < req.value {
                out.push(
                    Diagnostic::error(Code::LIMIT_BELOW_REQUEST, format!("app {} limits memory to {} but requests {}", app.name, lim.value, req.value), lim.span, "limit below the request")
                        .with_label(req.span, "requested here")
                        .with_help("Kubernetes rejects a limit below the request; raise the limit or lower the request"),
                );
            }
        }
    }
}
