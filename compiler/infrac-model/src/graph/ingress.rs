//! The ingress view: how traffic from the internet and the LAN reaches each exposed
//! service (masquerade and port forwards on the router, reverse proxies and tunnels,
//! NodePorts, LoadBalancers and ingress hosts in the clusters).

use super::network::zone_key;
use super::{
    lab_name, machine_key, wrap, Class, Direction, Edge, Flowchart, Group, Item, Line, Node, Shape,
    Tone,
};
use crate::{AppId, Expose, IngressKind, Machine, Model, Platform, RouteTarget, Zone};
use std::collections::BTreeSet;

/// Every entry point from outside a guest or cluster, and where it leads.
pub fn ingress(model: &Model) -> Flowchart {
    let mut chart = Flowchart::new(
        format!("{} ingress paths", lab_name(model)),
        Direction::TopDown,
    );
    let internet = "internet".to_string();
    let mut drawn: BTreeSet<String> = BTreeSet::new();
    let uplinks: BTreeSet<&str> = model
        .networks
        .iter()
        .filter(|n| n.uplink)
        .map(|n| n.zone.as_str())
        .collect();
    let needs_internet = model
        .firewalls
        .iter()
        .any(|f| !f.forwards.is_empty() || !f.masquerade.is_empty())
        || model
            .ingresses
            .iter()
            .any(|i| i.kind == IngressKind::Tunnel);
    if needs_internet {
        chart.items.push(Item::Node(Node::new(
            internet.clone(),
            vec!["internet".into()],
            Shape::Circle,
            Class::Internet,
        )));
    }
    let mut zones_drawn: BTreeSet<String> = BTreeSet::new();
    let mut draw_zone = |chart: &mut Flowchart, zone: &str| {
        if uplinks.contains(zone) {
            return internet.clone();
        }
        let key = zone_key(zone);
        if zones_drawn.insert(key.clone()) {
            chart.items.push(Item::Node(Node::new(
                key.clone(),
                vec![format!("{zone} clients")],
                Shape::Circle,
                Class::Network,
            )));
        }
        key
    };
    for firewall in &model.firewalls {
        let router = model.machine(firewall.machine);
        let mut extra = vec!["firewall".to_string()];
        for masquerade in &firewall.masquerade {
            let zones: Vec<String> = masquerade
                .zones
                .iter()
                .map(|z| zone_name(&z.value))
                .collect();
            extra.push(format!(
                "masquerade {} → {}",
                zones.join(", "),
                zone_name(&masquerade.to.value)
            ));
        }
        let key = draw_guest(&mut chart, &mut drawn, router, Class::Router, extra);
        // Forwards sharing a source zone, or a target guest, share one edge.
        let mut inbound: Vec<(String, Vec<String>)> = Vec::new();
        let mut outbound: Vec<(String, Vec<String>)> = Vec::new();
        for forward in &firewall.forwards {
            let from = match &forward.from.value {
                Zone::Named(z) => draw_zone(&mut chart, z),
                Zone::Any => internet.clone(),
                Zone::Router => continue,
            };
            match inbound.iter_mut().find(|(f, _)| *f == from) {
                Some((_, ports)) => ports.push(forward.port.value.to_string()),
                None => inbound.push((from, vec![forward.port.value.to_string()])),
            }
            let target = model.machine(forward.target);
            let target_key = draw_guest(
                &mut chart,
                &mut drawn,
                target,
                class_of(model, target),
                Vec::new(),
            );
            let line = format!(
                "DNAT {} → :{}",
                forward.port.value,
                forward.target_ports().numbers()
            );
            match outbound.iter_mut().find(|(t, _)| *t == target_key) {
                Some((_, lines)) => lines.push(line),
                None => outbound.push((target_key, vec![line])),
            }
        }
        for (target, lines) in outbound {
            chart.edges.push(
                Edge::new(key.clone(), target)
                    .label(lines)
                    .line(Line::Thick)
                    .tone(Tone::Translated),
            );
        }
        for (from, ports) in inbound {
            chart.edges.insert(
                0,
                Edge::new(from, key.clone())
                    .label(wrap(&ports, 3))
                    .line(Line::Thick),
            );
        }
    }
    let mut apps_drawn: BTreeSet<AppId> = BTreeSet::new();
    let kind_of = |kind: IngressKind| match kind {
        IngressKind::ReverseProxy => "reverse proxy",
        IngressKind::Tunnel => "tunnel",
    };
    // Every proxy is drawn before any route, so a proxy that is also a route's target
    // still says what it is.
    for ingress in &model.ingresses {
        let guest = model.machine(ingress.machine);
        let extra = model
            .ingresses
            .iter()
            .filter(|i| i.machine == ingress.machine)
            .map(|i| format!("{} {}", kind_of(i.kind), i.name))
            .collect();
        draw_guest(&mut chart, &mut drawn, guest, Class::Proxy, extra);
    }
    for ingress in &model.ingresses {
        let proxy = machine_key(model.machine(ingress.machine));
        if ingress.kind == IngressKind::Tunnel {
            chart.edges.push(
                Edge::new(internet.clone(), proxy.clone())
                    .label(vec![format!("tunnel {}", ingress.name)])
                    .line(Line::Dotted),
            );
        }
        // The split by host name: one node per name the proxy serves, then where the
        // proxy sends it (for a tunnel, the origin its config.yml names).
        for (index, route) in ingress.routes.iter().enumerate() {
            let scheme = if route.tls { "https" } else { "http" };
            let name_key = format!("route:{}:{}", ingress.name, route.host);
            chart.items.push(Item::Node(Node::new(
                name_key.clone(),
                vec![route.host.clone()],
                Shape::Stadium,
                Class::Proxy,
            )));
            chart
                .edges
                .push(Edge::new(proxy.clone(), name_key.clone()).label(vec![scheme.into()]));
            let origin = match ingress.kind {
                IngressKind::Tunnel => crate::origin_url(model, ingress, index).ok().map(|o| {
                    let mut lines = vec![format!("→ {}", o.url())];
                    if let Some(host) = o.host_header {
                        lines.push(format!("Host: {host}"));
                    }
                    lines
                }),
                IngressKind::ReverseProxy => None,
            };
            match &route.to {
                RouteTarget::App(app) => {
                    apps_drawn.insert(*app);
                    let target = &model.apps[app.index()];
                    let lines = origin.unwrap_or_else(|| match target.expose.value {
                        Expose::NodePort(p) => vec![format!("via NodePort {p}")],
                        _ => Vec::new(),
                    });
                    chart
                        .edges
                        .push(Edge::new(name_key, format!("app:{}", target.name)).label(lines));
                }
                RouteTarget::Machine(target, port) => {
                    let target = model.machine(*target);
                    let target_key = draw_guest(
                        &mut chart,
                        &mut drawn,
                        target,
                        class_of(model, target),
                        Vec::new(),
                    );
                    let origin_scheme = if route.origin.https { "https" } else { "http" };
                    let lines =
                        origin.unwrap_or_else(|| vec![format!("→ {origin_scheme} :{port}")]);
                    chart
                        .edges
                        .push(Edge::new(name_key, target_key).label(lines));
                }
            }
        }
    }
    for (index, cluster) in model.clusters.iter().enumerate() {
        let apps: Vec<(AppId, &crate::App)> = model
            .apps
            .iter()
            .enumerate()
            .filter(|(_, a)| a.cluster.index() == index)
            .map(|(i, a)| (AppId(i as u32), a))
            .filter(|(id, a)| {
                apps_drawn.contains(id) || a.host.is_some() || a.expose.value != Expose::ClusterIp
            })
            .collect();
        if apps.is_empty() {
            continue;
        }
        let mut group = Group::new(
            format!("cluster:{}", cluster.name),
            vec![format!("cluster {}", cluster.name)],
            Class::Cluster,
        );
        group.direction = Some(Direction::LeftRight);
        let members: Vec<&Machine> = cluster
            .servers
            .iter()
            .chain(&cluster.agents)
            .map(|g| model.machine(g.value))
            .collect();
        let nodes_key = format!("nodes:{}", cluster.name);
        let mut node_lines = vec![format!(
            "{} node{}",
            members.len(),
            if members.len() == 1 { "" } else { "s" }
        )];
        let addresses: Vec<String> = members
            .iter()
            .filter_map(|g| {
                g.nics
                    .iter()
                    .find_map(|n| n.ip.as_ref())
                    .map(|ip| ip.value.to_string())
            })
            .collect();
        // One address per line; a large cluster lists the first few.
        const SHOWN: usize = 5;
        if addresses.len() > SHOWN + 1 {
            node_lines.extend(addresses[..SHOWN].iter().cloned());
            node_lines.push(format!("and {} more", addresses.len() - SHOWN));
        } else {
            node_lines.extend(addresses);
        }
        group.items.push(Item::Node(Node::new(
            nodes_key.clone(),
            node_lines,
            Shape::Box,
            Class::Vm,
        )));
        let hosted: Vec<&(AppId, &crate::App)> = apps
            .iter()
            .filter(|(_, a)| a.host.is_some() && a.port.is_some())
            .collect();
        let controller = format!("ingressclass:{}", cluster.name);
        if !hosted.is_empty() {
            group.items.push(Item::Node(Node::new(
                controller.clone(),
                vec![format!("ingress class {}", cluster.ingress_class)],
                Shape::Hexagon,
                Class::Proxy,
            )));
            chart.edges.push(
                Edge::new(nodes_key.clone(), controller.clone())
                    .label(vec!["tcp/80, tcp/443".into()]),
            );
        }
        for (_, app) in &apps {
            let mut lines = vec![app.name.clone()];
            if let Some(port) = &app.port {
                lines.push(format!("{} · {}", app.namespace, port.value));
            } else {
                lines.push(app.namespace.clone());
            }
            group.items.push(Item::Node(Node::new(
                format!("app:{}", app.name),
                lines,
                Shape::Stadium,
                Class::App,
            )));
            let app_key = format!("app:{}", app.name);
            match app.expose.value {
                Expose::NodePort(p) => chart.edges.push(
                    Edge::new(nodes_key.clone(), app_key.clone())
                        .label(vec![format!("NodePort {p}")]),
                ),
                Expose::LoadBalancer => chart.edges.push(
                    Edge::new(nodes_key.clone(), app_key.clone())
                        .label(vec!["LoadBalancer".into()]),
                ),
                Expose::ClusterIp => {}
            }
            if let (Some(host), Some(_)) = (&app.host, &app.port) {
                chart
                    .edges
                    .push(Edge::new(controller.clone(), app_key).label(vec![host.clone()]));
            }
        }
        chart.items.push(Item::Group(group));
        let zones: Vec<String> = {
            let mut zones: Vec<String> = Vec::new();
            for guest in &members {
                for (_, _, network) in guest.attached() {
                    let zone = &model.network(network).zone;
                    if !zones.contains(zone) {
                        zones.push(zone.clone());
                    }
                }
            }
            zones
        };
        for zone in zones {
            let from = draw_zone(&mut chart, &zone);
            let mut ports: Vec<String> = apps
                .iter()
                .filter_map(|(_, a)| match a.expose.value {
                    Expose::NodePort(p) => Some(format!("tcp/{p}")),
                    _ => None,
                })
                .collect();
            if !hosted.is_empty() {
                ports.push("tcp/80, tcp/443".into());
            }
            if apps
                .iter()
                .any(|(_, a)| a.expose.value == Expose::LoadBalancer)
            {
                ports.push("LoadBalancer ports".into());
            }
            if ports.is_empty() {
                continue;
            }
            chart.edges.push(
                Edge::new(from, nodes_key.clone())
                    .label(wrap(&ports, 3))
                    .line(Line::Dotted),
            );
        }
    }
    if chart.items.is_empty() {
        chart.items.push(Item::Node(Node::new(
            "note:empty",
            vec!["nothing is exposed".into()],
            Shape::Box,
            Class::Note,
        )));
    }
    chart
}

