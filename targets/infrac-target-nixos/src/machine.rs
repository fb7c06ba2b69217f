//! The facts about one NixOS machine that the configuration sections share.

use infrac_model::interfaces::interface_name;
use infrac_model::{
    roles, BgpRouter, CloudPlacement, Cluster, Firewall, Guest, GuestKind, Image, Machine,
    MachineId, MachineService, Model, NetworkId, Overlay, Platform, Site,
};
use std::net::{IpAddr, Ipv4Addr};

/// What a NixOS machine runs on, which decides its boot and hardware settings.
#[derive(Clone, Copy)]
pub(crate) enum Form<'a> {
    /// A Proxmox QEMU guest.
    Vm(&'a Guest),
    /// A Proxmox container.
    Lxc(&'a Guest),
    /// A physical computer.
    Baremetal,
    /// A virtual machine at a cloud provider.
    Cloud(Option<&'a CloudPlacement>),
}

/// One NixOS machine with its model around it.
pub(crate) struct MachineView<'a> {
    pub model: &'a Model,
    pub id: MachineId,
    pub machine: &'a Machine,
    pub image: &'a Image,
}

impl<'a> MachineView<'a> {
    /// The NixOS release the machine runs.
    pub(crate) fn release(&self) -> crate::release::Release {
        crate::release::Release::of(self.image)
    }
    /// What the machine runs on.
    pub(crate) fn form(&self) -> Form<'a> {
        let machine = self.machine;
        match (&machine.guest, machine.platform) {
            (Some(guest), _) => match guest.kind {
                GuestKind::Vm => Form::Vm(guest),
                GuestKind::Lxc => Form::Lxc(guest),
            },
            (None, Platform::Cloud) => Form::Cloud(machine.cloud.as_deref()),
            (None, _) => Form::Baremetal,
        }
    }
    /// The machine's site.
    pub(crate) fn site(&self) -> &'a Site {
        self.model.site_of(self.id)
    }
    /// The site's DNS domain.
    pub(crate) fn domain(&self) -> Option<&'a str> {
        self.site().domain.as_deref()
    }
    /// The in-machine name of the NIC at `index`.
    pub(crate) fn interface(&self, index: usize) -> String {
        interface_name(self.model, self.machine, index)
    }
    /// The machine's service called `name`, if it declares one.
    pub(crate) fn service(&self, name: &str) -> Option<&'a MachineService> {
        self.machine.services.iter().find(|s| s.name == name)
    }
    /// Whether the machine declares the service `name`.
    pub(crate) fn runs(&self, name: &str) -> bool {
        self.service(name).is_some()
    }
    /// The first port of service `name`, or `default` when it declares none.
    pub(crate) fn port(&self, name: &str, default: u16) -> u16 {
        self.service(name)
            .and_then(|s| s.ports.first())
            .map_or(default, |p| p.first)
    }
    /// The machine's firewall (the nftables target writes its ruleset).
    pub(crate) fn firewall(&self) -> Option<&'a Firewall> {
        roles::firewall_of(self.model, self.id).map(|(_, f)| f)
    }
    /// The machine's BGP speaker (the BIRD target writes its configuration).
    pub(crate) fn bgp(&self) -> Option<&'a BgpRouter> {
        roles::bgp_of(self.model, self.id)
    }
    /// Whether the machine routes for others.
    pub(crate) fn is_router(&self) -> bool {
        roles::is_router(self.model, self.id)
    }
    /// The networks the machine serves DHCP on.
    pub(crate) fn dhcp_networks(&self) -> &'a [NetworkId] {
        roles::dhcp_networks(self.model, self.id)
    }
    /// The networks the machine answers DNS on.
    pub(crate) fn dns_networks(&self) -> &'a [NetworkId] {
        roles::dns_networks(self.model, self.id)
    }
    /// The cluster the machine is a node of, with whether it is a server there.
    pub(crate) fn cluster(&self) -> Option<(&'a Cluster, bool)> {
        roles::cluster_of(self.model, self.id).map(|(c, server)| (self.model.cluster(c), server))
    }
    /// The machine's overlay memberships in NIC order: `(NIC index, network, overlay)`.
    pub(crate) fn overlays(&self) -> Vec<(usize, NetworkId, Overlay)> {
        self.machine
            .attached()
            .filter_map(|(index, _, network)| {
                let overlay = self.model.network(network).overlay?;
                Some((index, network, overlay))
            })
            .collect()
    }
}

/// The address other machines reach `machine` at: its first static IPv4 address on a
/// network that is not an overlay, else its first placed one, else an overlay address.
pub(crate) fn reachable_ipv4(model: &Model, machine: &Machine) -> Option<Ipv4Addr> {
    let on_overlay = |network: NetworkId| model.network(network).overlay.is_some();
    let nic = |overlay: bool| {
        machine
            .attached()
            .filter(|(_, _, n)| on_overlay(*n) == overlay)
            .find_map(|(_, nic, _)| nic.ip.map(|ip| ip.value))
    };
    let placed = machine
        .addresses
        .iter()
        .find_map(|p| match p.address.value {
            IpAddr::V4(ip) if !on_overlay(p.network) => Some(ip),
            _ => None,
        });
    nic(false).or(placed).or_else(|| nic(true))
}
