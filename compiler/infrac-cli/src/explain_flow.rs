//! `infrac explain-flow`: whether a router's firewall lets one flow through, and which
//! rule decides it; without a flow, what each zone may open toward each other zone.

use crate::report::print_human;
use crate::stdout::{out, outln};
use infrac_driver::check_path;
use infrac_model::policy::addressed::{self, Outcome, RouterAddresses};
use infrac_model::policy::flow::{self, Endpoint, FlowAnswer, FlowPath, FlowVerdict, Via};
use infrac_model::policy::{describe_l4, Action, Chain, Decider, Field, Origin, Policy, Ranges};
use infrac_model::IpFamily;
use std::path::PathBuf;
use std::process::ExitCode;

/// Explain whether the firewall lets a flow through, and which rule decides it
#[derive(clap::Args)]
#[command(
    long_about = "Evaluate the firewall of FILE's router for new connections from SRC to DST on \
PORT, with the same semantics as the generated nftables ruleset, and print the verdict with the \
rule that decides it and where that rule is written. SRC and DST are a zone, `router`, a \
machine name or an address. Any address of the router (on any interface, IPv4 or IPv6, or a \
loopback address) names the router at that address; `router@NETWORK` names the router's \
addresses on NETWORK, including one it only learns by DHCP (`router@wan`: its dynamic uplink \
address). PORT is `tcp/22`, `tcp/8000..8100`, `udp/53`, `sctp/N`, `icmp` (ping), `icmpv6`, \
`any` (every new connection) or a service of DST. Without SRC DST PORT, print what each zone may open toward each other zone.\n\n\
Besides `allowed`, `denied` and `allowed only in part`, the result can be `does not pass the \
router` (both ends are on one network behind the same router interface: they talk directly and \
no rule of the router applies) or `never reaches the router` (a loopback address addressed from \
outside).\n\n\
Exits 0 when every packet of the flow is accepted or the flow does not pass the router, 1 \
when some or all packets are not accepted (or FILE has errors), 2 on usage errors.",
    after_help = "EXAMPLES:\n    infrac explain-flow examples/orion.infra guest netbox tcp/22\n    \
infrac explain-flow examples/orion.infra wan router tcp/179\n    \
infrac explain-flow examples/orion.infra wan router@wan tcp/22\n    \
infrac explain-flow examples/orion.infra lan 2602:f674:0:1000::1 udp/53\n    \
infrac explain-flow examples/orion.infra"
)]
pub struct Args {
    /// The lab file
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Where the flow starts: a zone, `router`, `router@NETWORK`, a machine or an address
    #[arg(value_name = "SRC", requires_all = ["dst", "port"])]
    src: Option<String>,
    /// Where it goes: a zone, `router`, `router@NETWORK`, a machine or an address
    #[arg(value_name = "DST")]
    dst: Option<String>,
    /// What it is: `tcp/22`, `tcp/8000..8100`, `udp/53`, `icmp`, `icmpv6`, `any` or a service of DST
    #[arg(value_name = "PORT")]
    port: Option<String>,
    /// The router whose firewall to use, when the lab has several
    #[arg(long, value_name = "MACHINE")]
    router: Option<String>,
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
    let index = match flow::pick_firewall(model, args.router.as_deref()) {
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
            out!("{}", matrix(&policy));
            ExitCode::SUCCESS
        }
    }
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

