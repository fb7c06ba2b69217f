//! Addressing: overlapping prefixes, addresses outside their network, reserved addresses,
//! duplicates, DHCP ranges and static leases, DHCP and DNS servers and the resolvers
//! networks hand out, the site's address
//! space and IPv6 allocation, overlay ranges, cluster API addresses and CIDRs, BGP
//! announcements. Every address of every machine counts, wherever it is declared.

pub mod core;
mod duplicates;
mod overlaps;
mod resolvers;
mod servers;

use self::core::{free_addresses, is_assignable, order_key, Used};
use infrac_diagnostics::{Code, Diagnostic, Span};
use infrac_model::{
    roles, Cluster, Lease, Mac, Machine, MachineId, Model, Network, NetworkId, Overlay, Spanned,
};
use ipnet::{IpNet, Ipv6Net};
use std::net::{IpAddr, Ipv6Addr};

/// Runs every addressing check.
pub fn check(model: &Model) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    overlaps::check(model, &mut out);
    network_shapes(model, &mut out);
    allocation(model, &mut out);
    site_space(model, &mut out);
    overlay_prefixes(model, &mut out);
    assignments(model, &mut out);
    servers::check(model, &mut out);
    resolvers::check(model, &mut out);
    cluster_api(model, &mut out);
    announcements(model, &mut out);
    cluster_cidrs(model, &mut out);
    out
}

/// k3s carves one pod subnet per node out of the pod CIDR (`--node-cidr-mask-size`).
const NODE_MASK_V4: u8 = 24;
const NODE_MASK_V6: u8 = 64;
/// kube-apiserver refuses service ranges with more than 20 host bits (/12 IPv4, /108 IPv6).
const MAX_SERVICE_HOST_BITS: u8 = 20;

fn cluster_cidrs(model: &Model, out: &mut Vec<Diagnostic>) {
    for c in &model.clusters {
        let nodes = (c.servers.len() + c.agents.len()) as u128;
        for pods in [Some(c.pods), c.pods6].into_iter().flatten() {
            let (mask, bits) = match pods.value {
                IpNet::V4(_) => (NODE_MASK_V4, 32),
                IpNet::V6(_) => (NODE_MASK_V6, 128),
            };
            let len = pods.value.prefix_len();
            let subnets = if len > mask {
                0
            } else {
                1u128
                    .checked_shl(u32::from(mask - len))
                    .unwrap_or(u128::MAX)
            };
            if subnets < nodes {
                let _ = bits;
                out.push(
                    Diagnostic::error(
                        Code::POD_CIDR_TOO_SMALL,
                        format!("pod CIDR {} of cluster {} holds {subnets} node subnet{} for {nodes} node{}", pods.value, c.name, if subnets == 1 { "" } else { "s" }, if nodes == 1 { "" } else { "s" }),
                        pods.span,
                        format!("each node takes a /{mask} out of it"),
                    )
                    .with_help(format!("use a prefix of at most /{} for {nodes} node{} (k3s default: 10.42.0.0/16; IPv6: a /56)", mask.saturating_sub(nodes.next_power_of_two().trailing_zeros() as u8), if nodes == 1 { "" } else { "s" })),
                );
            }
        }
        for services in [Some(c.services), c.services6].into_iter().flatten() {
            let bits = if services.value.addr().is_ipv4() {
                32
            } else {
                128
            };
            let host_bits = bits - services.value.prefix_len();
            if host_bits > MAX_SERVICE_HOST_BITS {
                out.push(
                    Diagnostic::error(
                        Code::SERVICE_CIDR_TOO_LARGE,
                        format!("service CIDR {} of cluster {} is larger than Kubernetes accepts", services.value, c.name),
                        services.span,
                        format!("{host_bits} host bits; kube-apiserver allows at most {MAX_SERVICE_HOST_BITS}"),
                    )
                    .with_help(format!("use a /{} or longer (k3s default: 10.43.0.0/16)", bits - MAX_SERVICE_HOST_BITS)),
                );
            }
        }
    }
}

