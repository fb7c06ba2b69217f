//! Proving the lab's `expect` statements: flows through a firewall (E0480, W0480),
//! reachability over an overlay (E0481) and exposure only through a proxy (E0482).
//!
//! Every verdict comes from [`infrac_model::policy::flow`], the engine behind
//! `infrac explain-flow`, so a failed expectation names the same deciding rules that
//! `explain-flow` prints for the flow.

use infrac_diagnostics::{Code, Diagnostic};
use infrac_model::expect::{
    self, bypassing_links, culprits, flow_answers, Expectation, Exposed, Intent, OverlayPath,
};
use infrac_model::policy::flow::{self, Endpoint, FlowAnswer, FlowVerdict, Traffic};
use infrac_model::policy::{Action, Chain, Decider, Origin, Policy};
use infrac_model::{Model, Overlay, Spanned};
use std::collections::BTreeMap;

/// Proves every expectation of the lab.
pub fn check(model: &Model) -> Vec<Diagnostic> {
    let mut policies: BTreeMap<usize, Policy> = BTreeMap::new();
    let mut out = Vec::new();
    for e in &model.expectations {
        if let Some(f) = expect::firewall_of(e) {
            policies
                .entry(f)
                .or_insert_with(|| Policy::compile(model, f));
        }
        match &e.intent {
            Intent::Flow {
                firewall,
                from,
                to,
                traffic,
                allowed,
            } => {
                let policy = &policies[firewall];
                for (t, answer) in flow_answers(policy, &from.value, &to.value, traffic) {
                    let flow = Flow {
                        from,
                        to,
                        traffic: t,
                    };
                    out.extend(prove_flow(policy, e, &flow, &answer, *allowed));
                }
            }
            Intent::Overlay { network, from, to } => {
                out.extend(prove_overlay(model, e, *network, *from, to));
            }
            Intent::OnlyThrough {
                firewall,
                from,
                target,
                ingress,
            } => {
                let policy = &policies[firewall];
                out.extend(prove_only_through(policy, e, from, *target, *ingress));
            }
        }
    }
    out
}

/// One flow of an expectation, with where its parts are written.
struct Flow<'e> {
    from: &'e Spanned<Endpoint>,
    to: &'e Spanned<Endpoint>,
    traffic: Spanned<Traffic>,
}

impl Flow<'_> {
    /// The flow in the expectation's own words: `guest -> netbox tcp/22`.
    fn text(&self, policy: &Policy) -> String {
        let ends = format!(
            "{} -> {}",
            word(policy, &self.from.value),
            word(policy, &self.to.value)
        );
        match self.traffic.value {
            Traffic::Any => ends,
            t => format!("{ends} {}", flow::traffic_text(t)),
        }
    }

    /// The `explain-flow` command that shows this flow's every path.
    fn explain(&self, policy: &Policy) -> String {
        let traffic = match self.traffic.value {
            Traffic::Port(p, n) => format!("{}/{n}", p.as_str()),
            Traffic::Range(p, a, b) => format!("{}/{a}..{b}", p.as_str()),
            Traffic::Ping => "icmp".into(),
            Traffic::Ping6 => "icmpv6".into(),
            Traffic::Any => "any".into(),
        };
        let router = if policy.model.firewalls.len() > 1 {
            format!(" --router {}", policy.model.machine(policy.router).name)
        } else {
            String::new()
        };
        format!(
            "`infrac explain-flow {} {} {} {traffic}{router}` shows every path",
            policy.model.source,
            word(policy, &self.from.value),
            word(policy, &self.to.value)
        )
    }
}

/// An endpoint as an expectation or `explain-flow` names it.
fn word(policy: &Policy, e: &Endpoint) -> String {
    match e {
        Endpoint::Router => "router".to_string(),
        Endpoint::Zone(z) => z.clone(),
        Endpoint::Machine(m) => policy.model.machine(*m).name.clone(),
        Endpoint::Address(a) => a.to_string(),
    }
}

fn verdict_text(verdict: FlowVerdict) -> &'static str {
    match verdict {
        FlowVerdict::Allowed => "allowed",
        FlowVerdict::Partial => "allowed in part",
        FlowVerdict::Denied => "denied",
        FlowVerdict::NoSuchFlow => "not a flow the router routes",
    }
}

/// What a deciding rule does, for its label.
fn decider_label(policy: &Policy, chain: Chain, decider: Decider) -> String {
    let action = policy.action_of(chain, decider);
    let does = match action {
        Action::Accept => "accepts",
        Action::Drop => "drops",
        Action::Reject => "rejects",
    };
    match decider {
        Decider::Rule(i) if matches!(policy.rules(chain)[i].origin, Origin::Forward(_)) => {
            format!("this port forward {does} it ({chain} chain)")
        }
        Decider::Rule(_) => format!("this rule {does} it ({chain} chain)"),
        Decider::Policy => format!("the {chain} chain's policy {does} it"),
    }
}

