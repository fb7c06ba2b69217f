//! Wiring: VLANs on bridges, guests on networks their host can reach, firewall zones,
//! BGP peers and uplinks, and cluster nodes able to hold the cluster's reservation.

use infrac_diagnostics::{Code, Diagnostic};
use infrac_model::{Model, Platform, Zone};
use ipnet::IpNet;
use std::collections::BTreeMap;

/// Runs every wiring check.
pub fn check(model: &Model) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    vlans(model, &mut out);
    guest_bridges(model, &mut out);
    zones(model, &mut out);
    bgp(model, &mut out);
    cluster_nodes(model, &mut out);
    out
}

fn vlans(model: &Model, out: &mut Vec<Diagnostic>) {
    let mut per_bridge: BTreeMap<(&str, Option<u16>), &infrac_model::Network> = BTreeMap::new();
    for n in &model.networks {
        let Some(bridge) = &n.bridge else { continue };
        if let Some(vlan) = n.vlan {
            if !(1..=4094).contains(&vlan.value) {
                out.push(
                    Diagnostic::error(
                        Code::VLAN_RANGE,
                        format!(
                            "VLAN {} of network {} is outside 1..4094",
                            vlan.value, n.name
                        ),
                        vlan.span,
                        "not a usable 802.1Q VLAN ID",
                    )
                    .with_help("VLAN IDs 0 and 4095 are reserved; use 1..4094"),
                );
            }
            // A tagged network needs a VLAN-aware bridge on every host that has the bridge.
            for host in &model.hosts {
                if let Some(b) = host.bridge(&bridge.value) {
                    if !b.vlan_aware {
                        out.push(
                            Diagnostic::error(Code::VLAN_UNAWARE_BRIDGE, format!("network {} is tagged with VLAN {} but bridge {} on host {} is not VLAN-aware", n.name, vlan.value, b.name, host.name), vlan.span, "a tagged network")
                                .with_label(b.span, "this bridge passes only untagged frames")
                                .with_help(format!("add `vlan_aware = true` to bridge {}", b.name)),
                        );
                    }
                }
            }
        }
        let key = (bridge.value.as_str(), n.vlan.map(|v| v.value));
        match per_bridge.get(&key) {
            Some(first) => {
                let what = match key.1 {
                    Some(v) => format!("VLAN {v}"),
                    None => "no VLAN tag".to_string(),
                };
                let span = n.vlan.map_or(bridge.span, |v| v.span);
                out.push(
                    Diagnostic::error(Code::VLAN_DUPLICATE, format!("networks {} and {} are both on bridge {} with {what}", first.name, n.name, bridge.value), span, format!("{} shares the segment", n.name))
                        .with_label(first.bridge.as_ref().map_or(first.span, |b| first.vlan.map_or(b.span, |v| v.span)), format!("{} is already there", first.name))
                        .with_help("two networks on one bridge need different VLAN tags (and a VLAN-aware bridge), or separate bridges"),
                );
            }
            None => {
                per_bridge.insert(key, n);
            }
        }
    }
}

fn guest_bridges(model: &Model, out: &mut Vec<Diagnostic>) {
    for guest in &model.guests {
        let host = model.host(guest.host);
        if host.platform != Platform::Proxmox {
            let platform = if host.platform == Platform::Cloud {
                "cloud"
            } else {
                "baremetal"
            };
            out.push(
                Diagnostic::error(
                    Code::GUEST_ON_NON_HYPERVISOR,
                    format!(
                        "{} {} is placed on host {}, which is not a Proxmox hypervisor",
                        guest.kind.as_str(),
                        guest.name,
                        host.name
                    ),
                    guest.name_span,
                    format!("`on {}`", host.name),
                )
                .with_label(host.span, format!("declared with `platform = {platform}`"))
                .with_help(
                    "place the guest on a Proxmox host; bare-metal and cloud hosts run no guests",
                ),
            );
            continue;
        }
        for nic in &guest.nics {
            let network = model.network(nic.network);
            match &network.bridge {
                Some(bridge) if host.bridge(&bridge.value).is_some() => {}
                Some(bridge) => out.push(
                    Diagnostic::error(
                        Code::BRIDGE_MISSING,
                        format!(
                            "guest {} joins network {} on bridge {}, which host {} does not have",
                            guest.name, network.name, bridge.value, host.name
                        ),
                        nic.span,
                        format!("{} runs on {}", guest.name, host.name),
                    )
                    .with_label(
                        bridge.span,
                        format!("network {} uses bridge {}", network.name, bridge.value),
                    )
                    .with_help(format!(
                        "declare `bridge {} {{ ports = [...] }}` on host {}{}",
                        bridge.value,
                        host.name,
                        if host.bridges.is_empty() {
                            String::new()
                        } else {
                            format!(
                                " (it has {})",
                                host.bridges
                                    .iter()
                                    .map(|b| b.name.as_str())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            )
                        }
                    )),
                ),
                None => out.push(
                    Diagnostic::error(
                        Code::BRIDGE_MISSING,
                        format!(
                            "guest {} joins network {}, which names no bridge",
                            guest.name, network.name
                        ),
                        nic.span,
                        "no bridge to attach to",
                    )
                    .with_label(network.span, "declared without `bridge`")
                    .with_help(format!("add `bridge = vmbrN` to network {}", network.name)),
                ),
            }
        }
    }
}