fn network_shapes(model: &Model, out: &mut Vec<Diagnostic>) {
    for n in &model.networks {
        let gateways = [
            n.ipv4
                .zip(n.gateway)
                .map(|(p, g)| (IpNet::V4(p.value), p.span, IpAddr::V4(g.value), g.span)),
            n.ipv6
                .zip(n.gateway6)
                .map(|(p, g)| (IpNet::V6(p.value), p.span, IpAddr::V6(g.value), g.span)),
        ];
        for (prefix, prefix_span, gateway, gateway_span) in gateways.into_iter().flatten() {
            if !prefix.contains(&gateway) {
                out.push(
                    Diagnostic::error(
                        Code::DHCP_OR_GATEWAY_OUTSIDE,
                        format!(
                            "the gateway {gateway} of network {} is outside {prefix}",
                            n.name
                        ),
                        gateway_span,
                        format!("not in {prefix}"),
                    )
                    .with_label(prefix_span, "the network's prefix")
                    .with_help(format!(
                        "a gateway must be reachable on the link: pick an address in {prefix}"
                    )),
                );
            }
        }
        if let (Some(prefix), Some(range)) = (n.ipv4, n.dhcp) {
            let (lo, hi) = range.value;
            let outside: Vec<String> = [lo, hi]
                .iter()
                .filter(|a| !prefix.value.contains(*a))
                .map(|a| a.to_string())
                .collect();
            if !outside.is_empty() {
                out.push(
                    Diagnostic::error(
                        Code::DHCP_OR_GATEWAY_OUTSIDE,
                        format!(
                            "the DHCP range of network {} leaves {}",
                            n.name, prefix.value
                        ),
                        range.span,
                        format!("{} outside the prefix", outside.join(" and ")),
                    )
                    .with_label(prefix.span, "the network's prefix")
                    .with_help(format!("keep the range inside {}", prefix.value)),
                );
            } else if !is_assignable(IpNet::V4(prefix.value), IpAddr::V4(lo))
                || !is_assignable(IpNet::V4(prefix.value), IpAddr::V4(hi))
            {
                out.push(
                    Diagnostic::error(Code::RESERVED_ADDRESS, format!("the DHCP range of network {} includes its network or broadcast address", n.name), range.span, "would hand out an address no host may use")
                        .with_help(format!("start after {} and end before {}", prefix.value.network(), prefix.value.broadcast())),
                );
            }
            if let Some(gw) = n.gateway {
                if (lo..=hi).contains(&gw.value) {
                    out.push(
                        Diagnostic::error(
                            Code::ADDRESS_IN_DHCP_RANGE,
                            format!(
                                "the gateway {} of network {} is inside its DHCP range",
                                gw.value, n.name
                            ),
                            gw.span,
                            "the DHCP server could hand this address out",
                        )
                        .with_label(range.span, "the DHCP range")
                        .with_help("move the gateway or the range so they do not meet"),
                    );
                }
            }
        }
    }
}

/// Suggests the /64 that was probably meant when a subnet number landed in the wrong
/// group: `2602:f674:1000::/64` under `2602:f674::/48` was meant as `2602:f674:0:1000::/64`.
fn probably_meant(allocation: Ipv6Net, written: Ipv6Net) -> Option<(Ipv6Net, u16)> {
    let alloc_groups = allocation.network().segments();
    let groups = written.network().segments();
    let fixed = usize::from(allocation.prefix_len() / 16);
    if !allocation.prefix_len().is_multiple_of(16)
        || fixed == 0
        || fixed >= 8
        || written.prefix_len() != 64
    {
        return None;
    }
    // The written prefix matches the allocation except that the subnet number sits in
    // the last fixed group, and the groups after it are zero.
    let shifted = groups[..fixed - 1] == alloc_groups[..fixed - 1]
        && groups[fixed..].iter().all(|g| *g == 0)
        && groups[fixed - 1] != alloc_groups[fixed - 1];
    if !shifted || fixed + 1 > 4 {
        return None;
    }
    let mut meant = alloc_groups;
    meant[fixed] = groups[fixed - 1];
    let net = Ipv6Net::new(Ipv6Addr::from(meant), 64).ok()?;
    Some((net, groups[fixed - 1]))
}

