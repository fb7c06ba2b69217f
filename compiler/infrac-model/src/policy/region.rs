//! Packet regions: products of per-field sets, the unit the analyser reasons with.
//!
//! A region is a box in a six-dimensional packet space (input link, output link, source
//! address, destination address, layer-4 key, destination NAT) for one address family.
//! A firewall rule's match is such a box, so "which packets reach this rule" and "is
//! this rule covered by earlier ones" become box intersections and differences.

use super::ranges::Ranges;
use crate::IpFamily;
use std::net::IpAddr;

/// The fields of a packet a region constrains, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// The link a packet came in on (see [`super::Link`]).
    InLink = 0,
    /// The link a packet leaves on.
    OutLink = 1,
    Source = 2,
    Destination = 3,
    /// Protocol number, then port (TCP, UDP, SCTP) or ICMP type and code; see [`l4_key`].
    L4 = 4,
    /// 1 when the packet's destination was rewritten by a port forward, else 0.
    Dnat = 5,
}

/// IP protocol numbers the policy names.
pub mod proto {
    pub const ICMP: u8 = 1;
    pub const TCP: u8 = 6;
    pub const UDP: u8 = 17;
    pub const ICMPV6: u8 = 58;
    pub const SCTP: u8 = 132;
}

/// The layer-4 key of a packet: protocol number in bits 16..24, then the destination
/// port for TCP/UDP/SCTP or `type << 8 | code` for ICMP and ICMPv6.
pub fn l4_key(protocol: u8, value: u16) -> u128 {
    (u128::from(protocol) << 16) | u128::from(value)
}

/// All keys of one protocol.
pub fn l4_protocol(protocol: u8) -> Ranges {
    Ranges::span(l4_key(protocol, 0), l4_key(protocol, u16::MAX))
}

/// The numeric value of an address inside its family's space.
pub fn address_value(address: IpAddr) -> u128 {
    match address {
        IpAddr::V4(a) => u128::from(u32::from(a)),
        IpAddr::V6(a) => u128::from(a),
    }
}

/// The family of an address.
pub fn family_of(address: IpAddr) -> IpFamily {
    match address {
        IpAddr::V4(_) => IpFamily::Ipv4,
        IpAddr::V6(_) => IpFamily::Ipv6,
    }
}

/// The largest address value of a family.
pub fn address_max(family: IpFamily) -> u128 {
    match family {
        IpFamily::Ipv4 => u128::from(u32::MAX),
        IpFamily::Ipv6 => u128::MAX,
    }
}

/// A box of packets of one family.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Region {
    pub family: IpFamily,
    pub fields: [Ranges; Region::FIELDS],
}

impl Region {
    /// How many fields a region constrains.
    pub const FIELDS: usize = 6;

    /// Every packet of `family` over `links` links (interfaces, loopback, others).
    pub fn universe(family: IpFamily, links: usize) -> Region {
        let link = Ranges::span(0, links.saturating_sub(1) as u128);
        let address = Ranges::span(0, address_max(family));
        // An IPv4 packet never carries ICMPv6 and an IPv6 packet never carries ICMP; keeping
        // them out makes "matches nothing" exact for family-specific ICMP rules.
        let foreign_icmp = match family {
            IpFamily::Ipv4 => l4_protocol(proto::ICMPV6),
            IpFamily::Ipv6 => l4_protocol(proto::ICMP),
        };
        let l4 = Ranges::span(0, l4_key(u8::MAX, u16::MAX)).subtract(&foreign_icmp);
        Region {
            family,
            fields: [
                link.clone(),
                link,
                address.clone(),
                address,
                l4,
                Ranges::span(0, 1),
            ],
        }
    }

    /// Restricts one field.
    pub fn with(mut self, field: Field, set: &Ranges) -> Region {
        let i = field as usize;
        self.fields[i] = self.fields[i].intersect(set);
        self
    }

    /// One field's set.
    pub fn get(&self, field: Field) -> &Ranges {
        &self.fields[field as usize]
    }

    /// Whether the region holds no packet.
    pub fn is_empty(&self) -> bool {
        self.fields.iter().any(Ranges::is_empty)
    }

    /// Whether the regions share a packet: [`Region::intersect`] is `Some`, tested without
    /// building it.
    pub fn overlaps(&self, other: &Region) -> bool {
        self.family == other.family
            && self
                .fields
                .iter()
                .zip(&other.fields)
                .all(|(a, b)| a.overlaps(b))
    }

