//! Facts the editor shows that the model derives: a network's used and free addresses,
//! the next free VMID, a host's and a pool's headroom, what a firewall rule decides.
//!
//! The figures come from the model's own derivations (`Machine::addresses`,
//! `roles::leases`, `budget`, `policy`); this module only picks and words them.

use infrac_diagnostics::Span;
use infrac_model::budget::{self, Usage};
use infrac_model::policy::{Chain, Decider, Policy};
use infrac_model::{GuestKind, MachineId, Model, NetworkId, SiteId};
use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr};

/// Every address the lab places on a network: machines' NICs, placed addresses and BMCs,
/// static DHCP leases and the gateways.
pub(crate) fn used_addresses(model: &Model, id: NetworkId) -> BTreeSet<IpAddr> {
    let network = model.network(id);
    let mut used: BTreeSet<IpAddr> = model
        .machines
        .iter()
        .flat_map(|m| m.addresses())
        .filter(|(n, _)| *n == id)
        .map(|(_, a)| a.value)
        .collect();
    used.extend(
        infrac_model::roles::leases(model, id)
            .iter()
            .map(|l| IpAddr::V4(l.ip.value)),
    );
    used.extend(network.gateway.as_ref().map(|g| IpAddr::V4(g.value)));
    used.extend(network.gateway6.as_ref().map(|g| IpAddr::V6(g.value)));
    used
}

/// The IPv4 addresses of a network: used, free for static use, and in the DHCP range.
pub(crate) struct V4Use {
    pub used: u64,
    pub free: u64,
    pub usable: u64,
    pub dynamic: u64,
}

pub(crate) fn v4_use(model: &Model, id: NetworkId) -> Option<V4Use> {
    let network = model.network(id);
    let prefix = network.ipv4.as_ref()?.value;
    let used = used_addresses(model, id)
        .iter()
        .filter(|a| matches!(a, IpAddr::V4(v4) if prefix.contains(v4)))
        .count() as u64;
    // Network and broadcast addresses are not usable below a /31.
    let size = 1u64 << (32 - u32::from(prefix.prefix_len()));
    let usable = if prefix.prefix_len() >= 31 {
        size
    } else {
        size - 2
    };
    let dynamic = network.dhcp.as_ref().map_or(0, |range| {
        u64::from(u32::from(range.value.1)).saturating_sub(u64::from(u32::from(range.value.0))) + 1
    });
    Some(V4Use {
        used,
        free: usable.saturating_sub(used + dynamic),
        usable,
        dynamic,
    })
}

/// The lowest IPv4 address of a network that nothing uses and the DHCP server does not
/// hand out.
pub(crate) fn next_free_v4(model: &Model, id: NetworkId) -> Option<Ipv4Addr> {
    let network = model.network(id);
    let prefix = network.ipv4.as_ref()?.value;
    let used = used_addresses(model, id);
    let (first, last) = {
        let network_address = u32::from(prefix.network());
        let broadcast = u32::from(prefix.broadcast());
        if prefix.prefix_len() >= 31 {
            (network_address, broadcast)
        } else {
            (network_address + 1, broadcast - 1)
        }
    };
    let dynamic = network
        .dhcp
        .as_ref()
        .map(|r| (u32::from(r.value.0), u32::from(r.value.1)));
    // At most `used.len()` addresses are skipped before a free one, plus the DHCP range
    // (jumped over in one step), so this ends quickly even on a /8.
    let mut candidate = first;
    while candidate <= last {
        if let Some((_, hi)) = dynamic.filter(|(lo, hi)| (*lo..=*hi).contains(&candidate)) {
            candidate = hi.checked_add(1)?;
            continue;
        }
        let address = Ipv4Addr::from(candidate);
        if !used.contains(&IpAddr::V4(address)) {
            return Some(address);
        }
        candidate = candidate.checked_add(1)?;
    }
    None
}

/// The lowest VMID no guest of the lab uses, within the site's range for the kind when it
/// sets one (Proxmox's own `nextid` also answers the lowest free ID, from 100).
pub(crate) fn next_free_vmid(model: &Model, kind: GuestKind, site: Option<SiteId>) -> Option<u32> {
    let used: BTreeSet<u32> = model.guests().map(|(_, _, g)| g.vmid.value.0).collect();
    let naming = site
        .filter(|s| s.index() < model.sites.len())
        .map(|s| &model.site(s).naming)
        .and_then(|n| match kind {
            GuestKind::Lxc => n.vmid_lxc.as_ref(),
            GuestKind::Vm => n.vmid_vm.as_ref(),
        });
    let (lo, hi) = naming.map_or((100, 999_999_999), |r| r.value);
    (lo..=hi).find(|id| !used.contains(id))
}

fn usage_line(what: &str, usage: &Usage, show: impl Fn(u64) -> String) -> String {
    format!(
        "{what}: {} of {} used ({:.0}%), {} free{}",
        show(usage.used),
        show(usage.capacity),
        usage.percent(),
        show(usage.headroom()),
        if usage.over() { " — over budget" } else { "" }
    )
}

