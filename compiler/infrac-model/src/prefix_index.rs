//! Which of many prefixes holds an address or a whole prefix, found by one lookup per
//! prefix length in use instead of a test of every prefix: a lab's networks use a
//! handful of lengths (/24, /64), and asking of every resolver or every DNS record which
//! network it lies in, or of every network which sites' allocations hold it, grew with
//! the product of the two (4,000 networks: 16 million prefix tests).

use ipnet::IpNet;
use rustc_hash::FxHashMap;
use std::net::IpAddr;

/// Prefixes with an identifier each (a network's index, a site's); several prefixes may
/// be equal, nested or overlapping.
#[derive(Debug, Default)]
pub struct PrefixIndex {
    /// Per prefix length in use, the identifiers of each prefix by its first address, in
    /// the order they were added.
    v4: Vec<(u8, FxHashMap<u32, Vec<u32>>)>,
    v6: Vec<(u8, FxHashMap<u128, Vec<u32>>)>,
}

impl PrefixIndex {
    /// Adds `prefix` with identifier `id` (host bits ignored, as in the prefix's network).
    pub fn insert(&mut self, prefix: IpNet, id: u32) {
        match prefix.trunc() {
            IpNet::V4(p) => add(&mut self.v4, p.prefix_len(), u32::from(p.network()), id),
            IpNet::V6(p) => add(&mut self.v6, p.prefix_len(), u128::from(p.network()), id),
        }
    }

    /// The least identifier among the prefixes holding `address`.
    pub fn first_holding(&self, address: IpAddr) -> Option<u32> {
        let longest = match address {
            IpAddr::V4(_) => 32,
            IpAddr::V6(_) => 128,
        };
        self.holding(address, longest).min()
    }

    /// Every identifier whose prefix holds all of `prefix` (is it, or wider and around it),
    /// grouped by prefix length in the order the lengths were first added.
    pub fn containing(&self, prefix: IpNet) -> impl Iterator<Item = u32> + '_ {
        let prefix = prefix.trunc();
        self.holding(prefix.network(), prefix.prefix_len())
    }

    /// The identifiers of the prefixes no longer than `longest` that hold `address`.
    fn holding(&self, address: IpAddr, longest: u8) -> impl Iterator<Item = u32> + '_ {
        let (v4, v6) = match address {
            IpAddr::V4(a) => (holding(&self.v4, u32::from(a), longest, mask4), None),
            IpAddr::V6(a) => (None, holding(&self.v6, u128::from(a), longest, mask6)),
        };
        v4.into_iter().flatten().chain(v6.into_iter().flatten())
    }
}

fn mask4(len: u8) -> u32 {
    u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0)
}

fn mask6(len: u8) -> u128 {
    u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0)
}

fn add<K: std::hash::Hash + Eq>(
    by_len: &mut Vec<(u8, FxHashMap<K, Vec<u32>>)>,
    len: u8,
    key: K,
    id: u32,
) {
    let at = match by_len.iter().position(|(l, _)| *l == len) {
        Some(at) => at,
        None => {
            by_len.push((len, FxHashMap::default()));
            by_len.len() - 1
        }
    };
    by_len[at].1.entry(key).or_default().push(id);
}

/// The identifiers, at each length up to `longest`, of the prefix that holds `address`.
fn holding<K: Copy + std::hash::Hash + Eq + std::ops::BitAnd<Output = K>>(
    by_len: &[(u8, FxHashMap<K, Vec<u32>>)],
    address: K,
    longest: u8,
    mask: fn(u8) -> K,
) -> Option<impl Iterator<Item = u32> + '_> {
    Some(
        by_len
            .iter()
            .filter(move |(len, _)| *len <= longest)
            .filter_map(move |(len, ids)| ids.get(&(address & mask(*len))))
            .flatten()
            .copied(),
    )
}

#[cfg(test)]
mod tests {
    use super::PrefixIndex;
    use ipnet::IpNet;
    use std::net::IpAddr;

    /// The least identifier among every prefix holding the address, nested, repeated or
    /// of the other family, as a test of every prefix finds it.
    #[test]
    fn the_least_prefix_holding_an_address_is_found_by_length() {
        let prefixes = [
            "10.1.2.0/24",
            "10.1.0.0/16",
            "0.0.0.0/0",
            "10.0.0.0/8",
            "10.1.2.7/24",
            "2001:db8:1::/48",
            "2001:db8::/32",
            "::/0",
        ];
        let nets: Vec<IpNet> = prefixes.iter().filter_map(|p| p.parse().ok()).collect();
        assert_eq!(nets.len(), prefixes.len());
        // Inserted out of order: the least identifier wins whatever the order.
        let mut index = PrefixIndex::default();
        for (id, net) in nets.iter().enumerate().rev() {
            index.insert(*net, id as u32);
        }
        let scan = |a: IpAddr| nets.iter().position(|n| n.contains(&a)).map(|p| p as u32);
        let expected = [
            ("10.1.2.3", Some(0)),
            ("10.1.9.9", Some(1)),
            ("10.9.9.9", Some(2)),
            ("192.168.1.1", Some(2)),
            ("2001:db8:1::5", Some(5)),
            ("2001:db8:2::5", Some(6)),
            ("fd00::1", Some(7)),
        ];
        for (address, want) in expected {
            let a: IpAddr = address.parse().unwrap_or(IpAddr::from([0, 0, 0, 0]));
            assert_eq!(index.first_holding(a), want, "{address}");
            assert_eq!(scan(a), want, "{address}");
        }
        assert_eq!(
            PrefixIndex::default()
                .first_holding("10.0.0.1".parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))),
            None
        );
    }
}
