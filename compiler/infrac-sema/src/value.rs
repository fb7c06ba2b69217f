//! Evaluated values and the types attributes expect.

use crate::decls::DeclIdx;
use infrac_diagnostics::Span;
use infrac_model::{Expose, PortSpec};
use std::fmt;
use std::net::IpAddr;

/// The value of an evaluated expression, before it is checked against a type.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Int(i128),
    Float(f64),
    Bool(bool),
    Str(String),
    Bytes(u64),
    /// `500m`: millicores, or minutes where a duration is expected.
    Milli(u64),
    Freq(u32),
    Speed(u64),
    Duration(u64),
    Ip(IpAddr),
    Net(IpAddr, u8),
    Mac([u8; 6]),
    Port(PortSpec),
    Range(Box<Value>, Box<Value>),
    List(Vec<(Value, Span)>),
    /// A reference to a declaration.
    Ref(DeclIdx),
    /// A bare name that was not resolved; the expected type decides what it names.
    Word(String),
    /// `value on target`; the target is a pool, network or machine name, short enough
    /// to stay inline.
    Placed(Box<(Value, Span)>, ecow::EcoString, Span),
    /// A catalogue entry with attributes set: `dell.r730 { cpus = … }`.
    Instance(DeclIdx, Vec<(String, Value, Span)>),
    /// `N * part`.
    Count(u64, Box<Value>),
    Secret(String),
    Expose(Expose),
    /// `bgp.peers` in a firewall rule.
    BgpPeers,
}

impl Value {
    /// What this value is, for "expected X, found Y" messages.
    pub fn describe(&self) -> String {
        match self {
            Value::Int(n) => format!("the integer {n}"),
            Value::Float(x) => format!("the number {x}"),
            Value::Bool(b) => format!("`{b}`"),
            Value::Str(s) => format!("the string \"{s}\""),
            Value::Bytes(_) => "a size".into(),
            Value::Milli(_) => "a millicore or minute quantity".into(),
            Value::Freq(_) => "a frequency".into(),
            Value::Speed(_) => "a link speed".into(),
            Value::Duration(_) => "a duration".into(),
            Value::Ip(IpAddr::V4(a)) => format!("the IPv4 address {a}"),
            Value::Ip(IpAddr::V6(a)) => format!("the IPv6 address {a}"),
            Value::Net(a, l) => format!("the prefix {a}/{l}"),
            Value::Mac(_) => "a MAC address".into(),
            Value::Port(p) => format!("the port {p}"),
            Value::Range(..) => "a range".into(),
            Value::List(_) => "a list".into(),
            Value::Ref(_) => "a declaration".into(),
            Value::Word(w) => format!("the name `{w}`"),
            Value::Placed(..) => "a placement (`… on …`)".into(),
            Value::Instance(..) => "a hardware instance".into(),
            Value::Count(..) => "a count of parts (`N * part`)".into(),
            Value::Secret(_) => "a secret".into(),
            Value::Expose(_) => "an exposure".into(),
            Value::BgpPeers => "`bgp.peers`".into(),
        }
    }
}

impl fmt::Display for Value {
    /// The text a value interpolates to in a string.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Int(n) => write!(f, "{n}"),
            Value::Float(x) => write!(f, "{x}"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Str(s) | Value::Word(s) => f.write_str(s),
            Value::Ip(a) => write!(f, "{a}"),
            Value::Net(a, l) => write!(f, "{a}/{l}"),
            Value::Port(p) => write!(f, "{p}"),
            other => f.write_str(&other.describe()),
        }
    }
}

/// The kinds of declarations a reference can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Site,
    /// Every machine: `host`, `machine`, `vm` and `lxc` share one namespace.
    Machine,
    Network,
    Template,
    Bgp,
    Firewall,
    Cluster,
    App,
    /// `helm NAME in CLUSTER`.
    Helm,
    /// `monitoring NAME in CLUSTER`.
    Monitoring,
    Ingress,
    /// A Compose project on a machine.
    Stack,
    /// `proxmox NAME { … }`: a Proxmox VE cluster.
    PveCluster,
    User,
    Service,
    Chassis,
    Cpu,
    Dimm,
    Image,
}

impl Kind {
    /// The word for this kind in messages ("a host").
    pub fn article(self) -> &'static str {
        match self {
            Kind::Site => "a site",
            Kind::Machine => "a machine",
            Kind::Network => "a network",
            Kind::Template => "a template",
            Kind::Bgp => "a bgp block",
            Kind::Firewall => "a firewall block",
            Kind::Cluster => "a cluster",
            Kind::App => "an app",
            Kind::Helm => "a helm chart",
            Kind::Monitoring => "a monitoring stack",
            Kind::Ingress => "an ingress",
            Kind::Stack => "a stack",
            Kind::PveCluster => "a proxmox cluster",
            Kind::User => "a user",
            Kind::Service => "a service",
            Kind::Chassis => "a chassis",
            Kind::Cpu => "a cpu",
            Kind::Dimm => "a dimm",
            Kind::Image => "an OS image",
        }
    }
}

/// Where a placement's target is looked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlaceOn {
    /// A storage pool of the guest's host.
    Pool,
    /// A network.
    Network,
    /// A machine (`export = media on nas`).
    Machine,
}

