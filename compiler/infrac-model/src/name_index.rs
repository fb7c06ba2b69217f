//! The first item of each name in a list the model holds, found by a hash of the name.
//! Names are not copied: the index keeps each name's hash and the item's place, and a
//! lookup compares the name it finds, so two names sharing a hash, or a list that grew
//! since the index was made, are looked for the long way.

use rustc_hash::FxHashMap;

#[derive(Debug, Clone, Default)]
pub(crate) struct NameIndex {
    /// How many items the list had when indexed.
    len: usize,
    first: FxHashMap<u64, usize>,
}

/// What an index says of a name.
pub(crate) enum Found {
    At(usize),
    Absent,
    /// The index cannot tell: scan the list.
    Unknown,
}

impl NameIndex {
    /// Indexes the names, in list order (the first of a name wins).
    pub(crate) fn new<'a>(names: impl ExactSizeIterator<Item = &'a str>) -> NameIndex {
        let len = names.len();
        let mut first = FxHashMap::default();
        first.reserve(len);
        for (i, name) in names.enumerate() {
            first.entry(hash(name)).or_insert(i);
        }
        NameIndex { len, first }
    }

    /// Where `name` first is in a list of `len` items whose `i`th name is `name_at(i)`.
    pub(crate) fn find<'a>(
        &self,
        name: &str,
        len: usize,
        name_at: impl Fn(usize) -> &'a str,
    ) -> Found {
        if len != self.len {
            return Found::Unknown;
        }
        match self.first.get(&hash(name)) {
            None => Found::Absent,
            Some(&i) if name_at(i) == name => Found::At(i),
            Some(_) => Found::Unknown,
        }
    }
}

fn hash(name: &str) -> u64 {
    use std::hash::BuildHasher;
    rustc_hash::FxBuildHasher.hash_one(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_first_of_a_name_and_knows_when_it_cannot_tell() {
        let names = ["a", "b", "a", "c"];
        let index = NameIndex::new(names.iter().copied());
        let at = |i: usize| names[i];
        assert!(matches!(index.find("a", 4, at), Found::At(0)));
        assert!(matches!(index.find("c", 4, at), Found::At(3)));
        assert!(matches!(index.find("z", 4, at), Found::Absent));
        // The list grew since it was indexed.
        assert!(matches!(index.find("a", 5, at), Found::Unknown));
    }
}
