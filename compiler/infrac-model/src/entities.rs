//! The entities of a lab and the handles between them.

use crate::name_index::{Found, NameIndex};
use crate::units::*;
pub use infrac_diagnostics::Span;
use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use serde::Serialize;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
pub use thin_vec::ThinVec;

macro_rules! handle {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        pub struct $name(pub u32);
        impl $name {
            /// The index into the model's list.
            pub fn index(self) -> usize {
                self.0 as usize
            }
        }
    )*};
}

handle! {
    /// Index into [`Model::sites`].
    SiteId;
    /// Index into [`Model::machines`].
    MachineId;
    /// Index into [`Model::networks`].
    NetworkId;
    /// Index into [`Model::clusters`].
    ClusterId;
    /// Index into [`Model::apps`].
    AppId;
    /// Index into [`Model::images`].
    ImageId;
    /// Index into [`Model::services`].
    ServiceId;
}

/// A value together with the source span it was written at. Serialises as the bare value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

impl<T: Serialize> Serialize for Spanned<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(serializer)
    }
}

impl<T> Spanned<T> {
    /// Pairs a value with its span.
    pub fn new(value: T, span: Span) -> Self {
        Spanned { value, span }
    }
}

/// A whole checked lab.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Model {
    /// Display name of the root source file (used in generated headers).
    pub source: String,
    pub sites: Vec<Site>,
    /// Every machine of the lab, physical or virtual, in declaration order (hosts first).
    pub machines: Vec<Machine>,
    pub networks: Vec<Network>,
    pub routers: Vec<BgpRouter>,
    pub firewalls: Vec<Firewall>,
    pub clusters: Vec<Cluster>,
    pub apps: Vec<App>,
    /// Helm chart releases, installed by k3s's helm controller.
    pub helm_charts: Vec<crate::HelmChart>,
    /// Monitoring stacks (kube-prometheus-stack) in clusters.
    pub monitoring: Vec<crate::Monitoring>,
    pub ingresses: Vec<Ingress>,
    pub images: Vec<Image>,
    pub services: Vec<Service>,
    /// The people who log in to the lab's machines.
    pub users: Vec<User>,
    /// Compose stacks, each on one machine.
    pub stacks: Vec<crate::Stack>,
    /// Proxmox VE clusters: nodes joined by corosync.
    pub pve_clusters: Vec<crate::pve::PveCluster>,
    /// The `expect` statements, proven by the checks. They configure nothing, so no
    /// artifact (`model.json` included) carries them.
    #[serde(skip)]
    pub expectations: Vec<crate::expect::Expectation>,
    /// The source files, so targets can name the line a setting came from (`orion.infra:42`).
    #[serde(skip)]
    pub sources: infrac_diagnostics::SourceMap,
    /// Each hypervisor's guests, in machine order, once the model is complete (see
    /// [`Model::index_guests`]); checks and targets ask for them once per host.
    #[serde(skip)]
    guests_by_host: Option<(usize, Vec<Vec<MachineId>>)>,
    /// The first machine of each name, once the machines are complete (see
    /// [`Model::index_names`]): expectations, ingresses and exports name machines, and a
    /// scan per name grows with names × machines.
    #[serde(skip)]
    machines_by_name: Option<NameIndex>,
    /// The first network of each firewall zone, once the networks are complete (see
    /// [`Model::index_zones`]): rules and expectations name zones, and a scan of the
    /// networks per name grows with names × networks.
    #[serde(skip)]
    zones_by_name: Option<NameIndex>,
    /// Facts derived from the checked model on first use, that several consumers or one
    /// consumer many times ask for (see `derived.rs`).
    #[serde(skip)]
    pub(crate) derived: crate::derived::Derived,
}

impl Model {
    /// The overlay networks (WireGuard, Tailscale, …) in model order, found once: every
    /// firewall's anti-spoofing rules admit their prefixes, and a pass over the networks
    /// per firewall grew with firewalls × networks.
    pub fn overlay_networks(&self) -> &[NetworkId] {
        self.derived.overlays.get_or_init(|| {
            (0..self.networks.len())
                .filter(|&i| self.networks[i].overlay.is_some())
                .map(|i| NetworkId(i as u32))
                .collect()
        })
    }

