//! `infrac check --summary`: each hypervisor's CPU, memory and disk against capacity.

use infrac_model::budget::{format_bytes, format_vcpus, host_budgets, pool_budgets, Usage};
use infrac_model::Model;
use std::fmt::Write;

fn row(out: &mut String, resource: &str, usage: &Usage, show: &dyn Fn(u64) -> String) {
    let over = if usage.over() { "  OVER" } else { "" };
    let _ = writeln!(
        out,
        "  {resource:<22} {:>12} {:>12} {:>12} {:>6.1}%{over}",
        show(usage.used),
        show(usage.capacity),
        if usage.over() {
            format!("-{}", show(usage.used - usage.capacity))
        } else {
            show(usage.headroom())
        },
        usage.percent()
    );
}

/// The budget table as text.
pub fn render(model: &Model) -> String {
    let mut out = String::new();
    // Only a hypervisor has guests to budget; a bare-metal machine's hardware runs its
    // own workloads.
    let budgets: Vec<_> = host_budgets(model)
        .into_iter()
        .filter(|b| model.machine(b.host).platform.is_hypervisor())
        .collect();
    let pools = pool_budgets(model);
    for budget in &budgets {
        let host = model.machine(budget.host);
        let _ = writeln!(out, "host {}", host.name);
        let _ = writeln!(
            out,
            "  {:<22} {:>12} {:>12} {:>12} {:>7}",
            "resource", "used", "capacity", "headroom", "use"
        );
        row(&mut out, "cpu (vCPUs)", &budget.cpu, &format_vcpus);
        row(&mut out, "memory", &budget.memory, &format_bytes);
        if !budget.idle_cpu.consumers.is_empty() {
            let _ = writeln!(
                out,
                "  {:<22} {:>12} {:>12}   (guests with start = false)",
                "stopped guests",
                format!("+{}", format_vcpus(budget.idle_cpu.used)),
                format!("+{}", format_bytes(budget.idle_memory.used))
            );
        }
        // A shared pool is listed under every host that declares it: each host's
        // guests draw on it, and its row is the same whole-pool figure everywhere.
        for pool in pools.iter().filter(|p| p.hosts.contains(&budget.host)) {
            if !pool.shared {
                row(
                    &mut out,
                    &format!("pool {}", pool.name),
                    &pool.usage,
                    &format_bytes,
                );
                continue;
            }
            row(
                &mut out,
                &format!("pool {} (shared)", pool.name),
                &pool.usage,
                &format_bytes,
            );
            let others: Vec<&str> = pool
                .hosts
                .iter()
                .filter(|h| **h != budget.host)
                .map(|h| model.machine(*h).name.as_str())
                .collect();
            if !others.is_empty() {
                let _ = writeln!(
                    out,
                    "    also on {}: the figures are the whole pool's",
                    others.join(", ")
                );
            }
        }
        let _ = writeln!(out);
    }
    if model.hypervisors().next().is_none() {
        let _ = writeln!(
            out,
            "no machine runs guests, so there are no budgets to show"
        );
    } else if budgets.is_empty() {
        let _ = writeln!(
            out,
            "no host declares its hardware, so there are no budgets to show"
        );
    }
    out
}
