//! The direct parser held to the combinator parser, for the differential tests and the
//! `parse` fuzz target.

use super::{direct, parse_with_recovery};
use crate::ast::{Entry, File, Item};
use crate::lexer::lexemes;
use infrac_diagnostics::{Code, FileId};

/// Parses `src` with both parsers and panics where they disagree: where the direct parser
/// builds a tree, the combinator parser must build the same one without a diagnostic, and
/// where the combinator parser finds nothing wrong, the direct parser must not give up.
/// The direct parser fed one top-level line at a time, as `parse` runs it, must build the
/// tree it builds from the whole file's tokens, or give up where that gives up. For the
/// differential tests and the fuzz target.
#[doc(hidden)]
pub fn assert_parsers_agree(src: &str) {
    let file = FileId(0);
    let lexed = lexemes(src, file);
    let direct = if lexed.diagnostics.is_empty() {
        direct::parse(src, &lexed.tokens)
    } else {
        None
    };
    match (&direct, direct::parse_lines(src, file, 0)) {
        (Some(tree), Ok((by_line, docs))) => assert!(
            *tree == by_line && docs == lexed.docs,
            "a line at a time, the direct parser built another tree"
        ),
        (None, Err((stopped, _))) => {
            let tail = stopped.lex_from(0);
            let offset = lexed
                .tokens
                .partition_point(|(_, span)| (span.start as usize) < tail);
            let by_line = match stopped.prefix(src, &lexed.tokens[offset..]) {
                Some(mut prefix) => {
                    prefix.resume += offset;
                    prefix
                }
                None => direct::Prefix::default(),
            };
            let whole = direct::parse_prefix(src, &lexed.tokens);
            assert!(
                by_line.items == whole.items && by_line.resume == whole.resume,
                "a line at a time, the direct parser stopped elsewhere: resuming at token {} \
                 after {} items, not at {} after {}",
                by_line.resume,
                by_line.items.len(),
                whole.resume,
                whole.items.len(),
            );
        }
        (whole, by_line) => {
            let verb = |parsed: bool| if parsed { "parsed" } else { "gave up on" };
            panic!(
                "the direct parser {} the whole file but {} it a line at a time",
                verb(whole.is_some()),
                verb(by_line.is_ok()),
            )
        }
    }
    let full = parse_with_recovery(src, file, lexed);
    // `parse`, which lexes again only from the last item the direct parser took, must
    // give what lexing and parsing the whole file gives.
    let parsed = super::parse(src, file);
    assert!(
        parsed.file == full.file && parsed.diagnostics == full.diagnostics,
        "parsing after the items the direct parser took differs from parsing the whole file"
    );
    // Detached doc comments are warnings both paths add after parsing.
    let clean = full
        .diagnostics
        .iter()
        .all(|d| d.code == Code::DOC_COMMENT_DETACHED);
    match direct {
        Some(tree) => {
            assert!(
                clean,
                "the direct parser accepted what the grammar reports: {:#?}",
                full.diagnostics
            );
            let mut expected = full.file;
            strip_docs(&mut expected);
            assert!(tree == expected, "the two parsers built different trees");
        }
        None => assert!(!clean, "the direct parser gave up on a clean file"),
    }
}

/// The tree without doc comments, as the direct parser builds it (`parse` attaches them
/// to either tree afterwards).
fn strip_docs(file: &mut File) {
    fn entries(list: &mut [Entry]) {
        for entry in list {
            match entry {
                Entry::Block(decl) => {
                    decl.doc = None;
                    entries(&mut decl.body.entries);
                }
                Entry::For(f) => entries(&mut f.body),
                _ => {}
            }
        }
    }
    for item in &mut file.items {
        match item {
            Item::Decl(decl) => {
                let decl = std::sync::Arc::make_mut(decl);
                decl.doc = None;
                entries(&mut decl.body.entries);
            }
            Item::For(f) => entries(&mut f.body),
            _ => {}
        }
    }
}
