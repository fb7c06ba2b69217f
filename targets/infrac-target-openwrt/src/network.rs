//! `/etc/config/network`: netifd's interfaces and the bridges under them.
//!
//! Option names are netifd's (openwrt/netifd, 2026-07: `iface_attrs` in `interface.c`,
//! `proto_ip_attributes` in `proto.c`, `bridge_attrs` in `bridge.c`, `device_attrs` in
//! `device.c`) and the DHCP clients' (`dhcp`, `dhcpv6` protocol handlers), as documented
//! at <https://openwrt.org/docs/guide-user/network/network_configuration>.
//!
//! Every network a NIC of the router is attached to becomes one logical interface named
//! after the network, on one device:
//! - NICs declared with a port name (`nic eth1 { network = wan }`, `nic lan1 { network =
//!   lan }`) put that port under the network; on a VLAN network the port's 802.1Q
//!   sub-device (`eth1.10`), which netifd creates from the dotted name.
//! - An uplink (WAN) network uses its single port directly, as OpenWrt's own `wan` does.
//! - Every other network gets a bridge `br-NETWORK` over its ports, as OpenWrt's own
//!   `br-lan`, so wireless networks and VLANs can join it later.
//! - A NIC named by its network (`nic lan { ip = … }`) declares no port. The first such
//!   NIC on a LAN-like network takes the machine's declared ports that carry no network
//!   (`nic lan1 {}`, `nic lan2 {}`), OpenWrt's `br-lan` over the LAN ports; later ones get
//!   a bridge with no ports that comes up empty (`bridge_empty`), ready for a wireless
//!   network, as in OpenWrt's guest network recipe. The first such NIC on an uplink uses
//!   the port `wan`, the WAN port's name on DSA switches (most routers since OpenWrt
//!   21.02); a declared port named `wan` is kept for it.
//! - A Tailscale or ZeroTier NIC is an interface without addresses (`proto none`) on the
//!   overlay's own device (`tailscale0`), which the overlay's daemon creates, so the
//!   firewall can put it in a zone. A WireGuard member is refused (E1303): OpenWrt keeps
//!   the private key in this file, and infrac never writes a secret's value.

use crate::uci::{Name, Section};
use crate::Problems;
use infrac_diagnostics::{Code, Diagnostic};
use infrac_model::interfaces::interface_name;
use infrac_model::roles::{self, DefaultRoute4};
use infrac_model::{Machine, MachineId, Model, NetworkId, Nic, Overlay};
use ipnet::Ipv4Net;
use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr};

/// Linux limits interface names to 15 bytes (`IFNAMSIZ` less the terminating NUL).
const IFNAMSIZ: usize = 15;

/// How an interface gets its addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proto {
    Static,
    Dhcp,
    None,
}

impl Proto {
    fn as_str(self) -> &'static str {
        match self {
            Proto::Static => "static",
            Proto::Dhcp => "dhcp",
            Proto::None => "none",
        }
    }
}

/// One logical interface: a network of the router.
#[derive(Debug, Clone)]
pub struct Iface {
    pub network: NetworkId,
    /// The NICs on the network, in NIC order.
    pub nics: Vec<usize>,
    /// The NIC whose addresses the interface takes, if any.
    pub addressed: Option<usize>,
    pub name: Name,
    /// The layer-3 device.
    pub device: String,
    pub proto: Proto,
    /// The companion DHCPv6 client interface (`wan6`), when the router takes its IPv6
    /// address on the network by DHCPv6.
    pub v6: Option<Name>,
}

impl Iface {
    /// The UCI interface names of the network: the interface and its DHCPv6 companion.
    pub fn names(&self) -> impl Iterator<Item = &Name> {
        std::iter::once(&self.name).chain(&self.v6)
    }
}

/// A bridge device.
#[derive(Debug, Clone)]
pub struct Bridge {
    pub name: String,
    pub ports: Vec<String>,
}

/// The router's interfaces and bridges.
#[derive(Debug, Clone, Default)]
pub struct Layout {
    pub ifaces: Vec<Iface>,
    pub bridges: Vec<Bridge>,
}

