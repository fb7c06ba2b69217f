//! Firewall policy semantics: what a router's zone firewall accepts, as one ordered rule
//! list per chain, with exact evaluation of single packets and of whole packet regions.
//!
//! The nftables target renders these rules, the analyser checks them (shadowed rules,
//! rules that match nothing, exposure to uplink zones), and `infrac explain-flow` and
//! the generated docs explain them, so all of them agree by construction.
//!
//! The semantics, for a new connection (established and related traffic is accepted and
//! invalid traffic dropped before any rule; loopback is always accepted):
//! - a packet arriving on a router interface and addressed to the router goes through
//!   `input`, one routed through the router through `forward`, one the router sends
//!   through `output`;
//! - a zone is the set of the router's interfaces on networks of that zone, matched by
//!   interface name (see [`interface_name`]);
//! - in each chain the built-in rules come first (outside OpenWrt the hardening of
//!   [`hygiene`]: anti-spoofing, ICMP never accepted from an uplink, BGP bound to each
//!   neighbour's interface; then ICMP essentials, DHCP client replies, BGP only from the
//!   declared peers), then every `allow`/`deny` and the accept of every port forward in
//!   source order; the first matching rule decides, else the chain policy;
//! - a port forward rewrites IPv4 packets addressed to the router (arriving from its
//!   zone, on its port) to the target guest before filtering.

pub mod addressed;
pub mod flow;
pub mod hygiene;
mod meeting;
mod ranges;
mod region;

pub use ranges::Ranges;
pub use region::{address_value, cut_out, family_of, l4_key, l4_protocol, proto, Field, Region};

use crate::{
    Firewall, IpFamily, MachineId, Model, NetworkId, PortSpec, Protocol, Source, Span, Verdict,
    Zone,
};
use infrac_diagnostics::LineCol;
use ipnet::IpNet;
use std::collections::BTreeSet;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr};

pub use crate::interfaces::interface_name;

/// Where a span starts, as `file:line:column` pieces, when its file is known.
pub fn source_location(model: &Model, span: Span) -> Option<(String, LineCol)> {
    let file = model.sources.get(span.file)?;
    Some((file.name.clone(), file.line_col(span.start as usize)))
}

/// A span as `name:line` with the file's base name, stable wherever the compiler runs
/// (`orion.infra:42`); generated files cite their source this way.
pub fn source_line(model: &Model, span: Span) -> String {
    match source_location(model, span) {
        Some((name, at)) => {
            let base = name.rsplit(['/', '\\']).next().unwrap_or(&name);
            format!("{base}:{}", at.line)
        }
        None => model.source.clone(),
    }
}

/// One of the three filter chains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Chain {
    /// Traffic addressed to the router.
    Input,
    /// Traffic routed through the router.
    Forward,
    /// Traffic the router sends.
    Output,
}

impl Chain {
    /// All chains, in ruleset order.
    pub const ALL: [Chain; 3] = [Chain::Input, Chain::Forward, Chain::Output];

    /// `input`, `forward` or `output`.
    pub fn as_str(self) -> &'static str {
        match self {
            Chain::Input => "input",
            Chain::Forward => "forward",
            Chain::Output => "output",
        }
    }
}

/// What a rule or a chain policy does with a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Action {
    Accept,
    Drop,
    Reject,
}

impl Action {
    /// Whether the packet passes.
    pub fn accepts(self) -> bool {
        self == Action::Accept
    }

    /// `accept`, `drop` or `reject`.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Accept => "accept",
            Action::Drop => "drop",
            Action::Reject => "reject",
        }
    }
}

impl From<Verdict> for Action {
    fn from(v: Verdict) -> Self {
        match v {
            Verdict::Accept => Action::Accept,
            Verdict::Drop => Action::Drop,
            Verdict::Reject => Action::Reject,
        }
    }
}

/// A rule the compiler adds to every ruleset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Builtin {
    /// Loopback traffic.
    Loopback,
    /// ICMP errors, and on the router itself IPv6 neighbour discovery and MLD.
    IcmpEssentials,
    /// DHCP replies to the router's own DHCP client on an interface.
    DhcpClient,
    /// BGP (tcp/179) to the router from anyone but a declared peer, and on each
    /// interface from anyone but the peers reached through it.
    BgpGuard,
    /// A packet whose source address does not belong where it arrived.
    AntiSpoofing,
    /// ICMP redirects, router renumbering and node information from an uplink.
    UplinkIcmpGuard,
}

impl Builtin {
    /// Why the rule exists, in a few words (also its ruleset comment).
    pub fn describe(self) -> &'static str {
        match self {
            Builtin::Loopback => "loopback traffic is always accepted",
            Builtin::IcmpEssentials => {
                "ICMP errors and IPv6 neighbour discovery are always accepted"
            }
            Builtin::DhcpClient => "DHCP replies to the router's own DHCP client are accepted",
            Builtin::BgpGuard => {
                "BGP is accepted only from the declared peers, on the interface toward each"
            }
            Builtin::AntiSpoofing => {
                "packets are dropped whose source address does not belong to the network they arrive from"
            }
            Builtin::UplinkIcmpGuard => {
                "ICMP redirects, router renumbering and node information are dropped from uplinks"
            }
        }
    }
}

/// Where a rule of the compiled policy comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Origin {
    Builtin(Builtin),
    /// `Firewall::rules[i]`.
    Rule(usize),
    /// The forward-chain accept of `Firewall::forwards[i]`.
    Forward(usize),
}

/// Which links (interfaces) a rule matches on one side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Links {
    Any,
    /// The router's interfaces in a zone.
    Zone(String),
    Loopback,
    /// One router interface by index into [`Policy::interfaces`].
    Interface(usize),
}

/// A link a packet uses: a router interface, loopback, or an interface the model does
/// not know (a tunnel, a container bridge).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Link {
    Interface(usize),
    Loopback,
    Other,
}

