//! The topology view: hosts and their guests, clusters with their member guests and apps.

use super::{
    guest_key, lab_name, Class, Direction, Edge, Flowchart, Group, Item, Line, Node, Shape,
};
use crate::{Expose, Guest, GuestKind, Host, HostId, Model, Platform};

/// Hosts → guests (kind, VMID, vCPUs, memory), clusters → apps by namespace, and which
/// guests are the clusters' servers and agents.
pub fn topology(model: &Model) -> Flowchart {
    let mut chart = Flowchart::new(
        format!("{} topology", lab_name(model)),
        Direction::LeftRight,
    );
    for (index, host) in model.hosts.iter().enumerate() {
        let id = HostId(index as u32);
        let guests: Vec<&Guest> = model.guests.iter().filter(|g| g.host == id).collect();
        let key = format!("host:{}", host.name);
        chart.items.push(Item::Node(Node::new(
            key.clone(),
            host_lines(host),
            Shape::Box,
            Class::Host,
        )));
        for (kind, title, class) in [
            (GuestKind::Vm, "virtual machines", Class::Vm),
            (GuestKind::Lxc, "containers", Class::Lxc),
        ] {
            let members: Vec<&&Guest> = guests.iter().filter(|g| g.kind == kind).collect();
            if members.is_empty() {
                continue;
            }
            let group_key = format!("host:{}:{}", host.name, kind.as_str());
            let mut group = Group::new(
                group_key.clone(),
                vec![format!("{title} on {} ({})", host.name, members.len())],
                class,
            );
            // Left to right, nodes of one rank stack vertically: a tall, narrow column
            // stays readable when the picture is scaled to a page's width.
            group.direction = Some(Direction::LeftRight);
            for guest in &members {
                group.items.push(Item::Node(Node::new(
                    guest_key(guest),
                    guest_lines(model, guest),
                    Shape::Rounded,
                    class,
                )));
            }
            chart.items.push(Item::Group(group));
            chart
                .edges
                .push(Edge::new(key.clone(), group_key).line(Line::Plain));
        }
    }
    for (index, cluster) in model.clusters.iter().enumerate() {
        let key = format!("cluster:{}", cluster.name);
        let mut group = Group::new(
            key.clone(),
            // Mermaid does not make room for multi-line subgraph titles: one line only.
            vec![format!(
                "cluster {} · {} server{}, {} agent{}",
                cluster.name,
                cluster.servers.len(),
                plural(cluster.servers.len()),
                cluster.agents.len(),
                plural(cluster.agents.len()),
            )],
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
            ns.direction = Some(Direction::LeftRight);
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
                chart.edges.push(
                    Edge::new(guest_key(guest), key.clone())
                        .label(vec![role.into()])
                        .line(Line::Dotted),
                );
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
    match &host.hardware {
        Some(hw) => {
            lines.push(format!("{} {}", hw.chassis.vendor, hw.chassis.model));
            if let Some(cpu) = &hw.cpu {
                lines.push(format!("{} × {}", hw.cpu_count.value, cpu.model));
                lines.push(format!("{} cores / {} threads", hw.cores(), hw.threads()));
            }
            if hw.memory().0 > 0 {
                lines.push(format!("{} memory", hw.memory()));
            }
        }
        None => lines.push(
            match host.platform {
                Platform::Proxmox => "proxmox",
                Platform::Baremetal => "bare metal",
                Platform::Cloud => "cloud",
            }
            .into(),
        ),
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
    let mut head = format!("{kind} {}", guest.vmid.value);
    if let Some(os) = guest.os {
        let image = model.image(os);
        head.push_str(&format!(" · {} {}", image.family, image.version));
    }
    vec![
        guest.name.clone(),
        head,
        format!("{cpus} · {}", guest.memory.value),
    ]
}
