//! `/etc/config/firewall`: the router's zone firewall for fw4, OpenWrt's nftables
//! firewall since 22.03, compiled from the shared policy semantics in
//! [`infrac_model::policy`] (the rules nftables, the analyser and `explain-flow` use).
//!
//! Section and option names are fw4's (openwrt/firewall4 `fw4.uc`, the 25.12 series:
//! `parse_defaults`, `parse_zone`, `parse_forwarding`, `parse_rule`, `parse_redirect`),
//! documented at <https://openwrt.org/docs/guide-user/firewall/firewall_configuration>.
//!
//! What fw4 makes of them (its `ruleset.uc` template) decides the mapping:
//! - a chain checks, in this order: loopback, rules whose source is `*` (in file
//!   order), then the rules of the packet's zone (source zone for input and forward,
//!   destination zone for output), then for forwarding the zone's `config forwarding`
//!   sections (fw4 reads every `config rule` before any `config forwarding`), then the
//!   zone's accepted port forwards (`ct status dnat accept`), then the zone's policy;
//!   packets on no zone get the `config defaults` policy.
//! - so every zone's `input`, `output` and `forward` and the defaults are the firewall's
//!   three chain policies, and each compiled rule lands in the group its zones choose.
//!
//! The policy's rules are ordered across those groups; fw4's order is fixed. The target
//! therefore checks, over the whole packet space of each chain, that fw4's order decides
//! every packet as the policy does. An `allow A -> B` without ports is written as a
//! `config forwarding` where its later place changes nothing, else as an equivalent
//! `config rule`; any other difference is an error (E1301) naming the two rules, never a
//! file that filters differently.

use crate::network::Layout;
use crate::uci::Section;
use crate::Problems;
use infrac_diagnostics::{Code, Diagnostic, Span};
use infrac_model::policy::{
    self, Action, Chain, Field, Links, Origin, Policy, PolicyRule, Ranges, Region, Route, Sources,
    L4,
};
use infrac_model::{FilterRule, IpFamily, Protocol, Zone};
use ipnet::IpNet;
use std::collections::BTreeSet;
use std::net::IpAddr;

/// Where fw4 puts a compiled rule within its chain, in evaluation order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Place {
    /// fw4's own loopback accept, and what it shadows: nothing is written.
    Implicit,
    /// A rule whose source (input, forward) or destination (output) is `*`.
    Global,
    /// A `config rule` of one zone.
    ZoneRule,
    /// A `config forwarding`.
    Forwarding,
    /// The zone's `ct status dnat accept`, written as a `config redirect`.
    Dnat,
}

/// The placement of every compiled rule of the three chains.
struct Plan {
    places: [Vec<Place>; 3],
}

impl Plan {
    fn place(&self, chain: Chain, index: usize) -> Place {
        self.places[chain as usize][index]
    }
}

/// The sections of `/etc/config/firewall`, or the diagnostics of what fw4 cannot express.
pub fn sections(policy: &Policy, layout: &Layout, problems: &mut Problems) -> Vec<Section> {
    let before = problems.len();
    check_expressible(policy, problems);
    let plan = plan(policy, problems);
    if problems.len() > before {
        return Vec::new();
    }
    let mut out = vec![defaults(policy)];
    out.extend(zones(policy, layout, problems));
    out.extend(rules(policy, layout, &plan));
    out
}

fn verdict(action: Action) -> &'static str {
    match action {
        Action::Accept => "ACCEPT",
        Action::Drop => "DROP",
        Action::Reject => "REJECT",
    }
}

fn defaults(policy: &Policy) -> Section {
    Section::new("defaults")
        .note("packets on no zone; every zone repeats these policies")
        .option("input", verdict(policy.policy(Chain::Input)))
        .option("output", verdict(policy.policy(Chain::Output)))
        .option("forward", verdict(policy.policy(Chain::Forward)))
        // The policy drops invalid packets before any rule.
        .option("drop_invalid", 1)
}

/// fw4's zone names (`parse_identifier`).
fn is_zone_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b"_.".contains(&b))
        && bytes.all(|b| b.is_ascii_alphanumeric() || b"/_.-".contains(&b))
}

