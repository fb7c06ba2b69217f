//! The firewall analyser: what an auditor asks of a router's ruleset. Rules that can
//! never match (W0462), rules every packet of which an earlier rule already decides
//! (W0461), uplink zones let into a zone or the router on every port (W0460), and BGP
//! sessions the firewall blocks in both directions (W0463), WireGuard handshakes it drops
//! on the member its peers dial (W0464).
//!
//! All of it reasons over [`infrac_model::policy`], the semantics the nftables target
//! compiles, so a finding here is a fact about the generated ruleset.

use infrac_diagnostics::{Code, Diagnostic, Span};
use infrac_model::policy::{
    self, Chain, Decider, Field, Link, Links, Origin, Packet, Policy, Ranges, Region, Shadowing,
};
use infrac_model::{Model, NetworkId, Source, Zone};
use std::collections::BTreeSet;

mod wireguard;

/// Runs the analyser over every firewall.
pub fn check(model: &Model) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for policy in policy::policies(model) {
        dead_rules(&policy, &mut out);
        uplink_exposure(&policy, &mut out);
        bgp_blocked(&policy, &mut out);
        wireguard::wireguard_blocked(&policy, &mut out);
    }
    out
}

/// Every compiled part of a user rule, with its chain and index there.
/// The compiled rules of each written rule and each forward, by chain and index, in
/// chain order: found in one pass over the chains, not one per rule (quadratic in the
/// rules before).
struct Parts {
    rules: Vec<Vec<(Chain, usize)>>,
    forwards: Vec<Vec<(Chain, usize)>>,
}

impl Parts {
    fn of(policy: &Policy) -> Parts {
        let mut parts = Parts {
            rules: vec![Vec::new(); policy.firewall.rules.len()],
            forwards: vec![Vec::new(); policy.firewall.forwards.len()],
        };
        for c in Chain::ALL {
            for (i, rule) in policy.rules(c).iter().enumerate() {
                let list = match rule.origin {
                    Origin::Rule(r) => parts.rules.get_mut(r),
                    Origin::Forward(f) => parts.forwards.get_mut(f),
                    Origin::Builtin(_) => None,
                };
                if let Some(list) = list {
                    list.push((c, i));
                }
            }
        }
        parts
    }

    fn get(&self, origin: Origin) -> &[(Chain, usize)] {
        let list = match origin {
            Origin::Rule(r) => self.rules.get(r),
            Origin::Forward(f) => self.forwards.get(f),
            Origin::Builtin(_) => None,
        };
        list.map_or(&[], Vec::as_slice)
    }
}

fn origin_span(policy: &Policy, origin: Origin) -> Option<Span> {
    match origin {
        Origin::Rule(i) => Some(policy.firewall.rules[i].span),
        Origin::Forward(i) => Some(policy.firewall.forwards[i].span),
        Origin::Builtin(_) => None,
    }
}

fn dead_rules(policy: &Policy, out: &mut Vec<Diagnostic>) {
    // Each chain's shadowing, in the order of `Chain::ALL`; every compiled rule belongs to
    // one origin, so each is asked about once.
    let shadowing: Vec<(Chain, Shadowing)> = Chain::ALL
        .iter()
        .map(|&c| (c, policy.shadowing(c)))
        .collect();
    let of_chain = |c: Chain| shadowing.iter().find(|(d, _)| *d == c).map(|(_, s)| s);
    let parts = Parts::of(policy);
    let origins = (0..policy.firewall.rules.len())
        .map(Origin::Rule)
        .chain((0..policy.firewall.forwards.len()).map(Origin::Forward));
    for origin in origins {
        let Some(span) = origin_span(policy, origin) else {
            continue;
        };
        if let Origin::Forward(i) = origin {
            // A forward without a target address is the nftables target's to report.
            if policy.unresolved_forwards.contains(&i) {
                continue;
            }
        }
        let live: Vec<(Chain, usize)> = parts
            .get(origin)
            .iter()
            .copied()
            .filter(|&(c, i)| !policy.rules(c)[i].matches_nothing())
            .collect();
        if live.is_empty() {
            out.push(matches_nothing(policy, origin, span));
            continue;
        }
        if let Origin::Forward(_) = origin {
            if let Some(d) = blocked_forward(policy, origin, span, &live) {
                out.push(d);
            }
            continue;
        }
        let all_shadowed = live
            .iter()
            .all(|&(c, i)| of_chain(c).is_some_and(|s| s.is_shadowed(i)));
        if all_shadowed {
            let mut covering = BTreeSet::new();
            for &(c, i) in &live {
                if let Some(s) = of_chain(c) {
                    covering.extend(s.overlapping(i).iter().map(|&j| policy.rules(c)[j].origin));
                }
            }
            out.push(shadowed_rule(policy, origin, span, &covering));
        }
    }
}

