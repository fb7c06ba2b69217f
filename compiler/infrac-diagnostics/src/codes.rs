//! The registry of diagnostic codes. Codes are stable: never reuse or renumber one.
//!
//! Ranges: E01xx syntax, E02xx names and resolution, E03xx types and values, E04xx and
//! E05xx validation of the checked model, E1xxx targets, Wxxxx warnings. Every code has a long
//! explanation in `docs/diagnostics/CODE.md`, embedded here so `infrac explain` works
//! from the binary alone.

use serde::{Serialize, Serializer};
use std::fmt;

/// A stable diagnostic code such as `E0201`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Code(pub &'static str);

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0)
    }
}

/// A code's one-line title and its long explanation (Markdown).
#[derive(Debug, Clone, Copy)]
pub struct CodeInfo {
    pub code: Code,
    pub title: &'static str,
    pub explanation: &'static str,
}

impl Code {
    /// The registry entry of this code.
    pub fn info(self) -> Option<&'static CodeInfo> {
        CODES.iter().find(|c| c.code == self)
    }

    /// Looks a code up by its text, case-insensitively (`e0201` works).
    pub fn parse(text: &str) -> Option<Code> {
        CODES
            .iter()
            .find(|c| c.code.0.eq_ignore_ascii_case(text.trim()))
            .map(|c| c.code)
    }
}

macro_rules! codes {
    ($($name:ident = $code:literal, $title:literal;)*) => {
        impl Code {
            $(
                #[doc = $title]
                pub const $name: Code = Code($code);
            )*
        }
        /// Every code, in numeric order.
        pub static CODES: &[CodeInfo] = &[
            $(CodeInfo {
                code: Code($code),
                title: $title,
                explanation: include_str!(concat!("../../../docs/diagnostics/", $code, ".md")),
            },)*
        ];
    };
}

