//! What each declaration and block kind accepts: attributes, their types, nested blocks.
//!
//! One table drives unknown-attribute, missing-attribute and type diagnostics for every
//! kind, and `docs/language.md` documents the same table.

use crate::value::{Kind, PlaceOn, Ty};
use infrac_model::names::same_name;
use infrac_model::{Overlay, Platform, StorageKind};

/// One attribute a block accepts.
#[derive(Debug)]
pub struct AttrSpec {
    pub name: &'static str,
    pub ty: Ty,
    pub required: bool,
}

/// A nested block kind a block accepts.
#[derive(Debug)]
pub struct BlockSpec {
    pub kind: &'static str,
    /// Whether the block takes a name (`nic lan { … }`) and may repeat.
    pub named: bool,
    pub schema: &'static Schema,
}

/// The shape of a block.
#[derive(Debug)]
pub struct Schema {
    pub attrs: &'static [AttrSpec],
    pub blocks: &'static [BlockSpec],
    /// Accepts firewall rules (`allow`, `deny`, `masquerade`, `forward`).
    pub rules: bool,
    /// Accepts attributes of any name with this type (`env { NAME = … }`).
    pub free: Option<Ty>,
    /// Whether any attribute is required: most blocks have none to look for.
    any_required: bool,
}

impl Schema {
    /// The attribute spec for `name`.
    pub fn attr(&self, name: &str) -> Option<&'static AttrSpec> {
        let attrs: &'static [AttrSpec] = self.attrs;
        attrs.iter().find(|a| same_name(a.name, name))
    }

    /// The attributes that must be given.
    pub fn required(&self) -> impl Iterator<Item = &'static AttrSpec> {
        let attrs: &'static [AttrSpec] = if self.any_required { self.attrs } else { &[] };
        attrs.iter().filter(|a| a.required)
    }

    /// The block spec for `kind`.
    pub fn block(&self, kind: &str) -> Option<&'static BlockSpec> {
        let blocks: &'static [BlockSpec] = self.blocks;
        blocks.iter().find(|b| same_name(b.kind, kind))
    }
}

const fn attr(name: &'static str, ty: Ty) -> AttrSpec {
    AttrSpec {
        name,
        ty,
        required: false,
    }
}

const fn required(name: &'static str, ty: Ty) -> AttrSpec {
    AttrSpec {
        name,
        ty,
        required: true,
    }
}

const fn block(kind: &'static str, named: bool, schema: &'static Schema) -> BlockSpec {
    BlockSpec {
        kind,
        named,
        schema,
    }
}

const fn schema(attrs: &'static [AttrSpec], blocks: &'static [BlockSpec]) -> Schema {
    let mut any_required = false;
    let mut i = 0;
    while i < attrs.len() {
        any_required |= attrs[i].required;
        i += 1;
    }
    Schema {
        attrs,
        blocks,
        rules: false,
        free: None,
        any_required,
    }
}

const U32: Ty = Ty::Int(0, u32::MAX as i128);
const ASN: Ty = Ty::Int(1, u32::MAX as i128);
const VMID: Ty = Ty::Int(100, 999_999_999);
const PORT_NUMBER: Ty = Ty::Int(1, 65535);
/// The first `N` source words of a `(word, value)` table such as `StorageKind::ALL`, as a
/// constant for `Ty::Word`, so the schema and the model spell each word once.
macro_rules! words {
    ($table:expr, $n:expr) => {{
        let mut names = [""; $n];
        let mut i = 0;
        while i < names.len() {
            names[i] = $table[i].0;
            i += 1;
        }
        names
    }};
}

const STORAGE_KINDS: [&str; StorageKind::ALL.len()] =
    words!(StorageKind::ALL, StorageKind::ALL.len());
const CONTENT_TYPES: [&str; infrac_model::storage::Content::ALL.len()] = words!(
    infrac_model::storage::Content::ALL,
    infrac_model::storage::Content::ALL.len()
);
// The guest platforms (`vm`, `lxc`) come last in `Platform::ALL`: they are keywords of
// their own, not `platform` values.
const PLATFORMS: [&str; 6] = words!(Platform::ALL, 6);
const OVERLAYS: [&str; Overlay::ALL.len()] = words!(Overlay::ALL, Overlay::ALL.len());

