//! Roles and routes of machines that several targets derive the same way: which machine
//! is a router, and which interface carries a machine's default route.
//!
//! Derived once here so the Proxmox scripts (cloud-init, `pct` gateways, apply order) and
//! the NixOS configurations agree.

use crate::{
    BgpRouter, ClusterId, Firewall, IpFamily, Lease, MachineId, Model, Network, NetworkId,
    OsFamily, Platform, StoragePool,
};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Whether a machine routes for others: it has a `bgp` or `firewall` block, or holds the
/// gateway address of one of its networks.
pub fn is_router(model: &Model, id: MachineId) -> bool {
    if model.routers.iter().any(|r| r.machine == id)
        || model.firewalls.iter().any(|f| f.machine == id)
    {
        return true;
    }
    model.machine(id).attached().any(|(_, nic, network)| {
        let network = model.network(network);
        let v4 = matches!((nic.ip, network.gateway), (Some(ip), Some(gw)) if ip.value == gw.value);
        let v6 =
            matches!((nic.ip6, network.gateway6), (Some(ip), Some(gw)) if ip.value == gw.value);
        v4 || v6
    })
}

/// Where a guest's IPv4 default route comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefaultRoute4 {
    /// The interface at this index (in declaration order) takes it from DHCP.
    Dhcp(usize),
    /// The interface at this index routes through this gateway.
    Static(usize, Ipv4Addr),
}

/// The IPv4 default route: the first interface that is DHCP or has a static address on a
/// network whose gateway is another machine. A router holding its networks' gateways gets
/// its route from the uplink's DHCP (or none).
pub fn default_route4(model: &Model, id: MachineId) -> Option<DefaultRoute4> {
    model
        .machine(id)
        .attached()
        .filter(|(_, _, n)| model.network(*n).overlay.is_none())
        .find_map(|(index, nic, network)| {
            if nic.dhcp {
                return Some(DefaultRoute4::Dhcp(index));
            }
            let ip = nic.ip?.value;
            let gateway = model.network(network).gateway?.value;
            (gateway != ip).then_some(DefaultRoute4::Static(index, gateway))
        })
}

/// The IPv6 default route: the first interface with a static IPv6 address on a network
/// whose IPv6 gateway is another machine, as `(interface index, gateway)`.
pub fn default_route6(model: &Model, id: MachineId) -> Option<(usize, Ipv6Addr)> {
    model
        .machine(id)
        .attached()
        .filter(|(_, _, n)| model.network(*n).overlay.is_none())
        .find_map(|(index, nic, network)| {
            let ip = nic.ip6?.value;
            let gateway = model.network(network).gateway6?.value;
            (gateway != ip).then_some((index, gateway))
        })
}

/// A service a network has one server of, by role: named on the network, else the
/// machine holding its IPv4 gateway when it runs the service on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Served {
    /// Kea, dnsmasq, or OpenWrt's built-in server; only networks with a DHCP range.
    Dhcp,
    /// Unbound, dnsmasq, or OpenWrt's built-in resolver.
    Dns,
}

impl Served {
    /// Whether the network has a server of this service at all.
    fn applies(self, net: &Network) -> bool {
        match self {
            Served::Dhcp => net.dhcp.is_some(),
            Served::Dns => true,
        }
    }

    /// The server the network names.
    fn named(self, net: &Network) -> Option<MachineId> {
        match self {
            Served::Dhcp => net.dhcp_server,
            Served::Dns => net.dns_server,
        }
        .map(|s| s.value)
    }

    /// Whether a machine holding a network's gateway runs the service on its own.
    fn runs(self, model: &Model, id: MachineId) -> bool {
        let m = model.machine(id);
        let daemon = match self {
            Served::Dhcp => "kea",
            Served::Dns => "unbound",
        };
        m.platform == Platform::Openwrt || m.runs(daemon) || m.runs("dnsmasq")
    }

