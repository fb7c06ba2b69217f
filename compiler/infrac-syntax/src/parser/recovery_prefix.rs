//! The recovering parser starts after the declarations the direct parser takes: what it
//! gives must be what recovering over the whole file gives, tree and diagnostics, for
//! every repository file broken in every way an editor breaks one while typing.

use super::differential::repository_labs;
use super::{direct, parse_with_recovery_from, Parsed};
use crate::lexer::lex;
use infrac_diagnostics::FileId;

/// `text` broken at `at`: an opened or closed brace or string, a stray word or `=`, a
/// byte or a line deleted.
fn broken(text: &str, at: usize) -> Vec<String> {
    let insert = |s: &str| format!("{}{s}{}", &text[..at], &text[at..]);
    let mut out = vec![
        insert("{"),
        insert("}"),
        insert("\""),
        insert(" = "),
        insert("\nvm broken 1 on {\n"),
    ];
    let mut end = at + 1;
    while end < text.len() && !text.is_char_boundary(end) {
        end += 1;
    }
    if end <= text.len() {
        out.push(format!("{}{}", &text[..at], &text[end..]));
    }
    let line_end = text[at..].find('\n').map_or(text.len(), |i| at + i + 1);
    out.push(format!("{}{}", &text[..at], &text[line_end..]));
    out
}

fn recovered(text: &str, prefix: bool) -> Parsed {
    let lexed = lex(text, FileId(2));
    let prefix = if prefix {
        direct::parse_prefix(&lexed.tokens)
    } else {
        (Vec::new(), 0)
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
            variants.extend(broken(&text, at));
        }
        for variant in variants {
            let lexed = lex(&variant, FileId(2));
            if lexed.diagnostics.is_empty() && direct::parse(&lexed.tokens).is_some() {
                continue;
            }
            let (prefix, _) = direct::parse_prefix(&lexed.tokens);
            skipped_prefix += prefix.len();
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