/// A port forward whose rewritten traffic an earlier rule drops. (One covered only by
/// earlier accepts still works: its translation happens and the traffic passes.)
fn blocked_forward(
    policy: &Policy,
    origin: Origin,
    span: Span,
    live: &[(Chain, usize)],
) -> Option<Diagnostic> {
    let mut blockers = BTreeSet::new();
    let mut passes = false;
    for &(chain, i) in live {
        for region in policy.rules(chain)[i].regions() {
            for (decider, _) in policy.classify(chain, region) {
                let action = policy.action_of(chain, decider);
                match decider {
                    Decider::Rule(j) if policy.rules(chain)[j].origin == origin => passes = true,
                    _ if action.accepts() => passes = true,
                    // Built-in drops (forged sources, ICMP from the uplink) take only
                    // traffic no forward is meant for.
                    Decider::Rule(j)
                        if matches!(policy.rules(chain)[j].origin, Origin::Builtin(_)) => {}
                    Decider::Rule(j) => {
                        blockers.insert(policy.rules(chain)[j].origin);
                    }
                    Decider::Policy => {}
                }
            }
        }
    }
    if blockers.is_empty() {
        return None;
    }
    let mut d = Diagnostic::warning(
        Code::SHADOWED_RULE,
        if passes {
            "port forward is partly blocked by earlier rules"
        } else {
            "port forward is blocked by earlier rules"
        },
        span,
        "forwarded traffic is dropped before it reaches this forward's accept",
    );
    for b in blockers {
        if let Some(s) = origin_span(policy, b) {
            d = d.with_label(s, "drops it first");
        }
    }
    Some(d.with_help("move the forward above the rule that drops its traffic, or narrow that rule"))
}

fn describe(policy: &Policy, origin: Origin) -> &'static str {
    match origin {
        Origin::Forward(_) => "port forward",
        Origin::Rule(i) if policy.firewall.rules[i].allow => "allow rule",
        _ => "deny rule",
    }
}

fn matches_nothing(policy: &Policy, origin: Origin, span: Span) -> Diagnostic {
    let router = &policy.model.machine(policy.router).name;
    let missing_zone = |zone: &Zone| match zone {
        Zone::Named(z) if policy.zone_interfaces(z).is_empty() => Some(z.clone()),
        _ => None,
    };
    let (primary, label, help): (Span, String, String) = match origin {
        Origin::Rule(i) => {
            let rule = &policy.firewall.rules[i];
            let peers_only = rule.sources.iter().all(|s| *s == Source::BgpPeers);
            if let Some(z) = missing_zone(&rule.from.value) {
                (
                    rule.from.span,
                    format!("`{router}` has no interface in zone `{z}`"),
                    format!("give `{router}` a NIC on a network of zone `{z}`, or remove the rule"),
                )
            } else if let Some(z) = missing_zone(&rule.to.value) {
                (
                    rule.to.span,
                    format!("`{router}` has no interface in zone `{z}`"),
                    format!("give `{router}` a NIC on a network of zone `{z}`, or remove the rule"),
                )
            } else if !rule.sources.is_empty()
                && peers_only
                && policy.bgp_peers.as_ref().is_none_or(Vec::is_empty)
            {
                (
                    rule.span,
                    format!("`bgp.peers` is empty: `{router}` has no BGP peers"),
                    format!("declare the peers in `bgp on {router} {{ … }}`, or remove the rule"),
                )
            } else {
                (
                    rule.span,
                    "no address family fits both its sources and its protocols".to_string(),
                    "check the sources' address family against the protocols (`icmpv6` needs IPv6 sources)".to_string(),
                )
            }
        }
        Origin::Forward(i) => {
            let forward = &policy.firewall.forwards[i];
            let zone = missing_zone(&forward.from.value).unwrap_or_default();
            (
                forward.from.span,
                format!("`{router}` has no interface in zone `{zone}`"),
                format!(
                    "give `{router}` a NIC on a network of zone `{zone}`, or remove the forward"
                ),
            )
        }
        Origin::Builtin(_) => (span, String::new(), String::new()),
    };
    let mut d = Diagnostic::warning(
        Code::RULE_MATCHES_NOTHING,
        format!(
            "{} matches no traffic on `{router}`",
            describe(policy, origin)
        ),
        primary,
        label,
    );
    if primary != span {
        d = d.with_label(span, "this rule is never used");
    }
    d.with_help(help)
}