fn zones(model: &Model, out: &mut Vec<Diagnostic>) {
    for fw in &model.firewalls {
        for rule in &fw.rules {
            if let (Zone::Named(a), Zone::Named(b)) = (&rule.from.value, &rule.to.value) {
                if a == b && rule.allow {
                    out.push(
                        Diagnostic::warning(Code::ZONE_TO_ITSELF, format!("rule lets zone {a} reach itself through the router"), rule.span, "traffic inside one zone never crosses the router")
                            .with_help("hosts in one zone talk directly on their segment; remove the rule, or split the zone into two networks"),
                    );
                }
            }
        }
    }
}

fn bgp(model: &Model, out: &mut Vec<Diagnostic>) {
    for router in &model.routers {
        let guest = model.guest(router.guest);
        let networks: Vec<&infrac_model::Network> = guest
            .nics
            .iter()
            .map(|n| model.network(n.network))
            .collect();
        let uplinks: Vec<&&infrac_model::Network> = networks.iter().filter(|n| n.uplink).collect();
        if uplinks.is_empty() {
            out.push(
                Diagnostic::error(Code::BGP_NO_UPLINK, format!("BGP runs on {}, which has no NIC on an uplink network", guest.name), router.span, "no way to reach the upstream")
                    .with_label(guest.name_span, format!("{} is declared here", guest.name))
                    .with_help("give the router a NIC on the WAN network (`nic wan { dhcp = true }`, with `uplink = true` on the network)"),
            );
            continue;
        }
        for peer in &router.peers {
            let addr = peer.neighbor.value;
            let on_link = networks.iter().any(|n| match addr {
                std::net::IpAddr::V4(_) => {
                    n.ipv4.is_some_and(|p| IpNet::V4(p.value).contains(&addr))
                }
                std::net::IpAddr::V6(_) => {
                    n.ipv6.is_some_and(|p| IpNet::V6(p.value).contains(&addr))
                }
            });
            // An uplink whose prefix is learned from the provider (DHCP, SLAAC) may hold
            // the peer; so does any uplink for a multihop session.
            let via_uplink = uplinks.iter().any(|n| {
                let declared = match addr {
                    std::net::IpAddr::V4(_) => n.ipv4.map(|p| IpNet::V4(p.value)),
                    std::net::IpAddr::V6(_) => n.ipv6.map(|p| IpNet::V6(p.value)),
                };
                peer.multihop.is_some() || declared.is_none()
            });
            if !on_link && !via_uplink {
                out.push(
                    Diagnostic::error(Code::BGP_PEER_UNREACHABLE, format!("BGP peer {} ({addr}) is on none of {}'s networks", peer.name, guest.name), peer.neighbor.span, "not on a directly connected network")
                        .with_help("peer with an address on the uplink's prefix, or set `multihop = N` for a session across routers"),
                );
            }
        }
    }
}

fn cluster_nodes(model: &Model, out: &mut Vec<Diagnostic>) {
    for cluster in &model.clusters {
        for node in cluster.servers.iter().chain(&cluster.agents) {
            let guest = model.guest(node.value);
            let cores_short = cluster.reserve.cores >= guest.cores.value * guest.sockets.max(1)
                && cluster.reserve.cores > 0;
            let memory_short =
                cluster.reserve.memory >= guest.memory.value && cluster.reserve.memory.0 > 0;
            if cores_short || memory_short {
                let what = if cores_short {
                    format!("{} cores of {}", cluster.reserve.cores, guest.cores.value)
                } else {
                    format!("{} of {}", cluster.reserve.memory, guest.memory.value)
                };
                out.push(
                    Diagnostic::error(
                        Code::CLUSTER_RESERVATION,
                        format!(
                            "node {} of cluster {} cannot hold the cluster's reservation",
                            guest.name, cluster.name
                        ),
                        node.span,
                        format!("the reservation takes {what}"),
                    )
                    .with_label(
                        if cores_short {
                            guest.cores.span
                        } else {
                            guest.memory.span
                        },
                        format!("{} has this much", guest.name),
                    )
                    .with_help("give the node more resources or lower `reserve` in the cluster"),
                );
            }
        }
    }
}