fn zones(policy: &Policy, layout: &Layout, problems: &mut Problems) -> Vec<Section> {
    let model = policy.model;
    let mut out = Vec::new();
    for zone in policy.zones() {
        let ifaces: Vec<&crate::network::Iface> = policy
            .zone_interfaces(&zone)
            .into_iter()
            .filter_map(|i| layout.of_nic(policy.interfaces[i].nic))
            .collect();
        if !is_zone_name(&zone) {
            let span = ifaces
                .first()
                .map_or(policy.firewall.span, |i| model.network(i.network).span);
            problems.push(
                Diagnostic::error(
                    Code::OPENWRT_CONFIG,
                    format!("`{zone}` cannot name an OpenWrt firewall zone"),
                    span,
                    "fw4 zone names start with a letter, `_` or `.`",
                )
                .with_help("rename the zone"),
            );
            continue;
        }
        let mut networks: Vec<&str> = Vec::new();
        for iface in &ifaces {
            for name in iface.names() {
                if !networks.contains(&name.as_str()) {
                    networks.push(name.as_str());
                }
            }
        }
        let mut s = Section::new("zone")
            .option("name", &zone)
            .list("network", networks)
            .option("input", verdict(policy.policy(Chain::Input)))
            .option("output", verdict(policy.policy(Chain::Output)))
            .option("forward", verdict(policy.policy(Chain::Forward)));
        let snat: Vec<&policy::Snat> = policy.snat.iter().filter(|s| s.to == zone).collect();
        if snat.iter().any(|s| s.family == IpFamily::Ipv4) {
            s = s.option("masq", 1);
        }
        if snat.iter().any(|s| s.family == IpFamily::Ipv6) {
            s = s.option("masq6", 1);
        }
        let mut sources: Vec<IpNet> = Vec::new();
        let mut restricted = true;
        for snat in &snat {
            match snat.family {
                IpFamily::Ipv4 => {
                    for iface in policy
                        .interfaces
                        .iter()
                        .filter(|i| snat.zones.contains(&i.zone))
                    {
                        match model.network(iface.network).ipv4 {
                            Some(p) => sources.push(IpNet::V4(p.value)),
                            None => restricted = false,
                        }
                    }
                }
                IpFamily::Ipv6 => sources.extend(&snat.prefixes),
            }
        }
        if restricted {
            let mut seen = BTreeSet::new();
            sources.retain(|p| seen.insert(*p));
            s = s.list("masq_src", sources);
        }
        out.push(s);
    }
    out
}

/// The compiled rules fw4 cannot write at all.
fn check_expressible(policy: &Policy, problems: &mut Problems) {
    for &i in &policy.unresolved_forwards {
        let forward = &policy.firewall.forwards[i];
        let target = policy.model.machine(forward.target);
        problems.push(
            Diagnostic::error(
                Code::OPENWRT_FORWARD_WITHOUT_ADDRESS,
                format!(
                    "OpenWrt cannot forward to `{}`: it has no static IPv4 address",
                    target.name
                ),
                forward.span,
                "a redirect needs a fixed address to rewrite to",
            )
            .with_label(
                target.name_span,
                format!("`{}` is declared here", target.name),
            )
            .with_help(format!(
                "give `{}` a static address on one of its networks: `nic NETWORK {{ ip = … }}`",
                target.name
            )),
        );
    }
    for d in &policy.dnat {
        let forward = &policy.firewall.forwards[d.forward];
        if d.zone.is_empty() {
            problems.push(
                Diagnostic::error(
                    Code::OPENWRT_FIREWALL,
                    "OpenWrt cannot forward a port from every zone",
                    forward.from.span,
                    "fw4 redirects need one source zone",
                )
                .with_help("write one `forward` per zone the port is forwarded from"),
            );
        }
        if policy.route(IpAddr::V4(d.address)) == Route::Local {
            problems.push(
                Diagnostic::error(
                    Code::OPENWRT_FIREWALL,
                    "OpenWrt's port forwards to the router itself are not modelled",
                    forward.span,
                    "this forwards to the router's own address",
                )
                .with_help("open the port to the zone instead: `allow ZONE -> router tcp/PORT`"),
            );
        }
        if d.port.protocol == Protocol::Sctp {
            problems.push(sctp_ports(forward.port.span));
        }
    }
    for chain in Chain::ALL {
        for rule in policy.rules(chain) {
            let partial_sctp = rule.l4.iter().any(|l| {
                matches!(l, L4::Port(p) if p.protocol == Protocol::Sctp && (p.first, p.last) != (0, u16::MAX))
            });
            if partial_sctp && !rule.matches_nothing() && !matches!(rule.origin, Origin::Forward(_))
            {
                problems.push(sctp_ports(rule.span.unwrap_or(policy.firewall.span)));
            }
        }
    }
    problems.dedup();
}