impl Layout {
    /// The interface a NIC belongs to.
    pub fn of_nic(&self, nic: usize) -> Option<&Iface> {
        self.ifaces.iter().find(|i| i.nics.contains(&nic))
    }

    /// The interface of a network.
    pub fn of_network(&self, network: NetworkId) -> Option<&Iface> {
        self.ifaces.iter().find(|i| i.network == network)
    }
}

/// Names netifd or this file give meaning to already.
const RESERVED: [&str; 2] = ["loopback", "globals"];

/// Works out the interfaces and devices of an OpenWrt machine.
pub fn layout(model: &Model, id: MachineId, problems: &mut Problems) -> Layout {
    let machine = model.machine(id);
    let mut groups: Vec<(NetworkId, Vec<usize>)> = Vec::new();
    for (index, _, network) in machine.attached() {
        match groups.iter_mut().find(|(n, _)| *n == network) {
            Some((_, nics)) => nics.push(index),
            None => groups.push((network, vec![index])),
        }
    }
    let uplink_portless = groups.iter().any(|(n, nics)| {
        let net = model.network(*n);
        net.uplink && net.overlay.is_none() && nics.iter().any(|&i| machine.nics[i].name.is_none())
    });
    // Declared ports without a network: the ports of the first port-less LAN.
    let mut spare: Vec<String> = machine
        .nics
        .iter()
        .filter(|n| n.network.is_none())
        .filter_map(|n| n.name.clone())
        .filter(|p| !(uplink_portless && p == "wan"))
        .collect();
    let mut layout = Layout::default();
    let mut wan_taken: Option<usize> = None;
    let mut used_names: BTreeSet<String> = RESERVED.iter().map(|s| s.to_string()).collect();
    for (network_id, nics) in groups {
        let network = model.network(network_id);
        let first = nics[0];
        let addressing: Vec<usize> = nics
            .iter()
            .copied()
            .filter(|&i| {
                let n = &machine.nics[i];
                n.dhcp || n.ip.is_some() || n.ip6.is_some()
            })
            .collect();
        if let [one, two, ..] = addressing[..] {
            problems.push(
                Diagnostic::error(
                    Code::OPENWRT_CONFIG,
                    format!(
                        "`{}` has two addressed NICs on `{}`",
                        machine.name, network.name
                    ),
                    machine.nics[two].span,
                    "OpenWrt configures one interface per network",
                )
                .with_label(machine.nics[one].span, "the interface already takes this NIC's addresses")
                .with_help("keep the addresses on one NIC and list the other as a bridge port without addresses"),
            );
        }
        let Some(name) = Name::new(&network.name) else {
            problems.push(not_a_uci_name(&network.name, network.span));
            continue;
        };
        if !used_names.insert(network.name.clone()) {
            problems.push(
                Diagnostic::error(
                    Code::OPENWRT_CONFIG,
                    format!(
                        "network name `{}` is taken in OpenWrt's network configuration",
                        network.name
                    ),
                    network.span,
                    "another interface of the router already has this name",
                )
                .with_help("rename the network"),
            );
            continue;
        }
        if network.overlay == Some(Overlay::Wireguard) {
            // OpenWrt's wireguard protocol handler (wireguard-tools' `wireguard.sh`) reads
            // the private key from this file, and generates a new one when it is absent.
            problems.push(
                Diagnostic::error(
                    Code::OPENWRT_CONFIG,
                    format!(
                        "OpenWrt cannot join `{}` without its private key in the file",
                        network.name
                    ),
                    machine.nics[first].span,
                    "OpenWrt keeps a WireGuard interface's private key in /etc/config/network",
                )
                .with_note("infrac writes references to secrets, never their values")
                .with_help(
                    "terminate the WireGuard overlay on another machine of the lab and route to it",
                ),
            );
            continue;
        }
        let addressed = addressing.first().copied();
        let nic_of = |i: usize| &machine.nics[i];
        let (device, proto) = if network.overlay.is_some() {
            (interface_name(model, machine, first), Proto::None)
        } else {
            let ports: Vec<String> = nics
                .iter()
                .filter_map(|&i| nic_of(i).name.clone())
                .map(|p| tagged(&p, network.vlan.map(|v| v.value)))
                .collect();
            let portless = nics.iter().any(|&i| nic_of(i).name.is_none());
            let portless_uplink = network.uplink && portless && ports.is_empty();
            if let (true, Some(before)) = (portless_uplink, wan_taken) {
                problems.push(
                    Diagnostic::error(
                        Code::OPENWRT_CONFIG,
                        format!("`{}` has two uplink NICs without a port name", machine.name),
                        machine.nics[first].span,
                        "OpenWrt needs the port this uplink is on",
                    )
                    .with_label(
                        machine.nics[before].span,
                        "this uplink already uses the port `wan`",
                    )
                    .with_help(format!(
                        "name the port: `nic eth1 {{ network = {}, … }}`",
                        network.name
                    )),
                );
                continue;
            }
            let device = if portless_uplink {
                wan_taken = Some(first);
                tagged("wan", network.vlan.map(|v| v.value))
            } else if network.uplink && ports.len() == 1 && !portless {
                ports[0].clone()
            } else {
                let mut members = ports;
                if portless && !network.uplink {
                    members.extend(
                        std::mem::take(&mut spare)
                            .into_iter()
                            .map(|p| tagged(&p, network.vlan.map(|v| v.value))),
                    );
                }
                let bridge = format!("br-{}", network.name);
                layout.bridges.push(Bridge {
                    name: bridge.clone(),
                    ports: members,
                });
                bridge
            };
            let proto = match addressed.map(nic_of) {
                Some(n) if n.dhcp => Proto::Dhcp,
                Some(_) => Proto::Static,
                None => Proto::None,
            };
            (device, proto)
        };
        let v6 = addressed
            .map(nic_of)
            .filter(|n| {
                n.dhcp && n.ip6.is_none() && network.ipv6.is_some() && network.overlay.is_none()
            })
            .and_then(|_| {
                let v6 = format!("{}6", network.name);
                if used_names.insert(v6.clone()) {
                    Name::new(&v6)
                } else {
                    problems.push(
                        Diagnostic::error(
                            Code::OPENWRT_CONFIG,
                            format!("`{v6}` is taken in OpenWrt's network configuration"),
                            network.span,
                            format!(
                                "the DHCPv6 client of `{}` is the interface `{v6}`",
                                network.name
                            ),
                        )
                        .with_help(format!("rename the network `{v6}`")),
                    );
                    None
                }
            });
        layout.ifaces.push(Iface {
            network: network_id,
            nics,
            addressed,
            name,
            device,
            proto,
            v6,
        });
    }
    check_devices(machine, &layout, problems);
    layout
}