fn allocation(model: &Model, out: &mut Vec<Diagnostic>) {
    // An uplink's prefix is the provider's (transit, delegated), not the site's.
    let mut subnets: Vec<(infrac_model::SiteId, infrac_model::Spanned<Ipv6Net>)> = model
        .networks
        .iter()
        .filter(|n| !n.uplink && !n.spans_sites())
        // Unique-local addresses (fc00::/7) are private by design, never from an allocation.
        .filter(|n| {
            n.ipv6
                .is_none_or(|p| (p.value.network().segments()[0] & 0xfe00) != 0xfc00)
        })
        .filter_map(|n| n.ipv6.map(|p| (n.site, p)))
        .collect();
    for c in &model.clusters {
        let Some(node) = c.servers.first() else {
            continue;
        };
        let site = model.machine(node.value).site;
        for cidr in [Some(c.pods), Some(c.services), c.pods6, c.services6]
            .into_iter()
            .flatten()
        {
            if let IpNet::V6(v6) = cidr.value {
                subnets.push((site, infrac_model::Spanned::new(v6, cidr.span)));
            }
        }
    }
    for (site, prefix) in subnets {
        let site = model.site(site);
        let Some(alloc) = site.ipv6 else { continue };
        if alloc.value.contains(&prefix.value) {
            continue;
        }
        let mut d = Diagnostic::error(
            Code::IPV6_OUTSIDE_ALLOCATION,
            format!(
                "{} is outside the site's allocation {}",
                prefix.value, alloc.value
            ),
            prefix.span,
            format!("not inside {}", alloc.value),
        )
        .with_label(alloc.span, format!("the allocation of site {}", site.name));
        if alloc.value.prefix_len() == 48 {
            d = d
                .with_note("a /48 fixes the first three groups; the fourth group numbers the /64s");
        }
        d = match probably_meant(alloc.value, prefix.value) {
            Some((meant, number)) => d.with_help(format!(
                "did you mean {meant}? or write subnet(site.ipv6, 64, 0x{number:x})"
            )),
            None => d.with_help(format!(
                "pick a subnet inside {}: subnet(site.ipv6, 64, N)",
                alloc.value
            )),
        };
        out.push(d);
    }
}

/// How an address is held, which decides where it may lie.
#[derive(Clone, Copy, PartialEq)]
enum Hold {
    /// Configured on the machine itself: never inside the DHCP range.
    Static,
    /// Reserved for a MAC by the network's DHCP server: inside the range only when the
    /// network has a DHCP server to honour it.
    Lease(Mac),
    /// A cluster's API address: a fixed point that no machine may take.
    Fixed,
}

/// An address given to something, for the duplicate and range checks.
struct Assignment<'m> {
    addr: IpAddr,
    span: Span,
    owner: Owner<'m>,
    /// The machine that holds it, if a machine does (not a cluster's API address).
    machine: Option<MachineId>,
    network: NetworkId,
    hold: Hold,
}

/// Who holds an address, in the words of a message. Written out only when a message
/// needs it: a large lab has tens of thousands of addresses and few problems.
#[derive(Debug, Clone)]
enum Owner<'m> {
    Machine(&'m Machine),
    Bmc(&'m Machine),
    /// Leases are collected by value (`roles::all_leases`), so the name is owned.
    Lease(String),
    Api(&'m str),
}

impl std::fmt::Display for Owner<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Owner::Machine(m) => write!(f, "{} {}", m.noun(), m.name),
            Owner::Bmc(m) => write!(f, "the BMC of {} {}", m.noun(), m.name),
            Owner::Lease(name) => write!(f, "lease {name}"),
            Owner::Api(cluster) => write!(f, "the API address of cluster {cluster}"),
        }
    }
}

