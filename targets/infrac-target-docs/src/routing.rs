//! The BGP and firewall pages: speakers and sessions, and each firewall's policies, zone
//! matrix, rules, NAT and port forwards, with their diagrams.

use crate::markdown::{cell, lines, or_dash, Table};
use crate::{diagram, Diagram};
use infrac_model::graph::zone_matrices;
use infrac_model::policy::{Chain, Origin};
use infrac_model::{FilterRule, Model, Source, Verdict, Zone};
use serde::Serialize;

#[derive(Serialize)]
pub(crate) struct BgpPage<'d> {
    header: String,
    speakers: Vec<Speaker>,
    diagram: Option<&'d Diagram<'d>>,
}

#[derive(Serialize)]
struct Speaker {
    name: String,
    facts: Table,
    peers: Table,
}

pub(crate) fn bgp_page<'d>(
    model: &Model,
    header: &str,
    diagrams: &'d [Diagram<'d>],
) -> BgpPage<'d> {
    let speakers = model
        .routers
        .iter()
        .map(|router| {
            let machine = model.machine(router.machine);
            let mut facts = Table::new(&["Fact", "Value"]);
            facts.row(vec!["ASN".into(), format!("AS{}", router.asn.value)]);
            facts.row(vec!["Router ID".into(), router.router_id.value.to_string()]);
            let announced: Vec<String> = router
                .announce
                .iter()
                .map(|p| p.value.to_string())
                .collect();
            facts.row(vec![
                "Announces".into(),
                or_dash((!announced.is_empty()).then(|| lines(&announced))),
            ]);
            let mut peers = Table::new(&[
                "Peer",
                "Neighbour",
                "ASN",
                "Session",
                "Description",
                "Options",
            ]);
            for peer in &router.peers {
                let mut options = Vec::new();
                if let Some(hops) = peer.multihop {
                    options.push(format!("multihop {hops}"));
                }
                if let Some(source) = peer.source {
                    options.push(format!("source {source}"));
                }
                if peer.accept_default {
                    options.push("accepts a default route".into());
                }
                if peer.password.is_some() {
                    options.push("password from the secret store".into());
                }
                peers.row(vec![
                    cell(&peer.name),
                    peer.neighbor.value.to_string(),
                    format!("AS{}", peer.asn.value),
                    if peer.asn.value == router.asn.value {
                        "iBGP"
                    } else {
                        "eBGP"
                    }
                    .into(),
                    or_dash(peer.description.as_deref().map(cell)),
                    or_dash((!options.is_empty()).then(|| cell(&options.join(", ")))),
                ]);
            }
            Speaker {
                name: cell(&machine.name),
                facts,
                peers,
            }
        })
        .collect();
    BgpPage {
        header: header.to_string(),
        speakers,
        diagram: (!model.routers.is_empty())
            .then(|| diagram(diagrams, "bgp"))
            .flatten(),
    }
}

#[derive(Serialize)]
pub(crate) struct FirewallPage<'d> {
    header: String,
    firewalls: Vec<FirewallView>,
    network: Option<&'d Diagram<'d>>,
    ingress: Option<&'d Diagram<'d>>,
}

#[derive(Serialize)]
struct FirewallView {
    name: String,
    policies: Table,
    zones: Table,
    matrix: Table,
    builtins: Vec<&'static str>,
    rules: Table,
    masquerade: Table,
    forwards: Table,
}

fn zone_name(zone: &Zone) -> String {
    match zone {
        Zone::Named(n) => n.clone(),
        Zone::Router => "router".into(),
        Zone::Any => "any".into(),
    }
}

fn verdict(v: Verdict) -> &'static str {
    match v {
        Verdict::Accept => "accept",
        Verdict::Drop => "drop",
        Verdict::Reject => "reject",
    }
}

/// A rule as written in the source, on one line.
fn rule_text(rule: &FilterRule) -> String {
    let mut text = format!(
        "{} {} -> {}",
        if rule.allow { "allow" } else { "deny" },
        zone_name(&rule.from.value),
        zone_name(&rule.to.value)
    );
    let matches: Vec<String> = rule
        .ports
        .iter()
        .map(|p| p.value.to_string())
        .chain(rule.protocols.iter().map(|p| p.value.clone()))
        .collect();
    if !matches.is_empty() {
        text.push(' ');
        text.push_str(&matches.join(", "));
    }
    if !rule.sources.is_empty() {
        let sources: Vec<String> = rule
            .sources
            .iter()
            .map(|s| match s {
                Source::Prefix(p) => p.to_string(),
                Source::BgpPeers => "bgp.peers".into(),
            })
            .collect();
        text.push_str(" from ");
        text.push_str(&sources.join(", "));
    }
    text
}

