//! The IP plan page: every network's prefixes, gateway and DHCP range, every assigned
//! address, the free ranges and the utilisation of each prefix.

use crate::inventory::multi_site;
use crate::ipam::{all_assignments, ipv6_size, usage4};
use crate::markdown::{cell, doc_block, lines, or_dash, percent, Table};
use crate::text::push_ip;
use infrac_model::prefix_index::PrefixIndex;
use infrac_model::Model;
use ipnet::IpNet;
use serde::Serialize;
use std::fmt::Write;
use std::net::{IpAddr, Ipv4Addr};

#[derive(Serialize)]
pub(crate) struct IpPlanPage {
    header: String,
    summary: Table,
    allocations: Vec<Allocation>,
    networks: Vec<NetworkView>,
    clusters: Table,
}

#[derive(Serialize)]
struct Allocation {
    site: String,
    prefix: String,
    usage: String,
    subnets: Table,
}

#[derive(Serialize)]
struct NetworkView {
    name: String,
    doc: Option<String>,
    facts: Table,
    addresses: Table,
    usage4: Option<String>,
    free4: Table,
    usage6: Option<String>,
}

pub(crate) fn page(model: &Model, header: &str) -> IpPlanPage {
    let sites = multi_site(model);
    let mut columns = vec!["Network"];
    if sites {
        columns.push("Site");
    }
    columns.extend(["Zone", "Bridge", "VLAN>", "IPv4", "IPv6", "IPv4 used>"]);
    let mut summary = Table::new(&columns);
    let mut networks = Vec::new();
    for (network, assigned) in model.networks.iter().zip(all_assignments(model)) {
        let usage = usage4(network, &assigned);
        // An overlay has no bridge: its members reach it through their own interface.
        let bridge = match network.overlay {
            Some(overlay) => Some(format!("{} overlay", overlay.title())),
            None => network.bridge.as_ref().map(|b| b.value.clone()),
        };
        let mut row = vec![format!(
            "[{}](#network-{})",
            cell(&network.name),
            anchor(&network.name)
        )];
        if sites {
            row.push(cell(&model.site(network.site).name));
        }
        row.extend([
            cell(&network.zone),
            or_dash(bridge.map(|b| cell(&b))),
            or_dash(network.vlan.map(|v| v.value.to_string())),
            or_dash(network.ipv4.map(|p| p.value.to_string())),
            or_dash(network.ipv6.map(|p| p.value.to_string())),
            or_dash(
                usage
                    .as_ref()
                    .map(|u| percent(u.used() as f64, u.usable as f64)),
            ),
        ]);
        summary.row(row);
        let mut facts = Table::new(&["Fact", "Value"]);
        let mut fact = |name: &str, value: Option<String>| {
            facts.row(vec![name.into(), or_dash(value.map(|v| cell(&v)))]);
        };
        if sites {
            fact("Site", Some(model.site(network.site).name.clone()));
        }
        if let Some(overlay) = network.overlay {
            fact("Overlay", Some(overlay.title().into()));
        }
        fact("Zone", Some(network.zone.clone()));
        if network.overlay.is_none() {
            fact("Bridge", network.bridge.as_ref().map(|b| b.value.clone()));
        }
        fact("VLAN", network.vlan.map(|v| v.value.to_string()));
        fact(
            "IPv4 prefix",
            match (network.ipv4, network.uplink) {
                (Some(p), _) => Some(p.value.to_string()),
                (None, true) => Some("from the provider".into()),
                (None, false) => None,
            },
        );
        fact("IPv4 gateway", network.gateway.map(|g| g.value.to_string()));
        fact(
            "DHCP range",
            network
                .dhcp
                .map(|d| format!("{} – {}", d.value.0, d.value.1)),
        );
        fact("IPv6 prefix", network.ipv6.map(|p| p.value.to_string()));
        fact(
            "IPv6 gateway",
            network.gateway6.map(|g| g.value.to_string()),
        );
        fact(
            "DNS servers",
            (!network.dns.is_empty()).then(|| {
                network
                    .dns
                    .iter()
                    .map(|d| d.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            }),
        );
        fact(
            "Uplink",
            Some(if network.uplink { "yes" } else { "no" }.into()),
        );
        // Rows in address order, the DHCP pool at its first address, after any address
        // assigned there: the assignments come sorted, so the pool's row is the only one
        // to place.
        let mut addresses = Table::new(&["Address", "Assigned to"]);
        let mut dhcp = network.dhcp.map(|d| d.value);
        for (address, holders) in &assigned {
            if let Some((first, last)) = dhcp.filter(|(first, _)| IpAddr::V4(*first) < *address) {
                dhcp_row(&mut addresses, first, last);
                dhcp = None;
            }
            addresses.add(|row| {
                row.raw_with(|out| push_ip(out, *address))
                    .lines(holders, |out, holder| out.push_str(holder));
            });
        }
        if let Some((first, last)) = dhcp {
            dhcp_row(&mut addresses, first, last);
        }
        let mut free4 = Table::new(&["First", "Last", "Addresses>"]);
        if let Some(u) = &usage {
            for (a, b) in &u.free {
                free4.row(vec![
                    a.to_string(),
                    b.to_string(),
                    (u64::from(u32::from(*b)) - u64::from(u32::from(*a)) + 1).to_string(),
                ]);
            }
        }
        let usage4_text = usage.as_ref().map(|u| {
            format!(
                "{} of {} usable addresses in use ({}): {} static, {} in the DHCP range; {} free.",
                u.used(),
                u.usable,
                percent(u.used() as f64, u.usable as f64),
                u.fixed,
                u.dhcp,
                u.usable.saturating_sub(u.used())
            )
        });
        let usage6_text = network.ipv6.map(|p| {
            let count = assigned
                .iter()
                .filter(|(a, _)| matches!(a, IpAddr::V6(_)))
                .count();
            format!(
                "{count} static address{} of {} in {} (utilisation {}); the rest is free for SLAAC and DHCPv6.",
                if count == 1 { "" } else { "es" },
                ipv6_size(p.value.prefix_len()),
                p.value,
                percent(count as f64, 2f64.powi(128 - i32::from(p.value.prefix_len())))
            )
        });
        networks.push(NetworkView {
            name: cell(&network.name),
            doc: doc_block(network.doc.as_deref()),
            facts,
            addresses,
            usage4: usage4_text,
            free4,
            usage6: usage6_text,
        });
    }
    let mut allocations = Vec::new();
    let mut in_allocation = networks_in_allocations(model);
    for (site_index, site) in model.sites.iter().enumerate() {
        let Some(allocation) = site.ipv6 else {
            continue;
        };
        let mut subnets = Table::new(&["Subnet", "Used by"]);
        let mut used: Vec<(IpNet, String)> = std::mem::take(&mut in_allocation[site_index]);
        for cluster in &model.clusters {
            for (prefix, what) in [(cluster.pods6, "pods"), (cluster.services6, "services")] {
                if let Some(IpNet::V6(p)) = prefix.map(|p| p.value) {
                    if allocation.value.contains(&p) {
                        used.push((IpNet::V6(p), format!("cluster {} {what}", cluster.name)));
                    }
                }
            }
        }
        used.sort();
        let sixty_fours: u128 = used.iter().filter(|(p, _)| p.prefix_len() >= 64).count() as u128;
        for (prefix, who) in &used {
            subnets.row(vec![prefix.to_string(), cell(who)]);
        }
        let total = 1u128
            << 64u32
                .saturating_sub(u32::from(allocation.value.prefix_len()))
                .min(127);
        allocations.push(Allocation {
            site: cell(&site.name),
            prefix: allocation.value.to_string(),
            usage: format!(
                "{sixty_fours} of {total} /64 subnets in use ({}).",
                percent(sixty_fours as f64, total as f64)
            ),
            subnets,
        });
    }
    let mut clusters = Table::new(&["Cluster", "Pods", "Services"]);
    for cluster in &model.clusters {
        let mut pods = vec![cluster.pods.value.to_string()];
        pods.extend(cluster.pods6.map(|p| p.value.to_string()));
        let mut services = vec![cluster.services.value.to_string()];
        services.extend(cluster.services6.map(|p| p.value.to_string()));
        clusters.row(vec![cell(&cluster.name), lines(&pods), lines(&services)]);
    }
    IpPlanPage {
        header: header.to_string(),
        summary,
        allocations,
        networks,
        clusters,
    }
}

/// The row of a network's DHCP pool in its table of assigned addresses.
fn dhcp_row(addresses: &mut Table, first: Ipv4Addr, last: Ipv4Addr) {
    let size = u64::from(u32::from(last)).saturating_sub(u64::from(u32::from(first))) + 1;
    addresses.add(|row| {
        row.raw_with(|out| {
            let _ = write!(out, "{first} – {last}");
        })
        .raw_with(|out| {
            let _ = write!(out, "DHCP pool ({size} addresses)");
        });
    });
}

/// The GitHub heading anchor of `## Network NAME`.
fn anchor(name: &str) -> String {
    name.chars()
        .filter_map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                Some(c.to_ascii_lowercase())
            } else if c == ' ' {
                Some('-')
            } else {
                None
            }
        })
        .collect()
}

/// For each site, the networks whose IPv6 prefix its allocation holds, as the IP plan
/// lists them: found through the allocations by prefix, where testing every network
/// against every site grew with sites × networks.
fn networks_in_allocations(model: &Model) -> Vec<Vec<(IpNet, String)>> {
    let mut allocations = PrefixIndex::default();
    for (i, site) in model.sites.iter().enumerate() {
        if let Some(allocation) = site.ipv6 {
            allocations.insert(IpNet::V6(allocation.value), i as u32);
        }
    }
    let mut used = vec![Vec::new(); model.sites.len()];
    for network in &model.networks {
        let Some(p) = network.ipv6 else {
            continue;
        };
        for site in allocations.containing(IpNet::V6(p.value)) {
            used[site as usize].push((IpNet::V6(p.value), format!("network {}", network.name)));
        }
    }
    used
}
