//! The chumsky parser: tokens to AST, recovering line by line.
//!
//! Recovery works at two levels. An entry of a block or a top-level item that does not
//! parse is skipped to the end of its line (stepping over balanced brackets), so every
//! broken line costs one diagnostic and the rest of the file still parses. A block whose
//! brackets are broken is skipped as a whole.

use crate::ast::*;
use crate::lexer::{lex_from, DocComment, Lexed};
use crate::token::{Lexeme, Owned, Token};
use chumsky::input::{Input as _, ValueInput};
use chumsky::prelude::*;
use ecow::EcoString;
use infrac_diagnostics::{Code, Diagnostic, FileId, Span};
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

mod agree;
#[cfg(test)]
mod differential;
mod direct;
mod early_close;
mod expect;
mod incremental;
mod open_blocks;
#[cfg(test)]
mod recovery_prefix;

pub use agree::assert_parsers_agree;
pub(crate) use expect::OUTCOME_WORDS;
pub use incremental::{parse_beside, reparse};

type Extra<'t> = extra::Err<Rich<'t, Token, SimpleSpan>>;

/// The result of parsing one file: always a tree, plus whatever went wrong.
#[derive(Debug)]
pub struct Parsed {
    pub file: File,
    pub diagnostics: Vec<Diagnostic>,
    /// Set when the tree was made beside the previous one ([`reparse`],
    /// [`parse_beside`]): the stretch of text that may differ from it. Everything outside
    /// it is the previous tree, moved.
    pub edit: Option<Edit>,
    /// How many of the first items are known to be what the direct parser makes of a
    /// fresh lex, each ending before the first diagnostic: a later parse can take them as
    /// they are ([`parse_beside`]). The recovering parser's items are not counted, though
    /// on a well-formed declaration it agrees with the direct parser.
    pub direct: usize,
}

/// The stretch a [`reparse`] parsed again: `start..old_end` in the previous text became
/// `start..new_end` in the new one; text after it moved by `new_end - old_end` bytes.
/// Whole top-level items, so no node of the previous tree straddles it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edit {
    pub file: FileId,
    pub start: u32,
    pub old_end: u32,
    pub new_end: u32,
}

/// Parses `src` (file `file`) into an AST. Never fails and never panics.
pub fn parse(src: &str, file: FileId) -> Parsed {
    parse_after(src, file, Kept::default())
}

/// Top-level items of a previous tree that the text keeps unchanged at its start, and
/// the byte after the last of them, where lexing and parsing resume. They must be items
/// the direct parser made without a diagnostic ([`Parsed::direct`]), followed in the new
/// text by one more such item unchanged: then parsing from `from` and putting them first
/// is parsing the whole text (the lexer is between tokens there with nothing open, and
/// the direct parser takes them and the item after them as it did before).
#[derive(Debug, Default)]
pub(crate) struct Kept {
    pub items: Vec<Item>,
    pub from: usize,
}

/// [`parse`], with the items before `kept.from` taken from `kept`.
pub(crate) fn parse_after(src: &str, file: FileId, kept: Kept) -> Parsed {
    let (mut ast, docs) = match direct::parse_lines(src, file, kept.from) {
        Ok(parsed) => parsed,
        Err((stopped, mut docs)) => {
            // Something is wrong: the recovering parser explains it after the items the
            // direct parser took but the last, lexed from that one on (the doc comments
            // before it are those lexed a line at a time).
            let tail = stopped.lex_from(kept.from);
            let mut lexed = lex_from(src, file, tail);
            return match stopped.prefix(src, &lexed.tokens) {
                Some(prefix) => {
                    docs.retain(|doc| (doc.span.start as usize) < tail);
                    docs.append(&mut lexed.docs);
                    lexed.docs = docs;
                    parse_with_recovery_from(src, file, lexed, kept, prefix)
                }
                None => {
                    let lexed = lex_from(src, file, kept.from);
                    parse_with_recovery_from(src, file, lexed, kept, direct::Prefix::default())
                }
            };
        }
    };
    let mut diagnostics = Vec::new();
    if !docs.is_empty() {
        attach_docs(
            &mut ast,
            &docs,
            &LineIndex::after(src, kept.from),
            &mut diagnostics,
        );
        diagnostics.sort_by_key(Diagnostic::sort_key);
    }
    let direct = ast.items.len();
    assemble(kept.items, ast, direct, diagnostics)
}

/// The combinator parser, which explains and recovers from every error.
fn parse_with_recovery(src: &str, file: FileId, lexed: Lexed<Lexeme>) -> Parsed {
    let prefix = direct::parse_prefix(src, &lexed.tokens);
    parse_with_recovery_from(src, file, lexed, Kept::default(), prefix)
}

/// `kept`'s items, then `ast`'s, the first `direct` of which the direct parser made.
fn assemble(
    mut kept: Vec<Item>,
    mut ast: File,
    direct: usize,
    diagnostics: Vec<Diagnostic>,
) -> Parsed {
    let first_problem = diagnostics
        .iter()
        .map(|d| d.primary.span.start)
        .min()
        .unwrap_or(u32::MAX);
    let direct = kept.len()
        + ast.items[..direct.min(ast.items.len())]
            .iter()
            .take_while(|item| item_span(item).end <= first_problem)
            .count();
    if !kept.is_empty() {
        kept.append(&mut ast.items);
        ast.items = kept;
    }
    Parsed {
        file: ast,
        diagnostics,
        edit: None,
        direct,
    }
}

/// Where a top-level item is, from its first token to its last.
fn item_span(item: &Item) -> Span {
    match item {
        Item::Import(import) => import.span,
        Item::Decl(decl) => decl.span,
        Item::For(f) => f.span,
        Item::Expect(expect) => expect.span,
        Item::Error(span) => *span,
    }
}

