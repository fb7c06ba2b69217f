//! Wiring: VLANs on bridges, guests on networks their host can reach, firewall zones,
//! BGP peers and uplinks, cluster membership (each node once, at least one server, able
//! to hold the cluster's reservation), machines on networks of their own site, and NFS
//! mounts against the exporting machine.

use crate::nfs::{client_names, refused};
use infrac_diagnostics::{did_you_mean, Code, Diagnostic, Span};
use infrac_model::nfs::nfs_mount;
use infrac_model::{MachineId, Model, NetworkId, Platform, Zone};
use ipnet::IpNet;
use std::collections::BTreeMap;

mod asn;

/// Runs every wiring check.
pub fn check(model: &Model) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    vlans(model, &mut out);
    guest_bridges(model, &mut out);
    zones(model, &mut out);
    bgp(model, &mut out);
    cluster_nodes(model, &mut out);
    sites(model, &mut out);
    exports(model, &mut out);
    out
}

fn vlans(model: &Model, out: &mut Vec<Diagnostic>) {
    let mut per_bridge: BTreeMap<(&str, Option<u16>), &infrac_model::Network> = BTreeMap::new();
    // The bridges that pass only untagged frames, by name, in machine order: one pass
    // over the machines rather than one per tagged network.
    let mut unaware: BTreeMap<&str, Vec<(&infrac_model::Machine, &infrac_model::Bridge)>> =
        BTreeMap::new();
    for (_, host) in model.machines() {
        for b in host.bridges.iter().filter(|b| !b.vlan_aware) {
            // `Machine::bridge` finds the first bridge of a name; so does this.
            if host
                .bridge(&b.name)
                .is_some_and(|first| std::ptr::eq(first, b))
            {
                unaware.entry(b.name.as_str()).or_default().push((host, b));
            }
        }
    }
    for n in &model.networks {
        let Some(bridge) = &n.bridge else { continue };
        if let Some(vlan) = n.vlan {
            // The VLAN ID's range is checked where the network is built, in sema.
            // A tagged network needs a VLAN-aware bridge on every host that has the bridge.
            for &(host, b) in unaware.get(bridge.value.as_str()).into_iter().flatten() {
                out.push(
                    Diagnostic::error(Code::VLAN_UNAWARE_BRIDGE, format!("network {} is tagged with VLAN {} but bridge {} on host {} is not VLAN-aware", n.name, vlan.value, b.name, host.name), vlan.span, "a tagged network")
                        .with_label(b.span, "this bridge passes only untagged frames")
                        .with_help(format!("add `vlan_aware = true` to bridge {}", b.name)),
                );
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
    // Guests that miss the same bridge on the same host share one cause: the host's
    // bridges, reported once with every guest as a consequence.
    let mut missing: BTreeMap<(MachineId, NetworkId), Vec<(&str, Span)>> = BTreeMap::new();
    // Whether the host has the bridge, for the last host and network asked about: a lab
    // lists a host's guests together, and they mostly join the same networks, so this
    // spares comparing the bridge's name with each of the host's bridges every time.
    let mut last: Option<((MachineId, NetworkId), bool)> = None;
    for (_, machine, guest) in model.guests() {
        let host = model.machine(guest.host);
        if !host.platform.is_hypervisor() {
            let help = match host.platform {
                Platform::Baremetal | Platform::Cloud => {
                    "place the guest on a Proxmox host; bare-metal and cloud hosts run no guests"
                        .to_string()
                }
                other => format!(
                    "place the guest on a Proxmox host; {} machines run no guests",
                    other.as_str()
                ),
            };
            out.push(
                Diagnostic::error(
                    Code::GUEST_ON_NON_HYPERVISOR,
                    format!(
                        "{} {} is placed on host {}, which is not a Proxmox hypervisor",
                        guest.kind.as_str(),
                        machine.name,
                        host.name
                    ),
                    machine.name_span,
                    format!("`on {}`", host.name),
                )
                .with_label(
                    host.name_span,
                    format!("declared with `platform = {}`", host.platform.as_str()),
                )
                .with_help(help),
            );
            continue;
        }
        if host.platform != Platform::Proxmox {
            continue;
        }
        for (_, nic, network_id) in machine.attached() {
            let network = model.network(network_id);
            // An overlay is joined inside the guest, over whatever NIC reaches the
            // internet; it has no bridge on the host.
            if network.overlay.is_some() {
                continue;
            }
            let key = (guest.host, network_id);
            let has_bridge = network.bridge.as_ref().map(|bridge| match last {
                Some((known, has)) if known == key => has,
                _ => {
                    let has = host.bridge(&bridge.value).is_some();
                    last = Some((key, has));
                    has
                }
            });
            match has_bridge {
                Some(true) => {}
                Some(false) => missing
                    .entry((guest.host, network_id))
                    .or_default()
                    .push((machine.name.as_str(), nic.span)),
                None => out.push(
                    Diagnostic::error(
                        Code::BRIDGE_MISSING,
                        format!(
                            "guest {} joins network {}, which names no bridge",
                            machine.name, network.name
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
    for ((host, network), guests) in missing {
        out.push(missing_bridge(model, host, network, &guests));
    }
}

/// One diagnostic for a network whose bridge a host lacks. When the host has a bridge no
/// network uses and whose name is close, that line is the cause (a misnamed bridge);
/// otherwise the cause is the host, which lacks the bridge.
fn missing_bridge(
    model: &Model,
    host_id: MachineId,
    network_id: NetworkId,
    guests: &[(&str, Span)],
) -> Diagnostic {
    let host = model.machine(host_id);
    let network = model.network(network_id);
    let (wanted, wanted_span) = network
        .bridge
        .as_ref()
        .map_or(("", network.span), |b| (b.value.as_str(), b.span));
    let unused: Vec<&infrac_model::Bridge> = host
        .bridges
        .iter()
        .filter(|b| {
            !model
                .networks
                .iter()
                .any(|n| n.bridge.as_ref().is_some_and(|nb| nb.value == b.name))
        })
        .collect();
    let misnamed = did_you_mean(wanted, unused.iter().map(|b| b.name.as_str()))
        .and_then(|name| unused.iter().find(|b| b.name == name))
        .or(match unused.as_slice() {
            [only] => Some(only),
            _ => None,
        });
    let names: Vec<&str> = guests.iter().map(|(name, _)| *name).collect();
    let guests_text = match names.as_slice() {
        [one] => format!("guest {one}"),
        _ => format!("{} guests ({})", names.len(), names.join(", ")),
    };
    let mut d = match misnamed {
        Some(bridge) => Diagnostic::error(
            Code::BRIDGE_MISSING,
            format!(
                "host {} has bridge {} where network {} expects {wanted}",
                host.name, bridge.name, network.name
            ),
            bridge.span,
            format!("no network uses {}; did you mean {wanted}?", bridge.name),
        )
        .with_help(format!(
            "rename `bridge {}` to `bridge {wanted}` on host {}, or set `bridge = {}` on network {}",
            bridge.name, host.name, bridge.name, network.name
        )),
        None => Diagnostic::error(
            Code::BRIDGE_MISSING,
            format!(
                "host {} has no bridge {wanted}, which network {} uses",
                host.name, network.name
            ),
            host.name_span,
            format!("no `bridge {wanted}` on {}", host.name),
        )
        .with_help(format!(
            "declare `bridge {wanted} {{ ports = [...] }}` on host {}{}",
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
    };
    d = d.with_label(
        wanted_span,
        format!("network {} uses bridge {wanted}", network.name),
    );
    for (name, span) in guests {
        d = d.with_label(
            *span,
            format!("{name} joins {} on {}", network.name, host.name),
        );
    }
    d.with_note(format!(
        "{guests_text} on host {} cannot attach to network {}",
        host.name, network.name
    ))
}

fn zones(model: &Model, out: &mut Vec<Diagnostic>) {
    for fw in &model.firewalls {
        for rule in &fw.rules {
            if let (Zone::Named(a), Zone::Named(b)) = (&rule.from.value, &rule.to.value) {
                // Members of an overlay reach each other through its hub: a rule for the
                // overlay's own zone on the hub is what lets them.
                let overlay_zone = model
                    .networks
                    .iter()
                    .any(|n| &n.zone == a && n.overlay.is_some());
                if a == b && rule.allow && !overlay_zone {
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
        asn::check(router, out);
        let guest = model.machine(router.machine);
        // The role must bring the daemon it needs. NixOS and cloud-init machines get
        // BIRD installed and started with the build's bird.conf; infrac writes an
        // OpenWrt router's whole configuration (UCI) without BIRD, so the session would
        // silently never start.
        if guest.platform == Platform::Openwrt {
            out.push(
                Diagnostic::error(
                    Code::ROLE_WITHOUT_DAEMON,
                    format!("BGP on {}, an OpenWrt router whose configuration infrac writes without BIRD", guest.name),
                    router.span,
                    "nothing would run this BGP session",
                )
                .with_label(guest.name_span, format!("{} runs OpenWrt (`platform = openwrt`)", guest.name))
                .with_help("run BGP on a NixOS, Debian or Ubuntu machine behind or beside the OpenWrt router (infrac installs and starts BIRD there), or remove the `bgp` block"),
            );
        }
        let networks: Vec<&infrac_model::Network> = crate::networks_of(guest)
            .into_iter()
            .map(|n| model.network(n))
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
            // The neighbor is the other end of the session; the router's own address
            // would be a session with itself, which never comes up.
            if let Some((_, own)) = guest.each_address().find(|(_, a)| a.value == addr) {
                out.push(
                    Diagnostic::error(Code::BGP_PEER_UNREACHABLE, format!("BGP peer {} ({addr}) is an address of {} itself", peer.name, guest.name), peer.neighbor.span, "the router's own address")
                        .with_label(own.span, format!("{}'s address", guest.name))
                        .with_help("the neighbor is the other end of the session: the upstream router's address on the network they share"),
                );
                continue;
            }
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
        if cluster.servers.is_empty() {
            out.push(
                Diagnostic::error(
                    Code::CLUSTER_WITHOUT_SERVER,
                    format!("cluster {} has no server", cluster.name),
                    cluster.span,
                    "no node runs the control plane",
                )
                .with_help("list at least one node in `servers = [...]`; agents join a server and cannot form a cluster alone"),
            );
        }
        let mut seen: Vec<(infrac_model::MachineId, bool, infrac_diagnostics::Span)> = Vec::new();
        let listed = cluster
            .servers
            .iter()
            .map(|s| (s, true))
            .chain(cluster.agents.iter().map(|a| (a, false)));
        for (node, server) in listed {
            let role = |server: bool| if server { "server" } else { "agent" };
            let name = &model.machine(node.value).name;
            if let Some((_, first_server, first_span)) =
                seen.iter().find(|(m, _, _)| *m == node.value)
            {
                let (message, help) = if *first_server == server {
                    (
                        format!("node {name} is listed twice in cluster {}", cluster.name),
                        "remove the second entry".to_string(),
                    )
                } else {
                    (
                        format!("node {name} is both a server and an agent of cluster {}", cluster.name),
                        "a k3s server also runs workloads; list the node once, in `servers` or in `agents`".to_string(),
                    )
                };
                out.push(
                    Diagnostic::error(
                        Code::CLUSTER_NODE_TWICE,
                        message,
                        node.span,
                        format!("listed again as {}", role(server)),
                    )
                    .with_label(
                        *first_span,
                        format!("first listed as {}", role(*first_server)),
                    )
                    .with_help(help),
                );
                continue;
            }
            seen.push((node.value, server, node.span));
            reservation(model, cluster, node, out);
        }
    }
}

/// Whether one node can hold the cluster's per-node reservation.
fn reservation(
    model: &Model,
    cluster: &infrac_model::Cluster,
    node: &infrac_model::Spanned<infrac_model::MachineId>,
    out: &mut Vec<Diagnostic>,
) {
    let machine = model.machine(node.value);
    let Some((cpus, memory)) = machine.capacity() else {
        return;
    };
    let cores_short = cluster.reserve.cpu.0 >= u64::from(cpus) * 1000 && cluster.reserve.cpu.0 > 0;
    let memory_short = cluster.reserve.memory >= memory && cluster.reserve.memory.0 > 0;
    if !cores_short && !memory_short {
        return;
    }
    let what = if cores_short {
        format!("{} of {cpus} cores", cluster.reserve.cpu.cores_text())
    } else {
        format!("{} of {memory}", cluster.reserve.memory)
    };
    // Point at what sizes the node: the guest's cores or memory, else its hardware.
    let size_span = match (&machine.guest, &machine.hardware) {
        (Some(g), _) if cores_short => g.cores.span,
        (Some(g), _) => g.memory.span,
        (None, Some(hw)) => hw.span,
        (None, None) => machine.name_span,
    };
    out.push(
        Diagnostic::error(
            Code::CLUSTER_RESERVATION,
            format!(
                "node {} of cluster {} cannot hold the cluster's reservation",
                machine.name, cluster.name
            ),
            node.span,
            format!("the reservation takes {what}"),
        )
        .with_label(size_span, format!("{} has this much", machine.name))
        .with_help("give the node more resources or lower `reserve` in the cluster"),
    );
}

/// A machine is cabled to the networks of its own site; only an overlay reaches across.
fn sites(model: &Model, out: &mut Vec<Diagnostic>) {
    for (_, machine) in model.machines() {
        let site = model.site(machine.site);
        let nics = machine.attached().map(|(_, nic, n)| (n, nic.span));
        let placed = machine
            .addresses
            .iter()
            .chain(machine.bmc.as_deref())
            .map(|p| (p.network, p.address.span));
        let mut reported = Vec::new();
        for (id, span) in nics.chain(placed) {
            let network = model.network(id);
            if network.site == machine.site || network.spans_sites() || reported.contains(&id) {
                continue;
            }
            reported.push(id);
            let other = model.site(network.site);
            out.push(
                Diagnostic::error(
                    Code::FOREIGN_SITE_NETWORK,
                    format!(
                        "{} {} of site {} joins network {} of site {}",
                        machine.noun(),
                        machine.name,
                        site.name,
                        network.name,
                        other.name
                    ),
                    span,
                    format!("{} is at site {}", machine.name, site.name),
                )
                .with_label(network.span, format!("network {} is at site {}", network.name, other.name))
                .with_help(format!(
                    "a network is one site's segment; join the sites with an overlay (`overlay = wireguard`) and put {} on that",
                    machine.name
                )),
            );
        }
    }
}

/// A storage pool that mounts an NFS export talks to the exporting machine, from a
/// network the export admits.
fn exports(model: &Model, out: &mut Vec<Diagnostic>) {
    for (id, machine) in model.machines() {
        for pool in &machine.storage {
            let Some(export_ref) = &pool.export else {
                continue;
            };
            let server = model.machine(export_ref.machine);
            if let Some(address) = pool.server {
                let owned = server.addresses().iter().any(|(_, a)| a.value == address);
                if !owned {
                    let known: Vec<String> = server
                        .addresses()
                        .iter()
                        .map(|(_, a)| a.value.to_string())
                        .collect();
                    out.push(
                        Diagnostic::error(
                            Code::NFS_SERVER_ADDRESS,
                            format!(
                                "pool {} mounts export {} of {} from {address}, which is not an address of {}",
                                pool.name, export_ref.export, server.name, server.name
                            ),
                            pool.span,
                            format!("`server = {address}`"),
                        )
                        .with_label(export_ref.span, format!("the export is {}'s", server.name))
                        .with_help(if known.is_empty() {
                            format!("give {} a static address and use it as the pool's `server`", server.name)
                        } else {
                            format!("use an address of {}: {}", server.name, known.join(", "))
                        }),
                    );
                }
            }
            let Some(export) = server.export(&export_ref.export) else {
                continue;
            };
            let mount = nfs_mount(model, export_ref, &[id], pool.server);
            let Some(refusal) = refused(model, export, mount.as_ref(), &[id]) else {
                continue;
            };
            let clients = client_names(model, export);
            out.push(
                Diagnostic::error(
                    Code::NFS_CLIENT_NOT_ALLOWED,
                    format!(
                        "{} {} mounts export {} of {}, which admits only {}",
                        machine.noun(),
                        machine.name,
                        export.name,
                        server.name,
                        clients.join(", ")
                    ),
                    export_ref.span,
                    refusal.label(model, &machine.name),
                )
                .with_label(export.span, format!("clients = [{}]", clients.join(", ")))
                .with_help(refusal.help(model, server, export, &machine.name)),
            );
        }
    }
}