fn shadowed_rule(
    policy: &Policy,
    origin: Origin,
    span: Span,
    covering: &BTreeSet<Origin>,
) -> Diagnostic {
    let mut d = Diagnostic::warning(
        Code::SHADOWED_RULE,
        format!("{} is shadowed by earlier rules", describe(policy, origin)),
        span,
        "no packet reaches this rule",
    );
    let mut more = 0;
    let mut labelled = 0;
    for &c in covering {
        match c {
            Origin::Builtin(b) => d = d.with_note(format!("built in: {}", b.describe())),
            other => {
                let Some(s) = origin_span(policy, other).filter(|&s| s != span) else {
                    continue;
                };
                if labelled < policy::COVERING_SHOWN {
                    d = d.with_label(s, "decides its traffic first");
                    labelled += 1;
                } else {
                    more += 1;
                }
            }
        }
    }
    if more > 0 {
        d = d.with_note(if more == 1 {
            "1 more earlier rule matches its traffic too".to_string()
        } else {
            format!("{more} more earlier rules match its traffic too")
        });
    }
    d.with_help("remove the rule, or move it above the rules that decide its traffic")
}

/// The machines on a network of `zones` (through a NIC or a placed address), and their
/// services, as `name (service port, …)`.
fn exposed_machines(policy: &Policy, zones: &[String]) -> Vec<String> {
    let model = policy.model;
    let in_zones = |n: NetworkId| zones.contains(&model.network(n).zone);
    model
        .machines()
        .filter(|(id, m)| {
            *id != policy.router
                && (m.attached().any(|(_, _, n)| in_zones(n))
                    || m.addresses.iter().any(|p| in_zones(p.network)))
        })
        .map(|(_, m)| {
            let services: Vec<String> = m
                .services
                .iter()
                .flat_map(|s| s.ports.iter().map(move |p| format!("{} {p}", s.name)))
                .collect();
            if services.is_empty() {
                m.name.clone()
            } else {
                format!("{} ({})", m.name, services.join(", "))
            }
        })
        .collect()
}