    /// The machine behind a handle.
    pub fn machine(&self, id: MachineId) -> &Machine {
        &self.machines[id.index()]
    }
    /// The network behind a handle.
    pub fn network(&self, id: NetworkId) -> &Network {
        &self.networks[id.index()]
    }
    /// The cluster behind a handle.
    pub fn cluster(&self, id: ClusterId) -> &Cluster {
        &self.clusters[id.index()]
    }
    /// The apps of a cluster, in declaration order.
    pub fn apps_in(&self, cluster: ClusterId) -> impl Iterator<Item = &App> + '_ {
        self.apps.iter().filter(move |a| a.cluster == cluster)
    }
    /// The image behind a handle.
    pub fn image(&self, id: ImageId) -> &Image {
        &self.images[id.index()]
    }
    /// The OS family `machine` runs, when its `os` names an image.
    pub fn os_family(&self, machine: &Machine) -> Option<OsFamily> {
        machine.os.map(|os| self.image(os).os_family())
    }
    /// The service behind a handle.
    pub fn service(&self, id: ServiceId) -> &Service {
        &self.services[id.index()]
    }
    /// The site behind a handle.
    pub fn site(&self, id: SiteId) -> &Site {
        &self.sites[id.index()]
    }
    /// A network by name.
    pub fn network_named(&self, name: &str) -> Option<NetworkId> {
        self.networks
            .iter()
            .position(|n| n.name == name)
            .map(|i| NetworkId(i as u32))
    }
    /// A machine by name.
    pub fn machine_named(&self, name: &str) -> Option<MachineId> {
        let found = self
            .machines_by_name
            .as_ref()
            .map_or(Found::Unknown, |index| {
                index.find(name, self.machines.len(), |i| &self.machines[i].name)
            });
        match found {
            Found::At(i) => Some(MachineId(i as u32)),
            Found::Absent => None,
            Found::Unknown => self
                .machines
                .iter()
                .position(|g| g.name == name)
                .map(|i| MachineId(i as u32)),
        }
    }
    /// Whether some network is in the firewall zone `name`.
    pub fn has_zone(&self, name: &str) -> bool {
        let found = self.zones_by_name.as_ref().map_or(Found::Unknown, |index| {
            index.find(name, self.networks.len(), |i| &self.networks[i].zone)
        });
        match found {
            Found::At(_) => true,
            Found::Absent => false,
            Found::Unknown => self.networks.iter().any(|n| n.zone == name),
        }
    }
    /// Indexes the networks' zones for [`Model::has_zone`]; call it once every network is
    /// in.
    pub fn index_zones(&mut self) {
        self.zones_by_name = Some(NameIndex::new(
            self.networks.iter().map(|n| n.zone.as_str()),
        ));
    }
    /// Indexes the machines by name for [`Model::machine_named`]; call it once every
    /// machine is in.
    pub fn index_names(&mut self) {
        self.machines_by_name = Some(NameIndex::new(
            self.machines.iter().map(|m| m.name.as_str()),
        ));
    }
    /// Every machine with its handle.
    pub fn machines(&self) -> impl Iterator<Item = (MachineId, &Machine)> {
        self.machines
            .iter()
            .enumerate()
            .map(|(i, m)| (MachineId(i as u32), m))
    }
    /// The virtual machines and containers, with their placement.
    pub fn guests(&self) -> impl Iterator<Item = (MachineId, &Machine, &Guest)> {
        self.machines()
            .filter_map(|(id, m)| m.guest.as_ref().map(|g| (id, m, g)))
    }
    /// The guests placed on one hypervisor, in declaration order.
    pub fn guests_on(
        &self,
        host: MachineId,
    ) -> Box<dyn Iterator<Item = (MachineId, &Machine, &Guest)> + '_> {
        match &self.guests_by_host {
            // Machines added since the index was made would be missing from it.
            Some((machines, index)) if *machines == self.machines.len() => Box::new(
                index
                    .get(host.index())
                    .into_iter()
                    .flatten()
                    .filter_map(|&id| {
                        let m = self.machine(id);
                        m.guest.as_ref().map(|g| (id, m, g))
                    }),
            ),
            _ => Box::new(self.guests().filter(move |(_, _, g)| g.host == host)),
        }
    }

    /// Indexes the guests by hypervisor, so [`Model::guests_on`] costs the guests of one
    /// host rather than a pass over every machine: without it, a check that visits each
    /// host's guests grows with hosts × machines.
    pub fn index_guests(&mut self) {
        let mut index = vec![Vec::new(); self.machines.len()];
        for (id, _, guest) in self.guests() {
            if let Some(list) = index.get_mut(guest.host.index()) {
                list.push(id);
            }
        }
        self.guests_by_host = Some((self.machines.len(), index));
    }
    /// The machines that host guests (Proxmox nodes), with their handles.
    pub fn hypervisors(&self) -> impl Iterator<Item = (MachineId, &Machine)> {
        self.machines().filter(|(_, m)| m.platform.is_hypervisor())
    }
    /// The site a machine belongs to.
    pub fn site_of(&self, id: MachineId) -> &Site {
        self.site(self.machine(id).site)
    }
}

/// A site: one administrative domain with its addressing and naming rules.
#[derive(Debug, Clone, Serialize)]
pub struct Site {
    pub name: String,
    pub doc: Option<String>,
    pub domain: Option<String>,
    /// Where the domain is written (the site's name when it is not).
    #[serde(skip)]
    pub domain_span: Span,
    pub asn: Option<Spanned<u32>>,
    pub ipv4: Option<Spanned<Ipv4Net>>,
    pub ipv6: Option<Spanned<Ipv6Net>>,
    pub dns: Vec<IpAddr>,
    pub naming: Naming,
    #[serde(skip)]
    pub span: Span,
}

/// Naming conventions of a site.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Naming {
    /// Regular expression every guest name must match.
    pub guest: Option<Spanned<String>>,
    /// Regular expression every host name must match.
    pub host: Option<Spanned<String>>,
    /// Regular expression every network name must match.
    pub network: Option<Spanned<String>>,
    /// Allowed VMIDs for VMs.
    pub vmid_vm: Option<Spanned<(u32, u32)>>,
    /// Allowed VMIDs for containers.
    pub vmid_lxc: Option<Spanned<(u32, u32)>>,
}

/// What a machine is, and so what it runs and which files describe it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    /// A Proxmox VE node: has bridges and storage pools and runs guests.
    Proxmox,
    /// A bare-metal computer running the operating system named by its `os`.
    Baremetal,
    /// A router or access point running OpenWrt.
    Openwrt,
    /// A TrueNAS storage server.
    Truenas,
    /// Any other box that only needs addresses and services: a switch, an access point,
    /// a NAS with a vendor OS.
    Appliance,
    /// A virtual machine rented from a cloud provider, running its `os`.
    Cloud,
    /// A Proxmox QEMU virtual machine.
    Vm,
    /// A Proxmox LXC container.
    Lxc,
}

impl Platform {
    /// Every platform with its source word.
    pub const ALL: [(&'static str, Platform); 8] = [
        ("proxmox", Platform::Proxmox),
        ("baremetal", Platform::Baremetal),
        ("openwrt", Platform::Openwrt),
        ("truenas", Platform::Truenas),
        ("appliance", Platform::Appliance),
        ("cloud", Platform::Cloud),
        ("vm", Platform::Vm),
        ("lxc", Platform::Lxc),
    ];
    /// The source word.
    pub fn as_str(self) -> &'static str {
        Platform::ALL
            .iter()
            .find(|(_, p)| *p == self)
            .map_or("", |(w, _)| w)
    }
    /// Whether machines of this platform run guests.
    pub fn is_hypervisor(self) -> bool {
        self == Platform::Proxmox
    }
    /// Whether this is a guest of a hypervisor.
    pub fn is_guest(self) -> bool {
        matches!(self, Platform::Vm | Platform::Lxc)
    }
    /// Whether machines of this platform run a general-purpose OS chosen with `os`.
    pub fn takes_os(self) -> bool {
        matches!(
            self,
            Platform::Baremetal | Platform::Cloud | Platform::Vm | Platform::Lxc
        )
    }
}

