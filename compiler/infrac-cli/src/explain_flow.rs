//! `infrac explain-flow`: whether a router's firewall lets one flow through, and which
//! rule decides it; without a flow, what each zone may open toward each other zone.

use crate::report::print_human;
use infrac_diagnostics::did_you_mean;
use infrac_driver::check_path;
use infrac_model::policy::{
    self, address_value, describe_l4, l4_key, proto, Action, Chain, Decider, Field, Links, Origin,
    Policy, Ranges, Region, Route,
};
use infrac_model::{IpFamily, MachineId, Model, Protocol};
use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;

/// Explain whether the firewall lets a flow through, and which rule decides it
#[derive(clap::Args)]
#[command(
    long_about = "Evaluate the firewall of FILE's router for new connections from SRC to DST on \
PORT, with the same semantics as the generated nftables ruleset, and print the verdict with the \
rule that decides it and where that rule is written. SRC and DST are a zone, `router`, a \
machine name or an address; PORT is `tcp/22`, `udp/53`, `sctp/N`, `icmp` (ping), `icmpv6` or a service \
of DST. Without SRC DST PORT, print what each zone may open toward each other zone.\n\n\
Exits 0 when every packet of the flow is accepted, 1 when some or all are not (or FILE has \
errors), 2 on usage errors.",
    after_help = "EXAMPLES:\n    infrac explain-flow examples/orion.infra guest netbox tcp/22\n    \
infrac explain-flow examples/orion.infra wan router tcp/179\n    \
infrac explain-flow examples/orion.infra"
)]
pub struct Args {
    /// The lab file
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Where the flow starts: a zone, `router`, a machine or an address
    #[arg(value_name = "SRC", requires_all = ["dst", "port"])]
    src: Option<String>,
    /// Where it goes: a zone, `router`, a machine or an address
    #[arg(value_name = "DST")]
    dst: Option<String>,
    /// What it is: `tcp/22`, `udp/53`, `icmp`, `icmpv6` or a service of DST
    #[arg(value_name = "PORT")]
    port: Option<String>,
    /// The router whose firewall to use, when the lab has several
    #[arg(long, value_name = "MACHINE")]
    router: Option<String>,
}

/// One side of a flow, resolved against the model.
#[derive(Debug, Clone)]
enum Endpoint {
    Router,
    Zone(String),
    Machine(MachineId),
    Address(IpAddr),
}

/// What the flow carries.
#[derive(Debug, Clone, Copy)]
enum Traffic {
    Port(Protocol, u16),
    /// Echo requests of both families.
    Ping,
    /// Echo requests over IPv6 only.
    Ping6,
}

pub fn run(args: Args, color: bool) -> ExitCode {
    let analysis = match check_path(&args.file) {
        Ok(a) => a,
        Err(why) => {
            eprintln!("error: cannot read `{}`: {why}", args.file.display());
            return ExitCode::from(2);
        }
    };
    if analysis.has_errors() {
        print_human(&analysis, color);
        return ExitCode::from(1);
    }
    let model = &analysis.model;
    let index = match pick_firewall(model, args.router.as_deref()) {
        Ok(i) => i,
        Err(why) => {
            eprintln!("error: {why}");
            return ExitCode::from(2);
        }
    };
    let policy = Policy::compile(model, index);
    match (args.src, args.dst, args.port) {
        (Some(src), Some(dst), Some(port)) => explain(&policy, &src, &dst, &port),
        _ => {
            print!("{}", matrix(&policy));
            ExitCode::SUCCESS
        }
    }
}