/// The prefix addresses of a network of this family must lie in: the declared one, or
/// the range the overlay assigns from when the network declares none.
fn prefix_of(network: &Network, v4: bool) -> Option<(IpNet, Span)> {
    let declared = if v4 {
        network.ipv4.map(|p| (IpNet::V4(p.value), p.span))
    } else {
        network.ipv6.map(|p| (IpNet::V6(p.value), p.span))
    };
    declared.or_else(|| overlay_range(network.overlay?, v4).map(|range| (range, network.span)))
}

/// The range an overlay hands addresses out of, when it has a fixed one.
fn overlay_range(overlay: Overlay, v4: bool) -> Option<IpNet> {
    let range = match (overlay, v4) {
        (Overlay::Tailscale, true) => TAILSCALE_V4,
        (Overlay::Tailscale, false) => TAILSCALE_V6,
        _ => return None,
    };
    range.parse().ok()
}

/// Tailscale's CGNAT range and its IPv6 unique-local prefix.
const TAILSCALE_V4: &str = "100.64.0.0/10";
const TAILSCALE_V6: &str = "fd7a:115c:a1e0::/48";

/// Every address of the lab: machines' addresses, static leases and clusters' API
/// addresses, each once.
fn inventory(model: &Model) -> Vec<Assignment<'_>> {
    let leases: Vec<(NetworkId, Lease)> = roles::all_leases(model);
    // Sized for every address up front: a large lab has tens of thousands, and growing
    // the list by doubling copies it over and over.
    let addresses: usize = model
        .machines
        .iter()
        .map(|m| 2 * m.nics.len() + m.addresses.len() + usize::from(m.bmc.is_some()))
        .sum();
    let mut all: Vec<Assignment> = Vec::with_capacity(addresses + leases.len());
    let leased: std::collections::HashSet<Span> = leases.iter().map(|(_, l)| l.ip.span).collect();
    for (id, machine) in model.machines() {
        let bmc = machine.bmc.as_deref().map(|p| p.address.span);
        let mut add = |network: NetworkId, addr: IpAddr, span: Span| {
            // A NIC that takes a reserved address by DHCP is counted with the leases.
            if !leased.is_empty() && leased.contains(&span) {
                return;
            }
            let owner = if Some(span) == bmc {
                Owner::Bmc(machine)
            } else {
                Owner::Machine(machine)
            };
            all.push(Assignment {
                addr,
                span,
                owner,
                machine: Some(id),
                network,
                hold: Hold::Static,
            });
        };
        // The order of `Machine::each_address`, written out: this loop meets every
        // address of the lab, and the chained iterator costs more than the work.
        for nic in &machine.nics {
            let Some(network) = nic.network else { continue };
            if let Some(ip) = nic.ip {
                add(network, IpAddr::V4(ip.value), ip.span);
            }
            if let Some(ip) = nic.ip6 {
                add(network, IpAddr::V6(ip.value), ip.span);
            }
        }
        for placed in machine.addresses.iter().chain(machine.bmc.as_deref()) {
            add(placed.network, placed.address.value, placed.address.span);
        }
    }
    for (network, lease) in leases {
        let addr = IpAddr::V4(lease.ip.value);
        // A `lease` block and a NIC that both reserve this address for this MAC are one
        // reservation.
        let again = all
            .iter()
            .any(|a| a.addr == addr && a.hold == Hold::Lease(lease.mac.value));
        if again {
            continue;
        }
        let owner = match lease.machine {
            Some(m) => Owner::Machine(model.machine(m)),
            None => Owner::Lease(lease.name.clone()),
        };
        all.push(Assignment {
            addr,
            span: lease.ip.span,
            owner,
            machine: lease.machine,
            network,
            hold: Hold::Lease(lease.mac.value),
        });
    }
    for cluster in &model.clusters {
        let Some(api) = cluster.api else { continue };
        let Some(network) = api_network(model, cluster) else {
            continue;
        };
        all.push(Assignment {
            addr: api.value,
            span: api.span,
            owner: Owner::Api(&cluster.name),
            machine: None,
            network,
            hold: Hold::Fixed,
        });
    }
    all
}

