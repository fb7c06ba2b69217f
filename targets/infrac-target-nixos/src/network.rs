//! A NixOS machine's networking: its interfaces with their static addresses, default
//! gateways, resolvers and the firewall ports its services, roles and cluster need.

use crate::machine::MachineView;
use crate::nix::Nix;
use crate::overlay;
use infrac_model::roles::{default_route4, default_route6, DefaultRoute4};
use infrac_model::{interfaces, NetworkId, PortSpec, Protocol};
use std::collections::{BTreeMap, BTreeSet};
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

/// A port the machine opens: why, and on which interfaces.
pub(crate) struct Opening {
    pub why: Vec<String>,
    pub interfaces: BTreeSet<String>,
}

/// Every interface of the machine: its links and its overlay interfaces.
fn all_interfaces(view: &MachineView) -> BTreeSet<String> {
    let mut out: BTreeSet<String> = links(view).0.into_iter().map(|l| l.name).collect();
    for (_, network, overlay) in view.overlays() {
        out.insert(interfaces::overlay_interface(
            overlay,
            &view.model.network(network).name,
        ));
    }
    out
}

/// The interfaces of the machine's links on the networks in `networks`.
fn interfaces_on(view: &MachineView, networks: &[NetworkId]) -> BTreeSet<String> {
    // A set, not the list: a router on thousands of networks has as many links.
    let networks: BTreeSet<NetworkId> = networks.iter().copied().collect();
    links(view)
        .0
        .into_iter()
        .filter(|l| networks.contains(&l.network))
        .map(|l| l.name)
        .collect()
}

/// The interfaces a declared service is open on: every interface but the uplinks, so a
/// router's SSH and exporters are not offered to the internet; on a machine whose only
/// links are uplinks (a cloud machine), those too, or nobody could reach it.
fn service_interfaces(view: &MachineView) -> BTreeSet<String> {
    let uplinks: BTreeSet<String> = links(view)
        .0
        .into_iter()
        .filter(|l| view.model.network(l.network).uplink)
        .map(|l| l.name)
        .collect();
    let all = all_interfaces(view);
    let inside: BTreeSet<String> = all.difference(&uplinks).cloned().collect();
    let has_inside_link = links(view)
        .0
        .iter()
        .any(|l| !view.model.network(l.network).uplink);
    if has_inside_link {
        inside
    } else {
        all
    }
}