/// A computer of the lab: a physical server or mini PC, an appliance, a cloud VM, or a
/// guest of a hypervisor. Every machine has the same capabilities (NICs with addresses on
/// any networks, services, PCI devices, docs); what differs is recorded in `platform`,
/// `hardware` (physical) and `guest` (virtual).
#[derive(Debug, Clone, Serialize)]
pub struct Machine {
    pub name: String,
    pub doc: Option<Box<str>>,
    pub description: Option<Box<str>>,
    pub site: SiteId,
    pub platform: Platform,
    /// The OS image it runs (NixOS, Debian, Ubuntu, macOS).
    pub os: Option<ImageId>,
    /// For a Proxmox VE node: the major release it runs, when the lab declares it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proxmox: Option<Spanned<u32>>,
    // Boxed, like `cloud`: only physical machines have it, and a lab's machines are
    // mostly guests, ten thousand of them in a large lab, each as wide as its fields.
    pub hardware: Option<Box<Hardware>>,
    /// For a guest: where it runs and its virtual hardware.
    pub guest: Option<Guest>,
    /// For a cloud machine: its provider and size.
    pub cloud: Option<Box<CloudPlacement>>,
    /// Capacity kept back from what runs on this machine (guests, pods, containers).
    pub reserve: Reserve,
    pub overcommit: Overcommit,
    pub nics: ThinVec<Nic>,
    pub bridges: ThinVec<Bridge>,
    /// Bonds of a Proxmox node's ports.
    #[serde(skip_serializing_if = "ThinVec::is_empty")]
    pub bonds: ThinVec<crate::pve::Bond>,
    pub storage: ThinVec<StoragePool>,
    /// Disks given to Ceph (a node of a cluster with a `ceph` block).
    #[serde(skip_serializing_if = "ThinVec::is_empty")]
    pub osds: ThinVec<crate::ceph::Osd>,
    pub pci: ThinVec<PciDevice>,
    /// Addresses on networks that no declared NIC carries (`address = 192.168.1.10 on
    /// mgmt`): on a Proxmox node they live on the bridge of that network.
    pub addresses: ThinVec<Placement>,
    // The BMC's fields are boxed: few machines have one, and every guest carried room
    // for all three.
    pub bmc: Option<Box<Placement>>,
    pub bmc_user: Option<Box<str>>,
    pub bmc_password: Option<Box<SecretRef>>,
    pub services: ThinVec<MachineService>,
    /// NFS exports this machine serves.
    pub exports: ThinVec<Export>,
    #[serde(skip)]
    pub span: Span,
    #[serde(skip)]
    pub name_span: Span,
}

impl Machine {
    /// A machine with nothing but a name, a platform and a site; the builder and tests
    /// fill in the rest.
    pub fn new(name: impl Into<String>, platform: Platform, site: SiteId, span: Span) -> Self {
        Machine {
            name: name.into(),
            doc: None,
            description: None,
            site,
            platform,
            os: None,
            proxmox: None,
            hardware: None,
            guest: None,
            cloud: None,
            reserve: Reserve::default(),
            overcommit: Overcommit::default(),
            nics: ThinVec::new(),
            bridges: ThinVec::new(),
            bonds: ThinVec::new(),
            storage: ThinVec::new(),
            osds: ThinVec::new(),
            pci: ThinVec::new(),
            addresses: ThinVec::new(),
            bmc: None,
            bmc_user: None,
            bmc_password: None,
            services: ThinVec::new(),
            exports: ThinVec::new(),
            span,
            name_span: span,
        }
    }
    /// A bridge of this machine by name.
    pub fn bridge(&self, name: &str) -> Option<&Bridge> {
        self.bridges.iter().find(|b| b.name == name)
    }
    /// A storage pool of this machine by name.
    pub fn pool(&self, name: &str) -> Option<&StoragePool> {
        self.pool_position(name).map(|i| &self.storage[i])
    }
    /// Where the first storage pool of this name is among the machine's (every guest's
    /// disk asks, in the budget and storage checks).
    pub fn pool_position(&self, name: &str) -> Option<usize> {
        self.storage
            .iter()
            .position(|p| crate::names::same_name(&p.name, name))
    }
    /// An NFS export of this machine by name.
    pub fn export(&self, name: &str) -> Option<&Export> {
        self.exports.iter().find(|e| e.name == name)
    }
    /// Whether this machine runs a service of this name (from the catalogue or its own).
    pub fn runs(&self, service: &str) -> bool {
        self.services.iter().any(|s| s.name == service)
    }
    /// The word for this machine in messages: `vm`, `lxc`, `host`.
    pub fn noun(&self) -> &'static str {
        match self.platform {
            Platform::Vm => "vm",
            Platform::Lxc => "lxc",
            _ => "host",
        }
    }
    /// Every address of this machine with its network and span: NIC addresses first (in
    /// NIC order, IPv4 before IPv6), then placed addresses, then the BMC.
    pub fn addresses(&self) -> Vec<(NetworkId, Spanned<IpAddr>)> {
        self.each_address().collect()
    }
    /// [`Machine::addresses`] one at a time, for a pass over every machine of a lab.
    pub fn each_address(&self) -> impl Iterator<Item = (NetworkId, Spanned<IpAddr>)> + '_ {
        let nics = self.nics.iter().flat_map(|nic| {
            let on = |ip: Option<Spanned<IpAddr>>| Some((nic.network?, ip?));
            let v4 = nic.ip.map(|ip| Spanned::new(IpAddr::V4(ip.value), ip.span));
            let v6 = nic
                .ip6
                .map(|ip| Spanned::new(IpAddr::V6(ip.value), ip.span));
            on(v4).into_iter().chain(on(v6))
        });
        let placed = self.addresses.iter().chain(self.bmc.as_deref());
        nics.chain(placed.map(|p| (p.network, p.address)))
    }
    /// The NICs attached to a network, with their index.
    pub fn attached(&self) -> impl Iterator<Item = (usize, &Nic, NetworkId)> {
        self.nics
            .iter()
            .enumerate()
            .filter_map(|(i, n)| n.network.map(|net| (i, n, net)))
    }
    /// The logical CPUs and memory this machine offers to what runs on it: the hardware
    /// of a physical machine, the size of a guest or cloud machine.
    pub fn capacity(&self) -> Option<(u32, Bytes)> {
        if let Some(g) = &self.guest {
            return Some((g.vcpus(), g.memory.value));
        }
        if let Some(hw) = &self.hardware {
            return Some((hw.threads(), hw.memory()));
        }
        self.cloud
            .as_ref()
            .and_then(|c| Some((c.cores?, c.memory?)))
    }
}

