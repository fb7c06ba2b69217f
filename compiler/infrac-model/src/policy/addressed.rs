//! The questions `explain-flow` answers beyond the firewall's rules: the router named by
//! one of its addresses (`192.168.100.1`, `::1`) or by a network it is on
//! (`router@wan`, which covers an address it only learns by DHCP), flows between two
//! ends on one network (the router never sees them), and loopback addresses.

use super::flow::{self, Endpoint, FlowAnswer, Traffic};
use super::region::address_max;
use super::{address_value, family_of, Interface, Policy, Ranges};
use crate::IpFamily;
use infrac_diagnostics::did_you_mean;
use ipnet::IpNet;
use std::net::IpAddr;

/// Some of the router's addresses, as the user named them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouterAddresses {
    /// Per family (IPv4, IPv6): the addresses, or `None` when it has none of that family.
    pub sets: [Option<Ranges>; 2],
    /// The addresses in words: `192.168.100.1`, `DHCP address on wan, 2602:f674::1`.
    pub text: String,
    /// Loopback addresses (127.0.0.0/8, ::1) exist only inside the router.
    pub loopback: bool,
}

/// How a flow meets the router.
#[derive(Debug, Clone)]
pub enum Outcome<'p> {
    /// The firewall decides it.
    Filtered(FlowAnswer<'p>),
    /// Both ends sit behind the same router interface: they reach each other directly on
    /// that network and the router never sees the packets.
    Bypasses { interface: String, network: String },
    /// Addressed to a loopback address from outside: the kernel drops such packets as
    /// martians before the firewall (RFC 1122 3.2.1.3, RFC 4291 2.5.3).
    Martian,
    /// From the router to itself: over the loopback interface, which the firewall always
    /// accepts.
    Loopback,
}

/// An endpoint from its text: `ROUTER@NETWORK` (the router's addresses on that network,
/// `router@wan`), one of the router's addresses or a loopback address (the router,
/// narrowed to it), else as [`flow::resolve`] reads it.
pub fn resolve(policy: &Policy, text: &str) -> Result<(Endpoint, Option<RouterAddresses>), String> {
    let router = &policy.model.machine(policy.router).name;
    if let Some((name, network)) = text.split_once('@') {
        if name != "router" && name != router {
            return Err(format!(
                "`{text}`: only the router's addresses are named by network \
                 (`router@NETWORK`), and `{name}` is not the router `{router}`"
            ));
        }
        return on_network(policy, network).map(|a| (Endpoint::Router, Some(a)));
    }
    if let Ok(address) = text.parse::<IpAddr>() {
        let loopback = address.is_loopback();
        if loopback || policy.local_addresses().contains(&address) {
            let mut sets = [None, None];
            sets[family_index(family_of(address))] = Some(Ranges::single(address_value(address)));
            let text = address.to_string();
            return Ok((
                Endpoint::Router,
                Some(RouterAddresses {
                    sets,
                    text,
                    loopback,
                }),
            ));
        }
    }
    flow::resolve(policy, text).map(|e| (e, None))
}

fn family_index(family: IpFamily) -> usize {
    match family {
        IpFamily::Ipv4 => 0,
        IpFamily::Ipv6 => 1,
    }
}

/// The router's addresses on the network named `name` (or, failing that, on the only
/// network of the zone named `name`).
fn on_network(policy: &Policy, name: &str) -> Result<RouterAddresses, String> {
    let model = policy.model;
    let network_name = |i: &Interface| model.network(i.network).name.as_str();
    let by_network = policy.interfaces.iter().find(|i| network_name(i) == name);
    let by_zone: Vec<&Interface> = policy
        .interfaces
        .iter()
        .filter(|i| i.zone == name)
        .collect();
    let iface = match (by_network, by_zone.as_slice()) {
        (Some(i), _) => i,
        (None, [i]) => *i,
        _ => {
            let names: Vec<&str> = policy.interfaces.iter().map(network_name).collect();
            let hint = match did_you_mean(name, names.iter().copied()) {
                Some(s) => format!("; did you mean `router@{s}`?"),
                None => String::new(),
            };
            return Err(format!(
                "the router has no interface on a network `{name}`; it is on {}{hint}",
                names.join(", ")
            ));
        }
    };
    let nic = &model.machine(policy.router).nics[iface.nic];
    let network = model.network(iface.network);
    let mut parts = Vec::new();
    let v4 = match (nic.ip, iface.dhcp4) {
        (Some(a), _) => {
            parts.push(a.value.to_string());
            Some(Ranges::single(address_value(IpAddr::V4(a.value))))
        }
        (None, true) => {
            parts.push(format!("DHCP address on {name}"));
            let prefix = network.ipv4.map(|p| IpNet::V4(p.value));
            Some(dynamic(policy, prefix, IpFamily::Ipv4))
        }
        (None, false) => None,
    };
    let v6 = match (nic.ip6, iface.dhcp6) {
        (Some(a), _) => {
            parts.push(a.value.to_string());
            Some(Ranges::single(address_value(IpAddr::V6(a.value))))
        }
        (None, true) => {
            parts.push(format!("DHCPv6 address on {name}"));
            let prefix = network.ipv6.map(|p| IpNet::V6(p.value));
            Some(dynamic(policy, prefix, IpFamily::Ipv6))
        }
        (None, false) => None,
    };
    if parts.is_empty() {
        return Err(format!("the router has no address on `{name}`"));
    }
    Ok(RouterAddresses {
        sets: [v4, v6],
        text: parts.join(", "),
        loopback: false,
    })
}