static NAMING: Schema = schema(
    &[
        attr("guest", Ty::Regex),
        attr("host", Ty::Regex),
        attr("network", Ty::Regex),
        attr("vmid.vm", Ty::Range(&U32)),
        attr("vmid.lxc", Ty::Range(&U32)),
    ],
    &[],
);

/// `site NAME { … }`.
pub static SITE: Schema = schema(
    &[
        attr("domain", Ty::Str),
        attr("asn", ASN),
        attr("ipv4", Ty::Net4),
        attr("ipv6", Ty::Net6),
        attr("dns", Ty::List(&Ty::Ip)),
        attr("description", Ty::Str),
    ],
    &[block("naming", false, &NAMING)],
);

static RESERVE: Schema = schema(&[attr("cores", Ty::Cores), attr("memory", Ty::Bytes)], &[]);
static OVERCOMMIT: Schema = schema(&[attr("cpu", Ty::Float), attr("memory", Ty::Float)], &[]);
static HOST_NIC: Schema = schema(
    &[
        attr("speed", Ty::Speed),
        attr("mac", Ty::Mac),
        attr("description", Ty::Str),
        attr("network", Ty::Ref(Kind::Network)),
        attr("ip", Ty::Ipv4),
        attr("ip6", Ty::Ipv6),
        attr("dhcp", Ty::Bool),
        attr("public_key", Ty::Str),
        attr("private_key", Ty::Secret),
        attr("endpoint", Ty::Str),
        attr("listen_port", PORT_NUMBER),
    ],
    &[],
);
static BRIDGE: Schema = schema(
    &[
        attr("ports", Ty::List(&Ty::Word(&[]))),
        attr("vlan_aware", Ty::Bool),
        attr("mtu", Ty::Int(576, 9216)),
        attr("description", Ty::Str),
    ],
    &[],
);
static STORAGE: Schema = schema(
    &[
        required("kind", Ty::Word(&STORAGE_KINDS)),
        required("size", Ty::Bytes),
        attr("shared", Ty::Bool),
        attr("server", Ty::Ip),
        attr("export", Ty::Placed(&Ty::Word(&[]), PlaceOn::Machine)),
        attr("content", Ty::List(&Ty::Word(&CONTENT_TYPES))),
        attr("path", Ty::Str),
        attr("vg", Ty::Str),
        attr("thinpool", Ty::Str),
        attr("pool", Ty::Str),
        attr("share", Ty::Str),
        attr("description", Ty::Str),
    ],
    &[],
);
static EXPORT: Schema = schema(
    &[
        required("path", Ty::Str),
        attr("clients", Ty::List(&Ty::Ref(Kind::Network))),
        attr("read_only", Ty::Bool),
        attr("description", Ty::Str),
    ],
    &[],
);
static PCI: Schema = schema(&[required("address", Ty::Str), attr("model", Ty::Str)], &[]);
/// `bond NAME { … }`: ports of a Proxmox node bonded into one interface.
static BOND: Schema = schema(
    &[
        required("ports", Ty::List(&Ty::Word(&[]))),
        required("mode", Ty::Word(&infrac_model::pve::BOND_MODES)),
    ],
    &[],
);
/// `osd NAME { … }`: a disk given to Ceph; the device is `/dev/NAME` unless named.
static OSD: Schema = schema(&[required("size", Ty::Bytes), attr("device", Ty::Str)], &[]);

/// `host NAME { … }` and `machine NAME { … }`: a physical, appliance or cloud machine.
pub static HOST: Schema = schema(
    &[
        attr("hardware", Ty::Hardware),
        attr("platform", Ty::Word(&PLATFORMS)),
        attr("os", Ty::Ref(Kind::Image)),
        // The Proxmox VE major release a node runs: 1 to the newest that
        // infrac-checks' `PROXMOX_VE` table knows.
        attr("proxmox", Ty::Int(1, 9)),
        attr("site", Ty::Ref(Kind::Site)),
        attr("address", Ty::List(&Ty::Placed(&Ty::Ip, PlaceOn::Network))),
        attr("bmc", Ty::Placed(&Ty::Ip, PlaceOn::Network)),
        attr("bmc_user", Ty::Str),
        attr("bmc_password", Ty::Secret),
        attr("services", Ty::List(&Ty::Ref(Kind::Service))),
        attr("provider", Ty::Str),
        attr("region", Ty::Str),
        attr("cores", Ty::Cores),
        attr("memory", Ty::Bytes),
        attr("description", Ty::Str),
    ],
    &[
        block("reserve", false, &RESERVE),
        block("overcommit", false, &OVERCOMMIT),
        block("nic", true, &HOST_NIC),
        block("bridge", true, &BRIDGE),
        block("bond", true, &BOND),
        block("storage", true, &STORAGE),
        block("pci", true, &PCI),
        block("service", true, &GUEST_SERVICE),
        block("export", true, &EXPORT),
        block("osd", true, &OSD),
    ],
);

