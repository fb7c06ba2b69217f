//! The analyser against a brute-force evaluator of the generated ruleset.
//!
//! For ORION, every router fixture and randomly generated firewalls, packets are drawn
//! from every boundary the rules mention (interfaces, source prefixes, ports, ICMP
//! types, forward targets) and run both through the text of the emitted ruleset
//! (`common::nft_eval`) and through `infrac_model::policy`. They must agree on the
//! verdict and on the deciding rule; rules the analyser calls shadowed or empty must
//! decide no packet; the zone matrix must cover every accepted packet.

mod common;
mod nft_eval;

use infrac_model::policy::{
    self, describe_l4, l4_key, Chain, Decider, Field, Link, Origin, Packet, Policy, Route,
};
use infrac_model::{Model, Source, Target};
use infrac_target_nftables::NftablesTarget;
use ipnet::IpNet;
use nft_eval::Ruleset;
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Source addresses worth probing: the edges and neighbours of every prefix a rule
/// names, the BGP peers, a host of every network and an internet host, per family.
fn sources(policy: &Policy) -> Vec<IpAddr> {
    let mut set: BTreeSet<IpAddr> = destinations(policy).into_iter().collect();
    for rule in &policy.firewall.rules {
        for s in &rule.sources {
            if let Source::Prefix(p) = s {
                let first = policy::address_value(p.network());
                let last = policy::address_value(p.broadcast());
                for v in [first.wrapping_sub(1), first, last, last.wrapping_add(1)] {
                    set.insert(match p {
                        IpNet::V4(_) => IpAddr::V4(Ipv4Addr::from(v as u32)),
                        IpNet::V6(_) => IpAddr::V6(Ipv6Addr::from(v)),
                    });
                }
            }
        }
    }
    set.extend(policy.bgp_peers.clone().unwrap_or_default());
    set.into_iter().collect()
}

/// Destination addresses worth probing: a host of every network, the router's own
/// addresses, every port forward's target and an internet host. Rules match zones, not
/// destination addresses, except the forwards' accepts.
fn destinations(policy: &Policy) -> Vec<IpAddr> {
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
    set.into_iter().collect()
}

