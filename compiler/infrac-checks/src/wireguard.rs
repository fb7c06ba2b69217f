//! WireGuard overlays: every member's public key is its own (E0455), a member whose
//! endpoint names one of its own addresses listens on the endpoint's port (E0456), and
//! one whose endpoint names a router's address is reached through a port forward there
//! (E0457).
//!
//! A peer is known by its public key: two members with one key are one peer to everyone
//! else, and the tunnel goes to whichever the last configuration line names. A member's
//! endpoint is where the others send their first packet; when its address is the
//! member's own, no NAT sits in between to change the port.

use crate::holders;
use infrac_diagnostics::{Code, Diagnostic, Span};
use infrac_model::interfaces::{parse_endpoint, wireguard_ports, EndpointHost};
use infrac_model::{roles, Machine, MachineId, Model, Overlay, Protocol};
use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

pub fn check(model: &Model) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    // A member's NIC is on a WireGuard overlay (E0315 otherwise): a lab without one has
    // no member, and its machines are not visited at all.
    let overlays = model
        .networks
        .iter()
        .any(|n| n.overlay == Some(Overlay::Wireguard));
    if !overlays {
        return out;
    }
    // Most machines of a large lab are on no overlay: found once for every check here.
    let members: Vec<(MachineId, &Machine)> = model
        .machines()
        .filter(|(_, m)| m.nics.iter().any(|nic| nic.wireguard.is_some()))
        .collect();
    shared_keys(&members, &mut out);
    endpoint_ports(model, &members, &mut out);
    endpoint_forwards(model, &members, &mut out);
    out
}

fn shared_keys(members: &[(MachineId, &Machine)], out: &mut Vec<Diagnostic>) {
    // Key → the members holding it: machine name and where the key is written.
    let mut holders: BTreeMap<&str, Vec<(&str, Span)>> = BTreeMap::new();
    for (_, machine) in members {
        for nic in &machine.nics {
            if let Some(member) = &nic.wireguard {
                let held = holders.entry(member.public_key.value.as_str()).or_default();
                // One machine on two overlays may use one key pair for both.
                if !held.iter().any(|(name, _)| *name == machine.name) {
                    held.push((machine.name.as_str(), member.public_key.span));
                }
            }
        }
    }
    // The findings are sorted by their place with every other family's.
    for (key, held) in holders.into_iter().filter(|(_, held)| held.len() > 1) {
        let Some(((last, span), earlier)) = held.split_last() else {
            continue;
        };
        let names: Vec<String> = held.iter().map(|(name, _)| name.to_string()).collect();
        let d = Diagnostic::error(
            Code::WIREGUARD_SHARED_KEY,
            format!(
                "{} have the same WireGuard public key, {key}",
                holders::listed_as_subject(&names)
            ),
            *span,
            format!("{last} has it"),
        );
        let earlier: Vec<(Span, String)> = earlier
            .iter()
            .map(|(name, span)| (*span, format!("{name} has it")))
            .collect();
        out.push(
            holders::labelled(d, &earlier)
                .with_note(
                    "the other members know a peer by its public key: they would send \
                     what is meant for one of these machines to the other",
                )
                .with_help(format!(
                    "give {} a key pair of its own (`wg genkey | tee private.key | wg pubkey`)",
                    holders::who(held.len())
                )),
        );
    }
}

fn endpoint_ports(model: &Model, members: &[(MachineId, &Machine)], out: &mut Vec<Diagnostic>) {
    for (_, machine) in members {
        for (n, (index, network, port)) in wireguard_ports(model, machine).into_iter().enumerate() {
            let Some(member) = &machine.nics[index].wireguard else {
                continue;
            };
            let Some(endpoint) = &member.endpoint else {
                continue;
            };
            let Some((EndpointHost::Address(host), named)) = parse_endpoint(&endpoint.value) else {
                continue;
            };
            if named == port || !own_address(machine, host) {
                continue;
            }
            let how = match (member.listen_port, n) {
                (Some(_), _) => "its `listen_port`",
                (None, 0) => {
                    "the port of its `wireguard` service (51820 by default), where its first \
                     WireGuard overlay listens without a `listen_port`"
                }
                (None, _) => {
                    "the port after its previous WireGuard overlay's, where a further one \
                     listens without a `listen_port`"
                }
            };
            out.push(
                Diagnostic::error(
                    Code::WIREGUARD_ENDPOINT_PORT,
                    format!(
                        "{}'s endpoint on WireGuard overlay `{}` names port {named}, but it \
                         listens on {port} there",
                        machine.name,
                        model.network(network).name
                    ),
                    endpoint.span,
                    format!("{host} is {}'s own address", machine.name),
                )
                .with_note(format!(
                    "{port} is {how}; the other members send to the endpoint, and with \
                     the member's own address there is no NAT to forward {named} to {port}"
                ))
                .with_help(format!(
                    "write the endpoint with port {port}, or set `listen_port = {named}`"
                )),
            );
        }
    }
}