fn sctp_ports(span: Span) -> Diagnostic {
    Diagnostic::error(
        Code::OPENWRT_FIREWALL,
        "OpenWrt's firewall cannot match SCTP ports",
        span,
        "fw4 matches ports of TCP and UDP only, and would match every SCTP port here",
    )
    .with_help("match all of SCTP with `sctp/0..65535`, or leave SCTP out of the rule")
}

/// Whether a compiled rule can be a `config forwarding`: an accept between two zones of
/// everything.
fn forwarding_shape(rule: &PolicyRule) -> bool {
    matches!(rule.origin, Origin::Rule(_))
        && rule.action == Action::Accept
        && matches!(rule.in_links, Links::Zone(_))
        && matches!(rule.out_links, Links::Zone(_))
        && rule.family.is_none()
        && rule.sources == Sources::Any
        && rule.l4.is_empty()
        && !rule.dnat
}

/// Places every compiled rule, demoting forwardings whose later place would change a
/// verdict, and reports the conflicts fw4's order cannot avoid.
fn plan(policy: &Policy, problems: &mut Problems) -> Plan {
    let mut places: [Vec<Place>; 3] = Default::default();
    for chain in Chain::ALL {
        places[chain as usize] = policy
            .rules(chain)
            .iter()
            .map(|rule| initial_place(chain, rule))
            .collect();
    }
    let mut plan = Plan { places };
    loop {
        let mut demoted = false;
        let mut conflicts = Vec::new();
        for chain in Chain::ALL {
            for (a, b) in conflicts_of(policy, &plan, chain) {
                let mut demote = |i: Option<usize>| {
                    if let Some(i) = i {
                        if plan.places[chain as usize][i] == Place::Forwarding {
                            plan.places[chain as usize][i] = Place::ZoneRule;
                            demoted = true;
                        }
                    }
                };
                demote(a);
                demote(b);
                conflicts.push((chain, a, b));
            }
        }
        if demoted {
            continue;
        }
        let mut reported = BTreeSet::new();
        for (chain, a, b) in conflicts {
            let rules = policy.rules(chain);
            let (Some(a), Some(b)) = (a, b) else { continue };
            let (earlier, jumped) = (&rules[a], &rules[b]);
            if !reported.insert((earlier.origin, jumped.origin)) {
                continue;
            }
            problems.push(order_conflict(policy, &plan, chain, earlier, jumped, a, b));
        }
        return plan;
    }
}

fn initial_place(chain: Chain, rule: &PolicyRule) -> Place {
    if matches!(rule.origin, Origin::Builtin(policy::Builtin::Loopback)) {
        return Place::Implicit;
    }
    let side = match chain {
        Chain::Input | Chain::Forward => &rule.in_links,
        Chain::Output => &rule.out_links,
    };
    match (chain, rule.origin, side) {
        (Chain::Forward, Origin::Forward(_), _) => Place::Dnat,
        (_, _, Links::Loopback) => Place::Implicit,
        (_, _, Links::Zone(_)) if chain == Chain::Forward && forwarding_shape(rule) => {
            Place::Forwarding
        }
        (_, _, Links::Zone(_)) => Place::ZoneRule,
        (_, _, Links::Any | Links::Interface(_)) => Place::Global,
    }
}

