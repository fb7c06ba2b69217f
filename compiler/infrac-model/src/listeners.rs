//! What listens on which port of which machine: the machine's own services, Compose
//! services, on every Kubernetes node the cluster's ingress controller and NodePorts
//! (apps' and the monitoring stack's Grafana), on its node the pods of an app with
//! `host_network`, and on every node it can run on an app's `host_ports`.
//! The port-clash check reads this one list. A reverse proxy (`ingress`) that infrac runs
//! as Caddy is listed on 80 and 443; one the operator runs is one of the others (a
//! service of its machine, a Compose service), already counted.

use crate::{Expose, MachineId, Model, NetworkMode, PortSpec, Protocol, Span};
use std::net::IpAddr;

/// One thing bound to a port (or range) of a machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listener {
    pub machine: MachineId,
    pub port: PortSpec,
    /// The one address it binds, or `None` for every address of the machine.
    pub address: Option<IpAddr>,
    /// Who it is, for messages: `compose service plex of stack media`.
    pub owner: String,
    /// Where it is declared.
    pub span: Span,
    pub kind: ListenerKind,
}

/// Where a listener comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListenerKind {
    /// A service of the machine (`services = [...]`, `service NAME { … }`).
    Service,
    /// A Compose service's published port; `container` is the port inside.
    Compose { container: u16, block: bool },
    /// A Compose service's own port in host network mode.
    ComposeHost,
    /// A Kubernetes cluster's ingress controller on every node, or a NodePort.
    Kubernetes,
    /// A pod of an app with `host_network` on the node it is pinned to.
    HostNetwork,
}

impl Listener {
    /// Whether two listeners want the same port: same protocol, overlapping ports, and
    /// addresses that overlap (the same one, or either binds every address).
    pub fn clashes(&self, other: &Listener) -> bool {
        self.machine == other.machine
            && self.port.protocol == other.port.protocol
            && self.port.first <= other.port.last
            && other.port.first <= self.port.last
            && match (self.address, other.address) {
                (Some(a), Some(b)) => a == b,
                _ => true,
            }
    }
}

fn tcp(port: u16) -> PortSpec {
    PortSpec {
        protocol: Protocol::Tcp,
        first: port,
        last: port,
    }
}

