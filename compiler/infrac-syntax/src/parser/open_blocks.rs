//! A block whose `{` was forgotten:
//!
//! ```text
//! vm web 100 on pve1          site home {
//!   cores = 2                   naming
//! }                               vm = "{name}"
//!                               }
//!                             }
//! ```
//!
//! Read as written, the head is missing its block and every line of the body is out of
//! place, and some `}` later closes nothing: one report per line for one missing
//! character, and what the block declared is lost to everything after the parser. The
//! `}` that closed nothing says that a `{` is missing; the layout says where. The body is
//! the run of lines indented deeper than its head, and the `}` after it, at the head's
//! own indentation, closes it: the `{` goes at the end of the head, the `}` that closed
//! nothing is kept (it closes the block the body's `}` used to), and one report says so.

use super::{early_close, item_span};
use crate::ast::Item;
use crate::lexer::lex_from;
use crate::token::{Lexeme, Token};
use chumsky::span::SimpleSpan;
use infrac_diagnostics::{Code, Diagnostic, FileId, Span};

/// The `}`s that closed nothing looked at, first first; past that many, the file is no
/// layout a block could be read from.
const MAX_STRAY: usize = 64;
/// How many lines above a `}` that closed nothing the head is looked for.
const MAX_BODY_LINES: usize = 400;

/// What the direct parser leaves to the recovering one: the tokens lexed from the last
/// declaration it took whole, the token it stopped at, and the declarations it took.
pub(super) struct Taken<'a> {
    pub src: &'a str,
    pub file: FileId,
    /// The earliest byte lexing may start from again (the end of the items kept from a
    /// previous tree).
    pub from: usize,
    pub tokens: Vec<(Lexeme, Span)>,
    pub resume: usize,
    pub items: &'a mut Vec<Item>,
}

/// The tokens the recovering parser reads, and the first of them an unclosed block may
/// be closed before.
pub(super) struct Tail {
    pub tokens: Vec<(Token, SimpleSpan)>,
    pub close_from: usize,
}

/// The recovering parser's tokens: those after the declarations the direct parser took,
/// with the blocks whose `{` is missing opened ([`open_missing_blocks`]). Such a block
/// can take its `}` from the block around it, which then ends early and leaves the rest
/// of its lines to read as declarations of their own, so the direct parser may have
/// taken some of them whole (`hardware = dell.r730` above the chassis's lines, then
/// `reserve { … }`, `nic eno1 { … }`): the lines above a `}` that closed nothing are
/// lexed again, and every declaration the `{` goes into or before is parsed again.
/// `close_from` is the index, in `taken.tokens`, of the first token unclosed blocks may
/// be closed before. `None` when those lines reach back into items kept from a previous
/// tree (before `taken.from`), which only a parse of the whole text reads again.
pub(super) fn tail(
    taken: Taken<'_>,
    stray: &[usize],
    diagnostics: &mut Vec<Diagnostic>,
    close_from: usize,
) -> Option<Tail> {
    let Taken {
        src,
        file,
        from,
        tokens: mut all,
        resume,
        items,
    } = taken;
    let resume = resume.min(all.len());
    // Counted from the first token after the declarations taken, whichever lexing gives it.
    let close_at = close_from.saturating_sub(resume);
    let convert = |(token, span): (Lexeme, Span)| {
        let simple = SimpleSpan::from(span.start as usize..span.end as usize);
        (token.to_token(src, span), simple)
    };
    let tail_start = all.get(resume).map_or(src.len(), |(_, s)| s.start as usize);
    let Some(first_stray) = stray.iter().copied().find(|&offset| offset >= tail_start) else {
        return Some(Tail {
            tokens: all.split_off(resume).into_iter().map(convert).collect(),
            close_from: close_at,
        });
    };
    // Lexed again from the first declaration taken that reaches into the lines a body
    // ending at the first such `}` could span.
    let window = lines_above(src, first_stray, MAX_BODY_LINES);
    // Items kept from a previous tree are not read again: whether a repair would reach
    // into them, only the whole text can tell, as a parse of it from the start does.
    if window < from {
        return None;
    }
    let reach = items.partition_point(|item| (item_span(item).end as usize) <= window);
    let all_start = all.first().map_or(tail_start, |(_, s)| s.start as usize);
    let restart = items
        .get(reach)
        .map_or(tail_start, |item| item_span(item).start as usize)
        .min(tail_start);
    let (mut all, resume) = if restart < all_start {
        let again = lex_from(src, file, restart).tokens;
        let resume = again.partition_point(|(_, s)| (s.start as usize) < tail_start);
        (again, resume)
    } else {
        (all, resume)
    };
    let first = all.partition_point(|(_, s)| (s.start as usize) < restart);
    let mut tokens: Vec<(Token, SimpleSpan)> =
        all.split_off(first).into_iter().map(convert).collect();
    let mut repaired = Vec::new();
    let opened = open_missing_blocks(&mut tokens, src, file, stray, &mut repaired, diagnostics);
    let left: Vec<usize> = stray
        .iter()
        .copied()
        .filter(|offset| !repaired.contains(offset))
        .collect();
    let closed = early_close::drop_early_closes(&mut tokens, src, file, &left, diagnostics);
    let changed = match (opened, closed) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    match changed {
        Some(changed) => {
            let keep = items.partition_point(|item| (item_span(item).end as usize) <= changed);
            let parse_from = items.get(keep).map(|item| item_span(item).start as usize);
            items.truncate(keep);
            let skip = match parse_from {
                Some(offset) => tokens.partition_point(|(_, s)| s.start < offset),
                None => resume - first,
            };
            tokens.drain(..skip);
            Some(Tail {
                tokens,
                close_from: 0,
            })
        }
        None => {
            tokens.drain(..resume - first);
            Some(Tail {
                tokens,
                close_from: close_at,
            })
        }
    }
}