/// The packets of a chain that can occur: new connections addressed directly, and for
/// forwarding the rewritten packets of the port forwards.
fn packet_space(policy: &Policy, chain: Chain) -> Vec<Region> {
    let mut out: Vec<Region> = [IpFamily::Ipv4, IpFamily::Ipv6]
        .into_iter()
        .map(|f| Region::universe(f, policy.link_count()).with(Field::Dnat, &Ranges::single(0)))
        .collect();
    if chain == Chain::Forward {
        for rule in policy.rules(chain) {
            if rule.dnat {
                out.extend(rule.regions().iter().cloned());
            }
        }
    }
    out
}

/// First match over `order`: each deciding rule's share of `region`, then (`None`) what
/// falls through to the policy.
fn classify(
    rules: &[PolicyRule],
    order: &[usize],
    region: &Region,
) -> Vec<(Option<usize>, Vec<Region>)> {
    let mut remaining = vec![region.clone()];
    let mut out = Vec::new();
    for &i in order {
        if remaining.is_empty() {
            break;
        }
        let mut hits = Vec::new();
        for r in rules[i].regions() {
            hits.extend(remaining.iter().filter_map(|x| x.intersect(r)));
            policy::cut_out(&mut remaining, r);
        }
        if !hits.is_empty() {
            out.push((Some(i), hits));
        }
    }
    if !remaining.is_empty() {
        out.push((None, remaining));
    }
    out
}

/// Pairs (decider in the policy's order, decider in fw4's order) that decide some packet
/// differently.
fn conflicts_of(policy: &Policy, plan: &Plan, chain: Chain) -> Vec<(Option<usize>, Option<usize>)> {
    let rules = policy.rules(chain);
    let policy_order: Vec<usize> = (0..rules.len()).collect();
    let mut fw4_order = policy_order.clone();
    fw4_order.sort_by_key(|&i| (plan.place(chain, i), i));
    let action = |d: Option<usize>| d.map_or(policy.policy(chain), |i| rules[i].action);
    let mut out = Vec::new();
    for region in packet_space(policy, chain) {
        let ours = classify(rules, &policy_order, &region);
        let theirs = classify(rules, &fw4_order, &region);
        for (a, pa) in &ours {
            for (b, pb) in &theirs {
                if a == b || action(*a) == action(*b) || out.contains(&(*a, *b)) {
                    continue;
                }
                let overlap = pa
                    .iter()
                    .any(|x| pb.iter().any(|y| x.intersect(y).is_some()));
                if overlap {
                    out.push((*a, *b));
                }
            }
        }
    }
    out
}

fn order_conflict(
    policy: &Policy,
    plan: &Plan,
    chain: Chain,
    earlier: &PolicyRule,
    jumped: &PolicyRule,
    a: usize,
    b: usize,
) -> Diagnostic {
    let span = jumped.span.unwrap_or(policy.firewall.span);
    let line = earlier.span.map_or_else(
        || "a built-in rule".to_string(),
        |s| policy::source_line(policy.model, s),
    );
    let help = match (plan.place(chain, b), plan.place(chain, a)) {
        (Place::Global, _) => format!(
            "fw4 checks rules from `any` before every zone's own rules: move this rule above {line}, or write it once per zone"
        ),
        (_, Place::Dnat) => format!(
            "fw4 accepts forwarded ports only after the zone's rules: narrow this rule so it leaves the port forwarded at {line} alone"
        ),
        _ => format!("move this rule above {line}"),
    };
    let diagnostic = Diagnostic::error(
        Code::OPENWRT_FIREWALL,
        format!(
            "OpenWrt's firewall would check this rule before the one at {line} in the {} chain",
            chain.as_str()
        ),
        span,
        format!(
            "fw4 lets this rule {} traffic that the earlier rule {}s",
            jumped.action.as_str(),
            earlier.action.as_str()
        ),
    );
    match earlier.span {
        Some(at) => diagnostic
            .with_label(at, "the lab decides overlapping traffic here first")
            .with_help(help),
        None => diagnostic,
    }
}