    /// The server, given the network's gateway holder.
    fn server(self, model: &Model, net: &Network, holder: Option<MachineId>) -> Option<MachineId> {
        if !self.applies(net) {
            return None;
        }
        self.named(net)
            .or_else(|| holder.filter(|id| self.runs(model, *id)))
    }
}

/// The machine that serves DHCP on a network: the one the network names, else the
/// machine holding the network's IPv4 gateway when it runs a DHCP server (Kea, dnsmasq,
/// or OpenWrt's built-in one). Only networks with a DHCP range have one.
pub fn dhcp_server(model: &Model, network: NetworkId) -> Option<MachineId> {
    served(model).server(Served::Dhcp, network)
}

/// The machine that answers DNS on a network: the one the network names, else the
/// machine holding the network's IPv4 gateway when it runs a resolver (Unbound, dnsmasq,
/// or OpenWrt's built-in one).
pub fn dns_server(model: &Model, network: NetworkId) -> Option<MachineId> {
    served(model).server(Served::Dns, network)
}

/// The server of `service` on one network, found by its own search of the machines for
/// the gateway's holder: the definition [`dhcp_server`], [`dns_server`] and the lookups
/// by machine, which read what [`servers`] found for every network at once, are held to.
pub fn server(model: &Model, network: NetworkId, service: Served) -> Option<MachineId> {
    let net = model.network(network);
    if !service.applies(net) {
        return None;
    }
    let holder = match service.named(net) {
        Some(_) => None,
        None => gateway_holder(model, network),
    };
    service.server(model, net, holder)
}

/// [`server`] of every network, by network, from the gateway holders of every network
/// ([`gateway_holders`], one pass over the machines).
pub fn servers(
    model: &Model,
    service: Served,
    holders: &[Option<MachineId>],
) -> Vec<Option<MachineId>> {
    model
        .networks
        .iter()
        .zip(holders)
        .map(|(net, holder)| service.server(model, net, *holder))
        .collect()
}

/// The networks a machine serves DHCP on, in network order (sorted, for a binary
/// search): those whose [`dhcp_server`] it is.
pub fn dhcp_networks(model: &Model, machine: MachineId) -> &[NetworkId] {
    served_by(model, machine, Served::Dhcp)
}

/// The networks a machine answers DNS on, in network order: those whose [`dns_server`]
/// it is.
pub fn dns_networks(model: &Model, machine: MachineId) -> &[NetworkId] {
    served_by(model, machine, Served::Dns)
}

/// The networks whose server of `service` a machine is, from the servers of every
/// network ([`servers`]), found once per model: asking every machine is then linear in
/// the lab, where a search of the networks per machine grew with machines × networks
/// (a lab of 4,000 networks, each with a NixOS machine, and one router serving them all:
/// 1.95 s to build instead of 0.14 s for 1,000).
fn served_by(model: &Model, machine: MachineId, service: Served) -> &[NetworkId] {
    let served = served(model);
    let by_machine = match service {
        Served::Dhcp => &served.dhcp,
        Served::Dns => &served.dns,
    };
    by_machine.get(machine.index()).map_or(&[], Vec::as_slice)
}

/// The servers of every network and the networks of every server, found once per model.
fn served(model: &Model) -> &ServedNetworks {
    model
        .derived
        .served
        .get_or_init(|| ServedNetworks::of(model))
}

/// The server of each network, and the networks each machine serves, in network order.
#[derive(Debug, Clone, Default)]
pub(crate) struct ServedNetworks {
    dhcp_servers: Vec<Option<MachineId>>,
    dns_servers: Vec<Option<MachineId>>,
    dhcp: Vec<Vec<NetworkId>>,
    dns: Vec<Vec<NetworkId>>,
}

