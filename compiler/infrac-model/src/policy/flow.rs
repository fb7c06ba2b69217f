//! Flow queries: whether a router's firewall lets new connections from one endpoint to
//! another through, and which rules decide it.
//!
//! `infrac explain-flow` prints these answers, the `expect` checks prove them and the
//! language server shows which expectations a rule decides, so all three agree by
//! construction with each other and with the nftables ruleset.

use super::{
    address_value, l4_key, proto, protocol_number, Action, Chain, Decider, Dnat, Field, Links,
    Origin, Policy, Ranges, Region, Route,
};
use crate::{IpFamily, MachineId, Model, Protocol, Span};
use infrac_diagnostics::did_you_mean;
use std::net::IpAddr;

/// One side of a flow, resolved against the model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoint {
    /// The router whose firewall is asked.
    Router,
    /// Every interface of the router on networks of this zone, from any address.
    Zone(String),
    /// A machine's operating system: its addresses (not its BMC's).
    Machine(MachineId),
    Address(IpAddr),
}

/// What a flow carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Traffic {
    Port(Protocol, u16),
    /// Every port from the first to the last.
    Range(Protocol, u16, u16),
    /// Echo requests of both families.
    Ping,
    /// Echo requests over IPv6 only.
    Ping6,
    /// Every new connection: any protocol, port or ICMP type. What every ruleset
    /// accepts on its own (ICMP errors, DHCP replies) is left out: it opens nothing.
    Any,
}

/// The firewall to ask: the only one, or the one on the machine named `router`.
pub fn pick_firewall(model: &Model, router: Option<&str>) -> Result<usize, String> {
    let names: Vec<&str> = model
        .firewalls
        .iter()
        .map(|f| model.machine(f.machine).name.as_str())
        .collect();
    match (router, names.as_slice()) {
        (_, []) => Err("the lab has no `firewall` block".into()),
        (None, [_]) => Ok(0),
        (None, _) => Err(format!(
            "the lab has several firewalls; choose one with `--router`: {}",
            names.join(", ")
        )),
        (Some(r), _) => names.iter().position(|n| *n == r).ok_or_else(|| {
            format!(
                "`{r}` has no firewall; firewalls are on {}",
                names.join(", ")
            )
        }),
    }
}

/// An endpoint from its text: `router` or the router's name, an address, a zone or a
/// machine, in that order.
pub fn resolve(policy: &Policy, text: &str) -> Result<Endpoint, String> {
    let model = policy.model;
    let router = &model.machine(policy.router).name;
    if text == "router" || text == router {
        return Ok(Endpoint::Router);
    }
    if let Ok(address) = text.parse::<IpAddr>() {
        return Ok(address_endpoint(policy, address));
    }
    if model.has_zone(text) {
        return Ok(Endpoint::Zone(text.to_string()));
    }
    if let Some(id) = model.machine_named(text) {
        return Ok(Endpoint::Machine(id));
    }
    let mut candidates: Vec<&str> = model.networks.iter().map(|n| n.zone.as_str()).collect();
    candidates.extend(model.machines.iter().map(|m| m.name.as_str()));
    candidates.push("router");
    let hint = match did_you_mean(text, candidates.iter().copied()) {
        Some(s) => format!("; did you mean `{s}`?"),
        None => String::new(),
    };
    Err(format!(
        "`{text}` is not a zone, a machine, `router` or an address{hint}"
    ))
}

/// An address as an endpoint: one of the router's own addresses is the router.
pub fn address_endpoint(policy: &Policy, address: IpAddr) -> Endpoint {
    if policy.local_addresses().contains(&address) {
        Endpoint::Router
    } else {
        Endpoint::Address(address)
    }
}

/// Traffic from its text: `tcp/22`, `tcp/8000..8100`, `udp/53`, `sctp/N`, `icmp`, `icmpv6`,
/// `any`, or a service of the destination machine (else of the catalogue), whose first
/// port it means.
pub fn parse_traffic(policy: &Policy, dst: &Endpoint, text: &str) -> Result<Traffic, String> {
    match text {
        "icmp" | "ping" => return Ok(Traffic::Ping),
        "icmpv6" => return Ok(Traffic::Ping6),
        "any" => return Ok(Traffic::Any),
        _ => {}
    }
    if let Some((protocol, port)) = text.split_once('/') {
        let protocol = match protocol {
            "tcp" => Protocol::Tcp,
            "udp" => Protocol::Udp,
            "sctp" => Protocol::Sctp,
            other => return Err(format!("unknown protocol `{other}`; use tcp, udp or sctp")),
        };
        let number = |text: &str| match text.parse::<u16>() {
            Ok(p) if p > 0 => Ok(p),
            _ => Err(format!("`{text}` is not a port number (1 to 65535)")),
        };
        return match port.split_once("..") {
            Some((a, b)) => match (number(a)?, number(b)?) {
                (a, b) if a < b => Ok(Traffic::Range(protocol, a, b)),
                (a, b) if a == b => Ok(Traffic::Port(protocol, a)),
                _ => Err(format!(
                    "`{port}` is not a range: the first port is above the last"
                )),
            },
            None => number(port).map(|p| Traffic::Port(protocol, p)),
        };
    }
    service_traffic(policy, dst, text).ok_or_else(|| {
        format!("`{text}` is not a port (`tcp/22`), `icmp`, `icmpv6` or a known service")
    })
}

