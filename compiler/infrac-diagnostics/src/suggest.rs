//! Words for messages: "did you mean" suggestions for misspelled names, lists of codes,
//! plurals.

use crate::similarity;

/// The candidate closest to `name`, if one is close enough to be a likely typo. Among
/// many candidates asked many times, a [`NameIndex`](crate::NameIndex) answers the same.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let common = Common::new(name);
    let mut best = Best::default();
    for candidate in candidates {
        best.offer(name, &common, candidate);
    }
    best.name()
}

/// How far below the best score a bound must be for the candidate to be passed over: the
/// bound and the score round differently.
const SCORE_MARGIN: f64 = 1e-9;

/// The closest candidate offered so far.
#[derive(Default)]
pub(crate) struct Best<'a>(Option<(f64, &'a str)>);

impl<'a> Best<'a> {
    pub(crate) fn offer(&mut self, name: &str, common: &Common, candidate: &'a str) {
        if candidate == name {
            return;
        }
        if let Some(shared) = common.shared(candidate) {
            if !common.passes(shared, candidate.len()) {
                return;
            }
            // Among thousands of similar names (`g12-3x` among every `gH-G` guest) most
            // pass the bound; once a close one is found, those that cannot reach its
            // score are not compared.
            if self.beats(common.highest_score(shared, name, candidate)) {
                return;
            }
        }
        let Some(score) = close(name, candidate) else {
            return;
        };
        // Ties go to the alphabetically first name, so the suggestion never depends on
        // the order candidates arrive in.
        if self
            .0
            .is_none_or(|(s, b)| score > s || (score == s && candidate < b))
        {
            self.0 = Some((score, candidate));
        }
    }

    pub(crate) fn name(&self) -> Option<&'a str> {
        self.0.map(|(_, c)| c)
    }

    /// Whether no candidate whose score is at most `bound` can take the place of the best.
    pub(crate) fn beats(&self, bound: f64) -> bool {
        self.0.is_some_and(|(best, _)| bound + SCORE_MARGIN < best)
    }
}

/// `candidate`'s Jaro-Winkler similarity to `name` when it is close enough to be a typo
/// of it: a similarity of 0.8 or more, or at most a third of `name`'s length in edits.
fn close(name: &str, candidate: &str) -> Option<f64> {
    let score = similarity::jaro_winkler(name, candidate);
    (score >= 0.8 || similarity::levenshtein(name, candidate) <= name.len().max(2) / 3)
        .then_some(score)
}

/// A bound, from the letters two ASCII names have in common, that rules out most
/// candidates without computing either distance: a lab's every machine is a candidate
/// for a wrong host name, and most share few letters with it.
///
/// With `c` the letters in common (as a multiset), `la` and `lb` the lengths:
/// - a Jaro-Winkler similarity of 0.8 needs a Jaro similarity above 0.7 (strsim adds the
///   prefix bonus only above it), and Jaro is `(m/la + m/lb + (m - t)/m) / 3` with `m`,
///   the matching letters, at most `c`: so `c/la + c/lb > 1.1`, which implies
///   `c * (la + lb) >= la * lb`;
/// - `k` edits leave at least `max(la, lb) - k` letters in place, all in common:
///   `c + k >= max(la, lb)`.
///
/// A candidate that fails both cannot be close. Names with other than ASCII letters are
/// always compared in full.
pub(crate) struct Common {
    counts: Option<[u8; 128]>,
    len: usize,
    edits: usize,
}

impl Common {
    pub(crate) fn new(name: &str) -> Common {
        let counts = name.is_ascii().then(|| {
            let mut counts = [0u8; 128];
            for &b in name.as_bytes() {
                counts[usize::from(b)] = counts[usize::from(b)].saturating_add(1);
            }
            counts
        });
        Common {
            counts,
            len: name.len(),
            edits: name.len().max(2) / 3,
        }
    }

    /// The edits a candidate may be from the name and still count as close.
    pub(crate) fn edits(&self) -> usize {
        self.edits
    }

    #[cfg(test)]
    fn may_be_close(&self, candidate: &str) -> bool {
        self.shared(candidate)
            .is_none_or(|shared| self.passes(shared, candidate.len()))
    }

    /// The letters `candidate` has in common with the name, as multisets, when both are
    /// ASCII.
    fn shared(&self, candidate: &str) -> Option<usize> {
        let counts = self.counts.as_ref()?;
        if !candidate.is_ascii() {
            return None;
        }
        let mut left = *counts;
        let mut common = 0usize;
        for &b in candidate.as_bytes() {
            let slot = &mut left[usize::from(b)];
            if *slot > 0 {
                *slot -= 1;
                common += 1;
            }
        }
        Some(common)
    }

