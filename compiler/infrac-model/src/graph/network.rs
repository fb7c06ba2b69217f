//! The network view: networks grouped by firewall zone, and the flows each firewall lets
//! through between zones (ports, NAT, port forwards, explicit denies).

use super::{
    lab_name, machine_key, wrap, zone_matrices, Access, Class, Direction, Edge, Endpoint,
    Flowchart, Item, Line, Node, Shape, Tone,
};
use crate::{Model, Zone};

/// Labels list at most this many ports per line.
const PORTS_PER_LINE: usize = 3;

/// Zones (with their networks' prefixes), each firewall's router, and every allowed or
/// explicitly denied flow between them.
pub fn network(model: &Model) -> Flowchart {
    let mut chart = Flowchart::new(
        format!("{} networks and firewall flows", lab_name(model)),
        Direction::TopDown,
    );
    for (zone, networks) in super::zone_networks(model) {
        let mut lines = vec![format!("zone {zone}")];
        for network in &networks {
            let mut head = network.name.clone();
            if let Some(vlan) = &network.vlan {
                head.push_str(&format!(" · VLAN {}", vlan.value));
            }
            if let Some(bridge) = &network.bridge {
                head.push_str(&format!(" · {}", bridge.value));
            }
            if networks.len() > 1 || network.name != zone {
                lines.push(head);
            } else if let Some(rest) = head.strip_prefix(&network.name) {
                let rest = rest.trim_start_matches(" · ");
                if !rest.is_empty() {
                    lines.push(rest.to_string());
                }
            }
            if let Some(v4) = &network.ipv4 {
                lines.push(v4.value.to_string());
            }
            if let Some(v6) = &network.ipv6 {
                lines.push(v6.value.to_string());
            }
            if network.uplink && network.ipv4.is_none() {
                lines.push("IPv4 from the provider".into());
            }
        }
        let uplink = networks.iter().any(|n| n.uplink);
        chart.items.push(Item::Node(Node::new(
            zone_key(zone),
            lines,
            Shape::Rounded,
            if uplink {
                Class::Uplink
            } else {
                Class::Network
            },
        )));
    }
    for matrix in zone_matrices(model) {
        let firewall = matrix.policy.firewall;
        let guest = model.machine(firewall.machine);
        let router = machine_key(guest);
        chart.items.push(Item::Node(Node::new(
            router.clone(),
            vec![
                guest.name.clone(),
                "firewall".into(),
                format!(
                    "input {} · forward {} · output {}",
                    verdict(firewall.input),
                    verdict(firewall.forward),
                    verdict(firewall.output)
                ),
            ],
            Shape::Hexagon,
            Class::Router,
        )));
        let key = |e: &Endpoint| match e {
            Endpoint::Zone(z) => zone_key(z),
            Endpoint::Router => router.clone(),
        };
        for (f, from) in matrix.endpoints.iter().enumerate() {
            for (t, to) in matrix.endpoints.iter().enumerate() {
                let Some(access) = &matrix.cells[f][t] else {
                    continue;
                };
                let masqueraded = match (from, to) {
                    (Endpoint::Zone(a), Endpoint::Zone(b)) => firewall.masquerade.iter().any(|m| {
                        m.to.value == Zone::Named(b.clone())
                            && m.zones.iter().any(|z| z.value == Zone::Named(a.clone()))
                    }),
                    _ => false,
                };
                let edge = Edge::new(key(from), key(to));
                let edge = match access {
                    Access::Blocked { by_rule: false } => continue,
                    Access::Blocked { by_rule: true } => edge
                        .label(vec!["denied".into()])
                        .line(Line::Dotted)
                        .tone(Tone::Denied),
                    // The router's label states each chain's policy; an edge per pair
                    // the policy accepts would bury the rules' own flows.
                    Access::All {
                        by_policy: true, ..
                    } => continue,
                    Access::All { .. } => {
                        let mut lines = vec![access.summary()];
                        if masqueraded {
                            lines.push("masquerade".into());
                        }
                        edge.label(lines).line(Line::Thick)
                    }
                    Access::Only(grants) => {
                        let items: Vec<String> = grants.iter().map(|g| g.to_string()).collect();
                        let mut lines = wrap(&items, PORTS_PER_LINE);
                        if masqueraded {
                            lines.push("masquerade".into());
                        }
                        edge.label(lines)
                    }
                };
                chart.edges.push(edge);
            }
        }
        // Port forwards between the same two zones share one edge.
        let mut forwards: Vec<(String, String, Vec<String>)> = Vec::new();
        for dnat in &matrix.policy.dnat {
            let Some(to) = matrix.policy.zone_of_machine(dnat.target, dnat.address) else {
                continue;
            };
            // A forward from any zone is drawn from the uplinks, where it matters.
            let sources = if dnat.zone.is_empty() {
                matrix.policy.uplink_zones()
            } else {
                vec![dnat.zone.clone()]
            };
            let to = zone_key(&to);
            let line = format!(
                "DNAT {} → {}:{}",
                dnat.port,
                model.machine(dnat.target).name,
                dnat.target_ports().numbers()
            );
            for from in sources.iter().map(|z| zone_key(z)) {
                match forwards.iter_mut().find(|(f, t, _)| *f == from && *t == to) {
                    Some((_, _, lines)) => lines.push(line.clone()),
                    None => forwards.push((from, to.clone(), vec![line.clone()])),
                }
            }
        }
        for (from, to, lines) in forwards {
            chart
                .edges
                .push(Edge::new(from, to).label(lines).tone(Tone::Translated));
        }
    }
    if model.networks.is_empty() && model.firewalls.is_empty() {
        chart.items.push(Item::Node(Node::new(
            "note:empty",
            vec!["no networks declared".into()],
            Shape::Box,
            Class::Note,
        )));
    }
    chart
}

/// The key of a zone's node.
pub(crate) fn zone_key(zone: &str) -> String {
    format!("zone:{zone}")
}

fn verdict(v: crate::Verdict) -> &'static str {
    match v {
        crate::Verdict::Accept => "accept",
        crate::Verdict::Drop => "drop",
        crate::Verdict::Reject => "reject",
    }
}
