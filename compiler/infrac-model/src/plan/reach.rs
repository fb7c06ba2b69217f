//! Differential reachability: what each firewall accepts, before and after, and the
//! flows that change between the two.
//!
//! For every firewall, from every zone and the router, toward every machine, the router
//! and every uplink zone, the set of protocols and ports of new connections that some
//! path accepts (directly or through a port forward), per address family, from the flow
//! engine that `explain-flow` and the expectations use. A change is the set difference
//! of the two versions' sets.

use crate::policy::flow::{self, Endpoint, Traffic};
use crate::policy::{describe_l4, Policy, Ranges};
use crate::{IpFamily, Model};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// One flow of the analysis: a firewall's router, where new connections start and where
/// they go (zone, `router`, a machine), and the address family.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct FlowKey {
    pub router: String,
    pub from: String,
    pub to: String,
    pub family: IpFamily,
}

/// What every firewall of a lab accepts.
#[derive(Debug, Clone, Default)]
pub struct Reachability {
    /// The accepted layer-4 keys of each flow; flows that accept nothing are left out.
    pub accepted: BTreeMap<FlowKey, Ranges>,
    /// Each machine destination's addresses in words, for reports.
    pub addresses: BTreeMap<String, String>,
}

/// What the firewalls of `model` accept.
pub fn reachability(model: &Model) -> Reachability {
    let mut out = Reachability::default();
    for index in 0..model.firewalls.len() {
        let policy = Policy::compile(model, index);
        let router = model.machine(policy.router).name.clone();
        let mut sources: Vec<(String, Endpoint)> = policy
            .zones()
            .into_iter()
            .map(|z| (z.clone(), Endpoint::Zone(z)))
            .collect();
        sources.push(("router".into(), Endpoint::Router));
        let mut targets: Vec<(String, Endpoint)> = policy
            .uplink_zones()
            .into_iter()
            .map(|z| (z.clone(), Endpoint::Zone(z)))
            .collect();
        targets.push(("router".into(), Endpoint::Router));
        for (id, machine) in model.machines() {
            if id != policy.router {
                targets.push((machine.name.clone(), Endpoint::Machine(id)));
            }
        }
        for (from, src) in &sources {
            for (to, dst) in &targets {
                if from == to {
                    continue;
                }
                let answer = flow::query(&policy, src, dst, Traffic::Any);
                // Two ends on one network talk without the router: nothing to report.
                if !crate::expect::bypassing_links(&policy, &answer).is_empty() {
                    continue;
                }
                let mut per_family: BTreeMap<IpFamily, Ranges> = BTreeMap::new();
                for path in &answer.paths {
                    for share in path.shares.iter().filter(|s| s.action.accepts()) {
                        let set = per_family.entry(path.family).or_insert_with(Ranges::empty);
                        *set = set.union(&share.l4);
                    }
                }
                for (family, set) in per_family {
                    if set.is_empty() {
                        continue;
                    }
                    let key = FlowKey {
                        router: router.clone(),
                        from: from.clone(),
                        to: to.clone(),
                        family,
                    };
                    out.accepted.insert(key, set);
                }
            }
        }
    }
    for machine in &model.machines {
        let list: BTreeSet<String> = machine
            .addresses()
            .into_iter()
            .filter(|(n, _)| model.network(*n).overlay.is_none())
            .map(|(_, a)| a.value.to_string())
            .collect();
        if !list.is_empty() {
            let list: Vec<String> = list.into_iter().collect();
            out.addresses.insert(machine.name.clone(), list.join(", "));
        }
    }
    out
}

/// A flow that a change opens or closes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FlowChange {
    #[serde(flatten)]
    pub key: FlowKey,
    /// The destination's addresses, when it is a machine.
    pub to_addresses: Option<String>,
    /// True: newly accepted; false: no longer accepted.
    pub opened: bool,
    /// The protocols and ports, in words (`tcp/22`, `udp/53..54`, `all`).
    pub traffic: Vec<String>,
    /// The same as layer-4 keys.
    #[serde(skip)]
    pub l4: Ranges,
}

/// The flows `after` accepts and `before` does not (opened), then the reverse (closed),
/// per flow in key order.
pub fn differential(before: &Reachability, after: &Reachability) -> Vec<FlowChange> {
    let keys: BTreeSet<&FlowKey> = before
        .accepted
        .keys()
        .chain(after.accepted.keys())
        .collect();
    let empty = Ranges::empty();
    let mut out = Vec::new();
    for key in keys {
        let old = before.accepted.get(key).unwrap_or(&empty);
        let new = after.accepted.get(key).unwrap_or(&empty);
        for (opened, set) in [(true, new.subtract(old)), (false, old.subtract(new))] {
            if set.is_empty() {
                continue;
            }
            let addresses = if opened { after } else { before };
            out.push(FlowChange {
                key: key.clone(),
                to_addresses: addresses.addresses.get(&key.to).cloned(),
                opened,
                traffic: describe_l4(&set),
                l4: set,
            });
        }
    }
    out
}
