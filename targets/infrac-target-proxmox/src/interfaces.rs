//! A Proxmox host's `/etc/network/interfaces`: its physical ports, its bridges (VLAN-aware
//! where declared) and its own addresses, each on the bridge of its network (or the port
//! that carries it when that network has no bridge here).
//!
//! The file is written directly rather than through the template engine: a large lab has
//! hundreds of hosts, and the engine spent tens of thousands of instructions on each.

use crate::quote::{comment_safe, file_segment, wrap};
use infrac_model::interfaces::interface_name;
use infrac_model::{Machine, Model, NetworkId};
use std::net::IpAddr;

/// The whole file of one host.
#[derive(Debug)]
pub(crate) struct HostInterfaces {
    /// Path of the artifact (`proxmox/host/pve/interfaces`).
    pub path: String,
    /// The source file, comment-safe.
    pub source: String,
    /// The host's name, comment-safe.
    pub host: String,
    /// Stanzas in file order.
    pub stanzas: Vec<Stanza>,
    /// Comment paragraphs for what the file cannot express.
    pub notes: Vec<Vec<String>>,
}

/// One `iface` stanza, optionally preceded by `auto NAME`.
#[derive(Debug)]
pub(crate) struct Stanza {
    /// Comment lines above the stanza (the bridge's doc), comment-safe.
    pub comment: Vec<String>,
    pub auto: bool,
    pub name: String,
    /// `inet` or `inet6`.
    pub family: &'static str,
    /// `loopback`, `manual`, `static` or `dhcp`.
    pub method: &'static str,
    /// Option lines under the stanza (`bridge-ports eno3`).
    pub options: Vec<String>,
}

/// One address the host holds itself, with where it was declared.
struct HostAddress {
    network: NetworkId,
    /// `None` for an address the network's DHCP server hands out.
    address: Option<IpAddr>,
    /// The port the address is declared on (`nic eno2 { network = …, ip = … }`), which
    /// carries it when its network has no bridge on this host.
    port: Option<String>,
}

/// The host's own addresses: those of its NICs in NIC order (IPv4 before IPv6), then its
/// placed addresses (`address = X on net`). The BMC is a separate device and has none
/// here, and an overlay's address is on the interface its daemon (`wg-quick`,
/// `tailscaled`) creates, not in this file.
fn host_addresses(model: &Model, host: &Machine) -> Vec<HostAddress> {
    let on_overlay = |network: NetworkId| model.network(network).overlay.is_some();
    let mut out = Vec::new();
    for (index, nic, network) in host.attached().filter(|(_, _, n)| !on_overlay(*n)) {
        let port = nic
            .name
            .as_ref()
            .map(|_| interface_name(model, host, index));
        if nic.dhcp {
            out.push(HostAddress {
                network,
                address: None,
                port: port.clone(),
            });
        }
        let addresses = nic
            .ip
            .map(|ip| IpAddr::V4(ip.value))
            .filter(|_| !nic.dhcp)
            .into_iter()
            .chain(nic.ip6.map(|ip| IpAddr::V6(ip.value)));
        for address in addresses {
            out.push(HostAddress {
                network,
                address: Some(address),
                port: port.clone(),
            });
        }
    }
    out.extend(
        host.addresses
            .iter()
            .filter(|p| !on_overlay(p.network))
            .map(|p| HostAddress {
                network: p.network,
                address: Some(p.address.value),
                port: None,
            }),
    );
    out
}

/// The interface an address lives on: the network's bridge when that bridge is on this
/// host (its VLAN interface for a tagged network), else the port it is declared on, or
/// the note saying why it has none.
fn interface_of(model: &Model, host: &Machine, address: &HostAddress) -> Result<String, String> {
    let network = model.network(address.network);
    let base = match network
        .bridge
        .as_ref()
        .filter(|b| host.bridge(&b.value).is_some())
    {
        Some(bridge) => bridge.value.clone(),
        None => match &address.port {
            Some(port) => port.clone(),
            None => {
                let what = address
                    .address
                    .map_or_else(|| "DHCP address".to_string(), |a| format!("address {a}"));
                return Err(format!(
                    "The host {what} is on network {}, whose bridge is not on this host: \
                     configure it by hand.",
                    network.name
                ));
            }
        },
    };
    Ok(match network.vlan {
        Some(vlan) => format!("{base}.{}", vlan.value),
        None => base,
    })
}

