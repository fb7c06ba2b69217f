//! BGP session facts derived once: the families a session carries and the import
//! hygiene of each of its channels, with the defaults an operator peering with a transit
//! provider expects (BCP 194 / RFC 7454, MANRS action 1, the NLNOG BGP filter guide).
//!
//! A peer's settings in the source are options; every `None` takes the default below,
//! so the bird target, the checks and the documentation agree on one answer.

use crate::policy::family_of;
use crate::{BgpPeer, BgpRouter, IpFamily, Model, Nic};
use ipnet::IpNet;
use serde::Serialize;
use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv6Addr};

/// Which routes a session learns in one family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Receive {
    /// Every route that passes the hygiene filters (the full table).
    Full,
    /// Only the default route.
    Default,
    /// Nothing: the family's traffic leaves through the uplink's own gateway.
    None,
}

impl Receive {
    /// The word the language uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Receive::Full => "full",
            Receive::Default => "default",
            Receive::None => "none",
        }
    }
}

/// What BIRD does when a peer sends more routes than the limit (`import limit … action`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LimitAction {
    Warn,
    Block,
    Restart,
    Disable,
}

impl LimitAction {
    /// The word the language and BIRD use.
    pub fn as_str(self) -> &'static str {
        match self {
            LimitAction::Warn => "warn",
            LimitAction::Block => "block",
            LimitAction::Restart => "restart",
            LimitAction::Disable => "disable",
        }
    }
}

/// A peer's hygiene settings as written in the source; `None` takes the default.
/// Per-family settings are indexed by [`family_index`].
#[derive(Debug, Clone, Default, Serialize)]
pub struct PeerHygiene {
    pub receive: [Option<Receive>; 2],
    pub max_prefixes: [Option<u32>; 2],
    pub limit_action: Option<LimitAction>,
    pub min_length: [Option<u8>; 2],
    pub max_length: [Option<u8>; 2],
    pub max_path_length: Option<u8>,
    pub enforce_first_as: Option<bool>,
    pub reject_bogon_asns: Option<bool>,
    pub rpki: Option<bool>,
    pub ttl_security: Option<bool>,
    pub bfd: bool,
    pub graceful_restart: Option<bool>,
    /// Seconds.
    pub hold_time: Option<u16>,
    /// Rank 1 (most preferred) to 9.
    pub prefer: Option<u8>,
    pub local_pref: Option<u32>,
    pub next_hop6: Option<Ipv6Addr>,
}

/// The index of a family in [`PeerHygiene`]'s per-family arrays.
pub fn family_index(family: IpFamily) -> usize {
    match family {
        IpFamily::Ipv4 => 0,
        IpFamily::Ipv6 => 1,
    }
}

/// The full-table receive limits: the IPv4 table held about 1,000,000 routes and the
/// IPv6 table about 201,000 at the start of 2024 (APNIC, "BGP in 2024"); the defaults
/// leave room for years of growth and still stop a leaked or deaggregated table.
pub const FULL_TABLE_LIMIT: [u32; 2] = [1_500_000, 500_000];
/// The shortest prefix accepted: IANA delegates IPv4 to the registries in /8s and IPv6
/// in /12s and /23s, and nothing shorter than /16 is announced in the IPv6 table, so
/// shorter prefixes (`128.0.0.0/1`, `2000::/3`) only hijack a share of the default route.
pub const MIN_LENGTH: [u8; 2] = [8, 16];
/// The longest prefix accepted (NLNOG "small prefixes": /24 and /48).
pub const MAX_LENGTH: [u8; 2] = [24, 48];
/// The longest AS path accepted (NLNOG "long AS paths": 100 is safe).
pub const MAX_PATH_LENGTH: u8 = 100;
/// The BGP hold time in seconds (RFC 4271 section 10 suggests 90,
/// https://www.rfc-editor.org/rfc/rfc4271#section-10; BIRD's own default is 240:
/// `BGP_CFG->hold_time = 240` in proto/bgp/config.Y of BIRD v2.19.2, CZ-NIC/bird mirror
/// snapshot of 2026-08-20, documented as `bgp-hold-time` in doc/bird.sgml).
pub const HOLD_TIME: u16 = 90;
/// The local preference of routes from a peer without `prefer` or `local_pref`.
pub const DEFAULT_LOCAL_PREF: u32 = 100;

/// The resolved import policy of one channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChannelPolicy {
    pub receive: Receive,
    /// With [`Receive::Full`]: whether the default route is accepted too.
    pub accept_default: bool,
    /// The import limit, with [`Receive::Full`] only (the other policies bound the
    /// table by their filter).
    pub max_prefixes: Option<u32>,
    pub limit_action: LimitAction,
    pub min_length: u8,
    pub max_length: u8,
}

fn net_family(net: &IpNet) -> IpFamily {
    match net {
        IpNet::V4(_) => IpFamily::Ipv4,
        IpNet::V6(_) => IpFamily::Ipv6,
    }
}