/// Where an address learnt at run time can be: inside the network's prefix when one is
/// declared, else anywhere outside the lab's declared networks; never an address the
/// lab gives to something else. No firewall rule tells these addresses apart (rules
/// name the router by interface), so every one of them gets the same verdict.
fn dynamic(policy: &Policy, prefix: Option<IpNet>, family: IpFamily) -> Ranges {
    let range = |p: &IpNet| (address_value(p.network()), address_value(p.broadcast()));
    let space = match prefix {
        Some(p) => Ranges::from_ranges([range(&p)]),
        None => {
            let declared = policy.model.networks.iter().flat_map(|n| {
                let v4 = n.ipv4.map(|p| IpNet::V4(p.value));
                let v6 = n.ipv6.map(|p| IpNet::V6(p.value));
                [v4, v6].into_iter().flatten()
            });
            let declared = Ranges::from_ranges(
                declared
                    .filter(|p| family_of(p.addr()) == family)
                    .map(|p| range(&p)),
            );
            Ranges::span(0, address_max(family)).subtract(&declared)
        }
    };
    let taken = policy.model.machines.iter().flat_map(|m| m.addresses());
    let taken = Ranges::from_ranges(taken.map(|(_, a)| address_value(a.value)).map(|v| (v, v)));
    space.subtract(&taken)
}

/// How the flow from `src` to `dst` meets the router; `router` narrows the router's side
/// to some of its addresses.
pub fn outcome<'p>(
    policy: &'p Policy,
    src: &Endpoint,
    dst: &Endpoint,
    traffic: Traffic,
    router: Option<&RouterAddresses>,
) -> Outcome<'p> {
    if *src == Endpoint::Router && *dst == Endpoint::Router {
        return Outcome::Loopback;
    }
    if router.is_some_and(|r| r.loopback) {
        return Outcome::Martian;
    }
    if let Some(bypass) = bypasses(policy, src, dst) {
        return bypass;
    }
    Outcome::Filtered(flow::query_at(
        policy,
        src,
        dst,
        traffic,
        router.map(|r| &r.sets),
    ))
}

/// Whether, in every family both ends have, they sit behind one and the same router
/// interface, so their packets never reach the router.
fn bypasses<'p>(policy: &Policy, src: &Endpoint, dst: &Endpoint) -> Option<Outcome<'p>> {
    let mut shared = None;
    for family in [IpFamily::Ipv4, IpFamily::Ipv6] {
        let (Some(a), Some(b)) = (
            flow::links(policy, src, family),
            flow::links(policy, dst, family),
        ) else {
            return None;
        };
        if a.is_empty() || b.is_empty() {
            // No address of this family on one side: no flow here either way.
            continue;
        }
        let one = match (a.ranges(), b.ranges()) {
            ([(x, y)], [(u, v)]) if x == y && u == v && x == u => *x,
            _ => return None,
        };
        if shared.is_some_and(|s| s != one) {
            return None;
        }
        shared = Some(one);
    }
    let link = policy.link_at(shared? as usize);
    let super::Link::Interface(i) = link else {
        return None;
    };
    let iface = &policy.interfaces[i];
    Some(Outcome::Bypasses {
        interface: iface.name.clone(),
        network: policy.model.network(iface.network).name.clone(),
    })
}
