//! A `}` too many inside a block:
//!
//! ```text
//! stack arr on media {
//!   service sonarr {
//!     image = "…"
//!   }}
//!   service radarr { … }
//! }
//! ```
//!
//! The second `}` closes the stack, so every line after it reads as out of place and the
//! stack's own `}` closes nothing. The layout says which `}` is the extra one: it closes
//! a block opened in a shallower column than its own line, and the lines after it, down
//! to the `}` that closed nothing in that shallower column, are indented as the block's
//! body still. That `}` goes, the one that closed nothing is kept, and one report says
//! so.

use super::open_blocks::{apply, lines, replace_reports, restore_stray, strays_in, Kind, Line};
use crate::token::Token;
use chumsky::span::SimpleSpan;
use infrac_diagnostics::{Code, Diagnostic, FileId, Span};

/// How many of the `}`s read before a line indented too deep are asked whether they
/// closed its block.
const MAX_CLOSES: usize = 400;

/// Drops each `}` that closed its block early, shown by a `}` that closed nothing later
/// (offsets in `stray`, left out of `tokens` by the lexer): that one is put back, and the
/// lexer's report of it is replaced by one of the extra `}`. Returns where the first
/// dropped `}` was, if one was.
pub(super) fn drop_early_closes(
    tokens: &mut Vec<(Token, SimpleSpan)>,
    src: &str,
    file: FileId,
    stray: &[usize],
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<usize> {
    let stray = strays_in(tokens, stray)?;
    let lines = lines(tokens, src, &stray);
    let line_of = line_of_tokens(&lines, tokens.len());
    let openers = openers(tokens);
    let mut remove: Vec<usize> = Vec::new();
    let mut inserts = Vec::new();
    let mut fixed: Vec<usize> = Vec::new();
    let mut reports = Vec::new();
    for (extra, close) in early_closes(&lines, tokens) {
        remove.push(extra);
        restore_stray(tokens, src, close, &mut inserts);
        fixed.push(close);
        let extra_at = tokens[extra].1.start;
        // What the block's line says before its `{`: `stack arr on media`.
        let open = openers[extra].unwrap_or(extra);
        let line = &lines[line_of[open]];
        let head = (line.first < open).then(|| tokens[line.first].1.start..tokens[open - 1].1.end);
        reports.push(report(src, file, extra_at, head, close));
    }
    if remove.is_empty() {
        return None;
    }
    replace_reports(diagnostics, &fixed, reports);
    let dropped = remove.iter().map(|&i| tokens[i].1.start).min();
    remove.sort_unstable();
    apply(tokens, inserts, &remove);
    dropped
}

/// For each token, the line it is on (line breaks belong to the line they end).
fn line_of_tokens(lines: &[Line], count: usize) -> Vec<usize> {
    let mut out = vec![0; count];
    for (l, line) in lines.iter().enumerate() {
        if let Kind::Tokens = line.kind {
            // The line break after the line, if any, is read as part of it.
            let end = (line.end + 1).min(count);
            out[line.first..end].fill(l);
        }
    }
    out
}

/// For each `}`, the `{` it closes (none for a `{` or any other token, or for a `}`
/// whose `{` came before `tokens`).
fn openers(tokens: &[(Token, SimpleSpan)]) -> Vec<Option<usize>> {
    let mut out = vec![None; tokens.len()];
    let mut open = Vec::new();
    for (i, (token, _)) in tokens.iter().enumerate() {
        match token {
            Token::LBrace => open.push(i),
            Token::RBrace => out[i] = open.pop(),
            _ => {}
        }
    }
    out
}

/// The `}`s that closed their block early, each with the `}` that closed nothing
/// because of it. Read line by line, each block's entries stand in one column, the one
/// its first entry is in (the file's own, column 0). An entry deeper than that column
/// belongs to a block closed above it: the last closed whose entries stood in that
/// column, by a `}` too many. The next `}` that closed nothing is the one the block
/// lacked at its end.
fn early_closes(lines: &[Line], tokens: &[(Token, SimpleSpan)]) -> Vec<(usize, usize)> {
    // The open blocks, innermost last, with the column of their entries once known.
    let mut open: Vec<Option<usize>> = Vec::new();
    // Each `}` read, with the column of the entries of the block it closed.
    let mut closed: Vec<(usize, Option<usize>)> = Vec::new();
    let mut pending: Option<usize> = None;
    let mut out = Vec::new();
    for line in lines {
        let Kind::Tokens = line.kind else {
            if let (Kind::Stray(close), Some(extra)) = (line.kind, pending.take()) {
                out.push((extra, close));
            }
            continue;
        };
        let words = &tokens[line.first..line.end];
        if !matches!(words.first(), Some((Token::RBrace, _))) {
            let column = match open.last_mut() {
                Some(column) => *column.get_or_insert(line.indent),
                None => 0,
            };
            if line.indent > column && pending.is_none() {
                pending = closed
                    .iter()
                    .rev()
                    .take(MAX_CLOSES)
                    .find(|(_, entries)| *entries == Some(line.indent))
                    .map(|(extra, _)| *extra)
                    .filter(|extra| !out.iter().any(|(e, _)| e == extra));
            }
        }
        for (i, (token, _)) in words.iter().enumerate() {
            match token {
                Token::LBrace => open.push(None),
                Token::RBrace => {
                    let entries = open.pop().flatten();
                    closed.push((line.first + i, entries));
                }
                _ => {}
            }
        }
    }
    out
}

fn report(
    src: &str,
    file: FileId,
    extra: usize,
    head: Option<std::ops::Range<usize>>,
    close: usize,
) -> Diagnostic {
    let text = head.and_then(|head| src.get(head)).unwrap_or_default();
    let message = if !text.is_empty() && text.len() <= 60 && !text.contains(['\n', '\r']) {
        format!("this `}}` closes `{text}` before its end")
    } else {
        "this `}` closes its block before its end".to_owned()
    };
    Diagnostic::error(
        Code::SYNTAX_UNEXPECTED,
        message,
        Span::new(file, extra, extra + 1),
        "the lines below it are still indented as the block's body",
    )
    .with_label(
        Span::new(file, close, close + 1),
        "so this `}` closes nothing",
    )
    .with_help("remove this `}`")
}
