//! The IPAM core: overlap detection over prefix sets and free-address search.
//!
//! CIDR prefixes either nest or are disjoint, so "overlap" means one contains the other.
//! The sweep sorts once and keeps a stack of open prefixes, O(n log n + pairs), which
//! matters for labs generated with thousands of networks.

use ipnet::IpNet;
use std::net::IpAddr;

/// Every pair `(i, j)`, `i < j`, of prefixes in `nets` that overlap.
pub fn overlapping_pairs(nets: &[IpNet]) -> Vec<(usize, usize)> {
    let mut order: Vec<usize> = (0..nets.len()).collect();
    // Containers sort before what they contain: by family, start address, then length.
    order.sort_by_key(|&i| {
        let n = nets[i].trunc();
        (n.addr().is_ipv6(), n.network(), n.prefix_len(), i)
    });
    let mut open: Vec<usize> = Vec::new();
    let mut pairs = Vec::new();
    for &i in &order {
        let net = nets[i].trunc();
        while let Some(&top) = open.last() {
            if nets[top].trunc().contains(&net) {
                break;
            }
            open.pop();
        }
        for &outer in &open {
            pairs.push((outer.min(i), outer.max(i)));
        }
        open.push(i);
    }
    pairs.sort_unstable();
    pairs
}

/// The same result by comparing every pair; the reference the sweep is tested against.
pub fn overlapping_pairs_brute_force(nets: &[IpNet]) -> Vec<(usize, usize)> {
    let mut pairs = Vec::new();
    for i in 0..nets.len() {
        for j in i + 1..nets.len() {
            let (a, b) = (nets[i].trunc(), nets[j].trunc());
            if a.contains(&b) || b.contains(&a) {
                pairs.push((i, j));
            }
        }
    }
    pairs
}

/// Whether `addr` may be given to an interface in `net`: not the network address, and
/// (IPv4) not the broadcast address. /31 and /32 (and IPv6 /127, /128) have neither.
pub fn is_assignable(net: IpNet, addr: IpAddr) -> bool {
    let max = if net.addr().is_ipv4() { 32 } else { 128 };
    if net.prefix_len() >= max - 1 {
        return net.contains(&addr);
    }
    if !net.contains(&addr) || addr == net.network() {
        return false;
    }
    !(addr.is_ipv4() && addr == net.broadcast())
}

fn to_u128(a: IpAddr) -> u128 {
    match a {
        IpAddr::V4(v) => u128::from(u32::from(v)),
        IpAddr::V6(v) => u128::from(v),
    }
}

fn from_u128(v4: bool, n: u128) -> IpAddr {
    if v4 {
        IpAddr::V4(std::net::Ipv4Addr::from(n as u32))
    } else {
        IpAddr::V6(std::net::Ipv6Addr::from(n))
    }
}

/// The addresses a lab holds, sorted once and searched by bisection: a lab holds tens
/// of thousands of them, and a tree of that many costs more to build than the checks
/// that look them up.
#[derive(Debug, Default)]
pub struct Used(Vec<(bool, u128)>);

impl Used {
    /// Whether `addr` is held.
    pub fn contains(&self, addr: &IpAddr) -> bool {
        self.0.binary_search(&order_key(*addr)).is_ok()
    }

    /// The addresses of `keys`, which are sorted by [`order_key`].
    pub fn from_sorted(keys: impl Iterator<Item = (bool, u128)>) -> Self {
        let mut all: Vec<(bool, u128)> = keys.collect();
        all.dedup();
        Used(all)
    }
}

impl FromIterator<IpAddr> for Used {
    fn from_iter<I: IntoIterator<Item = IpAddr>>(iter: I) -> Self {
        let mut all: Vec<(bool, u128)> = iter.into_iter().map(order_key).collect();
        all.sort_unstable();
        Used::from_sorted(all.into_iter())
    }
}

/// An address as two integers that order the way `IpAddr` does (IPv4 before IPv6,
/// numerically within a family) and compare far faster.
pub fn order_key(addr: IpAddr) -> (bool, u128) {
    (addr.is_ipv6(), to_u128(addr))
}

