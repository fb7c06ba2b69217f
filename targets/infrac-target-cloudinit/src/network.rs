//! A machine's network as network config version 2, the format cloud-init's
//! `network-config` and netplan share. Both files are this one description serialised,
//! so they cannot disagree.
//!
//! Every NIC on a network that is not an overlay becomes an `ethernets` entry named by
//! its interface name; a NIC with a MAC address is matched by it and given that name
//! (`set-name`), any other is matched by the name itself. Overlays are left to their
//! own daemons, which create their interfaces (`tailscale0`, `wg-NET`).

use crate::text;
use indexmap::IndexMap;
use infrac_model::interfaces::{self, interface_name};
use infrac_model::roles::{default_route4, default_route6, DefaultRoute4};
use infrac_model::{Mac, Machine, MachineId, Model, NetworkId};
use serde::Serialize;
use std::net::IpAddr;

/// A network config file: everything under the top-level `network` key.
#[derive(Debug, Serialize)]
pub(crate) struct NetworkFile {
    pub network: NetworkConfig,
}

/// Network config version 2.
#[derive(Debug, Serialize)]
pub(crate) struct NetworkConfig {
    pub version: u8,
    /// By interface name, in NIC order.
    pub ethernets: IndexMap<String, Ethernet>,
}

/// One physical interface.
#[derive(Debug, Serialize)]
pub(crate) struct Ethernet {
    #[serde(rename = "match", skip_serializing_if = "Option::is_none")]
    pub matching: Option<Match>,
    #[serde(rename = "set-name", skip_serializing_if = "Option::is_none")]
    pub set_name: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub dhcp4: bool,
    #[serde(rename = "dhcp4-overrides", skip_serializing_if = "Option::is_none")]
    pub dhcp4_overrides: Option<DhcpOverrides>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub routes: Vec<Route>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nameservers: Option<Nameservers>,
}

/// How an interface is recognised when its kernel name is not the one it gets.
#[derive(Debug, Serialize)]
pub(crate) struct Match {
    pub macaddress: String,
}

/// What a DHCP lease may set.
#[derive(Debug, Serialize)]
pub(crate) struct DhcpOverrides {
    /// False on every DHCP interface but the one carrying the default route, so a second
    /// DHCP server cannot add a competing default route.
    #[serde(rename = "use-routes")]
    pub use_routes: bool,
}

/// A static route. The default routes are written as `0.0.0.0/0` and `::/0`, which
/// every reader of version 2 understands (`default` is netplan's own spelling).
#[derive(Debug, Serialize)]
pub(crate) struct Route {
    pub to: &'static str,
    pub via: String,
}

/// Resolvers and the search domain.
#[derive(Debug, Serialize)]
pub(crate) struct Nameservers {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub search: Vec<String>,
    pub addresses: Vec<String>,
}

/// One interface before it is written: a NIC on a network, or a bare port that carries
/// a placed address (`address = X on net`).
struct Link {
    index: usize,
    name: String,
    mac: Option<Mac>,
    network: Option<NetworkId>,
    dhcp: bool,
    addresses: Vec<(IpAddr, u8)>,
}

/// The network description of a machine, with notes on what it could not place.
pub(crate) struct Description {
    pub file: NetworkFile,
    pub notes: Vec<String>,
}

impl Description {
    /// Whether the description configures no interface: the image's own network setup
    /// is then left alone rather than replaced by an empty one.
    pub(crate) fn is_empty(&self) -> bool {
        self.file.network.ethernets.is_empty()
    }
}

/// The prefix length of `address` on `network`, or a host prefix when the network
/// declares no prefix for its family.
fn prefix_len(model: &Model, address: IpAddr, network: NetworkId) -> u8 {
    let network = model.network(network);
    match address {
        IpAddr::V4(_) => network.ipv4.map_or(32, |n| n.value.prefix_len()),
        IpAddr::V6(_) => network.ipv6.map_or(128, |n| n.value.prefix_len()),
    }
}