/// The recovering parser after `prefix`: the declarations the direct parser took before
/// the first broken one (`direct::parse_prefix`), which are the tree the recovering parser
/// gives for them, and the token where it starts. Blocks left open are closed after the
/// prefix only: its declarations parsed whole, so none of their braces is missing.
fn parse_with_recovery_from(
    src: &str,
    file: FileId,
    lexed: Lexed<Lexeme>,
    kept: Kept,
    prefix: direct::Prefix,
) -> Parsed {
    let close_from = prefix.resume;
    recover(src, file, lexed, kept, prefix, close_from)
}

/// [`parse_with_recovery_from`], closing unclosed blocks from token `close_from` on only
/// (at or after the prefix's end; before it for the tests that hold the prefix to a
/// recovery over the whole file).
fn recover(
    src: &str,
    file: FileId,
    lexed: Lexed<Lexeme>,
    kept: Kept,
    prefix: direct::Prefix,
    close_from: usize,
) -> Parsed {
    let direct::Prefix { mut items, resume } = prefix;
    let Lexed {
        tokens: all,
        docs,
        mut diagnostics,
        stray_braces,
    } = lexed;
    let Some(open_blocks::Tail {
        mut tokens,
        close_from,
    }) = open_blocks::tail(
        open_blocks::Taken {
            src,
            file,
            from: kept.from,
            tokens: all,
            resume,
            items: &mut items,
        },
        &stray_braces,
        &mut diagnostics,
        close_from,
    )
    else {
        return parse(src, file);
    };
    let direct = items.len();
    close_unclosed_blocks(&mut tokens, src, close_from);
    let interpolations = interpolation_spans(&tokens);
    let eoi = SimpleSpan::from(src.len()..src.len());
    let input = tokens[..].map(eoi, |(t, s)| (t, s));
    let cuts: Cuts = Rc::default();
    let (ast, errors) = file_parser(file, cuts.clone())
        .parse(input)
        .into_output_errors();
    let mut ast = match ast {
        Some(mut rest) => {
            items.append(&mut rest.items);
            File { items }
        }
        // The recovering parser gave up: the file has no items, and every doc comment in
        // it is detached, those before the items kept as well.
        None if !kept.items.is_empty() => return parse(src, file),
        None => File::default(),
    };
    for span in cuts.take() {
        diagnostics.push(
            Diagnostic::error(
                Code::SYNTAX_TOO_DEEP_EXPRESSION,
                format!("expression nested more than {MAX_EXPR_DEPTH} levels deep"),
                span,
                "this expression is too deep to evaluate; it is skipped",
            )
            .with_help(
                "write the value out instead; every `+`, `-`, `*` or `/` in a chain and every \
                 bracket counts one level",
            ),
        );
    }
    // One diagnostic per broken line: the lexer's, if it already spoke.
    let lines = LineIndex::after(src, kept.from);
    let mut seen_lines: HashSet<usize> = diagnostics
        .iter()
        .map(|d| lines.line_of(d.primary.span.start))
        .collect();
    // An unclosed bracket or string already explains why the file ended early.
    let lexer_unclosed = diagnostics.iter().any(|d| d.code == Code::SYNTAX_UNCLOSED);
    for error in errors {
        let at = error.span().start;
        if lexer_unclosed && at >= src.len() {
            continue;
        }
        let mut d = to_diagnostic(&error, file);
        if interpolations.iter().any(|&(s, e)| s <= at && at < e) {
            d = d.with_help(
                "`{` in a string starts an interpolation such as `{i}`; for literal braces use a \
                 raw string, `r\"^[a-z]{1,30}$\"`, or escape them: `\\{` and `\\}`",
            );
        }
        if seen_lines.insert(lines.line_of(d.primary.span.start)) {
            diagnostics.push(d);
        }
    }
    attach_docs(&mut ast, &docs, &lines, &mut diagnostics);
    diagnostics.sort_by_key(Diagnostic::sort_key);
    assemble(kept.items, ast, direct, diagnostics)
}

/// Closes blocks left open by a missing `}` where the next top-level declaration starts,
/// so one missing `}` costs one diagnostic (the lexer's "unclosed `{`") and the
/// declarations after it are parsed and checked as usual.
///
/// The parser knows nothing of declaration kinds (they are ordinary names, given meaning
/// by sema), so a top-level declaration is recognised by its shape alone: a line that
/// starts in column 0 with `NAME NAME` (`vm web`, `network lan`), `NAME "NAME"`,
/// `NAME on` (`firewall on gw`), `import` or `for`. Entries inside a block are indented in every
/// formatted lab, so such a line inside a block means a `}` is missing before it.
///
/// Nothing changes when the file's braces balance (a block whose entries are written in
/// column 0 is left alone). When they do not, each such line closes, from the innermost
/// out, as many of the blocks still open as the file lacks `}`s, by inserting zero-width
/// `}` tokens at the end of the last non-blank line before it.
///
/// Tokens before `from` are left alone: they are declarations the direct parser took
/// whole, so none of their braces is missing, even when a nested line of theirs starts
/// in column 0.
fn close_unclosed_blocks(tokens: &mut Vec<(Token, SimpleSpan)>, src: &str, from: usize) {
    let from = from.min(tokens.len());
    let opens = tokens[from..]
        .iter()
        .filter(|(t, _)| *t == Token::LBrace)
        .count();
    let closes = tokens[from..]
        .iter()
        .filter(|(t, _)| *t == Token::RBrace)
        .count();
    let mut missing = opens.saturating_sub(closes);
    if missing == 0 {
        return;
    }
    let starts_line = |offset: usize| {
        offset == 0 || matches!(src.as_bytes().get(offset - 1), Some(b'\n' | b'\r'))
    };
    let mut depth = 0usize;
    let mut out: Vec<(Token, SimpleSpan)> = Vec::with_capacity(tokens.len() + missing);
    out.extend_from_slice(&tokens[..from]);
    for i in from..tokens.len() {
        let (token, span) = &tokens[i];
        let after_newline = i > 0 && tokens[i - 1].0 == Token::Newline;
        if missing > 0 && depth > 0 && after_newline && starts_line(span.start) {
            let next = tokens.get(i + 1).map(|(t, _)| t);
            let declaration = match token {
                Token::Import | Token::For => true,
                Token::Ident(_) => {
                    matches!(next, Some(Token::Ident(_) | Token::On | Token::StrStart))
                }
                _ => false,
            };
            if declaration {
                let close = depth.min(missing);
                // Before the run of line breaks (and blank lines) that precedes this line.
                let at = out
                    .iter()
                    .rposition(|(t, _)| *t != Token::Newline)
                    .map_or(0, |p| p + 1);
                let offset = out.get(at).map_or(span.start, |(_, s)| s.start);
                let synthetic = (Token::RBrace, SimpleSpan::from(offset..offset));
                out.splice(at..at, std::iter::repeat_n(synthetic, close));
                depth -= close;
                missing -= close;
            }
        }
        match token {
            Token::LBrace => depth += 1,
            Token::RBrace => depth = depth.saturating_sub(1),
            _ => {}
        }
        out.push((token.clone(), *span));
    }
    // The text ended inside them: they end with it, so the declarations they belong to
    // are read, not lost with the doc comments above them.
    if missing > 0 && depth > 0 {
        let end = out.last().map_or(0, |(_, span)| span.end);
        let synthetic = (Token::RBrace, SimpleSpan::from(end..end));
        out.extend(std::iter::repeat_n(synthetic, depth.min(missing)));
    }
    *tokens = out;
}