/// Where a cloud machine runs.
#[derive(Debug, Clone, Serialize)]
pub struct CloudPlacement {
    pub provider: String,
    pub region: Option<String>,
    pub cores: Option<u32>,
    pub memory: Option<Bytes>,
}

/// A network interface of a machine: a physical port, or a guest's virtual NIC.
#[derive(Debug, Clone, Serialize)]
pub struct Nic {
    /// The interface name as declared (`eno1`); a guest's NICs are named by their network
    /// and get their interface name from [`crate::policy::interface_name`].
    pub name: Option<String>,
    pub doc: Option<String>,
    pub speed: Option<Mbps>,
    pub mac: Option<Spanned<Mac>>,
    /// The network this interface is attached to, when it carries addresses itself.
    pub network: Option<NetworkId>,
    #[serde(serialize_with = "crate::address_text::v4")]
    pub ip: Option<Spanned<Ipv4Addr>>,
    #[serde(serialize_with = "crate::address_text::v6")]
    pub ip6: Option<Spanned<Ipv6Addr>>,
    pub dhcp: bool,
    pub firewall: bool,
    /// This member's keys and endpoint, on a WireGuard overlay.
    // Boxed: few NICs are overlay members, and every guest has a NIC.
    pub wireguard: Option<Box<WireguardMember>>,
    #[serde(skip)]
    pub span: Span,
}

/// A machine's membership in a WireGuard overlay.
#[derive(Debug, Clone, Serialize)]
pub struct WireguardMember {
    /// The member's public key (base64), which the other members list as a peer.
    pub public_key: Spanned<String>,
    /// The secret holding the member's private key.
    pub private_key: SecretRef,
    /// Where other members reach this one (`vpn.example.net:51820`); members without one
    /// are behind NAT and keep their tunnels open to those that have one.
    pub endpoint: Option<Spanned<String>>,
    /// The UDP port this member listens on.
    pub listen_port: Option<u16>,
}

/// A directory a machine exports over NFS.
#[derive(Debug, Clone, Serialize)]
pub struct Export {
    pub name: String,
    pub doc: Option<String>,
    pub path: String,
    /// The networks allowed to mount it.
    pub clients: Vec<NetworkId>,
    pub read_only: bool,
    #[serde(skip)]
    pub span: Span,
}

/// A reference to an NFS export: the exporting machine and the export's name.
#[derive(Debug, Clone, Serialize)]
pub struct ExportRef {
    pub machine: MachineId,
    pub export: String,
    #[serde(skip)]
    pub span: Span,
}

/// An address on a network (`192.168.1.10 on mgmt`).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Placement {
    pub address: Spanned<IpAddr>,
    pub network: NetworkId,
}

/// The hardware of a host, from the catalogue.
#[derive(Debug, Clone, Serialize)]
pub struct Hardware {
    pub chassis: Chassis,
    pub cpu: Option<Cpu>,
    pub cpu_count: Spanned<u32>,
    pub dimm_size: Option<Bytes>,
    pub dimm_count: Spanned<u32>,
    #[serde(skip)]
    pub span: Span,
}

impl Hardware {
    /// Installed memory.
    pub fn memory(&self) -> Bytes {
        Bytes(self.dimm_size.map_or(0, |s| s.0) * u64::from(self.dimm_count.value))
    }
    /// Physical cores across all sockets.
    pub fn cores(&self) -> u32 {
        self.cpu.as_ref().map_or(0, |c| c.cores) * self.cpu_count.value
    }
    /// Hardware threads across all sockets.
    pub fn threads(&self) -> u32 {
        self.cpu.as_ref().map_or(0, |c| c.threads) * self.cpu_count.value
    }
}

/// A server chassis (catalogue entry).
#[derive(Debug, Clone, Serialize)]
pub struct Chassis {
    pub name: String,
    pub vendor: String,
    pub model: String,
    pub sockets: u32,
    pub dimm_slots: u32,
    pub max_memory: Bytes,
    pub bmc: Option<String>,
    pub drive_bays: Option<u32>,
}

impl Chassis {
    /// "Dell PowerEdge R730", or just the model of a chassis without a vendor (a
    /// custom desktop PC), never with a stray space.
    pub fn display_name(&self) -> String {
        [self.vendor.trim(), self.model.trim()]
            .iter()
            .filter(|part| !part.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" ")
    }
}

#[cfg(test)]
mod chassis_tests {
    use super::{Bytes, Chassis};

    #[test]
    fn a_chassis_without_vendor_has_no_leading_space() {
        let mut chassis = Chassis {
            name: "desk".into(),
            vendor: String::new(),
            model: "desktop PC".into(),
            sockets: 1,
            dimm_slots: 2,
            max_memory: Bytes(64 << 30),
            bmc: None,
            drive_bays: None,
        };
        assert_eq!(chassis.display_name(), "desktop PC");
        chassis.vendor = "Beelink".into();
        assert_eq!(chassis.display_name(), "Beelink desktop PC");
    }
}

