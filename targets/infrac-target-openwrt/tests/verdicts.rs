//! The firewall files against the policy engine: for every OpenWrt router of the
//! fixtures, flows between every pair of its links (each zone's interfaces, loopback, an
//! interface of no zone, the router itself) at every boundary the rules mention are
//! decided by fw4's semantics read from the emitted UCI (`common::fw4`) and by
//! `infrac_model::policy`. The verdicts must agree packet by packet, so they agree on
//! every zone pair; and a lab whose order fw4 cannot keep must be refused (E1301).

mod common;

use common::fw4::{Firewall, Links};
use common::{config, files, labs, uci};
use infrac_model::policy::{self, Action, Chain, Link, Packet, Policy, Route};
use infrac_model::{Model, Platform, Source};
use ipnet::IpNet;
use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Addresses worth probing: a host of every network, the router's own addresses, the
/// port forwards' targets, an internet host per family, and the edges of every source
/// prefix a rule names.
fn addresses(policy: &Policy) -> Vec<IpAddr> {
    let mut set: BTreeSet<IpAddr> = BTreeSet::new();
    set.insert(IpAddr::V4(Ipv4Addr::new(8, 8, 8, 8)));
    set.insert(IpAddr::V6(Ipv6Addr::new(
        0x2001, 0x4860, 0, 0, 0, 0, 0, 0x8888,
    )));
    for n in &policy.model.networks {
        if let Some(p) = n.ipv4 {
            set.insert(IpAddr::V4(Ipv4Addr::from(u32::from(p.value.network()) + 7)));
        }
        if let Some(p) = n.ipv6 {
            set.insert(IpAddr::V6(Ipv6Addr::from(
                u128::from(p.value.network()) + 7,
            )));
        }
    }
    set.extend(policy.local_addresses());
    set.extend(policy.dnat.iter().map(|d| IpAddr::V4(d.address)));
    for rule in &policy.firewall.rules {
        for s in &rule.sources {
            if let Source::Prefix(p) = s {
                let (first, last) = (
                    policy::address_value(p.network()),
                    policy::address_value(p.broadcast()),
                );
                for v in [first.wrapping_sub(1), first, last, last.wrapping_add(1)] {
                    set.insert(match p {
                        IpNet::V4(_) => IpAddr::V4(Ipv4Addr::from(v as u32)),
                        IpNet::V6(_) => IpAddr::V6(Ipv6Addr::from(v)),
                    });
                }
            }
        }
    }
    set.into_iter().collect()
}

/// Layer-4 probes `(protocol, port or ICMP type << 8)`: every port boundary of the rules
/// and forwards, ICMP types rules name and some they do not, a protocol no rule names.
fn layer4(policy: &Policy) -> Vec<(u8, u16)> {
    let mut ports: BTreeSet<u16> = [22, 25, 53, 67, 68, 179, 443, 546, 8080, 65535].into();
    for chain in Chain::ALL {
        for rule in policy.rules(chain) {
            for l in &rule.l4 {
                if let policy::L4::Port(p) = l {
                    ports.extend([
                        p.first.saturating_sub(1),
                        p.first,
                        p.last,
                        p.last.saturating_add(1),
                    ]);
                }
            }
        }
    }
    for d in &policy.dnat {
        ports.extend([d.port.first, d.port.last, d.target_port]);
    }
    let mut out = Vec::new();
    for proto in [6u8, 17, 132] {
        out.extend(ports.iter().map(|&p| (proto, p)));
    }
    out.extend([0u16, 3, 8, 11, 13].map(|t| (1, t << 8)));
    out.extend([1u16, 2, 128, 129, 135, 143].map(|t| (58, t << 8)));
    out.push((47, 0));
    out
}

/// A short name of a link for messages.
fn link_name(policy: &Policy, link: Option<Link>) -> String {
    link.map_or_else(|| "router".to_string(), |l| policy.link_name(l))
}