fn assignments(model: &Model, out: &mut Vec<Diagnostic>) {
    let all = inventory(model);
    let by_addr = address_order(&all);
    let used = Used::from_sorted(by_addr.iter().map(|(key, _)| *key));
    let bounds: Vec<[Option<Bounds>; 2]> = model
        .networks
        .iter()
        .map(|n| [Bounds::of(n, true), Bounds::of(n, false)])
        .collect();
    for a in &all {
        let network = model.network(a.network);
        let Some(bounds) = &bounds[a.network.0 as usize][usize::from(a.addr.is_ipv6())] else {
            continue;
        };
        let (prefix, prefix_span) = (bounds.prefix, bounds.span);
        let key = order_key(a.addr).1;
        if !bounds.contains(key) {
            out.push(
                Diagnostic::error(
                    Code::ADDRESS_OUTSIDE_NETWORK,
                    format!(
                        "{} of {} is outside network {} ({prefix})",
                        a.addr, a.owner, network.name
                    ),
                    a.span,
                    format!("not in {prefix}"),
                )
                .with_label(prefix_span, format!("network {} is {prefix}", network.name))
                .with_help_opt(
                    suggest_free(model, a.network, prefix, &used, None)
                        .map(|s| format!("free addresses in {}: {s}", network.name)),
                ),
            );
            continue;
        }
        if !bounds.assignable(key) {
            let which = if a.addr == prefix.network() {
                "network address"
            } else {
                "broadcast address"
            };
            out.push(
                Diagnostic::error(
                    Code::RESERVED_ADDRESS,
                    format!("{} is the {which} of {prefix}", a.addr),
                    a.span,
                    format!("{} cannot use the {which}", a.owner),
                )
                .with_help_opt(
                    suggest_free(model, a.network, prefix, &used, None)
                        .map(|s| format!("free addresses in {}: {s}", network.name)),
                ),
            );
            continue;
        }
        // The DHCP server knows its own leases and never hands them to anyone else.
        let leased =
            matches!(a.hold, Hold::Lease(_)) && roles::dhcp_server(model, a.network).is_some();
        if let (IpAddr::V4(v4), Some(range), false) = (a.addr, network.dhcp, leased) {
            if (range.value.0..=range.value.1).contains(&v4) {
                let message = if a.hold == Hold::Fixed {
                    format!(
                        "{} ({}) is inside the DHCP range of {}",
                        a.owner, a.addr, network.name
                    )
                } else {
                    format!(
                        "static address {} of {} is inside the DHCP range of {}",
                        a.addr, a.owner, network.name
                    )
                };
                out.push(
                    Diagnostic::error(
                        Code::ADDRESS_IN_DHCP_RANGE,
                        message,
                        a.span,
                        "the DHCP server may hand this address to someone else",
                    )
                    .with_label(range.span, "the DHCP range")
                    .with_help_opt(
                        suggest_free(model, a.network, prefix, &used, None)
                            .map(|s| format!("free static addresses in {}: {s}", network.name)),
                    ),
                );
            }
        }
    }
    duplicates::check(model, &all, &by_addr, &used, out);
}

