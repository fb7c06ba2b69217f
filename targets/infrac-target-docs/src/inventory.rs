//! The inventory page: hosts with their NICs, bridges and storage, every guest, the
//! clusters with their apps, and the ingresses.

use crate::markdown::{cell, doc_block, doc_cell, lines, or_dash, Table};
use infrac_model::{
    App, EnvValue, Expose, Guest, GuestKind, Host, IngressKind, Model, Platform, Resources,
    RouteTarget,
};
use serde::Serialize;

#[derive(Serialize)]
pub(crate) struct InventoryPage {
    header: String,
    hosts_summary: Table,
    hosts: Vec<HostView>,
    guests: Table,
    clusters: Vec<ClusterView>,
    ingresses: Vec<IngressView>,
}

#[derive(Serialize)]
struct HostView {
    name: String,
    doc: Option<String>,
    nics: Table,
    bridges: Table,
    storage: Table,
    pci: Table,
}

#[derive(Serialize)]
struct ClusterView {
    name: String,
    doc: Option<String>,
    facts: Table,
    apps: Table,
}

#[derive(Serialize)]
struct IngressView {
    name: String,
    doc: Option<String>,
    facts: Table,
    routes: Table,
}

pub(crate) fn page(model: &Model, header: &str) -> InventoryPage {
    let mut hosts_summary = Table::new(&[
        "Host", "Platform", "Hardware", "CPU", "Memory", "Address", "BMC",
    ]);
    for host in &model.hosts {
        let (hardware, cpu, memory) = match &host.hardware {
            Some(hw) => (
                format!("{} {}", hw.chassis.vendor, hw.chassis.model),
                match &hw.cpu {
                    Some(c) => format!(
                        "{} × {} ({} cores / {} threads)",
                        hw.cpu_count.value,
                        c.model,
                        hw.cores(),
                        hw.threads()
                    ),
                    None => "—".into(),
                },
                match hw.dimm_size {
                    Some(size) => format!("{} ({} × {size})", hw.memory(), hw.dimm_count.value),
                    None => "—".into(),
                },
            ),
            None => ("—".into(), "—".into(), "—".into()),
        };
        let placed = |p: &Option<infrac_model::Placement>| {
            or_dash(p.map(|p| format!("{} on {}", p.address.value, model.network(p.network).name)))
        };
        hosts_summary.row(vec![
            cell(&host.name),
            platform(host.platform).into(),
            cell(&hardware),
            cell(&cpu),
            cell(&memory),
            cell(&placed(&host.address)),
            cell(&placed(&host.bmc)),
        ]);
    }
    InventoryPage {
        header: header.to_string(),
        hosts_summary,
        hosts: model.hosts.iter().map(host_view).collect(),
        guests: guests_table(model),
        clusters: model
            .clusters
            .iter()
            .enumerate()
            .map(|(i, cluster)| {
                let name = |g: &infrac_model::Spanned<infrac_model::GuestId>| {
                    model.guest(g.value).name.clone()
                };
                let mut facts = Table::new(&["Fact", "Value"]);
                let servers: Vec<String> = cluster.servers.iter().map(name).collect();
                let agents: Vec<String> = cluster.agents.iter().map(name).collect();
                facts.row(vec![
                    "Servers".into(),
                    or_dash(non_empty(servers.join(", ")).map(|s| cell(&s))),
                ]);
                facts.row(vec![
                    "Agents".into(),
                    or_dash(non_empty(agents.join(", ")).map(|s| cell(&s))),
                ]);
                let mut pods = vec![cluster.pods.value.to_string()];
                pods.extend(cluster.pods6.map(|p| p.value.to_string()));
                let mut services = vec![cluster.services.value.to_string()];
                services.extend(cluster.services6.map(|p| p.value.to_string()));
                facts.row(vec!["Pod network".into(), lines(&pods)]);
                facts.row(vec!["Service network".into(), lines(&services)]);
                facts.row(vec!["Ingress class".into(), cell(&cluster.ingress_class)]);
                facts.row(vec![
                    "Reserved per node".into(),
                    format!(
                        "{} core{}, {}",
                        cluster.reserve.cores,
                        if cluster.reserve.cores == 1 { "" } else { "s" },
                        cluster.reserve.memory
                    ),
                ]);
                facts.row(vec![
                    "Join token".into(),
                    if cluster.token.is_some() {
                        "from the secret store".into()
                    } else {
                        "—".into()
                    },
                ]);
                let apps: Vec<&App> = model
                    .apps
                    .iter()
                    .filter(|a| a.cluster.index() == i)
                    .collect();
                ClusterView {
                    name: cell(&cluster.name),
                    doc: doc_block(&cluster.doc),
                    facts,
                    apps: apps_table(&apps),
                }
            })
            .collect(),
        ingresses: model
            .ingresses
            .iter()
            .map(|ingress| {
                let mut facts = Table::new(&["Fact", "Value"]);
                facts.row(vec![
                    "Runs on".into(),
                    cell(&model.guest(ingress.guest).name),
                ]);
                facts.row(vec![
                    "Kind".into(),
                    match ingress.kind {
                        IngressKind::ReverseProxy => "reverse proxy".into(),
                        IngressKind::Tunnel => "tunnel".into(),
                    },
                ]);
                let mut routes = Table::new(&["Host name", "To", "TLS"]);
                for route in &ingress.routes {
                    let to = match &route.to {
                        RouteTarget::App(app) => {
                            let app = &model.apps[app.index()];
                            match (app.expose.value, app.port) {
                                (Expose::NodePort(p), _) => {
                                    format!("app {} (NodePort {p})", app.name)
                                }
                                (_, Some(port)) => format!("app {} ({})", app.name, port.value),
                                _ => format!("app {}", app.name),
                            }
                        }
                        RouteTarget::Guest(g, port) => format!("{}:{port}", model.guest(*g).name),
                    };
                    routes.row(vec![
                        cell(&route.host),
                        cell(&to),
                        if route.tls { "yes".into() } else { "no".into() },
                    ]);
                }
                IngressView {
                    name: cell(&ingress.name),
                    doc: doc_block(&ingress.doc),
                    facts,
                    routes,
                }
            })
            .collect(),
    }
}