/// Every listener of the lab, machine by machine in model order.
pub fn listeners(model: &Model) -> Vec<Listener> {
    let mut out = Vec::new();
    for (id, machine) in model.machines() {
        for service in &machine.services {
            for port in &service.ports {
                out.push(Listener {
                    machine: id,
                    port: *port,
                    address: None,
                    owner: format!("service {}", service.name),
                    span: service.span,
                    kind: ListenerKind::Service,
                });
            }
        }
    }
    for stack in &model.stacks {
        push_stack(&mut out, stack);
    }
    for (index, cluster) in model.clusters.iter().enumerate() {
        // k3s's Traefik is a LoadBalancer Service on 80 and 443 that ServiceLB exposes on
        // every node, "meaning ports 80 and 443 will not be usable for other HostPort or
        // NodePort pods" (docs.k3s.io/networking/networking-services).
        let mut ports: Vec<(PortSpec, String, Span)> = Vec::new();
        if cluster.ingress_class == "traefik" {
            for port in [80, 443] {
                ports.push((
                    tcp(port),
                    format!(
                        "the ingress controller of cluster {} (Traefik)",
                        cluster.name
                    ),
                    cluster.span,
                ));
            }
        }
        // Every node listens on every NodePort (kube-proxy).
        for app in model.apps.iter().filter(|a| a.cluster.index() == index) {
            if let Expose::NodePort(port) = app.expose.value {
                ports.push((
                    tcp(port),
                    format!("NodePort {port} of app {}", app.name),
                    app.expose.span,
                ));
            }
        }
        // The monitoring stack's Grafana Service, a NodePort when it asks for one.
        for stack in model
            .monitoring
            .iter()
            .filter(|m| m.cluster.index() == index)
        {
            if let Some(port) = stack.grafana.nodeport {
                ports.push((
                    tcp(port),
                    format!("NodePort {port} of Grafana in monitoring {}", stack.name),
                    stack.grafana.nodeport_span,
                ));
            }
        }
        for (node, _) in cluster.nodes() {
            for (port, owner, span) in &ports {
                out.push(Listener {
                    machine: node,
                    port: *port,
                    address: None,
                    owner: owner.clone(),
                    span: *span,
                    kind: ListenerKind::Kubernetes,
                });
            }
        }
    }
    for ingress in &model.ingresses {
        if !crate::proxy::runs_caddy(model, ingress) {
            continue;
        }
        for port in crate::proxy::CADDY_PORTS {
            out.push(Listener {
                machine: ingress.machine,
                port: tcp(port),
                address: None,
                owner: format!("Caddy of reverse proxy {}", ingress.name),
                span: ingress.span,
                kind: ListenerKind::Service,
            });
        }
    }
    // Pods on the host's network, and container ports bound on the host (`hostPort`).
    let host_network = crate::workloads::app_host_ports(model)
        .into_iter()
        .map(|p| (p, "host network"));
    let bindings = crate::workloads::app_host_port_bindings(model)
        .into_iter()
        .map(|p| (p, "hostPort"));
    for ((app, port), how) in host_network.chain(bindings) {
        out.push(Listener {
            machine: port.machine,
            port: PortSpec {
                protocol: port.protocol,
                first: port.port,
                last: port.port,
            },
            address: None,
            owner: format!("app {} ({how})", model.apps[app.index()].name),
            span: port.span,
            kind: ListenerKind::HostNetwork,
        });
    }
    out
}

/// The listeners of the Compose stacks on one machine: a target asks it per machine,
/// where [`listeners`] would build every machine's (a lab of 4,000 NixOS machines: 16
/// million listeners built to read four thousand).
pub fn stack_listeners(model: &Model, machine: MachineId) -> Vec<Listener> {
    let mut out = Vec::new();
    for stack in model.stacks.iter().filter(|s| s.machine == machine) {
        push_stack(&mut out, stack);
    }
    out
}

/// Every published port of a Compose stack, and every port of its services in host
/// network mode.
fn push_stack(out: &mut Vec<Listener>, stack: &crate::Stack) {
    for service in &stack.services {
        for port in &service.ports {
            let how = if service.network_mode == NetworkMode::Host {
                "in host network mode"
            } else {
                "published"
            };
            out.push(Listener {
                machine: stack.machine,
                port: port.host.value,
                address: port.address,
                owner: format!(
                    "compose service {} of stack {} ({how})",
                    service.name, stack.name
                ),
                span: port.span,
                kind: if service.network_mode == NetworkMode::Host {
                    ListenerKind::ComposeHost
                } else {
                    ListenerKind::Compose {
                        container: port.container,
                        block: port.name.is_some(),
                    }
                },
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(port: u16, address: Option<IpAddr>) -> Listener {
        Listener {
            machine: MachineId(0),
            port: PortSpec {
                protocol: Protocol::Tcp,
                first: port,
                last: port,
            },
            address,
            owner: String::new(),
            span: Span::default(),
            kind: ListenerKind::Service,
        }
    }

    #[test]
    fn clashes_need_the_same_port_and_overlapping_addresses() {
        let loopback = Some(IpAddr::from([127, 0, 0, 1]));
        let lan = Some(IpAddr::from([192, 168, 1, 10]));
        assert!(at(80, None).clashes(&at(80, lan)));
        assert!(at(80, lan).clashes(&at(80, lan)));
        assert!(!at(80, lan).clashes(&at(80, loopback)));
        assert!(!at(80, None).clashes(&at(81, None)));
        let mut udp = at(80, None);
        udp.port.protocol = Protocol::Udp;
        assert!(!udp.clashes(&at(80, None)));
    }
}