fn pick_firewall(model: &Model, router: Option<&str>) -> Result<usize, String> {
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

fn resolve(policy: &Policy, text: &str) -> Result<Endpoint, String> {
    let model = policy.model;
    let router = &model.machine(policy.router).name;
    if text == "router" || text == router {
        return Ok(Endpoint::Router);
    }
    if let Ok(address) = text.parse::<IpAddr>() {
        return Ok(Endpoint::Address(address));
    }
    if model.networks.iter().any(|n| n.zone == text) {
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

fn parse_traffic(policy: &Policy, dst: &Endpoint, text: &str) -> Result<Traffic, String> {
    match text {
        "icmp" | "ping" => return Ok(Traffic::Ping),
        "icmpv6" => return Ok(Traffic::Ping6),
        _ => {}
    }
    if let Some((protocol, port)) = text.split_once('/') {
        let protocol = match protocol {
            "tcp" => Protocol::Tcp,
            "udp" => Protocol::Udp,
            "sctp" => Protocol::Sctp,
            other => return Err(format!("unknown protocol `{other}`; use tcp, udp or sctp")),
        };
        return match port.parse::<u16>() {
            Ok(p) if p > 0 => Ok(Traffic::Port(protocol, p)),
            _ => Err(format!("`{port}` is not a port number (1..=65535)")),
        };
    }
    // A service name: of the destination machine, else from the catalogue.
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
            .find(|s| s.name == text)
            .and_then(|s| s.ports.first().copied())
    });
    let from_catalogue = model
        .services
        .iter()
        .find(|s| s.name == text)
        .and_then(|s| s.ports.first().copied());
    match from_machine.or(from_catalogue) {
        Some(p) => Ok(Traffic::Port(p.protocol, p.first)),
        None => Err(format!(
            "`{text}` is not a port (`tcp/22`), `icmp`, `icmpv6` or a known service"
        )),
    }
}

/// The addresses of an endpoint in a family; `None` means "any".
fn addresses(policy: &Policy, endpoint: &Endpoint, family: IpFamily) -> Option<Vec<IpAddr>> {
    let of_family = |a: &IpAddr| policy::family_of(*a) == family;
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
            let bmc = machine.bmc.map(|p| p.address.value);
            Some(
                machine
                    .addresses()
                    .into_iter()
                    .map(|(_, a)| a.value)
                    .filter(|a| Some(*a) != bmc)
                    .filter(of_family)
                    .collect(),
            )
        }
    }
}

