//! The view-model of one ruleset: every rule line decided here, from the compiled policy.

use crate::hardening;
use infrac_model::policy::{
    self, Action, AddrSet, Chain, Links, Origin, Policy, PolicyRule, Snat, Sources, L4,
};
use infrac_model::{IpFamily, Protocol};
use ipnet::IpNet;
use serde::Serialize;
use std::collections::BTreeSet;
use std::net::IpAddr;

/// The whole `nftables/<router>.nft` file.
#[derive(Debug, Serialize)]
pub(crate) struct Ruleset {
    pub source: String,
    pub router: String,
    /// How the interface names below come about, for the header.
    pub interfaces_note: &'static str,
    pub interfaces: Vec<InterfaceView>,
    pub sets: Vec<SetView>,
    pub chains: Vec<ChainView>,
    pub nat: Vec<NatView>,
}

/// One router interface, for the header.
#[derive(Debug, Serialize)]
pub(crate) struct InterfaceView {
    pub name: String,
    pub zone: String,
    pub network: String,
}

/// A named set of the filter table.
#[derive(Debug, Serialize)]
pub(crate) struct SetView {
    pub name: String,
    pub ty: &'static str,
    /// Statements after the type (`flags dynamic; …`), for the meters.
    pub flags: Option<&'static str>,
    pub elements: Vec<String>,
}

/// A base chain with its rule lines (comments start with `#`).
#[derive(Debug, Serialize)]
pub(crate) struct ChainView {
    pub name: &'static str,
    pub hook: &'static str,
    pub kind: &'static str,
    pub priority: &'static str,
    pub policy: &'static str,
    pub lines: Vec<String>,
}

/// A NAT table (`ip nat` or `ip6 nat`).
#[derive(Debug, Serialize)]
pub(crate) struct NatView {
    pub family: &'static str,
    pub chains: Vec<ChainView>,
}

/// The name of a zone's interface set.
pub(crate) fn zone_set(zone: &str) -> String {
    let clean: String = zone
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("zone_{clean}")
}

fn family_suffix(family: IpFamily) -> &'static str {
    match family {
        IpFamily::Ipv4 => "v4",
        IpFamily::Ipv6 => "v6",
    }
}

fn address_keyword(family: IpFamily) -> &'static str {
    match family {
        IpFamily::Ipv4 => "ip",
        IpFamily::Ipv6 => "ip6",
    }
}

fn quoted(name: &str) -> String {
    format!("\"{}\"", infrac_templates::text::nft_string(name))
}

/// `a` or `{ a, b }`.
fn one_or_set(items: &[String]) -> String {
    match items {
        [one] => one.clone(),
        _ => format!("{{ {} }}", items.join(", ")),
    }
}

fn prefix_text(net: &IpNet) -> String {
    if net.prefix_len() == net.max_prefix_len() {
        net.addr().to_string()
    } else {
        net.to_string()
    }
}

/// nft's names for ICMP types, where it has one.
fn icmp_type_name(v6: bool, t: u8) -> String {
    let name = match (v6, t) {
        (false, 0) => "echo-reply",
        (false, 3) => "destination-unreachable",
        (false, 5) => "redirect",
        (false, 8) => "echo-request",
        (false, 9) => "router-advertisement",
        (false, 10) => "router-solicitation",
        (false, 11) => "time-exceeded",
        (false, 12) => "parameter-problem",
        (true, 1) => "destination-unreachable",
        (true, 2) => "packet-too-big",
        (true, 3) => "time-exceeded",
        (true, 4) => "parameter-problem",
        (true, 128) => "echo-request",
        (true, 129) => "echo-reply",
        (true, 130) => "mld-listener-query",
        (true, 131) => "mld-listener-report",
        (true, 132) => "mld-listener-done",
        (true, 133) => "nd-router-solicit",
        (true, 134) => "nd-router-advert",
        (true, 135) => "nd-neighbor-solicit",
        (true, 136) => "nd-neighbor-advert",
        (true, 137) => "nd-redirect",
        (true, 143) => "mld2-listener-report",
        _ => return t.to_string(),
    };
    name.to_string()
}

