//! "Did you mean" suggestions for misspelled names.

/// The candidate closest to `name`, if one is close enough to be a likely typo.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let mut best: Option<(f64, &str)> = None;
    for candidate in candidates {
        if candidate == name {
            continue;
        }
        let score = strsim::jaro_winkler(name, candidate);
        let close = score >= 0.8 || strsim::levenshtein(name, candidate) <= name.len().max(2) / 3;
        // Ties go to the alphabetically first name, so the suggestion never depends on
        // the order candidates arrive in.
        if close && best.is_none_or(|(s, b)| score > s || (score == s && candidate < b)) {
            best = Some((score, candidate));
        }
    }
    best.map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::did_you_mean;

    #[test]
    fn finds_typos_and_ignores_strangers() {
        let names = ["memory", "cores", "disk"];
        assert_eq!(did_you_mean("memroy", names), Some("memory"));
        assert_eq!(did_you_mean("core", names), Some("cores"));
        assert_eq!(did_you_mean("hostname", names), None);
    }
}