/// Every assignment in address order, ties in declaration order: one sort serves both
/// the set of used addresses and the grouping of duplicates. The families are sorted
/// apart (IPv4 first), IPv4 address and index in one integer. The sorts are stable and
/// find runs: a lab lists each host's guests with consecutive addresses.
fn address_order(all: &[Assignment]) -> Vec<((bool, u128), u32)> {
    let count_v4 = all.iter().filter(|a| a.addr.is_ipv4()).count();
    let mut v4: Vec<u64> = Vec::with_capacity(count_v4);
    let mut v6: Vec<(u128, u32)> = Vec::with_capacity(all.len() - count_v4);
    for (i, a) in all.iter().enumerate() {
        match a.addr {
            IpAddr::V4(v) => v4.push(u64::from(u32::from(v)) << 32 | i as u64),
            IpAddr::V6(v) => v6.push((u128::from(v), i as u32)),
        }
    }
    v4.sort();
    // Stable by address alone: equal addresses keep their declaration order.
    v6.sort_by_key(|&(addr, _)| addr);
    let mut out = Vec::with_capacity(all.len());
    out.extend(
        v4.into_iter()
            .map(|k| ((false, u128::from(k >> 32)), k as u32)),
    );
    out.extend(v6.into_iter().map(|(addr, i)| ((true, addr), i)));
    out
}

/// A network's prefix for one family, with its first and last address as integers:
/// every address of the lab is tested against its network's.
struct Bounds {
    prefix: IpNet,
    span: Span,
    first: u128,
    last: u128,
}

impl Bounds {
    fn of(network: &Network, v4: bool) -> Option<Self> {
        let (prefix, span) = prefix_of(network, v4)?;
        Some(Bounds {
            prefix,
            span,
            first: order_key(prefix.network()).1,
            last: order_key(prefix.broadcast()).1,
        })
    }

    /// Whether the address of this family with the key `key` is in the prefix.
    fn contains(&self, key: u128) -> bool {
        (self.first..=self.last).contains(&key)
    }

    /// [`is_assignable`] for an address of this family that the prefix contains.
    fn assignable(&self, key: u128) -> bool {
        let v4 = self.prefix.addr().is_ipv4();
        let max = if v4 { 32 } else { 128 };
        self.prefix.prefix_len() >= max - 1 || (key != self.first && !(v4 && key == self.last))
    }
}

/// The network a cluster's API address lives on: one whose prefix holds it and that
/// every server is on, else the first whose prefix holds it.
fn api_network(model: &Model, cluster: &Cluster) -> Option<NetworkId> {
    let api = cluster.api?.value;
    let holding = holding_networks(model, api);
    holding
        .iter()
        .copied()
        .find(|n| servers_missing(model, cluster, *n).is_empty())
        .or_else(|| holding.first().copied())
}

/// The networks whose prefix holds an address.
fn holding_networks(model: &Model, addr: IpAddr) -> Vec<NetworkId> {
    model
        .networks
        .iter()
        .enumerate()
        .filter(|(_, n)| prefix_of(n, addr.is_ipv4()).is_some_and(|(p, _)| p.contains(&addr)))
        .map(|(i, _)| NetworkId(i as u32))
        .collect()
}

/// The servers of a cluster that are not on a network.
fn servers_missing(
    model: &Model,
    cluster: &Cluster,
    network: NetworkId,
) -> Vec<Spanned<MachineId>> {
    cluster
        .servers
        .iter()
        .copied()
        .filter(|s| !crate::networks_of(model.machine(s.value)).contains(&network))
        .collect()
}

