//! The zone-to-zone access matrix of a firewall: who can talk to whom, and on what.
//!
//! Rules are read the way a packet filter reads them: in order, the first rule that
//! settles a pair wins. An unrestricted `allow` or `deny` settles it; rules limited to
//! ports or sources only add what they allow; whatever is left falls to the chain's
//! policy (`forward` between zones, `input` toward the router, `output` from it).

use crate::{Firewall, FilterRule, Model, Source, Verdict, Zone};

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

    fn matched_by(&self, zone: &Zone) -> bool {
        match (zone, self) {
            (Zone::Any, _) => true,
            (Zone::Router, Endpoint::Router) => true,
            (Zone::Named(n), Endpoint::Zone(z)) => n == z,
            _ => false,
        }
    }
}

/// One thing a restricted rule lets through: a port or protocol, maybe only from some
/// sources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    /// `tcp/22`, `udp/30000..32767`, `icmp`.
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
    /// Everything, by an unrestricted rule or because the chain's policy accepts, except
    /// what an earlier restricted `deny` refused.
    All {
        by_policy: bool,
        sources: Option<String>,
        except: Vec<Grant>,
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
            Access::All {
                by_policy,
                sources,
                except,
            } => {
                let mut text = String::from("all");
                if let Some(s) = sources {
                    text.push_str(" from ");
                    text.push_str(s);
                }
                if !except.is_empty() {
                    text.push_str(" except ");
                    text.push_str(&list(except));
                }
                if *by_policy {
                    text.push_str(" (policy)");
                }
                text
            }
            Access::Only(grants) => list(grants),
            Access::Blocked { by_rule: true } => "denied".into(),
            Access::Blocked { by_rule: false } => "—".into(),
        }
    }
}

fn list(grants: &[Grant]) -> String {
    grants
        .iter()
        .map(Grant::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The access matrix of one firewall.
#[derive(Debug, Clone)]
pub struct ZoneMatrix<'a> {
    pub firewall: &'a Firewall,
    /// Rows and columns: every zone, then the router.
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

/// Every zone of the lab in order of first appearance: the networks' zones, then zones
/// only rules name.
pub fn zones(model: &Model) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut add = |z: &str| {
        if !out.iter().any(|o| o == z) {
            out.push(z.to_string());
        }
    };
    for network in &model.networks {
        add(&network.zone);
    }
    for firewall in &model.firewalls {
        for rule in &firewall.rules {
            for zone in [&rule.from.value, &rule.to.value] {
                if let Zone::Named(n) = zone {
                    add(n);
                }
            }
        }
    }
    out
}

/// The matrix of each firewall, in declaration order.
pub fn zone_matrices(model: &Model) -> Vec<ZoneMatrix<'_>> {
    let mut endpoints: Vec<Endpoint> = zones(model).into_iter().map(Endpoint::Zone).collect();
    endpoints.push(Endpoint::Router);
    model
        .firewalls
        .iter()
        .map(|firewall| ZoneMatrix {
            firewall,
            cells: endpoints
                .iter()
                .map(|from| {
                    endpoints
                        .iter()
                        .map(|to| (from != to).then(|| access(firewall, from, to)))
                        .collect()
                })
                .collect(),
            endpoints: endpoints.clone(),
        })
        .collect()
}

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

/// The access a firewall gives from one endpoint to another.
pub fn access(firewall: &Firewall, from: &Endpoint, to: &Endpoint) -> Access {
    let policy = match (from, to) {
        (_, Endpoint::Router) => firewall.input,
        (Endpoint::Router, _) => firewall.output,
        _ => firewall.forward,
    };
    let mut grants: Vec<Grant> = Vec::new();
    let mut denied: Vec<Grant> = Vec::new();
    for rule in &firewall.rules {
        if !from.matched_by(&rule.from.value) || !to.matched_by(&rule.to.value) {
            continue;
        }
        let restricted = matches(rule);
        let from = sources(rule);
        match (rule.allow, restricted.is_empty(), from.is_none()) {
            (true, true, true) => {
                return Access::All {
                    by_policy: false,
                    sources: None,
                    except: denied,
                }
            }
            (false, true, true) => {
                return if grants.is_empty() {
                    Access::Blocked { by_rule: true }
                } else {
                    Access::Only(grants)
                }
            }
            (true, true, false) => push_unique(
                &mut grants,
                Grant {
                    what: "all".into(),
                    from,
                },
            ),
            (true, false, _) => {
                for what in restricted {
                    // A port an earlier rule refused stays refused.
                    if !denied.iter().any(|d| d.what == what && d.from.is_none()) {
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
            (false, _, _) => {
                let refused = if restricted.is_empty() {
                    vec!["all".to_string()]
                } else {
                    restricted
                };
                for what in refused {
                    push_unique(
                        &mut denied,
                        Grant {
                            what,
                            from: from.clone(),
                        },
                    );
                }
            }
        }
    }
    if policy == Verdict::Accept {
        return Access::All {
            by_policy: true,
            sources: None,
            except: denied,
        };
    }
    if grants.len() == 1 && grants[0].what == "all" {
        return Access::All {
            by_policy: false,
            sources: grants.remove(0).from,
            except: denied,
        };
    }
    if grants.is_empty() {
        Access::Blocked {
            by_rule: !denied.is_empty(),
        }
    } else {
        Access::Only(grants)
    }
}

/// The ports and protocols a rule is limited to (empty: all traffic).
fn matches(rule: &FilterRule) -> Vec<String> {
    rule.ports
        .iter()
        .map(|p| p.value.to_string())
        .chain(rule.protocols.iter().map(|p| p.value.clone()))
        .collect()
}

fn push_unique(grants: &mut Vec<Grant>, grant: Grant) {
    if !grants.contains(&grant) {
        grants.push(grant);
    }
}