/// A set of addresses a rule's source must (or must not) be in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddrSet {
    /// The named set it renders as (`bgp_peers`), without the family suffix.
    pub name: Option<&'static str>,
    /// The prefixes, of the rule's family only.
    pub prefixes: Vec<IpNet>,
}

/// A rule's source address condition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sources {
    Any,
    In(AddrSet),
    NotIn(AddrSet),
}

/// A layer-4 condition; a rule matches when any of its conditions does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum L4 {
    Port(PortSpec),
    /// ICMP (IPv4) messages of these types; every type when empty.
    Icmp(Vec<u8>),
    /// ICMPv6 messages of these types; every type when empty.
    Icmpv6(Vec<u8>),
}

impl L4 {
    fn ranges(&self, family: IpFamily) -> Ranges {
        let types = |protocol: u8, types: &[u8]| {
            if types.is_empty() {
                l4_protocol(protocol)
            } else {
                Ranges::from_ranges(types.iter().map(|&t| {
                    let first = l4_key(protocol, u16::from(t) << 8);
                    (first, first + 0xff)
                }))
            }
        };
        match (self, family) {
            (L4::Port(p), _) => Ranges::span(
                l4_key(protocol_number(p.protocol), p.first),
                l4_key(protocol_number(p.protocol), p.last),
            ),
            (L4::Icmp(t), IpFamily::Ipv4) => types(proto::ICMP, t),
            (L4::Icmpv6(t), IpFamily::Ipv6) => types(proto::ICMPV6, t),
            _ => Ranges::empty(),
        }
    }
}

/// The IP protocol number of a transport protocol.
pub fn protocol_number(protocol: Protocol) -> u8 {
    match protocol {
        Protocol::Tcp => proto::TCP,
        Protocol::Udp => proto::UDP,
        Protocol::Sctp => proto::SCTP,
    }
}

/// ICMP types accepted everywhere: destination unreachable, time exceeded, parameter
/// problem (path MTU discovery relies on "fragmentation needed", type 3 code 4).
pub const ICMP_ERRORS: [u8; 3] = [3, 11, 12];
/// ICMPv6 errors: destination unreachable, packet too big, time exceeded, parameter problem.
pub const ICMPV6_ERRORS: [u8; 4] = [1, 2, 3, 4];
/// ICMPv6 the router needs for itself (RFC 4890): neighbour discovery (router and
/// neighbour solicitation and advertisement) and multicast listener discovery.
pub const ICMPV6_LINK: [u8; 8] = [130, 131, 132, 133, 134, 135, 136, 143];

/// One rule of the compiled policy.
#[derive(Debug, Clone)]
pub struct PolicyRule {
    pub chain: Chain,
    pub origin: Origin,
    pub action: Action,
    pub in_links: Links,
    pub out_links: Links,
    /// Restricts the rule to one family (when it matches addresses).
    pub family: Option<IpFamily>,
    pub sources: Sources,
    pub destination: Option<IpAddr>,
    /// Empty means every protocol.
    pub l4: Vec<L4>,
    /// Matches only packets a port forward rewrote.
    pub dnat: bool,
    /// The source text it was compiled from (none for built-in rules).
    pub span: Option<Span>,
    regions: Vec<Region>,
}

/// How many of the earlier rules covering a shadowed rule a report or a hover points at;
/// the rest are counted. A rule repeated a thousand times would otherwise point at every
/// earlier copy from each later one: reports growing with the square of the rules.
pub const COVERING_SHOWN: usize = 5;

/// The rules of a chain that earlier rules cover ([`Policy::shadowing`]).
pub struct Shadowing<'p> {
    rules: &'p [PolicyRule],
    meeting: meeting::Meeting,
}

impl Shadowing<'_> {
    /// Whether no packet reaches rule `k`: earlier rules match everything it matches. A
    /// rule that matches nothing is not shadowed (see [`PolicyRule::matches_nothing`]).
    pub fn is_shadowed(&self, k: usize) -> bool {
        let Some(rule) = self.rules.get(k).filter(|r| !r.regions.is_empty()) else {
            return false;
        };
        // An earlier rule that shares no packet with this one takes nothing from it:
        // only the ones that can meet it are subtracted, in any order, until nothing is
        // left, so the work follows the overlaps, not the length of the chain.
        let mut remaining = rule.regions.clone();
        self.meeting.each_earlier(k, &mut |j| {
            for r in &self.rules[j].regions {
                region::cut_out(&mut remaining, r);
            }
            remaining.is_empty()
        });
        remaining.is_empty()
    }

    /// Every shadowed rule of the chain, in order.
    pub fn shadowed(&self) -> Vec<usize> {
        (0..self.rules.len())
            .filter(|&k| self.is_shadowed(k))
            .collect()
    }

    /// The earlier rules that share packets with rule `k`, in order: what covers it when
    /// it is shadowed. Asked only of the rules reported, since rules that repeat one
    /// another would make the lists of every rule quadratic in the rules.
    pub fn overlapping(&self, k: usize) -> Vec<usize> {
        let Some(rule) = self.rules.get(k) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        self.meeting.each_earlier(k, &mut |j| {
            let meets = self.rules[j]
                .regions
                .iter()
                .any(|a| rule.regions.iter().any(|b| a.overlaps(b)));
            if meets {
                out.push(j);
            }
            false
        });
        out.sort_unstable();
        out
    }
}

impl PolicyRule {
    /// The packets this rule matches, one box per family.
    pub fn regions(&self) -> &[Region] {
        &self.regions
    }

    /// Whether no packet can match the rule.
    pub fn matches_nothing(&self) -> bool {
        self.regions.is_empty()
    }
}