/// `network NAME { … }`.
pub static NETWORK: Schema = schema(
    &[
        attr("bridge", Ty::Word(&[])),
        attr("vlan", Ty::Int(i64::MIN as i128, i64::MAX as i128)),
        attr("ipv4", Ty::Net4),
        attr("gateway", Ty::Ipv4),
        attr("dhcp", Ty::Range(&Ty::Ipv4)),
        attr("ipv6", Ty::Net6),
        attr("gateway6", Ty::Ipv6),
        attr("ipv6_mode", Ty::Word(&["slaac", "dhcpv6", "both"])),
        attr("dhcp6", Ty::Range(&Ty::Ipv6)),
        attr("dns", Ty::List(&Ty::Ip)),
        attr("zone", Ty::Word(&[])),
        attr("uplink", Ty::Bool),
        attr("site", Ty::Ref(Kind::Site)),
        attr("overlay", Ty::Word(&OVERLAYS)),
        attr("auth_key", Ty::Secret),
        attr("dhcp_server", Ty::Ref(Kind::Machine)),
        attr("dns_server", Ty::Ref(Kind::Machine)),
        attr("description", Ty::Str),
    ],
    &[block("lease", true, &LEASE)],
);

static LEASE: Schema = schema(&[required("mac", Ty::Mac), required("ip", Ty::Ipv4)], &[]);

static GUEST_NIC: Schema = schema(
    &[
        attr("ip", Ty::Ipv4),
        attr("ip6", Ty::Ipv6),
        attr("dhcp", Ty::Bool),
        attr("mac", Ty::Mac),
        attr("firewall", Ty::Bool),
        attr("public_key", Ty::Str),
        attr("private_key", Ty::Secret),
        attr("endpoint", Ty::Str),
        attr("listen_port", PORT_NUMBER),
    ],
    &[],
);
static GUEST_DISK: Schema = schema(
    &[required("size", Ty::Bytes), required("pool", Ty::Word(&[]))],
    &[],
);
static GUEST_SERVICE: Schema = schema(
    &[
        attr("port", Ty::Port),
        attr("ports", Ty::List(&Ty::Port)),
        attr("description", Ty::Str),
    ],
    &[],
);
/// Attributes every guest accepts.
macro_rules! guest_common {
    ($($extra:expr),* $(,)?) => {
        [
            attr("os", Ty::Ref(Kind::Image)),
            attr("image", Ty::Ref(Kind::Image)),
            attr("cores", Ty::Cores),
            attr("memory", Ty::Bytes),
            attr("disk", Ty::Placed(&Ty::Bytes, PlaceOn::Pool)),
            attr("services", Ty::List(&Ty::Ref(Kind::Service))),
            attr("start", Ty::Bool),
            attr("order", Ty::Int(0, 10_000)),
            attr("description", Ty::Str),
            attr("tags", Ty::List(&Ty::Str)),
            $($extra),*
        ]
    };
}
static VM_ATTRS: [AttrSpec; 17] = guest_common![
    attr("sockets", Ty::Int(1, 8)),
    attr("balloon", Ty::Bytes),
    attr("pci", Ty::List(&Ty::Word(&[]))),
    attr("cpu", Ty::Text),
    attr("machine", Ty::Text),
    attr("bios", Ty::Word(&["seabios", "ovmf"])),
    attr("args", Ty::Str),
];
static LXC_ATTRS: [AttrSpec; 13] = guest_common![
    attr("swap", Ty::Bytes),
    attr("unprivileged", Ty::Bool),
    attr("nesting", Ty::Bool),
];
/// A template may be stamped into either kind; the guest's own schema then rejects what
/// does not apply to it.
static TEMPLATE_ATTRS: [AttrSpec; 20] = guest_common![
    attr("sockets", Ty::Int(1, 8)),
    attr("balloon", Ty::Bytes),
    attr("pci", Ty::List(&Ty::Word(&[]))),
    attr("cpu", Ty::Text),
    attr("machine", Ty::Text),
    attr("bios", Ty::Word(&["seabios", "ovmf"])),
    attr("args", Ty::Str),
    attr("swap", Ty::Bytes),
    attr("unprivileged", Ty::Bool),
    attr("nesting", Ty::Bool),
];
static GUEST_BLOCK_TABLE: [BlockSpec; 4] = [
    block("nic", true, &GUEST_NIC),
    block("disk", true, &GUEST_DISK),
    block("service", true, &GUEST_SERVICE),
    block("export", true, &EXPORT),
];