/// Where each string interpolation `{…}` sits, from its `{` to its `}` (or the string's end).
fn interpolation_spans(tokens: &[(Token, SimpleSpan)]) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut open: Option<usize> = None;
    for (token, span) in tokens {
        match token {
            Token::InterpOpen => open = Some(span.start),
            Token::InterpClose | Token::StrEnd => {
                if let Some(start) = open.take() {
                    spans.push((start, span.end));
                }
            }
            _ => {}
        }
    }
    spans
}

/// Whether a token is a literal value, which can only follow `=` inside a block.
/// How the custom error for `name value` without its `=` starts, the name following; its
/// label and help come from [`to_diagnostic`].
const MISSING_EQ: &str = "missing `=` after";

fn is_literal(token: &Token) -> bool {
    matches!(
        token,
        Token::Number(_)
            | Token::Quantity(..)
            | Token::Ipv4(_)
            | Token::Ipv6(_)
            | Token::Prefix(..)
            | Token::Mac(_)
            | Token::Port(..)
            | Token::True
            | Token::False
    )
}

/// Line numbers of byte offsets, computed once per file instead of per question.
struct LineIndex {
    /// Offsets of every line break in the file: `\n`, and `\r` not followed by `\n`.
    newlines: Vec<u32>,
}

impl LineIndex {
    fn new(src: &str) -> Self {
        Self::after(src, 0)
    }

    /// The lines of `src` from byte `from` on, counted from there: what is asked of them
    /// is whether two offsets share a line or follow each other.
    fn after(src: &str, from: usize) -> Self {
        let bytes = src.as_bytes();
        let newlines = bytes
            .iter()
            .enumerate()
            .skip(from)
            .filter(|&(i, b)| *b == b'\n' || (*b == b'\r' && bytes.get(i + 1) != Some(&b'\n')))
            .map(|(i, _)| i as u32)
            .collect();
        LineIndex { newlines }
    }

    /// The 0-based line of `offset`: how many newlines come before it.
    fn line_of(&self, offset: u32) -> usize {
        self.newlines.partition_point(|&n| n < offset)
    }
}

/// Where the parser cut expressions for being deeper than [`MAX_EXPR_DEPTH`], shared by
/// the closures that build expressions.
type Cuts = Rc<RefCell<Vec<Span>>>;

/// A node of `kind` at `span`, or an error node when it would be deeper than
/// [`MAX_EXPR_DEPTH`]; the children of a cut node are dropped, and its span is recorded
/// (merged with an overlapping cut, so one long run is one report).
fn bounded(kind: ExprKind, span: Span, cuts: &Cuts) -> Expr {
    let expr = Expr::new(kind, span);
    if expr.depth <= MAX_EXPR_DEPTH {
        return expr;
    }
    drop(expr);
    let mut cuts = cuts.borrow_mut();
    match cuts.last_mut() {
        Some(last) if last.file == span.file && last.start < span.end && span.start < last.end => {
            *last = last.to(span);
        }
        _ => cuts.push(span),
    }
    Expr::new(ExprKind::Error, span)
}