codes! {
    SYNTAX_UNEXPECTED = "E0101", "unexpected token";
    SYNTAX_UNCLOSED = "E0102", "unclosed delimiter or string";
    SYNTAX_BAD_LITERAL = "E0103", "malformed literal";
    SYNTAX_BAD_CHARACTER = "E0104", "character that cannot start a token";
    SYNTAX_NOT_TEXT = "E0105", "source file is not UTF-8 text";
    SYNTAX_TOO_DEEP = "E0106", "nesting too deep";
    SYNTAX_TOO_DEEP_EXPRESSION = "E0107", "expression too deep";
    UNRESOLVED_NAME = "E0201", "unresolved name";
    WRONG_KIND = "E0202", "reference to the wrong kind of thing";
    DUPLICATE_DECLARATION = "E0203", "duplicate declaration";
    IMPORT_NOT_FOUND = "E0204", "import not found";
    IMPORT_CYCLE = "E0205", "import cycle";
    UNKNOWN_KIND = "E0206", "unknown declaration or block kind";
    UNKNOWN_ATTRIBUTE = "E0207", "unknown attribute";
    DUPLICATE_ATTRIBUTE = "E0208", "attribute set twice";
    UNKNOWN_FUNCTION = "E0209", "unknown function";
    AMBIGUOUS_SITE = "E0210", "host without a site in a lab with several sites";
    IMPORT_OUTSIDE_LAB = "E0211", "import outside the lab's folder";
    IMPORT_NOT_REGULAR = "E0212", "import of something that is not a regular file";
    IMPORT_NOT_A_LAB = "E0213", "imported file does not parse";
    IMPORT_ALIAS = "E0214", "`as` on a relative import";
    TYPE_MISMATCH = "E0301", "value of the wrong type";
    WRONG_UNIT = "E0302", "wrong or unknown unit";
    ADDRESS_FAMILY = "E0303", "IPv4 and IPv6 mixed up";
    MISSING_ATTRIBUTE = "E0304", "missing required attribute";
    OUT_OF_RANGE = "E0305", "value out of range";
    EVALUATION = "E0306", "expression cannot be evaluated";
    BAD_ARGUMENTS = "E0307", "wrong arguments to a function";
    HOST_BITS_SET = "E0308", "prefix with host bits set";
    BAD_PATTERN = "E0309", "invalid naming pattern";
    BAD_DECLARATION_HEAD = "E0310", "declaration head does not fit its kind";
    PLAINTEXT_SECRET = "E0311", "plaintext secret in the source";
    PLATFORM_MISMATCH = "E0312", "setting that the machine's platform gives no meaning to";
    ADDRESS_WITHOUT_NETWORK = "E0313", "NIC with an address but no network";
    ROLE_PLATFORM = "E0314", "role on a machine that cannot run it";
    WIREGUARD_SETTING = "E0315", "overlay setting outside that overlay";
    INVALID_SECRET_NAME = "E0316", "invalid secret name";
    TOO_MANY_INSTANCES = "E0317", "`for` loops expand to too many declarations";
    INTERFACE_PREFIX_MISMATCH = "E0318", "interface address whose prefix length is not its network's";
    EXPECT_UNKNOWN = "E0333", "expectation names something the lab does not have";
    EXPECT_FIREWALL = "E0334", "expectation without a firewall to prove it against";
    EXPECT_MALFORMED = "E0335", "expectation that says nothing provable";
    INTERFACE_NAME_INVALID = "E0336", "NIC, bridge or bond name that is not a Linux interface name";
    INVALID_IMAGE = "E0337", "container image reference that Docker and the kubelet cannot parse";
    EXPECT_FLOW = "E0480", "the firewall does not do what an expectation says";
    EXPECT_OVERLAY = "E0481", "an overlay does not carry what an expectation says";
    EXPECT_EXPOSED = "E0482", "something exposed only through a proxy is reachable another way";
    EXPECT_VACUOUS = "W0480", "an expectation that holds only because the flow does not exist";
    CPU_BUDGET = "E0401", "guests need more CPU than the host has";
    MEMORY_BUDGET = "E0402", "guests need more memory than the host has";
    STORAGE_BUDGET = "E0403", "disks exceed a storage pool's size";
    DIMM_SLOTS = "E0404", "more DIMMs than the chassis has slots";
    CHASSIS_MEMORY = "E0405", "installed memory above the chassis maximum";
    CPU_SOCKETS = "E0406", "more CPUs than the chassis has sockets";
    CLUSTER_BUDGET = "E0407", "app requests exceed the cluster's allocatable resources";
    LIMIT_BELOW_REQUEST = "E0408", "limit below request";
    REPLICA_TOO_LARGE = "E0428", "one replica of an app requests more than any node it may run on offers";
    PINNED_NODE_BUDGET = "E0429", "apps pinned to a node request more than it offers";
    PCI_SHARED = "E0409", "PCI device passed through to two running guests";
    OVERLAPPING_PREFIXES = "E0410", "overlapping prefixes";
    ADDRESS_OUTSIDE_NETWORK = "E0411", "address outside its network's prefix";
    DUPLICATE_ADDRESS = "E0412", "address assigned twice";
    RESERVED_ADDRESS = "E0413", "network or broadcast address assigned";
    ADDRESS_IN_DHCP_RANGE = "E0414", "static address inside the DHCP range";
    DHCP_OR_GATEWAY_OUTSIDE = "E0415", "DHCP range or gateway outside the prefix";
    SERVER_OFF_NETWORK = "E0416", "DHCP or DNS server not on its network with a static address";
    TWO_DHCP_SERVERS = "E0417", "two DHCP servers on one network";
    DUPLICATE_MAC = "E0418", "MAC address used twice";
    CLUSTER_API_OFF_NETWORK = "E0419", "cluster API address not on a network every server is on";
    IPV6_OUTSIDE_ALLOCATION = "E0420", "IPv6 subnet outside the site's allocation";
    CLUSTER_CIDR_COLLISION = "E0421", "pod or service CIDR collides with a network";
    ANNOUNCEMENT_NOT_COVERED = "E0422", "BGP announcement not covered by the site's allocation";
    POD_CIDR_TOO_SMALL = "E0423", "pod CIDR too small for the cluster's nodes";
    SERVICE_CIDR_TOO_LARGE = "E0424", "service CIDR larger than Kubernetes accepts";
    IPV4_OUTSIDE_SITE = "E0425", "IPv4 prefix outside the site's address space";
    OVERLAY_PREFIX_OUTSIDE = "E0426", "overlay prefix outside the range the overlay assigns from";
    SERVER_WITHOUT_SERVICE = "E0427", "DHCP or DNS server that runs no such service";
    NAMING_RULE = "E0430", "name breaks the site's naming rule";
    INVALID_HOSTNAME = "E0431", "name is not a valid DNS label";
    DUPLICATE_VMID = "E0432", "VMID used twice";
    VMID_OUT_OF_RANGE = "E0433", "VMID outside the configured range";
    INVALID_K8S_NAME = "E0434", "invalid Kubernetes name";
    NODEPORT_RANGE = "E0435", "NodePort outside 30000..32767";
    DUPLICATE_NODEPORT = "E0436", "NodePort used twice in a cluster";
    PORT_CONFLICT = "E0437", "two services listen on the same address and port";
    INVALID_DOMAIN = "E0438", "site domain is not a valid DNS name";
    PEER_DESCRIPTION_TOO_LONG = "E0439", "BGP peer description too long";
    VLAN_RANGE = "E0440", "VLAN ID outside 1..4094";
    VLAN_DUPLICATE = "E0441", "two networks with the same VLAN on one bridge";
    VLAN_UNAWARE_BRIDGE = "E0442", "tagged network on a bridge that is not VLAN-aware";
    BRIDGE_MISSING = "E0443", "guest joins a network whose bridge is missing on its host";
    BGP_PEER_UNREACHABLE = "E0444", "BGP peer not reachable from the router's networks";
    BGP_NO_UPLINK = "E0445", "BGP router without an uplink NIC";
    CLUSTER_RESERVATION = "E0446", "cluster node too small for the cluster's reservation";
    GUEST_ON_NON_HYPERVISOR = "E0447", "guest on a host that is not a Proxmox hypervisor";
    CLUSTER_NODE_TWICE = "E0448", "cluster node listed twice, or as both server and agent";
    CLUSTER_WITHOUT_SERVER = "E0449", "cluster without a server";
    FOREIGN_SITE_NETWORK = "E0450", "machine on a network of another site";
    NFS_SERVER_ADDRESS = "E0451", "NFS server address is not the exporting machine's";
    NFS_CLIENT_NOT_ALLOWED = "E0452", "NFS export mounted from a network it does not allow";
    DHCP6_SETTING = "E0453", "DHCPv6 setting that no server acts on";
    STATIC_IN_DHCP6_POOL = "E0454", "static IPv6 address inside the DHCPv6 pool";
    WIREGUARD_SHARED_KEY = "E0455", "two WireGuard members with one public key";
    WIREGUARD_ENDPOINT_PORT = "E0456", "WireGuard endpoint on a member's own address with a port it does not listen on";
    WIREGUARD_ENDPOINT_FORWARD = "E0457", "WireGuard endpoint on a router that does not forward it to the member";
    GUEST_MORE_VCPUS_THAN_HOST = "E0490", "a VM has more vCPUs than its host has logical CPUs";
    ROLE_WITHOUT_DAEMON = "E0491", "a role on a machine whose generated configuration cannot run it";
    GUEST_BELOW_MINIMUM = "E0492", "a guest with no cores, too little memory, a balloon above its memory or an empty disk";
    IPV6_NOT_ADVERTISED = "W0450", "a network with an IPv6 prefix has nothing that advertises it";
    NO_WAY_IN = "W0451", "no administrator can log in to a machine";
    RESOLVER_UNANSWERED = "W0452", "a network hands out a DNS server that does not answer";
    BGP_PEER_SETTING = "E0470", "BGP peer setting that contradicts another or has nothing to act on";
    BGP_NEXT_HOP_OFF_LINK = "E0471", "IPv6 next hop that is not the router's address on the link to the peer";
    COMPOSE_PATH = "E0327", "path in a stack that is not absolute";
    TUNNEL_ID = "E0328", "tunnel ID that is not a UUID";
    PVE_NODE_PLATFORM = "E0500", "Proxmox cluster node that is not a Proxmox host";
    PVE_NODE_TWICE = "E0501", "machine that is a node of two Proxmox clusters, or listed twice";
    PVE_LINK_ADDRESS = "E0502", "cluster node without an address on a corosync link";
    PVE_CLUSTER_NAME = "E0503", "cluster name that Proxmox does not accept";
    PVE_LINKS = "E0504", "corosync links that corosync cannot use as written";
    PVE_QDEVICE = "E0505", "QDevice that is a node of its cluster or has no address";
    STORAGE_DISAGREE = "E0506", "one storage ID declared differently on two hosts";
    STORAGE_CONTENT_GUEST = "E0507", "guest disk on a pool without the content type the guest needs";
    STORAGE_CONTENT_KIND = "E0508", "content type or storage ID that Proxmox does not accept for the pool";
    HA_RULE = "E0510", "HA rule with a guest or node outside its cluster, or a guest on local storage";
    HA_APART = "E0511", "guests an HA rule keeps apart run on the same node";
    CEPH_REPLICAS = "E0512", "Ceph pool with more replicas than nodes with OSDs";
    CEPH_NO_OSDS = "E0513", "Ceph pools on a cluster none of whose nodes has an OSD";
    CEPH_MIN_SIZE = "E0514", "Ceph pool whose min_size is larger than its size";
    CEPH_OSD_PLACEMENT = "E0515", "OSD on a machine that is not a node of a cluster running Ceph";
    CEPH_NETWORK = "E0516", "Ceph node without an address on a Ceph network";
    CEPH_POOL_NAME = "E0517", "Ceph pool whose name is taken by another storage of the cluster";
    CEPH_OSD_DEVICE = "E0518", "OSD device that is not a /dev path, or is given twice";
    PVE_MIGRATION_NETWORK = "E0519", "migration network that a node has no address on, or without a prefix";
    STORAGE_INCOMPLETE = "E0509", "pool without a setting its storage type needs, or with one it does not take";
    COMPOSE_SECRET_ENV = "E0530", "secret in a stack's environment under a name that does not take a file";
    COMPOSE_DEPENDS_UNKNOWN = "E0531", "depends_on names no service of the stack";
    COMPOSE_DEPENDS_CYCLE = "E0532", "services of a stack depend on each other in a cycle";
    COMPOSE_HOST_MAPPING = "E0533", "port mapping on a service in host network mode";
    COMPOSE_NAME = "E0534", "stack or service name that Compose does not accept";
    STACK_PLATFORM = "E0535", "stack on a machine that does not run containers";
    COMPOSE_NFS_UNREACHABLE = "E0536", "NFS volume whose server shares no network with the stack's machine";
    HOST_PORT_CLASH = "E0537", "two things listen on one port of a machine";
    TUNNEL_INCOMPLETE = "E0538", "tunnel without its ID or credentials, or a reverse proxy with them";
    TUNNEL_ROUTE_UNREACHABLE = "E0539", "tunnel route to a target the tunnel cannot reach";
    COMPOSE_BIND_ADDRESS = "E0540", "published port bound to an address the machine does not have";
    COMPOSE_VOLUME_SOURCE = "E0541", "volume with two sources";
    ROUTE_CERTIFICATE = "E0542", "route certificate that is incomplete or given twice";
    ROUTE_TLS_UNUSED = "E0543", "certificate setting on a route where no proxy of the lab terminates TLS";
    PROXY_ROUTE_UNREACHABLE = "E0544", "reverse-proxy route to a target the proxy cannot reach";
    ROUTE_HOST_NAME = "E0545", "route or app host name that is not a DNS name";
    APP_HOST_PORT = "E0546", "app host port that is not one of its ports, or on a host-network pod";
    BIRD_NO_NEXT_HOP = "E1001", "bird cannot announce IPv6 routes over an IPv4 session without an IPv6 next hop";
    NFT_FORWARD_WITHOUT_ADDRESS = "E1002", "nftables cannot forward a port to a guest without a static IPv4 address";
    JOIN_WITHOUT_TOKEN = "E1201", "cluster node cannot join without a token";
    K3S_NODE_OFF_NETWORK = "E1202", "cluster node without a static address on the cluster's network";
    OPENWRT_FIREWALL = "E1301", "firewall rule that OpenWrt's firewall cannot express as written";
    OPENWRT_FORWARD_WITHOUT_ADDRESS = "E1302", "OpenWrt cannot forward a port to a machine without a static IPv4 address";
    OPENWRT_CONFIG = "E1303", "name or interface that OpenWrt's configuration cannot express";
    HELM_VERSION_NOT_PINNED = "E0550", "chart version that is not one exact release";
    HELM_VALUE_CONFLICT = "E0551", "Helm value set both as a value and as a map";
    HELM_CHART_SOURCE = "E0552", "chart without a repository the helm controller can use";
    RECEIVER_INCOMPLETE = "E0553", "alert receiver that cannot deliver as written";
    APP_PORTS = "E0554", "app ports that a Service cannot carry as written";
    APP_VOLUME_KIND = "E0555", "app volume that is not one kind of volume";
    APP_FILE = "E0556", "app file without one content, or outside the lab's folder";
    APP_PLACEMENT = "E0557", "app pinned to a node or on the host network where it cannot run";
    APP_GPU = "E0558", "GPU request that no node of the cluster can satisfy";
    APP_TLS = "E0559", "TLS that no Ingress carries or from an issuer the cluster lacks";
    DUPLICATE_HOST = "E0560", "host name claimed by two Ingresses of a cluster";
    ROUTE_PORT_UNSERVED = "E0561", "route to a port nothing serves";
    FORWARD_PORT_UNSERVED = "E0566", "port forward to a port nothing serves";
    MOUNT_PATH_CLASH = "E0567", "two mounts at one path of a container";
    FORWARD_RANGE_MOVED = "E0568", "port range forwarded onto other ports";
    FORWARD_TWICE = "E0569", "port forwarded twice from one zone";
    ROUTE_HOST_MISMATCH = "E0562", "route whose host name is not the one its app serves";
    APP_NFS_UNREACHABLE = "E0563", "app NFS volume its nodes cannot mount";
    CHART_NAME = "E0564", "chart release name or namespace that Helm or Kubernetes rejects";
    GRAFANA_NODEPORT = "E0565", "Grafana's NodePort taken by an app of the cluster";
    PVE_BOND = "E0570", "bond that cannot be built as written";
    EXPORTER_NOT_SCRAPED = "W0550", "a machine runs an exporter the monitoring stack cannot scrape";
    EXPORTER_BLOCKED = "W0551", "the firewall blocks the monitoring stack from an exporter";
    TOO_MANY_DIAGNOSTICS = "W0001", "more diagnostics than are shown";
    DOC_COMMENT_DETACHED = "W0101", "doc comment attached to nothing";
    UNUSED_IMPORT = "W0201", "unused import";
    TEMPLATE_UNUSED = "W0202", "template never used";
    IMAGE_NOT_PINNED = "W0301", "container image that is not pinned to a release";
    GUEST_WOULD_NOT_FIT = "W0401", "a guest that is not started at boot would not fit when started";
    NUMA_SPAN = "W0402", "a guest has more cores than one NUMA node";
    HOST_WITHOUT_HARDWARE = "W0403", "a host runs guests but declares no hardware, while other hosts do";
    DHCP_WITHOUT_SERVER = "W0410", "DHCP range without a DHCP server";
    MDNS_DOMAIN = "W0430", "site domain under .local, which mDNS owns";
    ZONE_TO_ITSELF = "W0440", "a firewall rule lets a zone reach itself";
    EXPOSED_TO_UPLINK = "W0460", "a firewall rule opens every port to an uplink zone";
    SHADOWED_RULE = "W0461", "firewall rule shadowed by earlier rules";
    RULE_MATCHES_NOTHING = "W0462", "firewall rule matches no traffic";
    BGP_BLOCKED = "W0463", "the firewall blocks a BGP session in both directions";
    WIREGUARD_BLOCKED = "W0464", "the firewall drops the WireGuard handshakes a member's peers send";
    RELEASE_END_OF_LIFE = "W0470", "a machine runs an OS release past its end of support";
    RELEASE_NEWER_THAN_KNOWN = "W0471", "a NixOS machine runs a release newer than infrac knows the options of";
    COMPOSE_GPU_MISSING = "W0530", "a stack's service asks for a GPU its machine does not declare";
    PVE_TWO_NODES = "W0500", "a two-node Proxmox cluster without a QDevice";
    PVE_LINK_SHARED_STORAGE = "W0501", "corosync has no link free of storage traffic";
    PVE_QDEVICE_ODD = "W0502", "a QDevice on a cluster with an odd number of nodes";
    HA_N_MINUS_ONE = "W0504", "the other nodes cannot hold an HA rule's guests when one node fails";
    K8S_SERVERS_SHARE_NODE = "W0505", "Kubernetes servers share one Proxmox node";
    CEPH_MIN_SIZE_ONE = "W0506", "a Ceph pool that accepts writes with a single replica";
    K8S_EVEN_SERVERS = "W0507", "a Kubernetes cluster with an even number of servers";
    STORAGE_NFS_PATH = "W0503", "an NFS, CIFS or dir pool without its path or share gets no storage.cfg entry";
}
