//! The entities of a lab and the handles between them.

use crate::units::*;
pub use infrac_diagnostics::Span;
use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use serde::Serialize;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

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
    /// Index into [`Model::hosts`].
    HostId;
    /// Index into [`Model::networks`].
    NetworkId;
    /// Index into [`Model::guests`].
    GuestId;
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
    pub hosts: Vec<Host>,
    pub networks: Vec<Network>,
    pub guests: Vec<Guest>,
    pub routers: Vec<BgpRouter>,
    pub firewalls: Vec<Firewall>,
    pub clusters: Vec<Cluster>,
    pub apps: Vec<App>,
    pub ingresses: Vec<Ingress>,
    pub images: Vec<Image>,
    pub services: Vec<Service>,
    /// The source files, so targets can name the line a setting came from (`orion.infra:42`).
    #[serde(skip)]
    pub sources: infrac_diagnostics::SourceMap,
}

impl Model {
    /// The host behind a handle.
    pub fn host(&self, id: HostId) -> &Host {
        &self.hosts[id.index()]
    }
    /// The network behind a handle.
    pub fn network(&self, id: NetworkId) -> &Network {
        &self.networks[id.index()]
    }
    /// The guest behind a handle.
    pub fn guest(&self, id: GuestId) -> &Guest {
        &self.guests[id.index()]
    }
    /// The cluster behind a handle.
    pub fn cluster(&self, id: ClusterId) -> &Cluster {
        &self.clusters[id.index()]
    }
    /// The image behind a handle.
    pub fn image(&self, id: ImageId) -> &Image {
        &self.images[id.index()]
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
    /// A guest by name.
    pub fn guest_named(&self, name: &str) -> Option<GuestId> {
        self.guests
            .iter()
            .position(|g| g.name == name)
            .map(|i| GuestId(i as u32))
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
    /// Allowed VMIDs for VMs.
    pub vmid_vm: Option<Spanned<(u32, u32)>>,
    /// Allowed VMIDs for containers.
    pub vmid_lxc: Option<Spanned<(u32, u32)>>,
}

/// What runs on a host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    /// A Proxmox VE hypervisor: has bridges, storage and guests.
    Proxmox,
    /// A bare-metal machine that is not a hypervisor.
    Baremetal,
    /// A machine at a cloud provider.
    Cloud,
}

/// A physical (or cloud) machine.
#[derive(Debug, Clone, Serialize)]
pub struct Host {
    pub name: String,
    pub doc: Option<String>,
    pub site: SiteId,
    pub platform: Platform,
    pub hardware: Option<Hardware>,
    pub reserve: Reserve,
    pub overcommit: Overcommit,
    pub nics: Vec<HostNic>,
    pub bridges: Vec<Bridge>,
    pub storage: Vec<StoragePool>,
    pub pci: Vec<PciDevice>,
    pub address: Option<Placement>,
    pub bmc: Option<Placement>,
    pub bmc_user: Option<String>,
    pub bmc_password: Option<SecretRef>,
    #[serde(skip)]
    pub span: Span,
}

impl Host {
    /// A bridge of this host by name.
    pub fn bridge(&self, name: &str) -> Option<&Bridge> {
        self.bridges.iter().find(|b| b.name == name)
    }
    /// A storage pool of this host by name.
    pub fn pool(&self, name: &str) -> Option<&StoragePool> {
        self.storage.iter().find(|p| p.name == name)
    }
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
    pub cores: u32,
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

/// A physical network interface of a host.
#[derive(Debug, Clone, Serialize)]
pub struct HostNic {
    pub name: String,
    pub doc: Option<String>,
    pub speed: Option<Mbps>,
    pub mac: Option<Spanned<Mac>>,
    #[serde(skip)]
    pub span: Span,
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

/// A layer-2/3 network segment.
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
    pub dns: Vec<IpAddr>,
    pub zone: String,
    /// An uplink (WAN) network: addresses come from the provider.
    pub uplink: bool,
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

/// A Proxmox guest.
#[derive(Debug, Clone, Serialize)]
pub struct Guest {
    pub name: String,
    pub doc: Option<String>,
    pub kind: GuestKind,
    pub vmid: Spanned<Vmid>,
    pub host: HostId,
    pub template: Option<String>,
    pub os: Option<ImageId>,
    pub cores: Spanned<u32>,
    pub sockets: u32,
    pub memory: Spanned<Bytes>,
    pub balloon: Option<Bytes>,
    pub swap: Option<Bytes>,
    pub disks: Vec<Disk>,
    pub nics: Vec<GuestNic>,
    pub services: Vec<GuestService>,
    pub pci: Vec<Spanned<String>>,
    pub start: bool,
    pub order: Option<u32>,
    pub unprivileged: bool,
    pub nesting: bool,
    pub description: Option<String>,
    pub tags: Vec<String>,
    /// QEMU CPU type (`host`, `Haswell-noTSX`).
    pub cpu: Option<String>,
    /// QEMU machine type (`q35`).
    pub machine: Option<String>,
    /// Firmware, when the source chooses it.
    pub bios: Option<Firmware>,
    /// Extra QEMU arguments.
    pub args: Option<String>,
    #[serde(skip)]
    pub span: Span,
    #[serde(skip)]
    pub name_span: Span,
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

/// A guest's interface on a network.
#[derive(Debug, Clone, Serialize)]
pub struct GuestNic {
    pub network: NetworkId,
    pub ip: Option<Spanned<Ipv4Addr>>,
    pub ip6: Option<Spanned<Ipv6Addr>>,
    pub dhcp: bool,
    pub mac: Option<Spanned<Mac>>,
    pub firewall: bool,
    #[serde(skip)]
    pub span: Span,
}

/// A service a guest runs, with the ports it listens on.
#[derive(Debug, Clone, Serialize)]
pub struct GuestService {
    pub name: String,
    pub ports: Vec<PortSpec>,
    /// The catalogue entry, when it came from one.
    pub catalogue: Option<ServiceId>,
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
}

/// A network service (catalogue entry).
#[derive(Debug, Clone, Serialize)]
pub struct Service {
    pub name: String,
    pub ports: Vec<PortSpec>,
    pub description: Option<String>,
}

/// A BGP speaker on a router guest.
#[derive(Debug, Clone, Serialize)]
pub struct BgpRouter {
    pub guest: GuestId,
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

/// A zone-based firewall on a router guest.
#[derive(Debug, Clone, Serialize)]
pub struct Firewall {
    pub guest: GuestId,
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
    /// The firewall's own guest.
    Router,
    /// Everywhere.
    Any,
}

/// Restricts a rule to certain source addresses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    Prefix(IpNet),
    /// The neighbours of the BGP speaker on the same guest.
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

/// Destination NAT of a port to a guest.
#[derive(Debug, Clone, Serialize)]
pub struct PortForward {
    pub from: Spanned<Zone>,
    pub port: Spanned<PortSpec>,
    pub target: GuestId,
    pub target_port: u16,
    #[serde(skip)]
    pub span: Span,
}

/// A Kubernetes cluster made of guests.
#[derive(Debug, Clone, Serialize)]
pub struct Cluster {
    pub name: String,
    pub doc: Option<String>,
    pub servers: Vec<Spanned<GuestId>>,
    pub agents: Vec<Spanned<GuestId>>,
    pub pods: Spanned<IpNet>,
    pub services: Spanned<IpNet>,
    pub pods6: Option<Spanned<IpNet>>,
    pub services6: Option<Spanned<IpNet>>,
    pub ingress_class: String,
    pub token: Option<SecretRef>,
    pub reserve: Reserve,
    #[serde(skip)]
    pub span: Span,
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
    pub image: String,
    pub replicas: u32,
    pub port: Option<Spanned<PortSpec>>,
    pub expose: Spanned<Expose>,
    pub host: Option<String>,
    pub requests: Resources,
    pub limits: Resources,
    pub volumes: Vec<Volume>,
    pub probe: Option<Probe>,
    pub env: Vec<(String, EnvValue)>,
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
    Guest(GuestId, u16),
}

/// One host name an ingress serves.
#[derive(Debug, Clone, Serialize)]
pub struct Route {
    pub host: String,
    pub to: RouteTarget,
    pub tls: bool,
    #[serde(skip)]
    pub span: Span,
}

/// A reverse proxy or tunnel on a guest.
#[derive(Debug, Clone, Serialize)]
pub struct Ingress {
    pub name: String,
    pub doc: Option<String>,
    pub guest: GuestId,
    pub kind: IngressKind,
    pub routes: Vec<Route>,
    #[serde(skip)]
    pub span: Span,
}
