//! The inventory page: every machine that is not a guest with its NICs, bridges, storage
//! and exports, every guest, the storage shared between machines, the clusters with their
//! apps, and the ingresses.

use crate::markdown::{cell, doc_block, doc_cell, lines, or_dash, Table};
use crate::storage_kind;
use crate::text::{push_decimal, push_ip, Shown};
use infrac_model::interfaces::interface_name;
use infrac_model::{
    App, EnvValue, Expose, GuestKind, IngressKind, Machine, MachineId, Model, Platform, Resources,
    RouteTarget, StoragePool,
};
use serde::Serialize;
use std::fmt::Write;
use std::net::IpAddr;

#[derive(Serialize)]
pub(crate) struct InventoryPage {
    header: String,
    hosts_summary: Table,
    hosts: Vec<HostView>,
    guests: Table,
    storage: Option<StorageView>,
    clusters: Vec<ClusterView>,
    ingresses: Vec<IngressView>,
}

#[derive(Serialize)]
struct HostView {
    name: String,
    doc: Option<String>,
    services: Option<String>,
    nics: Table,
    bridges: Table,
    storage: Table,
    exports: Table,
    pci: Table,
}

/// Storage that crosses machines: every pool, the NFS exports and who mounts them.
#[derive(Serialize)]
struct StorageView {
    pools: Table,
    exports: Table,
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

/// Whether the lab has more than one site, so tables name each row's site. A lab of one
/// site leaves the column out: it would repeat the same name on every row.
pub(crate) fn multi_site(model: &Model) -> bool {
    model.sites.len() > 1
}

/// Machines that are not guests: hypervisors, bare-metal machines, appliances and cloud
/// machines, each with its own section.
fn hosts(model: &Model) -> impl Iterator<Item = (MachineId, &Machine)> {
    model.machines().filter(|(_, m)| m.guest.is_none())
}

pub(crate) fn page(model: &Model, header: &str) -> InventoryPage {
    let sites = multi_site(model);
    let mut columns = vec!["Host"];
    if sites {
        columns.push("Site");
    }
    columns.extend([
        "Platform",
        "Hardware",
        "CPU",
        "Memory",
        "Address",
        "BMC",
        "Description",
    ]);
    let mut hosts_summary = Table::new(&columns);
    for (id, host) in hosts(model) {
        let (hardware, cpu, memory) = hardware(host);
        let mut row = vec![cell(&host.name)];
        if sites {
            row.push(cell(&model.site_of(id).name));
        }
        let bmc = lines(bmc_lines(model, host));
        row.extend([
            cell(&platform(model, host)),
            cell(&hardware),
            cell(&cpu),
            cell(&memory),
            or_dash(non_empty(lines(host_addresses(model, host)))),
            or_dash(non_empty(bmc)),
            host.description.as_deref().map(cell).unwrap_or_default(),
        ]);
        hosts_summary.row(row);
    }
    InventoryPage {
        header: header.to_string(),
        hosts_summary,
        hosts: hosts(model)
            .map(|(id, h)| host_view(model, id, h))
            .collect(),
        guests: guests_table(model),
        storage: storage_view(model),
        clusters: model
            .clusters
            .iter()
            .enumerate()
            .map(|(i, cluster)| {
                let name =
                    |m: &infrac_model::Spanned<MachineId>| model.machine(m.value).name.clone();
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
                if let Some(api) = cluster.api {
                    facts.row(vec![
                        "API address".into(),
                        format!("{} ({})", api.value, vip(cluster.vip)),
                    ]);
                }
                if let Some(version) = &cluster.version {
                    facts.row(vec!["k3s version".into(), cell(version)]);
                }
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
                        "{}, {}",
                        cluster.reserve.cpu.cores_text(),
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
                    doc: doc_block(cluster.doc.as_deref()),
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
                    cell(&model.machine(ingress.machine).name),
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
                        RouteTarget::Machine(m, port) => {
                            format!("{}:{port}", model.machine(*m).name)
                        }
                    };
                    routes.row(vec![
                        cell(&route.host),
                        cell(&to),
                        if route.tls { "yes".into() } else { "no".into() },
                    ]);
                }
                IngressView {
                    name: cell(&ingress.name),
                    doc: doc_block(ingress.doc.as_deref()),
                    facts,
                    routes,
                }
            })
            .collect(),
    }
}

/// How to reach a host's BMC: its address, and the login the lab gives for it (the
/// password as the name of its secret, never its value).
fn bmc_lines(model: &Model, host: &Machine) -> Vec<String> {
    let address = host
        .bmc
        .as_deref()
        .map(|p| format!("{} on {}", p.address.value, model.network(p.network).name));
    let user = host.bmc_user.as_deref().map(|u| format!("user {u}"));
    let password = host
        .bmc_password
        .as_deref()
        .map(|s| format!("password in secret {}", s.0));
    address.into_iter().chain(user).chain(password).collect()
}

fn non_empty(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

fn vip(provider: infrac_model::VipProvider) -> &'static str {
    match provider {
        infrac_model::VipProvider::KubeVip => "kube-vip",
        infrac_model::VipProvider::Keepalived => "keepalived",
    }
}