/// `vm NAME ID on HOST { … }`.
pub static VM: Schema = schema(&VM_ATTRS, &GUEST_BLOCK_TABLE);
/// `lxc NAME ID on HOST { … }`.
pub static LXC: Schema = schema(&LXC_ATTRS, &GUEST_BLOCK_TABLE);
/// `template NAME { … }`: like a guest, nothing required.
pub static TEMPLATE: Schema = schema(&TEMPLATE_ATTRS, &GUEST_BLOCK_TABLE);

static PEER: Schema = schema(
    &[
        required("neighbor", Ty::Ip),
        required("asn", ASN),
        attr("description", Ty::Str),
        attr("password", Ty::Secret),
        attr("multihop", Ty::Int(1, 255)),
        attr("source", Ty::Ip),
        attr("accept_default", Ty::Bool),
        attr("communities", Ty::List(&Ty::Str)),
        attr("families", Ty::List(&Ty::Word(&["ipv4", "ipv6"]))),
        // Import hygiene, each overriding a default of `infrac_model::bgp`.
        attr("receive.ipv4", RECEIVE),
        attr("receive.ipv6", RECEIVE),
        attr("max_prefixes.ipv4", Ty::Int(1, 10_000_000)),
        attr("max_prefixes.ipv6", Ty::Int(1, 10_000_000)),
        attr(
            "max_prefixes_action",
            Ty::Word(&["warn", "block", "restart", "disable"]),
        ),
        attr("min_length.ipv4", Ty::Int(0, 32)),
        attr("min_length.ipv6", Ty::Int(0, 128)),
        attr("max_length.ipv4", Ty::Int(0, 32)),
        attr("max_length.ipv6", Ty::Int(0, 128)),
        attr("max_path_length", Ty::Int(1, 255)),
        attr("enforce_first_as", Ty::Bool),
        attr("reject_bogon_asns", Ty::Bool),
        attr("rpki", Ty::Bool),
        attr("ttl_security", Ty::Bool),
        attr("bfd", Ty::Bool),
        attr("graceful_restart", Ty::Bool),
        attr("hold_time", Ty::Duration),
        attr("prefer", Ty::Int(1, 9)),
        attr("local_pref", Ty::Int(0, u32::MAX as i128)),
        attr("next_hop6", Ty::Ipv6),
    ],
    &[],
);
const RECEIVE: Ty = Ty::Word(&["full", "default", "none"]);

static RPKI: Schema = schema(
    &[required("server", Ty::Ip), attr("port", PORT_NUMBER)],
    &[],
);

/// `bgp on MACHINE { … }`.
pub static BGP: Schema = schema(
    &[
        required("asn", ASN),
        required("router_id", Ty::Ipv4),
        required("announce", Ty::List(&Ty::Net)),
        attr("communities", Ty::List(&Ty::Str)),
    ],
    &[block("peer", true, &PEER), block("rpki", false, &RPKI)],
);

const VERDICTS: Ty = Ty::Word(&["accept", "drop", "reject"]);
/// `firewall on MACHINE { … }`.
pub static FIREWALL: Schema = Schema {
    rules: true,
    ..schema(
        &[
            attr("policy.input", VERDICTS),
            attr("policy.forward", VERDICTS),
            attr("policy.output", VERDICTS),
        ],
        &[],
    )
};