/// A router interface and the zone it puts its traffic in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interface {
    /// The name inside the router guest (`ens18`).
    pub name: String,
    /// Index into the router guest's NICs.
    pub nic: usize,
    pub network: NetworkId,
    pub zone: String,
    /// Whether the router takes its IPv4 address on it by DHCP.
    pub dhcp4: bool,
    /// Whether the router takes its IPv6 address on it by DHCPv6.
    pub dhcp6: bool,
    /// Whether the network is an uplink.
    pub uplink: bool,
}

/// Destination NAT of a port forward.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dnat {
    /// Index into `Firewall::forwards`.
    pub forward: usize,
    pub zone: String,
    pub port: PortSpec,
    pub target: MachineId,
    pub address: Ipv4Addr,
    pub target_port: u16,
    pub span: Span,
}

impl Dnat {
    /// The ports of the target the forwarded ports lead to.
    pub fn target_ports(&self) -> PortSpec {
        self.port.moved_to(self.target_port)
    }

    /// The port a packet sent to forwarded port `port` arrives on at the target.
    fn translate(&self, port: u16) -> u16 {
        self.target_port
            .saturating_add(port.saturating_sub(self.port.first))
    }
}

/// Source NAT toward a zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snat {
    pub family: IpFamily,
    pub zones: Vec<String>,
    pub to: String,
    /// For IPv6: only these (unique local) prefixes are translated.
    pub prefixes: Vec<IpNet>,
    pub span: Span,
}

/// Who decided a packet's fate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Decider {
    /// Index into the chain's rules.
    Rule(usize),
    /// The chain policy.
    Policy,
}

/// The verdict on one packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub chain: Chain,
    pub action: Action,
    pub decider: Decider,
}

/// A new connection's first packet, as the filter sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Packet {
    /// The link it arrived on; `None` when the router sends it.
    pub in_link: Option<Link>,
    /// The link it leaves on; `None` when it is addressed to the router.
    pub out_link: Option<Link>,
    pub source: IpAddr,
    pub destination: IpAddr,
    pub protocol: u8,
    /// Destination port, or ICMP `type << 8 | code`.
    pub value: u16,
    /// Whether a port forward rewrote its destination.
    pub dnat: bool,
}

impl Packet {
    /// The chain that filters it.
    pub fn chain(&self) -> Chain {
        match (self.in_link, self.out_link) {
            (Some(_), None) => Chain::Input,
            (Some(_), Some(_)) => Chain::Forward,
            (None, _) => Chain::Output,
        }
    }
}

/// Where the router sends a destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// One of the router's own addresses.
    Local,
    Link(Link),
    /// No interface network contains it and there is no uplink.
    Unreachable,
}

/// The compiled firewall of one router guest.
#[derive(Debug, Clone)]
pub struct Policy<'m> {
    pub model: &'m Model,
    pub firewall: &'m Firewall,
    /// Index into `Model::firewalls`.
    pub index: usize,
    pub router: MachineId,
    pub interfaces: Vec<Interface>,
    /// The BGP neighbours of the speaker on the same guest, if there is one.
    pub bgp_peers: Option<Vec<IpAddr>>,
    pub dnat: Vec<Dnat>,
    pub snat: Vec<Snat>,
    /// Port forwards whose target has no static IPv4 address (they compile to nothing).
    pub unresolved_forwards: Vec<usize>,
    chains: [Vec<PolicyRule>; 3],
}

/// Compiles every firewall of the model.
pub fn policies(model: &Model) -> Vec<Policy<'_>> {
    (0..model.firewalls.len())
        .map(|i| Policy::compile(model, i))
        .collect()
}

