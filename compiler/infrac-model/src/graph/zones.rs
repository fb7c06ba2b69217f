//! The zone-to-zone access matrix of a firewall, summarised for people: who can talk to
//! whom, and on what.
//!
//! The semantics are the compiled policy's ([`crate::policy`]), the same the nftables
//! target renders: each zone pair's packets are split by the rule that decides them
//! (first match wins, else the chain policy). The summary names the user's rules as
//! written (`tcp/22`, `icmp`); the rules every ruleset gets (ICMP errors, the BGP guard,
//! DHCP client replies) are left out of each cell and listed once by the docs.

use crate::policy::{
    l4_key, l4_protocol, proto, protocol_number, Decider, Field, Origin, Policy, Ranges,
};
use crate::{FilterRule, Model, Source};

/// One side of a flow: a named zone or the firewall's own guest.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Endpoint {
    Zone(String),
    Router,
}

impl Endpoint {
    /// The endpoint's name as written in rules (`lan`, `router`).
    pub fn name(&self) -> &str {
        match self {
            Endpoint::Zone(z) => z,
            Endpoint::Router => "router",
        }
    }
}

/// One thing a rule lets through: a port or protocol as written, maybe only from some
/// sources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// `tcp/22`, `udp/30000..32767`, `icmp`, or `all`.
    pub what: String,
    /// Source restriction (`bgp peers`, `10.0.0.0/8`), if any.
    pub from: Option<String>,
}

impl std::fmt::Display for Grant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.from {
            Some(from) => write!(f, "{} from {from}", self.what),
            None => f.write_str(&self.what),
        }
    }
}

/// What one zone may open toward another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Access {
    /// Everything, by rules or because the chain's policy accepts, except what a
    /// restricted `deny` refused.
    All {
        by_policy: bool,
        except: Vec<String>,
    },
    /// Only these ports and protocols.
    Only(Vec<Grant>),
    /// Nothing: an explicit `deny` (`by_rule`) or the chain's drop policy.
    Blocked { by_rule: bool },
}

impl Access {
    /// Whether any traffic at all is allowed.
    pub fn allows_anything(&self) -> bool {
        !matches!(self, Access::Blocked { .. })
    }

    /// A short description for a table cell or an edge label.
    pub fn summary(&self) -> String {
        match self {
            Access::All { by_policy, except } => {
                let mut text = String::from("all");
                if !except.is_empty() {
                    text.push_str(" except ");
                    text.push_str(&except.join(", "));
                }
                if *by_policy {
                    text.push_str(" (policy)");
                }
                text
            }
            Access::Only(grants) => grants
                .iter()
                .map(Grant::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            Access::Blocked { by_rule: true } => "denied".into(),
            Access::Blocked { by_rule: false } => "—".into(),
        }
    }
}

/// The access matrix of one firewall.
#[derive(Debug, Clone)]
pub struct ZoneMatrix<'a> {
    /// The compiled policy the matrix summarises.
    pub policy: Policy<'a>,
    /// Rows and columns: the zones the router has interfaces in, then the router.
    pub endpoints: Vec<Endpoint>,
    /// `cells[from][to]`; `None` on the diagonal (traffic inside a zone never crosses
    /// the firewall).
    pub cells: Vec<Vec<Option<Access>>>,
}

impl ZoneMatrix<'_> {
    /// The access from one endpoint to another, by name.
    pub fn access(&self, from: &str, to: &str) -> Option<&Access> {
        let f = self.endpoints.iter().position(|e| e.name() == from)?;
        let t = self.endpoints.iter().position(|e| e.name() == to)?;
        self.cells[f][t].as_ref()
    }
}

/// Every zone of the lab with its networks, zones in order of their first network and
/// networks in declaration order: one pass, where a search per network or per zone grows
/// with their product (a lab of a network per host has thousands of both).
pub fn zone_networks(model: &Model) -> Vec<(&str, Vec<&crate::Network>)> {
    let mut at: rustc_hash::FxHashMap<&str, usize> = rustc_hash::FxHashMap::default();
    let mut out: Vec<(&str, Vec<&crate::Network>)> = Vec::new();
    for network in &model.networks {
        let i = *at.entry(network.zone.as_str()).or_insert_with(|| {
            out.push((network.zone.as_str(), Vec::new()));
            out.len() - 1
        });
        out[i].1.push(network);
    }
    out
}

/// One firewall's `cells[from][to]`, in the order of its endpoints.
pub type ZoneCells = Vec<Vec<Option<Access>>>;

/// The matrix of each firewall, in declaration order. The cells are derived once per
/// model and shared by every caller.
pub fn zone_matrices(model: &Model) -> Vec<ZoneMatrix<'_>> {
    let policies = crate::policy::policies(model);
    let cells = model
        .derived
        .zone_access
        .get_or_init(|| policies.iter().map(|p| cells(p, &endpoints(p))).collect());
    policies
        .into_iter()
        .zip(cells)
        .map(|(policy, cells)| ZoneMatrix {
            endpoints: endpoints(&policy),
            policy,
            cells: cells.clone(),
        })
        .collect()
}

/// Rows and columns of a firewall's matrix: its zones, then the router.
fn endpoints(policy: &Policy<'_>) -> Vec<Endpoint> {
    let mut endpoints: Vec<Endpoint> = policy.zones().into_iter().map(Endpoint::Zone).collect();
    endpoints.push(Endpoint::Router);
    endpoints
}