fn to_diagnostic(error: &Rich<'_, Token, SimpleSpan>, file: FileId) -> Diagnostic {
    let range = error.span();
    let span = Span::new(file, range.start, range.end);
    match error.reason() {
        chumsky::error::RichReason::Custom(message) if message.starts_with(MISSING_EQ) => {
            Diagnostic::error(
                Code::SYNTAX_UNEXPECTED,
                message.clone(),
                span,
                "expected `=` before the value",
            )
            .with_help("attributes are written `name = value`")
        }
        chumsky::error::RichReason::Custom(message) => Diagnostic::error(
            Code::SYNTAX_UNEXPECTED,
            message.clone(),
            span,
            "not allowed here",
        ),
        chumsky::error::RichReason::ExpectedFound { expected, found } => {
            let found_text = match found {
                Some(t) => t.to_string(),
                None => "end of file".to_string(),
            };
            let mut wanted: Vec<String> = expected
                .iter()
                .map(|p| match p {
                    chumsky::error::RichPattern::Token(t) => t.to_string(),
                    chumsky::error::RichPattern::Label(l) => l.to_string(),
                    chumsky::error::RichPattern::EndOfInput => "end of file".to_string(),
                    other => other.to_string(),
                })
                .filter(|w| w != "something else")
                .collect();
            wanted.sort();
            wanted.dedup();
            // Operators that could continue an expression are rarely what was meant when
            // a line goes on after a complete value: say that the line should end.
            if wanted.iter().any(|w| w == "end of line") {
                let d = Diagnostic::error(
                    Code::SYNTAX_UNEXPECTED,
                    format!("unexpected {found_text}"),
                    span,
                    "expected the end of the line here",
                );
                return match found.as_deref() {
                    Some(Token::Ident(_)) => {
                        d.with_help("put each attribute on its own line, or separate them with `,`")
                    }
                    _ => d,
                };
            }
            let keyword = matches!(
                found.as_deref(),
                Some(
                    Token::Import
                        | Token::As
                        | Token::For
                        | Token::In
                        | Token::On
                        | Token::From
                        | Token::True
                        | Token::False
                )
            );
            if keyword && wanted.iter().any(|w| w == "a name") {
                return Diagnostic::error(
                    Code::SYNTAX_UNEXPECTED,
                    format!("unexpected {found_text}"),
                    span,
                    "a keyword cannot be a name",
                )
                .with_help(format!(
                    "choose another name, or quote it: `\"{}\"`",
                    found_text.trim_matches('`')
                ));
            }
            if found.as_deref().is_some_and(is_literal) && wanted.iter().any(|w| w == "`=`") {
                return Diagnostic::error(
                    Code::SYNTAX_UNEXPECTED,
                    format!("unexpected {found_text}"),
                    span,
                    "expected `=` before the value",
                )
                .with_help("attributes are written `name = value`");
            }
            let label = match wanted.len() {
                0 => "unexpected here".to_string(),
                1 => format!("expected {}", wanted[0]),
                _ => {
                    let last = wanted.pop().unwrap_or_default();
                    format!("expected {} or {last}", wanted.join(", "))
                }
            };
            Diagnostic::error(
                Code::SYNTAX_UNEXPECTED,
                format!("unexpected {found_text}"),
                span,
                label,
            )
        }
    }
}

fn file_parser<'t, I>(file: FileId, cuts: Cuts) -> impl Parser<'t, I, File, Extra<'t>>
where
    I: ValueInput<'t, Token = Token, Span = SimpleSpan>,
{
    let sp = move |s: SimpleSpan| Span::new(file, s.start, s.end);
    let entry = entry_parser(file, cuts);

    let str_text = select! { Token::<Owned>::StrText(s) => s };
    let import = just(Token::Import)
        .ignore_then(
            just(Token::StrStart)
                .ignore_then(str_text.or_not())
                .then_ignore(just(Token::StrEnd))
                .map_with(move |s, e| (s.unwrap_or_default(), sp(e.span())))
                .labelled("a quoted path"),
        )
        .then(just(Token::As).ignore_then(ident(file)).or_not())
        .map_with(move |((path, path_span), alias), e| {
            Item::Import(Box::new(Import {
                path: path.to_string(),
                path_span,
                alias,
                span: sp(e.span()),
            }))
        });

    let item = import
        .or(expect::expect_item(file))
        .or(entry.validate(move |entry, e, emitter| match entry {
            Entry::Block(decl) => Item::Decl(decl.into()),
            Entry::For(f) => Item::For(f),
            Entry::Error(span) => Item::Error(span),
            Entry::Attr(attr) => {
                emitter.emit(Rich::custom(
                    e.span(),
                    "attributes belong inside a declaration's `{ }`",
                ));
                Item::Error(attr.span())
            }
            Entry::Rule(rule) => {
                emitter.emit(Rich::custom(
                    e.span(),
                    "firewall rules belong inside a `firewall on GUEST { }` block",
                ));
                Item::Error(rule.span())
            }
        }));

    let newlines = just(Token::Newline).repeated();
    newlines
        .clone()
        .ignore_then(
            item.separated_by(just(Token::Newline).repeated().at_least(1))
                .allow_trailing()
                .collect::<Vec<_>>(),
        )
        .then_ignore(newlines)
        .then_ignore(end())
        .map(|items| File { items })
}

/// A dotted path `a.b.c`.
fn dotted<'t, I>(file: FileId) -> impl Parser<'t, I, Path, Extra<'t>> + Clone
where
    I: ValueInput<'t, Token = Token, Span = SimpleSpan>,
{
    let sp = move |s: SimpleSpan| Span::new(file, s.start, s.end);
    ident(file)
        .separated_by(just(Token::Dot))
        .at_least(1)
        .collect::<Vec<_>>()
        .map_with(move |segments, e| Path {
            segments: segments.into(),
            span: sp(e.span()),
        })
}

fn ident<'t, I>(file: FileId) -> impl Parser<'t, I, Ident, Extra<'t>> + Clone
where
    I: ValueInput<'t, Token = Token, Span = SimpleSpan>,
{
    select! { Token::Ident(name) => name }
        .map_with(move |name, e| {
            let s: SimpleSpan = e.span();
            Ident {
                name,
                span: Span::new(file, s.start, s.end),
            }
        })
        .labelled("a name")
}

fn keyword<'t, I>(word: &'static str) -> impl Parser<'t, I, Token, Extra<'t>> + Clone
where
    I: ValueInput<'t, Token = Token, Span = SimpleSpan>,
{
    just(Token::Ident(word.into()))
}

