//! The direct parser: a hand-written recursive descent over the tokens of a well-formed file.
//!
//! Most parses are of files without a single error (every build, every CI run, most
//! keystrokes), and for them the combinator parser's generality is pure cost: it records
//! what every failed alternative expected, in case an error has to be explained. This
//! parser follows the same grammar, alternative for alternative in the same order, but
//! explains nothing: at the first thing the grammar would report or recover from, it gives
//! up, and `parse` hands the file to the combinator parser, whose diagnostics and recovery
//! are the only ones there are. So it must accept exactly the files the combinator parser
//! accepts without a diagnostic, and build the same tree for them, spans included; the
//! differential tests in `parser/differential.rs` and the `parse` fuzz target hold it
//! to that.

use super::OUTCOME_WORDS;
use crate::ast::*;
use crate::lexer::{DocComment, Lines};
use crate::token::{span_text, Lexeme};
use infrac_diagnostics::{FileId, Span};
use std::sync::Arc;

mod expr;

/// Why parsing stopped: the grammar would report an error or recover here.
pub(super) struct GiveUp;

/// A parse that can fail softly (`Ok(None)`: this alternative does not apply, try the next
/// one from the same place) or give up on the whole file (`Err`).
pub(super) type Step<T> = Result<Option<T>, GiveUp>;

/// Parses `tokens` (the lexer's output, without diagnostics) into a file, or `None` when
/// the combinator parser would have something to say about it.
pub(super) fn parse(src: &str, tokens: &[(Lexeme, Span)]) -> Option<File> {
    parse_or_prefix(src, tokens).ok()
}

/// The top-level items the direct parser took before the first broken one (but the last
/// of them), and the index of the token where the recovering parser starts.
#[derive(Debug, Default)]
pub(super) struct Prefix {
    pub items: Vec<Item>,
    pub resume: usize,
}

/// Why [`parse_lines`] stopped, with the items it took before.
#[derive(Debug)]
pub(super) struct Stopped {
    items: Vec<Item>,
    /// The byte where the last of `items` starts; none when there are none.
    last_start: Option<u32>,
    /// Set when the lexer reported something: the byte where the line it reported on
    /// starts (`u32::MAX`, past every token, when that line holds none). Unset when an
    /// item did not parse.
    lexer_at: Option<u32>,
}

impl Stopped {
    /// Where the recovering parser's tokens must start: the last item taken, which it
    /// parses again, or `from` when none was taken. Nothing is open there, so lexing
    /// from it gives the whole file's tokens from it on.
    pub(super) fn lex_from(&self, from: usize) -> usize {
        self.last_start.map_or(from, |start| start as usize)
    }

    /// What [`parse_prefix`] gives for the tokens `parse_lines` lexed a line at a time,
    /// lexed whole, when `tokens` are those from [`Stopped::lex_from`] on: the items
    /// before the broken one but the last, and the token of `tokens` where the last
    /// starts. The direct parser takes the same items whichever way it is fed, so none
    /// is parsed twice: after a broken item it stops there; after the lexer's line it
    /// goes on from that line over the whole file's tokens.
    ///
    /// `None` when the lexer spoke and every item parses: then the recovering parser
    /// parses the whole file, and needs its tokens from the first byte.
    pub(super) fn prefix(self, src: &str, tokens: &[(Lexeme, Span)]) -> Option<Prefix> {
        let token_at = |byte: u32| tokens.partition_point(|(_, span)| span.start < byte);
        let Stopped {
            mut items,
            last_start,
            lexer_at,
        } = self;
        if let Some(at) = lexer_at {
            return parse_or_prefix_from(
                src,
                tokens,
                token_at(at),
                items,
                last_start.map(token_at),
            )
            .err();
        }
        Some(match last_start {
            Some(start) => {
                items.pop();
                Prefix {
                    items,
                    resume: token_at(start),
                }
            }
            None => Prefix::default(),
        })
    }
}