/// Whether the router announces any prefix of `family`.
pub fn announces(router: &BgpRouter, family: IpFamily) -> bool {
    router
        .announce
        .iter()
        .any(|n| net_family(&n.value) == family)
}

/// The families a session carries: as declared, else the neighbour's own family plus
/// any announced family no neighbour of that family exists for (so an IPv6 prefix is
/// announced over IPv4 sessions only when there is no IPv6 session to carry it).
pub fn session_families(router: &BgpRouter, peer: &BgpPeer) -> Vec<IpFamily> {
    if !peer.families.is_empty() {
        let set: BTreeSet<IpFamily> = peer.families.iter().copied().collect();
        return set.into_iter().collect();
    }
    let own = family_of(peer.neighbor.value);
    let mut set = BTreeSet::from([own]);
    for net in &router.announce {
        let f = net_family(&net.value);
        if f != own && !router.has_neighbor_in(f) {
            set.insert(f);
        }
    }
    set.into_iter().collect()
}

/// The default of `receive`: the full table in a family the site announces (it routes
/// that family itself), nothing in the others (their traffic follows the uplink's own
/// default route, not a BGP neighbour).
pub fn default_receive(router: &BgpRouter, family: IpFamily) -> Receive {
    if announces(router, family) {
        Receive::Full
    } else {
        Receive::None
    }
}

impl BgpPeer {
    /// The import policy of this session's `family` channel.
    pub fn channel_policy(&self, router: &BgpRouter, family: IpFamily) -> ChannelPolicy {
        let i = family_index(family);
        let h = &self.hygiene;
        let receive = h.receive[i].unwrap_or_else(|| default_receive(router, family));
        ChannelPolicy {
            receive,
            accept_default: self.accept_default,
            max_prefixes: (receive == Receive::Full)
                .then(|| h.max_prefixes[i].unwrap_or(FULL_TABLE_LIMIT[i])),
            limit_action: h.limit_action.unwrap_or(LimitAction::Restart),
            min_length: h.min_length[i].unwrap_or(MIN_LENGTH[i]),
            max_length: h.max_length[i].unwrap_or(MAX_LENGTH[i]),
        }
    }

    /// Whether GTSM (RFC 5082, `ttl security`) is on: by default for directly
    /// connected peers, whose packets arrive with TTL 255.
    pub fn ttl_security(&self) -> bool {
        self.hygiene.ttl_security.unwrap_or(self.multihop.is_none())
    }

    /// The local preference given to routes learned from this peer: `local_pref`, else
    /// `prefer = N` as 200 - 10 N (rank 1 is 190, rank 9 is 110), else 100.
    pub fn local_pref(&self) -> u32 {
        match (self.hygiene.local_pref, self.hygiene.prefer) {
            (Some(l), _) => l,
            (None, Some(rank)) => 200 - 10 * u32::from(rank),
            (None, None) => DEFAULT_LOCAL_PREF,
        }
    }

    /// How often the site's AS is prepended to the routes announced to this peer:
    /// `prefer = N` prepends it N - 1 times, so the neighbours' side prefers the same
    /// order for the traffic coming in.
    pub fn prepends(&self) -> u8 {
        self.hygiene.prefer.map_or(0, |rank| rank.saturating_sub(1))
    }

    /// Whether the first AS of every path must be the neighbour's (RFC 4271 section
    /// 6.3 allows the check; a route server's peer turns it off).
    pub fn enforce_first_as(&self) -> bool {
        self.hygiene.enforce_first_as.unwrap_or(true)
    }

    /// Whether paths holding a private or reserved ASN other than the neighbour's own
    /// are rejected.
    pub fn reject_bogon_asns(&self) -> bool {
        self.hygiene.reject_bogon_asns.unwrap_or(true)
    }

    /// Whether routes are validated against the router's RPKI cache (RFC 6811).
    pub fn rpki(&self, router: &BgpRouter) -> bool {
        router.rpki.is_some() && self.hygiene.rpki.unwrap_or(true)
    }

    /// The longest AS path accepted.
    pub fn max_path_length(&self) -> u8 {
        self.hygiene.max_path_length.unwrap_or(MAX_PATH_LENGTH)
    }

    /// Whether the session restarts gracefully (RFC 4724).
    pub fn graceful_restart(&self) -> bool {
        self.hygiene.graceful_restart.unwrap_or(true)
    }

    /// The hold time in seconds.
    pub fn hold_time(&self) -> u16 {
        self.hygiene.hold_time.unwrap_or(HOLD_TIME)
    }
}

