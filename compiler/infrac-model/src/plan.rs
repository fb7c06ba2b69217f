//! What changes between two versions of a lab, in the lab's terms: the flows a firewall
//! opens or closes, BGP prefixes, Proxmox guests, addresses, DNS names and VMIDs that
//! move, and the order to apply the machines in. `infrac diff` prints it; the generated
//! files' own differences are the CLI's business.
//!
//! Entities are matched by name across the two versions (machines, routers by their
//! machine), never by index, so reordering a file changes nothing here.

mod guests;
mod order;
mod reach;

pub use guests::{guest_changes, GuestChange, GuestChangeKind};
pub use order::{apply_order, cut_offs, CutOff, Step, StepReason};
pub use reach::{differential, reachability, FlowChange, FlowKey, Reachability};

use crate::{dns, Model};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Everything `diff` reports about the meaning of a change.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Plan {
    /// Flows a firewall starts or stops accepting.
    pub flows: Vec<FlowChange>,
    pub bgp: Vec<BgpChange>,
    pub guests: Vec<GuestChange>,
    /// Addresses, DNS names and VMIDs that move.
    pub moves: Vec<Move>,
}

impl Plan {
    /// Whether the two versions mean the same.
    pub fn is_empty(&self) -> bool {
        self.flows.is_empty()
            && self.bgp.is_empty()
            && self.guests.is_empty()
            && self.moves.is_empty()
    }
}

/// The meaning of going from `before` to `after`.
pub fn plan(before: &Model, after: &Model) -> Plan {
    Plan {
        flows: differential(&reachability(before), &reachability(after)),
        bgp: bgp_changes(before, after),
        guests: guest_changes(before, after),
        moves: moves(before, after),
    }
}

/// A BGP prefix a router starts or stops announcing or accepting, or a peer that comes
/// or goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BgpChange {
    pub router: String,
    pub what: BgpWhat,
    /// The prefix or the peer (`NAME (ADDRESS, AS N)`).
    pub subject: String,
    /// True when it is added, false when removed.
    pub added: bool,
}

/// What a BGP change is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum BgpWhat {
    Announced,
    /// Accepted from a peer (only the default route is accepted by choice).
    Accepted,
    Peer,
}

/// What one router says over BGP: announced prefixes, (peer, accepted prefix), peers.
type Speaker = (BTreeSet<String>, BTreeSet<String>, BTreeSet<String>);

fn speakers(model: &Model) -> BTreeMap<String, Speaker> {
    let mut out = BTreeMap::new();
    for r in &model.routers {
        let announced = r.announce.iter().map(|p| p.value.to_string()).collect();
        let mut accepted = BTreeSet::new();
        let mut peers = BTreeSet::new();
        for p in &r.peers {
            peers.insert(format!(
                "{} ({}, AS {})",
                p.name, p.neighbor.value, p.asn.value
            ));
            if p.accept_default {
                for family in &p.families {
                    let default = match family {
                        crate::IpFamily::Ipv4 => "0.0.0.0/0",
                        crate::IpFamily::Ipv6 => "::/0",
                    };
                    accepted.insert(format!("{default} from {}", p.name));
                }
            }
        }
        out.insert(
            model.machine(r.machine).name.clone(),
            (announced, accepted, peers),
        );
    }
    out
}

fn bgp_changes(before: &Model, after: &Model) -> Vec<BgpChange> {
    let (a, b) = (speakers(before), speakers(after));
    let empty = Speaker::default();
    let routers: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    let mut out = Vec::new();
    for router in routers {
        let old = a.get(router).unwrap_or(&empty);
        let new = b.get(router).unwrap_or(&empty);
        let pairs = [
            (BgpWhat::Announced, &old.0, &new.0),
            (BgpWhat::Accepted, &old.1, &new.1),
            (BgpWhat::Peer, &old.2, &new.2),
        ];
        for (what, old, new) in pairs {
            for (set, other, added) in [(new, old, true), (old, new, false)] {
                for subject in set.difference(other) {
                    out.push(BgpChange {
                        router: router.clone(),
                        what,
                        subject: subject.clone(),
                        added,
                    });
                }
            }
        }
    }
    out
}

/// Something that has a value in the lab and changes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Move {
    pub kind: MoveKind,
    /// The machine or DNS name.
    pub subject: String,
    /// `None`: it appears.
    pub before: Option<String>,
    /// `None`: it goes away.
    pub after: Option<String>,
}

/// What moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MoveKind {
    Address,
    DnsName,
    Vmid,
}

/// Every machine's addresses (`NETWORK ADDRESS`), in address order.
fn addresses(model: &Model) -> BTreeMap<String, BTreeSet<String>> {
    model
        .machines
        .iter()
        .map(|m| {
            let list = m
                .addresses()
                .into_iter()
                .map(|(n, a)| format!("{} on {}", a.value, model.network(n).name))
                .collect();
            (m.name.clone(), list)
        })
        .collect()
}

fn moves(before: &Model, after: &Model) -> Vec<Move> {
    let mut out = Vec::new();
    let (a, b) = (addresses(before), addresses(after));
    for name in a.keys().filter(|n| b.contains_key(*n)) {
        let (old, new) = (&a[name], &b[name]);
        if old != new {
            let join = |s: &BTreeSet<String>| {
                (!s.is_empty()).then(|| s.iter().cloned().collect::<Vec<_>>().join(", "))
            };
            out.push(Move {
                kind: MoveKind::Address,
                subject: name.clone(),
                before: join(old),
                after: join(new),
            });
        }
    }
    let records = |m: &Model| {
        let mut map: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for r in dns::records(m) {
            map.entry(r.name.clone())
                .or_default()
                .insert(r.address.to_string());
        }
        map
    };
    let (a, b) = (records(before), records(after));
    let names: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    for name in names {
        let (old, new) = (a.get(name), b.get(name));
        if old != new {
            let join = |s: Option<&BTreeSet<String>>| {
                s.map(|s| s.iter().cloned().collect::<Vec<_>>().join(", "))
            };
            out.push(Move {
                kind: MoveKind::DnsName,
                subject: name.clone(),
                before: join(old),
                after: join(new),
            });
        }
    }
    let vmids = |m: &Model| -> BTreeMap<String, String> {
        m.guests()
            .map(|(_, machine, g)| (machine.name.clone(), g.vmid.value.to_string()))
            .collect()
    };
    let (a, b) = (vmids(before), vmids(after));
    for (name, old) in &a {
        if let Some(new) = b.get(name) {
            if old != new {
                out.push(Move {
                    kind: MoveKind::Vmid,
                    subject: name.clone(),
                    before: Some(old.clone()),
                    after: Some(new.clone()),
                });
            }
        }
    }
    out
}