/// The links an endpoint's traffic uses at the router (`None`: the router itself).
fn links(policy: &Policy, endpoint: &Endpoint, family: IpFamily) -> Option<Ranges> {
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

fn l4_set(traffic: Traffic, family: IpFamily) -> Ranges {
    match (traffic, family) {
        (Traffic::Port(p, n), _) => Ranges::single(l4_key(policy::protocol_number(p), n)),
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
fn flow_region(
    policy: &Policy,
    src: &Endpoint,
    dst: &Endpoint,
    traffic: Traffic,
    family: IpFamily,
) -> Option<(Chain, Region)> {
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
    if let Some(s) = address_set(addresses(policy, src, family)) {
        region = region.with(Field::Source, &s);
    }
    if let Some(d) = address_set(addresses(policy, dst, family)) {
        region = region.with(Field::Destination, &d);
    }
    (!region.is_empty()).then_some((chain, region))
}

/// The rule's first source line, trimmed, with its location.
fn rule_text(policy: &Policy, chain: Chain, decider: Decider) -> (String, Option<String>) {
    match decider {
        Decider::Rule(i) => {
            let rule = &policy.rules(chain)[i];
            match (rule.origin, rule.span) {
                (Origin::Builtin(b), _) => (format!("built in: {}", b.describe()), None),
                (_, Some(span)) => {
                    let text = policy.model.sources.snippet(span);
                    let first = text.lines().next().unwrap_or_default().trim().to_string();
                    (format!("`{first}`"), Some(policy.location(span)))
                }
                (_, None) => (String::new(), None),
            }
        }
        Decider::Policy => {
            let verdict = policy.policy(chain).as_str();
            (
                format!("the {chain} chain's policy (`policy {chain} = {verdict}`)"),
                Some(policy.location(policy.policy_span(chain))),
            )
        }
    }
}

fn verdict_word(action: Action) -> &'static str {
    match action {
        Action::Accept => "allowed",
        Action::Drop => "denied (dropped)",
        Action::Reject => "denied (rejected)",
    }
}

/// Source addresses in words: `any source`, `10.0.0.0/8`, `any source except …`.
fn describe_sources(set: &Ranges, family: IpFamily) -> String {
    let full = Ranges::span(
        0,
        match family {
            IpFamily::Ipv4 => u128::from(u32::MAX),
            IpFamily::Ipv6 => u128::MAX,
        },
    );
    if *set == full {
        return String::new();
    }
    let complement = full.subtract(set);
    let (list, except) = if complement.ranges().len() < set.ranges().len() {
        (complement, true)
    } else {
        (set.clone(), false)
    };
    let text: Vec<String> = list
        .ranges()
        .iter()
        .flat_map(|&(a, b)| range_text(a, b, family))
        .collect();
    if except {
        format!(" from any source except {}", text.join(", "))
    } else {
        format!(" from {}", text.join(", "))
    }
}

fn address_text(value: u128, family: IpFamily) -> String {
    match family {
        IpFamily::Ipv4 => std::net::Ipv4Addr::from(value as u32).to_string(),
        IpFamily::Ipv6 => std::net::Ipv6Addr::from(value).to_string(),
    }
}

/// A range of addresses as CIDR blocks (or `first..last` when it takes many).
fn range_text(first: u128, last: u128, family: IpFamily) -> Vec<String> {
    let bits: u32 = match family {
        IpFamily::Ipv4 => 32,
        IpFamily::Ipv6 => 128,
    };
    let block_end = |at: u128, k: u32| {
        if k >= 128 {
            u128::MAX
        } else {
            at + ((1u128 << k) - 1)
        }
    };
    let mut out = Vec::new();
    let mut at = first;
    loop {
        // The largest aligned block starting at `at` that stays inside the range.
        let mut k = if at == 0 {
            bits
        } else {
            at.trailing_zeros().min(bits)
        };
        while k > 0 && block_end(at, k) > last {
            k -= 1;
        }
        let len = bits - k;
        out.push(if len == bits {
            address_text(at, family)
        } else {
            format!("{}/{len}", address_text(at, family))
        });
        if out.len() > 8 {
            return vec![format!(
                "{}..{}",
                address_text(first, family),
                address_text(last, family)
            )];
        }
        let end = block_end(at, k);
        if end >= last {
            return out;
        }
        at = end + 1;
    }
}

fn endpoint_text(policy: &Policy, e: &Endpoint) -> String {
    match e {
        Endpoint::Router => policy.model.machine(policy.router).name.clone(),
        Endpoint::Zone(z) => format!("zone {z}"),
        Endpoint::Machine(m) => policy.model.machine(*m).name.clone(),
        Endpoint::Address(a) => a.to_string(),
    }
}

fn link_names(policy: &Policy, set: &Ranges) -> String {
    let names: Vec<String> = set
        .ranges()
        .iter()
        .flat_map(|&(a, b)| a..=b)
        .map(|i| policy.link_name(policy.link_at(i as usize)))
        .collect();
    if names.is_empty() {
        "no interface".into()
    } else {
        names.join(",")
    }
}

fn traffic_text(traffic: Traffic) -> String {
    match traffic {
        Traffic::Port(p, n) => format!("{}/{n}", p.as_str()),
        Traffic::Ping => "icmp echo".into(),
        Traffic::Ping6 => "icmpv6 echo".into(),
    }
}

fn explain(policy: &Policy, src: &str, dst: &str, port: &str) -> ExitCode {
    let (src, dst) = match (resolve(policy, src), resolve(policy, dst)) {
        (Ok(s), Ok(d)) => (s, d),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let traffic = match parse_traffic(policy, &dst, port) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    println!(
        "{} -> {} {}",
        endpoint_text(policy, &src),
        endpoint_text(policy, &dst),
        traffic_text(traffic)
    );
    // Per family: whether some path accepts all of the flow, and whether any accepts
    // part of it.
    let mut families = Vec::new();
    for family in [IpFamily::Ipv4, IpFamily::Ipv6] {
        let mut whole = false;
        let mut part = false;
        let mut paths = 0;
        let family_name = match family {
            IpFamily::Ipv4 => "IPv4",
            IpFamily::Ipv6 => "IPv6",
        };
        // Through a port forward: the flow addressed to the router, rewritten to DST.
        for (dnat, rewritten) in forwarded(policy, &src, &dst, traffic, family) {
            paths += 1;
            println!(
                "  {family_name}, addressed to {} and forwarded to {}:{} by `{}`",
                endpoint_text(policy, &Endpoint::Router),
                dnat.address,
                dnat.target_port,
                policy
                    .model
                    .sources
                    .snippet(dnat.span)
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .trim()
            );
            println!("      at {}", policy.location(dnat.span));
            let (all, some) = print_decisions(policy, Chain::Forward, &rewritten, family);
            whole |= all;
            part |= some;
        }
        let direct = if paths > 0 {
            ", addressed directly"
        } else {
            ""
        };
        if let Some((chain, region)) = flow_region(policy, &src, &dst, traffic, family) {
            paths += 1;
            let path = match chain {
                Chain::Input => format!("in {}", link_names(policy, region.get(Field::InLink))),
                Chain::Output => format!("out {}", link_names(policy, region.get(Field::OutLink))),
                Chain::Forward => format!(
                    "in {}, out {}",
                    link_names(policy, region.get(Field::InLink)),
                    link_names(policy, region.get(Field::OutLink))
                ),
            };
            println!("  {family_name}{direct}, {chain} chain ({path}):");
            let (all, some) = print_decisions(policy, chain, &region, family);
            whole |= all;
            part |= some;
        }
        if paths > 0 {
            families.push((whole, part));
        }
    }
    let result = if families.is_empty() {
        "no such flow: the endpoints share no address family the router routes"
    } else if families.iter().all(|(whole, _)| *whole) {
        "allowed"
    } else if families.iter().any(|(_, part)| *part) {
        "allowed only in part (see above)"
    } else {
        "denied"
    };
    println!("result: {result}");
    ExitCode::from(u8::from(result != "allowed"))
}

/// Prints who decides each part of a region; whether all of it, and whether any of it,
/// is accepted.
fn print_decisions(
    policy: &Policy,
    chain: Chain,
    region: &Region,
    family: IpFamily,
) -> (bool, bool) {
    let mut all = true;
    let mut some = false;
    for (decider, pieces) in policy.classify(chain, region) {
        let action = policy.action_of(chain, decider);
        all &= action.accepts();
        some |= action.accepts();
        let sources = pieces
            .iter()
            .fold(Ranges::empty(), |acc, p| acc.union(p.get(Field::Source)));
        let whole = region.get(Field::Source);
        let scope = if sources == *whole {
            String::new()
        } else {
            describe_sources(&sources, family)
        };
        let (text, location) = rule_text(policy, chain, decider);
        println!("    {}{scope}: {text}", verdict_word(action));
        if let Some(at) = location {
            println!("      at {at}");
        }
    }
    (all, some)
}

/// The port forwards that carry a flow to DST, with the rewritten packets' region.
fn forwarded<'p>(
    policy: &'p Policy,
    src: &Endpoint,
    dst: &Endpoint,
    traffic: Traffic,
    family: IpFamily,
) -> Vec<(&'p policy::Dnat, Region)> {
    let Traffic::Port(protocol, port) = traffic else {
        return Vec::new();
    };
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
        let matches = match dst {
            Endpoint::Router => {
                dnat.port.protocol == protocol && (dnat.port.first..=dnat.port.last).contains(&port)
            }
            Endpoint::Machine(m) => {
                *m == dnat.target && dnat.port.protocol == protocol && dnat.target_port == port
            }
            Endpoint::Address(a) => {
                *a == IpAddr::V4(dnat.address)
                    && dnat.port.protocol == protocol
                    && dnat.target_port == port
            }
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
                &Ranges::single(l4_key(policy::protocol_number(protocol), dnat.target_port)),
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

/// What each zone may open toward each other zone, then the port forwards.
fn matrix(policy: &Policy) -> String {
    let mut zones = policy.zones();
    zones.push("router".into());
    let router = &policy.model.machine(policy.router).name;
    let mut out = format!(
        "firewall of {router}: new connections each zone may open (established traffic always returns)\n"
    );
    for from in &zones {
        for to in &zones {
            if from == to {
                continue;
            }
            let reach = policy.reach(from, to);
            let mut what = if reach.everything {
                "everything".to_string()
            } else if reach.l4.is_empty() {
                "nothing".to_string()
            } else {
                describe_l4(&reach.l4).join(", ")
            };
            if reach.some_sources && !reach.l4.is_empty() && !reach.everything {
                what.push_str(" (some only from certain sources)");
            }
            out.push_str(&format!("  {from:>8} -> {to:<8} {what}\n"));
        }
    }
    out.push_str(
        "every zone: ICMP errors; the router: IPv6 neighbour discovery, its DHCP client's replies\n",
    );
    if !policy.dnat.is_empty() {
        out.push_str("port forwards:\n");
        for d in &policy.dnat {
            out.push_str(&format!(
                "  {:>8} {} -> {} {}:{}  ({})\n",
                if d.zone.is_empty() { "any" } else { &d.zone },
                d.port,
                policy.model.machine(d.target).name,
                d.address,
                d.target_port,
                policy.location(d.span)
            ));
        }
    }
    out
}
