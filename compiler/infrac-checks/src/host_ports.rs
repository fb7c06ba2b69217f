//! Port clashes on one machine between Compose services, the machine's own services, a
//! Kubernetes node's ingress controller and NodePorts, and host-network pods (E0537), over
//! the model's one list of listeners. Clashes between two services of the machine are
//! `naming`'s (E0437), between NodePorts the cluster check's (E0427).

use infrac_diagnostics::{Code, Diagnostic};
use infrac_model::listeners::{listeners, Listener, ListenerKind};
use infrac_model::{Model, PortSpec};
use std::collections::BTreeSet;

/// Every clash, once per pair of declarations.
pub fn check(model: &Model) -> Vec<Diagnostic> {
    // Grouped by machine (stable, so declaration order holds within a machine): only
    // listeners of one machine can clash, which keeps large labs linear in machines.
    let mut all = listeners(model);
    all.sort_by_key(|l| l.machine);
    let mut out = Vec::new();
    let mut reported = BTreeSet::new();
    for (i, a) in all.iter().enumerate() {
        let first = all[..i].partition_point(|l| l.machine < a.machine);
        for b in &all[first..i] {
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
            out.push(clash(model, cause, other));
        }
    }
    out
}

/// Pairs another check family reports.
fn owned_elsewhere(a: &Listener, b: &Listener) -> bool {
    matches!(
        (a.kind, b.kind),
        (ListenerKind::Service, ListenerKind::Service)
            | (ListenerKind::Kubernetes, ListenerKind::Kubernetes)
    ) || a.span == b.span
}

fn clash(model: &Model, cause: &Listener, other: &Listener) -> Diagnostic {
    let machine = model.machine(cause.machine);
    let port = if cause.port.first <= other.port.first && other.port.last <= cause.port.last {
        other.port
    } else {
        cause.port
    };
    let free = PortSpec {
        first: free_hint(port.first),
        last: free_hint(port.first),
        ..port
    };
    let help = match cause.kind {
        ListenerKind::Compose { block: true, .. } => format!(
            "publish it on a free host port (`host = {free}` in this `port` block), bind \
             another address, or run it on another machine"
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

/// A suggestion for a free-looking host port: 8000 plus the last three digits (the
/// check runs again on whatever is chosen).
fn free_hint(port: u16) -> u16 {
    8000 + port % 1000
}