/// Whether `address` is one of the machine's own: on a NIC or placed.
fn own_address(machine: &Machine, address: IpAddr) -> bool {
    let on_nics = machine.nics.iter().any(|nic| {
        nic.ip.is_some_and(|ip| IpAddr::V4(ip.value) == address)
            || nic.ip6.is_some_and(|ip| IpAddr::V6(ip.value) == address)
    });
    on_nics || machine.addresses.iter().any(|p| p.address.value == address)
}

/// A member behind a router: its endpoint is an address of another machine of the lab
/// whose firewall infrac writes, so the peers' handshakes reach the member only through
/// a port forward of the endpoint's UDP port there, to the port the member listens on.
/// A router the lab does not configure (no `firewall on` it) may forward anything, and a
/// forward to another port of the member is E0566's (nothing listens there).
fn endpoint_forwards(model: &Model, members: &[(MachineId, &Machine)], out: &mut Vec<Diagnostic>) {
    if model.firewalls.is_empty() {
        return;
    }
    // Every machine's addresses, made when the first endpoint needs them.
    let mut holders: Option<HashMap<IpAddr, MachineId>> = None;
    for &(id, machine) in members {
        for (index, network, port) in wireguard_ports(model, machine) {
            let Some(endpoint) = machine.nics[index]
                .wireguard
                .as_ref()
                .and_then(|w| w.endpoint.as_ref())
            else {
                continue;
            };
            let Some((EndpointHost::Address(host), named)) = parse_endpoint(&endpoint.value) else {
                continue;
            };
            if own_address(machine, host) {
                continue;
            }
            let holders = holders.get_or_insert_with(|| roles::address_holders(model));
            let Some(&router_id) = holders.get(&host) else {
                continue;
            };
            let router = model.machine(router_id);
            let Some((_, firewall)) = roles::firewall_of(model, router_id) else {
                continue;
            };
            let forward = firewall
                .forwards
                .iter()
                .find(|f| f.port.value.contains(Protocol::Udp, named));
            // A forward to another port of the member is E0566's: nothing listens there.
            if forward.is_some_and(|f| f.target == id) {
                continue;
            }
            let overlay = &model.network(network).name;
            let d = Diagnostic::error(
                Code::WIREGUARD_ENDPOINT_FORWARD,
                format!(
                    "{}'s endpoint on WireGuard overlay `{overlay}` is {}'s address, but {} does not forward udp/{named} to it",
                    machine.name, router.name, router.name
                ),
                endpoint.span,
                format!("{host} is {}'s address", router.name),
            );
            let d = match forward {
                Some(f) => d.with_label(
                    f.span,
                    format!("forwards it to {}", model.machine(f.target).name),
                ),
                None => d.with_label(firewall.span, format!("no `forward` of udp/{named} here")),
            };
            let zone = router
                .each_address()
                .find(|(_, a)| a.value == host)
                .map_or_else(
                    || "ZONE".to_string(),
                    |(n, _)| model.network(n).zone.clone(),
                );
            out.push(
                d.with_note(format!(
                    "the other members send their handshakes to {host}:{named}; {} listens on udp/{port}",
                    machine.name
                ))
                .with_help(format!(
                    "forward the port on {}: `forward {zone} udp/{named} -> {}:{port}`",
                    router.name, machine.name
                )),
            );
        }
    }
}