fn explain(policy: &Policy, src: &str, dst: &str, port: &str) -> ExitCode {
    let resolved = (
        addressed::resolve(policy, src),
        addressed::resolve(policy, dst),
    );
    let ((src, src_at), (dst, dst_at)) = match resolved {
        (Ok(s), Ok(d)) => (s, d),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let traffic = match flow::parse_traffic(policy, &dst, port) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    outln!(
        "{} -> {} {}",
        endpoint_text(policy, &src, src_at.as_ref()),
        endpoint_text(policy, &dst, dst_at.as_ref()),
        flow::traffic_text(traffic)
    );
    let router = &policy.model.machine(policy.router).name;
    let at = src_at.as_ref().or(dst_at.as_ref());
    let answer = match addressed::outcome(policy, &src, &dst, traffic, at) {
        Outcome::Filtered(answer) => answer,
        Outcome::Bypasses { interface, network } => {
            outln!(
                "result: does not pass the router: both ends are on network {network} \
                 behind {router}'s interface {interface}, so they reach each other directly \
                 and no rule of its firewall applies"
            );
            return ExitCode::SUCCESS;
        }
        Outcome::Martian => {
            let address = at.map(|a| a.text.as_str()).unwrap_or_default();
            outln!(
                "result: never reaches the router: {address} is a loopback address, which \
                 exists only inside {router}; the kernel drops packets to it that arrive on an \
                 interface"
            );
            return ExitCode::from(1);
        }
        Outcome::Loopback => {
            outln!(
                "result: allowed: {router} reaches its own addresses over its loopback \
                 interface, which the firewall always accepts (built in)"
            );
            return ExitCode::SUCCESS;
        }
    };
    print_answer(policy, &answer)
}

/// An endpoint in words, with the router's addresses when the flow names some.
fn endpoint_text(policy: &Policy, e: &Endpoint, at: Option<&RouterAddresses>) -> String {
    match at {
        Some(a) => format!("{} ({})", flow::endpoint_text(policy, e), a.text),
        None => flow::endpoint_text(policy, e),
    }
}

/// Prints every path of a flow the firewall decides, and the verdict.
fn print_answer(policy: &Policy, answer: &FlowAnswer) -> ExitCode {
    for (i, path) in answer.paths.iter().enumerate() {
        let family_name = match path.family {
            IpFamily::Ipv4 => "IPv4",
            IpFamily::Ipv6 => "IPv6",
        };
        match path.via {
            Via::Forward(dnat) => {
                outln!(
                    "  {family_name}, addressed to {} and forwarded to {}:{} by `{}`",
                    flow::endpoint_text(policy, &Endpoint::Router),
                    dnat.address,
                    dnat.target_ports().numbers(),
                    policy
                        .model
                        .sources
                        .snippet(dnat.span)
                        .lines()
                        .next()
                        .unwrap_or_default()
                        .trim()
                );
                outln!("      at {}", policy.location(dnat.span));
            }
            Via::Direct => {
                // After port forwards of the same family, say that this path is the other.
                let after_forward = answer.paths[..i]
                    .iter()
                    .any(|p| p.family == path.family && matches!(p.via, Via::Forward(_)));
                let direct = if after_forward {
                    ", addressed directly"
                } else {
                    ""
                };
                let region = &path.region;
                let chain = path.chain;
                let route = match chain {
                    Chain::Input => format!("in {}", link_names(policy, region.get(Field::InLink))),
                    Chain::Output => {
                        format!("out {}", link_names(policy, region.get(Field::OutLink)))
                    }
                    Chain::Forward => format!(
                        "in {}, out {}",
                        link_names(policy, region.get(Field::InLink)),
                        link_names(policy, region.get(Field::OutLink))
                    ),
                };
                outln!("  {family_name}{direct}, {chain} chain ({route}):");
            }
        }
        print_shares(policy, path);
    }
    outln!("result: {}", answer.verdict.describe());
    ExitCode::from(u8::from(answer.verdict != FlowVerdict::Allowed))
}

/// Prints who decides each part of a path.
fn print_shares(policy: &Policy, path: &FlowPath) {
    let whole = path.region.get(Field::Source);
    for share in &path.shares {
        let scope = if share.sources == *whole {
            String::new()
        } else {
            describe_sources(&share.sources, path.family)
        };
        let (text, location) = rule_text(policy, path.chain, share.decider);
        outln!("    {}{scope}: {text}", verdict_word(share.action));
        if let Some(at) = location {
            outln!("      at {at}");
        }
    }
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
                d.target_ports().numbers(),
                policy.location(d.span)
            ));
        }
    }
    out
}