/// Skips one line of tokens, stepping over balanced brackets; the recovery for entries.
fn skip_line<'t, I>() -> impl Parser<'t, I, (), Extra<'t>> + Clone
where
    I: ValueInput<'t, Token = Token, Span = SimpleSpan>,
{
    const DELIMITERS: [Token; 6] = [
        Token::LBrace,
        Token::RBrace,
        Token::LBracket,
        Token::RBracket,
        Token::LParen,
        Token::RParen,
    ];
    // Inside a bracket group newlines are crossed; outside, the line ends the skip.
    let group = recursive(|group| {
        let inner = choice((group, none_of(DELIMITERS).ignored())).repeated();
        choice((
            inner
                .clone()
                .delimited_by(just(Token::LBrace), just(Token::RBrace)),
            inner
                .clone()
                .delimited_by(just(Token::LBracket), just(Token::RBracket)),
            inner.delimited_by(just(Token::LParen), just(Token::RParen)),
        ))
        .ignored()
    });
    let mut line_stops = DELIMITERS.to_vec();
    line_stops.push(Token::Newline);
    choice((group, none_of(line_stops).ignored()))
        .repeated()
        .at_least(1)
}

fn entry_parser<'t, I>(file: FileId, cuts: Cuts) -> impl Parser<'t, I, Entry, Extra<'t>> + Clone
where
    I: ValueInput<'t, Token = Token, Span = SimpleSpan>,
{
    // Entries hold blocks and values, and values hold blocks and strings. The entry parser
    // owns the value parser; each refers to itself only through the weak handle
    // `recursive` gives it, so dropping the entry parser frees all of it. Parsers that
    // refer to one another through `Recursive::declare` keep one another alive, and
    // every parse of a broken file would leak them.
    recursive(move |entry| {
        let sp = move |s: SimpleSpan| Span::new(file, s.start, s.end);

        let name = ident(file);
        let path = dotted(file).labelled("a name");

        let separators = choice((just(Token::Newline), just(Token::Comma))).repeated();
        // Not recursive of itself: what recurses is the entry, inside it.
        let block = entry
            .clone()
            .separated_by(separators.clone().at_least(1))
            .allow_trailing()
            .collect::<Vec<_>>()
            .delimited_by(
                just(Token::LBrace).then(separators.clone()),
                just(Token::RBrace),
            )
            .map_with(move |entries, e| Block {
                entries,
                span: sp(e.span()),
            })
            .recover_with(via_parser(nested_delimiters(
                Token::LBrace,
                Token::RBrace,
                [
                    (Token::LBracket, Token::RBracket),
                    (Token::LParen, Token::RParen),
                ],
                move |s| Block {
                    entries: vec![Entry::Error(sp(s))],
                    span: sp(s),
                },
            )))
            .labelled("a `{ }` block")
            .boxed();

        let expr = recursive({
            let (name, path, block, cuts) =
                (name.clone(), path.clone(), block.clone(), cuts.clone());
            move |expr| {
                let str_lit = string(expr.clone(), file);
                let literal = literal().or(select! { Token::Invalid => ExprKind::Error });

                let list = expr
                    .clone()
                    .separated_by(just(Token::Comma))
                    .allow_trailing()
                    .collect::<Vec<_>>()
                    .delimited_by(just(Token::LBracket), just(Token::RBracket))
                    .map(ExprKind::List)
                    .recover_with(via_parser(nested_delimiters(
                        Token::LBracket,
                        Token::RBracket,
                        [
                            (Token::LParen, Token::RParen),
                            (Token::LBrace, Token::RBrace),
                        ],
                        |_| ExprKind::Error,
                    )));

                let call = name
                    .clone()
                    .then(
                        expr.clone()
                            .separated_by(just(Token::Comma))
                            .allow_trailing()
                            .collect::<Vec<_>>()
                            .delimited_by(just(Token::LParen), just(Token::RParen)),
                    )
                    .map(|(f, args)| ExprKind::Call(Box::new(f), args));

                let path_or_instance = path.clone().then(block.clone().or_not()).map(
                    |(p, b): (Path, Option<Block>)| match b {
                        Some(b) => ExprKind::Instance(Box::new((p, b))),
                        None => ExprKind::Path(p),
                    },
                );

                let paren = expr
                    .clone()
                    .delimited_by(just(Token::LParen), just(Token::RParen))
                    .map(|e: Expr| e.kind)
                    .recover_with(via_parser(nested_delimiters(
                        Token::LParen,
                        Token::RParen,
                        [
                            (Token::LBracket, Token::RBracket),
                            (Token::LBrace, Token::RBrace),
                        ],
                        |_| ExprKind::Error,
                    )));

                let atom = choice((
                    literal,
                    str_lit.clone().map(ExprKind::Str),
                    list,
                    call,
                    path_or_instance,
                    paren,
                ))
                .map_with({
                    let cuts = cuts.clone();
                    move |kind, e| bounded(kind, sp(e.span()), &cuts)
                })
                .labelled("a value")
                .boxed();

                let binary = {
                    let cuts = cuts.clone();
                    move |op: BinOp, l: Expr, r: Expr| {
                        let span = l.span.to(r.span);
                        bounded(ExprKind::Binary(op, Box::new(l), Box::new(r)), span, &cuts)
                    }
                };
                let product = atom.clone().foldl(
                    choice((
                        just(Token::Star).to(BinOp::Mul),
                        just(Token::Slash).to(BinOp::Div),
                    ))
                    .then(atom.clone())
                    .repeated(),
                    {
                        let binary = binary.clone();
                        move |l, (op, r)| binary(op, l, r)
                    },
                );
                let sum = product
                    .clone()
                    .foldl(
                        choice((
                            just(Token::Plus).to(BinOp::Add),
                            just(Token::Minus).to(BinOp::Sub),
                        ))
                        .then(product)
                        .repeated(),
                        move |l, (op, r)| binary(op, l, r),
                    )
                    .boxed();
                let range = sum
                    .clone()
                    .then(just(Token::DotDot).ignore_then(sum).or_not())
                    .map({
                        let cuts = cuts.clone();
                        move |(lo, hi): (Expr, Option<Expr>)| match hi {
                            Some(hi) => {
                                let span = lo.span.to(hi.span);
                                bounded(ExprKind::Range(Box::new(lo), Box::new(hi)), span, &cuts)
                            }
                            None => lo,
                        }
                    });
                let placed = range
                    .then(just(Token::On).ignore_then(path.clone()).or_not())
                    .map(move |(value, target): (Expr, Option<Path>)| match target {
                        Some(target) => {
                            let span = value.span.to(target.span);
                            bounded(ExprKind::Placed(Box::new((value, target))), span, &cuts)
                        }
                        None => value,
                    });
                placed.labelled("a value")
            }
        });
        let str_lit = string(expr.clone(), file);

        let attr = name
            .clone()
            .separated_by(just(Token::Dot))
            .at_least(1)
            .collect::<Vec<_>>()
            .then_ignore(just(Token::Eq))
            .then(expr.clone())
            .map_with(move |(path, value), e| {
                let attr = Attr {
                    path: path.into(),
                    value,
                };
                // The span an attribute gives is derived; it must be what was parsed.
                debug_assert_eq!(attr.span(), sp(e.span()));
                Entry::Attr(attr)
            });

        let policy = keyword("policy")
            .map_with(move |_, e| Ident {
                name: "policy".into(),
                span: sp(e.span()),
            })
            .then(name.clone())
            .then_ignore(just(Token::Eq))
            .then(expr.clone())
            .map_with(move |((kw, chain), value), e| {
                let attr = Attr {
                    path: AttrName::Dotted(Box::new([kw, chain])),
                    value,
                };
                debug_assert_eq!(attr.span(), sp(e.span()));
                Entry::Attr(attr)
            });

        let port_item = choice((
            select! {
                Token::Port(p, lo, hi) => ExprKind::Port(p, lo, hi),
                Token::Invalid => ExprKind::Error,
            },
            path.clone().map(ExprKind::Path),
        ))
        .map_with(move |kind, e| Expr::new(kind, sp(e.span())))
        .labelled("a port such as `tcp/22`");

        let action = choice((keyword("allow"), keyword("deny"))).map_with(move |t, e| Ident {
            name: match t {
                Token::Ident(s) => s,
                _ => EcoString::default(),
            },
            span: sp(e.span()),
        });
        let filter = action
            .then(name.clone())
            .then_ignore(just(Token::Arrow))
            .then(name.clone())
            .then(
                port_item
                    .clone()
                    .separated_by(just(Token::Comma))
                    .at_least(1)
                    .collect::<Vec<_>>()
                    .or_not(),
            )
            .then(just(Token::From).ignore_then(expr.clone()).or_not())
            .map_with(move |((((action, from), to), ports), sources), e| {
                Entry::Rule(Box::new(Rule::Filter {
                    action,
                    from,
                    to,
                    ports: ports.unwrap_or_default(),
                    sources,
                    span: sp(e.span()),
                }))
            });

        let masquerade = keyword("masquerade")
            .ignore_then(expr.clone())
            .then_ignore(just(Token::Arrow))
            .then(name.clone())
            .map_with(move |(zones, to), e| {
                Entry::Rule(Box::new(Rule::Masquerade {
                    zones,
                    to,
                    span: sp(e.span()),
                }))
            });

        let target_port = just(Token::Colon).ignore_then(
            select! {
                Token::Number(n) => ExprKind::Number(n),
                Token::Invalid => ExprKind::Error,
            }
            .map_with(move |kind, e| Expr::new(kind, sp(e.span())))
            .labelled("a port number"),
        );
        let forward = keyword("forward")
            .ignore_then(name.clone())
            .then(port_item)
            .then_ignore(just(Token::Arrow))
            .then(name.clone())
            .then(target_port.or_not())
            .map_with(move |(((from, port), target), target_port), e| {
                Entry::Rule(Box::new(Rule::Forward {
                    from,
                    port,
                    target,
                    target_port,
                    span: sp(e.span()),
                }))
            });

        // `domain "lab.example"`, `sudo true`, `services [ssh]`: an attribute whose `=` is
        // missing, one value on its line. Nothing else reads so (a declaration named by a string needs
        // its block), so it is reported as that and kept as the attribute it was meant to
        // be: what reads the attribute does not report it missing as well.
        let missing_eq = name
            .clone()
            .then(
                choice((
                    choice((str_lit.clone().map(ExprKind::Str), literal()))
                        .map_with(move |kind, e| Expr::new(kind, sp(e.span()))),
                    // A list: nothing else starts with `[` after a name.
                    just(Token::LBracket).rewind().ignore_then(expr.clone()),
                ))
                .map_with(|value, e| (value, e.span())),
            )
            .then_ignore(entry_end())
            .validate(
                |(name, (value, at)): (Ident, (Expr, SimpleSpan)), _, emitter| {
                    emitter.emit(Rich::custom(at, format!("{MISSING_EQ} `{}`", name.name)));
                    Entry::Attr(Attr {
                        path: vec![name].into(),
                        value,
                    })
                },
            );

        let decl_name = choice((
            name.clone().map(DeclName::Ident),
            str_lit.map(DeclName::Str),
        ));
        let decl_id = choice((
            select! {
                Token::Number(n) => ExprKind::Number(n),
                Token::Invalid => ExprKind::Error,
            }
            .map_with(move |kind, e| Expr::new(kind, sp(e.span()))),
            expr.clone()
                .delimited_by(just(Token::LParen), just(Token::RParen)),
        ));
        let decl = name
            .clone()
            .then(decl_name.or_not())
            .then(decl_id.or_not())
            .then(just(Token::On).ignore_then(path.clone()).or_not())
            .then(just(Token::From).ignore_then(path.clone()).or_not())
            .then(just(Token::In).ignore_then(path.clone()).or_not())
            .then(block.clone())
            .map_with(
                move |((((((kind, name), id), on), from), in_), body), e| Decl {
                    doc: None,
                    kind,
                    name,
                    id,
                    on,
                    from: from.map(Box::new),
                    in_: in_.map(Box::new),
                    loops: body.has_loops(),
                    body,
                    span: sp(e.span()),
                },
            );

        let for_loop = just(Token::For)
            .ignore_then(name.clone())
            .then_ignore(just(Token::In))
            .then(expr.clone())
            .then(block.clone())
            .map_with(move |((var, range), body), e| {
                Entry::For(Box::new(ForLoop {
                    var,
                    range,
                    body: body.entries,
                    span: sp(e.span()),
                }))
            });

        choice((
            for_loop,
            attr,
            policy,
            filter,
            masquerade,
            forward,
            decl.map(|d| Entry::Block(Box::new(d))),
            missing_eq,
        ))
        // An entry must end its line; otherwise the failure belongs to this entry, and
        // recovery stays local instead of discarding the enclosing block.
        .then_ignore(entry_end().labelled("end of line"))
        .recover_with(via_parser(
            skip_line().map_with(move |_, e| Entry::Error(sp(e.span()))),
        ))
        .boxed()
    })
}

