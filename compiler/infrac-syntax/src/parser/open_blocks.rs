//! A declaration whose `{` was forgotten:
//!
//! ```text
//! vm web 100 on pve1
//!   cores = 2
//! }
//! ```
//!
//! Read as written, the head is missing its block, every indented line is an attribute
//! at the top level and the `}` closes nothing: one report per line, for one missing
//! character, and the declaration is lost to everything after the parser (a reference
//! to `web` is then unknown too). The `}` that closed nothing says what happened, and
//! the layout says where: the body is the run of indented lines above it, and the head is
//! the line in column 0 that starts that run. The `{` goes at the end of the head, the
//! `}` is kept, and one report says so.

use crate::token::Token;
use chumsky::span::SimpleSpan;
use infrac_diagnostics::{Code, Diagnostic, FileId, Span};

/// Opens the block of each declaration whose `{` is missing before a `}` that closed
/// nothing (offsets in `stray`, reported by the lexer): inserts the `{` at the end of the
/// head and the `}` where it was written, and replaces the lexer's report of that `}` by
/// one of the missing `{`. A stray `}` that is not such a body's end keeps its report.
pub(super) fn open_missing_blocks(
    tokens: &mut Vec<(Token, SimpleSpan)>,
    src: &str,
    file: FileId,
    stray: &[usize],
    diagnostics: &mut Vec<Diagnostic>,
) {
    // Last first, so the insertions for a later `}` leave the indices of an earlier one.
    for &close in stray.iter().rev() {
        let Some(found) = body_before(tokens, src, close) else {
            continue;
        };
        let head_end = tokens[found.head_last].1.end;
        // The lexer ends a line once: the break after a `}` it left out was dropped as a
        // second break after the body's last line. The block needs its own.
        let next_line = tokens.get(found.close_at).is_some_and(|(token, span)| {
            *token != Token::Newline
                && src
                    .get(close + 1..span.start)
                    .is_some_and(|between| between.contains(['\n', '\r']))
        });
        if next_line {
            let after = SimpleSpan::from(close + 1..close + 1);
            tokens.insert(found.close_at, (Token::Newline, after));
        }
        tokens.insert(
            found.close_at,
            (Token::RBrace, SimpleSpan::from(close..close + 1)),
        );
        tokens.insert(
            found.head_last + 1,
            (Token::LBrace, SimpleSpan::from(head_end..head_end)),
        );
        diagnostics.retain(|d| {
            !(d.code == Code::SYNTAX_UNEXPECTED && d.primary.span.start as usize == close)
        });
        let head_start = tokens[found.head_first].1.start;
        diagnostics.push(report(src, file, head_start..head_end, close));
    }
}

/// Where a forgotten `{` belongs: the tokens of the head line, and where the `}` goes.
struct Body {
    head_first: usize,
    head_last: usize,
    close_at: usize,
}

/// The declaration head whose body ends at the `}` at byte `close`: the nearest line in
/// column 0 above it, with only indented lines between them, whose brackets balance.
fn body_before(tokens: &[(Token, SimpleSpan)], src: &str, close: usize) -> Option<Body> {
    let close_at = tokens.partition_point(|(_, span)| span.start < close);
    // The lines above the `}`, last first: each is the run of tokens after a line break.
    let mut end = close_at;
    let mut depth = 0i64;
    loop {
        // `end` is one past the line's line break (or the `}` itself on the first pass).
        let last = end.checked_sub(1)?;
        let line_end = if tokens[last].0 == Token::Newline {
            last
        } else {
            end
        };
        let first = tokens[..line_end]
            .iter()
            .rposition(|(t, _)| *t == Token::Newline)
            .map_or(0, |p| p + 1);
        if first == line_end {
            return None;
        }
        let line = &tokens[first..line_end];
        if in_column_zero(src, line[0].1.start) {
            return (depth == 0 && is_head(line)).then_some(Body {
                head_first: first,
                head_last: line_end - 1,
                close_at,
            });
        }
        // A nested block of the body may span lines: read from the bottom up, no line
        // may open more than the lines below it close.
        for (token, _) in line {
            match token {
                Token::LBrace => depth -= 1,
                Token::RBrace => depth += 1,
                _ => {}
            }
        }
        if depth < 0 {
            return None;
        }
        end = first;
    }
}

/// Whether the byte at `offset` starts its line.
fn in_column_zero(src: &str, offset: usize) -> bool {
    offset == 0 || matches!(src.as_bytes().get(offset - 1), Some(b'\n' | b'\r'))
}

/// Whether a line reads as a declaration's head without its `{`: a kind alone, a kind
/// and a name (`vm web 100 on pve1`, `host "edge-1"`) or a `for` loop's head, with no `=`
/// (an attribute) and no bracket of a block.
fn is_head(line: &[(Token, SimpleSpan)]) -> bool {
    let starts = matches!(
        line,
        [(Token::For, _), ..]
            | [(Token::Ident(_), _)]
            | [
                (Token::Ident(_), _),
                (Token::Ident(_) | Token::StrStart | Token::On, _),
                ..
            ]
    );
    starts
        && !line
            .iter()
            .any(|(t, _)| matches!(t, Token::Eq | Token::LBrace | Token::RBrace))
}

fn report(src: &str, file: FileId, head: std::ops::Range<usize>, close: usize) -> Diagnostic {
    let text = src.get(head.clone()).unwrap_or_default();
    let help = if text.len() <= 60 && !text.contains(['\n', '\r']) {
        format!("open the body at the end of the head: `{text} {{`")
    } else {
        "open the body with `{` at the end of the head".to_owned()
    };
    Diagnostic::error(
        Code::SYNTAX_UNEXPECTED,
        "missing `{` after the declaration's head",
        Span::new(file, head.start, head.end),
        "the indented lines below are its body, but it has no `{`",
    )
    .with_label(
        Span::new(file, close, close + 1),
        "this `}` closes the body",
    )
    .with_help(help)
}