impl<'m> Policy<'m> {
    /// Compiles `model.firewalls[index]`.
    pub fn compile(model: &'m Model, index: usize) -> Policy<'m> {
        let firewall = &model.firewalls[index];
        let router = firewall.machine;
        let guest = model.machine(router);
        let interfaces = guest
            .attached()
            .map(|(i, nic, network_id)| {
                let network = model.network(network_id);
                Interface {
                    name: interface_name(model, guest, i),
                    nic: i,
                    network: network_id,
                    zone: network.zone.clone(),
                    dhcp4: nic.dhcp && nic.ip.is_none(),
                    dhcp6: nic.dhcp && nic.ip6.is_none() && network.ipv6.is_some(),
                    uplink: network.uplink,
                }
            })
            .collect();
        let bgp_peers = model
            .routers
            .iter()
            .find(|r| r.machine == router)
            .map(|r| r.peers.iter().map(|p| p.neighbor.value).collect::<Vec<_>>());
        let mut policy = Policy {
            model,
            firewall,
            index,
            router,
            interfaces,
            bgp_peers,
            dnat: Vec::new(),
            snat: Vec::new(),
            unresolved_forwards: Vec::new(),
            chains: [Vec::new(), Vec::new(), Vec::new()],
        };
        policy.compile_hygiene();
        policy.compile_builtins();
        policy.compile_user_rules();
        policy.compile_nat();
        policy
    }

    /// The rules of a chain, in evaluation order.
    pub fn rules(&self, chain: Chain) -> &[PolicyRule] {
        &self.chains[chain as usize]
    }

    /// A chain's policy.
    pub fn policy(&self, chain: Chain) -> Action {
        match chain {
            Chain::Input => self.firewall.input.into(),
            Chain::Forward => self.firewall.forward.into(),
            Chain::Output => self.firewall.output.into(),
        }
    }

    /// The number of links in the packet space: interfaces, loopback, other.
    pub fn link_count(&self) -> usize {
        self.interfaces.len() + 2
    }

    /// A link's index in the packet space.
    pub fn link_index(&self, link: Link) -> usize {
        match link {
            Link::Interface(i) => i,
            Link::Loopback => self.interfaces.len(),
            Link::Other => self.interfaces.len() + 1,
        }
    }

    /// The link at an index of the packet space.
    pub fn link_at(&self, index: usize) -> Link {
        match index.checked_sub(self.interfaces.len()) {
            None => Link::Interface(index),
            Some(0) => Link::Loopback,
            Some(_) => Link::Other,
        }
    }

    /// A link's interface name (`other` for links the model does not know).
    pub fn link_name(&self, link: Link) -> String {
        match link {
            Link::Interface(i) => self.interfaces[i].name.clone(),
            Link::Loopback => "lo".into(),
            Link::Other => "other".into(),
        }
    }

    /// The zones the router has interfaces in, in interface order, without repeats.
    pub fn zones(&self) -> Vec<String> {
        let mut seen = BTreeSet::new();
        self.interfaces
            .iter()
            .filter(|i| seen.insert(i.zone.clone()))
            .map(|i| i.zone.clone())
            .collect()
    }

    /// The zones of uplink networks the router has interfaces in.
    pub fn uplink_zones(&self) -> Vec<String> {
        let mut seen = BTreeSet::new();
        self.interfaces
            .iter()
            .filter(|i| i.uplink && seen.insert(i.zone.clone()))
            .map(|i| i.zone.clone())
            .collect()
    }

    /// The indices of the interfaces in a zone.
    pub fn zone_interfaces(&self, zone: &str) -> Vec<usize> {
        (0..self.interfaces.len())
            .filter(|&i| self.interfaces[i].zone == zone)
            .collect()
    }

    /// The link indices a rule side matches.
    pub fn link_set(&self, links: &Links) -> Ranges {
        match links {
            Links::Any => Ranges::span(0, self.link_count() as u128 - 1),
            Links::Zone(zone) => Ranges::from_ranges(
                self.zone_interfaces(zone)
                    .into_iter()
                    .map(|i| (i as u128, i as u128)),
            ),
            Links::Loopback => Ranges::single(self.link_index(Link::Loopback) as u128),
            Links::Interface(i) => Ranges::single(*i as u128),
        }
    }

    fn push(&mut self, mut rule: PolicyRule) {
        rule.regions = self.regions_of(&rule);
        self.chains[rule.chain as usize].push(rule);
    }

    fn regions_of(&self, rule: &PolicyRule) -> Vec<Region> {
        let families = match rule.family {
            Some(f) => vec![f],
            None => vec![IpFamily::Ipv4, IpFamily::Ipv6],
        };
        let mut out = Vec::new();
        for family in families {
            let mut region = Region::universe(family, self.link_count())
                .with(Field::InLink, &self.link_set(&rule.in_links))
                .with(Field::OutLink, &self.link_set(&rule.out_links));
            match &rule.sources {
                Sources::Any => {}
                Sources::In(set) => {
                    region = region.with(Field::Source, &prefix_ranges(&set.prefixes, family))
                }
                Sources::NotIn(set) => {
                    let all = Ranges::span(0, region::address_max(family));
                    region = region.with(
                        Field::Source,
                        &all.subtract(&prefix_ranges(&set.prefixes, family)),
                    )
                }
            }
            if let Some(d) = rule.destination {
                let set = if family_of(d) == family {
                    Ranges::single(address_value(d))
                } else {
                    Ranges::empty()
                };
                region = region.with(Field::Destination, &set);
            }
            if !rule.l4.is_empty() {
                let set = rule
                    .l4
                    .iter()
                    .fold(Ranges::empty(), |acc, l| acc.union(&l.ranges(family)));
                region = region.with(Field::L4, &set);
            }
            if rule.dnat {
                region = region.with(Field::Dnat, &Ranges::single(1));
            }
            if !region.is_empty() {
                out.push(region);
            }
        }
        out
    }

    fn builtin(chain: Chain, kind: Builtin, action: Action) -> PolicyRule {
        PolicyRule {
            chain,
            origin: Origin::Builtin(kind),
            action,
            in_links: Links::Any,
            out_links: Links::Any,
            family: None,
            sources: Sources::Any,
            destination: None,
            l4: Vec::new(),
            dnat: false,
            span: None,
            regions: Vec::new(),
        }
    }

    fn compile_builtins(&mut self) {
        let essentials = vec![
            L4::Icmp(ICMP_ERRORS.to_vec()),
            L4::Icmpv6(ICMPV6_ERRORS.iter().chain(&ICMPV6_LINK).copied().collect()),
        ];
        // Input: loopback, ICMP essentials, DHCP client replies, the BGP guard.
        self.push(PolicyRule {
            in_links: Links::Loopback,
            ..Self::builtin(Chain::Input, Builtin::Loopback, Action::Accept)
        });
        self.push(PolicyRule {
            l4: essentials.clone(),
            ..Self::builtin(Chain::Input, Builtin::IcmpEssentials, Action::Accept)
        });
        for i in 0..self.interfaces.len() {
            let iface = &self.interfaces[i];
            let wanted = [
                (iface.dhcp4, IpFamily::Ipv4, 68),
                (iface.dhcp6, IpFamily::Ipv6, 546),
            ];
            for (on, family, port) in wanted {
                if on {
                    self.push(PolicyRule {
                        in_links: Links::Interface(i),
                        family: Some(family),
                        l4: vec![L4::Port(PortSpec {
                            protocol: Protocol::Udp,
                            first: port,
                            last: port,
                        })],
                        ..Self::builtin(Chain::Input, Builtin::DhcpClient, Action::Accept)
                    });
                }
            }
        }
        if let Some(peers) = self.bgp_peers.clone() {
            for family in [IpFamily::Ipv4, IpFamily::Ipv6] {
                self.push(PolicyRule {
                    family: Some(family),
                    sources: Sources::NotIn(AddrSet {
                        name: Some("bgp_peers"),
                        prefixes: host_prefixes(&peers, family),
                    }),
                    l4: vec![L4::Port(PortSpec {
                        protocol: Protocol::Tcp,
                        first: 179,
                        last: 179,
                    })],
                    ..Self::builtin(Chain::Input, Builtin::BgpGuard, Action::Drop)
                });
            }
        }
        // Forward: ICMP errors, so path MTU discovery works across zones.
        self.push(PolicyRule {
            l4: vec![
                L4::Icmp(ICMP_ERRORS.to_vec()),
                L4::Icmpv6(ICMPV6_ERRORS.to_vec()),
            ],
            ..Self::builtin(Chain::Forward, Builtin::IcmpEssentials, Action::Accept)
        });
        // Output: loopback and the same essentials as input.
        self.push(PolicyRule {
            out_links: Links::Loopback,
            ..Self::builtin(Chain::Output, Builtin::Loopback, Action::Accept)
        });
        self.push(PolicyRule {
            l4: essentials,
            ..Self::builtin(Chain::Output, Builtin::IcmpEssentials, Action::Accept)
        });
    }

    /// The `allow`/`deny` rules and port forwards in source order.
    fn user_order(&self) -> Vec<Origin> {
        let mut items: Vec<(Span, Origin)> = self
            .firewall
            .rules
            .iter()
            .enumerate()
            .map(|(i, r)| (r.span, Origin::Rule(i)))
            .chain(
                self.firewall
                    .forwards
                    .iter()
                    .enumerate()
                    .map(|(i, f)| (f.span, Origin::Forward(i))),
            )
            .collect();
        items.sort();
        items.into_iter().map(|(_, o)| o).collect()
    }

    fn compile_user_rules(&mut self) {
        for origin in self.user_order() {
            match origin {
                Origin::Rule(i) => self.compile_filter_rule(i),
                Origin::Forward(i) => self.compile_forward(i),
                Origin::Builtin(_) => {}
            }
        }
    }

    fn compile_filter_rule(&mut self, index: usize) {
        let rule = &self.firewall.rules[index];
        let action = if rule.allow {
            Action::Accept
        } else {
            Action::Drop
        };
        let mut l4: Vec<L4> = rule.ports.iter().map(|p| L4::Port(p.value)).collect();
        for p in &rule.protocols {
            match p.value.as_str() {
                "icmp" => {
                    l4.push(L4::Icmp(Vec::new()));
                    l4.push(L4::Icmpv6(Vec::new()));
                }
                "icmpv6" => l4.push(L4::Icmpv6(Vec::new())),
                "ping" => {
                    l4.push(L4::Icmp(vec![8]));
                    l4.push(L4::Icmpv6(vec![128]));
                }
                _ => {}
            }
        }
        let sources = self.rule_sources(&rule.sources);
        let (from, to) = (rule.from.value.clone(), rule.to.value.clone());
        let span = rule.span;
        for (chain, in_links, out_links) in chains_for(&from, &to) {
            let families: Vec<(Option<IpFamily>, Sources)> = match &sources {
                None => vec![(None, Sources::Any)],
                Some((name, prefixes)) => [IpFamily::Ipv4, IpFamily::Ipv6]
                    .into_iter()
                    .map(|f| {
                        let set = AddrSet {
                            name: *name,
                            prefixes: prefixes
                                .iter()
                                .filter(|p| net_family(p) == f)
                                .copied()
                                .collect(),
                        };
                        (Some(f), Sources::In(set))
                    })
                    .collect(),
            };
            for (family, sources) in families {
                self.push(PolicyRule {
                    chain,
                    origin: Origin::Rule(index),
                    action,
                    in_links: in_links.clone(),
                    out_links: out_links.clone(),
                    family,
                    sources,
                    destination: None,
                    l4: l4.clone(),
                    dnat: false,
                    span: Some(span),
                    regions: Vec::new(),
                });
            }
        }
    }

    /// The source prefixes of a rule (`None` when it has no `from`), with the named set
    /// it renders as when it is exactly `bgp.peers`.
    fn rule_sources(&self, sources: &[Source]) -> Option<(Option<&'static str>, Vec<IpNet>)> {
        if sources.is_empty() {
            return None;
        }
        let peers = self.bgp_peers.clone().unwrap_or_default();
        let mut prefixes = Vec::new();
        for s in sources {
            match s {
                Source::Prefix(p) => prefixes.push(*p),
                Source::BgpPeers => prefixes.extend(peers.iter().map(|a| IpNet::from(*a))),
            }
        }
        let name = (sources == [Source::BgpPeers]).then_some("bgp_peers");
        Some((name, prefixes))
    }

    /// The IPv4 address a port forward's target is reached at: its static address on a
    /// network the router has an interface on, else any static address.
    pub fn forward_address(&self, index: usize) -> Option<Ipv4Addr> {
        let forward = &self.firewall.forwards[index];
        let target = self.model.machine(forward.target);
        let routed = |n: NetworkId| self.interfaces.iter().any(|i| i.network == n);
        let v4 = |(_, a): &(NetworkId, crate::Spanned<IpAddr>)| match a.value {
            IpAddr::V4(a) => Some(a),
            IpAddr::V6(_) => None,
        };
        let addresses = target.addresses();
        addresses
            .iter()
            .filter(|(n, _)| routed(*n))
            .find_map(v4)
            .or_else(|| addresses.iter().find_map(v4))
    }

    fn compile_forward(&mut self, index: usize) {
        let forward = &self.firewall.forwards[index];
        let Some(address) = self.forward_address(index) else {
            self.unresolved_forwards.push(index);
            return;
        };
        let zone = match &forward.from.value {
            Zone::Named(z) => Links::Zone(z.clone()),
            Zone::Any | Zone::Router => Links::Any,
        };
        self.dnat.push(Dnat {
            forward: index,
            zone: match &forward.from.value {
                Zone::Named(z) => z.clone(),
                _ => String::new(),
            },
            port: forward.port.value,
            target: forward.target,
            address,
            target_port: forward.target_port,
            span: forward.span,
        });
        // The rewritten packet leaves toward the target, on the interface that routes it.
        let out_links = match self.route(IpAddr::V4(address)) {
            Route::Link(Link::Interface(i)) => Links::Interface(i),
            _ => Links::Any,
        };
        self.push(PolicyRule {
            chain: Chain::Forward,
            origin: Origin::Forward(index),
            action: Action::Accept,
            in_links: zone,
            out_links,
            family: Some(IpFamily::Ipv4),
            sources: Sources::Any,
            destination: Some(IpAddr::V4(address)),
            l4: vec![L4::Port(forward.target_ports())],
            dnat: true,
            span: Some(forward.span),
            regions: Vec::new(),
        });
    }

    fn compile_nat(&mut self) {
        for m in &self.firewall.masquerade {
            let zones: Vec<String> = m
                .zones
                .iter()
                .filter_map(|z| match &z.value {
                    Zone::Named(n) => Some(n.clone()),
                    _ => None,
                })
                .collect();
            let Zone::Named(to) = &m.to.value else {
                continue;
            };
            self.snat.push(Snat {
                family: IpFamily::Ipv4,
                zones: zones.clone(),
                to: to.clone(),
                prefixes: Vec::new(),
                span: m.span,
            });
            // Global IPv6 prefixes are routed as they are; only unique local ones
            // (fc00::/7) need translating to reach an uplink.
            let ula: Vec<IpNet> = self
                .model
                .networks
                .iter()
                .filter(|n| zones.contains(&n.zone))
                .filter_map(|n| n.ipv6.map(|p| p.value))
                .filter(|p| (p.addr().segments()[0] & 0xfe00) == 0xfc00)
                .map(IpNet::V6)
                .collect();
            if !ula.is_empty() {
                self.snat.push(Snat {
                    family: IpFamily::Ipv6,
                    zones,
                    to: to.clone(),
                    prefixes: ula,
                    span: m.span,
                });
            }
        }
    }

    /// The router's own addresses.
    pub fn local_addresses(&self) -> Vec<IpAddr> {
        let guest = self.model.machine(self.router);
        guest
            .nics
            .iter()
            .flat_map(|n| {
                n.ip.map(|a| IpAddr::V4(a.value))
                    .into_iter()
                    .chain(n.ip6.map(|a| IpAddr::V6(a.value)))
            })
            .collect()
    }

    /// Where the router sends packets for `destination`: the interface whose network
    /// holds it (longest prefix), else the first uplink interface (the default route).
    pub fn route(&self, destination: IpAddr) -> Route {
        if self.local_addresses().contains(&destination) {
            return Route::Local;
        }
        let mut best: Option<(u8, usize)> = None;
        for (i, iface) in self.interfaces.iter().enumerate() {
            let network = self.model.network(iface.network);
            let prefixes = [
                network.ipv4.map(|p| IpNet::V4(p.value)),
                network.ipv6.map(|p| IpNet::V6(p.value)),
            ];
            for p in prefixes.into_iter().flatten() {
                if p.contains(&destination) && best.is_none_or(|(len, _)| p.prefix_len() > len) {
                    best = Some((p.prefix_len(), i));
                }
            }
        }
        match best {
            Some((_, i)) => Route::Link(Link::Interface(i)),
            None => match self.interfaces.iter().position(|i| i.uplink) {
                Some(i) => Route::Link(Link::Interface(i)),
                None => Route::Unreachable,
            },
        }
    }

    /// The port forward that rewrites a packet addressed to the router, and the packet
    /// after rewriting (routed to the target).
    pub fn translate(&self, packet: &Packet) -> Option<(&Dnat, Packet)> {
        let Some(Link::Interface(i)) = packet.in_link else {
            return None;
        };
        if packet.out_link.is_some() || !packet.destination.is_ipv4() {
            return None;
        }
        let zone = &self.interfaces[i].zone;
        let dnat = self.dnat.iter().find(|d| {
            (d.zone.is_empty() || &d.zone == zone)
                && packet.protocol == protocol_number(d.port.protocol)
                && (d.port.first..=d.port.last).contains(&packet.value)
        })?;
        let destination = IpAddr::V4(dnat.address);
        let out_link = match self.route(destination) {
            Route::Link(l) => Some(l),
            Route::Local | Route::Unreachable => None,
        };
        Some((
            dnat,
            Packet {
                out_link,
                destination,
                value: dnat.translate(packet.value),
                dnat: true,
                ..*packet
            },
        ))
    }

    /// The point a packet is in the packet space.
    pub fn point(&self, packet: &Packet) -> [u128; 6] {
        // A link a chain does not look at gets a fixed value; no rule constrains it.
        let link = |l: Option<Link>| self.link_index(l.unwrap_or(Link::Loopback)) as u128;
        [
            link(packet.in_link),
            link(packet.out_link),
            address_value(packet.source),
            address_value(packet.destination),
            l4_key(packet.protocol, packet.value),
            u128::from(packet.dnat),
        ]
    }

    /// The verdict on one packet (after any port forward rewrote it).
    pub fn decide(&self, packet: &Packet) -> Decision {
        let chain = packet.chain();
        let family = family_of(packet.source);
        let point = self.point(packet);
        for (i, rule) in self.rules(chain).iter().enumerate() {
            if rule
                .regions
                .iter()
                .any(|r| r.family == family && r.contains(&point))
            {
                return Decision {
                    chain,
                    action: rule.action,
                    decider: Decider::Rule(i),
                };
            }
        }
        Decision {
            chain,
            action: self.policy(chain),
            decider: Decider::Policy,
        }
    }

    /// Splits a region of one chain by who decides it: each rule's share (first match
    /// wins), then what falls through to the policy.
    pub fn classify(&self, chain: Chain, region: &Region) -> Vec<(Decider, Vec<Region>)> {
        self.classify_without(chain, region, |_| false)
    }

    /// Like [`Policy::classify`], as if the rules `skip` selects were not there.
    pub fn classify_without(
        &self,
        chain: Chain,
        region: &Region,
        skip: impl Fn(&PolicyRule) -> bool,
    ) -> Vec<(Decider, Vec<Region>)> {
        let mut remaining = vec![region.clone()];
        let mut out = Vec::new();
        for (i, rule) in self.rules(chain).iter().enumerate() {
            if remaining.is_empty() {
                break;
            }
            if skip(rule) {
                continue;
            }
            let mut hits = Vec::new();
            for r in &rule.regions {
                hits.extend(remaining.iter().filter_map(|x| x.intersect(r)));
                region::cut_out(&mut remaining, r);
            }
            if !hits.is_empty() {
                out.push((Decider::Rule(i), hits));
            }
        }
        if !remaining.is_empty() {
            out.push((Decider::Policy, remaining));
        }
        out
    }

    /// The action of a decider in a chain.
    pub fn action_of(&self, chain: Chain, decider: Decider) -> Action {
        match decider {
            Decider::Rule(i) => self.rules(chain)[i].action,
            Decider::Policy => self.policy(chain),
        }
    }

    /// Which rules of a chain earlier rules cover: each is asked about on its own, so a
    /// question about one rule (a hover) costs that rule's overlaps, not the chain's.
    pub fn shadowing(&self, chain: Chain) -> Shadowing<'_> {
        let rules = self.rules(chain);
        let regions: Vec<&[Region]> = rules.iter().map(|r| r.regions.as_slice()).collect();
        Shadowing {
            rules,
            meeting: meeting::Meeting::new(&regions),
        }
    }