/// Adds a guest's node once (with its first address) and returns its key.
fn draw_guest(
    chart: &mut Flowchart,
    drawn: &mut BTreeSet<String>,
    guest: &Machine,
    class: Class,
    extra: Vec<String>,
) -> String {
    let key = machine_key(guest);
    if drawn.insert(key.clone()) {
        let mut lines = vec![guest.name.clone()];
        lines.extend(extra);
        if let Some(ip) = guest.nics.iter().find_map(|n| n.ip.as_ref()) {
            lines.push(ip.value.to_string());
        }
        let shape = if class == Class::Router {
            Shape::Hexagon
        } else {
            Shape::Rounded
        };
        chart
            .items
            .push(Item::Node(Node::new(key.clone(), lines, shape, class)));
    }
    key
}

fn class_of(model: &Model, machine: &Machine) -> Class {
    if model
        .ingresses
        .iter()
        .any(|i| model.machine(i.machine).name == machine.name)
    {
        Class::Proxy
    } else {
        match machine.platform {
            Platform::Lxc => Class::Lxc,
            Platform::Vm => Class::Vm,
            _ => Class::Host,
        }
    }
}

fn zone_name(zone: &Zone) -> String {
    match zone {
        Zone::Named(n) => n.clone(),
        Zone::Router => "router".into(),
        Zone::Any => "any".into(),
    }
}
