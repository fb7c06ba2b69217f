//! IPv6 on the networks: every network with an IPv6 prefix has a machine that advertises
//! it (W0450), and a network's DHCPv6 settings are ones a server acts on (E0453).
//!
//! Who advertises is `infrac_model::ipv6::advertiser`, the same function the NixOS and
//! OpenWrt targets write radvd, Kea and odhcpd settings from, so a network this family
//! accepts is one the generated files advertise.

use infrac_diagnostics::{Code, Diagnostic};
use infrac_model::ipv6::{advertiser, gateway6_holder, mode, needs_advertiser, takes_dhcp6_pool};
use infrac_model::{Ipv6Mode, Model, NetworkId};
use std::cell::OnceCell;

/// Both rules over every network.
pub fn check(model: &Model) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let in_use = OnceCell::new();
    for index in 0..model.networks.len() {
        let id = NetworkId(index as u32);
        let problems = dhcp6_settings(model, id);
        let settled = problems.is_empty();
        out.extend(problems);
        if settled {
            out.extend(not_advertised(model, id, &in_use));
            out.extend(static_in_pool(model, id));
        }
    }
    out
}

/// For each network, whether any machine of the lab has an address or a NIC on it.
/// One pass over the machines serves every network: asking per network would walk a
/// large lab's machines once for each network nothing advertises.
fn networks_in_use(model: &Model) -> Vec<bool> {
    let mut used = vec![false; model.networks.len()];
    for m in &model.machines {
        for (_, _, n) in m.attached() {
            used[n.index()] = true;
        }
        for p in &m.addresses {
            used[p.network.index()] = true;
        }
    }
    used
}

/// W0450: a network with an IPv6 prefix that machines are on, but that no machine of the
/// lab advertises. Hosts there get no SLAAC address and no IPv6 default route.
fn not_advertised(
    model: &Model,
    id: NetworkId,
    in_use: &OnceCell<Vec<bool>>,
) -> Option<Diagnostic> {
    let network = model.network(id);
    if !needs_advertiser(network)
        || advertiser(model, id).is_some()
        || !in_use.get_or_init(|| networks_in_use(model))[id.index()]
    {
        return None;
    }
    let prefix = network.ipv6?;
    let name = &network.name;
    let base = |label: String| {
        Diagnostic::warning(
            Code::IPV6_NOT_ADVERTISED,
            format!("nothing advertises the IPv6 prefix of network {name}"),
            prefix.span,
            label,
        )
        .with_note(
            "without router advertisements, hosts on the network form no IPv6 address from \
             the prefix and learn no IPv6 default route; infrac writes them (radvd, odhcpd) \
             on the NixOS or OpenWrt machine that holds the network's `gateway6`",
        )
    };
    let diagnostic = match (network.gateway6, gateway6_holder(model, id)) {
        (None, _) => {
            base("no `gateway6`, so no router advertises this prefix".into()).with_help(format!(
                "give the network `gateway6 = host({name}.ipv6, 1)` and the router's NIC on it \
                 `ip6 = {name}.gateway6`, or remove `ipv6` from the network"
            ))
        }
        (Some(gateway), None) => base(format!("no machine of the lab holds {}", gateway.value))
            .with_label(gateway.span, "the IPv6 gateway, on no NIC")
            .with_help(format!(
                "give the router's NIC on {name} `ip6 = {name}.gateway6`"
            )),
        (Some(gateway), Some((holder, _))) => {
            let holder = &model.machine(holder).name;
            base(format!(
                "{holder} holds the IPv6 gateway, and infrac writes router advertisements only \
                 for NixOS and OpenWrt"
            ))
            .with_label(gateway.span, format!("held by {holder}"))
            .with_help(format!(
                "hold {name}'s `gateway6` on a NixOS or OpenWrt router, or run a router \
                 advertisement daemon on {holder} by hand"
            ))
        }
    };
    Some(diagnostic)
}