/// The links of a machine: every NIC on a network that is not an overlay, in NIC order,
/// and every declared port that gets a placed address. A placed address goes on the NIC
/// on its network; failing that, on the machine's only port without a network.
fn links(model: &Model, machine: &Machine, notes: &mut Vec<String>) -> Vec<Link> {
    let on_overlay = |n: NetworkId| model.network(n).overlay.is_some();
    let mut links: Vec<Link> = Vec::new();
    for (index, nic) in machine.nics.iter().enumerate() {
        if nic.network.is_some_and(on_overlay) {
            continue;
        }
        let mut addresses = Vec::new();
        if let Some(network) = nic.network {
            // On a DHCP NIC the IPv4 address is the lease the DHCP server reserves.
            let v4 = nic.ip.filter(|_| !nic.dhcp).map(|ip| IpAddr::V4(ip.value));
            let v6 = nic.ip6.map(|ip| IpAddr::V6(ip.value));
            for address in v4.into_iter().chain(v6) {
                addresses.push((address, prefix_len(model, address, network)));
            }
        }
        links.push(Link {
            index,
            name: interface_name(model, machine, index),
            mac: nic.mac.map(|m| m.value),
            network: nic.network,
            dhcp: nic.dhcp,
            addresses,
        });
    }
    for (placement, target) in interfaces::placed_addresses(model, machine) {
        let (network, address) = (placement.network, placement.address.value);
        match target {
            Some(i) => {
                links[i].network.get_or_insert(network);
                links[i]
                    .addresses
                    .push((address, prefix_len(model, address, network)));
            }
            None => notes.push(format!(
                "Address {address} on {} is not configured: {} has no NIC on that network \
                 and no single free port to put it on. Declare the port: `nic eno1 {{ \
                 network = {}, ip = {address} }}`.",
                model.network(network).name,
                machine.name,
                model.network(network).name,
            )),
        }
    }
    links.retain(|l| l.network.is_some());
    links
}

/// The network description of machine `id`.
pub(crate) fn describe(model: &Model, id: MachineId) -> Description {
    let machine = model.machine(id);
    let mut notes = Vec::new();
    let links = links(model, machine, &mut notes);
    let route4 = default_route4(model, id);
    let route6 = default_route6(model, id);
    let search: Vec<String> = model
        .site_of(id)
        .domain
        .as_deref()
        .and_then(text::domain)
        .into_iter()
        .collect();
    // Resolvers are those of each interface's network; when no network names any, the
    // site's go on the interface of the default route (else the first).
    let any_dns = links
        .iter()
        .any(|l| l.network.is_some_and(|n| !model.network(n).dns.is_empty()));
    let site_dns_on = match route4 {
        Some(DefaultRoute4::Dhcp(i) | DefaultRoute4::Static(i, _)) => Some(i),
        None => route6.map(|(i, _)| i),
    }
    .or(links.first().map(|l| l.index));
    let mut ethernets = IndexMap::new();
    for link in &links {
        let network = link.network.map(|n| model.network(n));
        let mut routes = Vec::new();
        if let Some(DefaultRoute4::Static(i, gateway)) = route4 {
            if i == link.index {
                routes.push(Route {
                    to: "0.0.0.0/0",
                    via: gateway.to_string(),
                });
            }
        }
        if let Some((i, gateway)) = route6 {
            if i == link.index {
                routes.push(Route {
                    to: "::/0",
                    via: gateway.to_string(),
                });
            }
        }
        let carries_default = route4 == Some(DefaultRoute4::Dhcp(link.index));
        let servers: Vec<IpAddr> = if any_dns {
            network.map(|n| n.dns.clone()).unwrap_or_default()
        } else if site_dns_on == Some(link.index) {
            model.site_of(id).dns.clone()
        } else {
            Vec::new()
        };
        if link.mac.is_none() && machine.nics[link.index].name.is_none() {
            notes.push(format!(
                "The NIC on {} has neither a port name nor a MAC address, so it is matched by \
                 the name `{}`, a name the kernel gives no interface. Declare its port \
                 (`nic eno1 {{ network = {} }}`) or its `mac`.",
                network.map_or("", |n| n.name.as_str()),
                link.name,
                network.map_or("", |n| n.name.as_str()),
            ));
        }
        ethernets.insert(
            link.name.clone(),
            Ethernet {
                matching: link.mac.map(|mac| Match {
                    macaddress: mac.to_string(),
                }),
                set_name: link.mac.map(|_| link.name.clone()),
                dhcp4: link.dhcp,
                dhcp4_overrides: (link.dhcp && !carries_default)
                    .then_some(DhcpOverrides { use_routes: false }),
                addresses: link
                    .addresses
                    .iter()
                    .map(|(ip, len)| format!("{ip}/{len}"))
                    .collect(),
                routes,
                nameservers: (!servers.is_empty()).then(|| Nameservers {
                    search: search.clone(),
                    addresses: servers.iter().map(ToString::to_string).collect(),
                }),
            },
        );
    }
    Description {
        file: NetworkFile {
            network: NetworkConfig {
                version: 2,
                ethernets,
            },
        },
        notes,
    }
}