pub(crate) fn firewall_page<'d>(
    model: &Model,
    header: &str,
    diagrams: &'d [Diagram<'d>],
) -> FirewallPage<'d> {
    let firewalls = zone_matrices(model)
        .into_iter()
        .map(|matrix| {
            let policy = &matrix.policy;
            let firewall = policy.firewall;
            let mut policies = Table::new(&["Chain", "Traffic", "Policy"]);
            for (chain, what, v) in [
                ("input", "to the router", firewall.input),
                ("forward", "through the router", firewall.forward),
                ("output", "from the router", firewall.output),
            ] {
                policies.row(vec![chain.into(), what.into(), verdict(v).into()]);
            }
            let mut zones = Table::new(&["Zone", "Networks", "Router interfaces"]);
            for zone in policy.zones() {
                let networks: Vec<String> = model
                    .networks
                    .iter()
                    .filter(|n| n.zone == zone)
                    .map(|n| {
                        let mut text = n.name.clone();
                        let prefixes: Vec<String> = n
                            .ipv4
                            .map(|p| p.value.to_string())
                            .into_iter()
                            .chain(n.ipv6.map(|p| p.value.to_string()))
                            .collect();
                        if !prefixes.is_empty() {
                            text.push_str(&format!(" ({})", prefixes.join(", ")));
                        }
                        text
                    })
                    .collect();
                let interfaces: Vec<String> = policy
                    .zone_interfaces(&zone)
                    .into_iter()
                    .map(|i| {
                        let iface = &policy.interfaces[i];
                        format!("{} on {}", iface.name, model.network(iface.network).name)
                    })
                    .collect();
                zones.row(vec![cell(&zone), lines(&networks), lines(&interfaces)]);
            }
            let mut head: Vec<String> = vec!["from \\ to".into()];
            head.extend(matrix.endpoints.iter().map(|e| e.name().to_string()));
            let head: Vec<&str> = head.iter().map(String::as_str).collect();
            let mut table = Table::new(&head);
            for (f, from) in matrix.endpoints.iter().enumerate() {
                let mut row = vec![format!("**{}**", cell(from.name()))];
                for (t, cell_access) in matrix.cells[f].iter().enumerate() {
                    let Some(access) = cell_access else {
                        row.push("·".into());
                        continue;
                    };
                    // Port forwards open a path the zone rules alone do not show.
                    let to = matrix.endpoints[t].name();
                    let forwards: Vec<String> = policy
                        .dnat
                        .iter()
                        .filter(|d| d.zone == from.name() || d.zone.is_empty())
                        .filter(|d| {
                            policy.zone_of_machine(d.target, d.address).as_deref() == Some(to)
                        })
                        .map(|d| {
                            format!(
                                "DNAT {} → {}:{}",
                                d.port,
                                model.machine(d.target).name,
                                d.target_ports().numbers()
                            )
                        })
                        .collect();
                    let mut parts = Vec::new();
                    if access.allows_anything() || forwards.is_empty() {
                        parts.push(cell(&access.summary()));
                    }
                    parts.extend(forwards.iter().map(|f| cell(f)));
                    row.push(parts.join("<br>"));
                }
                table.row(row);
            }
            let mut builtins: Vec<&'static str> = Vec::new();
            for chain in Chain::ALL {
                for rule in policy.rules(chain) {
                    if let Origin::Builtin(b) = rule.origin {
                        if !builtins.contains(&b.describe()) {
                            builtins.push(b.describe());
                        }
                    }
                }
            }
            let mut rules = Table::new(&["#>", "Rule"]);
            for (i, rule) in firewall.rules.iter().enumerate() {
                rules.row(vec![
                    (i + 1).to_string(),
                    format!("`{}`", rule_text(rule).replace('|', "\\|")),
                ]);
            }
            let mut masquerade = Table::new(&["Zones", "Translated toward"]);
            for m in &firewall.masquerade {
                let zones: Vec<String> = m.zones.iter().map(|z| zone_name(&z.value)).collect();
                masquerade.row(vec![cell(&zones.join(", ")), cell(&zone_name(&m.to.value))]);
            }
            let mut forwards = Table::new(&["From zone", "Port", "To guest", "Address", "Port>"]);
            for (i, forward) in firewall.forwards.iter().enumerate() {
                let target = model.machine(forward.target);
                let address = policy
                    .dnat
                    .iter()
                    .find(|d| d.forward == i)
                    .map(|d| d.address.to_string());
                forwards.row(vec![
                    cell(&zone_name(&forward.from.value)),
                    forward.port.value.to_string(),
                    cell(&target.name),
                    or_dash(address),
                    forward.target_ports().numbers(),
                ]);
            }
            FirewallView {
                name: cell(&model.machine(firewall.machine).name),
                policies,
                zones,
                matrix: table,
                builtins,
                rules,
                masquerade,
                forwards,
            }
        })
        .collect::<Vec<_>>();
    FirewallPage {
        header: header.to_string(),
        network: diagram(diagrams, "network"),
        ingress: diagram(diagrams, "ingress"),
        firewalls,
    }
}