/// What may follow an entry, left for the block to take: the end of its line, a `,`, the
/// block's `}` or the end of the file.
fn entry_end<'t, I>() -> impl Parser<'t, I, (), Extra<'t>> + Clone
where
    I: ValueInput<'t, Token = Token, Span = SimpleSpan>,
{
    choice((
        just(Token::Newline).ignored(),
        just(Token::Comma).ignored(),
        just(Token::RBrace).ignored(),
        end(),
    ))
    .rewind()
}

/// A value written as one token: a number, size, boolean, address, prefix, MAC or port.
fn literal<'t, I>() -> impl Parser<'t, I, ExprKind, Extra<'t>> + Clone
where
    I: ValueInput<'t, Token = Token, Span = SimpleSpan>,
{
    select! {
        Token::Number(n) => ExprKind::Number(n),
        Token::Quantity(n, unit) => ExprKind::Quantity(n, unit),
        Token::True => ExprKind::Bool(true),
        Token::False => ExprKind::Bool(false),
        Token::Ipv4(a) => ExprKind::Ipv4(a),
        Token::Ipv6(a) => ExprKind::Ipv6(a),
        Token::Prefix(a, l) => ExprKind::Prefix(a, l),
        Token::Mac(m) => ExprKind::Mac(m),
        Token::Port(p, lo, hi) => ExprKind::Port(p, lo, hi),
    }
}