/// A service's first port: of the destination machine, else from the catalogue.
pub fn service_traffic(policy: &Policy, dst: &Endpoint, name: &str) -> Option<Traffic> {
    let model = policy.model;
    let machine = match dst {
        Endpoint::Machine(m) => Some(*m),
        Endpoint::Router => Some(policy.router),
        _ => None,
    };
    let from_machine = machine.and_then(|m| {
        model
            .machine(m)
            .services
            .iter()
            .find(|s| s.name == name)
            .and_then(|s| s.ports.first().copied())
    });
    let from_catalogue = model
        .services
        .iter()
        .find(|s| s.name == name)
        .and_then(|s| s.ports.first().copied());
    from_machine
        .or(from_catalogue)
        .map(|p| Traffic::Port(p.protocol, p.first))
}

/// The addresses of an endpoint in a family; `None` means "any".
pub fn addresses(policy: &Policy, endpoint: &Endpoint, family: IpFamily) -> Option<Vec<IpAddr>> {
    let of_family = |a: &IpAddr| super::family_of(*a) == family;
    match endpoint {
        Endpoint::Zone(_) => None,
        Endpoint::Router => Some(
            policy
                .local_addresses()
                .into_iter()
                .filter(of_family)
                .collect(),
        ),
        Endpoint::Address(a) => Some(if of_family(a) { vec![*a] } else { Vec::new() }),
        Endpoint::Machine(m) => {
            let machine = policy.model.machine(*m);
            // The BMC is a device of its own, not the machine's operating system.
            let bmc = machine.bmc.as_deref().map(|p| p.address.value);
            // An overlay address travels inside the overlay's tunnels, not through this
            // router, unless the router is on that overlay itself.
            let routed = |network: crate::NetworkId| {
                policy.model.network(network).overlay.is_none()
                    || policy.interfaces.iter().any(|i| i.network == network)
            };
            Some(
                machine
                    .addresses()
                    .into_iter()
                    .filter(|(n, _)| routed(*n))
                    .map(|(_, a)| a.value)
                    .filter(|a| Some(*a) != bmc)
                    .filter(of_family)
                    .collect(),
            )
        }
    }
}

/// The links an endpoint's traffic uses at the router (`None`: the router itself).
pub fn links(policy: &Policy, endpoint: &Endpoint, family: IpFamily) -> Option<Ranges> {
    match endpoint {
        Endpoint::Router => None,
        Endpoint::Zone(z) => Some(policy.link_set(&Links::Zone(z.clone()))),
        Endpoint::Address(_) | Endpoint::Machine(_) => {
            let mut set = Ranges::empty();
            for a in addresses(policy, endpoint, family).unwrap_or_default() {
                if let Route::Link(l) = policy.route(a) {
                    set = set.union(&Ranges::single(policy.link_index(l) as u128));
                }
            }
            if let Endpoint::Machine(m) = endpoint {
                // A NIC on DHCP has no address to route by; its network's zone places it.
                for (_, nic, network) in policy.model.machine(*m).attached() {
                    let zone = &policy.model.network(network).zone;
                    if nic.ip.is_none() && nic.ip6.is_none() {
                        set = set.union(&policy.link_set(&Links::Zone(zone.clone())));
                    }
                }
            }
            Some(set)
        }
    }
}

