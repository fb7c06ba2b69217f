//! The topology view: hosts and their guests, clusters with their member guests and apps.

use super::{
    lab_name, machine_key, Class, Direction, Edge, Flowchart, Group, Item, Line, Node, Shape,
};
use crate::decimal::push_decimal;
use crate::{Bytes, Expose, GuestKind, Machine, MachineId, Model, Platform};
use infrac_diagnostics::plural;
use std::fmt::Write;

/// Hosts → guests (kind, VMID, vCPUs, memory), clusters → apps by namespace, and which
/// guests are the clusters' servers and agents.
pub fn topology(model: &Model) -> Flowchart {
    let mut chart = Flowchart::new(
        format!("{} topology", lab_name(model)),
        Direction::LeftRight,
    );
    // One site draws flat; several sites each get a group holding their machines.
    let grouped = model.sites.len() > 1;
    for (site_index, site) in model.sites.iter().enumerate() {
        let mut items = Vec::new();
        let mut edges = Vec::new();
        for (id, machine) in model.machines() {
            if machine.guest.is_some() || machine.site.index() != site_index {
                continue;
            }
            machine_items(model, id, machine, &mut items, &mut edges);
        }
        if grouped {
            if items.is_empty() {
                continue;
            }
            let mut group = Group::new(
                format!("site:{}", site.name),
                vec![match &site.domain {
                    Some(domain) => format!("site {} · {domain}", site.name),
                    None => format!("site {}", site.name),
                }],
                Class::Namespace,
            );
            group.direction = Some(Direction::LeftRight);
            group.items = items;
            chart.items.push(Item::Group(group));
        } else {
            chart.items.extend(items);
        }
        chart.edges.extend(edges);
    }
    overlays(model, &mut chart);
    storage_edges(model, &mut chart);
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
        let apps: Vec<_> = model.apps_in(crate::ClusterId(index as u32)).collect();
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
                let guest = model.machine(member.value);
                chart.edges.push(
                    Edge::new(machine_key(guest), key.clone())
                        .label(vec![role.into()])
                        .line(Line::Dotted),
                );
            }
        }
    }
    chart
}

/// A machine that is not a guest, its guests grouped by kind, and the edges to them.
fn machine_items(
    model: &Model,
    id: MachineId,
    host: &Machine,
    items: &mut Vec<Item>,
    edges: &mut Vec<Edge>,
) {
    let key = machine_key(host);
    items.push(Item::Node(Node::new(
        key.clone(),
        host_lines(model, host),
        Shape::Box,
        Class::Host,
    )));
    let guests: Vec<&Machine> = model.guests_on(id).map(|(_, m, _)| m).collect();
    for (kind, title, class) in [
        (GuestKind::Vm, "virtual machines", Class::Vm),
        (GuestKind::Lxc, "containers", Class::Lxc),
    ] {
        let members: Vec<&&Machine> = guests
            .iter()
            .filter(|g| g.guest.as_ref().is_some_and(|g| g.kind == kind))
            .collect();
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
                machine_key(guest),
                guest_lines(model, guest),
                Shape::Rounded,
                class,
            )));
        }
        items.push(Item::Group(group));
        edges.push(Edge::new(key.clone(), group_key).line(Line::Plain));
    }
}

/// Overlay networks (Tailscale, WireGuard, ZeroTier) as nodes joined by their members.
fn overlays(model: &Model, chart: &mut Flowchart) {
    for (index, network) in model.networks.iter().enumerate() {
        let Some(overlay) = network.overlay else {
            continue;
        };
        let key = format!("overlay:{}", network.name);
        let mut lines = vec![format!("{} {}", overlay.title(), network.name)];
        lines.extend(network.ipv4.map(|n| n.value.to_string()));
        chart.items.push(Item::Node(Node::new(
            key.clone(),
            lines,
            Shape::Circle,
            Class::Network,
        )));
        for (_, machine) in model.machines() {
            for (_, nic, net) in machine.attached() {
                if net.index() != index {
                    continue;
                }
                let label = nic
                    .ip
                    .map(|ip| ip.value.to_string())
                    .or(nic.ip6.map(|ip| ip.value.to_string()));
                let mut edge = Edge::new(machine_key(machine), key.clone()).line(Line::Dotted);
                if let Some(label) = label {
                    edge = edge.label(vec![label]);
                }
                chart.edges.push(edge);
            }
        }
    }
}