/// The offset of the start of the line `lines` lines above the one `offset` is on (or of
/// the text).
fn lines_above(src: &str, offset: usize, lines: usize) -> usize {
    let before = src.as_bytes().get(..offset).unwrap_or_default();
    before
        .iter()
        .rposition({
            let mut left = lines + 1;
            move |&b| {
                if b == b'\n' {
                    left -= 1;
                }
                left == 0
            }
        })
        .map_or(0, |p| p + 1)
}

/// Opens each block whose `{` is missing before a `}` that closed nothing (offsets in
/// `stray`, reported by the lexer and left out of `tokens`): inserts the `{` at the end
/// of the head and that `}` where it was written, and replaces the lexer's report of the
/// `}` by one of the missing `{`. A `}` that closes nothing for another reason keeps its
/// report. Returns where the first `{` went, if one did.
pub(super) fn open_missing_blocks(
    tokens: &mut Vec<(Token, SimpleSpan)>,
    src: &str,
    file: FileId,
    stray: &[usize],
    repaired: &mut Vec<usize>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<usize> {
    let stray = strays_in(tokens, stray)?;
    let lines = lines(tokens, src, &stray);
    let mut used = vec![false; lines.len()];
    let mut inserts: Vec<(usize, Token, SimpleSpan)> = Vec::new();
    // The `}`s that closed a block opened here, whose reports give way to `reports`.
    let mut opened_by: Vec<usize> = Vec::new();
    let mut reports: Vec<Diagnostic> = Vec::new();
    for (at, line) in lines.iter().enumerate() {
        let Kind::Stray(close) = line.kind else {
            continue;
        };
        let Some((head, closer)) = head_of(&lines, tokens, at, &used) else {
            continue;
        };
        used[head] = true;
        let head = &lines[head];
        let head_span = tokens[head.first].1.start..tokens[head.end - 1].1.end;
        inserts.push((
            head.end,
            Token::LBrace,
            SimpleSpan::from(head_span.end..head_span.end),
        ));
        restore_stray(tokens, src, close, &mut inserts);
        opened_by.push(close);
        repaired.push(close);
        let closer = match lines[closer].kind {
            Kind::Stray(offset) => offset,
            Kind::Tokens => tokens[lines[closer].first].1.start,
        };
        reports.push(report(src, file, head_span, closer));
    }
    replace_reports(diagnostics, &opened_by, reports);
    let opened = inserts
        .iter()
        .filter(|(_, token, _)| *token == Token::LBrace)
        .map(|(_, _, span)| span.start)
        .min()?;
    apply(tokens, inserts, &[]);
    Some(opened)
}

/// The `}`s that closed nothing among `tokens` (those before them belong to declarations
/// taken whole), the first [`MAX_STRAY`] of them; none when there are none.
pub(super) fn strays_in(tokens: &[(Token, SimpleSpan)], stray: &[usize]) -> Option<Vec<usize>> {
    let first = tokens.first().map(|(_, span)| span.start)?;
    let stray: Vec<usize> = stray
        .iter()
        .copied()
        .filter(|&offset| offset >= first)
        .take(MAX_STRAY)
        .collect();
    (!stray.is_empty()).then_some(stray)
}

/// Replaces the lexer's reports of the `}`s at `fixed` by `reports`. Once, not per `}`:
/// a file of many has as many reports to shift.
pub(super) fn replace_reports(
    diagnostics: &mut Vec<Diagnostic>,
    fixed: &[usize],
    mut reports: Vec<Diagnostic>,
) {
    if fixed.is_empty() {
        return;
    }
    diagnostics.retain(|d| {
        !(d.code == Code::SYNTAX_UNEXPECTED && fixed.contains(&(d.primary.span.start as usize)))
    });
    diagnostics.append(&mut reports);
}

/// The insertions that put back the `}` at `close`, which the lexer left out of
/// `tokens` for closing nothing.
pub(super) fn restore_stray(
    tokens: &[(Token, SimpleSpan)],
    src: &str,
    close: usize,
    inserts: &mut Vec<(usize, Token, SimpleSpan)>,
) {
    let at = tokens.partition_point(|(_, span)| span.start < close);
    inserts.push((at, Token::RBrace, SimpleSpan::from(close..close + 1)));
    // The lexer ends a line once: the break after a `}` it left out was dropped as a
    // second one after the line before. The block's `}` needs its own.
    let own_line = tokens.get(at).is_some_and(|(token, span)| {
        *token != Token::Newline
            && src
                .get(close + 1..span.start)
                .is_some_and(|between| between.contains(['\n', '\r']))
    });
    if own_line {
        inserts.push((at, Token::Newline, SimpleSpan::from(close + 1..close + 1)));
    }
}

/// Applies `inserts` and removes the tokens at `remove` (positions in `tokens` before
/// the change) in one pass. Stable: a `}` and the line break after it, inserted at one
/// place, keep their order.
pub(super) fn apply(
    tokens: &mut Vec<(Token, SimpleSpan)>,
    mut inserts: Vec<(usize, Token, SimpleSpan)>,
    remove: &[usize],
) {
    inserts.sort_by_key(|(at, _, _)| *at);
    let mut out = Vec::with_capacity(tokens.len() + inserts.len());
    let mut inserts = inserts.into_iter().peekable();
    for (i, token) in std::mem::take(tokens).into_iter().enumerate() {
        while let Some((_, t, span)) = inserts.next_if(|(at, _, _)| *at == i) {
            out.push((t, span));
        }
        if !remove.contains(&i) {
            out.push(token);
        }
    }
    out.extend(inserts.map(|(_, t, span)| (t, span)));
    *tokens = out;
}

/// A line of the file as the search reads it: the tokens up to a line break, or a `}`
/// that closed nothing (which has no token).
pub(super) struct Line {
    /// The line's tokens, `first..end` (the line break after them excluded); empty for a
    /// stray `}`.
    pub first: usize,
    pub end: usize,
    /// The column its first character is in.
    pub indent: usize,
    pub kind: Kind,
}

#[derive(Clone, Copy)]
pub(super) enum Kind {
    Tokens,
    Stray(usize),
}

/// The lines of `tokens`, with the `}`s in `stray` among them where they were written.
pub(super) fn lines(tokens: &[(Token, SimpleSpan)], src: &str, stray: &[usize]) -> Vec<Line> {
    let mut out = Vec::new();
    let mut stray = stray.iter().copied().peekable();
    let mut first = 0;
    for (i, (token, _)) in tokens.iter().enumerate() {
        let ends = *token == Token::Newline || i + 1 == tokens.len();
        if !ends {
            continue;
        }
        let end = if *token == Token::Newline { i } else { i + 1 };
        if first < end {
            let start = tokens[first].1.start;
            while let Some(offset) = stray.next_if(|&offset| offset < start) {
                out.push(stray_line(src, offset));
            }
            out.push(Line {
                first,
                end,
                indent: column(src, start),
                kind: Kind::Tokens,
            });
        }
        first = i + 1;
    }
    out.extend(stray.map(|offset| stray_line(src, offset)));
    out
}

fn stray_line(src: &str, offset: usize) -> Line {
    Line {
        first: 0,
        end: 0,
        indent: column(src, offset),
        kind: Kind::Stray(offset),
    }
}

/// The column of the byte at `offset`: how many bytes of its line come before it.
fn column(src: &str, offset: usize) -> usize {
    let before = src.get(..offset).unwrap_or_default();
    offset - before.rfind(['\n', '\r']).map_or(0, |p| p + 1)
}

/// The head whose block the stray `}` at line `at` shows to be missing its `{`, and the
/// line of the `}` that closes that block: the nearest line above that reads as a head
/// without its `{`, followed by lines indented deeper than it and then a `}` at its own
/// indentation, that `}` being this one or one written on a line of its own.
fn head_of(
    lines: &[Line],
    tokens: &[(Token, SimpleSpan)],
    at: usize,
    used: &[bool],
) -> Option<(usize, usize)> {
    let lowest = at.saturating_sub(MAX_BODY_LINES);
    (lowest..at).rev().find_map(|head| {
        let line = &lines[head];
        if used[head] || !matches!(line.kind, Kind::Tokens) {
            return None;
        }
        let words = &tokens[line.first..line.end];
        let value = is_valued_head(words);
        if !is_head(words) && !value {
            return None;
        }
        let closer = (head + 1..=at).find(|&l| lines[l].indent <= line.indent)?;
        let closes = match lines[closer].kind {
            Kind::Stray(_) => closer == at,
            Kind::Tokens => tokens[lines[closer].first].0 == Token::RBrace,
        };
        // An attribute's value needs a body to be an instance of: `x = y` above a `}`
        // is an attribute, whatever the `}` is.
        let body = closer > head + 1;
        (closes && lines[closer].indent == line.indent && (body || !value))
            .then_some((head, closer))
    })
}

/// Whether a line reads as a declaration's head without its `{`: a kind alone, a kind
/// and a name (`vm web 100 on pve1`, `host "edge-1"`, `firewall on gw`) or a `for`
/// loop's head, with no `=` and no bracket of a block.
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

/// Whether a line reads as an attribute whose value is a catalogue entry missing the
/// `{` of its instance: `hardware = dell.r730`.
fn is_valued_head(line: &[(Token, SimpleSpan)]) -> bool {
    let Some(eq) = line.iter().position(|(t, _)| *t == Token::Eq) else {
        return false;
    };
    let (name, value) = (&line[..eq], &line[eq + 1..]);
    matches!(name, [(Token::Ident(_), _), ..])
        && matches!(value.last(), Some((Token::Ident(_), _)))
        && value
            .iter()
            .all(|(t, _)| matches!(t, Token::Ident(_) | Token::Dot))
}

fn report(src: &str, file: FileId, head: std::ops::Range<usize>, close: usize) -> Diagnostic {
    let text = src.get(head.clone()).unwrap_or_default();
    let help = if text.len() <= 60 && !text.contains(['\n', '\r']) {
        format!("open the block at the end of the line: `{text} {{`")
    } else {
        "open the block with `{` at the end of the line".to_owned()
    };
    Diagnostic::error(
        Code::SYNTAX_UNEXPECTED,
        "missing `{` to open the block below this line",
        Span::new(file, head.start, head.end),
        "the lines indented below are its body, but it has no `{`",
    )
    .with_label(
        Span::new(file, close, close + 1),
        "this `}` closes the block",
    )
    .with_help(help)
}