/// The file `src` from byte `from` on, and its doc comments, when it lexes without a
/// diagnostic and parses: what [`parse`] gives for the tokens of `lex_from(src, file,
/// from)`, lexed and parsed one top-level line at a time, so the tokens of only one item
/// are held at once. A top-level item ends its line, and nothing in it reads past the
/// line break that ends it, so each is parsed from its own tokens as from the file's.
/// When it stops, the doc comments lexed so far come with the reason.
pub(super) fn parse_lines(
    src: &str,
    file: FileId,
    from: usize,
) -> Result<(File, Vec<DocComment>), (Stopped, Vec<DocComment>)> {
    let mut lines = Lines::new(src, file, from);
    let mut tokens = Vec::new();
    let mut items = Vec::new();
    let mut last_start = None;
    let mut entries = Vec::new();
    loop {
        let more = lines.next_line(&mut tokens);
        if lines.failed() {
            let stopped = Stopped {
                items,
                last_start,
                lexer_at: Some(tokens.first().map_or(u32::MAX, |(_, span)| span.start)),
            };
            return Err((stopped, lines.into_docs()));
        }
        let mut parser = Direct {
            src,
            tokens: &tokens,
            pos: 0,
            entries: std::mem::take(&mut entries),
        };
        parser.skip_newlines();
        if let Some((_, span)) = parser.tokens.get(parser.pos) {
            let start = span.start;
            let item = parser.item();
            parser.skip_newlines();
            match item {
                Ok(item) if parser.peek().is_none() => {
                    items.push(item);
                    last_start = Some(start);
                }
                _ => {
                    let stopped = Stopped {
                        items,
                        last_start,
                        lexer_at: None,
                    };
                    return Err((stopped, lines.into_docs()));
                }
            }
        }
        entries = parser.entries;
        if !more {
            return Ok((File { items }, lines.into_docs()));
        }
    }
}

/// The top-level items at the start of `tokens` that parse, but the last of them, and
/// the index of the token where the rest begins. The recovering parser, which is far
/// slower, then parses only the rest: a file with one broken declaration near its end is
/// not parsed twice. The last item that parses is left to it as well, so whatever the
/// broken one does to its neighbour is decided as in a parse of the whole file.
pub(super) fn parse_prefix(src: &str, tokens: &[(Lexeme, Span)]) -> Prefix {
    // When every item parses, the lexer found the problem: recovery parses it all.
    parse_or_prefix(src, tokens).err().unwrap_or_default()
}

/// The whole file when it parses; else [`parse_prefix`]'s items and resuming token, from
/// the same single pass.
pub(super) fn parse_or_prefix(src: &str, tokens: &[(Lexeme, Span)]) -> Result<File, Prefix> {
    parse_or_prefix_from(src, tokens, 0, Vec::new(), None)
}

/// [`parse_or_prefix`] going on from token `pos`, where an item starts, after `items`,
/// the last of which starts at token `last_start`.
fn parse_or_prefix_from(
    src: &str,
    tokens: &[(Lexeme, Span)],
    pos: usize,
    mut items: Vec<Item>,
    mut last_start: Option<usize>,
) -> Result<File, Prefix> {
    let mut parser = Direct {
        src,
        tokens,
        pos,
        entries: Vec::new(),
    };
    parser.skip_newlines();
    let mut broken = false;
    while parser.peek().is_some() {
        let start = parser.pos;
        let Ok(item) = parser.item() else {
            broken = true;
            break;
        };
        match parser.peek() {
            None => {
                items.push(item);
                break;
            }
            Some(Lexeme::Newline) => {
                items.push(item);
                last_start = Some(start);
                parser.skip_newlines();
            }
            Some(_) => {
                broken = true;
                break;
            }
        }
    }
    if !broken {
        return Ok(File { items });
    }
    match last_start {
        Some(resume) => {
            items.pop();
            Err(Prefix { items, resume })
        }
        None => Err(Prefix::default()),
    }
}

struct Direct<'t> {
    /// The text the tokens were lexed from, which holds their names and texts.
    src: &'t str,
    tokens: &'t [(Lexeme, Span)],
    pos: usize,
    /// The entries of the blocks being parsed, innermost last: each block takes its own
    /// off the top when it closes, into a list of exactly their number. Grown by doubling,
    /// a block of two entries would hold room for four, a fifth of a large lab's tree.
    entries: Vec<Entry>,
}