/// A cluster's API address is announced by the servers on their shared link (ARP or
/// NDP), so it must lie on a network every server is on.
fn cluster_api(model: &Model, out: &mut Vec<Diagnostic>) {
    for cluster in &model.clusters {
        let Some(api) = cluster.api else { continue };
        // A cluster without servers is reported by the wiring checks.
        let Some(first) = cluster.servers.first() else {
            continue;
        };
        let holding = holding_networks(model, api.value);
        if holding.is_empty() {
            let shared: Vec<String> = crate::networks_of(model.machine(first.value))
                .into_iter()
                .filter(|n| servers_missing(model, cluster, *n).is_empty())
                .filter_map(|n| {
                    let network = model.network(n);
                    let (prefix, _) = prefix_of(network, api.value.is_ipv4())?;
                    Some(format!("{} ({prefix})", network.name))
                })
                .collect();
            let help = if shared.is_empty() {
                "put the servers on one network and pick a free address there".to_string()
            } else {
                format!(
                    "pick a free address on {}, which every server is on",
                    shared.join(" or ")
                )
            };
            out.push(
                Diagnostic::error(
                    Code::CLUSTER_API_OFF_NETWORK,
                    format!(
                        "the API address {} of cluster {} is in none of the lab's networks",
                        api.value, cluster.name
                    ),
                    api.span,
                    "in no network's prefix",
                )
                .with_help(help),
            );
            continue;
        }
        if holding
            .iter()
            .any(|n| servers_missing(model, cluster, *n).is_empty())
        {
            continue;
        }
        let network = model.network(holding[0]);
        let missing = servers_missing(model, cluster, holding[0]);
        let names: Vec<&str> = missing
            .iter()
            .map(|s| model.machine(s.value).name.as_str())
            .collect();
        let mut d = Diagnostic::error(
            Code::CLUSTER_API_OFF_NETWORK,
            format!(
                "the API address {} of cluster {} is on network {}, which {} {} not on",
                api.value,
                cluster.name,
                network.name,
                if names.len() == 1 {
                    "server"
                } else {
                    "servers"
                },
                names.join(", ") + if names.len() == 1 { " is" } else { " are" }
            ),
            api.span,
            format!("on {}", network.name),
        );
        for server in &missing {
            d = d.with_label(server.span, format!("not on {}", network.name));
        }
        out.push(d.with_help(format!(
            "the servers answer for the address on their link: give every server a NIC on {}, or pick an address on a network they share",
            network.name
        )));
    }
}

/// A network's IPv4 prefix lies inside the private space its site declares. Uplinks
/// carry the provider's addresses and overlays span sites, so neither is held to it.
fn site_space(model: &Model, out: &mut Vec<Diagnostic>) {
    for network in &model.networks {
        if network.uplink || network.spans_sites() {
            continue;
        }
        let site = model.site(network.site);
        let (Some(prefix), Some(space)) = (network.ipv4, site.ipv4) else {
            continue;
        };
        if space.value.contains(&prefix.value) {
            continue;
        }
        out.push(
            Diagnostic::error(
                Code::IPV4_OUTSIDE_SITE,
                format!(
                    "{} of network {} is outside the site's address space {}",
                    prefix.value, network.name, space.value
                ),
                prefix.span,
                format!("not inside {}", space.value),
            )
            .with_label(space.span, format!("the IPv4 space of site {}", site.name))
            .with_help(format!(
                "pick a prefix inside {}, or widen the site's `ipv4`",
                space.value
            )),
        );
    }
}

/// An overlay with a fixed range (Tailscale) hands out addresses only from it.
fn overlay_prefixes(model: &Model, out: &mut Vec<Diagnostic>) {
    for network in &model.networks {
        let Some(overlay) = network.overlay else {
            continue;
        };
        let declared = [
            network.ipv4.map(|p| (IpNet::V4(p.value), p.span)),
            network.ipv6.map(|p| (IpNet::V6(p.value), p.span)),
        ];
        for (prefix, span) in declared.into_iter().flatten() {
            let Some(range) = overlay_range(overlay, prefix.addr().is_ipv4()) else {
                continue;
            };
            if range.contains(&prefix) {
                continue;
            }
            out.push(
                Diagnostic::error(
                    Code::OVERLAY_PREFIX_OUTSIDE,
                    format!(
                        "{prefix} of {} network {} is outside {range}",
                        overlay.title(),
                        network.name
                    ),
                    span,
                    format!("{} assigns addresses from {range}", overlay.title()),
                )
                .with_help(format!(
                    "leave the prefix out ({} fills it in) or pick one inside {range}",
                    overlay.title()
                )),
            );
        }
    }
}