/// E0453: `ipv6_mode` and `dhcp6` that no server would act on: on a network without an
/// IPv6 prefix or one the lab does not advertise, a pool outside the prefix, a DHCPv6
/// mode without a pool where the server needs one (Kea), a pool where the server takes
/// none (OpenWrt's odhcpd), or a pool on a SLAAC network.
fn dhcp6_settings(model: &Model, id: NetworkId) -> Vec<Diagnostic> {
    let network = model.network(id);
    // The advertiser's DHCPv6 server, and whether it takes a pool.
    let server = advertiser(model, id).map(|(m, _)| (m, takes_dhcp6_pool(model, m)));
    let mut out = Vec::new();
    let name = &network.name;
    let error = |span, message: String, label: &str| {
        Diagnostic::error(Code::DHCP6_SETTING, message, span, label.to_string())
    };
    let Some(prefix) = network.ipv6 else {
        if let Some(mode) = network.ipv6_mode {
            out.push(
                error(
                    mode.span,
                    format!("`ipv6_mode` on network {name}, which has no IPv6 prefix"),
                    "nothing to address",
                )
                .with_help(format!(
                    "give {name} an `ipv6` prefix, or remove `ipv6_mode`"
                )),
            );
        }
        if let Some(pool) = network.dhcp6 {
            out.push(
                error(
                    pool.span,
                    format!("`dhcp6` pool on network {name}, which has no IPv6 prefix"),
                    "no prefix to hand out from",
                )
                .with_help(format!("give {name} an `ipv6` prefix, or remove `dhcp6`")),
            );
        }
        return out;
    };
    if !needs_advertiser(network) {
        let what = if network.uplink {
            "an uplink, numbered by the provider"
        } else {
            "an overlay, numbered by its own daemon"
        };
        for span in network
            .ipv6_mode
            .map(|m| m.span)
            .into_iter()
            .chain(network.dhcp6.map(|p| p.span))
        {
            out.push(
                error(
                    span,
                    format!("DHCPv6 setting on network {name}, which is {what}"),
                    "no machine of the lab serves this network",
                )
                .with_help("remove `ipv6_mode` and `dhcp6` from this network"),
            );
        }
        return out;
    }
    let mode_value = mode(network);
    match (network.dhcp6, mode_value.dhcpv6()) {
        (Some(pool), true) if server.is_some_and(|(_, pools)| !pools) => {
            let router = server.map_or("", |(m, _)| model.machine(m).name.as_str());
            out.push(
                error(
                    pool.span,
                    format!("`dhcp6` pool on network {name}, whose DHCPv6 server takes none"),
                    "OpenWrt's odhcpd assigns from the whole prefix",
                )
                .with_help(format!(
                    "remove `dhcp6`: odhcpd on {router} hands out DHCPv6 addresses without one"
                )),
            );
        }
        (Some(pool), true) => {
            let (first, last) = pool.value;
            if !prefix.value.contains(&first) || !prefix.value.contains(&last) {
                out.push(
                    error(pool.span, format!("`dhcp6` pool outside network {name}'s prefix {}", prefix.value), "not inside the prefix")
                        .with_label(prefix.span, "the network's prefix")
                        .with_help(format!("write the pool with addresses of the prefix: `dhcp6 = host({name}.ipv6, 0x100)..host({name}.ipv6, 0x1ff)`")),
                );
            }
        }
        (Some(pool), false) => {
            let diagnostic = error(
                pool.span,
                format!("`dhcp6` pool on network {name}, whose hosts use SLAAC only"),
                "no DHCPv6 server hands these out",
            );
            out.push(match network.ipv6_mode {
                Some(m) => diagnostic.with_label(m.span, "SLAAC only").with_help("write `ipv6_mode = both` to hand out these addresses beside SLAAC, or remove `dhcp6`"),
                None => diagnostic.with_note("a network without `ipv6_mode` uses SLAAC").with_help("add `ipv6_mode = both` to the network, or remove `dhcp6`"),
            });
        }
        (None, true) if server.is_some_and(|(_, pools)| !pools) => {}
        (None, true) => {
            let span = network.ipv6_mode.map_or(prefix.span, |m| m.span);
            let word = if mode_value == Ipv6Mode::Both {
                "both"
            } else {
                "dhcpv6"
            };
            out.push(
                error(
                    span,
                    format!("network {name} asks for DHCPv6 addresses and has no `dhcp6` pool"),
                    &format!("`{word}` needs a pool"),
                )
                .with_help(format!(
                    "add `dhcp6 = host({name}.ipv6, 0x100)..host({name}.ipv6, 0x1ff)` to {name}"
                )),
            );
        }
        (None, false) => {}
    }
    out
}

/// E0454: a machine's static IPv6 address inside the network's DHCPv6 pool, which Kea
/// would hand to another host: the pool's addresses are all Kea's.
fn static_in_pool(model: &Model, id: NetworkId) -> Vec<Diagnostic> {
    let network = model.network(id);
    let Some(pool) = network.dhcp6 else {
        return Vec::new();
    };
    if !mode(network).dhcpv6() {
        return Vec::new();
    }
    let (first, last) = pool.value;
    let name = &network.name;
    let mut out = Vec::new();
    for machine in &model.machines {
        for (on, address) in machine.addresses() {
            let std::net::IpAddr::V6(v6) = address.value else {
                continue;
            };
            if on != id || v6 < first || v6 > last {
                continue;
            }
            out.push(
                Diagnostic::error(
                    Code::STATIC_IN_DHCP6_POOL,
                    format!(
                        "static address {v6} of {} is inside the DHCPv6 pool of network {name}",
                        machine.name
                    ),
                    address.span,
                    "the DHCP server may lease this address to another host",
                )
                .with_label(pool.span, "the DHCPv6 pool")
                .with_help(format!(
                    "give {} an address outside {first}..{last}, or move the pool",
                    machine.name
                )),
            );
        }
    }
    out
}