    /// The packet region of traffic from one zone (or `router`) to another, for new
    /// connections addressed directly (no port forward), per family; with its chain.
    pub fn zone_pair(&self, from: &str, to: &str) -> Option<(Chain, Vec<Region>)> {
        let side = |zone: &str| -> Option<Links> {
            if zone == "router" {
                None
            } else {
                Some(Links::Zone(zone.to_string()))
            }
        };
        let (chain, in_links, out_links) = match (side(from), side(to)) {
            (Some(a), Some(b)) => (Chain::Forward, a, b),
            (Some(a), None) => (Chain::Input, a, Links::Loopback),
            (None, Some(b)) => (Chain::Output, Links::Loopback, b),
            (None, None) => return None,
        };
        let regions: Vec<Region> = [IpFamily::Ipv4, IpFamily::Ipv6]
            .into_iter()
            .map(|f| {
                Region::universe(f, self.link_count())
                    .with(Field::InLink, &self.link_set(&in_links))
                    .with(Field::OutLink, &self.link_set(&out_links))
                    .with(Field::Dnat, &Ranges::single(0))
            })
            .filter(|r| !r.is_empty())
            .collect();
        // Forged sources and the ICMP no uplink may send are no zone's traffic: a zone
        // pair is what the zone's own hosts may open.
        let forged = |r: &&PolicyRule| {
            matches!(
                r.origin,
                Origin::Builtin(Builtin::AntiSpoofing | Builtin::UplinkIcmpGuard)
            )
        };
        let regions = self
            .rules(chain)
            .iter()
            .filter(forged)
            .flat_map(|r| r.regions.iter())
            .fold(regions, |mut left: Vec<Region>, r| {
                region::cut_out(&mut left, r);
                left
            });
        Some((chain, regions))
    }

