//! "Did you mean" among many candidates, asked many times: the machines of a lab for each
//! wrong host name, say. [`did_you_mean`](crate::did_you_mean) reads every candidate, so a
//! lab whose hosts were all renamed paid hosts × machines for its reports. A
//! [`NameIndex`] reads only the candidates that can share enough letters with the name,
//! and answers exactly as `did_you_mean` does over the same candidates.

use crate::suggest::{score_bound, Best, Common};
use std::sync::OnceLock;

/// Candidate names indexed by length and by the ASCII bytes they hold.
pub struct NameIndex {
    text: String,
    /// Where each candidate ends in `text`; it starts where the one before it ends.
    ends: Vec<usize>,
    /// Candidates with other than ASCII bytes, which the letter bound does not cover.
    others: Vec<u32>,
    /// The ASCII candidates of each length, shortest first.
    lengths: Vec<Length>,
}

struct Length {
    len: usize,
    all: Vec<u32>,
    /// For each ASCII byte, the candidates of this length that hold it (by their place in
    /// `all`), with how many times (at most 255).
    holding: Vec<Vec<(u32, u8)>>,
    /// The same lists as bit sets, made the first time letters are counted at this length.
    bits: OnceLock<Option<Bits>>,
}

/// The candidates of one length as bit sets, a bit for each, 64 to a word: for every byte
/// and every `k`, the set of those holding the byte at least `k` times. The letters a
/// candidate shares with a name are then a sum of sets, added 64 candidates at a time.
struct Bits {
    words: usize,
    /// For each ASCII byte, where its sets start among `sets` and how many there are.
    first: Vec<(usize, usize)>,
    sets: usize,
    /// Word `w` of set `s` at `w * sets + s`: the sets one name reads lie together.
    data: Vec<u64>,
}

/// A candidate holding one byte more often than this is counted from the lists instead:
/// every set costs a bit per candidate of the length, and real names repeat a letter a
/// few times.
const MOST_TIMES_IN_BITS: u8 = 16;

impl Bits {
    /// The sets of `length`, unless a candidate holds a byte too many times.
    fn new(length: &Length) -> Option<Bits> {
        let words = length.all.len().div_ceil(64);
        let mut first = vec![(0, 0); 128];
        let mut sets = 0;
        for (b, holding) in length.holding.iter().enumerate() {
            let most = holding.iter().map(|&(_, times)| times).max().unwrap_or(0);
            if most > MOST_TIMES_IN_BITS {
                return None;
            }
            first[b] = (sets, usize::from(most));
            sets += usize::from(most);
        }
        let mut data = vec![0u64; words * sets];
        for (b, holding) in length.holding.iter().enumerate() {
            for &(place, times) in holding {
                let (word, bit) = (place as usize / 64, place % 64);
                for k in 0..usize::from(times) {
                    data[word * sets + first[b].0 + k] |= 1 << bit;
                }
            }
        }
        Some(Bits {
            words,
            first,
            sets,
            data,
        })
    }

    /// How many letters each candidate shares with a name that holds each byte `b`
    /// `counts[b]` times, none sharing more than `most`: the sum, over the name's bytes,
    /// of the sets for `k` up to the name's count, added in bit-sliced counters.
    fn count(&self, counts: &[usize; 128], most: usize) -> PlaneCounts {
        let mut read: Vec<usize> = Vec::new();
        for (b, &times) in counts.iter().enumerate() {
            let (first, sets) = self.first[b];
            read.extend(first..first + sets.min(times));
        }
        let planes = (usize::BITS - most.leading_zeros()).max(1) as usize;
        let mut out = vec![0u64; self.words * planes];
        for (row, sums) in self
            .data
            .chunks_exact(self.sets.max(1))
            .zip(out.chunks_exact_mut(planes))
        {
            for &s in &read {
                let mut carry = row[s];
                for plane in sums.iter_mut() {
                    let next = *plane & carry;
                    *plane ^= carry;
                    carry = next;
                    if carry == 0 {
                        break;
                    }
                }
            }
        }
        PlaneCounts {
            planes,
            counts: out,
        }
    }
}

/// Candidates of one length that share `shared` letters with a name, and the highest
/// score any of them can have.
struct Tier<'a> {
    bound: f64,
    shared: usize,
    length: &'a Length,
    /// Which of the lengths' counts.
    counts: usize,
}

