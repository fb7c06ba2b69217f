//! A NixOS guest's networking: interface names, static addresses, default gateways,
//! resolvers and the firewall ports its services (and its cluster) need.

use crate::guest::GuestView;
use crate::nix::Nix;
use infrac_model::roles::{default_route4, default_route6, DefaultRoute4};
use infrac_model::{GuestKind, PortSpec, Protocol};
use std::collections::BTreeMap;
use std::net::IpAddr;

/// The first PCI slot Proxmox gives a VM's `net0` on the default i440fx machine; systemd
/// names the interface after the slot (`ens18`), and `net1`… follow in the next slots.
const FIRST_NET_SLOT: usize = 18;

/// The interface name a guest's `index`-th NIC gets inside the guest: `ens18`, `ens19`…
/// in a VM (Proxmox `net0`, `net1`… on the i440fx machine), `eth0`… in a container.
pub(crate) fn interface_name(kind: GuestKind, index: usize) -> String {
    match kind {
        GuestKind::Vm => format!("ens{}", FIRST_NET_SLOT + index),
        GuestKind::Lxc => format!("eth{index}"),
    }
}

/// `networking.*` of the guest.
pub(crate) fn networking(view: &GuestView) -> Vec<(&'static str, Nix)> {
    let model = view.model;
    let guest = view.guest;
    let mut out: Vec<(&'static str, Nix)> = vec![("networking.hostName", Nix::str(&guest.name))];
    if let Some(domain) = view.domain() {
        out.push(("networking.domain", Nix::str(domain)));
    }
    out.push(("networking.useDHCP", Nix::Bool(false)));
    let mut interfaces = Vec::new();
    for (index, nic) in guest.nics.iter().enumerate() {
        let network = model.network(nic.network);
        let mut settings: Vec<(&str, Nix)> = Vec::new();
        if nic.dhcp {
            settings.push(("useDHCP", Nix::Bool(true)));
        }
        if let Some(ip) = nic.ip {
            let len = network.ipv4.map_or(32, |n| n.value.prefix_len());
            settings.push(("ipv4.addresses", address(IpAddr::V4(ip.value), len)));
        }
        if let Some(ip6) = nic.ip6 {
            let len = network.ipv6.map_or(128, |n| n.value.prefix_len());
            settings.push(("ipv6.addresses", address(IpAddr::V6(ip6.value), len)));
        }
        let mut value = Nix::attrs(settings);
        let comment = if network.uplink && nic.dhcp {
            format!(
                "{}: the uplink, addressed by the provider's DHCP",
                network.name
            )
        } else {
            network.name.clone()
        };
        value = value.commented(comment);
        interfaces.push((vec![view.interface(index)], value));
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

/// `{ address = "…"; prefixLength = N; }` in a one-element list.
fn address(ip: IpAddr, len: u8) -> Nix {
    Nix::List(vec![Nix::attrs([
        ("address", Nix::str(ip.to_string())),
        ("prefixLength", Nix::Int(i64::from(len))),
    ])])
}

/// Resolvers: the guest's own Unbound when it runs one; otherwise the DNS servers of its
/// networks in interface order; otherwise the site's.
pub(crate) fn nameservers(view: &GuestView) -> Vec<String> {
    if view.runs("unbound") {
        return vec!["127.0.0.1".into(), "::1".into()];
    }
    let mut servers: Vec<IpAddr> = Vec::new();
    for nic in &view.guest.nics {
        for server in &view.model.network(nic.network).dns {
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

/// Every port the guest listens on, with why, sorted by protocol and port.
pub(crate) fn open_ports(view: &GuestView) -> BTreeMap<PortSpec, Vec<String>> {
    let mut ports: BTreeMap<PortSpec, Vec<String>> = BTreeMap::new();
    for service in &view.guest.services {
        for port in &service.ports {
            let reasons = ports.entry(*port).or_default();
            if !reasons.contains(&service.name) {
                reasons.push(service.name.clone());
            }
        }
    }
    // What cluster membership needs, unless a declared service already opens the port.
    let mut add = |port: PortSpec, why: String| {
        ports.entry(port).or_insert_with(|| vec![why]);
    };
    for (cluster, server) in view.clusters() {
        let tcp = |first: u16, last: u16| PortSpec {
            protocol: Protocol::Tcp,
            first,
            last,
        };
        let name = &cluster.name;
        if server {
            add(tcp(6443, 6443), format!("k3s API server ({name})"));
            if cluster.servers.len() > 1 {
                add(tcp(2379, 2380), format!("k3s embedded etcd ({name})"));
            }
        }
        add(tcp(10250, 10250), format!("kubelet ({name})"));
        add(
            PortSpec {
                protocol: Protocol::Udp,
                first: 8472,
                last: 8472,
            },
            format!("flannel VXLAN ({name})"),
        );
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

/// `networking.firewall`: the guest's ports, one per line with where it comes from.
fn firewall(view: &GuestView) -> Nix {
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