fn uplink_exposure(policy: &Policy, out: &mut Vec<Diagnostic>) {
    let uplinks = policy.uplink_zones();
    if uplinks.is_empty() {
        return;
    }
    let uplink_links = uplinks.iter().fold(Ranges::empty(), |acc, z| {
        acc.union(&policy.link_set(&Links::Zone(z.clone())))
    });
    let inside: Vec<String> = policy
        .zones()
        .into_iter()
        .filter(|z| !uplinks.contains(z))
        .collect();
    let inside_links = inside.iter().fold(Ranges::empty(), |acc, z| {
        acc.union(&policy.link_set(&Links::Zone(z.clone())))
    });
    let router = &policy.model.machine(policy.router).name;
    // New connections from an uplink, addressed directly, to the router or an inside zone.
    let targets = [(Chain::Input, None), (Chain::Forward, Some(&inside_links))];
    let mut reported: BTreeSet<Option<Origin>> = BTreeSet::new();
    for (chain, out_links) in targets {
        for family in [infrac_model::IpFamily::Ipv4, infrac_model::IpFamily::Ipv6] {
            let mut region = Region::universe(family, policy.link_count())
                .with(Field::InLink, &uplink_links)
                .with(Field::Dnat, &Ranges::single(0));
            if let Some(links) = out_links {
                region = region.with(Field::OutLink, links);
            }
            if region.is_empty() {
                continue;
            }
            for (decider, pieces) in policy.classify(chain, &region) {
                if !policy.action_of(chain, decider).accepts() {
                    continue;
                }
                let origin = match decider {
                    Decider::Rule(i) => Some(policy.rules(chain)[i].origin),
                    Decider::Policy => None,
                };
                let wide = match origin {
                    Some(Origin::Rule(i)) => {
                        let rule = &policy.firewall.rules[i];
                        rule.ports.is_empty()
                            && rule.protocols.is_empty()
                            && rule.sources.is_empty()
                    }
                    Some(_) => false,
                    None => true,
                };
                if !wide || !reported.insert(origin) {
                    continue;
                }
                let zones_reached: Vec<String> = if chain == Chain::Input {
                    Vec::new()
                } else {
                    inside
                        .iter()
                        .filter(|z| {
                            let links = policy.link_set(&Links::Zone((*z).clone()));
                            pieces
                                .iter()
                                .any(|p| !p.get(Field::OutLink).intersect(&links).is_empty())
                        })
                        .cloned()
                        .collect()
                };
                let what = if chain == Chain::Input {
                    format!("`{router}` itself")
                } else {
                    zones_reached
                        .iter()
                        .map(|z| format!("zone `{z}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                let (span, label) = match origin.and_then(|o| origin_span(policy, o)) {
                    Some(s) => (
                        s,
                        format!("accepts every new connection from {}", uplinks.join(", ")),
                    ),
                    None => (
                        policy.policy_span(chain),
                        format!("accepts what no rule of the {chain} chain decides"),
                    ),
                };
                let mut d = Diagnostic::warning(
                    Code::EXPOSED_TO_UPLINK,
                    format!("the internet can open any port on {what}"),
                    span,
                    label,
                );
                let guests = if chain == Chain::Input {
                    let g = policy.model.machine(policy.router);
                    g.services
                        .iter()
                        .flat_map(|s| s.ports.iter().map(move |p| format!("{} {p}", s.name)))
                        .collect()
                } else {
                    exposed_machines(policy, &zones_reached)
                };
                if !guests.is_empty() {
                    d = d.with_note(format!(
                        "reachable from {}: {}",
                        uplinks.join(", "),
                        guests.join("; ")
                    ));
                }
                out.push(d.with_help(format!(
                    "list the ports to open (`allow {} -> … tcp/443`), or forward single ports with `forward {} tcp/443 -> GUEST:443`",
                    uplinks[0], uplinks[0]
                )));
            }
        }
    }
}

fn bgp_blocked(policy: &Policy, out: &mut Vec<Diagnostic>) {
    let Some(router) = policy
        .model
        .routers
        .iter()
        .find(|r| r.machine == policy.router)
    else {
        return;
    };
    let name = &policy.model.machine(policy.router).name;
    for peer in &router.peers {
        let neighbor = peer.neighbor.value;
        let link = match policy.route(neighbor) {
            policy::Route::Link(l) => l,
            _ => continue,
        };
        let local = policy
            .local_addresses()
            .into_iter()
            .find(|a| a.is_ipv4() == neighbor.is_ipv4())
            .unwrap_or(neighbor);
        let inbound = Packet {
            in_link: Some(link),
            out_link: None,
            source: neighbor,
            destination: local,
            protocol: policy::proto::TCP,
            value: 179,
            dnat: false,
        };
        let outbound = Packet {
            in_link: None,
            out_link: Some(link),
            source: local,
            destination: neighbor,
            ..inbound
        };
        let (a, b) = (policy.decide(&inbound), policy.decide(&outbound));
        if a.action.accepts() || b.action.accepts() {
            continue;
        }
        let mut d = Diagnostic::warning(
            Code::BGP_BLOCKED,
            format!(
                "the firewall of `{name}` blocks BGP with `{}` both ways",
                peer.name
            ),
            peer.neighbor.span,
            format!("tcp/179 to and from {neighbor} is dropped"),
        );
        for decision in [a, b] {
            d = dropped_by(d, policy, decision.chain, decision.decider);
        }
        let zone = match link {
            Link::Interface(i) => policy.interfaces[i].zone.clone(),
            _ => "ZONE".into(),
        };
        out.push(d.with_help(format!(
            "accept the sessions: `allow {zone} -> router tcp/179 from bgp.peers`"
        )));
    }
}

/// `d` with what drops its traffic in `chain`: a label on the rule or the policy line
/// that decides it, or a note for a built-in rule or an unwritten default policy.
pub(crate) fn dropped_by(
    d: Diagnostic,
    policy: &Policy,
    chain: Chain,
    decider: Decider,
) -> Diagnostic {
    match decider {
        Decider::Rule(i) => {
            let rule = &policy.rules(chain)[i];
            match (rule.origin, rule.span) {
                (Origin::Builtin(builtin), _) => {
                    d.with_note(format!("built in: {}", builtin.describe()))
                }
                (_, Some(span)) => d.with_label(span, format!("drops it in `{chain}`")),
                _ => d,
            }
        }
        Decider::Policy => match policy.firewall.policy_spans[chain as usize] {
            Some(span) => d.with_label(span, format!("drops it in `{chain}`")),
            None => d.with_note(format!("the {chain} chain's default policy drops it")),
        },
    }
}
