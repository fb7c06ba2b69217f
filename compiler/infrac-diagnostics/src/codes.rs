//! The registry of diagnostic codes. Codes are stable: never reuse or renumber one.
//!
//! Ranges: E01xx syntax, E02xx names and resolution, E03xx types and values, E04xx
//! validation of the checked model, E1xxx targets, Wxxxx warnings. Every code has a long
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
    CPU_BUDGET = "E0401", "guests need more CPU than the host has";
    MEMORY_BUDGET = "E0402", "guests need more memory than the host has";
    STORAGE_BUDGET = "E0403", "disks exceed a storage pool's size";
    DIMM_SLOTS = "E0404", "more DIMMs than the chassis has slots";
    CHASSIS_MEMORY = "E0405", "installed memory above the chassis maximum";
    CPU_SOCKETS = "E0406", "more CPUs than the chassis has sockets";
    CLUSTER_BUDGET = "E0407", "app requests exceed the cluster's allocatable resources";
    LIMIT_BELOW_REQUEST = "E0408", "limit below request";
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
    BIRD_NO_NEXT_HOP = "E1001", "bird cannot announce IPv6 routes over an IPv4 session without an IPv6 next hop";
    NFT_FORWARD_WITHOUT_ADDRESS = "E1002", "nftables cannot forward a port to a guest without a static IPv4 address";
    JOIN_WITHOUT_TOKEN = "E1201", "cluster node cannot join without a token";
    K3S_NODE_OFF_NETWORK = "E1202", "cluster node without a static address on the cluster's network";
    OPENWRT_FIREWALL = "E1301", "firewall rule that OpenWrt's firewall cannot express as written";
    OPENWRT_FORWARD_WITHOUT_ADDRESS = "E1302", "OpenWrt cannot forward a port to a machine without a static IPv4 address";
    OPENWRT_CONFIG = "E1303", "name or interface that OpenWrt's configuration cannot express";
    TOO_MANY_DIAGNOSTICS = "W0001", "more diagnostics than are shown";
    DOC_COMMENT_DETACHED = "W0101", "doc comment attached to nothing";
    UNUSED_IMPORT = "W0201", "unused import";
    TEMPLATE_UNUSED = "W0202", "template never used";
    GUEST_WOULD_NOT_FIT = "W0401", "a guest that is not started at boot would not fit when started";
    NUMA_SPAN = "W0402", "a guest has more cores than one NUMA node";
    DHCP_WITHOUT_SERVER = "W0410", "DHCP range without a DHCP server";
    MDNS_DOMAIN = "W0430", "site domain under .local, which mDNS owns";
    ZONE_TO_ITSELF = "W0440", "a firewall rule lets a zone reach itself";
    EXPOSED_TO_UPLINK = "W0460", "a firewall rule opens every port to an uplink zone";
    SHADOWED_RULE = "W0461", "firewall rule shadowed by earlier rules";
    RULE_MATCHES_NOTHING = "W0462", "firewall rule matches no traffic";
    BGP_BLOCKED = "W0463", "the firewall blocks a BGP session in both directions";
    RELEASE_END_OF_LIFE = "W0470", "a machine runs an OS release past its end of support";
}