static CLUSTER_RESERVE: Schema = schema(
    &[
        attr("cpu", Ty::Cpu),
        attr("cores", Ty::Cpu),
        attr("memory", Ty::Bytes),
    ],
    &[],
);
/// `cluster NAME { … }`.
pub static CLUSTER: Schema = schema(
    &[
        attr("kind", Ty::Word(&["k3s"])),
        required("servers", Ty::List(&Ty::Ref(Kind::Machine))),
        attr("agents", Ty::List(&Ty::Ref(Kind::Machine))),
        attr("api", Ty::Ip),
        attr("vip", Ty::Word(&["kube-vip", "keepalived"])),
        attr("version", Ty::Str),
        required("pods", Ty::Net),
        required("services", Ty::Net),
        attr("pods6", Ty::Net6),
        attr("services6", Ty::Net6),
        attr("ingress_class", Ty::Str),
        attr("token", Ty::Secret),
        attr("description", Ty::Str),
    ],
    &[
        block("reserve", false, &CLUSTER_RESERVE),
        block("issuer", true, &ISSUER),
    ],
);

/// `issuer NAME { … }` in a cluster: a cert-manager ACME ClusterIssuer.
static ISSUER: Schema = schema(&[required("email", Ty::Str), attr("server", Ty::Str)], &[]);

static RESOURCES: Schema = schema(&[attr("cpu", Ty::Cpu), attr("memory", Ty::Bytes)], &[]);
static VOLUME: Schema = schema(
    &[
        required("path", Ty::Str),
        attr("size", Ty::Bytes),
        attr("storage_class", Ty::Str),
        attr("nfs", Ty::Placed(&Ty::Word(&[]), PlaceOn::Machine)),
        attr("host_path", Ty::Str),
        attr("scratch", Ty::Bool),
    ],
    &[],
);
static APP_PORTS: Schema = Schema {
    free: Some(Ty::Port),
    ..schema(&[], &[])
};
static APP_FILE: Schema = schema(
    &[
        required("path", Ty::Str),
        attr("content", Ty::Str),
        attr("source", Ty::Str),
    ],
    &[],
);
static GPU: Schema = schema(
    &[
        required("vendor", Ty::Word(&["nvidia", "amd"])),
        attr("count", Ty::Int(1, 64)),
    ],
    &[],
);
static PROBE: Schema = schema(
    &[
        required("path", Ty::Str),
        attr("port", Ty::Port),
        attr("interval", Ty::Duration),
        attr("timeout", Ty::Duration),
    ],
    &[],
);
static ENV: Schema = Schema {
    free: Some(Ty::StrOrSecret),
    ..schema(&[], &[])
};

/// `app NAME in CLUSTER { … }`.
pub static APP: Schema = schema(
    &[
        attr("namespace", Ty::Str),
        required("image", Ty::Image),
        attr("replicas", Ty::Int(0, 1000)),
        attr("port", Ty::Port),
        attr("expose", Ty::Expose),
        attr("host", Ty::Str),
        attr("tls", Ty::Word(&[])),
        attr("command", Ty::List(&Ty::Str)),
        attr("args", Ty::List(&Ty::Str)),
        attr("host_network", Ty::Bool),
        attr("host_ports", Ty::List(&Ty::Port)),
        attr("node", Ty::Ref(Kind::Machine)),
        attr("fs_group", Ty::Int(0, 2_147_483_647)),
        attr("description", Ty::Str),
    ],
    &[
        block("requests", false, &RESOURCES),
        block("limits", false, &RESOURCES),
        block("ports", false, &APP_PORTS),
        block("volume", true, &VOLUME),
        block("file", true, &APP_FILE),
        block("probe", false, &PROBE),
        block("liveness", false, &PROBE),
        block("gpu", false, &GPU),
        block("env", false, &ENV),
    ],
);

static HELM_VALUES: Schema = Schema {
    free: Some(Ty::Scalar),
    ..schema(&[], &[])
};

/// `helm NAME in CLUSTER { … }`: a chart release through k3s's helm controller.
pub static HELM: Schema = schema(
    &[
        attr("repo", Ty::Str),
        required("chart", Ty::Str),
        required("version", Ty::Str),
        attr("namespace", Ty::Str),
    ],
    &[block("values", false, &HELM_VALUES)],
);

