//! The lexer: source text to tokens, doc comments and lexical diagnostics.
//!
//! Hand-written because the typed literals need lookahead that a grammar would make
//! unreadable: `d0:94:66:24:96:7c` is a MAC, `fe80::1` an address, `face` a name,
//! `192.168.1.10..192.168.1.20` a range of addresses and `1.6TiB` a size.

use crate::token::{Lexeme, Number, Protocol, Token};
use infrac_diagnostics::{Code, Diagnostic, FileId, Span};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Brackets nested deeper than this are reported and skipped, so no later stage recurses
/// without bound.
pub const MAX_NESTING: usize = 64;

/// A `##` doc comment: its text and where it sits.
#[derive(Debug, Clone, PartialEq)]
pub struct DocComment {
    pub text: String,
    pub span: Span,
}

/// Everything the lexer produces: its tokens as [`Token`]s, or as the parsers read them,
/// [`Lexeme`]s.
#[derive(Debug)]
pub struct Lexed<T = Token> {
    pub tokens: Vec<(T, Span)>,
    pub docs: Vec<DocComment>,
    pub diagnostics: Vec<Diagnostic>,
    /// Where a `}` closed nothing (reported, and left out of `tokens`): the recovering
    /// parser asks whether the `{` it was meant to close is missing from a line above.
    pub stray_braces: Vec<usize>,
}

impl<T> Default for Lexed<T> {
    fn default() -> Self {
        Lexed {
            tokens: Vec::new(),
            docs: Vec::new(),
            diagnostics: Vec::new(),
            stray_braces: Vec::new(),
        }
    }
}

impl Lexed<Lexeme> {
    /// The same tokens as [`Token`]s, their texts copied out of `src`, which they were
    /// lexed from.
    pub fn to_tokens(self, src: &str) -> Lexed {
        Lexed {
            tokens: self
                .tokens
                .into_iter()
                .map(|(lexeme, span)| (lexeme.to_token(src, span), span))
                .collect(),
            docs: self.docs,
            diagnostics: self.diagnostics,
            stray_braces: self.stray_braces,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Mode {
    /// Ordinary code; `interp` marks code inside a string's `{…}`.
    Code {
        interp: bool,
        braces: usize,
    },
    Str,
}

struct Lexer<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
    file: FileId,
    out: Lexed<Lexeme>,
    modes: Vec<Mode>,
    /// Open `(`/`[` count per code mode; newlines inside them are not significant.
    groups: Vec<usize>,
    /// Every open bracket, for unclosed-delimiter reports and the nesting limit.
    open: Vec<(u8, Span)>,
    /// Whether offsets can pass `u32::MAX`, where spans are clamped ([`Span::new`]).
    huge: bool,
}

/// Splits `src` into tokens. Never fails: problems become diagnostics.
pub fn lex(src: &str, file: FileId) -> Lexed {
    lexemes(src, file).to_tokens(src)
}

/// [`lex`], giving the tokens as the parsers read them.
pub fn lexemes(src: &str, file: FileId) -> Lexed<Lexeme> {
    lex_from(src, file, 0)
}

/// The tokens of `src` from byte `from` on, with spans in `src`: what [`lex`] gives after
/// `from` when a token ended there and no string or bracket was open.
pub(crate) fn lex_from(src: &str, file: FileId, from: usize) -> Lexed<Lexeme> {
    // Generated labs (aligned attributes, short names) run to about one token per three
    // bytes, written ones to fewer. Growing by doubling would copy every token again;
    // capacity never written to is never touched, so reserving for the dense case costs
    // address space, not memory.
    let tokens = Vec::with_capacity(src.len().saturating_sub(from) / 3 + 16);
    let mut lexer = Lexer::new(src, file, from, tokens);
    lexer.run();
    lexer.out
}

/// The tokens of `src` from byte `from` on, one top-level line at a time: what [`lex_from`]
/// gives, cut after each line break outside every bracket and string. A parser that
/// needs one top-level item at a time holds the tokens of one item instead of the file's
/// (half a million tokens, 20 MiB, in a 10,000-guest lab).
pub(crate) struct Lines<'a> {
    lexer: Lexer<'a>,
}

impl<'a> Lines<'a> {
    pub(crate) fn new(src: &'a str, file: FileId, from: usize) -> Self {
        Lines {
            lexer: Lexer::new(src, file, from, Vec::new()),
        }
    }

    /// Puts into `out` (emptied first) the tokens up to and including the next line break
    /// outside every bracket and string, or up to the end of the text; false when the
    /// text has ended.
    pub(crate) fn next_line(&mut self, out: &mut Vec<(Lexeme, Span)>) -> bool {
        out.clear();
        std::mem::swap(&mut self.lexer.out.tokens, out);
        let more = self.lexer.run_line();
        std::mem::swap(&mut self.lexer.out.tokens, out);
        more
    }