/// A hypervisor's CPU, memory and storage pools against what its guests ask for.
pub(crate) fn host_budget(model: &Model, host: MachineId) -> Option<String> {
    let hosts = budget::host_budgets(model);
    let b = hosts.iter().find(|b| b.host == host)?;
    let mut lines = vec![
        usage_line("CPU", &b.cpu, budget::format_vcpus),
        usage_line("memory", &b.memory, budget::format_bytes),
    ];
    if !b.idle_cpu.consumers.is_empty() {
        lines.push(format!(
            "guests not started at boot would add {} vCPUs and {}",
            budget::format_vcpus(b.idle_cpu.used),
            budget::format_bytes(b.idle_memory.used)
        ));
    }
    for pool in budget::pool_budgets(model)
        .iter()
        .filter(|p| p.hosts.contains(&host))
    {
        lines.push(usage_line(
            &format!("pool `{}`", pool.name),
            &pool.usage,
            budget::format_bytes,
        ));
    }
    Some(lines.join("\n- "))
}

/// The use of the pool named `name` (the first the model lists with that name), for
/// hover on a pool's name or on the pool a disk is placed on.
pub(crate) fn pool_budget(model: &Model, name: &str) -> Option<String> {
    let pools = budget::pool_budgets(model);
    let pool = pools.iter().find(|p| p.name == name)?;
    Some(usage_line(
        &format!("pool `{}`", pool.name),
        &pool.usage,
        budget::format_bytes,
    ))
}

/// What the firewall rule written at `offset` of a file decides: the zone pairs whose new
/// connections it is the first match for, and whether earlier rules leave it nothing.
pub(crate) fn rule_facts(model: &Model, span: Span) -> Option<String> {
    let inside = |s: Option<Span>| {
        s.is_some_and(|s| s.file == span.file && s.start <= span.start && span.end <= s.end)
    };
    for policy in infrac_model::policy::policies(model) {
        for chain in Chain::ALL {
            let Some(index) = policy.rules(chain).iter().position(|r| inside(r.span)) else {
                continue;
            };
            return Some(describe_rule(&policy, chain, index));
        }
    }
    None
}

fn describe_rule(policy: &Policy, chain: Chain, index: usize) -> String {
    let rule = &policy.rules(chain)[index];
    let router = &policy.model.machine(policy.router).name;
    let mut out = format!(
        "firewall of `{router}`, {} chain, rule {} of {}: {}",
        chain.as_str(),
        index + 1,
        policy.rules(chain).len(),
        rule.action.as_str()
    );
    let mut zones = policy.zones();
    zones.push("router".into());
    let mut decides = Vec::new();
    for from in &zones {
        for to in &zones {
            let Some((pair_chain, regions)) = policy.zone_pair(from, to) else {
                continue;
            };
            if pair_chain != chain {
                continue;
            }
            let first_match = regions.iter().any(|region| {
                policy
                    .classify(chain, region)
                    .iter()
                    .any(|(d, _)| *d == Decider::Rule(index))
            });
            if first_match {
                decides.push(format!("{from} → {to}"));
            }
        }
    }
    if decides.is_empty() {
        out.push_str("\n\nmatches no new connection between zones");
    } else {
        out.push_str(&format!(
            "\n\nfirst match for new connections {}",
            decides.join(", ")
        ));
    }
    if rule.matches_nothing() {
        out.push_str("\n\nno packet can match it");
    } else {
        let shadowing = policy.shadowing(chain);
        if shadowing.is_shadowed(index) {
            let lines: Vec<String> = shadowing
                .overlapping(index)
                .iter()
                .filter_map(|&j| policy.rules(chain)[j].span)
                .map(|s| infrac_model::policy::source_line(policy.model, s))
                .collect();
            out.push_str("\n\n**shadowed**: earlier rules match everything it matches");
            let shown = lines.len().min(infrac_model::policy::COVERING_SHOWN);
            if shown > 0 {
                out.push_str(&format!(" ({}", lines[..shown].join("; ")));
                if lines.len() > shown {
                    out.push_str(&format!(", and {} more", lines.len() - shown));
                }
                out.push(')');
            }
        }
    }
    let model = policy.model;
    let expectations = rule
        .span
        .map(|span| infrac_model::expect::expectations_decided_by(model, span))
        .unwrap_or_default();
    if !expectations.is_empty() {
        out.push_str("\n\nthe expectations it decides:");
        for e in expectations {
            let span = model.expectations[e].span;
            let written = model
                .sources
                .get(span.file)
                .and_then(|f| f.text.get(span.range()))
                .unwrap_or("");
            out.push_str(&format!(
                "\n- `{}` ({})",
                written.split_whitespace().collect::<Vec<_>>().join(" "),
                infrac_model::policy::source_line(model, span)
            ));
        }
    }
    out
}