    /// What one zone may open toward another.
    pub fn reach(&self, from: &str, to: &str) -> Reach {
        let Some((chain, regions)) = self.zone_pair(from, to) else {
            return Reach::default();
        };
        let mut reach = Reach {
            chain: Some(chain),
            ..Reach::default()
        };
        let mut accepted_all = true;
        // What every ruleset accepts (ICMP errors, DHCP replies) is not the zones'
        // business: it is listed once, not in every pair. Built-in drops still count.
        let builtin_accept =
            |r: &PolicyRule| matches!(r.origin, Origin::Builtin(_)) && r.action.accepts();
        for region in &regions {
            let mut accepted: Vec<Region> = Vec::new();
            for (decider, pieces) in self.classify_without(chain, region, builtin_accept) {
                if !self.action_of(chain, decider).accepts() {
                    accepted_all = false;
                    continue;
                }
                if let Decider::Rule(i) = decider {
                    reach.rules.insert(self.rules(chain)[i].origin);
                }
                accepted.extend(pieces);
            }
            // Accepted for some packets only: what the accepted protocols and ports would
            // cover from every source, minus what is accepted, is not empty.
            let l4 = accepted
                .iter()
                .fold(Ranges::empty(), |acc, p| acc.union(p.get(Field::L4)));
            let mut rest = vec![region.clone().with(Field::L4, &l4)];
            for a in &accepted {
                region::cut_out(&mut rest, a);
            }
            reach.some_sources |= rest.iter().any(|r| !r.is_empty());
            reach.l4 = reach.l4.union(&l4);
        }
        reach.everything = accepted_all && !regions.is_empty();
        reach.forwards = self
            .dnat
            .iter()
            .filter(|d| {
                (d.zone == from || d.zone.is_empty())
                    && self.zone_of_machine(d.target, d.address).as_deref() == Some(to)
            })
            .map(|d| d.forward)
            .collect();
        reach
    }