    /// Whether the lexer reported anything in what it lexed so far.
    pub(crate) fn failed(&self) -> bool {
        !self.lexer.out.diagnostics.is_empty()
    }

    /// The doc comments lexed so far.
    pub(crate) fn into_docs(self) -> Vec<DocComment> {
        self.lexer.out.docs
    }
}

/// Which bytes continue a name: letters, digits, `_` and `-`. A table, because every
/// byte of every name is tested.
static IDENT_CHAR: [bool; 256] = {
    let mut table = [false; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        table[c] = b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
        c += 1;
    }
    table
};

#[inline]
fn is_ident_char(c: u8) -> bool {
    IDENT_CHAR[c as usize]
}

/// What a byte starts in code: one table lookup and one jump pick the token.
#[derive(Clone, Copy)]
enum Start {
    Other,
    Blank,
    Newline,
    Return,
    Hash,
    Quote,
    LBrace,
    LBracket,
    LParen,
    RBrace,
    RBracket,
    RParen,
    Comma,
    Eq,
    Plus,
    Star,
    Slash,
    Minus,
    Dot,
    Colon,
    Digit,
    /// A letter or `_`: a name, or a raw string after `r`, or a literal that starts
    /// with a hex digit.
    Letter,
}

static START: [Start; 256] = {
    let mut table = [Start::Other; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        table[c] = match b {
            b' ' | b'\t' => Start::Blank,
            b'\n' => Start::Newline,
            b'\r' => Start::Return,
            b'#' => Start::Hash,
            b'"' => Start::Quote,
            b'{' => Start::LBrace,
            b'[' => Start::LBracket,
            b'(' => Start::LParen,
            b'}' => Start::RBrace,
            b']' => Start::RBracket,
            b')' => Start::RParen,
            b',' => Start::Comma,
            b'=' => Start::Eq,
            b'+' => Start::Plus,
            b'*' => Start::Star,
            b'/' => Start::Slash,
            b'-' => Start::Minus,
            b'.' => Start::Dot,
            b':' => Start::Colon,
            b'0'..=b'9' => Start::Digit,
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => Start::Letter,
            _ => Start::Other,
        };
        c += 1;
    }
    table
};

/// [`IDENT_CHAR`] without `-`: the bytes a hyphen in a name must be followed by.
static WORD_CHAR: [bool; 256] = {
    let mut table = IDENT_CHAR;
    table[b'-' as usize] = false;
    table
};

/// Where the name going on at `pos` ends: letters, digits and `_`, and each `-` that one
/// of those follows.
#[inline]
fn name_end(bytes: &[u8], mut pos: usize) -> usize {
    while let Some(&c) = bytes.get(pos) {
        if WORD_CHAR[c as usize] {
            pos += 1;
        } else if c == b'-' && bytes.get(pos + 1).is_some_and(|&n| WORD_CHAR[n as usize]) {
            pos += 2;
        } else {
            break;
        }
    }
    pos
}

impl<'a> Lexer<'a> {
    fn new(src: &'a str, file: FileId, from: usize, tokens: Vec<(Lexeme, Span)>) -> Self {
        // A byte order mark opening the text is not a character of the language. Files
        // read from disk lose it before they are lexed (`source_text`), but an editor may
        // send it as part of a document, where positions count it: it is skipped, not
        // removed, so every span stays an offset in the text the editor has.
        let from = if from == 0 && src.starts_with('\u{feff}') {
            '\u{feff}'.len_utf8()
        } else {
            from
        };
        Lexer {
            src,
            bytes: src.as_bytes(),
            pos: from,
            file,
            out: Lexed {
                tokens,
                ..Lexed::default()
            },
            modes: vec![Mode::Code {
                interp: false,
                braces: 0,
            }],
            groups: vec![0],
            open: Vec::new(),
            huge: u32::try_from(src.len()).is_err(),
        }
    }

    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, start, end)
    }

    fn peek(&self, ahead: usize) -> Option<u8> {
        self.bytes.get(self.pos + ahead).copied()
    }

    /// Appends a token ending here; `start` is never past the current position.
    #[inline]
    fn push(&mut self, token: Lexeme, start: usize) {
        let span = if self.huge {
            self.span(start, self.pos)
        } else {
            // Offsets in a text under 4 GiB fit: the clamping of `Span::new` is moot.
            Span {
                file: self.file,
                start: start as u32,
                end: self.pos as u32,
            }
        };
        self.out.tokens.push((token, span));
    }

    /// Reports a lexical error; every one says what to do about it.
    fn error(
        &mut self,
        code: Code,
        message: impl Into<String>,
        start: usize,
        end: usize,
        label: impl Into<String>,
        help: impl Into<String>,
    ) {
        let span = self.span(start, end);
        self.out
            .diagnostics
            .push(Diagnostic::error(code, message, span, label).with_help(help));
    }

    fn run(&mut self) {
        while self.run_line() {}
    }

    /// Lexes up to the end of the next top-level line; false, with the end of the text
    /// handled, when the text ends first.
    fn run_line(&mut self) -> bool {
        while self.pos < self.bytes.len() {
            let done = match self.modes.last() {
                Some(Mode::Str) => {
                    self.string_part();
                    false
                }
                _ => self.code_run(),
            };
            if done {
                return true;
            }
        }
        self.finish();
        false
    }

    /// What is still open at the end of the text.
    fn finish(&mut self) {
        if let Some(Mode::Str) = self.modes.last() {
            let end = self.src.len();
            self.error(
                Code::SYNTAX_UNCLOSED,
                "unterminated string",
                end,
                end,
                "the string is still open at the end of the file",
                "close the string with `\"`",
            );
            self.push(Lexeme::StrEnd, end);
        }
        for (delim, span) in std::mem::take(&mut self.open).into_iter().rev() {
            self.out.diagnostics.push(brackets::unclosed(delim, span));
        }
    }

    /// Lexes code up to a line break outside every bracket and string: the end of a
    /// top-level item, where [`Lines`] hands out what was lexed so far (true). Returns
    /// false at the end of the text or when a string starts or an interpolation ends, for
    /// the caller to switch modes.
    fn code_run(&mut self) -> bool {
        let bytes = self.bytes;
        loop {
            let pos = self.pos;
            let Some(&c) = bytes.get(pos) else {
                return false;
            };
            let start = pos;
            match START[c as usize] {
                Start::Blank => {
                    let mut end = pos + 1;
                    while matches!(bytes.get(end), Some(b' ' | b'\t')) {
                        end += 1;
                    }
                    self.pos = end;
                }
                // CRLF is one line break (the `\n` ends the line); a lone CR, as old Mac
                // files have, ends one by itself.
                Start::Return if bytes.get(pos + 1) == Some(&b'\n') => self.pos += 1,
                Start::Return | Start::Newline => {
                    self.pos += 1;
                    if self.groups.last().copied().unwrap_or(0) > 0 {
                        if let Some(name) = self.attribute_starts_line() {
                            self.close_groups_before_attribute(start, name);
                        }
                    }
                    let in_group = self.groups.last().copied().unwrap_or(0) > 0;
                    let last_is_newline =
                        matches!(self.out.tokens.last(), Some((Lexeme::Newline, _)) | None);
                    if !in_group && !last_is_newline {
                        self.push(Lexeme::Newline, start);
                        if self.open.is_empty() && self.modes.len() == 1 {
                            return true;
                        }
                    }
                }
                Start::Hash => self.comment(),
                Start::Quote => {
                    self.pos += 1;
                    self.push(Lexeme::StrStart, start);
                    self.modes.push(Mode::Str);
                    return false;
                }
                Start::LBrace => self.open_delim(b'{', Lexeme::LBrace),
                Start::LBracket => self.open_delim(b'[', Lexeme::LBracket),
                Start::LParen => self.open_delim(b'(', Lexeme::LParen),
                Start::RBrace => {
                    if self.close_brace() {
                        return false;
                    }
                }
                Start::RBracket => self.close_delim(b'[', Lexeme::RBracket),
                Start::RParen => self.close_delim(b'(', Lexeme::RParen),
                Start::Comma => self.single(Lexeme::Comma),
                Start::Eq => self.single(Lexeme::Eq),
                Start::Plus => self.single(Lexeme::Plus),
                Start::Star => self.single(Lexeme::Star),
                Start::Slash => self.single(Lexeme::Slash),
                Start::Minus if bytes.get(pos + 1) == Some(&b'>') => {
                    self.pos += 2;
                    self.push(Lexeme::Arrow, start);
                }
                Start::Minus => self.single(Lexeme::Minus),
                Start::Dot if bytes.get(pos + 1) == Some(&b'.') => {
                    self.pos += 2;
                    self.push(Lexeme::DotDot, start);
                }
                Start::Dot => self.single(Lexeme::Dot),
                Start::Colon if !self.try_address() => self.single(Lexeme::Colon),
                Start::Colon => {}
                Start::Digit => self.digits(),
                Start::Letter if c == b'r' && bytes.get(pos + 1) == Some(&b'"') => {
                    self.raw_string()
                }
                Start::Letter => {
                    // The letter itself is part of the name.
                    let end = name_end(bytes, pos + 1);
                    // An IPv6 address or a MAC can start like a name, but then a `:` ends
                    // the name.
                    let address = bytes.get(end) == Some(&b':')
                        && c.is_ascii_hexdigit()
                        && self.colon_follows_group()
                        && self.try_address();
                    if !address {
                        self.name(start, end);
                    }
                }
                Start::Other => {
                    let ch = self.src[start..].chars().next().unwrap_or('\u{fffd}');
                    self.pos += ch.len_utf8().max(1);
                    self.error(
                        Code::SYNTAX_BAD_CHARACTER,
                        format!("unexpected character `{}`", ch.escape_debug()),
                        start,
                        self.pos,
                        "no token starts with this character",
                        "names use letters, digits, `_` and `-`; text goes in double quotes",
                    );
                }
            }
        }
    }

    /// A token starting with a decimal digit. An address starts like a number, but a
    /// plain integer with its unit is never one unless a `:` or a digit follows it (at
    /// most four hex digits and a `:` start an IPv6 address or a MAC), so the address
    /// test is left to what is not.
    fn digits(&mut self) {
        if let Some((value, end, unit_end)) = self.plain_integer() {
            if !matches!(self.bytes.get(unit_end), Some(b':' | b'0'..=b'9')) {
                self.push_integer(value, end, unit_end);
                return;
            }
        }
        if !(self.colon_follows_group() && self.try_address()) {
            self.number();
        }
    }

    fn single(&mut self, token: Lexeme) {
        let start = self.pos;
        self.pos += 1;
        self.push(token, start);
    }

    fn comment(&mut self) {
        let start = self.pos;
        // One character searched for at a time goes by `memchr`, many bytes at a step;
        // a set of two would be decoded character by character.
        let rest = &self.src[start..];
        let line = rest.find('\n').map_or(rest, |i| &rest[..i]);
        let end = start + line.find('\r').unwrap_or(line.len());
        let text = &self.src[start..end];
        if let Some(doc) = text.strip_prefix("##") {
            if !doc.starts_with('#') {
                let doc = doc.strip_prefix(' ').unwrap_or(doc).trim_end().to_string();
                let span = self.span(start, end);
                self.out.docs.push(DocComment { text: doc, span });
            }
        }
        self.pos = end;
    }

    fn string_part(&mut self) {
        let start = self.pos;
        // The text is left in the source; a backslash marks it for reading its escapes.
        let mut escaped = false;
        while self.pos < self.bytes.len() {
            let c = self.bytes[self.pos];
            match c {
                b'"' => {
                    self.flush_text(start, escaped);
                    let s = self.pos;
                    self.pos += 1;
                    self.modes.pop();
                    self.push(Lexeme::StrEnd, s);
                    return;
                }
                b'{' => {
                    self.flush_text(start, escaped);
                    let s = self.pos;
                    self.pos += 1;
                    self.modes.push(Mode::Code {
                        interp: true,
                        braces: 0,
                    });
                    self.groups.push(1);
                    self.push(Lexeme::InterpOpen, s);
                    return;
                }
                b'\n' | b'\r' => {
                    self.flush_text(start, escaped);
                    self.error(
                        Code::SYNTAX_UNCLOSED,
                        "unterminated string",
                        self.pos,
                        self.pos,
                        "the line ends before the closing `\"`",
                        "close the string on the same line; write `\\n` for a line break",
                    );
                    self.modes.pop();
                    self.push(Lexeme::StrEnd, self.pos);
                    return;
                }
                b'\\' => {
                    escaped = true;
                    let esc_start = self.pos;
                    self.pos += 1;
                    let next = self.src[self.pos..].chars().next();
                    if let Some(other) = next.filter(|&c| crate::token::escape(c).is_none()) {
                        self.error(
                            Code::SYNTAX_BAD_LITERAL,
                            format!("unknown escape `\\{}`", other.escape_debug()),
                            esc_start,
                            self.pos + other.len_utf8(),
                            "not one of \\\" \\\\ \\n \\t \\{ \\}",
                            "write `\\\\` for a backslash, or use a raw string `r\"…\"`",
                        );
                    }
                    self.pos += next.map_or(0, char::len_utf8);
                }
                // Every other byte is text, those of a character of several bytes too.
                _ => self.pos += 1,
            }
        }
        self.flush_text(start, escaped);
    }

    /// The string's text from `start` up to here, unless it reads as nothing: none was
    /// written, or only a backslash the file ends after.
    fn flush_text(&mut self, start: usize, escaped: bool) {
        let text = &self.src[start..self.pos];
        if text.is_empty() || (escaped && text == "\\") {
            return;
        }
        let span = self.span(start, self.pos);
        self.out.tokens.push((Lexeme::StrText(escaped), span));
    }
}

mod brackets;
mod literals;

#[cfg(test)]
mod tests;