/// The address stanzas of the host, one per interface and family, in the order their
/// first address is declared. Each family's default gateway is written once, on the
/// first address that has one, so the host never gets two default routes; DHCP brings
/// its own.
fn address_stanzas(model: &Model, host: &Machine, notes: &mut Vec<Vec<String>>) -> Vec<Stanza> {
    let mut stanzas: Vec<Stanza> = Vec::new();
    let addresses = host_addresses(model, host);
    let dhcp4 = addresses.iter().any(|a| a.address.is_none());
    let mut gateway4 = dhcp4;
    let mut gateway6 = false;
    for address in &addresses {
        let name = match interface_of(model, host, address) {
            Ok(name) => name,
            Err(note) => {
                notes.push(wrap(&note, 86));
                continue;
            }
        };
        let network = model.network(address.network);
        let family = match address.address {
            Some(IpAddr::V6(_)) => "inet6",
            _ => "inet",
        };
        let index = match stanzas
            .iter()
            .position(|s| s.name == name && s.family == family)
        {
            Some(index) => index,
            None => {
                stanzas.push(Stanza {
                    comment: Vec::new(),
                    // A bridge's own stanza already brings it up; a VLAN interface or a
                    // port needs its own.
                    auto: network.vlan.is_some() || host.bridge(&name).is_none(),
                    name,
                    family,
                    method: "static",
                    options: Vec::new(),
                });
                stanzas.len() - 1
            }
        };
        let stanza = &mut stanzas[index];
        let Some(address) = address.address else {
            stanza.method = "dhcp";
            stanza.options.clear();
            continue;
        };
        if stanza.method == "dhcp" {
            continue;
        }
        let (len, gateway, given) = match address {
            IpAddr::V4(_) => (
                network.ipv4.map_or(32, |n| n.value.prefix_len()),
                network.gateway.map(|g| IpAddr::V4(g.value)),
                &mut gateway4,
            ),
            IpAddr::V6(_) => (
                network.ipv6.map_or(128, |n| n.value.prefix_len()),
                network.gateway6.map(|g| IpAddr::V6(g.value)),
                &mut gateway6,
            ),
        };
        let line = format!("address {address}/{len}");
        let at = stanza
            .options
            .iter()
            .take_while(|o| o.starts_with("address "))
            .count();
        stanza.options.insert(at, line);
        if let Some(gateway) = gateway.filter(|g| *g != address && !*given) {
            stanza.options.push(format!("gateway {gateway}"));
            *given = true;
        }
    }
    stanzas
}

/// Moves out the stanzas for `name` and its VLAN interfaces (`name.N`), in order.
fn take_for(stanzas: &mut Vec<Stanza>, name: &str) -> Vec<Stanza> {
    let vlan = format!("{name}.");
    let (taken, kept): (Vec<Stanza>, Vec<Stanza>) = std::mem::take(stanzas)
        .into_iter()
        .partition(|s| s.name == name || s.name.starts_with(&vlan));
    *stanzas = kept;
    taken
}

/// The stanza of a port or bridge itself: `static`/`dhcp` with the IPv4 address options
/// merged in when one of `addresses` is its own untagged IPv4 stanza, otherwise `manual`.
/// Returns the other address stanzas, which follow it.
fn merge_own(stanza: &mut Stanza, addresses: Vec<Stanza>) -> Vec<Stanza> {
    let mut rest = Vec::new();
    for address in addresses {
        if address.name == stanza.name && address.family == "inet" && stanza.method == "manual" {
            stanza.options.splice(0..0, address.options);
            stanza.method = address.method;
        } else {
            rest.push(address);
        }
    }
    rest
}

