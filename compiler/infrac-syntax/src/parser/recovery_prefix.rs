//! The recovering parser starts after the declarations the direct parser takes: what it
//! gives must be what recovering over the whole file (with the same blocks closed) gives,
//! tree and diagnostics, for every repository file edited in the ways an editor breaks one
//! while typing.

use super::differential::{edits_at, places, repository_labs};
use super::{direct, recover, Kept, Parsed};
use crate::lexer::lexemes;
use infrac_diagnostics::FileId;

/// The recovering parser's result for `text`, starting after the direct parser's prefix,
/// or at the start of the file; either way blocks are closed after the prefix only.
fn recovered(text: &str, after_prefix: bool) -> Parsed {
    let lexed = lexemes(text, FileId(2));
    let prefix = direct::parse_prefix(text, &lexed.tokens);
    let close_from = prefix.resume;
    let prefix = if after_prefix {
        prefix
    } else {
        direct::Prefix::default()
    };
    recover(text, FileId(2), lexed, Kept::default(), prefix, close_from)
}

#[test]
fn recovery_after_the_prefix_is_recovery_over_the_whole_file() {
    let mut compared = 0;
    let mut skipped_prefix = 0;
    for path in repository_labs() {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let positions = places(&text, 8);
        let mut variants = vec![text.clone()];
        for at in positions {
            variants.extend(edits_at(&text, at));
        }
        for variant in variants {
            let lexed = lexemes(&variant, FileId(2));
            if lexed.diagnostics.is_empty() && direct::parse(&variant, &lexed.tokens).is_some() {
                continue;
            }
            skipped_prefix += direct::parse_prefix(&variant, &lexed.tokens).items.len();
            let quick = recovered(&variant, true);
            let whole = recovered(&variant, false);
            compared += 1;
            assert_eq!(
                quick.file,
                whole.file,
                "{}: the trees differ for:\n{variant}",
                path.display()
            );
            assert_eq!(
                quick.diagnostics,
                whole.diagnostics,
                "{}: the diagnostics differ for:\n{variant}",
                path.display()
            );
        }
    }
    assert!(compared > 1_000, "only {compared} broken texts compared");
    assert!(
        skipped_prefix > 10_000,
        "the prefix spared only {skipped_prefix} declarations"
    );
}
