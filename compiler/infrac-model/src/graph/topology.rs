//! The topology view: hosts and their guests, clusters with their member guests and apps.

use super::{guest_key, lab_name, Class, Direction, Edge, Flowchart, Group, Item, Line, Node, Shape};
use crate::{Expose, Guest, GuestKind, Host, HostId, Model, Platform};

/// How many guests sit side by side in one row of a host's box.
const GUESTS_PER_ROW: usize = 4;

/// Hosts → guests (kind, VMID, vCPUs, memory), clusters → apps by namespace, and which
/// guests are the clusters' servers and agents.
pub fn topology(model: &Model) -> Flowchart {
    let mut chart = Flowchart::new(format!("{} topology", lab_name(model)), Direction::TopDown);
    for (index, host) in model.hosts.iter().enumerate() {
        let id = HostId(index as u32);
        let guests: Vec<&Guest> = model.guests.iter().filter(|g| g.host == id).collect();
        let key = format!("host:{}", host.name);
        if guests.is_empty() && host.platform != Platform::Proxmox {
            chart
                .items
                .push(Item::Node(Node::new(key, host_lines(host), Shape::Box, Class::Host)));
            continue;
        }
        let mut group = Group::new(key, host_lines(host), Class::Host);
        group.direction = Some(Direction::TopDown);
        for (kind, title, class) in [
            (GuestKind::Vm, "virtual machines", Class::Vm),
            (GuestKind::Lxc, "containers", Class::Lxc),
        ] {
            let members: Vec<&&Guest> = guests.iter().filter(|g| g.kind == kind).collect();
            if members.is_empty() {
                continue;
            }
            let mut inner = Group::new(
                format!("host:{}:{}", host.name, kind.as_str()),
                vec![format!("{title} ({})", members.len())],
                class,
            );
            inner.direction = Some(Direction::TopDown);
            for guest in &members {
                inner.items.push(Item::Node(Node::new(
                    guest_key(guest),
                    guest_lines(model, guest),
                    Shape::Rounded,
                    class,
                )));
            }
            // Unconnected nodes would all land in one row; invisible links stack the
            // guests into rows of a few, which keeps a large host readable.
            for pair in members.windows(GUESTS_PER_ROW + 1) {
                chart
                    .edges
                    .push(Edge::new(guest_key(pair[0]), guest_key(pair[GUESTS_PER_ROW])).line(Line::Invisible));
            }
            group.items.push(Item::Group(inner));
        }
        chart.items.push(Item::Group(group));
    }
    for (index, cluster) in model.clusters.iter().enumerate() {
        let key = format!("cluster:{}", cluster.name);
        let mut group = Group::new(
            key.clone(),
            vec![
                format!("cluster {}", cluster.name),
                format!(
                    "{} server{}, {} agent{} · ingress {}",
                    cluster.servers.len(),
                    plural(cluster.servers.len()),
                    cluster.agents.len(),
                    plural(cluster.agents.len()),
                    cluster.ingress_class
                ),
            ],
            Class::Cluster,
        );
        group.direction = Some(Direction::LeftRight);
        let apps: Vec<_> = model
            .apps
            .iter()
            .filter(|a| a.cluster.index() == index)
            .collect();
        let mut namespaces: Vec<&str> = Vec::new();
        for app in &apps {
            if !namespaces.contains(&app.namespace.as_str()) {
                namespaces.push(&app.namespace);
            }
        }
        for namespace in namespaces {
            let mut ns = Group::new(
                format!("ns:{}/{}", cluster.name, namespace),
                vec![format!("namespace {namespace}")],
                Class::Namespace,
            );
            ns.direction = Some(Direction::TopDown);
            for app in apps.iter().filter(|a| a.namespace == namespace) {
                let mut lines = vec![app.name.clone()];
                let mut detail = Vec::new();
                if let Some(port) = &app.port {
                    detail.push(port.value.to_string());
                }
                detail.push(match app.expose.value {
                    Expose::ClusterIp if app.port.is_none() => "no service".into(),
                    Expose::ClusterIp => "ClusterIP".into(),
                    Expose::NodePort(p) => format!("NodePort {p}"),
                    Expose::LoadBalancer => "LoadBalancer".into(),
                });
                if app.replicas != 1 {
                    detail.push(format!("{} replicas", app.replicas));
                }
                lines.push(detail.join(" · "));
                if let Some(host) = &app.host {
                    lines.push(host.clone());
                }
                ns.items.push(Item::Node(Node::new(
                    format!("app:{}", app.name),
                    lines,
                    Shape::Stadium,
                    Class::App,
                )));
            }
            group.items.push(Item::Group(ns));
        }
        chart.items.push(Item::Group(group));
        for (members, role) in [(&cluster.servers, "server"), (&cluster.agents, "agent")] {
            for member in members {
                let guest = model.guest(member.value);
                chart
                    .edges
                    .push(Edge::new(guest_key(guest), key.clone()).label(vec![role.into()]).line(Line::Dotted));
            }
        }
    }
    chart
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn host_lines(host: &Host) -> Vec<String> {
    let mut lines = vec![format!("host {}", host.name)];
    if let Some(hw) = &host.hardware {
        let mut parts = vec![format!("{} {}", hw.chassis.vendor, hw.chassis.model)];
        if hw.cores() > 0 {
            parts.push(format!("{} cores / {} threads", hw.cores(), hw.threads()));
        }
        if hw.memory().0 > 0 {
            parts.push(hw.memory().to_string());
        }
        lines.push(parts.join(" · "));
    }
    if let Some(address) = &host.address {
        lines.push(address.address.value.to_string());
    }
    lines
}

fn guest_lines(model: &Model, guest: &Guest) -> Vec<String> {
    let kind = match guest.kind {
        GuestKind::Vm => "VM",
        GuestKind::Lxc => "CT",
    };
    let cpus = if guest.sockets > 1 {
        format!("{}×{} vCPU", guest.sockets, guest.cores.value)
    } else {
        format!("{} vCPU", guest.cores.value)
    };
    let mut lines = vec![
        guest.name.clone(),
        format!("{kind} {} · {cpus} · {}", guest.vmid.value, guest.memory.value),
    ];
    if let Some(os) = guest.os {
        let image = model.image(os);
        lines.push(format!("{} {}", image.family, image.version));
    }
    lines
}