impl ServedNetworks {
    fn of(model: &Model) -> ServedNetworks {
        let holders = gateway_holders(model);
        let dhcp_servers = servers(model, Served::Dhcp, &holders);
        let dns_servers = servers(model, Served::Dns, &holders);
        let by_machine = |servers: &[Option<MachineId>]| {
            let mut lists = vec![Vec::new(); model.machines.len()];
            for (network, server) in servers.iter().enumerate() {
                if let Some(list) = server.and_then(|id| lists.get_mut(id.index())) {
                    list.push(NetworkId(network as u32));
                }
            }
            lists
        };
        ServedNetworks {
            dhcp: by_machine(&dhcp_servers),
            dns: by_machine(&dns_servers),
            dhcp_servers,
            dns_servers,
        }
    }

    fn server(&self, service: Served, network: NetworkId) -> Option<MachineId> {
        match service {
            Served::Dhcp => &self.dhcp_servers,
            Served::Dns => &self.dns_servers,
        }
        .get(network.0 as usize)
        .copied()
        .flatten()
    }
}

/// The machine holding each static address of the lab (the first in model order, for an
/// address two machines hold, which the addressing checks report).
pub fn address_holders(model: &Model) -> std::collections::HashMap<std::net::IpAddr, MachineId> {
    let mut holders = std::collections::HashMap::new();
    for (id, machine) in model.machines() {
        for (_, address) in machine.each_address() {
            holders.entry(address.value).or_insert(id);
        }
    }
    holders
}

/// [`gateway_holder`] of every network, by network, in one pass over the machines.
pub fn gateway_holders(model: &Model) -> Vec<Option<MachineId>> {
    first_gateway_holders(model, IpFamily::Ipv4)
        .into_iter()
        .map(|holder| holder.map(|(id, _)| id))
        .collect()
}

/// The first machine in model order holding each network's gateway of `family` (its
/// `gateway` or `gateway6`), with the index of its first NIC holding it, by network, in
/// one pass over the machines.
pub(crate) fn first_gateway_holders(
    model: &Model,
    family: IpFamily,
) -> Vec<Option<(MachineId, usize)>> {
    let mut holders = vec![None; model.networks.len()];
    for (id, m) in model.machines() {
        for (index, nic, n) in m.attached() {
            let network = model.network(n);
            let (gateway, address) = match family {
                IpFamily::Ipv4 => (
                    network.gateway.map(|g| IpAddr::V4(g.value)),
                    nic.ip.map(|ip| IpAddr::V4(ip.value)),
                ),
                IpFamily::Ipv6 => (
                    network.gateway6.map(|g| IpAddr::V6(g.value)),
                    nic.ip6.map(|ip| IpAddr::V6(ip.value)),
                ),
            };
            if let Some(slot) = holders.get_mut(n.index()) {
                if slot.is_none() && gateway.is_some() && address == gateway {
                    *slot = Some((id, index));
                }
            }
        }
    }
    holders
}

/// The machine whose NIC holds a network's IPv4 gateway address.
pub fn gateway_holder(model: &Model, network: NetworkId) -> Option<MachineId> {
    let gateway = model.network(network).gateway?.value;
    model.machines().find_map(|(id, m)| {
        m.attached()
            .any(|(_, nic, n)| n == network && nic.ip.map(|ip| ip.value) == Some(gateway))
            .then_some(id)
    })
}

/// Every static lease of a network: its declared `lease` blocks, then the NICs of the
/// lab's machines that take their address by DHCP with a reserved address and a MAC.
/// Found for every network in one pass, on first use: the NixOS and OpenWrt targets ask
/// it of each network a machine serves, and a pass over the machines per network grew
/// with networks × machines (a router serving 4,000 networks: 16 million NICs visited).
pub fn leases(model: &Model, network: NetworkId) -> &[Lease] {
    model
        .derived
        .leases
        .get_or_init(|| leases_by_network(model))
        .get(network.0 as usize)
        .map_or(&[], Vec::as_slice)
}

