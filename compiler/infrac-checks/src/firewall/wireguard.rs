//! WireGuard that the router's own firewall keeps out (W0464): a member with an
//! `endpoint` is the one its peers dial, so the input chain must accept UDP to its listen
//! port on the interface that endpoint reaches. With the input policy at `drop` and the
//! port left out of the `allow … -> router` rules (or written as the wrong port), the
//! peers' handshakes are dropped and the overlay never comes up.
//!
//! The question is asked of every source and destination address on those interfaces,
//! and is answered "blocked" only when no packet of them is accepted: a rule that admits
//! only the peers' addresses is enough.

use infrac_diagnostics::{Code, Diagnostic};
use infrac_model::interfaces::{parse_endpoint, wireguard_ports, EndpointHost};
use infrac_model::policy::{l4_key, proto, Chain, Field, Links, Policy, Ranges, Region};
use infrac_model::IpFamily;
use std::net::IpAddr;

pub(super) fn wireguard_blocked(policy: &Policy, out: &mut Vec<Diagnostic>) {
    let model = policy.model;
    let machine = model.machine(policy.router);
    for (index, network, port) in wireguard_ports(model, machine) {
        let nic = &machine.nics[index];
        let Some(endpoint) = nic.wireguard.as_ref().and_then(|w| w.endpoint.as_ref()) else {
            continue;
        };
        let Some((host, _)) = parse_endpoint(&endpoint.value) else {
            continue;
        };
        let Some((links, family, zone)) = arrival(policy, host) else {
            continue;
        };
        let region = Region::universe(family, policy.link_count())
            .with(Field::InLink, &links)
            .with(Field::L4, &Ranges::single(l4_key(proto::UDP, port)))
            .with(Field::Dnat, &Ranges::single(0));
        if region.is_empty() {
            continue;
        }
        let verdicts = policy.classify(Chain::Input, &region);
        if verdicts
            .iter()
            .any(|(decider, _)| policy.action_of(Chain::Input, *decider).accepts())
        {
            continue;
        }
        let overlay = &model.network(network).name;
        let mut d = Diagnostic::warning(
            Code::WIREGUARD_BLOCKED,
            format!(
                "the firewall of `{}` drops the WireGuard traffic its peers on `{overlay}` send to udp/{port}",
                machine.name
            ),
            endpoint.span,
            format!("peers dial this endpoint, udp/{port}"),
        );
        for (decider, _) in &verdicts {
            d = super::dropped_by(d, policy, Chain::Input, *decider);
        }
        out.push(d.with_help(format!(
            "accept the handshakes: `allow {zone} -> router udp/{port}`"
        )));
    }
}

/// The router's interfaces a peer's packet to `host` arrives on, with its family and the
/// zone to name in the help: the interface holding that address, else (an address the
/// router does not hold, such as one an upstream router forwards, or a DNS name) the
/// uplinks, where peers on the internet come from. `None` when that cannot be told.
fn arrival(policy: &Policy, host: EndpointHost<'_>) -> Option<(Ranges, IpFamily, String)> {
    let machine = policy.model.machine(policy.router);
    let family = match host {
        EndpointHost::Address(IpAddr::V6(_)) => IpFamily::Ipv6,
        _ => IpFamily::Ipv4,
    };
    if let EndpointHost::Address(address) = host {
        let holder = policy.interfaces.iter().position(|i| {
            let nic = &machine.nics[i.nic];
            nic.ip.map(|a| IpAddr::V4(a.value)) == Some(address)
                || nic.ip6.map(|a| IpAddr::V6(a.value)) == Some(address)
        });
        if let Some(i) = holder {
            let zone = policy.interfaces[i].zone.clone();
            return Some((policy.link_set(&Links::Interface(i)), family, zone));
        }
    }
    let zones = policy.uplink_zones();
    let uplinks = zones.iter().fold(Ranges::empty(), |acc, z| {
        acc.union(&policy.link_set(&Links::Zone(z.clone())))
    });
    let zone = zones.into_iter().next()?;
    (!uplinks.is_empty()).then_some((uplinks, family, zone))
}
