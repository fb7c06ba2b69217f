//! Whether apps and the routes to them fit together: a host name claimed by two
//! Ingresses of a cluster (E0560; two routes of one proxy are E0203), a route to a port
//! nothing serves (E0561), a route whose host name is not the one its app serves
//! (E0562), an app's NFS volume its nodes cannot mount (E0563), and more GPUs requested
//! by a cluster's apps together than its nodes have (E0558; one app's request alone is
//! checked in sema), a NodePort both Grafana and an app want (E0565), a router's port
//! forward to a port nothing serves (E0566), and a port forwarded twice (E0569).

use crate::nfs::{refused, Refusal};
use infrac_diagnostics::{Code, Diagnostic};
use infrac_model::interfaces::wireguard_ports;
use infrac_model::listeners::listeners;
use infrac_model::nfs::nfs_mount;
use infrac_model::workloads::{machine_gpus, GpuVendor, MountSource};
use infrac_model::{Expose, MachineId, Model, PortSpec, Protocol, RouteTarget, Zone};
use std::collections::BTreeMap;

/// Runs the workload checks.
pub fn check(model: &Model) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    duplicate_hosts(model, &mut out);
    // Listed only when a route or a forward asks: a large lab of guests has neither.
    let asked = model.ingresses.iter().any(|i| !i.routes.is_empty())
        || model.firewalls.iter().any(|f| !f.forwards.is_empty());
    if asked {
        let listening = Listening::of(model);
        routes(model, &listening, &mut out);
        forwards(model, &listening, &mut out);
        forwarded_twice(model, &mut out);
    }
    nfs_mounts(model, &mut out);
    gpu_totals(model, &mut out);
    grafana_node_ports(model, &mut out);
    out
}

fn duplicate_hosts(model: &Model, out: &mut Vec<Diagnostic>) {
    let mut seen: BTreeMap<(usize, String), usize> = BTreeMap::new();
    for (i, app) in model.apps.iter().enumerate() {
        let Some(host) = &app.host else { continue };
        let key = (app.cluster.index(), host.to_ascii_lowercase());
        match seen.get(&key) {
            Some(&first) => {
                let other = &model.apps[first];
                let domain = host.split_once('.').map_or(host.as_str(), |(_, d)| d);
                out.push(
                    Diagnostic::error(
                        Code::DUPLICATE_HOST,
                        format!(
                            "apps `{}` and `{}` both claim host name `{host}`",
                            other.name, app.name
                        ),
                        app.span,
                        format!("its Ingress claims `{host}` too"),
                    )
                    .with_label(other.span, "the first Ingress for this host name")
                    .with_note(
                        "the ingress controller sends a host name's requests to one backend; \
                         which one would depend on the order the Ingresses were created",
                    )
                    .with_help(format!(
                        "give `{}` its own host name, e.g. `host = \"{}.{domain}\"`",
                        app.name, app.name
                    )),
                );
            }
            None => {
                seen.insert(key, i);
            }
        }
    }
}

/// What listens on each machine, listed once for every route and forward to ask: its
/// services, its Compose services, Kubernetes on a node, an app on the node's own
/// network, and its WireGuard memberships on their UDP ports.
struct Listening {
    ports: BTreeMap<MachineId, Vec<PortSpec>>,
}

impl Listening {
    fn of(model: &Model) -> Listening {
        let mut ports: BTreeMap<MachineId, Vec<PortSpec>> = BTreeMap::new();
        for l in listeners(model) {
            ports.entry(l.machine).or_default().push(l.port);
        }
        for (id, machine) in model.machines() {
            for (_, _, port) in wireguard_ports(model, machine) {
                ports.entry(id).or_default().push(PortSpec {
                    protocol: Protocol::Udp,
                    first: port,
                    last: port,
                });
            }
        }
        Listening { ports }
    }

    fn on(&self, machine: MachineId) -> &[PortSpec] {
        self.ports.get(&machine).map_or(&[], Vec::as_slice)
    }

    /// Whether something listens on `protocol`/`port` of `machine`.
    fn serves(&self, machine: MachineId, protocol: Protocol, port: u16) -> bool {
        self.on(machine).iter().any(|p| p.contains(protocol, port))
    }