/// The layer-4 keys a flow's packets carry in a family.
pub fn l4_set(traffic: Traffic, family: IpFamily) -> Ranges {
    match (traffic, family) {
        (Traffic::Port(p, n), _) => Ranges::single(l4_key(protocol_number(p), n)),
        (Traffic::Range(p, a, b), _) => {
            Ranges::span(l4_key(protocol_number(p), a), l4_key(protocol_number(p), b))
        }
        (Traffic::Any, _) => Ranges::span(0, l4_key(u8::MAX, u16::MAX)),
        (Traffic::Ping, IpFamily::Ipv4) => Ranges::span(
            l4_key(proto::ICMP, 8 << 8),
            l4_key(proto::ICMP, (8 << 8) | 0xff),
        ),
        (Traffic::Ping | Traffic::Ping6, IpFamily::Ipv6) => Ranges::span(
            l4_key(proto::ICMPV6, 128 << 8),
            l4_key(proto::ICMPV6, (128 << 8) | 0xff),
        ),
        (Traffic::Ping6, IpFamily::Ipv4) => Ranges::empty(),
    }
}

fn address_set(list: Option<Vec<IpAddr>>) -> Option<Ranges> {
    list.map(|l| Ranges::from_ranges(l.into_iter().map(|a| (address_value(a), address_value(a)))))
}

/// The query region of a flow in one family, and its chain; `None` when the flow does
/// not exist in that family (an endpoint has no address of it, or cannot be routed).
/// `router` narrows the router's side to some of its addresses in this family (see
/// [`super::addressed`]); `None` means all its static addresses.
pub fn flow_region(
    policy: &Policy,
    src: &Endpoint,
    dst: &Endpoint,
    traffic: Traffic,
    family: IpFamily,
    router: Option<&Ranges>,
) -> Option<(Chain, Region)> {
    let side = |e: &Endpoint| match (e, router) {
        (Endpoint::Router, Some(set)) => Some(set.clone()),
        _ => address_set(addresses(policy, e, family)),
    };
    let in_links = links(policy, src, family);
    let out_links = links(policy, dst, family);
    let chain = match (&in_links, &out_links) {
        (Some(_), Some(_)) => Chain::Forward,
        (Some(_), None) => Chain::Input,
        (None, Some(_)) => Chain::Output,
        (None, None) => return None,
    };
    let mut region = Region::universe(family, policy.link_count())
        .with(Field::L4, &l4_set(traffic, family))
        .with(Field::Dnat, &Ranges::single(0));
    if let Some(l) = &in_links {
        region = region.with(Field::InLink, l);
    }
    if let Some(l) = &out_links {
        region = region.with(Field::OutLink, l);
    }
    if let Some(s) = side(src) {
        region = region.with(Field::Source, &s);
    }
    if let Some(d) = side(dst) {
        region = region.with(Field::Destination, &d);
    }
    (!region.is_empty()).then_some((chain, region))
}

/// The port forwards that carry a flow to DST, with the rewritten packets' region.
pub fn forwarded<'p>(
    policy: &'p Policy,
    src: &Endpoint,
    dst: &Endpoint,
    traffic: Traffic,
    family: IpFamily,
) -> Vec<(&'p Dnat, Region)> {
    // The protocol and ports the flow carries; every forward matches `Any`.
    let (protocol, first, last) = match traffic {
        Traffic::Port(p, n) => (Some(p), n, n),
        Traffic::Range(p, a, b) => (Some(p), a, b),
        Traffic::Any => (None, 1, u16::MAX),
        Traffic::Ping | Traffic::Ping6 => return Vec::new(),
    };
    let carries =
        |p: Protocol, a: u16, b: u16| protocol.is_none_or(|q| q == p) && a <= last && first <= b;
    if family != IpFamily::Ipv4 {
        return Vec::new();
    }
    let Some(in_links) = links(policy, src, family) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for dnat in &policy.dnat {
        let zone_links = if dnat.zone.is_empty() {
            policy.link_set(&Links::Any)
        } else {
            policy.link_set(&Links::Zone(dnat.zone.clone()))
        };
        let from = in_links.intersect(&zone_links);
        // Addressed to the router on the forwarded port, or to the target on its own port.
        let protocol = dnat.port.protocol;
        let target_ports = dnat.target_ports();
        let to_target = carries(protocol, target_ports.first, target_ports.last);
        let matches = match dst {
            Endpoint::Router => carries(protocol, dnat.port.first, dnat.port.last),
            Endpoint::Machine(m) => *m == dnat.target && to_target,
            Endpoint::Address(a) => *a == IpAddr::V4(dnat.address) && to_target,
            Endpoint::Zone(_) => false,
        };
        if from.is_empty() || !matches {
            continue;
        }
        let target = IpAddr::V4(dnat.address);
        let out_link = match policy.route(target) {
            Route::Link(l) => Ranges::single(policy.link_index(l) as u128),
            _ => continue,
        };
        let mut region = Region::universe(family, policy.link_count())
            .with(Field::InLink, &from)
            .with(Field::OutLink, &out_link)
            .with(Field::Destination, &Ranges::single(address_value(target)))
            .with(
                Field::L4,
                &Ranges::span(
                    l4_key(protocol_number(protocol), target_ports.first),
                    l4_key(protocol_number(protocol), target_ports.last),
                ),
            )
            .with(Field::Dnat, &Ranges::single(1));
        if let Some(s) = address_set(addresses(policy, src, family)) {
            region = region.with(Field::Source, &s);
        }
        if !region.is_empty() {
            out.push((dnat, region));
        }
    }
    out
}