/// A CPU model (catalogue entry).
#[derive(Debug, Clone, Serialize)]
pub struct Cpu {
    pub name: String,
    pub model: String,
    pub cores: u32,
    pub threads: u32,
    pub base_clock: Option<Megahertz>,
}

/// Capacity kept back for the hypervisor itself.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Reserve {
    /// CPU kept back, in millicores: a host reserves whole cores, a cluster node may
    /// reserve a fraction (`cpu = 500m`).
    pub cpu: MilliCpu,
    pub memory: Bytes,
}

/// How far guests may oversubscribe a host.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Overcommit {
    pub cpu: f64,
    pub memory: f64,
}

impl Default for Overcommit {
    fn default() -> Self {
        Overcommit {
            cpu: 1.0,
            memory: 1.0,
        }
    }
}

/// A Linux bridge on a host.
#[derive(Debug, Clone, Serialize)]
pub struct Bridge {
    pub name: String,
    pub doc: Option<String>,
    pub ports: Vec<String>,
    pub vlan_aware: bool,
    pub mtu: Option<u32>,
    #[serde(skip)]
    pub span: Span,
}

/// The kind of a storage pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StorageKind {
    Lvmthin,
    Lvm,
    Zfs,
    Dir,
    Nfs,
    Cifs,
    Rbd,
    Cephfs,
}

impl StorageKind {
    /// All kinds with their source names.
    pub const ALL: [(&'static str, StorageKind); 8] = [
        ("lvmthin", StorageKind::Lvmthin),
        ("lvm", StorageKind::Lvm),
        ("zfs", StorageKind::Zfs),
        ("dir", StorageKind::Dir),
        ("nfs", StorageKind::Nfs),
        ("cifs", StorageKind::Cifs),
        ("rbd", StorageKind::Rbd),
        ("cephfs", StorageKind::Cephfs),
    ];

    /// Whether pools of this kind are shared between hosts by default.
    pub fn shared_by_default(self) -> bool {
        matches!(
            self,
            StorageKind::Nfs | StorageKind::Cifs | StorageKind::Rbd | StorageKind::Cephfs
        )
    }
}

/// A storage pool on a host.
#[derive(Debug, Clone, Serialize)]
pub struct StoragePool {
    pub name: String,
    pub doc: Option<String>,
    pub kind: StorageKind,
    pub size: Spanned<Bytes>,
    pub shared: bool,
    pub server: Option<IpAddr>,
    /// The NFS export this pool mounts.
    pub export: Option<ExportRef>,
    /// What Proxmox's `storage.cfg` says of it beyond kind and sharing.
    pub proxmox: crate::storage::PoolSettings,
    #[serde(skip)]
    pub span: Span,
}

/// A PCI device a host can pass through to one guest.
#[derive(Debug, Clone, Serialize)]
pub struct PciDevice {
    pub name: String,
    pub address: String,
    pub model: Option<String>,
    #[serde(skip)]
    pub span: Span,
}

/// A layer-2/3 network segment, or an overlay across sites.
#[derive(Debug, Clone, Serialize)]
pub struct Network {
    pub name: String,
    pub doc: Option<String>,
    pub site: SiteId,
    pub bridge: Option<Spanned<String>>,
    pub vlan: Option<Spanned<u16>>,
    pub ipv4: Option<Spanned<Ipv4Net>>,
    pub gateway: Option<Spanned<Ipv4Addr>>,
    pub dhcp: Option<Spanned<(Ipv4Addr, Ipv4Addr)>>,
    pub ipv6: Option<Spanned<Ipv6Net>>,
    pub gateway6: Option<Spanned<Ipv6Addr>>,
    /// How hosts get IPv6 addresses here (`ipv6_mode`); `None` means SLAAC.
    pub ipv6_mode: Option<Spanned<Ipv6Mode>>,
    /// The DHCPv6 address pool (`dhcp6 = A..B`).
    pub dhcp6: Option<Spanned<(Ipv6Addr, Ipv6Addr)>>,
    pub dns: Vec<IpAddr>,
    /// Where each of `dns` is written, in the same order.
    #[serde(skip)]
    pub dns_spans: Vec<Span>,
    pub zone: String,
    /// An uplink (WAN) network: addresses come from the provider.
    pub uplink: bool,
    /// An overlay (Tailscale, WireGuard, ZeroTier): no bridge, may span sites.
    pub overlay: Option<Overlay>,
    /// The machine that serves DHCP on this network.
    pub dhcp_server: Option<Spanned<MachineId>>,
    /// The machine that answers DNS on this network.
    pub dns_server: Option<Spanned<MachineId>>,
    /// Addresses the DHCP server hands to known MACs.
    pub leases: Vec<Lease>,
    /// The secret holding the key machines join a Tailscale overlay with.
    pub auth_key: Option<SecretRef>,
    #[serde(skip)]
    pub span: Span,
}

impl Network {
    /// A network with nothing but a name and a site; the builder and tests fill in the rest.
    pub fn new(name: impl Into<String>, site: SiteId, span: Span) -> Self {
        let name = name.into();
        Network {
            zone: name.clone(),
            name,
            doc: None,
            site,
            bridge: None,
            vlan: None,
            ipv4: None,
            gateway: None,
            dhcp: None,
            ipv6: None,
            gateway6: None,
            ipv6_mode: None,
            dhcp6: None,
            dns: Vec::new(),
            dns_spans: Vec::new(),
            uplink: false,
            overlay: None,
            dhcp_server: None,
            dns_server: None,
            leases: Vec::new(),
            auth_key: None,
            span,
        }
    }
    /// Whether machines of other sites may join this network.
    pub fn spans_sites(&self) -> bool {
        self.overlay.is_some()
    }
    /// Its IPv4 prefix, then its IPv6 prefix, those it has.
    pub fn prefixes(&self) -> impl Iterator<Item = ipnet::IpNet> {
        let v4 = self.ipv4.map(|p| ipnet::IpNet::V4(p.value));
        let v6 = self.ipv6.map(|p| ipnet::IpNet::V6(p.value));
        v4.into_iter().chain(v6)
    }
}

/// How the hosts of a network with an IPv6 prefix get their addresses: router
/// advertisements always announce the prefix and the router; DHCPv6 hands out addresses
/// from the network's `dhcp6` pool where the mode includes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Ipv6Mode {
    /// Stateless address autoconfiguration from the advertised prefix.
    Slaac,
    /// Addresses only from DHCPv6 (the advertisement sets the managed flag).
    Dhcpv6,
    /// SLAAC and DHCPv6 addresses side by side.
    Both,
}

