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

#[cfg(test)]
mod tests {
    use super::{code_list, did_you_mean};

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