/// Compares every probe of one router; returns the number of packets and the zone-pair
/// matrix (`from -> to` with whether anything is accepted) both sides agree on.
fn compare(
    model: &Model,
    index: usize,
    firewall: &str,
    network: &str,
) -> (usize, BTreeMap<(String, String), bool>) {
    let policy = Policy::compile(model, index);
    let fw = Firewall::read(&uci::parse(firewall).unwrap_or_else(|e| panic!("{e}")));
    let network = uci::parse(network).unwrap_or_else(|e| panic!("{e}"));
    let links = Links::new(&policy, &fw, &network);
    let zone_name = |l: Option<Link>| match l {
        None => "router".to_string(),
        Some(Link::Interface(i)) => policy.interfaces[i].zone.clone(),
        Some(Link::Loopback) => "loopback".to_string(),
        Some(Link::Other) => "other".to_string(),
    };
    let mut in_links: Vec<Option<Link>> = (0..policy.interfaces.len())
        .map(|i| Some(Link::Interface(i)))
        .collect();
    in_links.extend([Some(Link::Other), Some(Link::Loopback), None]);
    let (addresses, layer4) = (addresses(&policy), layer4(&policy));
    let mut matrix = BTreeMap::new();
    let mut compared = 0;
    for &in_link in &in_links {
        for src in &addresses {
            for dst in &addresses {
                if src.is_ipv4() != dst.is_ipv4() {
                    continue;
                }
                for routed in [false, true] {
                    let out_link = match (routed, policy.route(*dst)) {
                        (false, _) => None,
                        (true, Route::Link(l)) => Some(l),
                        (true, _) => continue,
                    };
                    if in_link.is_none() && out_link.is_none() {
                        continue;
                    }
                    for &(protocol, value) in &layer4 {
                        if (protocol == 58 && src.is_ipv4()) || (protocol == 1 && src.is_ipv6()) {
                            continue;
                        }
                        let packet = Packet {
                            in_link,
                            out_link,
                            source: *src,
                            destination: *dst,
                            protocol,
                            value,
                            dnat: false,
                        };
                        let ours = policy.translate(&packet).map_or(packet, |(_, p)| p);
                        let theirs = fw.translate(&policy, &links, &packet).unwrap_or(packet);
                        assert_eq!(
                            (ours.out_link, ours.destination, ours.value, ours.dnat),
                            (
                                theirs.out_link,
                                theirs.destination,
                                theirs.value,
                                theirs.dnat
                            ),
                            "port forward of {packet:?}"
                        );
                        let decision = policy.decide(&ours);
                        let (action, rule) = fw.decide(&theirs, &links);
                        assert_eq!(
                            action,
                            decision.action,
                            "{} -> {}: {packet:?} ({ours:?}): fw4 says {action:?} by `{rule}`, the policy {decision:?}",
                            link_name(&policy, in_link),
                            link_name(&policy, out_link)
                        );
                        *matrix
                            .entry((zone_name(in_link), zone_name(ours.out_link)))
                            .or_insert(false) |= action == Action::Accept;
                        compared += 1;
                    }
                }
            }
        }
    }
    (compared, matrix)
}

#[test]
fn fw4_decides_every_flow_as_the_policy_does() {
    let mut routers = 0;
    for (lab, relative) in labs() {
        let Ok(files) = files(&relative) else {
            continue;
        };
        let model = common::load(&relative);
        for (index, firewall) in model.firewalls.iter().enumerate() {
            let machine = model.machine(firewall.machine);
            if machine.platform != Platform::Openwrt {
                continue;
            }
            let text = config(&files, &machine.name, "firewall")
                .unwrap_or_else(|| panic!("{lab}: no firewall"));
            let network = config(&files, &machine.name, "network").unwrap_or_default();
            let (compared, matrix) = compare(&model, index, text, network);
            assert!(compared > 1000, "{lab}: only {compared} packets compared");
            // The zone pairs the fixtures are about.
            if lab == "openwrt-home" {
                let pair = |a: &str, b: &str| matrix.get(&(a.to_string(), b.to_string())).copied();
                assert_eq!(pair("lan", "wan"), Some(true));
                assert_eq!(pair("guest", "wan"), Some(true));
                assert_eq!(pair("lan", "router"), Some(true));
                assert_eq!(pair("wan", "lan"), Some(true), "the port forward");
                // Only the built-in ICMP errors cross from guest to lan.
                let guest_lan = Policy::compile(&model, index).reach("guest", "lan");
                assert!(guest_lan.is_none(), "{guest_lan:?}");
            }
            routers += 1;
        }
    }
    assert!(
        routers >= 2,
        "expected at least two OpenWrt routers, got {routers}"
    );
}

