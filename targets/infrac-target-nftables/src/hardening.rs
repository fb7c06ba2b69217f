//! The lines the ruleset adds around the compiled policy on every hardened router: rate
//! limits on ping and on new connections to the router's management services, and the
//! logging and counting of what a chain's policy drops.
//!
//! None of them changes the verdict on a single packet, which is what the policy (and
//! `infrac explain-flow`) decides: a rate limit only drops what exceeds the rate, and the
//! log line only logs.

use crate::view::SetView;
use infrac_model::policy::{Action, Chain, Origin, Policy, L4};
use infrac_model::Protocol;
use std::collections::BTreeSet;

/// Echo requests the router answers, per second across all sources, with a burst.
const PING_RATE: &str = "limit rate over 10/second burst 50 packets";
/// New connections one source may open to a management service.
const CONNECTION_RATE: &str = "limit rate over 30/minute burst 20 packets";
/// Dropped packets logged, at most.
const LOG_RATE: &str = "limit rate 10/minute burst 5 packets";

/// The TCP ports of the router's own services that the firewall opens: SSH, web
/// interfaces, exporters. DNS (53) and BGP (179) carry bursts of legitimate connections
/// and are left out.
fn management_ports(policy: &Policy) -> Vec<String> {
    let mut ports = BTreeSet::new();
    for rule in policy.rules(Chain::Input) {
        if !matches!(rule.origin, Origin::Rule(_)) || rule.action != Action::Accept {
            continue;
        }
        for l4 in &rule.l4 {
            if let L4::Port(p) = l4 {
                if p.protocol == Protocol::Tcp && !(p.first..=p.last).any(|n| n == 53 || n == 179) {
                    ports.insert((p.first, p.last));
                }
            }
        }
    }
    ports
        .into_iter()
        .map(|(a, b)| {
            if a == b {
                a.to_string()
            } else {
                format!("{a}-{b}")
            }
        })
        .collect()
}

/// The per-source meters of the connection rate limit.
pub(crate) fn meter_sets(policy: &Policy) -> Vec<SetView> {
    if !policy.hardened() || management_ports(policy).is_empty() {
        return Vec::new();
    }
    [("v4", "ipv4_addr"), ("v6", "ipv6_addr")]
        .into_iter()
        .map(|(suffix, ty)| SetView {
            name: format!("management_rate_{suffix}"),
            ty,
            flags: Some("size 65535; flags dynamic; timeout 1m;"),
            elements: Vec::new(),
        })
        .collect()
}

/// The rate limits at the head of the input chain, before connection tracking.
pub(crate) fn rate_limits(policy: &Policy) -> Vec<String> {
    let mut out = vec![
        format!("icmp type echo-request {PING_RATE} counter drop comment \"built-in: ping rate limit\""),
        format!("icmpv6 type echo-request {PING_RATE} counter drop comment \"built-in: ping rate limit\""),
    ];
    let ports = management_ports(policy);
    if !ports.is_empty() {
        let ports = if ports.len() == 1 {
            ports[0].clone()
        } else {
            format!("{{ {} }}", ports.join(", "))
        };
        for (suffix, keyword) in [("v4", "ip"), ("v6", "ip6")] {
            out.push(format!(
                "tcp dport {ports} ct state new add @management_rate_{suffix} {{ {keyword} saddr {CONNECTION_RATE} }} counter drop comment \"built-in: new connections to management services, per source\""
            ));
        }
    }
    out
}

/// The end of a chain whose policy drops: a rate-limited log line and a counter.
pub(crate) fn policy_drop_log(chain: Chain) -> Vec<String> {
    vec![
        format!(
            "{LOG_RATE} log prefix \"infrac {} drop: \" level info comment \"built-in: log what the policy drops, rate-limited\"",
            chain.as_str()
        ),
        format!(
            "counter comment \"built-in: packets the {} policy drops\"",
            chain.as_str()
        ),
    ]
}