impl Ipv6Mode {
    /// Every mode with its source word.
    pub const ALL: [(&'static str, Ipv6Mode); 3] = [
        ("slaac", Ipv6Mode::Slaac),
        ("dhcpv6", Ipv6Mode::Dhcpv6),
        ("both", Ipv6Mode::Both),
    ];
    /// Whether hosts form addresses from the advertised prefix.
    pub fn slaac(self) -> bool {
        self != Ipv6Mode::Dhcpv6
    }
    /// Whether a DHCPv6 server hands out addresses.
    pub fn dhcpv6(self) -> bool {
        self != Ipv6Mode::Slaac
    }
}

/// An overlay network technology.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Overlay {
    Tailscale,
    Wireguard,
    Zerotier,
}

impl Overlay {
    /// Every overlay with its source word.
    pub const ALL: [(&'static str, Overlay); 3] = [
        ("tailscale", Overlay::Tailscale),
        ("wireguard", Overlay::Wireguard),
        ("zerotier", Overlay::Zerotier),
    ];
    /// The source word.
    pub fn as_str(self) -> &'static str {
        Overlay::ALL
            .iter()
            .find(|(_, o)| *o == self)
            .map_or("", |(w, _)| w)
    }
    /// The display name (`Tailscale`).
    pub fn title(self) -> &'static str {
        match self {
            Overlay::Tailscale => "Tailscale",
            Overlay::Wireguard => "WireGuard",
            Overlay::Zerotier => "ZeroTier",
        }
    }
}

/// A static DHCP lease: an address reserved for a MAC.
#[derive(Debug, Clone, Serialize)]
pub struct Lease {
    /// The host name handed out with it.
    pub name: String,
    pub mac: Spanned<Mac>,
    pub ip: Spanned<Ipv4Addr>,
    /// The machine whose NIC this lease is for, when it is one of the lab's.
    pub machine: Option<MachineId>,
    #[serde(skip)]
    pub span: Span,
}

/// VM or container.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GuestKind {
    Vm,
    Lxc,
}

impl GuestKind {
    /// `vm` or `lxc`.
    pub fn as_str(self) -> &'static str {
        match self {
            GuestKind::Vm => "vm",
            GuestKind::Lxc => "lxc",
        }
    }
}

/// Where a guest runs and its virtual hardware.
#[derive(Debug, Clone, Serialize)]
pub struct Guest {
    pub kind: GuestKind,
    pub vmid: Spanned<Vmid>,
    /// The hypervisor it runs on.
    pub host: MachineId,
    pub template: Option<Box<str>>,
    pub cores: Spanned<u32>,
    pub sockets: u32,
    pub memory: Spanned<Bytes>,
    pub balloon: Option<Bytes>,
    pub swap: Option<Bytes>,
    pub disks: ThinVec<Disk>,
    /// PCI devices of its host passed through to it.
    pub pci: ThinVec<Spanned<String>>,
    pub start: bool,
    pub order: Option<u32>,
    pub unprivileged: bool,
    pub nesting: bool,
    pub tags: ThinVec<Spanned<String>>,
    /// QEMU CPU type (`host`, `Haswell-noTSX`).
    pub cpu: Option<Spanned<Box<str>>>,
    /// QEMU machine type (`q35`).
    pub machine: Option<Spanned<Box<str>>>,
    /// Firmware, when the source chooses it.
    pub bios: Option<Firmware>,
    /// Extra QEMU arguments.
    pub args: Option<Box<str>>,
}

impl Guest {
    /// Virtual CPUs: cores times sockets.
    pub fn vcpus(&self) -> u32 {
        self.cores.value.saturating_mul(self.sockets.max(1))
    }
}

/// A VM's firmware.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Firmware {
    /// Legacy BIOS.
    Seabios,
    /// UEFI.
    Ovmf,
}

impl Firmware {
    /// The name Proxmox uses (`qm --bios`).
    pub fn as_str(self) -> &'static str {
        match self {
            Firmware::Seabios => "seabios",
            Firmware::Ovmf => "ovmf",
        }
    }
}

/// A disk of a guest (for a container, `root` is its root filesystem).
#[derive(Debug, Clone, Serialize)]
pub struct Disk {
    pub name: String,
    pub size: Spanned<Bytes>,
    pub pool: Spanned<String>,
}

/// A service a machine runs, with the ports it listens on.
#[derive(Debug, Clone, Serialize)]
pub struct MachineService {
    pub name: String,
    pub ports: Vec<PortSpec>,
    /// What it is, from the catalogue or the machine's own `service` block.
    pub description: Option<String>,
    /// The catalogue entry, when it came from one.
    pub catalogue: Option<ServiceId>,
    #[serde(skip)]
    pub span: Span,
}

/// A person who logs in to the machines infrac configures, by SSH key only.
#[derive(Debug, Clone, Serialize)]
pub struct User {
    /// The login name, a valid Linux user name.
    pub name: String,
    pub doc: Option<String>,
    /// SSH public keys in `authorized_keys` form (`ssh-ed25519 AAAA… comment`).
    pub keys: Vec<Spanned<String>>,
    /// Whether the user may run commands as root through sudo (without a password: the
    /// account has none).
    pub sudo: bool,
    /// Supplementary groups the account is a member of (`groups = [...]`), each a valid
    /// group name; created where the system does not have it.
    pub groups: Vec<Spanned<String>>,
    #[serde(skip)]
    pub span: Span,
}