/// The static leases of every network, network by network in the order [`leases`] gives
/// them, in one pass over the machines.
pub fn all_leases(model: &Model) -> Vec<(NetworkId, Lease)> {
    leases_by_network(model)
        .into_iter()
        .enumerate()
        .flat_map(|(i, list)| list.into_iter().map(move |l| (NetworkId(i as u32), l)))
        .collect()
}

/// [`leases`] of every network, by network.
fn leases_by_network(model: &Model) -> Vec<Vec<Lease>> {
    let mut by_network: Vec<Vec<Lease>> = model.networks.iter().map(|n| n.leases.clone()).collect();
    for (id, machine) in model.machines() {
        for (_, nic, n) in machine.attached() {
            if !nic.dhcp {
                continue;
            }
            if let (Some(mac), Some(ip), Some(list)) =
                (nic.mac, nic.ip, by_network.get_mut(n.0 as usize))
            {
                list.push(Lease {
                    name: machine.name.clone(),
                    mac,
                    ip,
                    machine: Some(id),
                    span: nic.span,
                });
            }
        }
    }
    by_network
}

/// The cluster a machine is a node of, and whether it is a server there.
pub fn cluster_of(model: &Model, machine: MachineId) -> Option<(ClusterId, bool)> {
    model.clusters.iter().enumerate().find_map(|(i, c)| {
        c.nodes()
            .find(|(m, _)| *m == machine)
            .map(|(_, server)| (ClusterId(i as u32), server))
    })
}

/// The BGP speaker on a machine.
pub fn bgp_of(model: &Model, machine: MachineId) -> Option<&BgpRouter> {
    model.routers.iter().find(|r| r.machine == machine)
}

/// The firewall on a machine, with its index into `model.firewalls`.
pub fn firewall_of(model: &Model, machine: MachineId) -> Option<(usize, &Firewall)> {
    model
        .firewalls
        .iter()
        .enumerate()
        .find(|(_, f)| f.machine == machine)
}

/// The OS family a machine runs, when it has an OS image.
pub fn os_family(model: &Model, machine: MachineId) -> Option<OsFamily> {
    model
        .machine(machine)
        .os
        .map(|i| model.image(i).os_family())
}

/// Where an NFS storage pool of `machine` mounts from ([`crate::nfs::nfs_mount`]): the
/// pool's `server` when given. `None` when the pool mounts no export or no address is
/// shared.
pub fn nfs_source(model: &Model, machine: MachineId, pool: &StoragePool) -> Option<NfsSource> {
    let export_ref = pool.export.as_ref()?;
    crate::nfs::nfs_mount(model, export_ref, &[machine], pool.server).map(|m| m.source)
}

pub use crate::nfs::NfsSource;

/// One line of `/etc/exports` (exports(5)) for an export of `machine`: the path (white
/// space escaped as octal) and each prefix of its client networks, or of the networks
/// the machine is on when the export names none. `None` when there is no prefix to
/// export to. NixOS and cloud-init write the same lines from here.
pub fn exports_line(
    model: &Model,
    machine: &crate::Machine,
    export: &crate::Export,
) -> Option<String> {
    let own: Vec<NetworkId> = machine.attached().map(|(_, _, n)| n).collect();
    let networks = if export.clients.is_empty() {
        &own
    } else {
        &export.clients
    };
    let access = if export.read_only { "ro" } else { "rw" };
    let clients: Vec<String> = networks
        .iter()
        .flat_map(|n| {
            let net = model.network(*n);
            net.ipv4
                .map(|p| p.value.to_string())
                .into_iter()
                .chain(net.ipv6.map(|p| p.value.to_string()))
        })
        .map(|prefix| format!("{prefix}({access},sync,no_subtree_check)"))
        .collect();
    if clients.is_empty() {
        return None;
    }
    let path = export.path.replace(' ', "\\040").replace('\t', "\\011");
    Some(format!("{path} {}", clients.join(" ")))
}