/// The layer-4 matches of a rule, one per line it becomes (a line matches one protocol
/// family of conditions; the rule matches when any line does). Empty: no condition.
fn l4_matches(l4: &[L4], family: Option<IpFamily>) -> Vec<String> {
    let v4 = family != Some(IpFamily::Ipv6);
    let v6 = family != Some(IpFamily::Ipv4);
    let mut out = Vec::new();
    for protocol in [Protocol::Tcp, Protocol::Udp, Protocol::Sctp] {
        let ports: Vec<String> = l4
            .iter()
            .filter_map(|l| match l {
                L4::Port(p) if p.protocol == protocol => Some((p.first, p.last)),
                _ => None,
            })
            .collect::<BTreeSet<_>>()
            .into_iter()
            .map(|(first, last)| {
                if first == last {
                    first.to_string()
                } else {
                    format!("{first}-{last}")
                }
            })
            .collect();
        if !ports.is_empty() {
            out.push(format!(
                "{} dport {}",
                protocol.as_str(),
                one_or_set(&ports)
            ));
        }
    }
    let icmp_all = v4 && l4.iter().any(|l| matches!(l, L4::Icmp(t) if t.is_empty()));
    let icmp6_all = v6
        && l4
            .iter()
            .any(|l| matches!(l, L4::Icmpv6(t) if t.is_empty()));
    match (icmp_all, icmp6_all) {
        (true, true) => out.push("meta l4proto { icmp, ipv6-icmp }".into()),
        (true, false) => out.push("meta l4proto icmp".into()),
        (false, true) => out.push("meta l4proto ipv6-icmp".into()),
        (false, false) => {}
    }
    let typed = |v6_types: bool| -> Vec<String> {
        let mut types: Vec<u8> = l4
            .iter()
            .filter_map(|l| match l {
                L4::Icmp(t) if !v6_types => Some(t.clone()),
                L4::Icmpv6(t) if v6_types => Some(t.clone()),
                _ => None,
            })
            .flatten()
            .collect();
        types.sort_unstable();
        types.dedup();
        types
            .into_iter()
            .map(|t| icmp_type_name(v6_types, t))
            .collect()
    };
    if v4 && !icmp_all {
        let types = typed(false);
        if !types.is_empty() {
            out.push(format!("icmp type {}", one_or_set(&types)));
        }
    }
    if v6 && !icmp6_all {
        let types = typed(true);
        if !types.is_empty() {
            out.push(format!("icmpv6 type {}", one_or_set(&types)));
        }
    }
    out
}

fn links_match(policy: &Policy, links: &Links, keyword: &str) -> Option<String> {
    match links {
        Links::Any => None,
        Links::Zone(z) => Some(format!("{keyword} @{}", zone_set(z))),
        Links::Loopback => Some(format!("{keyword} \"lo\"")),
        Links::Interface(i) => Some(format!("{keyword} {}", quoted(&policy.interfaces[*i].name))),
    }
}

fn set_match(keyword: &str, negate: bool, set: &AddrSet, family: IpFamily) -> String {
    let op = if negate { "!= " } else { "" };
    match set.name {
        Some(name) => format!("{keyword} {op}@{name}_{}", family_suffix(family)),
        None => {
            let items: Vec<String> = set.prefixes.iter().map(prefix_text).collect();
            format!("{keyword} {op}{}", one_or_set(&items))
        }
    }
}

fn verdict(action: Action) -> &'static str {
    match action {
        Action::Accept => "accept",
        Action::Drop => "counter drop",
        Action::Reject => "counter reject with icmpx admin-prohibited",
    }
}

/// The comment naming where a rule comes from.
fn comment(policy: &Policy, rule: &PolicyRule) -> String {
    match (rule.origin, rule.span) {
        (Origin::Builtin(b), _) => builtin_label(b).to_string(),
        (_, Some(span)) => policy::source_line(policy.model, span),
        (_, None) => String::new(),
    }
}

/// The short comment of a built-in rule.
pub(crate) fn builtin_label(builtin: policy::Builtin) -> &'static str {
    match builtin {
        policy::Builtin::Loopback => "built-in: loopback",
        policy::Builtin::IcmpEssentials => "built-in: icmp essentials",
        policy::Builtin::DhcpClient => "built-in: dhcp client",
        policy::Builtin::BgpGuard => "built-in: bgp from declared peers only",
        policy::Builtin::AntiSpoofing => "built-in: anti-spoofing",
        policy::Builtin::UplinkIcmpGuard => "built-in: icmp never accepted from an uplink",
    }
}

