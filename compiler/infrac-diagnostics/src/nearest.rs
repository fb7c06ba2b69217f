//! "Did you mean" among many candidates, asked many times: the machines of a lab for each
//! wrong host name, say. [`did_you_mean`](crate::did_you_mean) reads every candidate, so a
//! lab whose hosts were all renamed paid hosts × machines for its reports. A
//! [`NameIndex`] reads only the candidates that can share enough letters with the name,
//! and answers exactly as `did_you_mean` does over the same candidates.

use crate::suggest::{score_bound, Best, Common};

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
}

/// Candidates of one length that share as many letters with a name, and the highest score
/// any of them can have.
struct Tier {
    bound: f64,
    names: Vec<u32>,
}

/// How many list entries counting the letters every candidate shares may read for each
/// entry of the rarest letters' lists, and still cost less than comparing each candidate
/// these name: counting an entry is an addition, comparing a candidate a pass over its
/// letters and often a distance.
const COUNTING_PAYS: usize = 6;

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
        let mut shared: Vec<u8> = Vec::new();
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
            let all_entries: usize = bytes.iter().map(|&(entries, _)| entries).sum();
            // When the rarest letters are common too (`pve1234` among `g12-34` guests),
            // the letters each candidate shares with the name are counted from every
            // list, and only those sharing enough are compared. Counts stay below 256
            // when the name does.
            if name.len() <= usize::from(u8::MAX)
                && all_entries <= counting_pays.saturating_mul(rarest_entries)
            {
                let least = name.len() + 1 - need;
                shared.clear();
                shared.resize(length.all.len(), 0);
                for &(_, b) in &bytes {
                    let in_name = counts[usize::from(b)] as u8;
                    for &(place, times) in &length.holding[usize::from(b)] {
                        shared[place as usize] += times.min(in_name);
                    }
                }
                // The candidates are compared by how many letters they share, most first,
                // each tier bounded by the best score such a candidate can have.
                let (la, lb) = (name.len(), length.len);
                let first = tiers.len();
                tiers.extend((least..=la.min(lb)).map(|n| Tier {
                    bound: score_bound(n, la, lb, la.min(lb).min(4)),
                    names: Vec::new(),
                }));
                for (place, &n) in shared.iter().enumerate() {
                    if usize::from(n) >= least {
                        tiers[first + usize::from(n) - least]
                            .names
                            .push(length.all[place]);
                    }
                }
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
            for &i in &tier.names {
                best.offer(name, &common, self.name(i));
            }
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