/// The router's NIC a neighbour is reached through: the one on a network holding the
/// neighbour's address, else the first uplink.
pub fn peer_nic<'m>(model: &'m Model, router: &BgpRouter, neighbor: IpAddr) -> Option<&'m Nic> {
    let machine = model.machine(router.machine);
    machine
        .attached()
        .find(|(_, _, n)| {
            let net = model.network(*n);
            match neighbor {
                IpAddr::V4(a) => net.ipv4.is_some_and(|p| p.value.contains(&a)),
                IpAddr::V6(a) => net.ipv6.is_some_and(|p| p.value.contains(&a)),
            }
        })
        .or_else(|| {
            machine
                .attached()
                .find(|(_, _, n)| model.network(*n).uplink)
        })
        .map(|(_, nic, _)| nic)
}

/// The IPv6 next hop of the routes announced over an IPv4 session that carries IPv6.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextHop6 {
    /// The peer's `next_hop6`.
    Declared(Ipv6Addr),
    /// The router's static IPv6 address on the interface toward the peer.
    Interface(Ipv6Addr),
    /// A direct session on an interface whose IPv6 address is assigned at run time:
    /// BIRD takes that address.
    Runtime,
    /// Nothing to use: a multihop session, or an interface without IPv6.
    Missing,
}

/// The IPv6 next hop announced to `peer`, when the session is IPv4 and carries IPv6
/// (`None` otherwise: an IPv6 session's own address is the next hop, unless declared).
pub fn ipv6_next_hop(model: &Model, router: &BgpRouter, peer: &BgpPeer) -> Option<NextHop6> {
    if let Some(declared) = peer.hygiene.next_hop6 {
        return Some(NextHop6::Declared(declared));
    }
    if family_of(peer.neighbor.value) != IpFamily::Ipv4
        || !session_families(router, peer).contains(&IpFamily::Ipv6)
    {
        return None;
    }
    let nic = peer_nic(model, router, peer.neighbor.value);
    if let Some(a) = nic.and_then(|n| n.ip6) {
        return Some(NextHop6::Interface(a.value));
    }
    let runtime = peer.multihop.is_none()
        && nic.is_some_and(|n| {
            n.network
                .is_some_and(|net| model.network(net).ipv6.is_some())
                || n.dhcp
        });
    Some(if runtime {
        NextHop6::Runtime
    } else {
        NextHop6::Missing
    })
}

/// Where a BGP session's password is deployed: one file per secret, holding one BIRD
/// statement `password "…";`, which `bird.conf` includes. The NixOS build-time check
/// (`bird -p`) runs where these files do not exist, so it replaces the includes.
pub const PASSWORD_DIR: &str = "/run/secrets/bird";

/// The password file of a secret named `name`, under [`PASSWORD_DIR`].
pub fn password_file(name: &str) -> String {
    let clean: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("{PASSWORD_DIR}/{}.conf", clean.trim_start_matches('.'))
}

/// Private, reserved and documentation ASNs (NLNOG BGP filter guide, "Bogon ASNs"):
/// inclusive ranges with their source.
pub const BOGON_ASNS: [(u32, u32, &str); 9] = [
    (0, 0, "RFC 7607"),
    (23456, 23456, "AS_TRANS, RFC 6793"),
    (64496, 64511, "documentation, RFC 5398"),
    (64512, 65534, "private, RFC 6996"),
    (65535, 65535, "last 16-bit ASN, RFC 7300"),
    (65536, 65551, "documentation, RFC 5398"),
    (65552, 131071, "IANA reserved"),
    (4_200_000_000, 4_294_967_294, "private, RFC 6996"),
    (4_294_967_295, 4_294_967_295, "last 32-bit ASN, RFC 7300"),
];

/// Whether `asn` is a private or reserved ASN.
pub fn is_bogon_asn(asn: u32) -> bool {
    BOGON_ASNS
        .iter()
        .any(|(lo, hi, _)| (*lo..=*hi).contains(&asn))
}

/// The bogon ASN ranges with `except` cut out, so a neighbour numbered from private
/// space can still be peered with while nothing behind it may use such a number.
pub fn bogon_asns_except(except: u32) -> Vec<(u32, u32, &'static str)> {
    let mut out = Vec::new();
    for &(lo, hi, why) in &BOGON_ASNS {
        if !(lo..=hi).contains(&except) {
            out.push((lo, hi, why));
            continue;
        }
        if except > lo {
            out.push((lo, except - 1, why));
        }
        if except < hi {
            out.push((except + 1, hi, why));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_neighbours_own_asn_is_cut_out_of_the_bogons() {
        let cut = bogon_asns_except(64500);
        assert!(cut.contains(&(64496, 64499, "documentation, RFC 5398")));
        assert!(cut.contains(&(64501, 64511, "documentation, RFC 5398")));
        assert!(!cut.iter().any(|(lo, hi, _)| (*lo..=*hi).contains(&64500)));
        assert_eq!(bogon_asns_except(6939).len(), BOGON_ASNS.len());
        assert_eq!(bogon_asns_except(0).len(), BOGON_ASNS.len() - 1);
        assert!(is_bogon_asn(65010) && !is_bogon_asn(6939));
    }
}