/// A `from -> to ports` description of a filter rule, for section names.
fn describe(rule: &FilterRule) -> String {
    let zone = |z: &Zone| match z {
        Zone::Named(n) => n.clone(),
        Zone::Router => "router".into(),
        Zone::Any => "any".into(),
    };
    let mut text = format!(
        "{} {} -> {}",
        if rule.allow { "allow" } else { "deny" },
        zone(&rule.from.value),
        zone(&rule.to.value)
    );
    let what: Vec<String> = rule
        .ports
        .iter()
        .map(|p| {
            let p = p.value;
            if p.first == p.last {
                format!("{}/{}", p.protocol.as_str(), p.first)
            } else {
                format!("{}/{}..{}", p.protocol.as_str(), p.first, p.last)
            }
        })
        .chain(rule.protocols.iter().map(|p| p.value.clone()))
        .collect();
    if !what.is_empty() {
        text.push(' ');
        text.push_str(&what.join(", "));
    }
    if !rule.sources.is_empty() {
        text.push_str(" from listed sources");
    }
    text
}

/// The name of the sections written for a compiled rule.
fn rule_name(policy: &Policy, rule: &PolicyRule) -> String {
    match (rule.origin, rule.span) {
        (Origin::Builtin(b), _) => format!("built-in: {}", b.describe()),
        (Origin::Rule(i), Some(span)) => format!(
            "{} {}",
            policy::source_line(policy.model, span),
            describe(&policy.firewall.rules[i])
        ),
        (_, Some(span)) => policy::source_line(policy.model, span),
        (_, None) => String::new(),
    }
}

fn family_name(family: IpFamily) -> &'static str {
    match family {
        IpFamily::Ipv4 => "ipv4",
        IpFamily::Ipv6 => "ipv6",
    }
}

/// A port range as fw4 reads it (`parse_port`).
fn port_range(first: u16, last: u16) -> String {
    if first == last {
        first.to_string()
    } else {
        format!("{first}-{last}")
    }
}

/// The `config rule` sections of one compiled rule: one per protocol, since fw4 applies
/// a rule's ports to each of its protocols.
fn rule_sections(
    policy: &Policy,
    layout: &Layout,
    chain: Chain,
    rule: &PolicyRule,
) -> Vec<Section> {
    let zone_of = |links: &Links| match links {
        Links::Zone(z) => Some(z.clone()),
        _ => Some("*".to_string()),
    };
    let (src, dest) = match chain {
        Chain::Input => (zone_of(&rule.in_links), None),
        Chain::Forward => (zone_of(&rule.in_links), zone_of(&rule.out_links)),
        Chain::Output => (None, zone_of(&rule.out_links)),
    };
    let device = match rule.in_links {
        Links::Interface(i) => layout
            .of_nic(policy.interfaces[i].nic)
            .map(|iface| iface.device.clone()),
        _ => None,
    };
    let src_ip: Vec<String> = match &rule.sources {
        Sources::Any => Vec::new(),
        Sources::In(set) => set.prefixes.iter().map(IpNet::to_string).collect(),
        Sources::NotIn(set) => set.prefixes.iter().map(|p| format!("!{p}")).collect(),
    };
    // (proto, family, ports or ICMP types)
    let mut parts: Vec<(&str, Option<IpFamily>, Vec<String>, bool)> = Vec::new();
    if rule.l4.is_empty() {
        parts.push(("all", rule.family, Vec::new(), false));
    }
    for protocol in [Protocol::Tcp, Protocol::Udp, Protocol::Sctp] {
        let ports: Vec<String> = rule
            .l4
            .iter()
            .filter_map(|l| match l {
                L4::Port(p) if p.protocol == protocol => Some(port_range(p.first, p.last)),
                _ => None,
            })
            .collect();
        if !ports.is_empty() {
            let ports = if protocol == Protocol::Sctp {
                Vec::new()
            } else {
                ports
            };
            parts.push((protocol.as_str(), rule.family, ports, false));
        }
    }
    for l in &rule.l4 {
        let (proto, family, types) = match l {
            L4::Icmp(t) => ("icmp", IpFamily::Ipv4, t),
            L4::Icmpv6(t) => ("icmpv6", IpFamily::Ipv6, t),
            L4::Port(_) => continue,
        };
        if rule.family.is_some_and(|f| f != family) {
            continue;
        }
        parts.push((
            proto,
            Some(family),
            types.iter().map(u8::to_string).collect(),
            true,
        ));
    }
    let name = rule_name(policy, rule);
    parts
        .into_iter()
        .map(|(proto, family, values, icmp)| {
            let s = Section::new("rule")
                .option("name", &name)
                .option_opt("src", src.clone())
                .option_opt("dest", dest.clone())
                .option_opt("device", device.clone())
                .option_opt("family", family.map(family_name))
                .option("proto", proto)
                .list("src_ip", &src_ip);
            let s = if icmp {
                s.list("icmp_type", values)
            } else {
                s.list("dest_port", values)
            };
            s.option("target", verdict(rule.action))
        })
        .collect()
}

