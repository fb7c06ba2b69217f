//! Expectations: what the lab says must or must not be reachable (`expect` statements),
//! resolved against the model, and the facts that prove them.
//!
//! The checks (`infrac-checks`, family `expect`) turn a failed proof into a diagnostic;
//! the language server asks [`expectations_decided_by`] which expectations a rule
//! decides. Both read the flow engine of [`crate::policy::flow`], the one `explain-flow`
//! prints, so an expectation fails exactly when `explain-flow` disagrees with it.

use crate::policy::flow::{self, Endpoint, FlowAnswer, Traffic};
use crate::policy::{Chain, Decider, Field, Policy, Ranges};
use crate::{AppId, IpFamily, MachineId, Model, NetworkId, RouteTarget, Span, Spanned};
use std::net::IpAddr;

/// One `expect` statement.
#[derive(Debug, Clone)]
pub struct Expectation {
    pub intent: Intent,
    /// The whole statement.
    pub span: Span,
}

/// What an expectation says.
#[derive(Debug, Clone)]
pub enum Intent {
    /// `expect FROM -> TO [PORTS] allowed|denied`: through the firewall of
    /// `Model::firewalls[firewall]`, every listed traffic (or any traffic) is accepted,
    /// or none of it is.
    Flow {
        firewall: usize,
        from: Spanned<Endpoint>,
        to: Spanned<Endpoint>,
        /// At least one; `Traffic::Any` (spanned at the outcome) when none is written.
        traffic: Vec<Spanned<Traffic>>,
        allowed: bool,
    },
    /// `expect MACHINE -> TO reachable over OVERLAY`: the machine reaches TO's address on
    /// the overlay through the tunnels the lab configures.
    Overlay {
        network: Spanned<NetworkId>,
        from: Spanned<MachineId>,
        to: Spanned<Endpoint>,
    },
    /// `expect FROM -> TARGET only through INGRESS`: FROM reaches TARGET through the
    /// proxy, and no packet of FROM reaches TARGET's machines directly.
    OnlyThrough {
        firewall: usize,
        from: Spanned<Endpoint>,
        target: Spanned<Exposed>,
        /// Index into `Model::ingresses`.
        ingress: Spanned<usize>,
    },
}

/// What an ingress exposes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exposed {
    App(AppId),
    Machine(MachineId),
}

/// The answer of the firewall for one traffic of a flow expectation.
pub fn flow_answers<'p>(
    policy: &'p Policy,
    from: &Endpoint,
    to: &Endpoint,
    traffic: &[Spanned<Traffic>],
) -> Vec<(Spanned<Traffic>, FlowAnswer<'p>)> {
    traffic
        .iter()
        .map(|t| (*t, flow::query(policy, from, to, t.value)))
        .collect()
}

/// The parts of a flow that never reach the router: both ends on one of its links, so
/// the traffic stays on that network. Returns the links' names.
pub fn bypassing_links(policy: &Policy, answer: &FlowAnswer) -> Vec<String> {
    let mut shared = Ranges::empty();
    for path in &answer.paths {
        if path.chain == Chain::Forward && matches!(path.via, flow::Via::Direct) {
            shared = shared.union(
                &path
                    .region
                    .get(Field::InLink)
                    .intersect(path.region.get(Field::OutLink)),
            );
        }
    }
    shared
        .ranges()
        .iter()
        .flat_map(|&(a, b)| a..=b)
        .map(|i| policy.link_name(policy.link_at(i as usize)))
        .collect()
}

/// The machines that serve what an ingress exposes: the machine itself, or every node
/// of the app's cluster (a Kubernetes service answers on each of them).
pub fn exposed_machines(model: &Model, target: Exposed) -> Vec<MachineId> {
    match target {
        Exposed::Machine(m) => vec![m],
        Exposed::App(app) => {
            let cluster = model.cluster(model.apps[app.index()].cluster);
            cluster
                .servers
                .iter()
                .chain(&cluster.agents)
                .map(|m| m.value)
                .collect()
        }
    }
}

/// The routes of an ingress that send traffic to the target, as the TCP port the
/// proxy listens on for each (443 with TLS, else 80).
pub fn proxy_ports(model: &Model, ingress: usize, target: Exposed) -> Vec<u16> {
    let mut ports: Vec<u16> = model.ingresses[ingress]
        .routes
        .iter()
        .filter(|r| match (&r.to, target) {
            (RouteTarget::App(a), Exposed::App(b)) => *a == b,
            (RouteTarget::Machine(a, _), Exposed::Machine(b)) => *a == b,
            _ => false,
        })
        .map(|r| if r.tls { 443 } else { 80 })
        .collect();
    ports.sort_unstable();
    ports.dedup();
    ports
}

/// How a machine reaches an address over an overlay: through which member (`None`: the
/// address is not carried by the overlay at all).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OverlayPath {
    /// The tunnel to this member carries the address.
    Through(MachineId),
    /// A mesh overlay (Tailscale, ZeroTier): every member reaches every member.
    Mesh,
    /// No tunnel of the machine carries the address.
    Unreached,
}