/// Up to `count` assignable addresses of `net` that are neither in `used` nor `excluded`,
/// searching upwards from `from` and wrapping around to the start of the prefix.
pub fn free_addresses(
    net: IpNet,
    used: &Used,
    excluded: &dyn Fn(IpAddr) -> bool,
    from: IpAddr,
    count: usize,
) -> Vec<IpAddr> {
    const MAX_SCAN: u128 = 1 << 16;
    let v4 = net.addr().is_ipv4();
    let (first, last) = (to_u128(net.network()), to_u128(net.broadcast()));
    let start = to_u128(from).clamp(first, last);
    let span = last - first + 1;
    let mut out = Vec::new();
    let mut step: u128 = 0;
    while step < span.min(MAX_SCAN) && out.len() < count {
        let n = first + (start - first + step) % span;
        let addr = from_u128(v4, n);
        if is_assignable(net, addr) && !used.contains(&addr) && !excluded(addr) {
            out.push(addr);
        }
        step += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::net::{Ipv4Addr, Ipv6Addr};

    fn net_strategy() -> impl Strategy<Value = IpNet> {
        prop_oneof![
            // A small address space so that random prefixes often collide.
            (0u32..256, 20u8..=32).prop_map(|(x, len)| IpNet::new(
                IpAddr::V4(Ipv4Addr::new(10, 0, (x >> 4) as u8, (x << 4) as u8)),
                len
            )
            .map(|n| n.trunc())
            .unwrap_or_default()),
            (0u16..64, 44u8..=64).prop_map(|(x, len)| IpNet::new(
                IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, x >> 2, x << 6, 0, 0, 0, 0)),
                len
            )
            .map(|n| n.trunc())
            .unwrap_or_default()),
        ]
    }

    proptest! {
        #[test]
        fn sweep_matches_brute_force(nets in proptest::collection::vec(net_strategy(), 0..40)) {
            prop_assert_eq!(overlapping_pairs(&nets), overlapping_pairs_brute_force(&nets));
        }

        #[test]
        fn order_keys_order_as_addresses_do(a in any::<IpAddr>(), b in any::<IpAddr>()) {
            prop_assert_eq!(order_key(a).cmp(&order_key(b)), a.cmp(&b));
        }

        #[test]
        fn free_addresses_are_free_and_in_order(len in 24u8..=30, used_bits in proptest::collection::btree_set(0u32..256, 0..200), from in 0u32..256) {
            let net = IpNet::new(IpAddr::V4(Ipv4Addr::new(192, 168, 1, 0)), len).map(|n| n.trunc()).unwrap_or_default();
            let used: Used = used_bits.iter().map(|b| IpAddr::V4(Ipv4Addr::new(192, 168, 1, *b as u8))).collect();
            let from = IpAddr::V4(Ipv4Addr::new(192, 168, 1, from as u8));
            let found = free_addresses(net, &used, &|_| false, from, 3);
            // Brute force: every assignable, unused address of the prefix, in wrap-around order from `from`.
            let mut all: Vec<IpAddr> = net.hosts().filter(|a| is_assignable(net, *a) && !used.contains(a)).collect();
            let start = if net.contains(&from) { from } else { net.network() };
            all.sort_by_key(|a| (*a < start, *a));
            all.truncate(3);
            prop_assert_eq!(found, all);
        }
    }

    #[test]
    fn assignable_excludes_network_and_broadcast() {
        let net: IpNet = "192.168.100.0/24".parse().unwrap_or_default();
        assert!(!is_assignable(
            net,
            "192.168.100.0"
                .parse()
                .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
        ));
        assert!(!is_assignable(
            net,
            "192.168.100.255"
                .parse()
                .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
        ));
        assert!(is_assignable(
            net,
            "192.168.100.1"
                .parse()
                .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
        ));
        let p2p: IpNet = "10.0.0.0/31".parse().unwrap_or_default();
        assert!(is_assignable(
            p2p,
            "10.0.0.0"
                .parse()
                .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
        ));
    }
}