    /// The zone a machine's address is in, as the router sees it.
    pub fn zone_of_machine(&self, machine: MachineId, address: Ipv4Addr) -> Option<String> {
        let m = self.model.machine(machine);
        m.addresses()
            .into_iter()
            .find(|(_, a)| a.value == IpAddr::V4(address))
            .map(|(n, _)| self.model.network(n).zone.clone())
    }

    /// Where a chain's policy is written, else the firewall block.
    pub fn policy_span(&self, chain: Chain) -> Span {
        self.firewall.policy_spans[chain as usize].unwrap_or(self.firewall.span)
    }

    /// Where a span starts as `file:line:column`.
    pub fn location(&self, span: Span) -> String {
        match source_location(self.model, span) {
            Some((name, at)) => format!("{name}:{}:{}", at.line, at.column),
            None => self.model.source.clone(),
        }
    }
}

/// What traffic a zone may start toward another zone.
#[derive(Debug, Clone, Default)]
pub struct Reach {
    /// The chain that filters it (`None` for router to itself).
    pub chain: Option<Chain>,
    /// Every new connection is accepted.
    pub everything: bool,
    /// The layer-4 keys the zone's rules (or the chain policy) accept for at least some
    /// packets.
    pub l4: Ranges,
    /// Some accepted traffic is limited to certain source addresses.
    pub some_sources: bool,
    /// The user rules that accept some of it (built-in rules are left out of `l4`).
    pub rules: BTreeSet<Origin>,
    /// Port forwards into the destination zone from this zone.
    pub forwards: Vec<usize>,
}

