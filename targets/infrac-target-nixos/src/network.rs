//! A NixOS machine's networking: its interfaces with their static addresses, default
//! gateways, resolvers and the firewall ports its services, roles and cluster need.

use crate::machine::MachineView;
use crate::nix::Nix;
use crate::overlay;
use infrac_model::roles::{default_route4, default_route6, DefaultRoute4};
use infrac_model::{interfaces, NetworkId, PortSpec, Protocol};
use std::collections::BTreeMap;
use std::net::IpAddr;

/// One interface as `networking.interfaces` configures it.
pub(crate) struct Link {
    pub name: String,
    /// The network it is on, which names it in the comment.
    pub network: NetworkId,
    pub dhcp: bool,
    /// Static addresses with their prefix lengths, IPv4 and IPv6 mixed, in order.
    pub addresses: Vec<(IpAddr, u8)>,
}

/// The interfaces of the machine and the placed addresses no interface can carry.
///
/// Every NIC on a network that is not an overlay (an overlay's daemon creates its own
/// interface), in NIC order, and every declared port that gets an address. A placed
/// address (`address = X on net`) goes on the NIC on its network; failing that, on the
/// machine's only port without a network.
pub(crate) fn links(view: &MachineView) -> (Vec<Link>, Vec<(IpAddr, NetworkId)>) {
    let model = view.model;
    let machine = view.machine;
    let on_overlay = |n: NetworkId| model.network(n).overlay.is_some();
    let len = |address: IpAddr, network: NetworkId| {
        let network = model.network(network);
        match address {
            IpAddr::V4(_) => network.ipv4.map_or(32, |n| n.value.prefix_len()),
            IpAddr::V6(_) => network.ipv6.map_or(128, |n| n.value.prefix_len()),
        }
    };
    /// A NIC that may become a link: `network` is `None` for a port until a placed
    /// address gives it one.
    struct Port {
        index: usize,
        network: Option<NetworkId>,
        addresses: Vec<(IpAddr, u8)>,
    }
    let mut ports: Vec<Port> = Vec::new();
    for (index, nic) in machine.nics.iter().enumerate() {
        if nic.network.is_some_and(on_overlay) {
            continue;
        }
        let mut addresses = Vec::new();
        if let Some(network) = nic.network {
            let v4 = nic.ip.map(|ip| IpAddr::V4(ip.value));
            let v6 = nic.ip6.map(|ip| IpAddr::V6(ip.value));
            for address in v4.into_iter().chain(v6) {
                addresses.push((address, len(address, network)));
            }
        }
        ports.push(Port {
            index,
            network: nic.network,
            addresses,
        });
    }
    let mut unplaced = Vec::new();
    for (placement, target) in interfaces::placed_addresses(model, machine) {
        let (network, address) = (placement.network, placement.address.value);
        match target {
            Some(i) => {
                ports[i].network = Some(network);
                ports[i].addresses.push((address, len(address, network)));
            }
            None => unplaced.push((address, network)),
        }
    }
    let links = ports
        .into_iter()
        .filter_map(|port| {
            Some(Link {
                name: view.interface(port.index),
                network: port.network?,
                dhcp: machine.nics[port.index].dhcp,
                addresses: port.addresses,
            })
        })
        .collect();
    (links, unplaced)
}