/// What a machine is, with the OS it runs when it names one (`bare metal · ubuntu 24.04`).
fn platform(model: &Model, machine: &Machine) -> String {
    let name = match machine.platform {
        Platform::Proxmox => "Proxmox VE",
        Platform::Baremetal => "bare metal",
        Platform::Openwrt => "OpenWrt",
        Platform::Truenas => "TrueNAS",
        Platform::Appliance => "appliance",
        Platform::Cloud => "cloud",
        Platform::Vm => "VM",
        Platform::Lxc => "LXC",
    };
    match machine.os.map(|i| model.image(i)) {
        Some(image) => format!("{name} · {} {}", image.family, image.version),
        None => name.into(),
    }
}

/// Hardware, CPU and memory cells: the catalogue hardware of a physical machine, the
/// provider and size of a cloud machine.
fn hardware(machine: &Machine) -> (String, String, String) {
    if let Some(hw) = &machine.hardware {
        return (
            hw.chassis.display_name(),
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
        );
    }
    if let Some(cloud) = &machine.cloud {
        let place = match &cloud.region {
            Some(region) => format!("{} {region}", cloud.provider),
            None => cloud.provider.clone(),
        };
        return (
            place,
            or_dash(cloud.cores.map(|c| format!("{c} vCPU"))),
            or_dash(cloud.memory.map(|m| m.to_string())),
        );
    }
    ("—".into(), "—".into(), "—".into())
}

/// A machine's addresses as `ADDRESS on NETWORK`, the BMC left out (it has its own
/// column), and `DHCP on NETWORK` for a NIC that takes its address from DHCP.
fn host_addresses(model: &Model, machine: &Machine) -> Vec<String> {
    let bmc = machine.bmc.as_deref().map(|p| (p.network, p.address.value));
    let mut out: Vec<String> = machine
        .addresses()
        .into_iter()
        .filter(|(n, a)| Some((*n, a.value)) != bmc)
        .map(|(n, a)| format!("{} on {}", a.value, model.network(n).name))
        .collect();
    out.extend(
        machine
            .attached()
            .filter(|(_, nic, _)| nic.dhcp && nic.ip.is_none())
            .map(|(_, _, n)| format!("DHCP on {}", model.network(n).name)),
    );
    out
}

