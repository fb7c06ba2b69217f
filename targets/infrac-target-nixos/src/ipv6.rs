//! IPv6 on the networks a NixOS machine advertises (`infrac_model::ipv6::advertised`):
//! radvd sends router advertisements with the prefix, the machine as default router and
//! the resolvers; Kea's DHCPv6 server hands out addresses where the network's mode asks
//! for them. On a router whose uplink gives no static IPv6 gateway, the kernel is told to
//! accept the provider's advertisements despite forwarding.

use crate::machine::MachineView;
use crate::nix::Nix;
use crate::services::Assignments;
use infrac_model::ipv6::{advertised, mode, uplink_advertised_route};
use infrac_model::NetworkId;
use std::net::{IpAddr, Ipv6Addr};

/// `services.radvd` and `services.kea.dhcp6` for the networks the machine advertises.
pub(crate) fn advertisements(view: &MachineView) -> Assignments {
    let served = advertised(view.model, view.id);
    if served.is_empty() {
        return Vec::new();
    }
    let mut lines = Vec::new();
    for (index, network) in &served {
        lines.extend(radvd_interface(view, *index, *network));
    }
    let mut out = vec![(
        "services.radvd",
        Nix::attrs([("enable", Nix::Bool(true)), ("config", Nix::Lines(lines))]),
    )];
    let dhcp6: Vec<(usize, NetworkId)> = served
        .into_iter()
        .filter(|(_, n)| {
            let network = view.model.network(*n);
            mode(network).dhcpv6() && network.dhcp6.is_some()
        })
        .collect();
    if !dhcp6.is_empty() {
        out.push(("services.kea.dhcp6", kea6(view, &dhcp6)));
    }
    out
}

/// The networks the machine serves DHCPv6 on (Kea).
pub(crate) fn dhcp6_networks(view: &MachineView) -> Vec<NetworkId> {
    advertised(view.model, view.id)
        .into_iter()
        .map(|(_, n)| n)
        .filter(|n| {
            let network = view.model.network(*n);
            mode(network).dhcpv6() && network.dhcp6.is_some()
        })
        .collect()
}

/// The IPv6 resolvers announced on a network: its IPv6 `dns` servers, else the machine
/// itself when it answers DNS there (Unbound listens on its address on that NIC).
fn resolvers(view: &MachineView, index: usize, network: NetworkId) -> Vec<Ipv6Addr> {
    let declared: Vec<Ipv6Addr> = view
        .model
        .network(network)
        .dns
        .iter()
        .filter_map(|a| match a {
            IpAddr::V6(v6) => Some(*v6),
            IpAddr::V4(_) => None,
        })
        .collect();
    if !declared.is_empty() {
        return declared;
    }
    // In network order (`roles::dns_networks`).
    if view.dns_networks().binary_search(&network).is_ok() {
        return view.machine.nics[index]
            .ip6
            .map(|ip| ip.value)
            .into_iter()
            .collect();
    }
    Vec::new()
}

/// One `interface` block of radvd.conf (radvd.conf(5)): the prefix on-link, autonomous
/// when hosts form SLAAC addresses; the managed flag when DHCPv6 hands out addresses and
/// the other-configuration flag when it is there at all; RDNSS and DNSSL (RFC 8106).
fn radvd_interface(view: &MachineView, index: usize, network: NetworkId) -> Vec<String> {
    let net = view.model.network(network);
    let Some(prefix) = net.ipv6 else {
        return Vec::new();
    };
    let mode = mode(net);
    let dhcp6 = mode.dhcpv6() && net.dhcp6.is_some();
    let on_off = |b: bool| if b { "on" } else { "off" };
    let mut lines = vec![
        format!("# {}", crate::nix::comment_safe(&net.name)),
        format!("interface {} {{", view.interface(index)),
        "  AdvSendAdvert on;".to_string(),
        format!("  AdvManagedFlag {};", on_off(dhcp6)),
        format!("  AdvOtherConfigFlag {};", on_off(dhcp6)),
        format!("  prefix {} {{", prefix.value),
        "    AdvOnLink on;".to_string(),
        format!("    AdvAutonomous {};", on_off(mode.slaac())),
        "  };".to_string(),
    ];
    let servers: Vec<String> = resolvers(view, index, network)
        .iter()
        .map(ToString::to_string)
        .collect();
    if !servers.is_empty() {
        lines.push(format!("  RDNSS {} {{", servers.join(" ")));
        lines.push("  };".to_string());
    }
    if let Some(domain) = view.domain() {
        lines.push(format!("  DNSSL {domain} {{"));
        lines.push("  };".to_string());
    }
    lines.push("};".to_string());
    lines
}

/// Kea's DHCPv6 server for the networks with a `dhcp6` pool; lifetimes are Kea's
/// defaults.
fn kea6(view: &MachineView, served: &[(usize, NetworkId)]) -> Nix {
    let interfaces: Vec<String> = served.iter().map(|(i, _)| view.interface(*i)).collect();
    let subnets = served
        .iter()
        .enumerate()
        .filter_map(|(n, (index, id))| {
            let network = view.model.network(*id);
            let prefix = network.ipv6?.value;
            let (first, last) = network.dhcp6?.value;
            let mut options = Vec::new();
            let servers: Vec<String> = resolvers(view, *index, *id)
                .iter()
                .map(ToString::to_string)
                .collect();
            if !servers.is_empty() {
                options.push(option("dns-servers", servers.join(", ")));
            }
            if let Some(domain) = view.domain() {
                options.push(option("domain-search", domain.to_string()));
            }
            Some(
                Nix::attrs([
                    ("id", Nix::Int(n as i64 + 1)),
                    ("subnet", Nix::str(prefix.to_string())),
                    ("interface", Nix::str(view.interface(*index))),
                    (
                        "pools",
                        Nix::List(vec![Nix::attrs([(
                            "pool",
                            Nix::str(format!("{first} - {last}")),
                        )])]),
                    ),
                    ("option-data", Nix::List(options)),
                ])
                .commented(network.name.clone()),
            )
        })
        .collect();
    Nix::attrs([
        ("enable", Nix::Bool(true)),
        (
            "settings",
            Nix::attrs([
                ("interfaces-config.interfaces", Nix::strs(interfaces)),
                (
                    "lease-database",
                    Nix::attrs([
                        ("type", Nix::str("memfile")),
                        ("persist", Nix::Bool(true)),
                        ("name", Nix::str("/var/lib/kea/dhcp6.leases")),
                    ]),
                ),
                ("subnet6", Nix::List(subnets)),
            ]),
        ),
    ])
}

fn option(name: &str, data: String) -> Nix {
    Nix::attrs([("name", Nix::str(name)), ("data", Nix::str(data))])
}

/// The sysctl that lets a forwarding machine take its IPv6 default route from the
/// provider's router advertisements on its uplink: with forwarding on, Linux accepts
/// advertisements only when `accept_ra` is 2 (the kernel's ip-sysctl documentation).
pub(crate) fn uplink_accept_ra(view: &MachineView) -> Option<(Vec<String>, Nix)> {
    let index = uplink_advertised_route(view.model, view.id)?;
    Some((
        vec![format!("net.ipv6.conf.{}.accept_ra", view.interface(index))],
        Nix::Int(2).commented(format!(
            "the IPv6 default route from the provider's advertisements on {}",
            view.model.network(view.machine.nics[index].network?).name
        )),
    ))
}
