//! Prefixes no BGP neighbour may send: reserved, private and documentation space.
//!
//! The lists are the NLNOG BGP filter guide's bogon prefixes
//! (<https://bgpfilterguide.nlnog.net/guides/bogon_prefixes/>), completed with the
//! entries of the IANA IPv4 and IPv6 Special-Purpose Address Registries (RFC 6890) that
//! are not globally reachable. Each entry is written as BIRD's `prefix+` (the prefix and
//! everything inside it); the default routes are not in them and are handled on their own.

/// IPv4 bogons.
pub(crate) const IPV4: [(&str, &str); 15] = [
    ("0.0.0.0/8", "this network (RFC 1122)"),
    ("10.0.0.0/8", "private (RFC 1918)"),
    ("100.64.0.0/10", "carrier-grade NAT (RFC 6598)"),
    ("127.0.0.0/8", "loopback (RFC 1122)"),
    ("169.254.0.0/16", "link local (RFC 3927)"),
    ("172.16.0.0/12", "private (RFC 1918)"),
    ("192.0.0.0/24", "IETF protocol assignments (RFC 6890)"),
    ("192.0.2.0/24", "TEST-NET-1 (RFC 5737)"),
    (
        "192.88.99.0/24",
        "6to4 relay anycast, deprecated (RFC 7526)",
    ),
    ("192.168.0.0/16", "private (RFC 1918)"),
    ("198.18.0.0/15", "benchmarking (RFC 2544)"),
    ("198.51.100.0/24", "TEST-NET-2 (RFC 5737)"),
    ("203.0.113.0/24", "TEST-NET-3 (RFC 5737)"),
    ("224.0.0.0/4", "multicast (RFC 5771)"),
    ("240.0.0.0/4", "reserved (RFC 1112)"),
];

/// IPv6 bogons. Anything outside global unicast (2000::/3, RFC 4291) is rejected on top
/// of these, which covers the discard prefix, SRv6 SIDs (5f00::/16, RFC 9602), unique
/// local, link local, site local and multicast space as well.
pub(crate) const IPV6: [(&str, &str); 14] = [
    (
        "::/8",
        "loopback, unspecified, IPv4-mapped and NAT64 (RFC 4291, RFC 6052)",
    ),
    ("100::/64", "discard only (RFC 6666)"),
    ("2001::/32", "Teredo (RFC 4380)"),
    ("2001:2::/48", "benchmarking (RFC 5180)"),
    ("2001:10::/28", "ORCHIDv1, deprecated (RFC 4843)"),
    ("2001:20::/28", "ORCHIDv2 (RFC 7343)"),
    ("2001:db8::/32", "documentation (RFC 3849)"),
    ("2002::/16", "6to4 (RFC 3056, RFC 7526)"),
    ("3ffe::/16", "old 6bone (RFC 3701)"),
    ("3fff::/20", "documentation (RFC 9637)"),
    ("fc00::/7", "unique local (RFC 4193)"),
    ("fe80::/10", "link local (RFC 4291)"),
    ("fec0::/10", "site local, deprecated (RFC 3879)"),
    ("ff00::/8", "multicast (RFC 4291)"),
];
