//! The two distances a suggestion is chosen by, for the short ASCII names nearly every lab
//! uses, without allocating: strsim's versions allocate their tables on each call, and a
//! report among thousands of similar names (`g12-3` among every `gH-G` guest) compares
//! with most of them. The Jaro-Winkler similarity follows strsim 0.11's algorithm step
//! for step, so that every score is the same to the bit and so is every suggestion (the
//! tests compare the two); other names go to strsim.

/// Longest name compared here; longer ones go to strsim.
const MAX: usize = 64;

/// `strsim::jaro_winkler(a, b)`.
pub(crate) fn jaro_winkler(a: &str, b: &str) -> f64 {
    if !(a.is_ascii() && b.is_ascii()) || a.len() > MAX || b.len() > MAX {
        return strsim::jaro_winkler(a, b);
    }
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let sim = jaro(a, b);
    if sim > 0.7 {
        let prefix = a.iter().take(4).zip(b).take_while(|(x, y)| x == y).count();
        sim + 0.1 * prefix as f64 * (1.0 - sim)
    } else {
        sim
    }
}

/// strsim's `generic_jaro` over bytes: each byte of `a` takes the first unmatched equal
/// byte of `b` within the window.
fn jaro(a: &[u8], b: &[u8]) -> f64 {
    let (la, lb) = (a.len(), b.len());
    if la == 0 && lb == 0 {
        return 1.0;
    } else if la == 0 || lb == 0 {
        return 0.0;
    }
    let window = (la.max(lb) / 2).saturating_sub(1);
    let mut a_matched = [false; MAX];
    let mut b_matched = [false; MAX];
    let mut matches = 0usize;
    for (i, &x) in a.iter().enumerate() {
        for j in i.saturating_sub(window)..lb.min(i + window + 1) {
            if x == b[j] && !b_matched[j] {
                a_matched[i] = true;
                b_matched[j] = true;
                matches += 1;
                break;
            }
        }
    }
    if matches == 0 {
        return 0.0;
    }
    let mut transpositions = 0usize;
    let mut j = 0;
    for (i, &x) in a.iter().enumerate() {
        if a_matched[i] {
            while !b_matched[j] {
                j += 1;
            }
            if x != b[j] {
                transpositions += 1;
            }
            j += 1;
        }
    }
    transpositions /= 2;
    ((matches as f64 / la as f64)
        + (matches as f64 / lb as f64)
        + ((matches - transpositions) as f64 / matches as f64))
        / 3.0
}

/// The Levenshtein distance of `a` and `b`, in characters.
pub(crate) fn levenshtein(a: &str, b: &str) -> usize {
    if !(a.is_ascii() && b.is_ascii()) || b.len() > MAX {
        return strsim::levenshtein(a, b);
    }
    let b = b.as_bytes();
    // One row of the table: `row[j]` is the distance of the prefix of `a` read so far to
    // `b[..j + 1]`.
    let mut row = [0usize; MAX];
    for (j, cell) in row.iter_mut().enumerate().take(b.len()) {
        *cell = j + 1;
    }
    let mut result = b.len();
    for (i, &x) in a.as_bytes().iter().enumerate() {
        result = i + 1;
        let mut diagonal = i;
        for (j, &y) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(x != y);
            diagonal = row[j];
            result = substitution.min(result + 1).min(diagonal + 1);
            row[j] = result;
        }
    }
    result
}

#[cfg(test)]
mod tests {
    /// Every pair of names up to four letters over a small alphabet, and pairs of longer
    /// names: the same scores as strsim, to the bit.
    #[test]
    fn scores_as_strsim_does() {
        let names = crate::suggest::tests::short_names(&["a", "b", "n", "-", "1"]);
        let mut pairs: Vec<(String, String)> = Vec::new();
        for a in &names {
            for b in names.iter().step_by(7) {
                pairs.push((a.clone(), b.clone()));
            }
        }
        for (a, b) in [
            ("cheeseburger", "cheese fries"),
            ("k3s-worker-1", "k3s-worker-10"),
            ("local-lvm", "lvm-local"),
            (
                "abcdefghijklmnopqrstuvwxyz0123456789",
                "zyxwvutsrqponmlkjihgfedcba9876543210",
            ),
            ("é", "e"),
        ] {
            pairs.push((a.into(), b.into()));
        }
        let long = "ab-".repeat(30);
        pairs.push((long.clone(), long[1..].to_string()));
        for (a, b) in &pairs {
            assert_eq!(
                super::jaro_winkler(a, b).to_bits(),
                strsim::jaro_winkler(a, b).to_bits(),
                "{a:?} {b:?}"
            );
            assert_eq!(
                super::levenshtein(a, b),
                strsim::levenshtein(a, b),
                "{a:?} {b:?}"
            );
        }
    }
}