/// How many letters each candidate of a length shares with a name, kept bit-sliced: plane
/// `p` of word `w` holds bit `p` of the counts of that word's 64 candidates.
struct PlaneCounts {
    planes: usize,
    counts: Vec<u64>,
}

impl PlaneCounts {
    /// The candidates (by their place at their length) that share exactly `n` letters.
    fn sharing(&self, n: usize, mut each: impl FnMut(usize)) {
        for (word, planes) in self.counts.chunks_exact(self.planes).enumerate() {
            let mut equal = !0u64;
            for (p, &plane) in planes.iter().enumerate() {
                equal &= if n >> p & 1 == 1 { plane } else { !plane };
            }
            while equal != 0 {
                each(word * 64 + equal.trailing_zeros() as usize);
                equal &= equal - 1;
            }
        }
    }
}

/// How many set words counting the letters every candidate shares may add for each entry
/// of the rarest letters' lists, and still cost less than comparing each candidate these
/// name: adding a word is a few operations for 64 candidates, comparing a candidate a pass
/// over its letters and often a distance.
const COUNTING_PAYS: usize = 8;

impl NameIndex {
    pub fn new<'a>(candidates: impl IntoIterator<Item = &'a str>) -> NameIndex {
        let mut index = NameIndex {
            text: String::new(),
            ends: Vec::new(),
            others: Vec::new(),
            lengths: Vec::new(),
        };
        for candidate in candidates {
            let i = index.ends.len() as u32;
            index.text.push_str(candidate);
            index.ends.push(index.text.len());
            if !candidate.is_ascii() {
                index.others.push(i);
                continue;
            }
            let at = match index
                .lengths
                .binary_search_by_key(&candidate.len(), |l| l.len)
            {
                Ok(at) => at,
                Err(at) => {
                    let length = Length {
                        len: candidate.len(),
                        all: Vec::new(),
                        holding: vec![Vec::new(); 128],
                        bits: OnceLock::new(),
                    };
                    index.lengths.insert(at, length);
                    at
                }
            };
            let length = &mut index.lengths[at];
            let place = length.all.len() as u32;
            length.all.push(i);
            for &b in candidate.as_bytes() {
                let holding = &mut length.holding[usize::from(b)];
                match holding.last_mut() {
                    Some((p, times)) if *p == place => *times = times.saturating_add(1),
                    _ => holding.push((place, 1)),
                }
            }
        }
        index
    }

    /// How many candidates there are.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The candidates, in the order given.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        (0..self.ends.len() as u32).map(|i| self.name(i))
    }

    fn name(&self, i: u32) -> &str {
        let i = i as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.text[start..self.ends[i]]
    }

    /// The candidate closest to `name`, if one is close enough to be a likely typo: the
    /// same answer as `did_you_mean(name, candidates)`.
    pub fn nearest(&self, name: &str) -> Option<&str> {
        self.nearest_counting_when(name, COUNTING_PAYS)
    }

    /// [`NameIndex::nearest`], counting shared letters when every list costs at most
    /// `counting_pays` times the rarest letters' lists (the tests try both ways).
    fn nearest_counting_when(&self, name: &str, counting_pays: usize) -> Option<&str> {
        let common = Common::new(name);
        let mut best = Best::default();
        if !name.is_ascii() {
            for candidate in self.names() {
                best.offer(name, &common, candidate);
            }
            return best.name();
        }
        // A candidate holding several of the letters read is in several lists: each is
        // compared once, in the order given.
        let mut read = vec![0u64; self.len().div_ceil(64)];
        let mut mark = |i: u32| read[i as usize / 64] |= 1 << (i % 64);
        self.others.iter().for_each(|&i| mark(i));
        let mut counts = [0usize; 128];
        for &b in name.as_bytes() {
            counts[usize::from(b)] += 1;
        }
        let mut bytes: Vec<(usize, u8)> = Vec::new();
        let mut counted: Vec<PlaneCounts> = Vec::new();
        let mut tiers: Vec<Tier> = Vec::new();
        for length in &self.lengths {
            let Some(need) = letters_to_cover(name.len(), length.len, common.edits()) else {
                continue;
            };
            if need == 0 {
                length.all.iter().for_each(|&i| mark(i));
                continue;
            }
            // A candidate that shares enough letters with the name holds one of any `need`
            // of the name's letters: the rarest among the candidates of this length are
            // read, the fewest candidates.
            bytes.clear();
            bytes.extend(
                (0..128u8)
                    .filter(|&b| counts[usize::from(b)] > 0)
                    .map(|b| (length.holding[usize::from(b)].len(), b)),
            );
            bytes.sort_unstable();
            let (mut covered, mut rarest, mut rarest_entries) = (0, 0, 0);
            for &(entries, b) in &bytes {
                if covered >= need {
                    break;
                }
                covered += counts[usize::from(b)];
                rarest += 1;
                rarest_entries += entries;
            }
            // When the rarest letters are common too (`pve1234` among `g12-34` guests),
            // the letters each candidate shares with the name are counted for all of them
            // at once, and only those sharing enough are compared.
            let words = length.all.len().div_ceil(64);
            let adds = words.saturating_mul(name.len());
            let bits = if name.len() <= usize::from(u8::MAX)
                && adds <= counting_pays.saturating_mul(rarest_entries)
            {
                length.bits.get_or_init(|| Bits::new(length)).as_ref()
            } else {
                None
            };
            if let Some(bits) = bits {
                let (la, lb) = (name.len(), length.len);
                counted.push(bits.count(&counts, la.min(lb)));
                // The candidates are compared by how many letters they share, most first,
                // each tier bounded by the best score such a candidate can have.
                let least = la + 1 - need;
                tiers.extend((least..=la.min(lb)).map(|n| Tier {
                    bound: score_bound(n, la, lb, la.min(lb).min(4)),
                    shared: n,
                    length,
                    counts: counted.len() - 1,
                }));
            } else {
                for &(_, b) in &bytes[..rarest] {
                    for &(place, _) in &length.holding[usize::from(b)] {
                        mark(length.all[place as usize]);
                    }
                }
            }
        }
        // Once a close name is found, the tiers that cannot reach its score are left.
        tiers.sort_by(|a, b| b.bound.total_cmp(&a.bound));
        for tier in &tiers {
            if best.beats(tier.bound) {
                break;
            }
            counted[tier.counts].sharing(tier.shared, |place| {
                best.offer(name, &common, self.name(tier.length.all[place]));
            });
        }
        for (word, &bits) in read.iter().enumerate() {
            let mut bits = bits;
            while bits != 0 {
                let i = word as u32 * 64 + bits.trailing_zeros();
                bits &= bits - 1;
                best.offer(name, &common, self.name(i));
            }
        }
        best.name()
    }
}