/// The interfaces file of one Proxmox host.
pub(crate) fn host_interfaces(model: &Model, host: &Machine) -> HostInterfaces {
    let mut stanzas = vec![Stanza {
        comment: Vec::new(),
        auto: true,
        name: "lo".into(),
        family: "inet",
        method: "loopback",
        options: Vec::new(),
    }];
    let mut notes = Vec::new();
    let mut addresses = address_stanzas(model, host, &mut notes);
    let mut ports: Vec<String> = host
        .nics
        .iter()
        .enumerate()
        .filter(|(_, nic)| nic.name.is_some())
        .map(|(index, _)| interface_name(model, host, index))
        .collect();
    for bridge in &host.bridges {
        for port in &bridge.ports {
            let bond = host.bonds.iter().any(|b| &b.name == port);
            if !ports.contains(port) && !bond {
                ports.push(port.clone());
            }
        }
    }
    for port in ports {
        let own = take_for(&mut addresses, &port);
        // A bridge inherits its MTU from its ports (ifupdown2 warns about an `mtu` on a
        // bridge with ports), so a bridge's MTU is set on each of its ports.
        let mtu = host
            .bridges
            .iter()
            .filter(|b| b.ports.contains(&port))
            .find_map(|b| b.mtu);
        let mut stanza = Stanza {
            comment: Vec::new(),
            auto: !own.is_empty() || mtu.is_some(),
            name: port,
            family: "inet",
            method: "manual",
            options: mtu.map(|m| format!("mtu {m}")).into_iter().collect(),
        };
        let rest = merge_own(&mut stanza, own);
        stanzas.push(stanza);
        stanzas.extend(rest);
    }
    for bond in &host.bonds {
        // ifupdown2's default `bond-miimon` is 0 (`addons/bond.py`): no link monitoring,
        // so a port whose link is down would keep its share of the traffic.
        let mut stanza = Stanza {
            comment: Vec::new(),
            auto: true,
            name: bond.name.clone(),
            family: "inet",
            method: "manual",
            options: vec![
                format!(
                    "bond-slaves {}",
                    bond.ports
                        .iter()
                        .map(|p| p.value.as_str())
                        .collect::<Vec<_>>()
                        .join(" ")
                ),
                "bond-miimon 100".into(),
                format!("bond-mode {}", bond.mode),
            ],
        };
        let rest = merge_own(&mut stanza, take_for(&mut addresses, &bond.name));
        stanzas.push(stanza);
        stanzas.extend(rest);
    }
    for bridge in &host.bridges {
        let mut options = vec![
            format!(
                "bridge-ports {}",
                if bridge.ports.is_empty() {
                    "none".to_string()
                } else {
                    bridge.ports.join(" ")
                }
            ),
            "bridge-stp off".into(),
            "bridge-fd 0".into(),
        ];
        if bridge.vlan_aware {
            options.push("bridge-vlan-aware yes".into());
            options.push("bridge-vids 2-4094".into());
        }
        if let (Some(mtu), true) = (bridge.mtu, bridge.ports.is_empty()) {
            options.push(format!("mtu {mtu}"));
        }
        let mut stanza = Stanza {
            comment: bridge
                .doc
                .as_deref()
                .map_or_else(Vec::new, |doc| wrap(doc, 86)),
            auto: true,
            name: bridge.name.clone(),
            family: "inet",
            method: "manual",
            options,
        };
        // The host's own IPv4 address sits directly on an untagged bridge; others get
        // their own stanza below it.
        let rest = merge_own(&mut stanza, take_for(&mut addresses, &bridge.name));
        stanzas.push(stanza);
        stanzas.extend(rest);
    }
    // Interfaces that are neither a declared port nor a bridge (a VLAN of an undeclared
    // port) still get their stanzas.
    stanzas.extend(addresses);
    HostInterfaces {
        path: format!("proxmox/host/{}/interfaces", file_segment(&host.name)),
        source: comment_safe(&model.source),
        host: comment_safe(&host.name),
        stanzas,
        notes,
    }
}

/// The text of the file: the header, the notes, the stanzas each after a blank line, and
/// the line that reads `interfaces.d`. Like a template, this only lays out.
pub(crate) fn write(view: &HostInterfaces) -> String {
    let mut out = String::with_capacity(1024);
    for part in [
        "# ",
        &view.path,
        ": network configuration of Proxmox host ",
        &view.host,
        ".\n# Generated by infrac from ",
        &view.source,
        ". Do not edit: change the source and rebuild.\n\
         # Install as /etc/network/interfaces on the host and apply with `ifreload -a`.\n",
    ] {
        out.push_str(part);
    }
    for note in &view.notes {
        out.push_str("#\n");
        for line in note {
            push_line(&mut out, "# ", line);
        }
    }
    for stanza in &view.stanzas {
        out.push('\n');
        for line in &stanza.comment {
            push_line(&mut out, "# ", line);
        }
        if stanza.auto {
            push_line(&mut out, "auto ", &stanza.name);
        }
        for part in [
            "iface ",
            &stanza.name,
            " ",
            stanza.family,
            " ",
            stanza.method,
            "\n",
        ] {
            out.push_str(part);
        }
        for option in &stanza.options {
            push_line(&mut out, "\t", option);
        }
    }
    out.push_str("\nsource /etc/network/interfaces.d/*\n");
    out
}

fn push_line(out: &mut String, start: &str, line: &str) {
    out.push_str(start);
    out.push_str(line);
    out.push('\n');
}