/// Layer-4 probes: `(protocol, port or type << 8)` at every port boundary and for every
/// ICMP type the rules name, plus protocols no rule names.
fn layer4(policy: &Policy) -> Vec<(u8, u16)> {
    let mut ports: BTreeSet<u16> = [22, 68, 179, 546, 65535].into();
    for chain in Chain::ALL {
        for rule in policy.rules(chain) {
            for l in &rule.l4 {
                if let policy::L4::Port(p) = l {
                    for v in [
                        p.first.saturating_sub(1),
                        p.first,
                        p.last,
                        p.last.saturating_add(1),
                    ] {
                        ports.insert(v);
                    }
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
    for t in [0u16, 3, 8, 13] {
        out.push((1, t << 8));
    }
    for t in [1u16, 2, 128, 129, 135, 137, 143] {
        out.push((58, t << 8));
    }
    out.push((47, 0));
    out
}

/// The comment the emitted rule carries for a compiled rule.
fn expected_comment(policy: &Policy, chain: Chain, decider: Decider) -> Option<String> {
    match decider {
        Decider::Rule(i) => {
            let rule = &policy.rules(chain)[i];
            Some(match (rule.origin, rule.span) {
                (Origin::Builtin(_), _) => "built-in".to_string(),
                (_, Some(span)) => policy::source_line(policy.model, span),
                (_, None) => String::new(),
            })
        }
        Decider::Policy => None,
    }
}

/// Origins whose every compiled part is shadowed or empty.
fn dead_origins(policy: &Policy) -> BTreeSet<String> {
    let mut live: BTreeMap<String, bool> = BTreeMap::new();
    for chain in Chain::ALL {
        let shadowed: BTreeSet<usize> = policy.shadowing(chain).shadowed().into_iter().collect();
        for (i, rule) in policy.rules(chain).iter().enumerate() {
            let Some(span) = rule.span else { continue };
            let alive = !rule.matches_nothing() && !shadowed.contains(&i);
            *live
                .entry(policy::source_line(policy.model, span))
                .or_default() |= alive;
        }
    }
    live.into_iter()
        .filter(|(_, alive)| !alive)
        .map(|(c, _)| c)
        .collect()
}

/// Runs every probe through both evaluators; returns the number of packets compared.
fn compare(model: &Model) -> usize {
    let artifacts = NftablesTarget
        .emit(model)
        .unwrap_or_else(|d| panic!("emit failed: {d:?}"));
    let mut compared = 0;
    for (index, artifact) in artifacts.iter().enumerate() {
        let policy = Policy::compile(model, index);
        let ruleset = Ruleset::parse(&artifact.contents);
        let dead = dead_origins(&policy);
        let route = |a: IpAddr| match policy.route(a) {
            Route::Link(l) => Some(policy.link_name(l)),
            _ => None,
        };
        let mut links: Vec<Option<Link>> = (0..policy.interfaces.len())
            .map(|i| Some(Link::Interface(i)))
            .collect();
        links.push(Some(Link::Other));
        links.push(None);
        let zones = policy.zones();
        let mut reach = BTreeMap::new();
        for from in zones.iter().chain(["router".to_string()].iter()) {
            for to in zones.iter().chain(["router".to_string()].iter()) {
                if from != to {
                    reach.insert((from.clone(), to.clone()), policy.reach(from, to));
                }
            }
        }
        let (sources, destinations, layer4) =
            (sources(&policy), destinations(&policy), layer4(&policy));
        for &in_link in &links {
            for src in &sources {
                for dst in &destinations {
                    if src.is_ipv4() != dst.is_ipv4() {
                        continue;
                    }
                    // The destination is the router itself, or routed somewhere.
                    let routes = [None, Some(policy.route(*dst))];
                    for route_choice in routes {
                        let out_link = match route_choice {
                            None => None,
                            Some(Route::Link(l)) => Some(l),
                            Some(_) => continue,
                        };
                        if in_link.is_none() && out_link.is_none() {
                            continue;
                        }
                        for &(protocol, value) in &layer4 {
                            // ICMPv6 in IPv4 (and ICMP in IPv6) is outside the packet space.
                            if (protocol == 58 && src.is_ipv4()) || (protocol == 1 && src.is_ipv6())
                            {
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
                            let text_packet = nft_eval::Packet {
                                iif: in_link.map(|l| policy.link_name(l)),
                                oif: out_link.map(|l| policy.link_name(l)),
                                src: *src,
                                dst: *dst,
                                protocol,
                                value,
                            };
                            let text = ruleset.evaluate(&text_packet, route);
                            let filtered = match policy.translate(&packet) {
                                Some((_, rewritten)) => rewritten,
                                None => packet,
                            };
                            let decision = policy.decide(&filtered);
                            let what = format!("{packet:?} ({filtered:?})");
                            assert_eq!(text.chain, decision.chain.as_str(), "chain of {what}");
                            assert_eq!(
                                text.accept,
                                decision.action.accepts(),
                                "verdict on {what}: text {text:?}, policy {decision:?}"
                            );
                            let expected =
                                expected_comment(&policy, decision.chain, decision.decider);
                            match (&expected, &text.comment) {
                                (Some(e), Some(c)) if e == "built-in" => {
                                    assert!(c.starts_with("built-in"), "{what}: {c}")
                                }
                                (Some(e), Some(c)) => assert_eq!(e, c, "deciding rule of {what}"),
                                (None, Some(c)) => assert!(
                                    c.starts_with("policy "),
                                    "{what}: decided by {c}, policy expected"
                                ),
                                (None, None) => {}
                                (Some(e), None) => panic!("{what}: policy decided, {e} expected"),
                            }
                            if let Some(c) = &text.comment {
                                assert!(
                                    !dead.contains(c),
                                    "{what}: decided by {c}, which the analyser calls dead"
                                );
                            }
                            // The zone matrix covers every directly addressed accept but the built-in ones.
                            let built_in = text
                                .comment
                                .as_deref()
                                .is_some_and(|c| c.starts_with("built-in"));
                            if text.accept && text.dnat.is_none() && !built_in {
                                let zone = |l: Option<Link>| match l {
                                    Some(Link::Interface(i)) => {
                                        Some(policy.interfaces[i].zone.clone())
                                    }
                                    None => Some("router".to_string()),
                                    Some(_) => None,
                                };
                                if let (Some(a), Some(b)) = (zone(in_link), zone(out_link)) {
                                    if let Some(r) = reach.get(&(a.clone(), b.clone())) {
                                        assert!(
                                            r.l4.contains(l4_key(protocol, value)),
                                            "{what} accepted but {a} -> {b} allows only {:?}",
                                            describe_l4(&r.l4)
                                        );
                                    }
                                }
                            }
                            compared += 1;
                        }
                    }
                }
            }
        }
        // Every region the analyser classifies is decided as `decide` says at its samples.
        for chain in Chain::ALL {
            for family in [infrac_model::IpFamily::Ipv4, infrac_model::IpFamily::Ipv6] {
                let universe = policy::Region::universe(family, policy.link_count());
                for (decider, pieces) in policy.classify(chain, &universe) {
                    for piece in pieces.iter().take(50) {
                        let sample = |f: Field| piece.get(f).first().unwrap_or_default();
                        let in_link = policy.link_at(sample(Field::InLink) as usize);
                        let out_link = policy.link_at(sample(Field::OutLink) as usize);
                        let address = |v: u128| match family {
                            infrac_model::IpFamily::Ipv4 => IpAddr::V4(Ipv4Addr::from(v as u32)),
                            infrac_model::IpFamily::Ipv6 => IpAddr::V6(Ipv6Addr::from(v)),
                        };
                        let key = sample(Field::L4);
                        let packet = Packet {
                            in_link: (chain != Chain::Output).then_some(in_link),
                            out_link: (chain != Chain::Input).then_some(out_link),
                            source: address(sample(Field::Source)),
                            destination: address(sample(Field::Destination)),
                            protocol: (key >> 16) as u8,
                            value: (key & 0xffff) as u16,
                            dnat: sample(Field::Dnat) == 1,
                        };
                        assert_eq!(
                            policy.decide(&packet).decider,
                            decider,
                            "{chain} {packet:?}"
                        );
                    }
                }
            }
        }
    }
    compared
}

#[test]
fn orion_and_fixtures_agree_with_the_ruleset() {
    for (name, relative) in common::labs() {
        let model = common::load(&relative);
        if NftablesTarget.emit(&model).is_err() {
            continue;
        }
        let n = compare(&model);
        assert!(
            n > 1000 || model.firewalls.is_empty(),
            "{name}: only {n} packets compared"
        );
    }
}

/// A lab around a random firewall: WAN by DHCP, a dual-stack LAN, an IPv4 DMZ with a
/// web server, a network the router has no interface on, optional BGP peers.
fn random_lab(policies: [&str; 3], rules: &[String], bgp: bool) -> String {
    let mut text = String::from(
        r#"site lab { ipv4 = 10.0.0.0/8, ipv6 = 2001:db8:7::/48 }
host pve {
  bridge vmbr0 {}
  bridge vmbr1 {}
  bridge vmbr2 {}
  bridge vmbr3 {}
  storage local-lvm { kind = lvmthin, size = 1TiB }
}
network wan { bridge = vmbr0, uplink = true }
network lan { bridge = vmbr1, ipv4 = 10.0.10.0/24, gateway = 10.0.10.1, ipv6 = 2001:db8:7:10::/64, gateway6 = 2001:db8:7:10::1 }
network dmz { bridge = vmbr2, ipv4 = 10.0.20.0/24, gateway = 10.0.20.1 }
network iso { bridge = vmbr3, ipv4 = 10.0.30.0/24 }
vm router 200 on pve {
  os = nixos("24.11")
  cores = 1
  memory = 1GiB
  disk = 4GiB on local-lvm
  nic wan { dhcp = true }
  nic lan { ip = lan.gateway, ip6 = lan.gateway6 }
  nic dmz { ip = dmz.gateway }
}
lxc web 1000 on pve {
  cores = 1
  memory = 512MiB
  disk = 4GiB on local-lvm
  nic dmz { ip = 10.0.20.10 }
}
"#,
    );
    if bgp {
        text.push_str(
            "bgp on router {\n  asn = 65001\n  router_id = 10.0.10.1\n  announce = [2001:db8:7::/48]\n  peer a { neighbor = 198.51.100.1, asn = 65000 }\n  peer b { neighbor = 2001:db8:ffff::1, asn = 65000, multihop = 2 }\n}\n",
        );
    }
    text.push_str(&format!(
        "firewall on router {{\n  policy input = {}\n  policy forward = {}\n  policy output = {}\n",
        policies[0], policies[1], policies[2]
    ));
    // A port is forwarded once from a zone (E0569): a forward drawn again is left out.
    let mut forwards = std::collections::BTreeSet::new();
    for r in rules {
        if r.starts_with("forward ") && !forwards.insert(r.as_str()) {
            continue;
        }
        text.push_str("  ");
        text.push_str(r);
        text.push('\n');
    }
    text.push_str("}\n");
    text
}

fn arb_rule() -> impl Strategy<Value = String> {
    let zones = prop::sample::select(vec!["wan", "lan", "dmz", "iso", "router", "any"]);
    let ports = prop::sample::subsequence(
        vec![
            "tcp/22",
            "tcp/80",
            "tcp/1000..2000",
            "udp/53",
            "tcp/179",
            "icmp",
            "icmpv6",
            "ping",
        ],
        0..3,
    );
    let sources = prop::sample::select(vec![
        "",
        " from 10.0.10.0/25",
        " from [203.0.113.7, 2001:db8:7:10::/64]",
        " from bgp.peers",
    ]);
    let forward = prop::sample::select(vec![
        "forward wan tcp/443 -> web:8443",
        "forward wan udp/27015..27020 -> web:27015",
        "forward lan tcp/8080 -> web:80",
    ]);
    prop_oneof![
        4 => (any::<bool>(), zones.clone(), zones, ports, sources).prop_map(|(allow, from, to, ports, sources)| {
            format!(
                "{} {from} -> {to} {}{sources}",
                if allow { "allow" } else { "deny" },
                ports.join(", ")
            )
        }),
        1 => forward.prop_map(str::to_string),
    ]
}

/// A forward the generator draws twice is written once: the lab stays free of E0569.
#[test]
fn a_forward_drawn_twice_is_written_once() {
    let forward = "forward lan tcp/8080 -> web:80".to_string();
    let text = random_lab(["accept"; 3], &[forward.clone(), forward], false);
    let model = common::model_of("random.infra", &text);
    assert!(compare(&model) > 0);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]
    #[test]
    fn random_firewalls_agree_with_their_ruleset(
        policies in prop::array::uniform3(prop::sample::select(vec!["accept", "drop", "reject"])),
        rules in prop::collection::vec(arb_rule(), 0..7),
        bgp in any::<bool>(),
    ) {
        let text = random_lab(policies, &rules, bgp);
        let model = common::model_of("random.infra", &text);
        prop_assert!(compare(&model) > 0);
    }
}
