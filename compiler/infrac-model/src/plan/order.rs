//! The order to apply changed machines in, so the lab stays reachable while it changes,
//! and the changes that would cut the operator off.
//!
//! Routers go first: the guests behind a router reach the internet (and their packages)
//! through it, so it must already route and filter the way the new version expects. The
//! hypervisors' own networking goes last: rewriting a Proxmox host's bridges interrupts
//! every guest on it, and the operator's session to it. Everything else goes between, in
//! the lab's order.

use crate::policy::flow::{self, Endpoint, Traffic};
use crate::policy::Policy;
use crate::{roles, MachineId, Model, Protocol};
use serde::Serialize;

/// One machine of the plan, in apply order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    pub machine: String,
    pub reason: StepReason,
}

/// Why a machine is where it is in the order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepReason {
    /// It routes or filters for others: first.
    Router,
    /// An ordinary machine or guest.
    Machine,
    /// A hypervisor: its own networking carries its guests, so last.
    Hypervisor,
}

fn reason(model: &Model, id: MachineId) -> StepReason {
    if roles::is_router(model, id) {
        StepReason::Router
    } else if model.machine(id).platform.is_hypervisor() {
        StepReason::Hypervisor
    } else {
        StepReason::Machine
    }
}

/// The machines in `changed` (by name) in apply order; a machine only the old version
/// has (a destroyed guest) is placed by its old role.
pub fn apply_order(before: &Model, after: &Model, changed: &[String]) -> Vec<Step> {
    let mut steps: Vec<(StepReason, usize, Step)> = Vec::new();
    for name in changed {
        let placed = after
            .machine_named(name)
            .map(|id| (reason(after, id), id.index()))
            .or_else(|| {
                before
                    .machine_named(name)
                    .map(|id| (reason(before, id), after.machines.len() + id.index()))
            });
        if let Some((reason, position)) = placed {
            steps.push((
                reason,
                position,
                Step {
                    machine: name.clone(),
                    reason,
                },
            ));
        }
    }
    steps.sort_by_key(|(reason, position, _)| (*reason, *position));
    steps.into_iter().map(|(_, _, step)| step).collect()
}

/// A machine the operator reaches now and would no longer reach after the change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CutOff {
    /// The router whose firewall decides.
    pub router: String,
    /// The machine that becomes unreachable.
    pub machine: String,
    /// What is lost (`tcp/22`, `tcp/8006`).
    pub traffic: String,
}

/// The management ports of a machine: SSH, plus the web UI of a Proxmox host.
fn management(model: &Model, id: MachineId) -> Vec<u16> {
    let mut ports = vec![22];
    if model.machine(id).platform.is_hypervisor() {
        ports.push(8006);
    }
    ports
}

/// The machines whose management ports `from` (a zone, machine or address, as in
/// `explain-flow`) reaches through some firewall before the change and not after it.
pub fn cut_offs(before: &Model, after: &Model, from: &str) -> Result<Vec<CutOff>, String> {
    let mut out = Vec::new();
    let mut resolved_once = false;
    for index in 0..after.firewalls.len() {
        let new = Policy::compile(after, index);
        let router = &after.machine(new.router).name;
        let Some(old_index) = before
            .firewalls
            .iter()
            .position(|f| before.machine(f.machine).name == *router)
        else {
            continue;
        };
        let old = Policy::compile(before, old_index);
        let (Ok(src_new), Ok(src_old)) = (flow::resolve(&new, from), flow::resolve(&old, from))
        else {
            continue;
        };
        resolved_once = true;
        for (id, machine) in after.machines() {
            let Some(old_id) = before.machine_named(&machine.name) else {
                continue;
            };
            for port in management(after, id) {
                let traffic = Traffic::Port(Protocol::Tcp, port);
                let dst_new = endpoint_of(&new, id);
                let dst_old = endpoint_of(&old, old_id);
                let was = flow::query(&old, &src_old, &dst_old, traffic).verdict;
                let now = flow::query(&new, &src_new, &dst_new, traffic).verdict;
                if was == flow::FlowVerdict::Allowed && now != flow::FlowVerdict::Allowed {
                    out.push(CutOff {
                        router: router.clone(),
                        machine: machine.name.clone(),
                        traffic: format!("tcp/{port}"),
                    });
                }
            }
        }
    }
    if !resolved_once && !after.firewalls.is_empty() {
        return Err(format!(
            "`{from}` is not a zone, a machine, `router` or an address of the lab"
        ));
    }
    Ok(out)
}

fn endpoint_of(policy: &Policy, id: MachineId) -> Endpoint {
    if id == policy.router {
        Endpoint::Router
    } else {
        Endpoint::Machine(id)
    }
}