static RECEIVER: Schema = schema(
    &[
        attr("webhook", Ty::Str),
        attr("email", Ty::Str),
        attr("sender", Ty::Str),
        attr("smarthost", Ty::Str),
        attr("password", Ty::Secret),
    ],
    &[],
);
static GRAFANA: Schema = schema(
    &[
        attr("nodeport", Ty::Int(30000, 32767)),
        attr("host", Ty::Str),
        attr("admin_password", Ty::Secret),
    ],
    &[],
);
/// `monitoring NAME in CLUSTER { … }`: kube-prometheus-stack scraping the lab.
pub static MONITORING: Schema = schema(
    &[
        attr("namespace", Ty::Str),
        attr("version", Ty::Str),
        attr("retention", Ty::Duration),
        attr("storage", Ty::Bytes),
    ],
    &[
        block("receiver", true, &RECEIVER),
        block("grafana", false, &GRAFANA),
    ],
);

static ROUTE: Schema = schema(
    &[
        required("to", Ty::RouteTarget),
        attr("port", PORT_NUMBER),
        attr("tls", Ty::Bool),
        attr("origin", Ty::Word(&["http", "https"])),
        attr("no_tls_verify", Ty::Bool),
        attr("certificate", Ty::Word(&["acme", "internal"])),
        attr("cert", Ty::Secret),
        attr("key", Ty::Secret),
    ],
    &[],
);
/// `ingress NAME on MACHINE { … }`.
pub static INGRESS: Schema = schema(
    &[
        required("kind", Ty::Word(&["reverse-proxy", "tunnel"])),
        attr("tunnel", Ty::Str),
        attr("credentials", Ty::Secret),
        attr("description", Ty::Str),
    ],
    &[block("route", true, &ROUTE)],
);

/// `ha NAME { … }` in a Proxmox cluster: guests Proxmox's HA manager restarts elsewhere
/// when their node fails, the nodes they prefer, and whether they keep apart.
static PVE_HA: Schema = schema(
    &[
        required("guests", Ty::List(&Ty::Ref(Kind::Machine))),
        attr("nodes", Ty::List(&Ty::Ref(Kind::Machine))),
        attr("strict", Ty::Bool),
        attr("apart", Ty::Bool),
    ],
    &[],
);

/// Replicas per object and replicas needed for I/O: pveceph takes 1 to 7
/// (proxmox/pve-manager at commit 14a22df3, `PVE/API2/Ceph/Pool.pm`).
const CEPH_REPLICAS: Ty = Ty::Int(1, 7);
static CEPH_POOL: Schema = schema(
    &[
        attr("size", CEPH_REPLICAS),
        attr("min_size", CEPH_REPLICAS),
        attr("content", Ty::List(&Ty::Word(&CONTENT_TYPES))),
        attr("krbd", Ty::Bool),
    ],
    &[],
);
static CEPH_FS: Schema = schema(
    &[
        attr("size", CEPH_REPLICAS),
        attr("min_size", CEPH_REPLICAS),
        attr("content", Ty::List(&Ty::Word(&CONTENT_TYPES))),
    ],
    &[],
);
static CEPH: Schema = schema(
    &[
        required("network", Ty::Ref(Kind::Network)),
        attr("cluster_network", Ty::Ref(Kind::Network)),
    ],
    &[block("pool", true, &CEPH_POOL), block("fs", true, &CEPH_FS)],
);

/// `proxmox NAME { … }`: a Proxmox VE cluster, its nodes, corosync links and QDevice.
pub static PVE_CLUSTER: Schema = schema(
    &[
        required("nodes", Ty::List(&Ty::Ref(Kind::Machine))),
        required("links", Ty::List(&Ty::Ref(Kind::Network))),
        attr("qdevice", Ty::Ref(Kind::Machine)),
        attr("migration", Ty::Ref(Kind::Network)),
    ],
    &[block("ha", true, &PVE_HA), block("ceph", false, &CEPH)],
);

/// `user NAME { … }`: a person who logs in to the lab's machines.
pub static USER: Schema = schema(
    &[
        required("keys", Ty::List(&Ty::Str)),
        attr("sudo", Ty::Bool),
        attr("groups", Ty::List(&Ty::Str)),
    ],
    &[],
);

