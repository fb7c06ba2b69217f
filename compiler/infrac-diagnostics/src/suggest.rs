//! Words for messages: "did you mean" suggestions for misspelled names, lists of codes,
//! plurals.

/// The candidate closest to `name`, if one is close enough to be a likely typo.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let common = Common::new(name);
    let mut best: Option<(f64, &str)> = None;
    for candidate in candidates {
        if candidate == name || !common.may_be_close(candidate) {
            continue;
        }
        let Some(score) = close(name, candidate) else {
            continue;
        };
        // Ties go to the alphabetically first name, so the suggestion never depends on
        // the order candidates arrive in.
        if best.is_none_or(|(s, b)| score > s || (score == s && candidate < b)) {
            best = Some((score, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// `candidate`'s Jaro-Winkler similarity to `name` when it is close enough to be a typo
/// of it: a similarity of 0.8 or more, or at most a third of `name`'s length in edits.
fn close(name: &str, candidate: &str) -> Option<f64> {
    let score = strsim::jaro_winkler(name, candidate);
    (score >= 0.8 || strsim::levenshtein(name, candidate) <= name.len().max(2) / 3).then_some(score)
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
struct Common {
    counts: Option<[u8; 128]>,
    len: usize,
    edits: usize,
}

impl Common {
    fn new(name: &str) -> Common {
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

    fn may_be_close(&self, candidate: &str) -> bool {
        let Some(counts) = &self.counts else {
            return true;
        };
        if !candidate.is_ascii() {
            return true;
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
        let (la, lb) = (self.len, candidate.len());
        common * (la + lb) >= la * lb || common + self.edits >= la.max(lb)
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

/// "s" unless `n` is one: `format!("{n} node{}", plural(n))`.
pub fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

#[cfg(test)]
mod tests {
    use super::{code_list, did_you_mean};

    /// The bound never rules out a candidate that is close: every pair of short names
    /// over a small alphabet (so that they share letters), and the names of a lab.
    #[test]
    fn the_bound_never_rules_out_a_close_candidate() {
        let alphabet = ["a", "b", "n", "-", "1"];
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