/// Which machine mounts which NFS export for a storage pool.
fn storage_edges(model: &Model, chart: &mut Flowchart) {
    for machine in &model.machines {
        for pool in &machine.storage {
            let Some(export) = &pool.export else { continue };
            let server = model.machine(export.machine);
            chart.edges.push(
                Edge::new(machine_key(machine), machine_key(server))
                    .label(vec![format!("NFS {} ({})", export.export, pool.name)])
                    .line(Line::Dotted),
            );
        }
    }
}

fn host_lines(model: &Model, host: &Machine) -> Vec<String> {
    let mut lines = vec![format!("host {}", host.name)];
    match &host.hardware {
        Some(hw) => {
            lines.push(hw.chassis.display_name());
            if host.platform != Platform::Proxmox {
                lines.push(platform_line(host));
            }
            if let Some(cpu) = &hw.cpu {
                lines.push(format!("{} × {}", hw.cpu_count.value, cpu.model));
                lines.push(format!("{} cores / {} threads", hw.cores(), hw.threads()));
            }
            if hw.memory().0 > 0 {
                lines.push(format!("{} memory", hw.memory()));
            }
        }
        None => lines.push(platform_line(host)),
    }
    if let Some(os) = host.os {
        let image = model.image(os);
        lines.push(format!("{} {}", image.family, image.version));
    }
    if let Some(address) = host
        .addresses
        .first()
        .map(|p| p.address.value)
        .or_else(|| host.addresses().first().map(|(_, a)| a.value))
    {
        lines.push(address.to_string());
    }
    lines
}

/// What a machine that is not a guest is, in words.
fn platform_line(host: &Machine) -> String {
    match host.platform {
        Platform::Proxmox => "proxmox".to_string(),
        Platform::Baremetal => "bare metal".to_string(),
        Platform::Cloud => match &host.cloud {
            Some(c) if !c.provider.is_empty() => format!("cloud · {}", c.provider),
            _ => "cloud".to_string(),
        },
        Platform::Openwrt => "OpenWrt".to_string(),
        Platform::Truenas => "TrueNAS".to_string(),
        Platform::Appliance => "appliance".to_string(),
        Platform::Vm | Platform::Lxc => host.platform.as_str().to_string(),
    }
}

fn guest_lines(model: &Model, machine: &Machine) -> Vec<String> {
    let Some(guest) = &machine.guest else {
        return vec![machine.name.clone()];
    };
    let kind = match guest.kind {
        GuestKind::Vm => "VM",
        GuestKind::Lxc => "CT",
    };
    // One buffer per line, written piece by piece without the formatting machinery:
    // this runs for every guest.
    let mut head = String::with_capacity(48);
    head.push_str(kind);
    head.push(' ');
    push_decimal(&mut head, guest.vmid.value.0);
    if let Some(os) = machine.os {
        let image = model.image(os);
        head.push_str(" · ");
        head.push_str(&image.family);
        head.push(' ');
        head.push_str(&image.version);
    }
    let mut size = String::with_capacity(32);
    if guest.sockets > 1 {
        push_decimal(&mut size, guest.sockets);
        size.push('×');
    }
    push_decimal(&mut size, guest.cores.value);
    size.push_str(" vCPU · ");
    push_bytes(&mut size, guest.memory.value);
    vec![machine.name.clone(), head, size]
}

/// A size as [`Bytes`] displays it. Whole MiB or GiB below 1024 of the unit, which is
/// how memory is usually given, are written directly; they show as `{n} MiB` and
/// `{n} GiB` exactly.
fn push_bytes(out: &mut String, bytes: Bytes) {
    for (size, unit) in [(Bytes::GIB, " GiB"), (Bytes::MIB, " MiB")] {
        let n = bytes.0 / size;
        if bytes.0.is_multiple_of(size) && (1..1024).contains(&n) {
            push_decimal(out, n);
            out.push_str(unit);
            return;
        }
    }
    let _ = write!(out, "{bytes}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_numbers_read_as_displayed() {
        for n in [
            0,
            1,
            9,
            10,
            99,
            100,
            4095,
            65536,
            u64::from(u32::MAX),
            u64::MAX,
        ] {
            let mut out = String::new();
            push_decimal(&mut out, n);
            assert_eq!(out, n.to_string());
        }
        let mut sizes = vec![0, 1, 1023, 1024, 1536, u64::MAX];
        for unit in [Bytes::KIB, Bytes::MIB, Bytes::GIB, Bytes::TIB] {
            for n in [1, 2, 3, 512, 1000, 1023, 1024, 1025, 2048] {
                sizes.extend([n * unit - 1, n * unit, n * unit + 1, n * unit + unit / 2]);
            }
        }
        for size in sizes {
            let mut out = String::new();
            push_bytes(&mut out, Bytes(size));
            assert_eq!(out, Bytes(size).to_string(), "{size}");
        }
    }
}