/// An OS image (catalogue entry).
#[derive(Debug, Clone, Serialize)]
pub struct Image {
    pub name: String,
    pub family: String,
    pub version: String,
    pub kind: GuestKind,
    pub ostype: String,
    pub template: Option<String>,
    pub state_version: Option<String>,
    pub cloud_init: bool,
    /// The last day its publisher supports the release (security updates), if known.
    pub eol: Option<Date>,
}

/// The family of an OS image, which decides the files a machine running it gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OsFamily {
    Nixos,
    Debian,
    Ubuntu,
    Macos,
    Other,
}

/// The newest NixOS release whose option declarations infrac records (the NixOS
/// target's `data/options.txt`). A configuration for a newer release is written and
/// checked as for this one, and check family `releases` says so (W0471).
pub const NIXOS_NEWEST_KNOWN: (u16, u8) = (26, 5);

impl Image {
    /// A NixOS image's release as `(year, month)`, from its `YY.MM` version; `None` for
    /// another family or a version of another shape (a custom image).
    pub fn nixos_release(&self) -> Option<(u16, u8)> {
        if self.os_family() != OsFamily::Nixos {
            return None;
        }
        let (year, month) = self.version.split_once('.')?;
        Some((year.parse().ok()?, month.parse().ok()?))
    }

    /// The image's family.
    pub fn os_family(&self) -> OsFamily {
        match self.family.as_str() {
            "nixos" => OsFamily::Nixos,
            "debian" => OsFamily::Debian,
            "ubuntu" => OsFamily::Ubuntu,
            "macos" => OsFamily::Macos,
            _ => OsFamily::Other,
        }
    }
}

/// A network service (catalogue entry).
#[derive(Debug, Clone, Serialize)]
pub struct Service {
    pub name: String,
    pub ports: Vec<PortSpec>,
    pub description: Option<String>,
}

/// A BGP speaker on a router.
#[derive(Debug, Clone, Serialize)]
pub struct BgpRouter {
    pub machine: MachineId,
    pub asn: Spanned<u32>,
    pub router_id: Spanned<Ipv4Addr>,
    pub announce: Vec<Spanned<IpNet>>,
    pub peers: Vec<BgpPeer>,
    /// Communities added to every announced route.
    pub communities: Vec<Spanned<Community>>,
    /// The RPKI cache routes are validated against; RPKI-invalid routes are rejected.
    pub rpki: Option<Rpki>,
    #[serde(skip)]
    pub span: Span,
    /// What is found from the peers on first use: made empty (`Default`), and nothing
    /// outside this module can fill it otherwise.
    #[serde(skip)]
    pub found: BgpFound,
}

/// Facts about a router found from its peers once, since every session asks them.
#[derive(Debug, Clone, Default)]
pub struct BgpFound {
    /// Whether some peer's neighbour is IPv4, and IPv6, by [`crate::bgp::family_index`].
    neighbor_families: std::sync::OnceLock<[bool; 2]>,
}

impl BgpRouter {
    /// Whether one of the router's peers is a neighbour of `family`.
    pub fn has_neighbor_in(&self, family: IpFamily) -> bool {
        let families = self.found.neighbor_families.get_or_init(|| {
            let mut families = [false; 2];
            for peer in &self.peers {
                let family = crate::policy::family_of(peer.neighbor.value);
                families[crate::bgp::family_index(family)] = true;
            }
            families
        });
        families[crate::bgp::family_index(family)]
    }
}

/// A BGP community: standard `asn:value` (RFC 1997) or large `asn:data:data` (RFC 8092).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Community {
    Standard(u16, u16),
    Large(u32, u32, u32),
}

impl std::fmt::Display for Community {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Community::Standard(a, b) => write!(f, "{a}:{b}"),
            Community::Large(a, b, c) => write!(f, "{a}:{b}:{c}"),
        }
    }
}

impl Serialize for Community {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// An RPKI-to-router (RTR) cache server.
#[derive(Debug, Clone, Serialize)]
pub struct Rpki {
    pub server: Spanned<IpAddr>,
    pub port: u16,
    #[serde(skip)]
    pub span: Span,
}

/// An IP address family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum IpFamily {
    Ipv4,
    Ipv6,
}

/// One BGP neighbour.
#[derive(Debug, Clone, Serialize)]
pub struct BgpPeer {
    pub name: String,
    pub neighbor: Spanned<IpAddr>,
    pub asn: Spanned<u32>,
    pub description: Option<String>,
    pub password: Option<SecretRef>,
    pub multihop: Option<u8>,
    pub source: Option<IpAddr>,
    pub accept_default: bool,
    /// Communities added to routes announced to this peer.
    pub communities: Vec<Spanned<Community>>,
    /// The address families the session carries; empty means derived from the neighbour
    /// address and the announced prefixes.
    pub families: Vec<IpFamily>,
    /// Import and session hygiene as written; [`crate::bgp`] resolves the defaults.
    pub hygiene: crate::bgp::PeerHygiene,
    #[serde(skip)]
    pub span: Span,
}

/// Accept or drop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Accept,
    Drop,
    Reject,
}

/// A zone-based firewall on a router.
#[derive(Debug, Clone, Serialize)]
pub struct Firewall {
    pub machine: MachineId,
    pub input: Verdict,
    pub forward: Verdict,
    pub output: Verdict,
    pub rules: Vec<FilterRule>,
    pub masquerade: Vec<Masquerade>,
    pub forwards: Vec<PortForward>,
    #[serde(skip)]
    pub span: Span,
    /// Where `policy input|forward|output = …` are written, in that order (`None`: the
    /// default applies).
    #[serde(skip)]
    pub policy_spans: [Option<Span>; 3],
}

/// Where a firewall rule's traffic comes from or goes to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase", tag = "kind", content = "name")]
pub enum Zone {
    /// The zone of one or more networks.
    Named(String),
    /// The firewall's own machine.
    Router,
    /// Everywhere.
    Any,
}

/// Restricts a rule to certain source addresses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Prefix(IpNet),
    /// The neighbours of the BGP speaker on the same machine.
    BgpPeers,
}