/// `networking.*` of the machine.
pub(crate) fn networking(view: &MachineView) -> Vec<(&'static str, Nix)> {
    let model = view.model;
    let mut out: Vec<(&'static str, Nix)> =
        vec![("networking.hostName", Nix::str(&view.machine.name))];
    if let Some(domain) = view.domain() {
        out.push(("networking.domain", Nix::str(domain)));
    }
    out.push(("networking.useDHCP", Nix::Bool(false)));
    let mut interfaces = Vec::new();
    for link in links(view).0 {
        let mut settings: Vec<(&str, Nix)> = Vec::new();
        if link.dhcp {
            settings.push(("useDHCP", Nix::Bool(true)));
        }
        for (family, key) in [(true, "ipv4.addresses"), (false, "ipv6.addresses")] {
            let list: Vec<Nix> = link
                .addresses
                .iter()
                .filter(|(ip, _)| ip.is_ipv4() == family)
                .map(|(ip, len)| address(*ip, *len))
                .collect();
            if !list.is_empty() {
                settings.push((key, Nix::List(list)));
            }
        }
        let network = model.network(link.network);
        let comment = if network.uplink && link.dhcp {
            format!(
                "{}: the uplink, addressed by the provider's DHCP",
                network.name
            )
        } else {
            network.name.clone()
        };
        interfaces.push((vec![link.name], Nix::attrs(settings).commented(comment)));
    }
    if !interfaces.is_empty() {
        out.push(("networking.interfaces", Nix::Attrs(interfaces)));
    }
    if let Some(DefaultRoute4::Static(index, gateway)) = default_route4(model, view.id) {
        out.push((
            "networking.defaultGateway",
            Nix::attrs([
                ("address", Nix::str(gateway.to_string())),
                ("interface", Nix::str(view.interface(index))),
            ]),
        ));
    }
    if let Some((index, gateway)) = default_route6(model, view.id) {
        out.push((
            "networking.defaultGateway6",
            Nix::attrs([
                ("address", Nix::str(gateway.to_string())),
                ("interface", Nix::str(view.interface(index))),
            ]),
        ));
    }
    let resolvers = nameservers(view);
    if !resolvers.is_empty() {
        out.push(("networking.nameservers", Nix::strs(resolvers)));
    }
    out.push(("networking.nftables.enable", Nix::Bool(true)));
    out.push(("networking.firewall", firewall(view)));
    out
}

/// `{ address = "…"; prefixLength = N; }`.
fn address(ip: IpAddr, len: u8) -> Nix {
    Nix::attrs([
        ("address", Nix::str(ip.to_string())),
        ("prefixLength", Nix::Int(i64::from(len))),
    ])
}

/// Resolvers: the machine's own Unbound when it answers DNS for a network; otherwise the
/// DNS servers of its networks in interface order; otherwise the site's.
pub(crate) fn nameservers(view: &MachineView) -> Vec<String> {
    if !view.dns_networks().is_empty() {
        return vec!["127.0.0.1".into(), "::1".into()];
    }
    let mut servers: Vec<IpAddr> = Vec::new();
    for link in links(view).0 {
        for server in &view.model.network(link.network).dns {
            if !servers.contains(server) {
                servers.push(*server);
            }
        }
    }
    if servers.is_empty() {
        servers = view.site().dns.clone();
    }
    servers.iter().map(ToString::to_string).collect()
}

fn tcp(first: u16, last: u16) -> PortSpec {
    PortSpec {
        protocol: Protocol::Tcp,
        first,
        last,
    }
}

fn udp(port: u16) -> PortSpec {
    PortSpec {
        protocol: Protocol::Udp,
        first: port,
        last: port,
    }
}

/// Every port the machine listens on, with why, sorted by protocol and port.
pub(crate) fn open_ports(view: &MachineView) -> BTreeMap<PortSpec, Vec<String>> {
    let mut ports: BTreeMap<PortSpec, Vec<String>> = BTreeMap::new();
    for service in &view.machine.services {
        for port in &service.ports {
            let reasons = ports.entry(*port).or_default();
            if !reasons.contains(&service.name) {
                reasons.push(service.name.clone());
            }
        }
    }
    // What the machine's roles and cluster membership need, unless a declared service
    // already opens the port.
    let mut add = |port: PortSpec, why: String| {
        ports.entry(port).or_insert_with(|| vec![why]);
    };
    if view.bgp().is_some() {
        add(tcp(179, 179), "BGP sessions (BIRD)".into());
    }
    if !view.dns_networks().is_empty() {
        add(udp(53), "DNS (Unbound)".into());
        add(tcp(53, 53), "DNS (Unbound)".into());
    }
    if !view.dhcp_networks().is_empty() {
        add(udp(67), "DHCP (Kea)".into());
    }
    for (port, why) in overlay::listen_ports(view) {
        add(udp(port), why);
    }
    if let Some((cluster, server)) = view.cluster() {
        let name = &cluster.name;
        if server {
            add(tcp(6443, 6443), format!("k3s API server ({name})"));
            if cluster.servers.len() > 1 {
                add(tcp(2379, 2380), format!("k3s embedded etcd ({name})"));
            }
        }
        add(tcp(10250, 10250), format!("kubelet ({name})"));
        add(udp(8472), format!("flannel VXLAN ({name})"));
        for app in view
            .model
            .apps
            .iter()
            .filter(|a| view.model.cluster(a.cluster).name == *name)
        {
            if let infrac_model::Expose::NodePort(port) = app.expose.value {
                add(tcp(port, port), format!("NodePort of app {}", app.name));
            }
        }
    }
    ports
}

/// `networking.firewall`: the machine's ports, one per line with where it comes from.
/// On a machine with a `firewall` block the zone ruleset is the only packet filter, so
/// NixOS's own firewall is off: a packet would otherwise have to pass both.
fn firewall(view: &MachineView) -> Nix {
    if view.firewall().is_some() {
        return Nix::attrs([(
            "enable",
            Nix::Bool(false).commented("the zone firewall below filters instead"),
        )]);
    }
    let ports = open_ports(view);
    let mut entries: Vec<(&str, Nix)> = vec![("enable", Nix::Bool(true))];
    for (protocol, singles, ranges) in [
        (Protocol::Tcp, "allowedTCPPorts", "allowedTCPPortRanges"),
        (Protocol::Udp, "allowedUDPPorts", "allowedUDPPortRanges"),
    ] {
        let mut single = Vec::new();
        let mut range = Vec::new();
        for (port, why) in ports.iter().filter(|(p, _)| p.protocol == protocol) {
            let why = why.join(", ");
            if port.first == port.last {
                single.push(Nix::Int(i64::from(port.first)).commented(why));
            } else {
                range.push(
                    Nix::attrs([
                        ("from", Nix::Int(i64::from(port.first))),
                        ("to", Nix::Int(i64::from(port.last))),
                    ])
                    .commented(why),
                );
            }
        }
        if !single.is_empty() {
            entries.push((singles, Nix::List(single)));
        }
        if !range.is_empty() {
            entries.push((ranges, Nix::List(range)));
        }
    }
    Nix::attrs(entries)
}