/// Two free addresses of a network that are outside its DHCP range and not its gateway,
/// formatted `a and .b` when they share the first three IPv4 octets.
fn suggest_free(
    model: &Model,
    network: NetworkId,
    prefix: IpNet,
    used: &Used,
    after: Option<IpAddr>,
) -> Option<String> {
    let n = model.network(network);
    let dhcp = n.dhcp.map(|r| r.value);
    let gateway = n.gateway.map(|g| IpAddr::V4(g.value));
    let gateway6 = n.gateway6.map(|g| IpAddr::V6(g.value));
    let excluded = move |a: IpAddr| {
        Some(a) == gateway
            || Some(a) == gateway6
            || match (a, dhcp) {
                (IpAddr::V4(v4), Some((lo, hi))) => (lo..=hi).contains(&v4),
                _ => false,
            }
    };
    let from = after.unwrap_or(prefix.network());
    let free = free_addresses(prefix, used, &excluded, from, 2);
    match free.as_slice() {
        [] => None,
        [a] => Some(a.to_string()),
        [a, b, ..] => match (a, b) {
            (IpAddr::V4(x), IpAddr::V4(y)) if x.octets()[..3] == y.octets()[..3] => {
                Some(format!("{x} and .{}", y.octets()[3]))
            }
            _ => Some(format!("{a} and {b}")),
        },
    }
}

fn announcements(model: &Model, out: &mut Vec<Diagnostic>) {
    for router in &model.routers {
        let site = model.site_of(router.machine);
        for prefix in &router.announce {
            let (allocation, family) = match prefix.value {
                IpNet::V4(_) => (site.ipv4.map(|a| (IpNet::V4(a.value), a.span)), "IPv4"),
                IpNet::V6(_) => (site.ipv6.map(|a| (IpNet::V6(a.value), a.span)), "IPv6"),
            };
            match allocation {
                Some((alloc, _)) if alloc.contains(&prefix.value) => {}
                Some((alloc, span)) => out.push(
                    Diagnostic::error(Code::ANNOUNCEMENT_NOT_COVERED, format!("BGP announces {} outside the site's allocation {alloc}", prefix.value), prefix.span, format!("not inside {alloc}"))
                        .with_label(span, format!("the {family} allocation of site {}", site.name))
                        .with_help("announce only prefixes the site holds; anything else is a route leak or a hijack"),
                ),
                None => out.push(
                    Diagnostic::error(Code::ANNOUNCEMENT_NOT_COVERED, format!("BGP announces {} but site {} declares no {family} allocation", prefix.value, site.name), prefix.span, "covered by nothing")
                        .with_help(format!("declare the allocation on the site: `{} = {}`", if family == "IPv4" { "ipv4" } else { "ipv6" }, prefix.value)),
                ),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::probably_meant;
    use ipnet::Ipv6Net;

    #[test]
    fn suggests_the_fourth_group() {
        let alloc: Ipv6Net = "2602:f674::/48".parse().unwrap_or_default();
        let written: Ipv6Net = "2602:f674:1000::/64".parse().unwrap_or_default();
        let meant = probably_meant(alloc, written).map(|(n, g)| (n.to_string(), g));
        assert_eq!(meant, Some(("2602:f674:0:1000::/64".to_string(), 0x1000)));
        let doc_alloc: Ipv6Net = "2001:db8:40::/48".parse().unwrap_or_default();
        let doc_written: Ipv6Net = "2001:db8:41::/64".parse().unwrap_or_default();
        assert_eq!(
            probably_meant(doc_alloc, doc_written).map(|(n, _)| n.to_string()),
            Some("2001:db8:40:41::/64".to_string())
        );
        let unrelated: Ipv6Net = "2001:db8::/64".parse().unwrap_or_default();
        assert_eq!(probably_meant(alloc, unrelated), None);
    }
}
