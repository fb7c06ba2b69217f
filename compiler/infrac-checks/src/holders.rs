//! Reports about one thing held by several parties (an address, a VMID). A loop that
//! forgot its variable gives one value to hundreds of machines: such a report names and
//! points at a few of them and counts the rest, instead of running to thousands of lines.

use infrac_diagnostics::{Diagnostic, Span};

/// The most holders a report names and labels: the first four and the last, which has
/// the primary label.
const SHOWN: usize = 5;

/// The holders' names for a message, in order: every one when there are at most
/// [`SHOWN`], else those the report labels and how many more there are.
pub(crate) fn listed(names: &[String]) -> String {
    match names.split_last() {
        Some((last, earlier)) if names.len() > SHOWN => format!(
            "{}, {last} and {} more",
            earlier[..SHOWN - 1].join(", "),
            names.len() - SHOWN
        ),
        _ => names.join(", "),
    }
}

/// [`listed`] as the subject of a sentence: "a, b and c" when every one is named.
pub(crate) fn listed_as_subject(names: &[String]) -> String {
    match names.split_last() {
        Some((last, earlier)) if !earlier.is_empty() && names.len() <= SHOWN => {
            format!("{} and {last}", earlier.join(", "))
        }
        _ => listed(names),
    }
}

/// Who a help asks to change what `count` parties hold: one of two, or all but one.
pub(crate) fn who(count: usize) -> &'static str {
    if count == 2 {
        "either one"
    } else {
        "all but one of them"
    }
}

/// `d` (whose primary label is on the last holder) with a label on each earlier holder,
/// up to [`SHOWN`] labels in all, and a note counting those left without one.
pub(crate) fn labelled(mut d: Diagnostic, earlier: &[(Span, String)]) -> Diagnostic {
    let shown = earlier.len().min(SHOWN - 1);
    for (span, label) in &earlier[..shown] {
        d = d.with_label(*span, label.clone());
    }
    match earlier.len() - shown {
        0 => d,
        1 => d.with_note("1 more holder has it too"),
        more => d.with_note(format!("{more} more holders have it too")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(n: usize) -> Vec<String> {
        (1..=n).map(|i| format!("vm g{i}")).collect()
    }

    #[test]
    fn a_subject_joins_the_last_name_with_and() {
        assert_eq!(listed_as_subject(&names(1)), "vm g1");
        assert_eq!(listed_as_subject(&names(2)), "vm g1 and vm g2");
        assert_eq!(
            listed_as_subject(&names(5)),
            "vm g1, vm g2, vm g3, vm g4 and vm g5"
        );
        assert_eq!(listed_as_subject(&names(8)), listed(&names(8)));
    }

    #[test]
    fn up_to_five_are_all_named_more_are_counted() {
        assert_eq!(listed(&names(3)), "vm g1, vm g2, vm g3");
        assert_eq!(listed(&names(5)), "vm g1, vm g2, vm g3, vm g4, vm g5");
        assert_eq!(
            listed(&names(8)),
            "vm g1, vm g2, vm g3, vm g4, vm g8 and 3 more"
        );
    }

    #[test]
    fn up_to_four_earlier_holders_are_labelled_the_rest_counted() {
        let earlier = |n: usize| -> Vec<(Span, String)> {
            names(n).into_iter().map(|n| (Span::default(), n)).collect()
        };
        let d = |n: usize| {
            labelled(
                Diagnostic::error(
                    infrac_diagnostics::Code::DUPLICATE_VMID,
                    "m",
                    Span::default(),
                    "l",
                ),
                &earlier(n),
            )
        };
        assert_eq!((d(4).labels.len(), d(4).notes.len()), (4, 0));
        assert_eq!(
            (d(5).labels.len(), d(5).notes),
            (4, vec!["1 more holder has it too".to_string()])
        );
        assert_eq!(d(7).notes, vec!["3 more holders have it too".to_string()]);
    }
}