fn forwarding_section(policy: &Policy, rule: &PolicyRule) -> Section {
    let zone = |l: &Links| match l {
        Links::Zone(z) => z.clone(),
        _ => "*".to_string(),
    };
    Section::new("forwarding")
        .option("name", rule_name(policy, rule))
        .option("src", zone(&rule.in_links))
        .option("dest", zone(&rule.out_links))
}

fn redirect_section(policy: &Policy, index: usize) -> Option<Section> {
    let d = policy.dnat.iter().find(|d| d.forward == index)?;
    let target = policy.model.machine(d.target);
    Some(
        Section::new("redirect")
            .option(
                "name",
                format!(
                    "{} forward {} {}/{} -> {}:{}",
                    policy::source_line(policy.model, d.span),
                    d.zone,
                    d.port.protocol.as_str(),
                    port_range(d.port.first, d.port.last),
                    target.name,
                    port_range(d.target_port, d.target_ports().last)
                ),
            )
            .option("src", &d.zone)
            .option("proto", d.port.protocol.as_str())
            .option("src_dport", port_range(d.port.first, d.port.last))
            .option_opt("dest", policy.zone_of_machine(d.target, d.address))
            .option("dest_ip", d.address)
            // A range is forwarded port for port. Without `dest_port`, fw4 takes
            // `src_dport` as the translation's ports (openwrt/firewall4
            // `root/usr/share/ucode/fw4.uc`, commit 7ae5e14: `if (!redir.dest_port)
            // redir.dest_port = redir.src_dport;`, written by `templates/redirect.uc` as
            // `dnat ip to ADDR:FIRST-LAST`), and the kernel keeps a destination port that
            // lies in the range (Linux `net/netfilter/nf_nat_core.c`, `get_unique_tuple`:
            // "Only bother mapping if it's not already in range and unique").
            .option_opt(
                "dest_port",
                (d.port.first == d.port.last).then_some(d.target_port),
            )
            .option("family", "ipv4")
            // Reflection (NAT loopback) would add rewrites the policy does not have.
            .option("reflection", 0)
            .option("target", "DNAT"),
    )
}

/// The rules, forwardings and redirects: built-in rules first, then what each
/// statement of the firewall block compiled to, in source order.
fn rules(policy: &Policy, layout: &Layout, plan: &Plan) -> Vec<Section> {
    let mut out = Vec::new();
    let mut origins: Vec<(Span, Origin)> = Vec::new();
    for chain in Chain::ALL {
        for (i, rule) in policy.rules(chain).iter().enumerate() {
            if rule.matches_nothing() || plan.place(chain, i) == Place::Implicit {
                continue;
            }
            match (rule.origin, rule.span) {
                (Origin::Builtin(_), _) => out.extend(rule_sections(policy, layout, chain, rule)),
                (origin, Some(span)) => {
                    if !origins.iter().any(|(_, o)| *o == origin) {
                        origins.push((span, origin));
                    }
                }
                (_, None) => {}
            }
        }
    }
    origins.sort();
    for (_, origin) in origins {
        if let Origin::Forward(index) = origin {
            out.extend(redirect_section(policy, index));
            continue;
        }
        for chain in Chain::ALL {
            for (i, rule) in policy.rules(chain).iter().enumerate() {
                if rule.origin != origin || rule.matches_nothing() {
                    continue;
                }
                match plan.place(chain, i) {
                    Place::Implicit | Place::Dnat => {}
                    Place::Forwarding => out.push(forwarding_section(policy, rule)),
                    Place::Global | Place::ZoneRule => {
                        out.extend(rule_sections(policy, layout, chain, rule))
                    }
                }
            }
        }
    }
    out
}