/// A firewall block of `count` statements drawn by `next` (a linear congruential
/// generator, so every run checks the same labs).
fn random_firewall(next: &mut impl FnMut(usize) -> usize, count: usize) -> String {
    const SIDES: [&str; 5] = ["lan", "guest", "wan", "any", "router"];
    const WHAT: [&str; 7] = [
        "",
        " tcp/25",
        " udp/53, tcp/53",
        " tcp/1000..2000",
        " icmp",
        " ping",
        " tcp/443",
    ];
    let policies = ["accept", "drop", "reject"];
    let mut out = format!(
        "firewall on gw {{\n  policy input = {}\n  policy forward = {}\n  policy output = {}\n",
        policies[next(3)],
        policies[next(3)],
        policies[next(3)]
    );
    let forward_at = next(count + 1);
    for i in 0..count {
        if i == forward_at {
            out.push_str("  forward wan tcp/443 -> nas:443\n");
        }
        let (from, to) = loop {
            let (a, b) = (SIDES[next(5)], SIDES[next(5)]);
            if a != b && !(a == "router" && b == "any") && !(a == "any" && b == "router") {
                break (a, b);
            }
        };
        let verb = if next(3) == 0 { "deny " } else { "allow" };
        out.push_str(&format!(
            "  {verb} {from} -> {to}{}\n",
            WHAT[next(WHAT.len())]
        ));
    }
    out.push_str("  masquerade [lan, guest] -> wan\n}\n");
    out
}

#[test]
fn random_firewalls_are_written_faithfully_or_refused() {
    let base = "site home { ipv4 = 192.168.0.0/16 }\n\
        network wan { uplink = true }\n\
        network lan { ipv4 = 192.168.50.0/24, gateway = 192.168.50.1 }\n\
        network guest { ipv4 = 192.168.60.0/24, gateway = 192.168.60.1 }\n\
        machine gw {\n  platform = openwrt\n  nic wan { dhcp = true }\n  nic lan { ip = lan.gateway }\n  nic guest { ip = guest.gateway }\n}\n\
        machine nas { nic eno1 { network = lan, ip = 192.168.50.20 } }\n";
    let mut state: u64 = 0x5eed;
    let mut next = |n: usize| {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 33) as usize) % n
    };
    let (mut written, mut refused) = (0, 0);
    for round in 0..80 {
        let count = 2 + next(6);
        let text = format!("{base}{}", random_firewall(&mut next, count));
        let analysis = infrac_testkit::analyse_source("random.infra", &text);
        if analysis.has_errors() {
            continue;
        }
        let model = analysis.model;
        match infrac_model::Target::emit(&infrac_target_openwrt::OpenwrtTarget, &model) {
            Ok(artifacts) => {
                let file = |name: &str| {
                    artifacts
                        .iter()
                        .find(|a| a.path.ends_with(name))
                        .map(|a| a.contents.clone())
                        .unwrap_or_default()
                };
                let (compared, _) = compare(&model, 0, &file("firewall"), &file("network"));
                assert!(compared > 0, "round {round}:\n{text}");
                written += 1;
            }
            Err(diagnostics) => {
                assert!(
                    diagnostics
                        .iter()
                        .all(|d| d.code == infrac_diagnostics::Code::OPENWRT_FIREWALL),
                    "round {round}: {diagnostics:?}\n{text}"
                );
                refused += 1;
            }
        }
    }
    assert!(
        written >= 20 && refused >= 3,
        "written {written}, refused {refused}"
    );
}

#[test]
fn an_order_fw4_cannot_keep_is_refused() {
    let (_, relative) = labs()
        .into_iter()
        .find(|(n, _)| n == "openwrt-error-order")
        .unwrap_or_else(|| panic!("no openwrt-error-order fixture"));
    let rendered = files(&relative)
        .err()
        .unwrap_or_else(|| panic!("{relative} was emitted"));
    assert!(rendered.contains("[E1301]"), "{rendered}");
}