/// An allow or deny rule.
#[derive(Debug, Clone, Serialize)]
pub struct FilterRule {
    pub allow: bool,
    pub from: Spanned<Zone>,
    pub to: Spanned<Zone>,
    pub ports: Vec<Spanned<PortSpec>>,
    /// Named non-port matches such as `icmp`.
    pub protocols: Vec<Spanned<String>>,
    pub sources: Vec<Source>,
    #[serde(skip)]
    pub span: Span,
}

/// Source NAT of zones toward an uplink zone.
#[derive(Debug, Clone, Serialize)]
pub struct Masquerade {
    pub zones: Vec<Spanned<Zone>>,
    pub to: Spanned<Zone>,
    #[serde(skip)]
    pub span: Span,
}

/// Destination NAT of a port to a machine. A range is forwarded port for port: sema
/// lets its target port be only the range's first (E0568).
#[derive(Debug, Clone, Serialize)]
pub struct PortForward {
    pub from: Spanned<Zone>,
    pub port: Spanned<PortSpec>,
    pub target: MachineId,
    /// The first port it leads to.
    pub target_port: u16,
    #[serde(skip)]
    pub span: Span,
}

impl PortForward {
    /// The ports of the target the forwarded ports lead to.
    pub fn target_ports(&self) -> PortSpec {
        self.port.value.moved_to(self.target_port)
    }
}

/// A Kubernetes cluster made of machines (bare metal or guests, mixed).
#[derive(Debug, Clone, Serialize)]
pub struct Cluster {
    pub name: String,
    pub doc: Option<String>,
    pub servers: Vec<Spanned<MachineId>>,
    pub agents: Vec<Spanned<MachineId>>,
    /// The virtual address of the Kubernetes API, shared by the servers.
    pub api: Option<Spanned<IpAddr>>,
    /// What holds the API address.
    pub vip: VipProvider,
    /// The pinned k3s release installed on nodes that are not NixOS.
    pub version: Option<String>,
    pub pods: Spanned<IpNet>,
    pub services: Spanned<IpNet>,
    pub pods6: Option<Spanned<IpNet>>,
    pub services6: Option<Spanned<IpNet>>,
    pub ingress_class: String,
    /// cert-manager issuers declared for the cluster's apps.
    pub issuers: Vec<crate::workloads::CertIssuer>,
    pub token: Option<SecretRef>,
    pub reserve: Reserve,
    #[serde(skip)]
    pub span: Span,
}

/// What holds a cluster's API virtual address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum VipProvider {
    /// kube-vip as a static pod on every server (ARP mode).
    KubeVip,
    /// keepalived (VRRP) on every server.
    Keepalived,
}

impl Cluster {
    /// Every node with whether it is a server, servers first.
    pub fn nodes(&self) -> impl Iterator<Item = (MachineId, bool)> + '_ {
        self.servers
            .iter()
            .map(|s| (s.value, true))
            .chain(self.agents.iter().map(|a| (a.value, false)))
    }
}

/// How an app is reachable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase", tag = "kind", content = "port")]
pub enum Expose {
    ClusterIp,
    NodePort(u16),
    LoadBalancer,
}

/// Resource requests or limits of an app.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Resources {
    pub cpu: Option<Spanned<MilliCpu>>,
    pub memory: Option<Spanned<Bytes>>,
}

/// A persistent volume of an app.
#[derive(Debug, Clone, Serialize)]
pub struct Volume {
    pub name: String,
    pub size: Spanned<Bytes>,
    pub path: String,
    /// The StorageClass that provisions it; the cluster's default when `None`.
    pub storage_class: Option<String>,
    /// The volume block's name.
    #[serde(skip)]
    pub span: Span,
}

/// An HTTP health probe.
#[derive(Debug, Clone, Serialize)]
pub struct Probe {
    pub path: String,
    pub port: Option<u16>,
    /// How often the probe runs.
    pub interval: Option<Millis>,
    /// How long one probe may take.
    pub timeout: Option<Millis>,
}

/// An environment variable's value.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EnvValue {
    Plain(String),
    Secret(SecretRef),
}

/// A workload in a cluster.
#[derive(Debug, Clone, Serialize)]
pub struct App {
    pub name: String,
    pub doc: Option<String>,
    pub cluster: ClusterId,
    pub namespace: String,
    /// Where the namespace is written (the app's name when it is left at `default`).
    #[serde(skip)]
    pub namespace_span: Span,
    /// `None` only in a model with errors, which no target reads.
    pub image: Option<crate::ImageRef>,
    pub replicas: u32,
    pub port: Option<Spanned<PortSpec>>,
    pub expose: Spanned<Expose>,
    pub host: Option<String>,
    pub requests: Resources,
    pub limits: Resources,
    pub volumes: Vec<Volume>,
    pub probe: Option<Probe>,
    pub env: Vec<(String, EnvValue)>,
    /// Command, named ports, files, other volumes, host network, GPUs and TLS.
    pub workload: crate::AppWorkload,
    #[serde(skip)]
    pub span: Span,
}

/// A reverse proxy or tunnel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum IngressKind {
    ReverseProxy,
    Tunnel,
}

/// Where an ingress route sends traffic.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RouteTarget {
    App(AppId),
    Machine(MachineId, u16),
}

/// One host name an ingress serves.
#[derive(Debug, Clone, Serialize)]
pub struct Route {
    pub host: String,
    pub to: RouteTarget,
    pub tls: bool,
    /// How the proxy speaks to the target.
    pub origin: crate::Origin,
    /// Where a reverse proxy gets the certificate of an HTTPS route.
    pub certificate: crate::proxy::RouteCertificate,
    #[serde(skip)]
    pub span: Span,
}

/// A reverse proxy or tunnel on a machine.
#[derive(Debug, Clone, Serialize)]
pub struct Ingress {
    pub name: String,
    pub doc: Option<String>,
    pub machine: MachineId,
    pub kind: IngressKind,
    pub routes: Vec<Route>,
    /// The tunnel a `tunnel` ingress runs.
    pub tunnel: Option<crate::Tunnel>,
    #[serde(skip)]
    pub span: Span,
}