/// The share of a path that one rule (or the chain policy) decides.
#[derive(Debug, Clone)]
pub struct Share {
    pub decider: Decider,
    pub action: Action,
    /// The source addresses of that share.
    pub sources: Ranges,
    /// Its layer-4 keys (protocols and ports, see [`super::l4_key`]).
    pub l4: Ranges,
}

/// How a flow reaches the chain that filters it.
#[derive(Debug, Clone)]
pub enum Via<'p> {
    /// Addressed to the router and rewritten by a port forward.
    Forward(&'p Dnat),
    /// Addressed directly.
    Direct,
}

/// One way a flow's packets take through the firewall, in one family.
#[derive(Debug, Clone)]
pub struct FlowPath<'p> {
    pub family: IpFamily,
    pub via: Via<'p>,
    pub chain: Chain,
    pub region: Region,
    /// Who decides each part, in rule order.
    pub shares: Vec<Share>,
}

impl FlowPath<'_> {
    /// Whether every packet of the path is accepted.
    pub fn accepts_all(&self) -> bool {
        self.shares.iter().all(|s| s.action.accepts())
    }

    /// Whether some packet of the path is accepted.
    pub fn accepts_some(&self) -> bool {
        self.shares.iter().any(|s| s.action.accepts())
    }
}

/// The answer to a flow query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowVerdict {
    /// The endpoints share no address family the router routes.
    NoSuchFlow,
    /// In every family, some path accepts all of the flow.
    Allowed,
    /// Some packets are accepted, not all.
    Partial,
    /// No packet is accepted.
    Denied,
}

impl FlowVerdict {
    /// The verdict in words, as `explain-flow` prints it.
    pub fn describe(self) -> &'static str {
        match self {
            FlowVerdict::NoSuchFlow => {
                "no such flow: the endpoints share no address family the router routes"
            }
            FlowVerdict::Allowed => "allowed",
            FlowVerdict::Partial => "allowed only in part (see above)",
            FlowVerdict::Denied => "denied",
        }
    }
}

/// Every path of a flow through a firewall, and the verdict.
#[derive(Debug, Clone)]
pub struct FlowAnswer<'p> {
    /// IPv4 paths first; within a family port forwards first, then the direct path.
    pub paths: Vec<FlowPath<'p>>,
    pub verdict: FlowVerdict,
}

impl FlowAnswer<'_> {
    /// The rules that decide some part of the flow the way `accepts` says, each once,
    /// in path order: the rules to blame when an expectation fails.
    pub fn deciders(&self, accepts: bool) -> Vec<(Chain, Decider)> {
        let mut out: Vec<(Chain, Decider)> = Vec::new();
        for path in &self.paths {
            for share in &path.shares {
                let key = (path.chain, share.decider);
                if share.action.accepts() == accepts && !out.contains(&key) {
                    out.push(key);
                }
            }
        }
        out
    }

    /// Whether a rule decides some part of the flow.
    pub fn depends_on(&self, chain: Chain, rule: usize) -> bool {
        self.paths
            .iter()
            .any(|p| p.chain == chain && p.shares.iter().any(|s| s.decider == Decider::Rule(rule)))
    }
}

/// Who decides a flow from SRC to DST carrying TRAFFIC, in both families.
pub fn query<'p>(
    policy: &'p Policy,
    src: &Endpoint,
    dst: &Endpoint,
    traffic: Traffic,
) -> FlowAnswer<'p> {
    query_at(policy, src, dst, traffic, None)
}

