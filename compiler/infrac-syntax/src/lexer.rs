//! The lexer: source text to tokens, doc comments and lexical diagnostics.
//!
//! Hand-written because the typed literals need lookahead that a grammar would make
//! unreadable: `d0:94:66:24:96:7c` is a MAC, `fe80::1` an address, `face` a name,
//! `192.168.1.10..192.168.1.20` a range of addresses and `1.6TiB` a size.

use crate::token::{Number, Protocol, Token};
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

/// Everything the lexer produces.
#[derive(Debug, Default)]
pub struct Lexed {
    pub tokens: Vec<(Token, Span)>,
    pub docs: Vec<DocComment>,
    pub diagnostics: Vec<Diagnostic>,
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
    out: Lexed,
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
    lex_from(src, file, 0)
}

/// The tokens of `src` from byte `from` on, with spans in `src`: what [`lex`] gives after
/// `from` when a token ended there and no string or bracket was open.
pub(crate) fn lex_from(src: &str, file: FileId, from: usize) -> Lexed {
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
/// (half a million tokens, 30 MiB, in a 10,000-guest lab).
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
    pub(crate) fn next_line(&mut self, out: &mut Vec<(Token, Span)>) -> bool {
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
    fn new(src: &'a str, file: FileId, from: usize, tokens: Vec<(Token, Span)>) -> Self {
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
    fn push(&mut self, token: Token, start: usize) {
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
            self.push(Token::StrEnd, end);
        }
        for (delim, span) in std::mem::take(&mut self.open).into_iter().rev() {
            let closer = match delim {
                b'{' => '}',
                b'[' => ']',
                _ => ')',
            };
            self.out.diagnostics.push(
                Diagnostic::error(
                    Code::SYNTAX_UNCLOSED,
                    format!("unclosed `{}`", delim as char),
                    span,
                    "opened here and never closed",
                )
                .with_help(format!("add the matching `{closer}`")),
            );
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
                    let in_group = self.groups.last().copied().unwrap_or(0) > 0;
                    let last_is_newline =
                        matches!(self.out.tokens.last(), Some((Token::Newline, _)) | None);
                    if !in_group && !last_is_newline {
                        self.push(Token::Newline, start);
                        if self.open.is_empty() && self.modes.len() == 1 {
                            return true;
                        }
                    }
                }
                Start::Hash => self.comment(),
                Start::Quote => {
                    self.pos += 1;
                    self.push(Token::StrStart, start);
                    self.modes.push(Mode::Str);
                    return false;
                }
                Start::LBrace => self.open_delim(b'{', Token::LBrace),
                Start::LBracket => self.open_delim(b'[', Token::LBracket),
                Start::LParen => self.open_delim(b'(', Token::LParen),
                Start::RBrace => {
                    if self.close_brace() {
                        return false;
                    }
                }
                Start::RBracket => self.close_delim(b'[', Token::RBracket),
                Start::RParen => self.close_delim(b'(', Token::RParen),
                Start::Comma => self.single(Token::Comma),
                Start::Eq => self.single(Token::Eq),
                Start::Plus => self.single(Token::Plus),
                Start::Star => self.single(Token::Star),
                Start::Slash => self.single(Token::Slash),
                Start::Minus if bytes.get(pos + 1) == Some(&b'>') => {
                    self.pos += 2;
                    self.push(Token::Arrow, start);
                }
                Start::Minus => self.single(Token::Minus),
                Start::Dot if bytes.get(pos + 1) == Some(&b'.') => {
                    self.pos += 2;
                    self.push(Token::DotDot, start);
                }
                Start::Dot => self.single(Token::Dot),
                Start::Colon if !self.try_address() => self.single(Token::Colon),
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

    fn single(&mut self, token: Token) {
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

    #[inline(always)]
    fn open_delim(&mut self, delim: u8, token: Token) {
        let start = self.pos;
        self.pos += 1;
        if self.open.len() >= MAX_NESTING {
            self.skip_too_deep(start);
            return;
        }
        self.open.push((delim, self.span(start, self.pos)));
        match delim {
            b'{' => {
                if let Some(Mode::Code { braces, .. }) = self.modes.last_mut() {
                    *braces += 1;
                }
                // Newlines inside a block are significant again, even within a list.
                self.groups.push(0);
            }
            _ => {
                if let Some(g) = self.groups.last_mut() {
                    *g += 1;
                }
            }
        }
        self.push(token, start);
    }

    /// Reports nesting past [`MAX_NESTING`] and skips to the matching close bracket.
    #[cold]
    fn skip_too_deep(&mut self, start: usize) {
        let mut depth = 1usize;
        while self.pos < self.bytes.len() && depth > 0 {
            match self.bytes[self.pos] {
                b'{' | b'[' | b'(' => depth += 1,
                b'}' | b']' | b')' => depth -= 1,
                _ => {}
            }
            self.pos += 1;
        }
        self.error(
            Code::SYNTAX_TOO_DEEP,
            format!("brackets nested more than {MAX_NESTING} deep"),
            start,
            start + 1,
            "this bracket opens one level too many; its contents are skipped",
            "flatten the expression; nothing in the language needs this depth",
        );
        // The skipped contents stand in as one malformed value, so nothing downstream
        // mistakes the remaining brackets for an empty list or block.
        self.push(Token::Invalid, start);
    }

    /// A `}`; true when it ends an interpolation, back in the string.
    fn close_brace(&mut self) -> bool {
        let start = self.pos;
        if let Some(Mode::Code {
            interp: true,
            braces: 0,
        }) = self.modes.last()
        {
            self.pos += 1;
            self.modes.pop();
            self.groups.pop();
            self.push(Token::InterpClose, start);
            return true;
        }
        self.close_delim(b'{', Token::RBrace);
        false
    }

    /// Pops the innermost open bracket, undoing what opening it did to newline handling.
    #[inline]
    fn pop_open(&mut self) -> Option<u8> {
        let (delim, _) = self.open.pop()?;
        if delim == b'{' {
            if let Some(Mode::Code { braces, .. }) = self.modes.last_mut() {
                *braces = braces.saturating_sub(1);
            }
            if self.groups.len() > 1 {
                self.groups.pop();
            }
        } else if let Some(g) = self.groups.last_mut() {
            *g = g.saturating_sub(1);
        }
        Some(delim)
    }

    #[inline(always)]
    fn close_delim(&mut self, opener: u8, token: Token) {
        let start = self.pos;
        self.pos += 1;
        if self.open.last().is_some_and(|&(top, _)| top == opener) {
            self.pop_open();
            self.push(token, start);
            return;
        }
        self.close_unmatched(opener, token, start);
    }

    /// A closing bracket that does not close the innermost open one.
    #[cold]
    #[inline(never)]
    fn close_unmatched(&mut self, opener: u8, token: Token, start: usize) {
        let Some(&(top, top_span)) = self.open.last() else {
            self.error(
                Code::SYNTAX_UNEXPECTED,
                format!("unexpected `{}`", self.bytes[start] as char),
                start,
                self.pos,
                "nothing is open here to close",
                "remove it, or open the bracket it was meant to close",
            );
            return;
        };
        let found = self.bytes[start] as char;
        let expected = closer_of(top) as char;
        let same_line = !self.src[top_span.end as usize..start].contains('\n');
        let outer = self.open.iter().any(|(d, _)| *d == opener);
        let next_bracket = self.bytes[self.pos..]
            .iter()
            .find(|c| b"{}[]()".contains(c))
            .copied();
        if next_bracket == Some(closer_of(top)) {
            // The expected closer follows: this one is stray, and the parser never sees it.
            self.out.diagnostics.push(
                Diagnostic::error(
                    Code::SYNTAX_UNCLOSED,
                    format!("mismatched `{found}`"),
                    self.span(start, self.pos),
                    format!("expected `{expected}` here"),
                )
                .with_label(top_span, "to close this")
                .with_help(format!("replace it with `{expected}`")),
            );
        } else if outer && !same_line {
            // The closer belongs to an outer bracket and the inner ones were left open:
            // close them here so the rest of the file keeps its structure.
            self.out.diagnostics.push(
                Diagnostic::error(
                    Code::SYNTAX_UNCLOSED,
                    format!("unclosed `{}`", top as char),
                    top_span,
                    "opened here and never closed",
                )
                .with_label(
                    self.span(start, self.pos),
                    format!("this `{found}` ends the enclosing block first"),
                )
                .with_help(format!("add the matching `{expected}`")),
            );
            while let Some(&(d, _)) = self.open.last() {
                if d == opener {
                    break;
                }
                self.pop_open();
                self.out
                    .tokens
                    .push((closer_token(d), self.span(start, start)));
            }
            self.pop_open();
            self.push(token, start);
        } else {
            // Most likely a typo for the expected closer: read it as that one.
            self.out.diagnostics.push(
                Diagnostic::error(
                    Code::SYNTAX_UNCLOSED,
                    format!("mismatched `{found}`"),
                    self.span(start, self.pos),
                    format!("expected `{expected}` here"),
                )
                .with_label(top_span, "to close this")
                .with_help(format!("replace it with `{expected}`")),
            );
            self.pop_open();
            self.push(closer_token(top), start);
        }
    }

    fn string_part(&mut self) {
        let start = self.pos;
        let mut text = String::new();
        while self.pos < self.bytes.len() {
            let c = self.bytes[self.pos];
            match c {
                b'"' => {
                    self.flush_text(&mut text, start);
                    let s = self.pos;
                    self.pos += 1;
                    self.modes.pop();
                    self.push(Token::StrEnd, s);
                    return;
                }
                b'{' => {
                    self.flush_text(&mut text, start);
                    let s = self.pos;
                    self.pos += 1;
                    self.modes.push(Mode::Code {
                        interp: true,
                        braces: 0,
                    });
                    self.groups.push(1);
                    self.push(Token::InterpOpen, s);
                    return;
                }
                b'\n' | b'\r' => {
                    self.flush_text(&mut text, start);
                    self.error(
                        Code::SYNTAX_UNCLOSED,
                        "unterminated string",
                        self.pos,
                        self.pos,
                        "the line ends before the closing `\"`",
                        "close the string on the same line; write `\\n` for a line break",
                    );
                    self.modes.pop();
                    self.push(Token::StrEnd, self.pos);
                    return;
                }
                b'\\' => {
                    let esc_start = self.pos;
                    self.pos += 1;
                    let next = self.src[self.pos..].chars().next();
                    match next {
                        Some('n') => text.push('\n'),
                        Some('t') => text.push('\t'),
                        Some(ch @ ('"' | '\\' | '{' | '}')) => text.push(ch),
                        Some(other) => {
                            text.push(other);
                            self.error(
                                Code::SYNTAX_BAD_LITERAL,
                                format!("unknown escape `\\{}`", other.escape_debug()),
                                esc_start,
                                self.pos + other.len_utf8(),
                                "not one of \\\" \\\\ \\n \\t \\{ \\}",
                                "write `\\\\` for a backslash, or use a raw string `r\"…\"`",
                            );
                        }
                        None => {}
                    }
                    self.pos += next.map_or(0, char::len_utf8);
                }
                _ => {
                    let ch = self.src[self.pos..].chars().next().unwrap_or('\u{fffd}');
                    text.push(ch);
                    self.pos += ch.len_utf8().max(1);
                }
            }
        }
        self.flush_text(&mut text, start);
    }

    fn flush_text(&mut self, text: &mut String, start: usize) {
        if !text.is_empty() {
            let span = self.span(start, self.pos);
            self.out
                .tokens
                .push((Token::StrText(std::mem::take(text).into()), span));
        }
    }

    /// Length of the run of characters that can form an address, stopping before `..`.
    fn address_run(&self) -> usize {
        let rest = &self.bytes[self.pos..];
        let mut len = 0;
        while len < rest.len() {
            let c = rest[len];
            if c == b'.' && rest.get(len + 1) == Some(&b'.') {
                break;
            }
            if c.is_ascii_hexdigit() || c == b':' || c == b'.' {
                len += 1;
            } else {
                break;
            }
        }
        // A trailing dot ends a sentence or a path, never an address.
        while len > 0 && rest[len - 1] == b'.' {
            len -= 1;
        }
        len
    }

    /// Whether a `:` follows at most four hex digits here. Every IPv6 address and MAC
    /// that starts with a hex digit does so (a group is one to four digits), and nearly
    /// every name and number does not, which spares them [`Self::try_address`].
    fn colon_follows_group(&self) -> bool {
        let rest = &self.bytes[self.pos..];
        let digits = rest
            .iter()
            .take(5)
            .take_while(|c| c.is_ascii_hexdigit())
            .count();
        digits <= 4 && rest.get(digits) == Some(&b':')
    }

    /// Lexes an IPv6 address, prefix or MAC if one starts here.
    fn try_address(&mut self) -> bool {
        let start = self.pos;
        let len = self.address_run();
        let text = &self.src[start..start + len];
        if text.bytes().filter(|&c| c == b':').count() < 2 {
            return false;
        }
        if self
            .bytes
            .get(start + len)
            .is_some_and(|&c| is_ident_char(c) && c != b'-')
        {
            return false;
        }
        if let Some(mac) = parse_mac(text) {
            self.pos = start + len;
            self.push(Token::Mac(mac), start);
            return true;
        }
        let Ok(addr) = text.parse::<Ipv6Addr>() else {
            return false;
        };
        self.pos = start + len;
        self.finish_address(IpAddr::V6(addr), start);
        true
    }

    /// After an address: an optional `/len` makes it a prefix.
    fn finish_address(&mut self, addr: IpAddr, start: usize) {
        if self.peek(0) == Some(b'/') && self.peek(1).is_some_and(|c| c.is_ascii_digit()) {
            let len_start = self.pos + 1;
            let mut end = len_start;
            while self.bytes.get(end).is_some_and(|c| c.is_ascii_digit()) {
                end += 1;
            }
            self.pos = end;
            let max = if addr.is_ipv4() { 32 } else { 128 };
            match self.src[len_start..end].parse::<u8>() {
                Ok(n) if n <= max => self.push(Token::Prefix(addr, n), start),
                _ => {
                    self.error(
                        Code::SYNTAX_BAD_LITERAL,
                        format!(
                            "prefix length `/{}` is longer than {max}",
                            &self.src[len_start..end]
                        ),
                        len_start - 1,
                        end,
                        format!(
                            "an IPv{} prefix length is 0 to {max}",
                            if max == 32 { 4 } else { 6 }
                        ),
                        "IPv4 prefixes are /0 to /32, IPv6 prefixes /0 to /128",
                    );
                    self.push(Token::Invalid, start);
                }
            }
            return;
        }
        match addr {
            IpAddr::V4(a) => self.push(Token::Ipv4(a), start),
            IpAddr::V6(a) => self.push(Token::Ipv6(a), start),
        }
    }

    fn number(&mut self) {
        if let Some((value, end, unit_end)) = self.plain_integer() {
            self.push_integer(value, end, unit_end);
            return;
        }
        let start = self.pos;
        // Dotted quads first: digits and single dots.
        let run = self.address_run();
        let text = &self.src[start..start + run];
        if text.bytes().filter(|&c| c == b'.').count() == 3 && !text.contains(':') {
            let after = self.bytes.get(start + run).copied();
            let ends_cleanly = !after.is_some_and(is_ident_char);
            match text.parse::<Ipv4Addr>() {
                Ok(addr) if ends_cleanly => {
                    self.pos = start + run;
                    self.finish_address(IpAddr::V4(addr), start);
                    return;
                }
                _ if text.bytes().all(|c| c.is_ascii_digit() || c == b'.') => {
                    self.pos = start + run;
                    self.error(
                        Code::SYNTAX_BAD_LITERAL,
                        format!("`{text}` is not an IPv4 address"),
                        start,
                        self.pos,
                        "each of the four parts must be 0 to 255",
                        "each of the four parts is 0 to 255, as in `192.168.1.10`",
                    );
                    // A prefix length belongs to the broken address, not to a division.
                    if self.peek(0) == Some(b'/')
                        && self.peek(1).is_some_and(|c| c.is_ascii_digit())
                    {
                        self.pos += 1;
                        while self.peek(0).is_some_and(|c| c.is_ascii_digit()) {
                            self.pos += 1;
                        }
                    }
                    self.push(Token::Invalid, start);
                    return;
                }
                _ => {}
            }
        }
        let mut valid = true;
        let value = if self.src[start..].starts_with("0x") || self.src[start..].starts_with("0X") {
            self.pos += 2;
            let digits_start = self.pos;
            while self
                .peek(0)
                .is_some_and(|c| c.is_ascii_hexdigit() || c == b'_')
            {
                self.pos += 1;
            }
            let digits = without_underscores(&self.src[digits_start..self.pos]);
            match u64::from_str_radix(&digits, 16) {
                Ok(n) => Number::Int(n),
                Err(_) => {
                    self.error(
                        Code::SYNTAX_BAD_LITERAL,
                        "malformed hexadecimal number",
                        start,
                        self.pos,
                        "expected hex digits after `0x` that fit in 64 bits",
                        "write hex digits after `0x`, as in `0x1000`",
                    );
                    valid = false;
                    Number::Int(0)
                }
            }
        } else {
            while self
                .peek(0)
                .is_some_and(|c| c.is_ascii_digit() || c == b'_')
            {
                self.pos += 1;
            }
            let is_float =
                self.peek(0) == Some(b'.') && self.peek(1).is_some_and(|c| c.is_ascii_digit());
            if is_float {
                self.pos += 1;
                while self
                    .peek(0)
                    .is_some_and(|c| c.is_ascii_digit() || c == b'_')
                {
                    self.pos += 1;
                }
            }
            let digits = without_underscores(&self.src[start..self.pos]);
            if is_float {
                Number::Float(digits.parse().unwrap_or(0.0))
            } else {
                match digits.parse::<u64>() {
                    Ok(n) => Number::Int(n),
                    Err(_) => {
                        self.error(
                            Code::SYNTAX_BAD_LITERAL,
                            "number too large",
                            start,
                            self.pos,
                            "integers must fit in 64 bits",
                            "integers are at most 18446744073709551615",
                        );
                        valid = false;
                        Number::Int(0)
                    }
                }
            }
        };
        let unit_start = self.pos;
        while self.peek(0).is_some_and(|c| c.is_ascii_alphabetic()) {
            self.pos += 1;
        }
        if !valid {
            self.push(Token::Invalid, start);
        } else if self.pos > unit_start {
            let unit = self.src[unit_start..self.pos].into();
            self.push(Token::Quantity(value, unit), start);
        } else {
            self.push(Token::Number(value), start);
        }
    }

    /// The common case of [`Self::number`]: decimal digits that fit in 64 bits, not
    /// followed by `.`, `_` or (after a leading `0`) `x`, with an optional unit. Nothing
    /// else can start that way, so the general path's address and float checks are
    /// skipped. Gives the value, where the digits end and where the unit ends; `None` for
    /// anything else. Consumes nothing.
    #[inline(always)]
    fn plain_integer(&self) -> Option<(u64, usize, usize)> {
        let bytes = self.bytes;
        let start = self.pos;
        let mut end = start;
        let mut value: u64 = 0;
        while let Some(&c) = bytes.get(end) {
            if !c.is_ascii_digit() {
                break;
            }
            value = value.wrapping_mul(10).wrapping_add(u64::from(c - b'0'));
            end += 1;
        }
        // Nineteen digits always fit in 64 bits: only longer numerals can overflow.
        if end - start > 19 {
            value = self.src[start..end].parse().ok()?;
        }
        match bytes.get(end) {
            Some(b'.' | b'_') => return None,
            Some(b'x' | b'X') if end == start + 1 && bytes[start] == b'0' => return None,
            _ => {}
        }
        let mut unit_end = end;
        while bytes.get(unit_end).is_some_and(u8::is_ascii_alphabetic) {
            unit_end += 1;
        }
        Some((value, end, unit_end))
    }

    /// Pushes what [`Self::plain_integer`] found.
    #[inline(always)]
    fn push_integer(&mut self, value: u64, end: usize, unit_end: usize) {
        let start = self.pos;
        self.pos = unit_end;
        let token = if unit_end > end {
            Token::Quantity(Number::Int(value), self.src[end..unit_end].into())
        } else {
            Token::Number(Number::Int(value))
        };
        self.push(token, start);
    }

    /// `r"..."`: a raw string, no escapes and no interpolation (for regular expressions).
    fn raw_string(&mut self) {
        let start = self.pos;
        self.pos += 2; // `r"`
        let body_start = self.pos;
        let end = self.bytes[body_start..]
            .iter()
            .position(|&c| matches!(c, b'"' | b'\n' | b'\r'))
            .map_or(self.src.len(), |i| body_start + i);
        let text = self.src[body_start..end].to_string();
        self.out
            .tokens
            .push((Token::StrStart, self.span(start, body_start)));
        if !text.is_empty() {
            self.out
                .tokens
                .push((Token::StrText(text.into()), self.span(body_start, end)));
        }
        if self.bytes.get(end) == Some(&b'"') {
            self.pos = end + 1;
            self.push(Token::StrEnd, end);
        } else {
            self.pos = end;
            self.error(
                Code::SYNTAX_UNCLOSED,
                "unterminated raw string",
                end,
                end,
                "the line ends before the closing `\"`",
                "close the raw string with `\"` on the same line",
            );
            self.push(Token::StrEnd, end);
        }
    }

    /// The name (or keyword, or port) from `start` to `end`, as [`name_end`] found it.
    #[inline(always)]
    fn name(&mut self, start: usize, end: usize) {
        self.pos = end;
        let text = &self.src[start..end];
        if let Some(protocol) = protocol(text) {
            if self.peek(0) == Some(b'/') && self.peek(1).is_some_and(|c| c.is_ascii_digit()) {
                self.port(protocol, start);
                return;
            }
        }
        let token = keyword(text).unwrap_or_else(|| Token::Ident(text.into()));
        self.push(token, start);
    }

    fn port_number(&mut self) -> (usize, Option<u16>) {
        let s = self.pos;
        while self.peek(0).is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        (s, self.src[s..self.pos].parse::<u16>().ok())
    }

    fn port(&mut self, protocol: Protocol, start: usize) {
        self.pos += 1; // the slash
        let (lo_start, lo) = self.port_number();
        let mut hi = None;
        let mut bad = lo.is_none().then_some((lo_start, self.pos));
        if self.peek(0) == Some(b'.')
            && self.peek(1) == Some(b'.')
            && self.peek(2).is_some_and(|c| c.is_ascii_digit())
        {
            self.pos += 2;
            let (hi_start, value) = self.port_number();
            if value.is_none() {
                bad = Some((hi_start, self.pos));
            }
            hi = Some(value.unwrap_or(0));
        }
        if let Some((s, e)) = bad {
            self.error(
                Code::SYNTAX_BAD_LITERAL,
                "port number out of range",
                s,
                e,
                "ports are 1 to 65535",
                "ports are 1 to 65535, as in `tcp/443`",
            );
            self.push(Token::Invalid, start);
            return;
        }
        self.push(Token::Port(protocol, lo.unwrap_or(0), hi), start);
    }
}

/// A numeral with its `_` separators removed; borrowed when it has none, as nearly
/// every numeral has.
/// The protocol a port literal starts with: `tcp`, `udp` or `sctp`.
#[inline]
fn protocol(text: &str) -> Option<Protocol> {
    // Names are rarely three or four letters starting `t`, `u` or `s`: test that first.
    match (text.len(), text.as_bytes().first()) {
        (3, Some(b't')) if text == "tcp" => Some(Protocol::Tcp),
        (3, Some(b'u')) if text == "udp" => Some(Protocol::Udp),
        (4, Some(b's')) if text == "sctp" => Some(Protocol::Sctp),
        _ => None,
    }
}

/// The keyword `text` is, if it is one. Every name of a lab is tested, so the length and
/// first letter rule out nearly all of them before any comparison.
#[inline]
fn keyword(text: &str) -> Option<Token> {
    // Each comparison with its own literal, which compiles to a compare of a word or two.
    match (text.len(), text.as_bytes().first()) {
        (2, Some(b'a')) if text == "as" => Some(Token::As),
        (2, Some(b'i')) if text == "in" => Some(Token::In),
        (2, Some(b'o')) if text == "on" => Some(Token::On),
        (3, Some(b'f')) if text == "for" => Some(Token::For),
        (4, Some(b'f')) if text == "from" => Some(Token::From),
        (4, Some(b't')) if text == "true" => Some(Token::True),
        (5, Some(b'f')) if text == "false" => Some(Token::False),
        (6, Some(b'i')) if text == "import" => Some(Token::Import),
        _ => None,
    }
}

fn without_underscores(digits: &str) -> std::borrow::Cow<'_, str> {
    if digits.contains('_') {
        digits
            .chars()
            .filter(|&c| c != '_')
            .collect::<String>()
            .into()
    } else {
        digits.into()
    }
}

/// The closing bracket of an opening one.
fn closer_of(open: u8) -> u8 {
    match open {
        b'{' => b'}',
        b'[' => b']',
        _ => b')',
    }
}

/// The token of the bracket that closes `open`.
fn closer_token(open: u8) -> Token {
    match open {
        b'{' => Token::RBrace,
        b'[' => Token::RBracket,
        _ => Token::RParen,
    }
}

fn parse_mac(text: &str) -> Option<[u8; 6]> {
    let parts: Vec<&str> = text.split(':').collect();
    if parts.len() != 6 || parts.iter().any(|p| p.len() != 2) {
        return None;
    }
    let mut mac = [0u8; 6];
    for (slot, part) in mac.iter_mut().zip(&parts) {
        *slot = u8::from_str_radix(part, 16).ok()?;
    }
    Some(mac)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<Token> {
        lex(src, FileId(0))
            .tokens
            .into_iter()
            .map(|(t, _)| t)
            .collect()
    }

    #[test]
    fn typed_literals() {
        let toks = kinds("d0:94:66:24:96:7c 2602:f674::/48 fe80::1 face 192.168.1.0/24 32GiB 500m tcp/30000..32767 0x1000 1.6TiB");
        assert_eq!(toks[0], Token::Mac([0xd0, 0x94, 0x66, 0x24, 0x96, 0x7c]));
        assert!(matches!(toks[1], Token::Prefix(IpAddr::V6(_), 48)));
        assert!(matches!(toks[2], Token::Ipv6(_)));
        assert_eq!(toks[3], Token::Ident("face".into()));
        assert!(matches!(toks[4], Token::Prefix(IpAddr::V4(_), 24)));
        assert_eq!(toks[5], Token::Quantity(Number::Int(32), "GiB".into()));
        assert_eq!(toks[6], Token::Quantity(Number::Int(500), "m".into()));
        assert_eq!(toks[7], Token::Port(Protocol::Tcp, 30000, Some(32767)));
        assert_eq!(toks[8], Token::Number(Number::Int(0x1000)));
        assert_eq!(toks[9], Token::Quantity(Number::Float(1.6), "TiB".into()));
    }

    #[test]
    fn address_ranges_and_names() {
        let toks = kinds("192.168.100.100..192.168.100.200 k3s-worker-1 a - 1 proxy:443 100..999");
        assert!(matches!(toks[0], Token::Ipv4(_)));
        assert_eq!(toks[1], Token::DotDot);
        assert!(matches!(toks[2], Token::Ipv4(_)));
        assert_eq!(toks[3], Token::Ident("k3s-worker-1".into()));
        assert_eq!(toks[5], Token::Minus);
        assert_eq!(toks[7], Token::Ident("proxy".into()));
        assert_eq!(toks[8], Token::Colon);
        assert_eq!(toks[11], Token::DotDot);
    }

    /// Literals that start like names or numbers, and names and numbers next to a `:`:
    /// every token with its span, as the lexer has always given them.
    #[test]
    fn literals_beside_names_and_colons() {
        let src = "a:b face:b00c::1 12ab:cd::1 1a2:3::4 cafe dead:beef:: fe80::1/64 \
                   00:11:22:33:44:55 10:20 0x1f 18446744073709551615 00000000000000000001 \
                   1_000 2GiB g0-0 a--b a- tcp/443 tcp udp/1..2 rx on onx in ip import \
                   1.2.3.4..1.2.3.9 1.6TiB 7.";
        let lexed = lex(src, FileId(0));
        assert!(lexed.diagnostics.is_empty(), "{:?}", lexed.diagnostics);
        let v6 = |s: &str| Token::Ipv6(s.parse().expect("an IPv6 address"));
        let v4 = |s: &str| Token::Ipv4(s.parse().expect("an IPv4 address"));
        let name = |s: &str| Token::Ident(s.into());
        let int = |n| Token::Number(Number::Int(n));
        let expected = [
            (name("a"), 0, 1),
            (Token::Colon, 1, 2),
            (name("b"), 2, 3),
            (v6("face:b00c::1"), 4, 16),
            (v6("12ab:cd::1"), 17, 27),
            (v6("1a2:3::4"), 28, 36),
            (name("cafe"), 37, 41),
            (v6("dead:beef::"), 42, 53),
            (
                Token::Prefix("fe80::1".parse().expect("an address"), 64),
                54,
                64,
            ),
            (Token::Mac([0, 0x11, 0x22, 0x33, 0x44, 0x55]), 65, 82),
            (int(10), 83, 85),
            (Token::Colon, 85, 86),
            (int(20), 86, 88),
            (int(0x1f), 89, 93),
            (int(u64::MAX), 94, 114),
            (int(1), 115, 135),
            (int(1000), 136, 141),
            (Token::Quantity(Number::Int(2), "GiB".into()), 142, 146),
            (name("g0-0"), 147, 151),
            (name("a"), 152, 153),
            (Token::Minus, 153, 154),
            (Token::Minus, 154, 155),
            (name("b"), 155, 156),
            (name("a"), 157, 158),
            (Token::Minus, 158, 159),
            (Token::Port(Protocol::Tcp, 443, None), 160, 167),
            (name("tcp"), 168, 171),
            (Token::Port(Protocol::Udp, 1, Some(2)), 172, 180),
            (name("rx"), 181, 183),
            (Token::On, 184, 186),
            (name("onx"), 187, 190),
            (Token::In, 191, 193),
            (name("ip"), 194, 196),
            (Token::Import, 197, 203),
            (v4("1.2.3.4"), 204, 211),
            (Token::DotDot, 211, 213),
            (v4("1.2.3.9"), 213, 220),
            (Token::Quantity(Number::Float(1.6), "TiB".into()), 221, 227),
            (int(7), 228, 229),
            (Token::Dot, 229, 230),
        ];
        let got: Vec<_> = lexed
            .tokens
            .into_iter()
            .map(|(t, s)| (t, s.start, s.end))
            .collect();
        assert_eq!(got, expected);
        let too_large = lex("18446744073709551616", FileId(0));
        assert_eq!(too_large.tokens[0].0, Token::Invalid);
        assert_eq!(too_large.diagnostics[0].message, "number too large");
    }

    #[test]
    fn interpolation_and_newlines() {
        let toks = kinds("x = \"w-{i + 1}\"\n[a,\n b]\n");
        assert!(toks.contains(&Token::InterpOpen) && toks.contains(&Token::InterpClose));
        assert_eq!(toks.iter().filter(|t| **t == Token::Newline).count(), 2);
    }

    #[test]
    fn raw_strings_keep_braces() {
        let toks = kinds(r#"guest = r"^[a-z]{1,30}\d$""#);
        assert!(
            toks.contains(&Token::StrText("^[a-z]{1,30}\\d$".into())),
            "{toks:?}"
        );
        assert!(!toks.contains(&Token::InterpOpen));
    }

    #[test]
    fn never_panics_on_garbage() {
        for src in [
            "\u{0}\u{ffff}é\"{",
            "((((((((",
            "}}}",
            "\"\\",
            "0x",
            "tcp/99999",
            "1.2.3.4.5",
            "::::::",
            "{\"{\"{",
        ] {
            let _ = lex(src, FileId(0));
        }
        let deep = "[".repeat(10_000);
        let lexed = lex(&deep, FileId(0));
        assert!(lexed
            .diagnostics
            .iter()
            .any(|d| d.code == Code::SYNTAX_TOO_DEEP));
    }
}