fn host_view(model: &Model, id: MachineId, host: &Machine) -> HostView {
    let doc = |d: &Option<String>| d.as_deref().map(doc_cell).unwrap_or_default();
    let mut nics = Table::new(&["NIC", "Speed", "MAC", "Description"]);
    for (i, nic) in host.nics.iter().enumerate() {
        let name = interface_name(model, host, i);
        let name = match nic.network {
            Some(n) => format!("{name} on {}", model.network(n).name),
            None => name,
        };
        nics.row(vec![
            cell(&name),
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
            storage_kind(pool.kind).into(),
            pool.size.value.to_string(),
            if pool.shared { "yes" } else { "no" }.into(),
            or_dash(pool_source(model, pool).map(|s| cell(&s))),
            doc(&pool.doc),
        ]);
    }
    let mut exports = Table::new(&[
        "Export",
        "Path",
        "Clients",
        "Access",
        "Mounted by",
        "Description",
    ]);
    for export in &host.exports {
        let clients: Vec<String> = export
            .clients
            .iter()
            .map(|n| model.network(*n).name.clone())
            .collect();
        exports.row(vec![
            cell(&export.name),
            cell(&export.path),
            or_dash(non_empty(cell(&clients.join(", ")))),
            if export.read_only {
                "read-only"
            } else {
                "read-write"
            }
            .into(),
            or_dash(non_empty(lines(mounts(model, id, &export.name)))),
            doc(&export.doc),
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
    let services: Vec<&str> = host.services.iter().map(|s| s.name.as_str()).collect();
    HostView {
        name: cell(&host.name),
        doc: doc_block(host.doc.as_deref()),
        services: non_empty(cell(&services.join(", "))),
        nics,
        bridges,
        storage,
        exports,
        pci,
    }
}

/// Where a network pool's data lives: its server address and, for a pool that mounts an
/// export of the lab, `MACHINE:PATH`.
fn pool_source(model: &Model, pool: &StoragePool) -> Option<String> {
    let export = pool.export.as_ref().map(|e| {
        let machine = model.machine(e.machine);
        match machine.export(&e.export) {
            Some(x) => format!("{}:{}", machine.name, x.path),
            None => format!("{} export {}", machine.name, e.export),
        }
    });
    match (pool.server, export) {
        (Some(server), Some(export)) => Some(format!("{server} ({export})")),
        (Some(server), None) => Some(server.to_string()),
        (None, export) => export,
    }
}

/// The pools that mount an export of a machine, as `MACHINE pool POOL`.
fn mounts(model: &Model, exporter: MachineId, export: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (_, machine) in model.machines() {
        for pool in &machine.storage {
            let Some(e) = &pool.export else { continue };
            if e.machine == exporter && e.export == export {
                out.push(format!("{} pool {}", machine.name, pool.name));
            }
        }
    }
    out
}

/// The storage section, for labs whose storage crosses machines: NFS exports, pools that
/// mount them, or pools shared between hosts. A lab of local pools only has them in each
/// host's section already.
fn storage_view(model: &Model) -> Option<StorageView> {
    let crosses = model.machines().any(|(_, m)| {
        !m.exports.is_empty() || m.storage.iter().any(|p| p.shared || p.export.is_some())
    });
    if !crosses {
        return None;
    }
    let mut pools = Table::new(&["Machine", "Pool", "Kind", "Size>", "Shared", "Source"]);
    let mut exports = Table::new(&[
        "Machine",
        "Export",
        "Path",
        "Clients",
        "Access",
        "Mounted by",
    ]);
    for (id, machine) in model.machines() {
        for pool in &machine.storage {
            pools.row(vec![
                cell(&machine.name),
                cell(&pool.name),
                storage_kind(pool.kind).into(),
                pool.size.value.to_string(),
                if pool.shared { "yes" } else { "no" }.into(),
                or_dash(pool_source(model, pool).map(|s| cell(&s))),
            ]);
        }
        for export in &machine.exports {
            let clients: Vec<String> = export
                .clients
                .iter()
                .map(|n| model.network(*n).name.clone())
                .collect();
            exports.row(vec![
                cell(&machine.name),
                cell(&export.name),
                cell(&export.path),
                or_dash(non_empty(cell(&clients.join(", ")))),
                if export.read_only {
                    "read-only"
                } else {
                    "read-write"
                }
                .into(),
                or_dash(non_empty(lines(mounts(model, id, &export.name)))),
            ]);
        }
    }
    Some(StorageView { pools, exports })
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
    let sites = multi_site(model);
    let mut columns = vec!["ID>", "Guest", "Kind", "Host"];
    if sites {
        columns.push("Site");
    }
    columns.extend([
        "OS",
        "vCPU>",
        "Memory>",
        "Disk",
        "Addresses",
        "Services",
        "Description",
    ]);
    let mut table = Table::new(&columns);
    let mut guests: Vec<_> = model.guests().collect();
    guests.sort_by_key(|(_, _, g)| g.vmid.value);
    // A row per guest, its cells written straight into the table.
    let mut sizes = Shown::default();
    for (id, machine, guest) in guests {
        table.add(|row| {
            row.int(guest.vmid.value.0)
                .cell(&machine.name)
                .raw(match guest.kind {
                    GuestKind::Vm => "VM",
                    GuestKind::Lxc => "LXC",
                })
                .cell(&model.machine(guest.host).name);
            if sites {
                row.cell(&model.site_of(id).name);
            }
            match machine.os.map(|i| model.image(i)) {
                Some(image) => row.with(|out| {
                    out.push_str(&image.family);
                    out.push(' ');
                    out.push_str(&image.version);
                }),
                None => row.raw("—"),
            };
            row.raw_with(|out| {
                if guest.sockets > 1 {
                    let _ = write!(
                        out,
                        "{} ({} × {})",
                        guest.vcpus(),
                        guest.sockets,
                        guest.cores.value
                    );
                } else {
                    push_decimal(out, guest.vcpus());
                }
            })
            .raw(sizes.get(guest.memory.value))
            .lines_or_dash(&guest.disks, |out, d| {
                out.push_str(sizes.get(d.size.value));
                out.push_str(" on ");
                out.push_str(&d.pool.value);
            })
            .lines_or_dash(
                guest_addresses(model, machine),
                |out, (address, network)| {
                    match address {
                        Some(ip) => push_ip(out, ip),
                        None => out.push_str("DHCP"),
                    }
                    out.push_str(" (");
                    out.push_str(network);
                    out.push(')');
                },
            )
            .with_or_dash(|out| {
                for (i, service) in machine.services.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(&service.name);
                }
            });
            match machine.doc.as_deref() {
                Some(doc) => row.raw(&doc_cell(doc)),
                None => row.cell(machine.description.as_deref().unwrap_or_default()),
            };
        });
    }
    table
}

/// A guest's addresses in the guests table, each with its network's name: a NIC's IPv4
/// address (`None` for DHCP) and IPv6 address, then the machine's placed addresses.
fn guest_addresses<'m>(
    model: &'m Model,
    machine: &'m Machine,
) -> impl Iterator<Item = (Option<IpAddr>, &'m str)> + 'm {
    let nics = machine.attached().flat_map(move |(_, nic, network)| {
        let network = model.network(network).name.as_str();
        let v4 = match &nic.ip {
            Some(ip) => Some((Some(IpAddr::V4(ip.value)), network)),
            None => nic.dhcp.then_some((None, network)),
        };
        let v6 = nic.ip6.map(|ip| (Some(IpAddr::V6(ip.value)), network));
        v4.into_iter().chain(v6)
    });
    let placed = machine.addresses.iter().map(move |placed| {
        (
            Some(placed.address.value),
            model.network(placed.network).name.as_str(),
        )
    });
    nics.chain(placed)
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
            cell(app.image.as_ref().map_or("", |i| i.as_str())),
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