/// [`query`] with the router's side narrowed to some of its addresses: per family
/// (IPv4, IPv6) the addresses, or `None` where the flow uses none of that family.
pub fn query_at<'p>(
    policy: &'p Policy,
    src: &Endpoint,
    dst: &Endpoint,
    traffic: Traffic,
    router: Option<&[Option<Ranges>; 2]>,
) -> FlowAnswer<'p> {
    let mut paths = Vec::new();
    // Per family: whether some path accepts all of the flow, and whether any accepts
    // part of it.
    let mut families = Vec::new();
    let any = traffic == Traffic::Any;
    for (k, family) in [IpFamily::Ipv4, IpFamily::Ipv6].into_iter().enumerate() {
        let narrowed = match router {
            Some(sets) => match &sets[k] {
                Some(set) => Some(set),
                None => continue,
            },
            None => None,
        };
        let start = paths.len();
        for (dnat, region) in forwarded(policy, src, dst, traffic, family) {
            let via = Via::Forward(dnat);
            paths.extend(path(policy, family, via, Chain::Forward, region, any));
        }
        if let Some((chain, region)) = flow_region(policy, src, dst, traffic, family, narrowed) {
            paths.extend(path(policy, family, Via::Direct, chain, region, any));
        }
        let mine = &paths[start..];
        if !mine.is_empty() {
            families.push((
                mine.iter().any(FlowPath::accepts_all),
                mine.iter().any(FlowPath::accepts_some),
            ));
        }
    }
    let verdict = if families.is_empty() {
        FlowVerdict::NoSuchFlow
    } else if families.iter().all(|(whole, _)| *whole) {
        FlowVerdict::Allowed
    } else if families.iter().any(|(_, part)| *part) {
        FlowVerdict::Partial
    } else {
        FlowVerdict::Denied
    };
    FlowAnswer { paths, verdict }
}

fn path<'p>(
    policy: &Policy,
    family: IpFamily,
    via: Via<'p>,
    chain: Chain,
    region: Region,
    any: bool,
) -> Option<FlowPath<'p>> {
    // For "any traffic", the built-in accepts are not the zones' business (as in
    // `Policy::reach`); built-in drops still count.
    let builtin_accept =
        |r: &super::PolicyRule| any && matches!(r.origin, Origin::Builtin(_)) && r.action.accepts();
    // A packet whose source does not belong where it arrives is not part of a flow from
    // that endpoint: it is a forgery, and the anti-spoofing rule drops it before any
    // rule of the lab sees it. The flow is what remains.
    let spoofed = |decider: &Decider| match decider {
        Decider::Rule(i) => matches!(
            policy.rules(chain)[*i].origin,
            Origin::Builtin(super::Builtin::AntiSpoofing)
        ),
        Decider::Policy => false,
    };
    let shares: Vec<Share> = policy
        .classify_without(chain, &region, builtin_accept)
        .into_iter()
        .filter(|(decider, _)| !spoofed(decider))
        .map(|(decider, pieces)| Share {
            decider,
            action: policy.action_of(chain, decider),
            sources: pieces
                .iter()
                .fold(Ranges::empty(), |acc, p| acc.union(p.get(Field::Source))),
            l4: pieces
                .iter()
                .fold(Ranges::empty(), |acc, p| acc.union(p.get(Field::L4))),
        })
        .collect();
    if shares.is_empty() {
        return None;
    }
    let legitimate = shares
        .iter()
        .fold(Ranges::empty(), |acc, s| acc.union(&s.sources));
    Some(FlowPath {
        family,
        via,
        chain,
        region: region.with(Field::Source, &legitimate),
        shares,
    })
}

/// Where a decider is written: the rule's span, or the chain's `policy` line; `None`
/// for a built-in rule.
pub fn decider_span(policy: &Policy, chain: Chain, decider: Decider) -> Option<Span> {
    match decider {
        Decider::Rule(i) => {
            let rule = &policy.rules(chain)[i];
            match rule.origin {
                Origin::Builtin(_) => None,
                _ => rule.span,
            }
        }
        Decider::Policy => Some(policy.policy_span(chain)),
    }
}

/// An endpoint in words: the router's or machine's name, `zone Z`, or the address.
pub fn endpoint_text(policy: &Policy, e: &Endpoint) -> String {
    match e {
        Endpoint::Router => policy.model.machine(policy.router).name.clone(),
        Endpoint::Zone(z) => format!("zone {z}"),
        Endpoint::Machine(m) => policy.model.machine(*m).name.clone(),
        Endpoint::Address(a) => a.to_string(),
    }
}

/// Traffic in words: `tcp/22`, `icmp echo`, `icmpv6 echo`.
pub fn traffic_text(traffic: Traffic) -> String {
    match traffic {
        Traffic::Port(p, n) => format!("{}/{n}", p.as_str()),
        Traffic::Range(p, a, b) => format!("{}/{a}..{b}", p.as_str()),
        Traffic::Any => "any traffic".into(),
        Traffic::Ping => "icmp echo".into(),
        Traffic::Ping6 => "icmpv6 echo".into(),
    }
}
