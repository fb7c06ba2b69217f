//! "Did you mean" among many candidates, asked many times: the machines of a lab for each
//! wrong host name, say. [`did_you_mean`](crate::did_you_mean) reads every candidate, so a
//! lab whose hosts were all renamed paid hosts × machines for its reports. A
//! [`NameIndex`] reads only the candidates that can share enough letters with the name,
//! and answers exactly as `did_you_mean` does over the same candidates.

use crate::suggest::{Best, Common};

/// Candidate names indexed by length and by the ASCII bytes they hold.
pub struct NameIndex {
    text: String,
    /// Where each candidate ends in `text`; it starts where the one before it ends.
    ends: Vec<u32>,
    /// Candidates with other than ASCII bytes, which the letter bound does not cover.
    others: Vec<u32>,
    /// The ASCII candidates of each length, shortest first.
    lengths: Vec<Length>,
}

struct Length {
    len: usize,
    all: Vec<u32>,
    /// For each ASCII byte, the candidates of this length that hold it at least once.
    holding: Vec<Vec<u32>>,
}

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
            index.ends.push(index.text.len() as u32);
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
            length.all.push(i);
            for &b in candidate.as_bytes() {
                let holding = &mut length.holding[usize::from(b)];
                if holding.last() != Some(&i) {
                    holding.push(i);
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
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.text[start..self.ends[i] as usize]
    }

    /// The candidate closest to `name`, if one is close enough to be a likely typo: the
    /// same answer as `did_you_mean(name, candidates)`.
    pub fn nearest(&self, name: &str) -> Option<&str> {
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
        let mut mark = |list: &[u32]| {
            for &i in list {
                read[i as usize / 64] |= 1 << (i % 64);
            }
        };
        mark(&self.others);
        let mut counts = [0usize; 128];
        for &b in name.as_bytes() {
            counts[usize::from(b)] += 1;
        }
        let mut bytes: Vec<(usize, u8)> = Vec::new();
        for length in &self.lengths {
            let Some(need) = letters_to_cover(name.len(), length.len, common.edits()) else {
                continue;
            };
            if need == 0 {
                mark(&length.all);
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
            let mut covered = 0;
            for &(_, b) in &bytes {
                if covered >= need {
                    break;
                }
                covered += counts[usize::from(b)];
                mark(&length.holding[usize::from(b)]);
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
