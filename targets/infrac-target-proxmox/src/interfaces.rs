//! A Proxmox host's `/etc/network/interfaces`: its physical ports, its bridges (VLAN-aware
//! where declared) and its own address on the bridge of its management network.

use crate::quote::{comment_safe, file_segment, wrap};
use infrac_model::{Host, Model, Placement};
use serde::Serialize;
use std::net::IpAddr;

/// The whole file of one host.
#[derive(Debug, Serialize)]
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
#[derive(Debug, Serialize)]
pub(crate) struct Stanza {
    /// Comment lines above the stanza (the bridge's doc), comment-safe.
    pub comment: Vec<String>,
    pub auto: bool,
    pub name: String,
    /// `inet` or `inet6`.
    pub family: &'static str,
    /// `loopback`, `manual` or `static`.
    pub method: &'static str,
    /// Option lines under the stanza (`bridge-ports eno3`).
    pub options: Vec<String>,
}

/// The stanza of the host's own address (on its network's bridge, or on the bridge's
/// VLAN interface for a tagged network), or a note when that bridge is not on this host.
fn address_stanza(model: &Model, host: &Host, placement: &Placement) -> Result<Stanza, String> {
    let network = model.network(placement.network);
    let address = placement.address.value;
    let Some(bridge) = network
        .bridge
        .as_ref()
        .filter(|b| host.bridge(&b.value).is_some())
    else {
        return Err(format!(
            "The host address {address} is on network {}, whose bridge is not on this host: \
             configure it by hand.",
            network.name
        ));
    };
    let name = match network.vlan {
        Some(vlan) => format!("{}.{}", bridge.value, vlan.value),
        None => bridge.value.clone(),
    };
    let (family, len, gateway) = match address {
        IpAddr::V4(_) => (
            "inet",
            network.ipv4.map_or(32, |n| n.value.prefix_len()),
            network.gateway.map(|g| IpAddr::V4(g.value)),
        ),
        IpAddr::V6(_) => (
            "inet6",
            network.ipv6.map_or(128, |n| n.value.prefix_len()),
            network.gateway6.map(|g| IpAddr::V6(g.value)),
        ),
    };
    let mut options = vec![format!("address {address}/{len}")];
    if let Some(gateway) = gateway.filter(|g| *g != address) {
        options.push(format!("gateway {gateway}"));
    }
    Ok(Stanza {
        comment: Vec::new(),
        // The bridge's own stanza already brings it up; a VLAN interface needs its own.
        auto: network.vlan.is_some(),
        name,
        family,
        method: "static",
        options,
    })
}

/// The interfaces file of one Proxmox host.
pub(crate) fn host_interfaces(model: &Model, host: &Host) -> HostInterfaces {
    let mut stanzas = vec![Stanza {
        comment: Vec::new(),
        auto: true,
        name: "lo".into(),
        family: "inet",
        method: "loopback",
        options: Vec::new(),
    }];
    let mut ports: Vec<String> = host.nics.iter().map(|n| n.name.clone()).collect();
    for bridge in &host.bridges {
        for port in &bridge.ports {
            if !ports.contains(port) {
                ports.push(port.clone());
            }
        }
    }
    for port in ports {
        stanzas.push(Stanza {
            comment: Vec::new(),
            auto: false,
            name: port,
            family: "inet",
            method: "manual",
            options: Vec::new(),
        });
    }
    let mut notes = Vec::new();
    let mut address = host
        .address
        .as_ref()
        .map(|placement| address_stanza(model, host, placement))
        .and_then(|result| result.map_err(|note| notes.push(wrap(&note, 86))).ok());
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
        if let Some(mtu) = bridge.mtu {
            options.push(format!("mtu {mtu}"));
        }
        // The host's own address sits directly on an untagged inet bridge; otherwise the
        // bridge is manual and the address gets its own stanza below it.
        let on_bridge = address.take_if(|a| a.name == bridge.name && a.family == "inet");
        let method = if let Some(stanza) = &on_bridge {
            options.splice(0..0, stanza.options.iter().cloned());
            "static"
        } else {
            "manual"
        };
        stanzas.push(Stanza {
            comment: bridge
                .doc
                .as_deref()
                .map_or_else(Vec::new, |doc| wrap(doc, 86)),
            auto: true,
            name: bridge.name.clone(),
            family: "inet",
            method,
            options,
        });
        if address.as_ref().is_some_and(|a| {
            a.name == bridge.name || a.name.starts_with(&format!("{}.", bridge.name))
        }) {
            stanzas.extend(address.take());
        }
    }
    HostInterfaces {
        path: format!("proxmox/host/{}/interfaces", file_segment(&host.name)),
        source: comment_safe(&model.source),
        host: comment_safe(&host.name),
        stanzas,
        notes,
    }
}