fn non_empty(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

fn platform(p: Platform) -> &'static str {
    match p {
        Platform::Proxmox => "Proxmox VE",
        Platform::Baremetal => "bare metal",
        Platform::Cloud => "cloud",
    }
}

fn host_view(host: &Host) -> HostView {
    let doc = |d: &Option<String>| d.as_deref().map(doc_cell).unwrap_or_default();
    let mut nics = Table::new(&["NIC", "Speed", "MAC", "Description"]);
    for nic in &host.nics {
        nics.row(vec![
            cell(&nic.name),
            or_dash(nic.speed.map(|s| speed(s.0))),
            or_dash(nic.mac.map(|m| m.value.to_string())),
            doc(&nic.doc),
        ]);
    }
    let mut bridges = Table::new(&["Bridge", "Ports", "VLAN-aware", "MTU>", "Description"]);
    for bridge in &host.bridges {
        bridges.row(vec![
            cell(&bridge.name),
            or_dash(non_empty(bridge.ports.join(", ")).map(|p| cell(&p))),
            if bridge.vlan_aware { "yes" } else { "no" }.into(),
            or_dash(bridge.mtu.map(|m| m.to_string())),
            doc(&bridge.doc),
        ]);
    }
    let mut storage = Table::new(&["Pool", "Kind", "Size>", "Shared", "Server", "Description"]);
    for pool in &host.storage {
        storage.row(vec![
            cell(&pool.name),
            format!("{:?}", pool.kind).to_lowercase(),
            pool.size.value.to_string(),
            if pool.shared { "yes" } else { "no" }.into(),
            or_dash(pool.server.map(|s| s.to_string())),
            doc(&pool.doc),
        ]);
    }
    let mut pci = Table::new(&["Device", "Address", "Model"]);
    for device in &host.pci {
        pci.row(vec![
            cell(&device.name),
            cell(&device.address),
            or_dash(device.model.as_deref().map(cell)),
        ]);
    }
    HostView {
        name: cell(&host.name),
        doc: doc_block(&host.doc),
        nics,
        bridges,
        storage,
        pci,
    }
}

/// A link speed in Mbit/s for people (`10G`, `100M`).
fn speed(mbps: u64) -> String {
    if mbps >= 1000 && mbps.is_multiple_of(1000) {
        format!("{}G", mbps / 1000)
    } else {
        format!("{mbps}M")
    }
}