impl<'t> Direct<'t> {
    fn peek(&self) -> Option<&'t Lexeme> {
        self.tokens.get(self.pos).map(|(t, _)| t)
    }

    fn peek_at(&self, ahead: usize) -> Option<&'t Lexeme> {
        self.tokens.get(self.pos + ahead).map(|(t, _)| t)
    }

    /// Whether the next token is `token`, which is punctuation or a keyword: tokens that
    /// carry nothing, so comparing the variants is enough and much cheaper than the
    /// derived comparison.
    #[inline(always)]
    fn at(&self, token: &Lexeme) -> bool {
        debug_assert!(token.is_bare(), "`at` compares variants only");
        self.peek()
            .is_some_and(|next| std::mem::discriminant(next) == std::mem::discriminant(token))
    }

    /// The name written at `span`, the span of a name token.
    #[inline]
    fn named(&self, span: Span) -> Ident {
        Ident {
            name: crate::token::name_text(span_text(self.src, span)),
            span,
        }
    }

    /// The next token's text, when it is a name.
    fn word(&self) -> Option<&'t str> {
        match self.tokens.get(self.pos) {
            Some((Lexeme::Ident(()), span)) => Some(span_text(self.src, *span)),
            _ => None,
        }
    }

    fn at_word(&self, word: &str) -> bool {
        self.word() == Some(word)
    }

    /// The span of the token at `pos`.
    #[inline(always)]
    fn span_at(&self, pos: usize) -> Span {
        self.tokens[pos].1
    }

    /// The span from the token at `start` to the last token consumed. Inlined: a span
    /// returned through memory stalled the caller that read it back.
    #[inline(always)]
    fn span_from(&self, start: usize) -> Span {
        self.span_at(start).to(self.span_at(self.pos - 1))
    }

    fn eat(&mut self, token: &Lexeme) -> bool {
        if self.at(token) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// The name at token `pos`, if that is a name.
    // Inlined, like the paths below: a name returned through memory was written by the
    // callee a field at a time and read back whole by the caller, a load that waits for
    // those stores (a fifth of the time spent parsing attributes, a third of that spent
    // parsing values).
    #[inline(always)]
    fn name_at(&self, pos: usize) -> Option<Ident> {
        match self.tokens.get(pos) {
            Some((Lexeme::Ident(()), span)) => Some(self.named(*span)),
            _ => None,
        }
    }

    #[inline(always)]
    fn ident(&mut self) -> Option<Ident> {
        let ident = self.name_at(self.pos)?;
        self.pos += 1;
        Some(ident)
    }

    /// How many names `NAME (. NAME)*` has from token `pos` on (none when there is no
    /// name there); a dot not followed by a name ends it.
    fn dotted_len(&self, pos: usize) -> usize {
        let is = |at: usize, dot: bool| match self.tokens.get(at) {
            Some((Lexeme::Dot, _)) => dot,
            Some((Lexeme::Ident(()), _)) => !dot,
            _ => false,
        };
        if !is(pos, false) {
            return 0;
        }
        let mut len = 1;
        while is(pos + 2 * len - 1, true) && is(pos + 2 * len, false) {
            len += 1;
        }
        len
    }

    /// The `len` names of a dotted name at token `pos` (see [`Direct::dotted_len`]).
    fn dotted(&self, pos: usize, len: usize) -> ThinVec<Ident> {
        // Counted first, so a path (`lan.ipv4`) has room for exactly its segments and is
        // never reallocated.
        let mut segments = ThinVec::with_capacity(len);
        let names = self.tokens.get(pos..).unwrap_or_default();
        for (token, span) in names.iter().step_by(2).take(len) {
            if let Lexeme::Ident(()) = token {
                segments.push(self.named(*span));
            }
        }
        segments
    }

    /// `NAME (. NAME)*`; a dot not followed by a name is left alone.
    #[inline(always)]
    fn path(&mut self) -> Option<Path> {
        let start = self.pos;
        let len = self.dotted_len(start);
        if len == 0 {
            return None;
        }
        let segments = self.dotted(start, len);
        self.pos = start + 2 * len - 1;
        Some(Path {
            segments,
            span: self.span_from(start),
        })
    }

    /// Runs `f`; when it fails softly, puts the position back where it was.
    fn attempt<T>(&mut self, f: impl FnOnce(&mut Self) -> Step<T>) -> Step<T> {
        let before = self.pos;
        let out = f(self)?;
        if out.is_none() {
            self.pos = before;
        }
        Ok(out)
    }

    // ---- items -------------------------------------------------------------------------

    fn skip_newlines(&mut self) {
        while matches!(self.peek(), Some(Lexeme::Newline)) {
            self.pos += 1;
        }
    }

    fn item(&mut self) -> Result<Item, GiveUp> {
        if self.at(&Lexeme::Import) {
            return self
                .import()
                .map(|import| Item::Import(Box::new(import)))
                .ok_or(GiveUp);
        }
        if self.at_word("expect") {
            if let Some(expect) = self.attempt(|p| Ok(p.expect()))? {
                return Ok(Item::Expect(Box::new(expect)));
            }
        }
        let item = self.entry_as(
            |decl| Item::Decl(Arc::new(decl)),
            |entry| match entry {
                Entry::For(f) => Some(Item::For(f)),
                // Attributes and rules are errors at the top level.
                _ => None,
            },
        )?;
        item.ok_or_else(|| {
            self.entries.pop();
            GiveUp
        })
    }

    fn import(&mut self) -> Option<Import> {
        let start = self.pos;
        self.pos += 1;
        let path_start = self.pos;
        if !self.eat(&Lexeme::StrStart) {
            return None;
        }
        let path = match self.peek() {
            Some(&Lexeme::StrText(escaped)) => {
                let text = Lexeme::string_text(self.src, self.span_at(self.pos), escaped);
                self.pos += 1;
                text.to_string()
            }
            _ => String::new(),
        };
        if !self.eat(&Lexeme::StrEnd) {
            return None;
        }
        let path_span = self.span_from(path_start);
        let mut alias = None;
        if self.at(&Lexeme::As) {
            self.pos += 1;
            alias = self.ident();
            if alias.is_none() {
                self.pos -= 1;
            }
        }
        Some(Import {
            path,
            path_span,
            alias,
            span: self.span_from(start),
        })
    }

    /// `expect FROM -> TO [PORTS] [OUTCOME] [on ROUTER]`, as `parser/expect.rs` reads it.
    fn expect(&mut self) -> Option<Expect> {
        let start = self.pos;
        self.pos += 1;
        let from = self.endpoint()?;
        if !self.eat(&Lexeme::Arrow) {
            return None;
        }
        let to = self.endpoint()?;
        let mut ports = Vec::new();
        loop {
            let before = self.pos;
            if !ports.is_empty() && !self.eat(&Lexeme::Comma) {
                break;
            }
            match self.expect_port() {
                Some(port) => ports.push(port),
                None => {
                    self.pos = before;
                    break;
                }
            }
        }
        let mut outcome = Vec::new();
        if self.word().is_some_and(|w| OUTCOME_WORDS.contains(&w)) {
            while outcome.len() < 3 {
                match self.ident() {
                    Some(word) => outcome.push(word),
                    None => break,
                }
            }
        }
        let mut on = None;
        if self.at(&Lexeme::On) {
            self.pos += 1;
            on = self.ident();
            if on.is_none() {
                self.pos -= 1;
            }
        }
        Some(Expect {
            from,
            to,
            ports,
            outcome,
            on,
            span: self.span_from(start),
        })
    }

    fn endpoint(&mut self) -> Option<Expr> {
        let (token, span) = self.tokens.get(self.pos)?;
        let kind = match token {
            Lexeme::Ipv4(a) => ExprKind::Ipv4(*a),
            Lexeme::Ipv6(a) => ExprKind::Ipv6(*a),
            Lexeme::Ident(()) => ExprKind::Path(Path {
                segments: thin_vec![self.named(*span)],
                span: *span,
            }),
            _ => return None,
        };
        self.pos += 1;
        Some(leaf(kind, *span))
    }

    fn expect_port(&mut self) -> Option<Expr> {
        let start = self.pos;
        let kind = match self.peek()? {
            Lexeme::Port(p, lo, hi) => {
                self.pos += 1;
                ExprKind::Port(*p, *lo, *hi)
            }
            _ => {
                let path = self.path()?;
                if path.segments.len() == 1
                    && OUTCOME_WORDS.contains(&path.segments[0].name.as_str())
                {
                    return None;
                }
                ExprKind::Path(path)
            }
        };
        Some(leaf(kind, self.span_from(start)))
    }

    // ---- entries -----------------------------------------------------------------------

    /// One entry, pushed onto [`Direct::entries`]: the first alternative that parses,
    /// which must end its line.
    fn entry(&mut self) -> Result<(), GiveUp> {
        if let Some(entry) = self.entry_as(|decl| Entry::Block(Box::new(decl)), Some)? {
            self.entries.push(entry);
        }
        Ok(())
    }

    /// [`Direct::entry`], with a declaration put where it goes by `decl` (so it is moved
    /// into its box, or its shared node at the top level, once) and any other entry by
    /// `other`, which refuses those that are not allowed there. An attribute, the most
    /// common entry and a large one, is pushed onto [`Direct::entries`] where it is
    /// built, instead of being copied up through each layer: then `None`.
    #[inline(always)]
    fn entry_as<T>(
        &mut self,
        decl: impl FnOnce(Decl) -> T,
        other: impl FnOnce(Entry) -> Option<T>,
    ) -> Result<Option<T>, GiveUp> {
        let found = match self.peek() {
            Some(Lexeme::For) => Some(self.for_loop()?.and_then(other)),
            Some(Lexeme::Ident(())) if self.attempt(Self::attr)?.is_some() => None,
            Some(Lexeme::Ident(())) => {
                // The rules' keywords are names too; at most one of them applies.
                let found = match self.word().unwrap_or_default() {
                    "policy" => self.attempt(Self::policy)?,
                    "allow" | "deny" => self.attempt(Self::filter)?,
                    "masquerade" => self.attempt(Self::masquerade)?,
                    "forward" => self.attempt(Self::forward)?,
                    _ => None,
                };
                Some(match found {
                    Some(entry) => other(entry),
                    None => self.attempt(|p| p.decl(decl))?,
                })
            }
            _ => Some(None),
        };
        let found = match found {
            Some(found) => Some(found.ok_or(GiveUp)?),
            None => None,
        };
        match self.peek() {
            None | Some(Lexeme::Newline | Lexeme::Comma | Lexeme::RBrace) => Ok(found),
            Some(_) => Err(GiveUp),
        }
    }

    fn for_loop(&mut self) -> Step<Entry> {
        let start = self.pos;
        self.pos += 1;
        let Some(var) = self.ident() else {
            return Ok(None);
        };
        if !self.eat(&Lexeme::In) {
            return Ok(None);
        }
        let Some(range) = self.expr()? else {
            return Ok(None);
        };
        let Some(body) = self.block()? else {
            return Ok(None);
        };
        Ok(Some(Entry::For(Box::new(ForLoop {
            var,
            range,
            body: body.entries,
            span: self.span_from(start),
        }))))
    }

    /// An attribute, pushed onto [`Direct::entries`].
    fn attr(&mut self) -> Step<()> {
        // Most entries that start with a name are blocks: look for `NAME(.NAME)* =`
        // before building anything.
        let start = self.pos;
        let len = self.dotted_len(start);
        if len == 0 || !matches!(self.tokens.get(start + 2 * len - 1), Some((Lexeme::Eq, _))) {
            return Ok(None);
        }
        let path = match self.name_at(start) {
            Some(only) if len == 1 => AttrName::One(only),
            _ => AttrName::Dotted(self.dotted(start, len).into_iter().collect()),
        };
        self.pos = start + 2 * len;
        let Some(value) = self.expr()? else {
            return Ok(None);
        };
        let attr = Attr { path, value };
        // The span an attribute gives is derived; it must be what the parser took.
        debug_assert_eq!(attr.span(), self.span_from(start));
        self.entries.push(Entry::Attr(attr));
        Ok(Some(()))
    }

    fn policy(&mut self) -> Step<Entry> {
        let start = self.pos;
        let keyword = Ident {
            name: "policy".into(),
            span: self.span_at(start),
        };
        self.pos += 1;
        let Some(chain) = self.ident() else {
            return Ok(None);
        };
        if !self.eat(&Lexeme::Eq) {
            return Ok(None);
        }
        let Some(value) = self.expr()? else {
            return Ok(None);
        };
        let attr = Attr {
            path: AttrName::Dotted(Box::new([keyword, chain])),
            value,
        };
        debug_assert_eq!(attr.span(), self.span_from(start));
        Ok(Some(Entry::Attr(attr)))
    }

    /// A port in a firewall rule: a port literal or a service's name.
    fn rule_port(&mut self) -> Option<Expr> {
        let start = self.pos;
        let kind = match self.peek()? {
            Lexeme::Port(p, lo, hi) => {
                self.pos += 1;
                ExprKind::Port(*p, *lo, *hi)
            }
            _ => ExprKind::Path(self.path()?),
        };
        Some(leaf(kind, self.span_from(start)))
    }

    fn filter(&mut self) -> Step<Entry> {
        let start = self.pos;
        let action = self.ident().ok_or(GiveUp)?;
        let Some(from) = self.ident() else {
            return Ok(None);
        };
        if !self.eat(&Lexeme::Arrow) {
            return Ok(None);
        }
        let Some(to) = self.ident() else {
            return Ok(None);
        };
        let mut ports = Vec::new();
        if let Some(first) = self.rule_port() {
            ports.push(first);
            while self.at(&Lexeme::Comma) {
                let before = self.pos;
                self.pos += 1;
                match self.rule_port() {
                    Some(port) => ports.push(port),
                    None => {
                        self.pos = before;
                        break;
                    }
                }
            }
        }
        let mut sources = None;
        if self.at(&Lexeme::From) {
            let before = self.pos;
            self.pos += 1;
            sources = self.expr()?;
            if sources.is_none() {
                self.pos = before;
            }
        }
        Ok(Some(Entry::Rule(Box::new(Rule::Filter {
            action,
            from,
            to,
            ports,
            sources,
            span: self.span_from(start),
        }))))
    }

    fn masquerade(&mut self) -> Step<Entry> {
        let start = self.pos;
        self.pos += 1;
        let Some(zones) = self.expr()? else {
            return Ok(None);
        };
        if !self.eat(&Lexeme::Arrow) {
            return Ok(None);
        }
        let Some(to) = self.ident() else {
            return Ok(None);
        };
        Ok(Some(Entry::Rule(Box::new(Rule::Masquerade {
            zones,
            to,
            span: self.span_from(start),
        }))))
    }

    fn forward(&mut self) -> Step<Entry> {
        let start = self.pos;
        self.pos += 1;
        let Some(from) = self.ident() else {
            return Ok(None);
        };
        let Some(port) = self.rule_port() else {
            return Ok(None);
        };
        if !self.eat(&Lexeme::Arrow) {
            return Ok(None);
        }
        let Some(target) = self.ident() else {
            return Ok(None);
        };
        let mut target_port = None;
        if self.at(&Lexeme::Colon) {
            if let Some((Lexeme::Number(n), span)) = self.tokens.get(self.pos + 1) {
                self.pos += 2;
                target_port = Some(leaf(ExprKind::Number(*n), *span));
            }
        }
        Ok(Some(Entry::Rule(Box::new(Rule::Forward {
            from,
            port,
            target,
            target_port,
            span: self.span_from(start),
        }))))
    }

    /// `KIND [NAME] [ID] [on PATH] [from PATH] [in PATH] { … }`, put where it goes by
    /// `place` as soon as it is built: a declaration is large, and each layer of
    /// `Step` it went through would copy it whole.
    fn decl<T>(&mut self, place: impl FnOnce(Decl) -> T) -> Step<T> {
        let start = self.pos;
        let kind = self.ident().ok_or(GiveUp)?;
        let name = match self.peek() {
            Some(Lexeme::Ident(())) => self.ident().map(DeclName::Ident),
            Some(Lexeme::StrStart) => self.attempt(Self::string)?.map(DeclName::Str),
            _ => None,
        };
        let id = match self.tokens.get(self.pos) {
            Some((Lexeme::Number(n), span)) => {
                self.pos += 1;
                Some(leaf(ExprKind::Number(*n), *span))
            }
            Some((Lexeme::LParen, _)) => self.attempt(|p| {
                p.pos += 1;
                let Some(inner) = p.expr()? else {
                    return Ok(None);
                };
                Ok(p.eat(&Lexeme::RParen).then_some(inner))
            })?,
            _ => None,
        };
        let on = self.placement(&Lexeme::On);
        let from = self.placement(&Lexeme::From).map(Box::new);
        let in_ = self.placement(&Lexeme::In).map(Box::new);
        let Some(body) = self.block()? else {
            return Ok(None);
        };
        Ok(Some(place(Decl {
            doc: None,
            kind,
            name,
            id,
            on,
            from,
            in_,
            loops: body.has_loops(),
            body,
            span: self.span_from(start),
        })))
    }

    /// `KEYWORD PATH`, or nothing (and nothing consumed).
    fn placement(&mut self, keyword: &Lexeme) -> Option<Path> {
        if !self.at(keyword) {
            return None;
        }
        self.pos += 1;
        let path = self.path();
        if path.is_none() {
            self.pos -= 1;
        }
        path
    }

    /// `{ entries }`; once the `{` is there, anything wrong inside is an error.
    fn block(&mut self) -> Step<Block> {
        let start = self.pos;
        if !self.eat(&Lexeme::LBrace) {
            return Ok(None);
        }
        let separator = |t: Option<&Lexeme>| matches!(t, Some(Lexeme::Newline | Lexeme::Comma));
        while separator(self.peek()) {
            self.pos += 1;
        }
        let mark = self.entries.len();
        while !self.at(&Lexeme::RBrace) {
            match self.entry() {
                Ok(()) => {}
                Err(give_up) => {
                    self.entries.truncate(mark);
                    return Err(give_up);
                }
            }
            if !separator(self.peek()) {
                break;
            }
            while separator(self.peek()) {
                self.pos += 1;
            }
        }
        // Moved out in one copy, into a list of exactly their number. `split_off(0)`
        // would hand the whole stack over instead, with its room.
        let entries = if mark == 0 {
            let mut entries = Vec::with_capacity(self.entries.len());
            entries.append(&mut self.entries);
            entries
        } else {
            self.entries.split_off(mark)
        };
        if !self.eat(&Lexeme::RBrace) {
            return Err(GiveUp);
        }
        Ok(Some(Block {
            entries,
            span: self.span_from(start),
        }))
    }
}