    /// Whether a candidate of length `lb` sharing `shared` letters may be close.
    fn passes(&self, shared: usize, lb: usize) -> bool {
        let la = self.len;
        shared * (la + lb) >= la * lb || shared + self.edits >= la.max(lb)
    }

    /// The highest Jaro-Winkler similarity `candidate` can have to `name` when they share
    /// `shared` letters: Jaro's matching letters are at most those shared and its
    /// transpositions at least none, and the prefix bonus is at most the common prefix
    /// of up to four letters. A name whose letter counts saturated is not bounded.
    fn highest_score(&self, shared: usize, name: &str, candidate: &str) -> f64 {
        let (la, lb) = (self.len, candidate.len());
        if la == 0 || lb == 0 || la > usize::from(u8::MAX) {
            return 1.0;
        }
        let prefix = name
            .bytes()
            .take(4)
            .zip(candidate.bytes())
            .take_while(|(a, b)| a == b)
            .count();
        score_bound(shared, la, lb, prefix)
    }
}

/// The highest Jaro-Winkler similarity two names of lengths `la` and `lb`, both at least
/// one, can have when they share `shared` letters and a prefix of `prefix` (at most 4).
pub(crate) fn score_bound(shared: usize, la: usize, lb: usize, prefix: usize) -> f64 {
    let m = shared as f64;
    let jaro = (m / la as f64 + m / lb as f64 + 1.0) / 3.0;
    if jaro > 0.7 {
        jaro + 0.1 * prefix as f64 * (1.0 - jaro)
    } else {
        jaro
    }
}

/// `names` as a help lists them: each in backticks, separated by commas (`` `a`, `b` ``).
pub fn code_list<T: std::fmt::Display>(names: impl IntoIterator<Item = T>) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    for (i, name) in names.into_iter().enumerate() {
        let sep = if i == 0 { "" } else { ", " };
        let _ = write!(out, "{sep}`{name}`");
    }
    out
}

/// `items` as a sentence lists them: "a", "a and b", "a, b and c".
pub fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// "s" unless `n` is one: `format!("{n} node{}", plural(n))`.
pub fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::{code_list, did_you_mean};

    /// Every name of up to four of `alphabet`'s letters, sorted, the empty name first.
    pub(crate) fn short_names(alphabet: &[&str]) -> Vec<String> {
        let mut names = vec![String::new()];
        for _ in 0..4 {
            let longer: Vec<String> = names
                .iter()
                .flat_map(|n| alphabet.iter().map(move |c| format!("{n}{c}")))
                .collect();
            names.extend(longer);
        }
        names.sort();
        names.dedup();
        names
    }

    /// The closest candidate found the plain way, every candidate scored: what the bounds
    /// and indexes must answer.
    pub(crate) fn every_candidate_scored<'a>(
        name: &str,
        candidates: impl IntoIterator<Item = &'a str>,
    ) -> Option<&'a str> {
        let mut best: Option<(f64, &str)> = None;
        for candidate in candidates {
            if candidate == name {
                continue;
            }
            let Some(score) = super::close(name, candidate) else {
                continue;
            };
            if best.is_none_or(|(s, b)| score > s || (score == s && candidate < b)) {
                best = Some((score, candidate));
            }
        }
        best.map(|(_, c)| c)
    }

    /// The bound never rules out a candidate that is close: every pair of short names
    /// over a small alphabet (so that they share letters), and the names of a lab.
    #[test]
    fn the_bound_never_rules_out_a_close_candidate() {
        let names = short_names(&["a", "b", "n", "-", "1"]);
        for a in &names {
            let common = super::Common::new(a);
            for b in &names {
                if super::close(a, b).is_some() {
                    assert!(common.may_be_close(b), "`{b}` is close to `{a}`");
                }
            }
        }
        for (a, b) in [
            ("memroy", "memory"),
            ("pve0", "pve1"),
            ("local-lvm", "local-lv"),
            ("k3s-worker-1", "k3s-worker-10"),
            ("cheeseburger", "cheese fries"),
        ] {
            assert!(super::close(a, b).is_some(), "{a} {b}");
            assert!(super::Common::new(a).may_be_close(b), "{a} {b}");
        }
    }

    #[test]
    fn lists_names_in_backticks() {
        assert_eq!(code_list(["a", "b-c"]), "`a`, `b-c`");
        assert_eq!(code_list(Vec::<String>::new()), "");
    }

    #[test]
    fn finds_typos_and_ignores_strangers() {
        let names = ["memory", "cores", "disk"];
        assert_eq!(did_you_mean("memroy", names), Some("memory"));
        assert_eq!(did_you_mean("core", names), Some("cores"));
        assert_eq!(did_you_mean("hostname", names), None);
    }
}