fn guests_table(model: &Model) -> Table {
    let mut table = Table::new(&[
        "ID>",
        "Guest",
        "Kind",
        "Host",
        "OS",
        "vCPU>",
        "Memory>",
        "Disk",
        "Addresses",
        "Services",
        "Description",
    ]);
    let mut guests: Vec<&Guest> = model.guests.iter().collect();
    guests.sort_by_key(|g| g.vmid.value);
    for guest in guests {
        let os = guest.os.map(|i| {
            let image = model.image(i);
            format!("{} {}", image.family, image.version)
        });
        let vcpu = if guest.sockets > 1 {
            format!(
                "{} ({} × {})",
                guest.cores.value * guest.sockets,
                guest.sockets,
                guest.cores.value
            )
        } else {
            guest.cores.value.to_string()
        };
        let disks: Vec<String> = guest
            .disks
            .iter()
            .map(|d| format!("{} on {}", d.size.value, d.pool.value))
            .collect();
        let mut addresses = Vec::new();
        for nic in &guest.nics {
            let network = &model.network(nic.network).name;
            if let Some(ip) = &nic.ip {
                addresses.push(format!("{} ({network})", ip.value));
            } else if nic.dhcp {
                addresses.push(format!("DHCP ({network})"));
            }
            if let Some(ip) = &nic.ip6 {
                addresses.push(format!("{} ({network})", ip.value));
            }
        }
        let services: Vec<&str> = guest.services.iter().map(|s| s.name.as_str()).collect();
        let description = guest
            .doc
            .as_deref()
            .map(doc_cell)
            .or_else(|| guest.description.as_deref().map(cell))
            .unwrap_or_default();
        table.row(vec![
            guest.vmid.value.to_string(),
            cell(&guest.name),
            match guest.kind {
                GuestKind::Vm => "VM".into(),
                GuestKind::Lxc => "LXC".into(),
            },
            cell(&model.host(guest.host).name),
            or_dash(os.map(|o| cell(&o))),
            vcpu,
            guest.memory.value.to_string(),
            or_dash(non_empty(lines(&disks))),
            or_dash(non_empty(lines(&addresses))),
            or_dash(non_empty(cell(&services.join(", ")))),
            description,
        ]);
    }
    table
}

fn resources(r: &Resources) -> String {
    let mut parts = Vec::new();
    if let Some(c) = &r.cpu {
        parts.push(format!("{} CPU", c.value));
    }
    if let Some(m) = &r.memory {
        parts.push(m.value.to_string());
    }
    or_dash(non_empty(parts.join(", ")))
}

fn apps_table(apps: &[&App]) -> Table {
    let mut table = Table::new(&[
        "App",
        "Namespace",
        "Image",
        "Replicas>",
        "Port",
        "Exposed as",
        "Host name",
        "Requests",
        "Limits",
        "Volumes",
        "Secrets",
        "Description",
    ]);
    for app in apps {
        let exposed = match (app.expose.value, app.port) {
            (_, None) => "—".to_string(),
            (Expose::ClusterIp, Some(_)) => "ClusterIP".into(),
            (Expose::NodePort(p), Some(_)) => format!("NodePort {p}"),
            (Expose::LoadBalancer, Some(_)) => "LoadBalancer".into(),
        };
        let volumes: Vec<String> = app
            .volumes
            .iter()
            .map(|v| format!("{} {} at {}", v.name, v.size.value, v.path))
            .collect();
        let secrets: Vec<String> = app
            .env
            .iter()
            .filter(|(_, v)| matches!(v, EnvValue::Secret(_)))
            .map(|(k, _)| k.clone())
            .collect();
        table.row(vec![
            cell(&app.name),
            cell(&app.namespace),
            cell(&app.image),
            app.replicas.to_string(),
            or_dash(app.port.map(|p| p.value.to_string())),
            exposed,
            or_dash(app.host.as_deref().map(cell)),
            resources(&app.requests),
            resources(&app.limits),
            or_dash(non_empty(lines(&volumes))),
            or_dash(non_empty(lines(&secrets))),
            app.doc.as_deref().map(doc_cell).unwrap_or_default(),
        ]);
    }
    table
}