/// The nft lines of one compiled rule.
fn rule_lines(policy: &Policy, rule: &PolicyRule) -> Vec<String> {
    let note = comment(policy, rule);
    if rule.matches_nothing() {
        return vec![format!("# {note}: matches no traffic on this router")];
    }
    let mut head: Vec<String> = Vec::new();
    head.extend(links_match(policy, &rule.in_links, "iifname"));
    head.extend(links_match(policy, &rule.out_links, "oifname"));
    if rule.dnat {
        head.push("ct status dnat".into());
    }
    if let Some(family) = rule.family {
        let keyword = address_keyword(family);
        let mut addressed = false;
        match &rule.sources {
            Sources::Any => {}
            Sources::In(set) => {
                head.push(set_match(&format!("{keyword} saddr"), false, set, family));
                addressed = true;
            }
            Sources::NotIn(set) if set.name.is_some() || !set.prefixes.is_empty() => {
                head.push(set_match(&format!("{keyword} saddr"), true, set, family));
                addressed = true;
            }
            Sources::NotIn(_) => {}
        }
        if let Some(d) = rule.destination {
            head.push(format!("{keyword} daddr {d}"));
            addressed = true;
        }
        if !addressed {
            head.push(format!(
                "meta nfproto {}",
                match family {
                    IpFamily::Ipv4 => "ipv4",
                    IpFamily::Ipv6 => "ipv6",
                }
            ));
        }
    }
    let tail = format!("{} comment {}", verdict(rule.action), quoted(&note));
    let mut l4 = l4_matches(&rule.l4, rule.family);
    if rule.origin == Origin::Builtin(policy::Builtin::DhcpClient) {
        // Only a server's replies: DHCPv4 servers send from port 67, DHCPv6 from 547.
        for m in &mut l4 {
            *m = m
                .replace("udp dport 68", "udp sport 67 udp dport 68")
                .replace("udp dport 546", "udp sport 547 udp dport 546");
        }
    }
    let mut lines = Vec::new();
    if l4.is_empty() {
        head.push(tail);
        lines.push(head.join(" "));
    } else {
        for m in l4 {
            let mut parts = head.clone();
            parts.push(m);
            parts.push(tail.clone());
            lines.push(parts.join(" "));
        }
    }
    lines
}

fn filter_chain(policy: &Policy, chain: Chain) -> ChainView {
    let rules = policy.rules(chain);
    let spoofing = |r: &PolicyRule| r.origin == Origin::Builtin(policy::Builtin::AntiSpoofing);
    // Anti-spoofing comes before connection tracking, so a forged packet cannot ride an
    // established connection either.
    let mut lines: Vec<String> = rules
        .iter()
        .filter(|r| spoofing(r) && !r.matches_nothing())
        .flat_map(|r| rule_lines(policy, r))
        .collect();
    // Echo requests of one ping share a connection, so the rate limits come before
    // connection tracking accepts the second one.
    if chain == Chain::Input && policy.hardened() {
        lines.extend(hardening::rate_limits(policy));
    }
    lines.push("ct state established,related accept".to_string());
    lines.push("ct state invalid counter drop".to_string());
    for (i, rule) in rules.iter().enumerate() {
        if spoofing(rule) {
            continue;
        }
        // A rule split by address family may match nothing in one family; that is only
        // worth a line when no part of it matches anything in this chain.
        // Looked for only when the rule matches nothing: a search per rule is quadratic
        // in the rules.
        let siblings = || rules.iter().filter(|r| r.origin == rule.origin);
        let first_sibling = || rules.iter().position(|r| r.origin == rule.origin) == Some(i);
        if rule.matches_nothing() && (siblings().any(|r| !r.matches_nothing()) || !first_sibling())
        {
            continue;
        }
        lines.extend(rule_lines(policy, rule));
    }
    let action = policy.policy(chain);
    if action != Action::Accept {
        lines.extend(hardening::policy_drop_log(chain));
    }
    if action == Action::Reject {
        lines.push(format!(
            "{} comment \"policy {} = reject\"",
            verdict(Action::Reject),
            chain.as_str()
        ));
    }
    ChainView {
        name: chain.as_str(),
        hook: chain.as_str(),
        kind: "filter",
        priority: "filter",
        policy: if action == Action::Accept {
            "accept"
        } else {
            "drop"
        },
        lines,
    }
}

fn interface_list(policy: &Policy, zones: &[String]) -> Vec<String> {
    policy
        .interfaces
        .iter()
        .filter(|i| zones.contains(&i.zone))
        .map(|i| quoted(&i.name))
        .collect()
}

fn snat_line(policy: &Policy, snat: &Snat) -> String {
    let from = interface_list(policy, &snat.zones);
    let to = interface_list(policy, std::slice::from_ref(&snat.to));
    let note = policy::source_line(policy.model, snat.span);
    if from.is_empty() || to.is_empty() {
        return format!("# {note}: no interface of these zones on this router");
    }
    let mut parts = vec![
        format!("iifname {}", one_or_set(&from)),
        format!("oifname {}", one_or_set(&to)),
    ];
    if !snat.prefixes.is_empty() {
        let items: Vec<String> = snat.prefixes.iter().map(prefix_text).collect();
        parts.push(format!("ip6 saddr {}", one_or_set(&items)));
    }
    parts.push(format!("masquerade comment {}", quoted(&note)));
    parts.join(" ")
}