/// A port on a VLAN: its 802.1Q sub-device.
fn tagged(port: &str, vlan: Option<u16>) -> String {
    match vlan {
        Some(v) => format!("{port}.{v}"),
        None => port.to_string(),
    }
}

pub(crate) fn not_a_uci_name(name: &str, span: infrac_diagnostics::Span) -> Diagnostic {
    Diagnostic::error(
        Code::OPENWRT_CONFIG,
        format!("`{name}` cannot name an OpenWrt interface"),
        span,
        "UCI section names are ASCII letters, digits and `_` only",
    )
    .with_help(format!(
        "rename it, for example `{}`",
        name.replace(|c: char| !c.is_ascii_alphanumeric(), "_")
    ))
}

/// Device names must fit Linux's limit and appear under one interface only.
fn check_devices(machine: &Machine, layout: &Layout, problems: &mut Problems) {
    let span_of = |iface: &Iface| machine.nics[iface.nics[0]].span;
    let mut seen: Vec<(String, &Iface)> = Vec::new();
    for iface in &layout.ifaces {
        let mut devices = vec![iface.device.clone()];
        if let Some(b) = layout.bridges.iter().find(|b| b.name == iface.device) {
            devices.extend(b.ports.iter().cloned());
        }
        for device in devices {
            if device.len() > IFNAMSIZ
                || !device
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
            {
                problems.push(
                    Diagnostic::error(
                        Code::OPENWRT_CONFIG,
                        format!("`{device}` cannot name a Linux network device"),
                        span_of(iface),
                        "device names are at most 15 letters, digits, `.`, `_` or `-`",
                    )
                    .with_help("use a shorter network or port name"),
                );
            }
            if let Some((_, other)) = seen.iter().find(|(d, _)| *d == device) {
                problems.push(
                    Diagnostic::error(
                        Code::OPENWRT_CONFIG,
                        format!(
                            "the device `{device}` is under two networks of `{}`",
                            machine.name
                        ),
                        span_of(iface),
                        format!("`{}` uses `{device}`", iface.name.as_str()),
                    )
                    .with_label(
                        span_of(other),
                        format!("`{}` uses it too", other.name.as_str()),
                    )
                    .with_help("give each network its own port, or tag one of them with a VLAN"),
                );
            } else {
                seen.push((device, iface));
            }
        }
    }
}