/// A node without expressions below it: what [`Expr::new`] makes of it, without looking.
#[inline]
pub(super) fn leaf(kind: ExprKind, span: Span) -> Expr {
    Expr {
        kind,
        span,
        depth: 1,
    }
}

/// A node, unless it is deeper than the parser allows: that is reported, so give up.
pub(super) fn bounded(kind: ExprKind, span: Span) -> Result<Expr, GiveUp> {
    let expr = Expr::new(kind, span);
    if expr.depth > MAX_EXPR_DEPTH {
        return Err(GiveUp);
    }
    Ok(expr)
}

/// [`bounded`] for a node whose children's deepest is `below` levels deep, known to the
/// caller: what [`Expr::new`] would find by looking again.
#[inline]
pub(super) fn above(kind: ExprKind, span: Span, below: u32) -> Result<Expr, GiveUp> {
    let depth = below + 1;
    if depth > MAX_EXPR_DEPTH {
        return Err(GiveUp);
    }
    Ok(Expr { kind, span, depth })
}

pub(super) fn binary(op: BinOp, left: Expr, right: Expr) -> Result<Expr, GiveUp> {
    let span = left.span.to(right.span);
    let below = left.depth.max(right.depth);
    above(
        ExprKind::Binary(op, Box::new(left), Box::new(right)),
        span,
        below,
    )
}