/// The error with the deciding rules as secondary labels (built-in ones as notes).
fn with_culprits(
    mut diagnostic: Diagnostic,
    policy: &Policy,
    answer: &FlowAnswer,
    expected_allowed: bool,
) -> Diagnostic {
    for (chain, decider, span) in culprits(policy, answer, expected_allowed) {
        match (span, decider) {
            (Some(span), _) => {
                diagnostic = diagnostic.with_label(span, decider_label(policy, chain, decider))
            }
            (None, Decider::Rule(i)) => {
                if let Origin::Builtin(b) = policy.rules(chain)[i].origin {
                    diagnostic = diagnostic.with_note(format!("built in: {}", b.describe()));
                }
            }
            (None, Decider::Policy) => {}
        }
    }
    diagnostic
}

fn prove_flow(
    policy: &Policy,
    e: &Expectation,
    flow: &Flow,
    answer: &FlowAnswer,
    allowed: bool,
) -> Option<Diagnostic> {
    let text = flow.text(policy);
    let shared = bypassing_links(policy, answer);
    // Two ends on one network reach each other without the router: allowed, and no
    // rule can deny it.
    if !shared.is_empty() {
        if allowed {
            return None;
        }
        return Some(
            Diagnostic::error(
                Code::EXPECT_FLOW,
                format!("`{text}` never reaches the firewall"),
                e.span,
                "expected denied",
            )
            .with_note(format!(
                "both ends are on {} of {}, so their traffic stays on that network and no rule can deny it",
                shared.join(", "),
                policy.model.machine(policy.router).name
            ))
            .with_help("put the two ends on different networks, or expect the flow between zones that the router separates"),
        );
    }
    match (answer.verdict, allowed) {
        (FlowVerdict::Allowed, true) | (FlowVerdict::Denied, false) => None,
        (FlowVerdict::NoSuchFlow, false) => Some(
            Diagnostic::warning(
                Code::EXPECT_VACUOUS,
                format!("`{text}` is not a flow the router routes"),
                e.span,
                "holds only because no such flow exists",
            )
            .with_note("the two ends share no address family the router routes, so the expectation proves nothing")
            .with_help("name endpoints with addresses of one family on the router's networks, or remove the expectation"),
        ),
        (FlowVerdict::NoSuchFlow, true) => Some(
            Diagnostic::error(
                Code::EXPECT_FLOW,
                format!("`{text}` is not a flow the router routes"),
                e.span,
                "expected allowed",
            )
            .with_note("the two ends share no address family the router routes")
            .with_help("give both ends addresses of one family on the router's networks"),
        ),
        (verdict, _) => {
            let expected = if allowed { "allowed" } else { "denied" };
            let diagnostic = Diagnostic::error(
                Code::EXPECT_FLOW,
                format!("`{text}` is {}", verdict_text(verdict)),
                e.span,
                format!("expected {expected}"),
            );
            Some(
                with_culprits(diagnostic, policy, answer, allowed)
                    .with_note(flow.explain(policy))
                    .with_help(format!(
                        "if the expectation is right, change the rule it points at; if the firewall is right, expect `{}`",
                        if allowed { "denied" } else { "allowed" }
                    )),
            )
        }
    }
}

fn prove_overlay(
    model: &Model,
    e: &Expectation,
    network: Spanned<infrac_model::NetworkId>,
    from: Spanned<infrac_model::MachineId>,
    to: &Spanned<Endpoint>,
) -> Vec<Diagnostic> {
    let net = model.network(network.value);
    let from_name = &model.machine(from.value).name;
    if !expect::is_member(model, network.value, from.value) {
        return vec![Diagnostic::error(
            Code::EXPECT_OVERLAY,
            format!("{from_name} is not on {}", net.name),
            from.span,
            format!("no NIC on {}", net.name),
        )
        .with_label(network.span, "the overlay")
        .with_help(format!(
            "add `nic {} {{ … }}` to {from_name}, or expect the reach from a member of {}",
            net.name, net.name
        ))];
    }
    let addresses = expect::overlay_addresses(model, network.value, &to.value);
    if addresses.is_empty() {
        let name = match &to.value {
            Endpoint::Machine(m) => model.machine(*m).name.clone(),
            _ => "it".into(),
        };
        return vec![Diagnostic::error(
            Code::EXPECT_OVERLAY,
            format!("{name} has no address on {}", net.name),
            to.span,
            format!("not on {}", net.name),
        )
        .with_label(network.span, "the overlay")
        .with_help(format!(
            "give {name} a NIC with an address on {}, or expect an address the overlay carries",
            net.name
        ))];
    }
    let mut out = Vec::new();
    for address in addresses {
        if expect::overlay_path(model, network.value, from.value, address) != OverlayPath::Unreached
        {
            continue;
        }
        let carried = match net.overlay {
            Some(Overlay::Wireguard) => {
                let machine = model.machine(from.value);
                let peers: Vec<String> =
                    infrac_model::interfaces::wireguard_peers(model, network.value, machine)
                        .iter()
                        .map(|p| {
                            let ips: Vec<String> =
                                p.allowed_ips.iter().map(ToString::to_string).collect();
                            format!("{} ({})", p.machine.name, ips.join(", "))
                        })
                        .collect();
                if peers.is_empty() {
                    format!("{from_name} has no WireGuard peer on {}", net.name)
                } else {
                    format!(
                        "{from_name}'s tunnels on {} carry only: {}",
                        net.name,
                        peers.join("; ")
                    )
                }
            }
            _ => {
                let prefixes: Vec<String> = net
                    .ipv4
                    .map(|p| p.value.to_string())
                    .into_iter()
                    .chain(net.ipv6.map(|p| p.value.to_string()))
                    .collect();
                format!(
                    "{} carries only its own prefixes ({}); the lab routes nothing else over it",
                    net.name,
                    if prefixes.is_empty() {
                        "none declared".to_string()
                    } else {
                        prefixes.join(", ")
                    }
                )
            }
        };
        out.push(
            Diagnostic::error(
                Code::EXPECT_OVERLAY,
                format!("{from_name} cannot reach {address} over {}", net.name),
                e.span,
                "expected reachable",
            )
            .with_label(
                network.span,
                "no tunnel of this overlay carries the address",
            )
            .with_note(carried)
            .with_help(format!(
                "expect an address of a member of {}, or give the destination an address on it",
                net.name
            )),
        );
    }
    out
}