/// Every port the machine listens on, with why and on which interfaces, sorted by
/// protocol and port. A declared service this target configures is open on the
/// interfaces of `service_interfaces`; a role's daemon only on the networks it serves;
/// the cluster's node traffic only on the cluster's network; BGP and overlay endpoints
/// on every link. A declared service this target does not configure gets no port:
/// nothing would listen on it.
pub(crate) fn open_ports(view: &MachineView) -> BTreeMap<PortSpec, Opening> {
    let everywhere = service_interfaces(view);
    let mut ports: BTreeMap<PortSpec, Opening> = BTreeMap::new();
    // A role's port that a declared service already opens keeps the service's name as
    // its reason, and is opened on the role's interfaces as well.
    let mut declared: BTreeSet<PortSpec> = BTreeSet::new();
    let mut open = |port: PortSpec, why: String, on: &BTreeSet<String>, service: bool| {
        if on.is_empty() {
            return;
        }
        let entry = ports.entry(port).or_insert_with(|| Opening {
            why: Vec::new(),
            interfaces: BTreeSet::new(),
        });
        if service {
            declared.insert(port);
        }
        if !entry.why.contains(&why) && (service || !declared.contains(&port)) {
            entry.why.push(why);
        }
        entry.interfaces.extend(on.iter().cloned());
    };
    let underlay: BTreeSet<String> = links(view).0.into_iter().map(|l| l.name).collect();
    for service in &view.machine.services {
        if !crate::services::configured(view, &service.name) {
            continue;
        }
        for port in &service.ports {
            let on = match service.name.as_str() {
                // The daemons of roles answer only where they serve.
                "unbound" | "dns" => interfaces_on(view, view.dns_networks()),
                "kea" => interfaces_on(view, view.dhcp_networks()),
                // Sessions and tunnels arrive over the links, never through an overlay.
                "bird" | "wireguard" | "tailscale" => underlay.clone(),
                _ => everywhere.clone(),
            };
            open(*port, service.name.clone(), &on, true);
        }
    }
    // A Compose service in host network mode listens on the host itself. A published
    // port needs no opening: Docker's own NAT rules take it to the container before the
    // input filter sees it.
    for listener in infrac_model::listeners::stack_listeners(view.model, view.id) {
        if listener.kind == infrac_model::listeners::ListenerKind::ComposeHost {
            open(listener.port, listener.owner, &everywhere, false);
        }
    }
    // Caddy, configured by `webapps::caddy`, answers the reverse proxies' routes.
    if infrac_model::proxy::runs_caddy_on(view.model, view.id) {
        for port in infrac_model::proxy::CADDY_PORTS {
            open(
                tcp(port, port),
                "Caddy (reverse proxy)".into(),
                &everywhere,
                false,
            );
        }
    }
    // What the machine's roles and cluster membership need.
    if view.bgp().is_some() {
        open(
            tcp(179, 179),
            "BGP sessions (BIRD)".into(),
            &underlay,
            false,
        );
    }
    let dns = interfaces_on(view, view.dns_networks());
    open(udp(53), "DNS (Unbound)".into(), &dns, false);
    open(tcp(53, 53), "DNS (Unbound)".into(), &dns, false);
    open(
        udp(67),
        "DHCP (Kea)".into(),
        &interfaces_on(view, view.dhcp_networks()),
        false,
    );
    open(
        udp(547),
        "DHCPv6 (Kea)".into(),
        &interfaces_on(view, &crate::ipv6::dhcp6_networks(view)),
        false,
    );
    for (port, why) in overlay::listen_ports(view) {
        open(udp(port), why, &underlay, false);
    }
    if let Some((cluster, server)) = view.cluster() {
        let name = &cluster.name;
        // Node-to-node traffic stays on the cluster's network.
        let nodes: BTreeSet<String> = infrac_model::kube::cluster_network(view.model, cluster)
            .and_then(|n| infrac_model::kube::node_net(view.model, n, view.id))
            .map_or_else(|| everywhere.clone(), |n| [n.interface].into());
        if server {
            // kubectl and the other nodes alike reach the API.
            open(
                tcp(6443, 6443),
                format!("k3s API server ({name})"),
                &everywhere,
                false,
            );
            if cluster.servers.len() > 1 {
                open(
                    tcp(2379, 2380),
                    format!("k3s embedded etcd ({name})"),
                    &nodes,
                    false,
                );
            }
        }
        open(
            tcp(10250, 10250),
            format!("kubelet ({name})"),
            &nodes,
            false,
        );
        open(udp(8472), format!("flannel VXLAN ({name})"), &nodes, false);
        for app in view
            .model
            .apps
            .iter()
            .filter(|a| view.model.cluster(a.cluster).name == *name)
        {
            if let infrac_model::Expose::NodePort(port) = app.expose.value {
                open(
                    tcp(port, port),
                    format!("NodePort of app {}", app.name),
                    &everywhere,
                    false,
                );
            }
        }
        for stack in view
            .model
            .monitoring
            .iter()
            .filter(|m| view.model.cluster(m.cluster).name == *name)
        {
            if let Some(port) = stack.grafana.nodeport {
                open(
                    tcp(port, port),
                    format!("NodePort of Grafana ({})", stack.name),
                    &everywhere,
                    false,
                );
            }
        }
    }
    ports
}

/// `networking.firewall`: per interface, the ports open there, one per line with where
/// it comes from. On a machine with a `firewall` block the zone ruleset is the only
/// packet filter, so NixOS's own firewall is off: a packet would otherwise have to pass
/// both.
fn firewall(view: &MachineView) -> Nix {
    if view.firewall().is_some() {
        return Nix::attrs([(
            "enable",
            Nix::Bool(false).commented("the zone firewall below filters instead"),
        )]);
    }
    let ports = open_ports(view);
    let mut entries: Vec<(Vec<String>, Nix)> = vec![(vec!["enable".into()], Nix::Bool(true))];
    let names: BTreeSet<&String> = ports.values().flat_map(|o| &o.interfaces).collect();
    let mut per_interface = Vec::new();
    for name in names {
        let mut settings: Vec<(Vec<String>, Nix)> = Vec::new();
        for (protocol, singles, ranges) in [
            (Protocol::Tcp, "allowedTCPPorts", "allowedTCPPortRanges"),
            (Protocol::Udp, "allowedUDPPorts", "allowedUDPPortRanges"),
        ] {
            let mut single = Vec::new();
            let mut range = Vec::new();
            for (port, opening) in ports
                .iter()
                .filter(|(p, o)| p.protocol == protocol && o.interfaces.contains(name))
            {
                let why = opening.why.join(", ");
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
                settings.push((vec![singles.into()], Nix::List(single)));
            }
            if !range.is_empty() {
                settings.push((vec![ranges.into()], Nix::List(range)));
            }
        }
        per_interface.push((vec![name.clone()], Nix::Attrs(settings)));
    }
    if !per_interface.is_empty() {
        entries.push((vec!["interfaces".into()], Nix::Attrs(per_interface)));
    }
    Nix::Attrs(entries)
}