/// The sections of `/etc/config/network`.
pub fn sections(model: &Model, id: MachineId, layout: &Layout) -> Vec<Section> {
    let machine = model.machine(id);
    // The loopback interface every OpenWrt image configures (config_generate).
    let mut out = vec![Section::named(
        "interface",
        Name::new("loopback").unwrap_or_else(|| unreachable!()),
    )
    .option("device", "lo")
    .option("proto", "static")
    .option("ipaddr", "127.0.0.1")
    .option("netmask", "255.0.0.0")];
    for bridge in &layout.bridges {
        out.push(
            Section::new("device")
                .option("name", &bridge.name)
                .option("type", "bridge")
                .list("ports", &bridge.ports)
                .option_opt("bridge_empty", bridge.ports.is_empty().then_some("1")),
        );
    }
    let route4 = roles::default_route4(model, id);
    let route6 = roles::default_route6(model, id);
    for iface in &layout.ifaces {
        let network = model.network(iface.network);
        let nic: Option<&Nic> = iface.addressed.map(|i| &machine.nics[i]);
        let mut s = Section::named("interface", iface.name.clone());
        for line in network.doc.iter().flat_map(|d| d.lines()) {
            s = s.comment(line);
        }
        let mut s = s
            .option("device", &iface.device)
            .option("proto", iface.proto.as_str());
        if let (Proto::Static, Some(nic)) = (iface.proto, nic) {
            if let Some(ip) = nic.ip {
                let prefix = network.ipv4.map_or(32, |p| p.value.prefix_len());
                let mask =
                    Ipv4Net::new(ip.value, prefix).map_or(Ipv4Addr::BROADCAST, |n| n.netmask());
                s = s.option("ipaddr", ip.value).option("netmask", mask);
            }
            if let Some(ip6) = nic.ip6 {
                let prefix = network.ipv6.map_or(128, |p| p.value.prefix_len());
                s = s.list("ip6addr", [format!("{}/{prefix}", ip6.value)]);
            }
            let index = iface.addressed.unwrap_or(usize::MAX);
            if let Some(DefaultRoute4::Static(i, gateway)) = route4 {
                if i == index {
                    s = s.option("gateway", gateway);
                }
            }
            if let Some((i, gateway)) = route6 {
                if i == index {
                    s = s.option("ip6gw", gateway);
                }
            }
            let carries_route = matches!(route4, Some(DefaultRoute4::Static(i, _)) if i == index)
                || matches!(route6, Some((i, _)) if i == index);
            if carries_route {
                let own: Vec<IpAddr> = machine.addresses().iter().map(|(_, a)| a.value).collect();
                s = s.list("dns", network.dns.iter().filter(|a| !own.contains(a)));
            }
        }
        out.push(s);
        if let Some(v6) = &iface.v6 {
            out.push(
                Section::named("interface", v6.clone())
                    .comment(format!("the DHCPv6 client of {}", network.name))
                    .option("device", &iface.device)
                    .option("proto", "dhcpv6"),
            );
        }
    }
    out
}

/// The IPv4 prefix of a network, if it has one.
pub fn ipv4_prefix(model: &Model, network: NetworkId) -> Option<Ipv4Net> {
    model.network(network).ipv4.map(|p| p.value)
}

/// Whether an address lies in one of a network's prefixes.
pub fn in_network(model: &Model, network: NetworkId, address: IpAddr) -> bool {
    model
        .network(network)
        .prefixes()
        .any(|p| p.contains(&address))
}