/// How many of its letters a name of length `la` must have, any of which a candidate of
/// length `lb` holds if it can be close to it: `Some(0)` when every candidate of that
/// length must be compared, `None` when none can be close.
///
/// `Common::passes` lets a candidate through when the letters it shares with the
/// name, `c`, satisfy `c * (la + lb) >= la * lb` or `c + edits >= max(la, lb)`, so when
/// `c >= t` for the smaller of the two thresholds. If it shares `t` letters, it shares at
/// least one with any `la - t + 1` of the name's letters.
fn letters_to_cover(la: usize, lb: usize, edits: usize) -> Option<usize> {
    let similar = if la + lb == 0 {
        0
    } else {
        (la * lb).div_ceil(la + lb)
    };
    let t = similar.min(la.max(lb).saturating_sub(edits));
    if t == 0 {
        Some(0)
    } else if t > la.min(lb) {
        None
    } else {
        Some(la - t + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::NameIndex;
    use crate::did_you_mean;
    use crate::suggest::tests::every_candidate_scored;

    /// Every name over a small alphabet, up to four letters, against every third as
    /// candidates: the index answers as the full comparison does.
    #[test]
    fn answers_as_every_candidate_compared() {
        let names = crate::suggest::tests::short_names(&["a", "b", "n", "-", "1", "é"]);
        // Every third name is a candidate, so that most names are not among them.
        let candidates: Vec<&str> = names.iter().step_by(3).map(String::as_str).collect();
        let index = NameIndex::new(candidates.iter().copied());
        for name in &names {
            let expected = every_candidate_scored(name, candidates.iter().copied());
            assert_eq!(index.nearest(name), expected, "{name}");
            for counting_pays in [0, usize::MAX] {
                let found = index.nearest_counting_when(name, counting_pays);
                assert_eq!(found, expected, "{name}, {counting_pays}");
            }
            assert_eq!(
                did_you_mean(name, candidates.iter().copied()),
                expected,
                "{name}"
            );
        }
    }

    /// Names of many lengths over a wider alphabet, and typos of them made by one to three
    /// edits, so that many candidates sit at the edge of being close.
    #[test]
    fn answers_as_every_candidate_compared_on_typos() {
        let alphabet: Vec<char> = "abcdefgh-0123".chars().collect();
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        let candidates: Vec<String> = (0..800)
            .map(|_| {
                let len = 1 + next(14);
                (0..len).map(|_| alphabet[next(alphabet.len())]).collect()
            })
            .collect();
        let index = NameIndex::new(candidates.iter().map(String::as_str));
        for _ in 0..1000 {
            let mut name: Vec<char> = candidates[next(candidates.len())].chars().collect();
            for _ in 0..1 + next(3) {
                let at = next(name.len() + 1);
                match next(3) {
                    0 => name.insert(at, alphabet[next(alphabet.len())]),
                    1 if at < name.len() => {
                        name.remove(at);
                    }
                    _ if at < name.len() => name[at] = alphabet[next(alphabet.len())],
                    _ => {}
                }
            }
            let name: String = name.into_iter().collect();
            let expected = every_candidate_scored(&name, candidates.iter().map(String::as_str));
            assert_eq!(index.nearest(&name), expected, "{name}");
            for counting_pays in [0, usize::MAX] {
                let found = index.nearest_counting_when(&name, counting_pays);
                assert_eq!(found, expected, "{name}, {counting_pays}");
            }
            assert_eq!(
                did_you_mean(&name, candidates.iter().map(String::as_str)),
                expected,
                "{name}"
            );
        }
    }

    /// Names that repeat a letter more often than the bit sets hold, beside names that do
    /// not: the lengths whose sets are not made are read from the lists, with the same
    /// answers.
    #[test]
    fn answers_as_every_candidate_compared_on_repeated_letters() {
        let mut candidates: Vec<String> = Vec::new();
        for len in 15..21 {
            for run in [len, len - 1, len - 3, len / 2] {
                for other in ["b", "ab", "-1"] {
                    let mut name = "a".repeat(run);
                    name.push_str(other);
                    candidates.push(name.chars().take(len).collect());
                    candidates.push(format!("{other}{}", "a".repeat(run)));
                }
            }
        }
        candidates.extend((0..200).map(|i| format!("node-{i}-aaaaaaaaaa")));
        let index = NameIndex::new(candidates.iter().map(String::as_str));
        let mut names: Vec<String> = candidates.iter().map(|c| format!("{c}x")).collect();
        names.extend(candidates.iter().map(|c| c[1..].to_string()));
        names.extend(["aaaaaaaaaaaaaaaaaaaab".into(), "node-7-aaaaaaaaa".into()]);
        for name in &names {
            let expected = every_candidate_scored(name, candidates.iter().map(String::as_str));
            for counting_pays in [0, super::COUNTING_PAYS, usize::MAX] {
                let found = index.nearest_counting_when(name, counting_pays);
                assert_eq!(found, expected, "{name}, {counting_pays}");
            }
        }
    }

    #[test]
    fn finds_a_renamed_host_among_guests() {
        let mut candidates: Vec<String> = (0..200).map(|h| format!("node{h}")).collect();
        for h in 0..200 {
            candidates.extend((0..50).map(|g| format!("g{h}-{g}")));
        }
        let index = NameIndex::new(candidates.iter().map(String::as_str));
        for name in ["pve0", "pve17", "nod17", "g12-3x", "g12", "x"] {
            assert_eq!(
                index.nearest(name),
                did_you_mean(name, candidates.iter().map(String::as_str)),
                "{name}"
            );
        }
        assert_eq!(index.nearest("nod17"), Some("node17"));
        assert_eq!(index.len(), 10_200);
        assert_eq!(index.names().nth(1), Some("node1"));
    }
}
