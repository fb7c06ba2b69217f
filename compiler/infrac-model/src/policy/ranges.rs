//! Sets of integers as sorted, disjoint, inclusive ranges: one dimension of a packet region.

/// A set of `u128` values stored as sorted, disjoint, non-adjacent inclusive ranges.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Ranges(Vec<(u128, u128)>);

impl Ranges {
    /// The empty set.
    pub fn empty() -> Self {
        Ranges(Vec::new())
    }

    /// Every value in `first..=last`.
    pub fn span(first: u128, last: u128) -> Self {
        if first > last {
            return Ranges::empty();
        }
        Ranges(vec![(first, last)])
    }

    /// One value.
    pub fn single(value: u128) -> Self {
        Ranges(vec![(value, value)])
    }

    /// The union of arbitrary ranges, normalised.
    pub fn from_ranges(ranges: impl IntoIterator<Item = (u128, u128)>) -> Self {
        let mut items: Vec<(u128, u128)> = ranges.into_iter().filter(|(a, b)| a <= b).collect();
        items.sort_unstable();
        let mut out: Vec<(u128, u128)> = Vec::with_capacity(items.len());
        for (a, b) in items {
            match out.last_mut() {
                Some(last) if a <= last.1.saturating_add(1) => last.1 = last.1.max(b),
                _ => out.push((a, b)),
            }
        }
        Ranges(out)
    }

    /// The ranges, in order.
    pub fn ranges(&self) -> &[(u128, u128)] {
        &self.0
    }

    /// Whether the set has no element.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether `value` is in the set.
    pub fn contains(&self, value: u128) -> bool {
        let i = self.0.partition_point(|&(_, hi)| hi < value);
        self.0.get(i).is_some_and(|&(lo, _)| lo <= value)
    }

    /// The smallest element.
    pub fn first(&self) -> Option<u128> {
        self.0.first().map(|r| r.0)
    }

    /// Elements in both sets.
    pub fn intersect(&self, other: &Ranges) -> Ranges {
        let (mut i, mut j) = (0, 0);
        let mut out = Vec::new();
        while i < self.0.len() && j < other.0.len() {
            let (a, b) = self.0[i];
            let (c, d) = other.0[j];
            let lo = a.max(c);
            let hi = b.min(d);
            if lo <= hi {
                out.push((lo, hi));
            }
            if b < d {
                i += 1;
            } else {
                j += 1;
            }
        }
        Ranges(out)
    }

    /// Whether the sets share an element: [`Ranges::intersect`] not empty, without building
    /// the intersection. Most pairs of firewall rules are disjoint, and testing them must
    /// not allocate.
    pub fn overlaps(&self, other: &Ranges) -> bool {
        let (mut i, mut j) = (0, 0);
        while let (Some(&(a, b)), Some(&(c, d))) = (self.0.get(i), other.0.get(j)) {
            if a.max(c) <= b.min(d) {
                return true;
            }
            if b < d {
                i += 1;
            } else {
                j += 1;
            }
        }
        false
    }

    /// Elements of `self` not in `other`.
    pub fn subtract(&self, other: &Ranges) -> Ranges {
        let mut out = Vec::new();
        let mut j = 0;
        for &(a, b) in &self.0 {
            let mut lo = a;
            let mut done = false;
            while j < other.0.len() && other.0[j].1 < lo {
                j += 1;
            }
            let mut k = j;
            while k < other.0.len() && other.0[k].0 <= b {
                let (c, d) = other.0[k];
                if c > lo {
                    out.push((lo, c - 1));
                }
                if d >= b {
                    done = true;
                    break;
                }
                lo = d + 1;
                k += 1;
            }
            if !done {
                out.push((lo, b));
            }
        }
        Ranges(out)
    }

    /// Elements in either set.
    pub fn union(&self, other: &Ranges) -> Ranges {
        Ranges::from_ranges(self.0.iter().chain(other.0.iter()).copied())
    }

    /// Whether every element of `self` is in `other`.
    pub fn is_subset(&self, other: &Ranges) -> bool {
        self.subtract(other).is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::Ranges;
    use proptest::prelude::*;

    fn set(items: &[(u128, u128)]) -> Ranges {
        Ranges::from_ranges(items.iter().copied())
    }

    #[test]
    fn normalises_overlapping_and_adjacent_ranges() {
        assert_eq!(
            set(&[(5, 9), (1, 3), (4, 4), (20, 30)]).ranges(),
            &[(1, 9), (20, 30)]
        );
    }

    #[test]
    fn subtracts_holes_and_edges() {
        let a = set(&[(0, 100)]);
        let b = set(&[(0, 0), (10, 20), (100, 200)]);
        assert_eq!(a.subtract(&b).ranges(), &[(1, 9), (21, 99)]);
        assert!(set(&[(3, 4)]).subtract(&set(&[(0, u128::MAX)])).is_empty());
    }

    fn arb_set() -> impl Strategy<Value = Ranges> {
        proptest::collection::vec((0u128..64, 0u128..8), 0..5)
            .prop_map(|v| Ranges::from_ranges(v.into_iter().map(|(a, l)| (a, a + l))))
    }

    proptest! {
        #[test]
        fn operations_agree_with_membership(a in arb_set(), b in arb_set(), x in 0u128..80) {
            prop_assert_eq!(a.intersect(&b).contains(x), a.contains(x) && b.contains(x));
            prop_assert_eq!(a.overlaps(&b), !a.intersect(&b).is_empty());
            prop_assert_eq!(a.subtract(&b).contains(x), a.contains(x) && !b.contains(x));
            prop_assert_eq!(a.union(&b).contains(x), a.contains(x) || b.contains(x));
        }
    }
}