    /// Packets in both regions.
    pub fn intersect(&self, other: &Region) -> Option<Region> {
        if !self.overlaps(other) {
            return None;
        }
        let mut fields = self.fields.clone();
        for (f, o) in fields.iter_mut().zip(&other.fields) {
            *f = f.intersect(o);
            if f.is_empty() {
                return None;
            }
        }
        Some(Region {
            family: self.family,
            fields,
        })
    }

    /// Packets of `self` not in `other`, as disjoint boxes.
    pub fn subtract(&self, other: &Region) -> Vec<Region> {
        if self.is_empty() {
            return Vec::new();
        }
        if !self.overlaps(other) {
            return vec![self.clone()];
        }
        // Peel one field at a time: the packets outside `other` on field i, among those
        // inside `other` on every earlier field.
        let mut out = Vec::new();
        let mut inside = self.clone();
        for i in 0..inside.fields.len() {
            let outside = inside.fields[i].subtract(&other.fields[i]);
            if !outside.is_empty() {
                let mut piece = inside.clone();
                piece.fields[i] = outside;
                out.push(piece);
            }
            inside.fields[i] = inside.fields[i].intersect(&other.fields[i]);
        }
        out
    }

    /// Whether a region contains a concrete point.
    pub fn contains(&self, point: &[u128; 6]) -> bool {
        self.fields.iter().zip(point).all(|(f, &v)| f.contains(v))
    }
}

/// Subtracts `cut` from every region of a union.
pub fn subtract_all(regions: &[Region], cut: &Region) -> Vec<Region> {
    regions.iter().flat_map(|r| r.subtract(cut)).collect()
}

/// [`subtract_all`] in place: the union is left as it is when `cut` misses every region
/// of it (and none is empty), which is what nearly every rule does to nearly every other,
/// so walking a chain of rules allocates only where rules meet.
pub fn cut_out(regions: &mut Vec<Region>, cut: &Region) {
    if regions.iter().all(|r| !r.overlaps(cut) && !r.is_empty()) {
        return;
    }
    *regions = subtract_all(regions, cut);
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Small regions over a tiny space, so membership can be checked point by point.
    pub(in crate::policy) fn arb_region() -> impl Strategy<Value = Region> {
        let set = || {
            proptest::collection::vec((0u128..6, 0u128..3), 1..3)
                .prop_map(|v| Ranges::from_ranges(v.into_iter().map(|(a, l)| (a, a + l))))
        };
        proptest::array::uniform6(set()).prop_map(|fields| Region {
            family: IpFamily::Ipv4,
            fields,
        })
    }

    fn points() -> impl Iterator<Item = [u128; 6]> {
        (0..4096u128).map(|n| {
            let digit = |i: u32| (n >> (2 * i)) & 3;
            [
                digit(0),
                digit(1) * 2,
                digit(2),
                digit(3) * 2,
                digit(4),
                digit(5) + 4,
            ]
        })
    }

    proptest! {
        #[test]
        fn subtraction_is_exact_and_disjoint(a in arb_region(), b in arb_region()) {
            let pieces = a.subtract(&b);
            for p in points() {
                let inside = pieces.iter().filter(|r| r.contains(&p)).count();
                let expected = a.contains(&p) && !b.contains(&p);
                prop_assert_eq!(inside, usize::from(expected), "{:?}", p);
            }
        }

        #[test]
        fn cutting_out_is_subtracting(a in arb_region(), b in arb_region(), c in arb_region()) {
            let mut union = vec![a.clone(), b.clone()];
            cut_out(&mut union, &c);
            prop_assert_eq!(union, subtract_all(&[a, b], &c));
        }

        #[test]
        fn intersection_is_exact(a in arb_region(), b in arb_region()) {
            let both = a.intersect(&b);
            for p in points() {
                let inside = both.as_ref().is_some_and(|r| r.contains(&p));
                prop_assert_eq!(inside, a.contains(&p) && b.contains(&p));
            }
        }
    }

    #[test]
    fn a_family_never_carries_the_other_familys_icmp() {
        let v4 = Region::universe(IpFamily::Ipv4, 3);
        assert!(!v4.get(Field::L4).contains(l4_key(proto::ICMPV6, 128 << 8)));
        assert!(v4.get(Field::L4).contains(l4_key(proto::ICMP, 8 << 8)));
        let v6 = Region::universe(IpFamily::Ipv6, 3);
        assert!(!v6.get(Field::L4).contains(l4_key(proto::ICMP, 8 << 8)));
        assert_eq!(v6.get(Field::Source).ranges(), &[(0, u128::MAX)]);
    }
}
