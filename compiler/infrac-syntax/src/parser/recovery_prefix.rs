//! The recovering parser starts after the declarations the direct parser takes: what it
//! gives must be what recovering over the whole file gives, tree and diagnostics, for
//! every repository file edited in the ways an editor breaks one while typing.

use super::differential::{edits_at, repository_labs};
use super::{direct, parse_with_recovery_from, Parsed};
use crate::lexer::lex;
use infrac_diagnostics::FileId;

fn recovered(text: &str, prefix: bool) -> Parsed {
    let lexed = lex(text, FileId(2));
    let prefix = if prefix {
        direct::parse_prefix(&lexed.tokens)
    } else {
        direct::Prefix::default()
    };
    parse_with_recovery_from(text, FileId(2), lexed, prefix)
}

#[test]
fn recovery_after_the_prefix_is_recovery_over_the_whole_file() {
    let mut compared = 0;
    let mut skipped_prefix = 0;
    for path in repository_labs() {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let positions: Vec<usize> = (1..8)
            .map(|k| text.len() * k / 8)
            .filter(|&at| text.is_char_boundary(at))
            .collect();
        let mut variants = vec![text.clone()];
        for at in positions {
            variants.extend(edits_at(&text, at));
        }
        for variant in variants {
            let lexed = lex(&variant, FileId(2));
            if lexed.diagnostics.is_empty() && direct::parse(&lexed.tokens).is_some() {
                continue;
            }
            skipped_prefix += direct::parse_prefix(&lexed.tokens).items.len();
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