fn cells(policy: &Policy<'_>, endpoints: &[Endpoint]) -> ZoneCells {
    endpoints
        .iter()
        .map(|from| {
            endpoints
                .iter()
                .map(|to| (from != to).then(|| access(policy, from, to)))
                .collect()
        })
        .collect()
}

/// The sources a rule is limited to, for people.
fn sources(rule: &FilterRule) -> Option<String> {
    if rule.sources.is_empty() {
        return None;
    }
    Some(
        rule.sources
            .iter()
            .map(|s| match s {
                Source::Prefix(p) => p.to_string(),
                Source::BgpPeers => "bgp peers".into(),
            })
            .collect::<Vec<_>>()
            .join(", "),
    )
}

/// A rule's matches as written, each with the layer-4 keys it covers (empty for a
/// protocol name the policy does not model, which is then always shown).
fn written_matches(rule: &FilterRule) -> Vec<(String, Ranges)> {
    let ports = rule.ports.iter().map(|p| {
        let number = protocol_number(p.value.protocol);
        (
            p.value.to_string(),
            Ranges::span(l4_key(number, p.value.first), l4_key(number, p.value.last)),
        )
    });
    let protocols = rule.protocols.iter().map(|p| {
        let keys = match p.value.as_str() {
            "icmp" => l4_protocol(proto::ICMP).union(&l4_protocol(proto::ICMPV6)),
            "icmpv6" | "ipv6-icmp" => l4_protocol(proto::ICMPV6),
            _ => Ranges::empty(),
        };
        (p.value.clone(), keys)
    });
    ports.chain(protocols).collect()
}

/// The access a compiled firewall gives from one endpoint to another.
pub fn access(policy: &Policy<'_>, from: &Endpoint, to: &Endpoint) -> Access {
    let Some((chain, regions)) = policy.zone_pair(from.name(), to.name()) else {
        return Access::Blocked { by_rule: false };
    };
    let rules = policy.rules(chain);
    // Per user rule, the layer-4 keys it accepts here (after earlier rules took theirs).
    let mut accepted: Vec<(usize, Ranges)> = Vec::new();
    let mut by_policy = false;
    let mut refused = false;
    let mut denied_by_rule = Ranges::empty();
    let mut any_denied_by_rule = false;
    for region in &regions {
        for (decider, pieces) in policy.classify(chain, region) {
            let origin = match decider {
                Decider::Rule(i) => Some(rules[i].origin),
                Decider::Policy => None,
            };
            let keys = pieces
                .iter()
                .fold(Ranges::empty(), |acc, p| acc.union(p.get(Field::L4)));
            let accepts = policy.action_of(chain, decider).accepts();
            match (origin, accepts) {
                (Some(Origin::Builtin(_)), _) => {}
                (Some(Origin::Rule(i)), true) => match accepted.iter_mut().find(|(r, _)| *r == i) {
                    Some((_, set)) => *set = set.union(&keys),
                    None => accepted.push((i, keys)),
                },
                (None, true) => by_policy = true,
                (Some(Origin::Rule(_)), false) => {
                    refused = true;
                    any_denied_by_rule = true;
                    denied_by_rule = denied_by_rule.union(&keys);
                }
                // Port forward accepts only match rewritten packets, never a plain pair.
                (Some(Origin::Forward(_)), _) => {}
                (None, false) => refused = true,
            }
        }
    }
    let mut grants: Vec<Grant> = Vec::new();
    let mut unrestricted = false;
    accepted.sort_by_key(|(i, _)| *i);
    for (i, keys) in &accepted {
        let rule = &policy.firewall.rules[*i];
        let from = sources(rule);
        let written = written_matches(rule);
        if written.is_empty() {
            unrestricted |= from.is_none();
            push_unique(
                &mut grants,
                Grant {
                    what: "all".into(),
                    from,
                },
            );
            continue;
        }
        for (what, covered) in written {
            // A match an earlier rule took entirely does not reach this pair.
            if covered.is_empty() || !covered.intersect(keys).is_empty() {
                push_unique(
                    &mut grants,
                    Grant {
                        what,
                        from: from.clone(),
                    },
                );
            }
        }
    }
    if !refused && (by_policy || !grants.is_empty()) {
        return Access::All {
            by_policy,
            except: Vec::new(),
        };
    }
    if unrestricted {
        return Access::All {
            by_policy: false,
            except: crate::policy::describe_l4(&denied_by_rule),
        };
    }
    if grants.is_empty() {
        Access::Blocked {
            by_rule: any_denied_by_rule,
        }
    } else {
        Access::Only(grants)
    }
}

fn push_unique(grants: &mut Vec<Grant>, grant: Grant) {
    if !grants.contains(&grant) {
        grants.push(grant);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries() {
        assert_eq!(
            Access::All {
                by_policy: false,
                except: vec!["tcp/25".into()]
            }
            .summary(),
            "all except tcp/25"
        );
        assert_eq!(
            Access::Only(vec![
                Grant {
                    what: "tcp/179".into(),
                    from: Some("bgp peers".into())
                },
                Grant {
                    what: "icmp".into(),
                    from: None
                }
            ])
            .summary(),
            "tcp/179 from bgp peers, icmp"
        );
        assert_eq!(Access::Blocked { by_rule: true }.summary(), "denied");
    }
}