fn nat_tables(policy: &Policy) -> Vec<NatView> {
    let mut out = Vec::new();
    for family in [IpFamily::Ipv4, IpFamily::Ipv6] {
        let mut prerouting = Vec::new();
        if family == IpFamily::Ipv4 {
            for d in &policy.dnat {
                let note = policy::source_line(policy.model, d.span);
                let zone = interface_list(policy, std::slice::from_ref(&d.zone));
                let mut parts = Vec::new();
                if !d.zone.is_empty() {
                    if zone.is_empty() {
                        prerouting.push(format!(
                            "# {note}: no interface of zone {} on this router",
                            d.zone
                        ));
                        continue;
                    }
                    parts.push(format!("iifname {}", one_or_set(&zone)));
                }
                parts.push("fib daddr type local".into());
                let ports = if d.port.first == d.port.last {
                    d.port.first.to_string()
                } else {
                    format!("{}-{}", d.port.first, d.port.last)
                };
                parts.push(format!("{} dport {ports}", d.port.protocol.as_str()));
                // A range is forwarded port for port: without a port, the translation
                // keeps the one each packet was sent to.
                let to = if d.port.first == d.port.last {
                    format!("{}:{}", d.address, d.target_port)
                } else {
                    d.address.to_string()
                };
                parts.push(format!("dnat to {to} comment {}", quoted(&note)));
                prerouting.push(parts.join(" "));
            }
        }
        let postrouting: Vec<String> = policy
            .snat
            .iter()
            .filter(|s| s.family == family)
            .map(|s| snat_line(policy, s))
            .collect();
        if prerouting.is_empty() && postrouting.is_empty() {
            continue;
        }
        let mut chains = Vec::new();
        if !prerouting.is_empty() {
            chains.push(ChainView {
                name: "prerouting",
                hook: "prerouting",
                kind: "nat",
                priority: "dstnat",
                policy: "accept",
                lines: prerouting,
            });
        }
        if !postrouting.is_empty() {
            chains.push(ChainView {
                name: "postrouting",
                hook: "postrouting",
                kind: "nat",
                priority: "srcnat",
                policy: "accept",
                lines: postrouting,
            });
        }
        out.push(NatView {
            family: address_keyword(family),
            chains,
        });
    }
    out
}

fn sets(policy: &Policy) -> Vec<SetView> {
    let mut zones: Vec<String> = policy.zones();
    let mut referenced = BTreeSet::new();
    for chain in Chain::ALL {
        for rule in policy.rules(chain) {
            for links in [&rule.in_links, &rule.out_links] {
                if let Links::Zone(z) = links {
                    referenced.insert(z.clone());
                }
            }
        }
    }
    for z in referenced {
        if !zones.contains(&z) {
            zones.push(z);
        }
    }
    let mut out: Vec<SetView> = zones
        .iter()
        .map(|z| SetView {
            name: zone_set(z),
            ty: "ifname",
            flags: None,
            elements: policy
                .zone_interfaces(z)
                .into_iter()
                .map(|i| quoted(&policy.interfaces[i].name))
                .collect(),
        })
        .collect();
    if let Some(peers) = &policy.bgp_peers {
        for family in [IpFamily::Ipv4, IpFamily::Ipv6] {
            let mut elements: Vec<IpAddr> = peers
                .iter()
                .copied()
                .filter(|a| policy::family_of(*a) == family)
                .collect();
            elements.sort();
            elements.dedup();
            out.push(SetView {
                name: format!("bgp_peers_{}", family_suffix(family)),
                ty: match family {
                    IpFamily::Ipv4 => "ipv4_addr",
                    IpFamily::Ipv6 => "ipv6_addr",
                },
                flags: None,
                elements: elements.iter().map(IpAddr::to_string).collect(),
            });
        }
    }
    out.extend(hardening::meter_sets(policy));
    out
}

/// The view of one firewall's ruleset.
pub(crate) fn ruleset(policy: &Policy) -> Ruleset {
    let model = policy.model;
    let source = policy::source_line(model, policy.firewall.span);
    let source = infrac_templates::text::comment_safe(source.split(':').next().unwrap_or_default());
    Ruleset {
        source,
        router: model.machine(policy.router).name.clone(),
        interfaces_note: if model.machine(policy.router).guest.is_some() {
            "the guest's NICs in order: ens18, ens19, ... for a VM, eth0, ... for a container"
        } else {
            "the machine's NICs, by their declared names"
        },
        interfaces: policy
            .interfaces
            .iter()
            .map(|i| InterfaceView {
                name: i.name.clone(),
                zone: i.zone.clone(),
                network: model.network(i.network).name.clone(),
            })
            .collect(),
        sets: sets(policy),
        chains: Chain::ALL
            .iter()
            .map(|&c| filter_chain(policy, c))
            .collect(),
        nat: nat_tables(policy),
    }
}