fn prove_only_through(
    policy: &Policy,
    e: &Expectation,
    from: &Spanned<Endpoint>,
    target: Spanned<Exposed>,
    ingress: Spanned<usize>,
) -> Vec<Diagnostic> {
    let model = policy.model;
    let proxy = &model.ingresses[ingress.value];
    let proxy_machine = &model.machine(proxy.machine).name;
    let target_name = match target.value {
        Exposed::App(a) => model.apps[a.index()].name.clone(),
        Exposed::Machine(m) => model.machine(m).name.clone(),
    };
    let from_text = word(policy, &from.value);
    let ports = expect::proxy_ports(model, ingress.value, target.value);
    if ports.is_empty() {
        return vec![Diagnostic::error(
            Code::EXPECT_EXPOSED,
            format!("ingress {} does not route to {target_name}", proxy.name),
            ingress.span,
            format!("no route of {} goes to {target_name}", proxy.name),
        )
        .with_label(proxy.span, "the ingress")
        .with_help(format!(
            "add `route \"NAME\" {{ to = {target_name} }}` to ingress {}",
            proxy.name
        ))];
    }
    let mut out = Vec::new();
    for port in ports {
        let traffic = Traffic::Port(infrac_model::Protocol::Tcp, port);
        let to = Endpoint::Machine(proxy.machine);
        let answer = flow::query(policy, &from.value, &to, traffic);
        if answer.verdict == FlowVerdict::Allowed {
            continue;
        }
        let diagnostic = Diagnostic::error(
            Code::EXPECT_EXPOSED,
            format!("{from_text} cannot reach the proxy {proxy_machine} on tcp/{port}"),
            e.span,
            format!("expected {target_name} reachable through {}", proxy.name),
        );
        out.push(
            with_culprits(diagnostic, policy, &answer, true).with_help(format!(
                "let {from_text} reach {proxy_machine} on tcp/{port} (an `allow` rule or a `forward`)"
            )),
        );
    }
    for machine in expect::exposed_machines(model, target.value) {
        if machine == proxy.machine {
            continue;
        }
        let answer = flow::query(
            policy,
            &from.value,
            &Endpoint::Machine(machine),
            Traffic::Any,
        );
        if matches!(
            answer.verdict,
            FlowVerdict::Denied | FlowVerdict::NoSuchFlow
        ) {
            continue;
        }
        let name = &model.machine(machine).name;
        let serves = match target.value {
            Exposed::App(_) => format!(", which serves {target_name},"),
            Exposed::Machine(_) => String::new(),
        };
        let diagnostic = Diagnostic::error(
            Code::EXPECT_EXPOSED,
            format!("{from_text} reaches {name}{serves} without the proxy"),
            e.span,
            format!("expected only through {}", proxy.name),
        );
        out.push(
            with_culprits(diagnostic, policy, &answer, false)
                .with_note(format!(
                    "`infrac explain-flow {} {} {name} any` shows every path",
                    model.source,
                    word(policy, &from.value)
                ))
                .with_help(format!(
                    "narrow the rules it points at so that {from_text} reaches only {proxy_machine}"
                )),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_read_as_words() {
        assert_eq!(verdict_text(FlowVerdict::Partial), "allowed in part");
        assert_eq!(verdict_text(FlowVerdict::Denied), "denied");
    }

    #[test]
    fn a_lab_without_expectations_has_nothing_to_prove() {
        assert!(check(&Model::default()).is_empty());
    }
}