/// The type an attribute expects. `'static` so schemas can be constant tables.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Ty {
    Int(i128, i128),
    Float,
    Bool,
    Str,
    /// A string or a bare name (`ostype = l26`).
    Text,
    Bytes,
    /// Whole cores.
    Cores,
    /// CPU quantity: cores or millicores.
    Cpu,
    Freq,
    Speed,
    Duration,
    Ipv4,
    Ipv6,
    Ip,
    Net4,
    Net6,
    Net,
    Mac,
    Port,
    Range(&'static Ty),
    List(&'static Ty),
    Ref(Kind),
    /// One of the listed bare words; an empty list accepts any name.
    Word(&'static [&'static str]),
    Placed(&'static Ty, PlaceOn),
    Secret,
    /// A plain string or a secret.
    StrOrSecret,
    Expose,
    /// A chassis instance with `cpus` and `dimms`.
    Hardware,
    /// `N * cpu` or `N * dimm`/`N * size`.
    Count(&'static Ty),
    Regex,
    /// A container image reference string (`ghcr.io/org/app:1.2`).
    Image,
    /// An app or a machine (ingress routes).
    RouteTarget,
    /// A string, number or boolean (Helm values).
    Scalar,
}

impl Ty {
    /// The type in words, for "expected X" messages.
    pub fn describe(&self) -> String {
        match self {
            Ty::Int(lo, hi) if *lo <= 0 && *hi >= u32::MAX as i128 => "an integer".into(),
            Ty::Int(lo, hi) => format!("an integer from {lo} to {hi}"),
            Ty::Float => "a number".into(),
            Ty::Bool => "`true` or `false`".into(),
            Ty::Str => "a string".into(),
            Ty::Text => "a string or name".into(),
            Ty::Bytes => "a size such as `32GiB`".into(),
            Ty::Cores => "a number of cores".into(),
            Ty::Cpu => "a CPU quantity such as `2` or `500m`".into(),
            Ty::Freq => "a frequency such as `2600MHz`".into(),
            Ty::Speed => "a link speed such as `10G`".into(),
            Ty::Duration => "a duration such as `30s`".into(),
            Ty::Ipv4 => "an IPv4 address".into(),
            Ty::Ipv6 => "an IPv6 address".into(),
            Ty::Ip => "an IP address".into(),
            Ty::Net4 => "an IPv4 prefix such as `192.168.100.0/24`".into(),
            Ty::Net6 => "an IPv6 prefix such as `2001:db8::/48`".into(),
            Ty::Net => "a prefix".into(),
            Ty::Mac => "a MAC address".into(),
            Ty::Port => "a port such as `tcp/22`".into(),
            Ty::Range(inner) => format!("a range of {}", plural(&inner.describe())),
            Ty::List(inner) => format!("a list of {}", plural(&inner.describe())),
            Ty::Ref(kind) => kind.article().into(),
            Ty::Word([]) => "a name".into(),
            Ty::Word(words) => format!(
                "one of {}",
                words
                    .iter()
                    .map(|w| format!("`{w}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Ty::Placed(inner, PlaceOn::Pool) => format!("{} on a storage pool", inner.describe()),
            Ty::Placed(inner, PlaceOn::Network) => format!("{} on a network", inner.describe()),
            Ty::Placed(_, PlaceOn::Machine) => "an export on a machine: `media on nas`".into(),
            Ty::Secret => "a secret: `secret(\"name\")`".into(),
            Ty::StrOrSecret => "a string or `secret(\"name\")`".into(),
            Ty::Expose => "`clusterip()`, `nodeport(N)` or `loadbalancer()`".into(),
            Ty::Hardware => "a chassis with parts: `dell.r730 { cpus = …, dimms = … }`".into(),
            // A part's own example would nest its backticks in the pattern's.
            Ty::Count(Ty::Bytes) => "a count of parts: `N * size`, such as `12 * 32GiB`".into(),
            Ty::Count(Ty::Ref(Kind::Cpu)) => {
                "a count of parts: `N * CPU`, such as `2 * intel.xeon_e5_2690_v4`".into()
            }
            Ty::Count(inner) => format!(
                "a count of parts: `N * {}`",
                inner
                    .describe()
                    .trim_start_matches("an ")
                    .trim_start_matches("a ")
            ),
            Ty::Regex => "a regular expression string".into(),
            Ty::Image => "a container image reference string".into(),
            Ty::RouteTarget => "an app or a machine".into(),
            Ty::Scalar => "a string, number or `true`/`false`".into(),
        }
    }
}

/// The plural of a type description: "an IP address" → "IP addresses",
/// "a port such as `tcp/22`" → "ports such as `tcp/22`".
fn plural(description: &str) -> String {
    let text = description
        .strip_prefix("an ")
        .or_else(|| description.strip_prefix("a "))
        .unwrap_or(description);
    if text.starts_with("one of") || text.starts_with('`') {
        return text.to_string();
    }
    let head_end = [" such as", " (", " in ", " on ", ":"]
        .iter()
        .filter_map(|sep| text.find(sep))
        .min()
        .unwrap_or(text.len());
    let (head, tail) = text.split_at(head_end);
    let suffix = if head.ends_with('s')
        || head.ends_with('x')
        || head.ends_with("sh")
        || head.ends_with("ch")
    {
        "es"
    } else {
        "s"
    };
    format!("{head}{suffix}{tail}")
}