impl Reach {
    /// Whether nothing is accepted, not even through a port forward.
    pub fn is_none(&self) -> bool {
        self.l4.is_empty() && self.forwards.is_empty()
    }
}

/// Names the traffic in a set of layer-4 keys: `tcp/22`, `udp/53..54`, `icmp`,
/// `icmpv6 type 128`, `proto 47`; runs of other whole protocols as `proto 2..5`; the
/// whole space of both families as `all`.
pub fn describe_l4(set: &Ranges) -> Vec<String> {
    let everything = Ranges::span(0, l4_key(u8::MAX, u16::MAX));
    if *set == everything
        || *set == everything.subtract(&l4_protocol(proto::ICMPV6))
        || *set == everything.subtract(&l4_protocol(proto::ICMP))
    {
        return vec!["all".to_string()];
    }
    let mut out = Vec::new();
    let mut other_run: Option<(u8, u8)> = None;
    let flush = |run: &mut Option<(u8, u8)>, out: &mut Vec<String>| {
        if let Some((a, b)) = run.take() {
            out.push(if a == b {
                format!("proto {a}")
            } else {
                format!("proto {a}..{b}")
            });
        }
    };
    for protocol in 0..=u8::MAX {
        let all = l4_protocol(protocol);
        let part = set.intersect(&all);
        let name = match protocol {
            proto::TCP => "tcp",
            proto::UDP => "udp",
            proto::SCTP => "sctp",
            proto::ICMP => "icmp",
            proto::ICMPV6 => "icmpv6",
            _ => "",
        };
        if part == all && name.is_empty() {
            other_run = match other_run {
                Some((a, _)) => Some((a, protocol)),
                None => Some((protocol, protocol)),
            };
            continue;
        }
        flush(&mut other_run, &mut out);
        if part.is_empty() {
            continue;
        }
        if part == all {
            out.push(name.to_string());
            continue;
        }
        match protocol {
            proto::TCP | proto::UDP | proto::SCTP => {
                for &(a, b) in part.ranges() {
                    let (a, b) = (a & 0xffff, b & 0xffff);
                    if a == b {
                        out.push(format!("{name}/{a}"));
                    } else {
                        out.push(format!("{name}/{a}..{b}"));
                    }
                }
            }
            proto::ICMP | proto::ICMPV6 => {
                let types: BTreeSet<u128> = part
                    .ranges()
                    .iter()
                    .flat_map(|&(a, b)| ((a & 0xffff) >> 8)..=((b & 0xffff) >> 8))
                    .collect();
                if types.len() > 128 {
                    // Most types, as on an uplink that may send every ICMP message but
                    // the few the firewall never accepts from outside.
                    let missing: Vec<String> = (0..=255u128)
                        .filter(|t| !types.contains(t))
                        .map(|t| t.to_string())
                        .collect();
                    out.push(format!("{name} but type {}", missing.join(",")));
                    continue;
                }
                let types: Vec<String> = types.iter().map(u128::to_string).collect();
                out.push(format!("{name} type {}", types.join(",")));
            }
            _ => out.push(format!("part of proto {protocol}")),
        }
    }
    flush(&mut other_run, &mut out);
    out
}

/// The chains, link sides a `from -> to` rule applies in.
fn chains_for(from: &Zone, to: &Zone) -> Vec<(Chain, Links, Links)> {
    let links = |z: &Zone| match z {
        Zone::Named(n) => Links::Zone(n.clone()),
        Zone::Any | Zone::Router => Links::Any,
    };
    let mut out = Vec::new();
    let from_outside = !matches!(from, Zone::Router);
    let to_outside = !matches!(to, Zone::Router);
    if from_outside && matches!(to, Zone::Router | Zone::Any) {
        out.push((Chain::Input, links(from), Links::Any));
    }
    if from_outside && to_outside {
        out.push((Chain::Forward, links(from), links(to)));
    }
    if matches!(from, Zone::Router | Zone::Any) && to_outside {
        out.push((Chain::Output, Links::Any, links(to)));
    }
    if matches!((from, to), (Zone::Router, Zone::Router)) {
        out.push((Chain::Output, Links::Any, Links::Loopback));
    }
    out
}

fn net_family(net: &IpNet) -> IpFamily {
    match net {
        IpNet::V4(_) => IpFamily::Ipv4,
        IpNet::V6(_) => IpFamily::Ipv6,
    }
}

fn host_prefixes(addresses: &[IpAddr], family: IpFamily) -> Vec<IpNet> {
    addresses
        .iter()
        .filter(|a| family_of(**a) == family)
        .map(|a| IpNet::from(*a))
        .collect()
}

/// The address values a list of prefixes covers, for one family.
fn prefix_ranges(prefixes: &[IpNet], family: IpFamily) -> Ranges {
    Ranges::from_ranges(
        prefixes
            .iter()
            .filter(|p| net_family(p) == family)
            .map(|p| {
                let first = address_value(p.network());
                let last = address_value(p.broadcast());
                (first, last)
            }),
    )
}

impl fmt::Display for Chain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
