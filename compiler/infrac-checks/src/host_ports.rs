//! Port clashes on one machine between Compose services, the machine's own services, a
//! Kubernetes node's ingress controller and NodePorts, and host-network pods (E0537), over
//! the model's one list of listeners. Clashes between two services of the machine are
//! `naming`'s (E0437), between NodePorts the cluster check's (E0427).

use infrac_diagnostics::{Code, Diagnostic};
use infrac_model::listeners::{listeners, Listener, ListenerKind};
use infrac_model::{Model, PortSpec};
use std::collections::{BTreeSet, HashMap};

/// Every clash, once per pair of declarations.
pub fn check(model: &Model) -> Vec<Diagnostic> {
    // Grouped by machine (stable, so declaration order holds within a machine): only
    // listeners of one machine can clash, which keeps large labs linear in machines.
    let mut all = listeners(model);
    all.sort_by_key(|l| l.machine);
    let mut out = Vec::new();
    let mut reported = BTreeSet::new();
    let mut earlier = Earlier::default();
    for (i, a) in all.iter().enumerate() {
        let first = all[..i].partition_point(|l| l.machine < a.machine);
        if first == i {
            earlier = Earlier::default();
        }
        for b in earlier.meeting(a, first..i).into_iter().map(|j| &all[j]) {
            if !a.clashes(b) || owned_elsewhere(a, b) {
                continue;
            }
            // The Compose side is the one to move; otherwise the later declaration.
            let rank = |l: &Listener| match l.kind {
                ListenerKind::Compose { .. } | ListenerKind::ComposeHost => 0,
                ListenerKind::HostNetwork => 1,
                _ => 2,
            };
            let (cause, other) = if rank(b) < rank(a) { (b, a) } else { (a, b) };
            if !reported.insert((cause.span, other.span)) {
                continue;
            }
            // Every listener of the machine, so the port the help suggests is free.
            let end = first + all[first..].partition_point(|l| l.machine <= a.machine);
            out.push(clash(model, cause, other, &all[first..end]));
        }
        earlier.add(a, i);
    }
    out
}

/// The listeners of one machine seen so far, by port: a machine with thousands of
/// published ports is compared listener by listener only where ports can meet, in the
/// order of the pairs the whole comparison would make.
#[derive(Default)]
struct Earlier {
    /// Listeners on one port, by protocol and port, in order.
    single: HashMap<(infrac_model::Protocol, u16), Vec<usize>>,
    /// Listeners on a range of ports, in order: few, and compared with every other.
    ranges: Vec<usize>,
}

impl Earlier {
    /// The listeners before `a` (all of `seen`) whose ports can meet its own, in order.
    fn meeting(&self, a: &Listener, seen: std::ops::Range<usize>) -> Vec<usize> {
        if a.port.first != a.port.last {
            return seen.collect();
        }
        let mut out: Vec<usize> = self
            .single
            .get(&(a.port.protocol, a.port.first))
            .into_iter()
            .flatten()
            .chain(&self.ranges)
            .copied()
            .collect();
        out.sort_unstable();
        out
    }

    fn add(&mut self, a: &Listener, i: usize) {
        if a.port.first == a.port.last {
            self.single
                .entry((a.port.protocol, a.port.first))
                .or_default()
                .push(i);
        } else {
            self.ranges.push(i);
        }
    }
}

/// Pairs another check family reports.
fn owned_elsewhere(a: &Listener, b: &Listener) -> bool {
    matches!(
        (a.kind, b.kind),
        (ListenerKind::Service, ListenerKind::Service)
            | (ListenerKind::Kubernetes, ListenerKind::Kubernetes)
    ) || a.span == b.span
}

fn clash(
    model: &Model,
    cause: &Listener,
    other: &Listener,
    machine_listeners: &[Listener],
) -> Diagnostic {
    let machine = model.machine(cause.machine);
    let port = if cause.port.first <= other.port.first && other.port.last <= cause.port.last {
        other.port
    } else {
        cause.port
    };
    let free = free_hint(
        PortSpec {
            last: port.first,
            ..port
        },
        machine_listeners,
    );
    let help = match cause.kind {
        ListenerKind::Compose { block: true, .. } => format!(
            "publish it on a free host port (`host = {free}` in this `port` block), bind \
             another address, or run it on another machine"
        ),
        // A published range moves as a whole: one `port` block maps a single port.
        ListenerKind::Compose { .. } if cause.port.first != cause.port.last => format!(
            "publish it on free host ports (`{}` instead of this entry), bind another \
             address, or run it on another machine",
            free_hint(cause.port, machine_listeners)
        ),
        ListenerKind::Compose { container, .. } => format!(
            "publish it on a free host port (`port NAME {{ host = {free}, container = {container} }}` \
             instead of this entry), bind another address, or run it on another machine"
        ),
        ListenerKind::ComposeHost => "in host network mode the container's ports are the \
             machine's: make it listen on another port, drop `network_mode = host` and \
             publish the port, or run it on another machine"
            .to_string(),
        ListenerKind::HostNetwork => "a pod on the host network listens on the node's own \
             ports: give the app another port, pin it to another node, or move the other \
             listener"
            .to_string(),
        _ => "move one of them to another port or machine".to_string(),
    };
    let mut d = Diagnostic::error(
        Code::HOST_PORT_CLASH,
        format!(
            "{} and {} both listen on {port} of {}",
            cause.owner, other.owner, machine.name
        ),
        cause.span,
        format!("{} wants {port} on {}", cause.owner, machine.name),
    )
    .with_label(other.span, format!("{} listens on it", other.owner))
    .with_help(help);
    if other.kind == ListenerKind::Kubernetes {
        d = d.with_note(format!(
            "{} is a node of a Kubernetes cluster, whose ingress controller and NodePorts listen on every node",
            machine.name
        ));
    }
    d
}

/// Ports to suggest instead of `wanted`, as many as it has: from 8000 plus the last
/// three digits of its first port (80 becomes 8080) up, the first that no listener of the
/// machine holds over the same protocol, so the help never suggests ports that clash in
/// turn.
fn free_hint(wanted: PortSpec, machine_listeners: &[Listener]) -> PortSpec {
    let width = wanted.last - wanted.first;
    let mut taken: Vec<(u16, u16)> = machine_listeners
        .iter()
        .filter(|l| l.port.protocol == wanted.protocol)
        .map(|l| (l.port.first, l.port.last))
        .collect();
    taken.sort_unstable();
    // The first `width + 1` ports in a row from `from` to `to` that no taken range meets.
    let free = |from: u16, to: u16| {
        let mut p = from;
        for &(first, last) in &taken {
            if last < p {
                continue;
            }
            if first > p.checked_add(width)? {
                break;
            }
            p = last.checked_add(1)?;
        }
        p.checked_add(width).filter(|&end| end <= to).map(|_| p)
    };
    let start = 8000 + wanted.first % 1000;
    let first = free(start, u16::MAX)
        .or_else(|| free(1024, start - 1))
        .unwrap_or(start);
    PortSpec {
        first,
        last: first.saturating_add(width),
        ..wanted
    }
}