/// `service NAME { … }` (catalogue).
pub static SERVICE: Schema = schema(
    &[
        attr("port", Ty::Port),
        attr("ports", Ty::List(&Ty::Port)),
        attr("description", Ty::Str),
    ],
    &[],
);

/// `chassis NAME { … }` (catalogue).
pub static CHASSIS: Schema = schema(
    &[
        attr("vendor", Ty::Str),
        required("model", Ty::Str),
        required("sockets", Ty::Int(1, 8)),
        required("dimm_slots", Ty::Int(1, 96)),
        required("max_memory", Ty::Bytes),
        attr("memory_type", Ty::Str),
        attr("bmc", Ty::Str),
        attr("drive_bays", U32),
        attr("drive_bays_lff", U32),
        attr("form_factor", Ty::Str),
        attr("cpu_family", Ty::Str),
        attr("description", Ty::Str),
    ],
    &[],
);

/// The attributes a chassis instance sets (`dell.r730 { cpus = …, dimms = … }`).
pub static HARDWARE_INSTANCE: Schema = schema(
    &[
        required("cpus", Ty::Count(&Ty::Ref(Kind::Cpu))),
        required("dimms", Ty::Count(&Ty::Bytes)),
    ],
    &[],
);

/// `cpu NAME { … }` (catalogue).
pub static CPU: Schema = schema(
    &[
        required("model", Ty::Str),
        required("cores", Ty::Int(1, 512)),
        required("threads", Ty::Int(1, 1024)),
        attr("base_clock", Ty::Freq),
        attr("turbo_clock", Ty::Freq),
        attr("tdp", U32),
        attr("socket", Ty::Str),
        attr("generation", Ty::Str),
        attr("numa_nodes", Ty::Int(1, 8)),
        attr("description", Ty::Str),
    ],
    &[],
);

/// `dimm NAME { … }` (catalogue).
pub static DIMM: Schema = schema(
    &[
        required("size", Ty::Bytes),
        attr("kind", Ty::Text),
        attr("speed", U32),
        attr("description", Ty::Str),
    ],
    &[],
);

/// `image NAME { … }` (catalogue).
pub static IMAGE: Schema = schema(
    &[
        required("family", Ty::Text),
        required("version", Ty::Text),
        required("kind", Ty::Word(&["vm", "lxc"])),
        attr("ostype", Ty::Text),
        attr("template", Ty::Str),
        attr("state_version", Ty::Text),
        attr("cloud_init", Ty::Bool),
        attr("description", Ty::Str),
        attr("eol", Ty::Str),
    ],
    &[],
);

mod compose;
pub use compose::STACK;

/// The VMID type (kept here so the head check and the schema agree).
pub const VMID_TY: Ty = VMID;

/// Top-level declaration kinds with their reference kind and schema.
pub const TOP_LEVEL: &[(&str, Kind, &Schema)] = &[
    ("site", Kind::Site, &SITE),
    ("host", Kind::Machine, &HOST),
    ("machine", Kind::Machine, &HOST),
    ("network", Kind::Network, &NETWORK),
    ("template", Kind::Template, &TEMPLATE),
    ("vm", Kind::Machine, &VM),
    ("lxc", Kind::Machine, &LXC),
    ("bgp", Kind::Bgp, &BGP),
    ("firewall", Kind::Firewall, &FIREWALL),
    ("cluster", Kind::Cluster, &CLUSTER),
    ("app", Kind::App, &APP),
    ("helm", Kind::Helm, &HELM),
    ("monitoring", Kind::Monitoring, &MONITORING),
    ("ingress", Kind::Ingress, &INGRESS),
    ("stack", Kind::Stack, &STACK),
    ("proxmox", Kind::PveCluster, &PVE_CLUSTER),
    ("user", Kind::User, &USER),
    ("service", Kind::Service, &SERVICE),
    ("chassis", Kind::Chassis, &CHASSIS),
    ("cpu", Kind::Cpu, &CPU),
    ("dimm", Kind::Dimm, &DIMM),
    ("image", Kind::Image, &IMAGE),
];

/// The schema of a top-level kind.
pub fn top_level(kind: &str) -> Option<(Kind, &'static Schema)> {
    TOP_LEVEL
        .iter()
        .find(|(k, _, _)| *k == kind)
        .map(|(_, kind, schema)| (*kind, *schema))
}