    /// The ports of `protocol` something listens on at `machine`, for a help line.
    fn open(&self, machine: MachineId, protocol: Protocol) -> Vec<u16> {
        let mut open: Vec<u16> = self
            .on(machine)
            .iter()
            .filter(|p| p.protocol == protocol)
            .map(|p| p.first)
            .collect();
        open.sort_unstable();
        open.dedup();
        open
    }
}

/// A port forward leads to something listening on its target port (E0566), when the lab
/// says what the target runs: a machine that declares no service, stack or membership
/// may run anything. A range is forwarded port for port, so something must listen on at
/// least one of its ports: a game server's range often has a service on one of them.
fn forwards(model: &Model, listening: &Listening, out: &mut Vec<Diagnostic>) {
    for firewall in &model.firewalls {
        for forward in &firewall.forwards {
            let target = forward.target_ports();
            let on = listening.on(forward.target);
            if on.is_empty() || on.iter().any(|p| p.overlaps(&target)) {
                continue;
            }
            let m = model.machine(forward.target);
            let proto = target.protocol.as_str();
            let open = listening.open(forward.target, target.protocol);
            let what = if target.first == target.last {
                format!("{target}")
            } else {
                format!("any port of {target}")
            };
            out.push(
                Diagnostic::error(
                    Code::FORWARD_PORT_UNSERVED,
                    format!(
                        "port forward leads to {target} of `{}`, where nothing listens",
                        m.name
                    ),
                    forward.span,
                    format!("no service of `{}` listens on {what}", m.name),
                )
                .with_label(m.name_span, format!("`{}` is declared here", m.name))
                .with_help(if open.is_empty() {
                    format!(
                        "declare what `{}` runs on {target}: `service NAME {{ port = {target} }}` in the machine",
                        m.name
                    )
                } else {
                    format!(
                        "forward to a port `{}` serves ({}), or declare what it runs on {target}",
                        m.name,
                        open.iter()
                            .map(|p| format!("{proto}/{p}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )
                }),
            );
        }
    }
}

/// A port two forwards of one firewall take from the same zone (E0569): the router
/// translates a packet by the first rule that matches, so the later forward never
/// applies to the ports they share. Forwards are sorted by protocol and first port, so
/// each is compared only with those whose range it can reach.
fn forwarded_twice(model: &Model, out: &mut Vec<Diagnostic>) {
    for firewall in &model.firewalls {
        let mut order: Vec<usize> = (0..firewall.forwards.len()).collect();
        order.sort_by_key(|&i| {
            let p = firewall.forwards[i].port.value;
            (p.protocol, p.first, i)
        });
        let mut reported = std::collections::BTreeSet::new();
        for (k, &i) in order.iter().enumerate() {
            let a = &firewall.forwards[i];
            for &j in &order[k + 1..] {
                let b = &firewall.forwards[j];
                // Sorted by protocol and first port: once `b` shares no port with `a`, no
                // later forward does.
                let Some(shared) = a.port.value.shared(&b.port.value) else {
                    break;
                };
                // The later one in the source is the one that never applies, where the
                // first takes its zone too; after a forward from one zone, a forward from
                // `any` still applies to the others.
                let (first, later) = if i < j { (a, b) } else { (b, a) };
                let shadowed =
                    first.from.value == later.from.value || first.from.value == Zone::Any;
                if shadowed && reported.insert(i.max(j)) {
                    out.push(twice(first, later, shared));
                }
            }
        }
    }
}

fn twice(
    first: &infrac_model::PortForward,
    later: &infrac_model::PortForward,
    shared: PortSpec,
) -> Diagnostic {
    Diagnostic::error(
        Code::FORWARD_TWICE,
        format!("{shared} is forwarded twice from one zone"),
        later.port.span,
        "this forward never applies to the ports the first one takes",
    )
    .with_label(first.port.span, format!("{shared} is forwarded here first"))
    .with_help("forward each port once from a zone: remove one of the forwards, or give them ports of their own")
}

/// A route leads to something listening on its port (E0561), when the lab says what the
/// machine runs, as for a port forward: a machine that declares no service, stack or
/// membership (an appliance, a box set up by hand) may run anything.
fn routes(model: &Model, listening: &Listening, out: &mut Vec<Diagnostic>) {
    for ingress in &model.ingresses {
        for route in &ingress.routes {
            match &route.to {
                RouteTarget::Machine(machine, port) => {
                    let on = listening.on(*machine);
                    if on.is_empty() || listening.serves(*machine, Protocol::Tcp, *port) {
                        continue;
                    }
                    let m = model.machine(*machine);
                    let open = listening.open(*machine, Protocol::Tcp);
                    let nearest = open.iter().min_by_key(|p| p.abs_diff(*port)).copied();
                    out.push(
                        Diagnostic::error(
                            Code::ROUTE_PORT_UNSERVED,
                            format!(
                                "route `{}` leads to tcp/{port} of `{}`, where nothing listens",
                                route.host, m.name
                            ),
                            route.span,
                            format!("no service of `{}` listens on tcp/{port}", m.name),
                        )
                        .with_label(m.name_span, format!("`{}` is declared here", m.name))
                        .with_help(match nearest {
                            Some(p) => format!(
                                "route to a port `{}` serves ({}): `port = {p}`",
                                m.name,
                                open.iter()
                                    .map(|p| format!("tcp/{p}"))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                            None => format!(
                                "declare what `{}` runs on tcp/{port}: `service NAME {{ port = tcp/{port} }}` in the machine",
                                m.name
                            ),
                        }),
                    );
                }
                RouteTarget::App(id) => app_route(route, &model.apps[id.index()], out),
            }
        }
    }
}

fn app_route(route: &infrac_model::Route, app: &infrac_model::App, out: &mut Vec<Diagnostic>) {
    match &app.host {
        Some(host) if !host.eq_ignore_ascii_case(&route.host) => out.push(
            Diagnostic::error(
                Code::ROUTE_HOST_MISMATCH,
                format!(
                    "route `{}` leads to app `{}`, which serves `{host}`",
                    route.host, app.name
                ),
                route.span,
                format!(
                    "the cluster's ingress controller routes `{host}` to this app, not `{}`",
                    route.host
                ),
            )
            .with_label(app.span, format!("`{}` serves `{host}`", app.name))
            .with_help(format!(
                "route the app's host name: `route \"{host}\" {{ to = {} }}`, or set the app's `host = \"{}\"`",
                app.name, route.host
            )),
        ),
        Some(_) => {}
        None if app.workload.ports.is_empty() => out.push(
            Diagnostic::error(
                Code::ROUTE_PORT_UNSERVED,
                format!(
                    "route `{}` leads to app `{}`, which serves no port",
                    route.host, app.name
                ),
                route.span,
                "nothing to send requests to",
            )
            .with_label(app.span, format!("`{}` has no `port` or `ports`", app.name))
            .with_help(format!(
                "give `{}` the port it listens on: `port = tcp/8080`",
                app.name
            )),
        ),
        None if app.expose.value == Expose::ClusterIp && !app.workload.host_network => out.push(
            Diagnostic::error(
                Code::ROUTE_PORT_UNSERVED,
                format!(
                    "route `{}` leads to app `{}`, which nothing outside its cluster can reach",
                    route.host, app.name
                ),
                route.span,
                "the app has no host name, NodePort or load balancer",
            )
            .with_label(app.expose.span, "reachable only inside the cluster")
            .with_help(format!(
                "give `{}` the host name: `host = \"{}\"`",
                app.name, route.host
            )),
        ),
        None => {}
    }
}

fn nfs_mounts(model: &Model, out: &mut Vec<Diagnostic>) {
    for app in &model.apps {
        let cluster = model.cluster(app.cluster);
        let nodes: Vec<MachineId> = match app.workload.node {
            Some(n) => vec![n.value],
            None => cluster.nodes().map(|(m, _)| m).collect(),
        };
        for mount in &app.workload.mounts {
            let MountSource::Nfs { export } = &mount.source else {
                continue;
            };
            let server = model.machine(export.machine);
            let Some(exported) = server.export(&export.export) else {
                continue;
            };
            let mount = nfs_mount(model, export, &nodes, None);
            let unreachable = mount.is_none();
            let refusal = refused(model, exported, mount.as_ref(), &nodes);
            if !unreachable && refusal.is_none() {
                continue;
            }
            let (label, help) = match refusal {
                _ if unreachable => (
                    format!("`{}` shares no network with the app's nodes", server.name),
                    format!(
                        "give `{}` an address on a network of the cluster's nodes",
                        server.name
                    ),
                ),
                Some(refusal @ Refusal::Over(network)) => (
                    format!(
                        "the nodes mount it over `{}`, which the export does not admit",
                        model.network(network).name
                    ),
                    refusal.help(model, server, exported, "the app's nodes"),
                ),
                Some(Refusal::OffClientNetworks) => (
                    "the export admits none of the networks the app's nodes are on".to_string(),
                    "add a network of the cluster's nodes to the export's `clients`".to_string(),
                ),
                None => continue,
            };
            out.push(
                Diagnostic::error(
                    Code::APP_NFS_UNREACHABLE,
                    format!(
                        "app `{}` mounts `{}` of `{}`, which its nodes cannot mount",
                        app.name, export.export, server.name
                    ),
                    export.span,
                    label,
                )
                .with_label(exported.span, "the export")
                .with_help(help),
            );
        }
    }
}

/// The GPUs a cluster's apps request together, every replica counted, against the GPUs
/// of its nodes: a device is given to one container at a time.
fn gpu_totals(model: &Model, out: &mut Vec<Diagnostic>) {
    for (index, cluster) in model.clusters.iter().enumerate() {
        for vendor in [GpuVendor::Nvidia, GpuVendor::Amd] {
            let have: usize = cluster
                .nodes()
                .map(|(m, _)| {
                    machine_gpus(model, m)
                        .iter()
                        .filter(|v| **v == vendor)
                        .count()
                })
                .sum();
            let users: Vec<(&infrac_model::App, u32, infrac_diagnostics::Span)> = model
                .apps
                .iter()
                .filter(|a| a.cluster.index() == index)
                .filter_map(|a| {
                    let g = a.workload.gpu.filter(|g| g.vendor == vendor)?;
                    Some((a, g.count * a.replicas, g.span))
                })
                .collect();
            let want: u32 = users.iter().map(|(_, n, _)| n).sum();
            let Some(((last, _, span), earlier)) = users.split_last() else {
                continue;
            };
            if want as usize <= have {
                continue;
            }
            let mut d = Diagnostic::error(
                Code::APP_GPU,
                format!(
                    "the apps of cluster `{}` request {want} {} GPU(s), its nodes have {have}",
                    cluster.name,
                    vendor.as_str()
                ),
                *span,
                format!("`{}` requests more than is left", last.name),
            );
            for (app, n, s) in earlier {
                d = d.with_label(*s, format!("`{}` takes {n}", app.name));
            }
            out.push(d.with_help(format!(
                "lower the requests or replicas to {have} GPU(s) in all, or give the cluster's nodes more GPUs"
            )));
        }
    }
}

/// Grafana's NodePort against the apps' of the same cluster: kube-proxy gives a node
/// port to one Service.
fn grafana_node_ports(model: &Model, out: &mut Vec<Diagnostic>) {
    for stack in &model.monitoring {
        let Some(port) = stack.grafana.nodeport else {
            continue;
        };
        for app in model.apps.iter().filter(|a| a.cluster == stack.cluster) {
            if app.expose.value != Expose::NodePort(port) {
                continue;
            }
            out.push(
                Diagnostic::error(
                    Code::GRAFANA_NODEPORT,
                    format!(
                        "Grafana of `{}` and app `{}` both want NodePort {}",
                        stack.name, app.name, port
                    ),
                    stack.grafana.nodeport_span,
                    "Grafana's Service asks for this port",
                )
                .with_label(app.expose.span, format!("`{}` has it", app.name))
                .with_help(format!(
                    "give Grafana a free port from 30000 to 32767, e.g. `nodeport = {}`",
                    free_node_port(model, stack.cluster, port)
                )),
            );
        }
    }
}

/// The first NodePort after `from` (wrapping within 30000..=32767) that no app of the
/// cluster uses.
fn free_node_port(model: &Model, cluster: infrac_model::ClusterId, from: u16) -> u16 {
    let used: Vec<u16> = model
        .apps
        .iter()
        .filter(|a| a.cluster == cluster)
        .filter_map(|a| match a.expose.value {
            Expose::NodePort(p) => Some(p),
            _ => None,
        })
        .collect();
    (1..=2768u16)
        .map(|i| 30000 + (from.saturating_sub(30000) + i) % 2768)
        .find(|p| !used.contains(p))
        .unwrap_or(from)
}