/// A string literal, its interpolations parsed by `expr`.
fn string<'t, I>(
    expr: impl Parser<'t, I, Expr, Extra<'t>> + Clone,
    file: FileId,
) -> impl Parser<'t, I, StrLit, Extra<'t>> + Clone
where
    I: ValueInput<'t, Token = Token, Span = SimpleSpan>,
{
    let sp = move |s: SimpleSpan| Span::new(file, s.start, s.end);
    just(Token::StrStart)
        .ignore_then(
            choice((
                select! { Token::StrText(s) => StrPart::Text(s) },
                expr.delimited_by(just(Token::InterpOpen), just(Token::InterpClose))
                    .map(StrPart::Interp),
            ))
            .repeated()
            .collect::<Vec<_>>(),
        )
        .then_ignore(just(Token::StrEnd))
        .map_with(move |parts, e| StrLit {
            parts: parts.into(),
            span: sp(e.span()),
        })
        .labelled("a string")
}

/// Attaches each run of `##` lines to the declaration that starts on the next line.
fn attach_docs(
    file: &mut File,
    docs: &[DocComment],
    line_index: &LineIndex,
    diagnostics: &mut Vec<Diagnostic>,
) {
    if docs.is_empty() {
        return;
    }
    // A `##` comment runs to the end of its line, so a line holds at most one.
    let doc_on_line: HashMap<usize, usize> = docs
        .iter()
        .enumerate()
        .map(|(i, doc)| (line_index.line_of(doc.span.start), i))
        .collect();
    let mut used = vec![false; docs.len()];
    let mut visit = |decl: &mut Decl| {
        let mut lines = Vec::new();
        let mut expect = line_index.line_of(decl.span.start);
        while let Some(&i) = expect
            .checked_sub(1)
            .and_then(|line| doc_on_line.get(&line))
        {
            if used[i] {
                break;
            }
            lines.push(docs[i].text.clone());
            used[i] = true;
            expect -= 1;
        }
        if !lines.is_empty() {
            lines.reverse();
            decl.doc = Some(lines.join("\n").into_boxed_str());
        }
    };
    fn walk_entries(entries: &mut [Entry], visit: &mut dyn FnMut(&mut Decl)) {
        for entry in entries {
            match entry {
                Entry::Block(decl) => {
                    visit(decl);
                    walk_entries(&mut decl.body.entries, visit);
                }
                Entry::For(f) => walk_entries(&mut f.body, visit),
                _ => {}
            }
        }
    }
    // Where a line that did not parse starts: the doc comments above it were written for
    // what it declares, which its own report is about.
    let mut broken = Vec::new();
    for item in &mut file.items {
        match item {
            Item::Decl(decl) => {
                // A fresh parse owns its declarations: this never copies.
                let decl = std::sync::Arc::make_mut(decl);
                visit(decl);
                walk_entries(&mut decl.body.entries, &mut visit);
            }
            Item::For(f) => walk_entries(&mut f.body, &mut visit),
            Item::Error(span) => broken.push(line_index.line_of(span.start)),
            _ => {}
        }
    }
    for line in broken {
        let mut above = line;
        while let Some(&i) = above.checked_sub(1).and_then(|l| doc_on_line.get(&l)) {
            if used[i] {
                break;
            }
            used[i] = true;
            above -= 1;
        }
    }
    for (doc, used) in docs.iter().zip(used) {
        if !used {
            diagnostics.push(
                Diagnostic::warning(
                    Code::DOC_COMMENT_DETACHED,
                    "doc comment is not attached to a declaration",
                    doc.span,
                    "nothing is declared on the next line",
                )
                .with_help(
                    "use `#` for an ordinary comment, or move it directly above a declaration",
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(src: &str) -> File {
        let parsed = parse(src, FileId(0));
        assert!(parsed.diagnostics.is_empty(), "{:#?}", parsed.diagnostics);
        parsed.file
    }

    /// The names of the top-level declarations, and the codes of the diagnostics.
    fn outline(src: &str) -> (Vec<String>, Vec<&'static str>) {
        let parsed = parse(src, FileId(0));
        let names = parsed
            .file
            .items
            .iter()
            .map(|item| match item {
                Item::Decl(d) => format!("{} {}", d.kind.name, d.body.entries.len()),
                Item::Import(i) => format!("import {}", i.path),
                Item::For(_) => "for".into(),
                Item::Expect(_) => "expect".into(),
                Item::Error(_) => "error".into(),
            })
            .collect();
        (names, parsed.diagnostics.iter().map(|d| d.code.0).collect())
    }

    #[test]
    fn an_unclosed_block_ends_at_the_next_declaration() {
        let (names, codes) = outline(
            "vm a 1 on pve {\n  cores = 2\n  nic lan {\n    ip = 10.0.0.1\n\n## Doc.\nvm b 2 on pve {\n  cores = 1\n}\nfirewall on b {\n  allow lan -> b icmp\n}\n",
        );
        assert_eq!(names, ["vm 2", "vm 1", "firewall 1"]);
        assert_eq!(codes, ["E0102", "E0102"], "one diagnostic per missing `}}`");
        for next in [
            "import \"./x.infra\"",
            "for i in 1..2 {\n  vm \"w{i}\" (i) on pve {}\n}",
            "vm \"q\" 3 on pve {}",
        ] {
            let (names, codes) = outline(&format!("host pve {{\n  cores = 2\n{next}\n"));
            assert_eq!(names.len(), 2, "{next}: {names:?}");
            assert_eq!(names[0], "host 1");
            assert_eq!(codes, ["E0102"], "{next}");
        }
    }

    #[test]
    fn balanced_blocks_written_in_column_0_are_left_alone() {
        let (names, codes) =
            outline("host pve {\nnic eno1 { speed = 10G }\nstorage local { kind = dir }\n}\n");
        assert_eq!(names, ["host 2"]);
        assert!(codes.is_empty(), "{codes:?}");
        // An attribute in column 0 is not a declaration: the block stays open to the end
        // of the file, and ends there with it.
        let (names, codes) = outline("host pve {\n  cores = 2\nmemory = 4GiB\n");
        assert_eq!(names, ["host 2"]);
        assert_eq!(codes, ["E0102"]);
    }

    #[test]
    fn declarations_rules_and_loops() {
        let file = parse_ok(
            r#"import "std/os"
## The router.
vm router 200 on pve from base {
  memory = 32GiB
  disk = 50GiB on local-lvm
  nic lan { ip = lan.gateway, ip6 = host(lan.ipv6, 1) }
  hardware = dell.r730 { cpus = 2 * intel.x, dimms = 12 * 32GiB }
}
firewall on router {
  policy input = drop
  allow lan -> router tcp/22, udp/53
  allow wan -> router tcp/179 from bgp.peers
  masquerade [lan, guest] -> wan
  forward wan tcp/443 -> proxy:443
}
for i in 1..3 {
  vm "w-{i}" (600 + i) on pve { memory = 16GiB }
}
"#,
        );
        assert_eq!(file.items.len(), 4);
        let Item::Decl(vm) = &file.items[1] else {
            panic!("expected a declaration")
        };
        assert_eq!(vm.doc.as_deref(), Some("The router."));
        assert_eq!(vm.body.entries.len(), 4);
    }

    #[test]
    fn a_wrong_or_missing_closer_is_one_error() {
        for src in [
            "site s {\n  dns = [1.1.1.1, 8.8.8.8}\n}\nnetwork n {}\n",
            "site s {\n  dns = [1.1.1.1\n}\nnetwork n {}\n",
            "site s { dns = [1.1.1.1] ] }\nnetwork n {}\n",
        ] {
            let parsed = parse(src, FileId(0));
            assert_eq!(
                parsed.diagnostics.len(),
                1,
                "{src}: {:#?}",
                parsed.diagnostics
            );
            assert_eq!(parsed.file.items.len(), 2, "{src}");
        }
    }

    #[test]
    fn malformed_literals_are_reported_once() {
        let src = "network n {\n  ipv4 = 300.1.1.1/24\n  port = tcp/70000\n  size = 99999999999999999999999GiB\n}\n";
        let parsed = parse(src, FileId(0));
        assert_eq!(parsed.diagnostics.len(), 3, "{:#?}", parsed.diagnostics);
        assert!(parsed
            .diagnostics
            .iter()
            .all(|d| d.code == Code::SYNTAX_BAD_LITERAL));
        let Some(Item::Decl(network)) = parsed.file.items.first() else {
            panic!("the network still parses")
        };
        assert_eq!(network.body.entries.len(), 3);
    }

    #[test]
    fn five_errors_five_diagnostics() {
        let src = "vm a 1 on h {\n  cores = \n  memory = = 1\n  nic { ip = ] }\n}\nnetwork n {\n  ipv4 = 10.0.0.0/8 +\n  zone lan\n}\n";
        let parsed = parse(src, FileId(0));
        let errors = parsed.diagnostics.iter().filter(|d| d.is_error()).count();
        assert_eq!(errors, 5, "{:#?}", parsed.diagnostics);
        assert_eq!(parsed.file.items.len(), 2);
    }
}
