//! Whether the monitoring stack can scrape every exporter the lab runs: W0550 for an
//! exporter on a machine with no fixed address (nothing to put in the scrape
//! configuration), W0551 for one the firewall keeps Prometheus from.
//!
//! Prometheus runs in a pod; its scrapes leave the cluster from a node's address (the
//! CNI masquerades traffic leaving the pod network), so the question the firewall is
//! asked is: may each node open a TCP connection to the exporter's port?

use infrac_diagnostics::{Code, Diagnostic};
use infrac_model::charts::scrape_targets;
use infrac_model::policy::{policies, protocol_number, Decider, Link, Origin, Packet, Route};
use infrac_model::{Model, Monitoring, Protocol};

/// Runs the monitoring checks for every monitoring stack; silent without one.
pub fn check(model: &Model) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for stack in &model.monitoring {
        check_stack(model, stack, &mut out);
    }
    out
}

fn check_stack(model: &Model, stack: &Monitoring, out: &mut Vec<Diagnostic>) {
    let (targets, unreachable) = scrape_targets(model, stack.cluster);
    for (machine, job, span) in unreachable {
        let name = &model.machine(machine).name;
        out.push(
            Diagnostic::warning(
                Code::EXPORTER_NOT_SCRAPED,
                format!("`{name}` runs {job} but has no fixed address to scrape"),
                span,
                "Prometheus gets no target for this exporter",
            )
            .with_label(stack.span, "this monitoring stack scrapes fixed addresses")
            .with_help(format!(
                "give {name} a static address on one of its networks (`ip = …` on its NIC)"
            )),
        );
    }
    let cluster = model.cluster(stack.cluster);
    let policies = policies(model);
    for target in &targets {
        let machine = model.machine(target.machine);
        let Some(service) = machine.services.iter().find(|s| s.name == target.job) else {
            continue;
        };
        'nodes: for (node, _) in cluster.nodes() {
            let node_machine = model.machine(node);
            let Some(source) = node_machine
                .addresses()
                .into_iter()
                .map(|(_, a)| a.value)
                .find(|a| a.is_ipv4() == target.address.is_ipv4())
            else {
                continue;
            };
            for policy in &policies {
                let Route::Link(in_link) = policy.route(source) else {
                    continue;
                };
                let out_link = match policy.route(target.address) {
                    Route::Local => None,
                    Route::Link(l) if l == in_link => continue,
                    Route::Link(l) => Some(l),
                    Route::Unreachable => continue,
                };
                let packet = Packet {
                    in_link: Some(in_link),
                    out_link,
                    source,
                    destination: target.address,
                    protocol: protocol_number(Protocol::Tcp),
                    value: target.port,
                    dnat: false,
                };
                let decision = policy.decide(&packet);
                if decision.action.accepts() {
                    continue;
                }
                let router = &model.machine(policy.router).name;
                let mut d = Diagnostic::warning(
                    Code::EXPORTER_BLOCKED,
                    format!(
                        "the firewall of `{router}` keeps Prometheus from {} on `{}`",
                        target.job, machine.name
                    ),
                    service.span,
                    format!(
                        "tcp/{} from {} ({source}) is dropped",
                        target.port, node_machine.name
                    ),
                );
                match decision.decider {
                    Decider::Rule(i) => {
                        let rule = &policy.rules(decision.chain)[i];
                        match (rule.origin, rule.span) {
                            (Origin::Builtin(b), _) => {
                                d = d.with_note(format!("built in: {}", b.describe()))
                            }
                            (_, Some(s)) => {
                                d = d.with_label(s, format!("drops it in `{}`", decision.chain))
                            }
                            _ => {}
                        }
                    }
                    Decider::Policy => {
                        match policy.firewall.policy_spans[decision.chain as usize] {
                            Some(s) => {
                                d = d.with_label(s, format!("drops it in `{}`", decision.chain))
                            }
                            None => {
                                d = d.with_note(format!(
                                    "the {} chain's default policy drops it",
                                    decision.chain
                                ))
                            }
                        }
                    }
                }
                let zone = |l: Link| match l {
                    Link::Interface(i) => policy.interfaces[i].zone.clone(),
                    _ => "ZONE".into(),
                };
                let to = match out_link {
                    None => "router".to_string(),
                    Some(l) => zone(l),
                };
                out.push(d.with_help(format!(
                    "let the cluster's nodes reach it: `allow {} -> {to} tcp/{}`",
                    zone(in_link),
                    target.port
                )));
                break 'nodes;
            }
        }
    }
}