/// The addresses an overlay endpoint stands for: a machine's addresses on the overlay,
/// or the address itself.
pub fn overlay_addresses(model: &Model, network: NetworkId, to: &Endpoint) -> Vec<IpAddr> {
    match to {
        Endpoint::Address(a) => vec![*a],
        Endpoint::Machine(m) => model
            .machine(*m)
            .attached()
            .filter(|(_, _, n)| *n == network)
            .flat_map(|(_, nic, _)| {
                nic.ip
                    .map(|a| IpAddr::V4(a.value))
                    .into_iter()
                    .chain(nic.ip6.map(|a| IpAddr::V6(a.value)))
            })
            .collect(),
        Endpoint::Router | Endpoint::Zone(_) => Vec::new(),
    }
}

/// Whether a machine is on an overlay.
pub fn is_member(model: &Model, network: NetworkId, machine: MachineId) -> bool {
    model
        .machine(machine)
        .attached()
        .any(|(_, _, n)| n == network)
}

/// How `from` reaches `address` over an overlay.
pub fn overlay_path(
    model: &Model,
    network: NetworkId,
    from: MachineId,
    address: IpAddr,
) -> OverlayPath {
    let net = model.network(network);
    let in_prefix = match address {
        IpAddr::V4(a) => net.ipv4.is_some_and(|p| p.value.contains(&a)),
        IpAddr::V6(a) => net.ipv6.is_some_and(|p| p.value.contains(&a)),
    };
    match net.overlay {
        Some(crate::Overlay::Wireguard) => {
            let machine = model.machine(from);
            let peers = crate::interfaces::wireguard_peers(model, network, machine);
            peers
                .iter()
                .find(|p| p.allowed_ips.iter().any(|n| n.contains(&address)))
                .and_then(|p| model.machine_named(&p.machine.name))
                .map_or(OverlayPath::Unreached, OverlayPath::Through)
        }
        // Tailscale and ZeroTier route between their members themselves; what they carry
        // is the overlay's own prefix.
        Some(_) if in_prefix => OverlayPath::Mesh,
        _ => OverlayPath::Unreached,
    }
}

/// The firewall an expectation asks, if any.
pub fn firewall_of(expectation: &Expectation) -> Option<usize> {
    match &expectation.intent {
        Intent::Flow { firewall, .. } | Intent::OnlyThrough { firewall, .. } => Some(*firewall),
        Intent::Overlay { .. } => None,
    }
}

/// The flows an expectation's proof asks the firewall about: (from, to, traffic).
pub fn flows_of(model: &Model, expectation: &Expectation) -> Vec<(Endpoint, Endpoint, Traffic)> {
    match &expectation.intent {
        Intent::Flow {
            from, to, traffic, ..
        } => traffic
            .iter()
            .map(|t| (from.value.clone(), to.value.clone(), t.value))
            .collect(),
        Intent::OnlyThrough {
            from,
            target,
            ingress,
            ..
        } => {
            let proxy = model.ingresses[ingress.value].machine;
            let mut out: Vec<(Endpoint, Endpoint, Traffic)> =
                proxy_ports(model, ingress.value, target.value)
                    .into_iter()
                    .map(|port| {
                        let tcp = Traffic::Port(crate::Protocol::Tcp, port);
                        (from.value.clone(), Endpoint::Machine(proxy), tcp)
                    })
                    .collect();
            for m in exposed_machines(model, target.value) {
                if m != proxy {
                    out.push((from.value.clone(), Endpoint::Machine(m), Traffic::Any));
                }
            }
            out
        }
        Intent::Overlay { .. } => Vec::new(),
    }
}

/// The expectations whose proof a firewall rule takes part in: those for which the rule
/// written at `rule` (an `allow`, `deny` or `forward` statement) decides some packet.
/// Returns indices into `Model::expectations`. The language server shows these when a
/// rule is hovered.
pub fn expectations_decided_by(model: &Model, rule: Span) -> Vec<usize> {
    let mut out = Vec::new();
    for (index, _) in model.firewalls.iter().enumerate() {
        let policy = Policy::compile(model, index);
        let rules: Vec<(Chain, usize)> = Chain::ALL
            .into_iter()
            .flat_map(|chain| {
                policy
                    .rules(chain)
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| r.span == Some(rule))
                    .map(move |(i, _)| (chain, i))
            })
            .collect();
        if rules.is_empty() {
            continue;
        }
        for (e, expectation) in model.expectations.iter().enumerate() {
            if firewall_of(expectation) != Some(index) || out.contains(&e) {
                continue;
            }
            let decides = flows_of(model, expectation).iter().any(|(from, to, t)| {
                let answer = flow::query(&policy, from, to, *t);
                rules.iter().any(|&(chain, i)| answer.depends_on(chain, i))
            });
            if decides {
                out.push(e);
            }
        }
    }
    out.sort_unstable();
    out
}

/// The deciding rules of an answer that go against the expected outcome, each with the
/// span it is written at (built-in rules have none).
pub fn culprits(
    policy: &Policy,
    answer: &FlowAnswer,
    expected_allowed: bool,
) -> Vec<(Chain, Decider, Option<Span>)> {
    answer
        .deciders(!expected_allowed)
        .into_iter()
        .map(|(chain, decider)| (chain, decider, flow::decider_span(policy, chain, decider)))
        .collect()
}

/// A family's name as people write it.
pub fn family_name(family: IpFamily) -> &'static str {
    match family {
        IpFamily::Ipv4 => "IPv4",
        IpFamily::Ipv6 => "IPv6",
    }
}
