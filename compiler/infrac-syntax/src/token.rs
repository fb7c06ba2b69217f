//! The tokens of the `.infra` language.

use ecow::EcoString;
use infrac_diagnostics::Span;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// A transport protocol named in a port literal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Protocol {
    Tcp,
    Udp,
    Sctp,
}

impl Protocol {
    /// The protocol's keyword as written in source.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
            Protocol::Sctp => "sctp",
        }
    }
}

/// A numeric literal as written: integer or decimal.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    Int(u64),
    Float(f64),
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Number::Int(n) => write!(f, "{n}"),
            Number::Float(x) => write!(f, "{x}"),
        }
    }
}

/// What a token holds of its name, unit or text: the text itself ([`Owned`]), or what is
/// needed to read it from the source at the token's span ([`InSource`]).
pub trait Texts {
    type Name: fmt::Debug + Clone + PartialEq;
    type Unit: fmt::Debug + Clone + PartialEq;
    type Text: fmt::Debug + Clone + PartialEq;
}

/// Texts copied out of the source, as `EcoString`s: almost all fit inline, so a lab of
/// tens of thousands of names allocates none of them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Owned;

impl Texts for Owned {
    type Name = EcoString;
    type Unit = EcoString;
    type Text = EcoString;
}

/// Texts left in the source: a name is its span's text, a unit the last `Unit` bytes of
/// it, and a string's stretch its span's text, its escapes (`\n`, `\"`, …) still to be
/// read when `Text` is true.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InSource;

impl Texts for InSource {
    type Name = ();
    type Unit = u32;
    type Text = bool;
}

/// One token. Literal tokens carry their parsed value; spans travel beside them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Token<T: Texts = Owned> {
    Ident(T::Name),
    // Keywords.
    Import,
    As,
    For,
    In,
    On,
    From,
    True,
    False,
    // Literals.
    Number(Number),
    /// A number with a unit suffix (`32GiB`, `500m`, `10G`, `30s`); sema reads the unit.
    Quantity(Number, T::Unit),
    Ipv4(Ipv4Addr),
    Ipv6(Ipv6Addr),
    Prefix(IpAddr, u8),
    Mac([u8; 6]),
    Port(Protocol, u16, Option<u16>),
    /// A literal the lexer already reported as malformed; it parses as a value that
    /// evaluates to nothing, so no later stage reports it again.
    Invalid,
    // Strings are split so interpolations are ordinary tokens.
    StrStart,
    StrText(T::Text),
    InterpOpen,
    InterpClose,
    StrEnd,
    // Punctuation.
    LBrace,
    RBrace,
    LBracket,
    RBracket,
    LParen,
    RParen,
    Comma,
    Dot,
    DotDot,
    Eq,
    Arrow,
    Plus,
    Minus,
    Star,
    Slash,
    Colon,
    Newline,
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Token::Ident(name) => write!(f, "`{name}`"),
            Token::Import => f.write_str("`import`"),
            Token::As => f.write_str("`as`"),
            Token::For => f.write_str("`for`"),
            Token::In => f.write_str("`in`"),
            Token::On => f.write_str("`on`"),
            Token::From => f.write_str("`from`"),
            Token::True => f.write_str("`true`"),
            Token::False => f.write_str("`false`"),
            Token::Number(n) => write!(f, "number `{n}`"),
            Token::Quantity(n, unit) => write!(f, "quantity `{n}{unit}`"),
            Token::Ipv4(a) => write!(f, "address `{a}`"),
            Token::Ipv6(a) => write!(f, "address `{a}`"),
            Token::Prefix(a, len) => write!(f, "prefix `{a}/{len}`"),
            Token::Mac(_) => f.write_str("MAC address"),
            Token::Port(p, lo, None) => write!(f, "port `{}/{lo}`", p.as_str()),
            Token::Port(p, lo, Some(hi)) => write!(f, "port range `{}/{lo}..{hi}`", p.as_str()),
            Token::Invalid => f.write_str("malformed literal"),
            Token::StrStart | Token::StrText(_) | Token::StrEnd => f.write_str("string"),
            Token::InterpOpen => f.write_str("`{` in a string"),
            Token::InterpClose => f.write_str("`}` in a string"),
            Token::LBrace => f.write_str("`{`"),
            Token::RBrace => f.write_str("`}`"),
            Token::LBracket => f.write_str("`[`"),
            Token::RBracket => f.write_str("`]`"),
            Token::LParen => f.write_str("`(`"),
            Token::RParen => f.write_str("`)`"),
            Token::Comma => f.write_str("`,`"),
            Token::Dot => f.write_str("`.`"),
            Token::DotDot => f.write_str("`..`"),
            Token::Eq => f.write_str("`=`"),
            Token::Arrow => f.write_str("`->`"),
            Token::Plus => f.write_str("`+`"),
            Token::Minus => f.write_str("`-`"),
            Token::Star => f.write_str("`*`"),
            Token::Slash => f.write_str("`/`"),
            Token::Colon => f.write_str("`:`"),
            Token::Newline => f.write_str("end of line"),
        }
    }
}

impl<T: Texts> Token<T> {
    /// Whether the token carries nothing beyond its kind (punctuation, keywords).
    #[inline]
    pub fn is_bare(&self) -> bool {
        !matches!(
            self,
            Token::Ident(_)
                | Token::Number(_)
                | Token::Quantity(..)
                | Token::Ipv4(_)
                | Token::Ipv6(_)
                | Token::Prefix(..)
                | Token::Mac(_)
                | Token::Port(..)
                | Token::StrText(_)
        )
    }
}

/// A token as the lexer makes it, for the parsers: a [`Token`] whose name, unit or text
/// is left where its span says in the source ([`InSource`]). It owns nothing, so the
/// tokens of a line are dropped at once instead of one by one (half a million of them in
/// a 10,000-guest lab), and a name is copied from the source once, into the tree,
/// instead of into the token first. [`Lexeme::to_token`] gives the [`Token`].
pub type Lexeme = Token<InSource>;

/// The text of `span` in `src`, or nothing when the span is not in it (a span the lexer
/// made of `src` always is).
#[inline]
pub fn span_text(src: &str, span: Span) -> &str {
    src.get(span.start as usize..span.end as usize)
        .unwrap_or_default()
}

/// `text` as a name of the tree. A name that fits inline is built with a copy of its
/// exact length, known at compile time in each arm, so the string is assembled in
/// registers: copied by a call of the length found at run time, it was written a few
/// bytes at a time and read back whole when moved into its node, a load that must wait
/// for those stores (three quarters of the time spent making a dotted name).
#[inline]
pub(crate) fn name_text(text: &str) -> ecow::EcoString {
    macro_rules! by_length {
        ($($n:literal)*) => {
            match text.len() {
                $($n => ecow::EcoString::from(&text[..$n]),)*
                _ => ecow::EcoString::from(text),
            }
        };
    }
    by_length!(1 2 3 4 5 6 7 8 9 10 11 12 13 14 15)
}

// `name_text`'s arms cover every length ecow keeps inline: a larger limit in a later ecow
// would leave the longer inline names to the copy of run-time length.
const _: () = assert!(ecow::EcoString::INLINE_LIMIT <= 15);

impl Lexeme {
    /// The unit of a quantity at `span` of `src`, `unit` bytes long.
    #[inline]
    pub fn unit(src: &str, span: Span, unit: u32) -> &str {
        let text = span_text(src, span);
        text.get(text.len().saturating_sub(unit as usize)..)
            .unwrap_or_default()
    }

    /// The text of a string's stretch at `span` of `src`, its escapes read when `escaped`.
    pub fn string_text(src: &str, span: Span, escaped: bool) -> EcoString {
        let text = span_text(src, span);
        if escaped {
            unescape(text).into()
        } else {
            text.into()
        }
    }

    /// This token at `span` of `src` as a [`Token`], its text copied out of the source.
    pub fn to_token(self, src: &str, span: Span) -> Token {
        match self {
            Lexeme::Ident(()) => Token::Ident(span_text(src, span).into()),
            Lexeme::Import => Token::Import,
            Lexeme::As => Token::As,
            Lexeme::For => Token::For,
            Lexeme::In => Token::In,
            Lexeme::On => Token::On,
            Lexeme::From => Token::From,
            Lexeme::True => Token::True,
            Lexeme::False => Token::False,
            Lexeme::Number(n) => Token::Number(n),
            Lexeme::Quantity(n, unit) => Token::Quantity(n, Lexeme::unit(src, span, unit).into()),
            Lexeme::Ipv4(a) => Token::Ipv4(a),
            Lexeme::Ipv6(a) => Token::Ipv6(a),
            Lexeme::Prefix(a, len) => Token::Prefix(a, len),
            Lexeme::Mac(m) => Token::Mac(m),
            Lexeme::Port(p, lo, hi) => Token::Port(p, lo, hi),
            Lexeme::Invalid => Token::Invalid,
            Lexeme::StrStart => Token::StrStart,
            Lexeme::StrText(escaped) => Token::StrText(Lexeme::string_text(src, span, escaped)),
            Lexeme::InterpOpen => Token::InterpOpen,
            Lexeme::InterpClose => Token::InterpClose,
            Lexeme::StrEnd => Token::StrEnd,
            Lexeme::LBrace => Token::LBrace,
            Lexeme::RBrace => Token::RBrace,
            Lexeme::LBracket => Token::LBracket,
            Lexeme::RBracket => Token::RBracket,
            Lexeme::LParen => Token::LParen,
            Lexeme::RParen => Token::RParen,
            Lexeme::Comma => Token::Comma,
            Lexeme::Dot => Token::Dot,
            Lexeme::DotDot => Token::DotDot,
            Lexeme::Eq => Token::Eq,
            Lexeme::Arrow => Token::Arrow,
            Lexeme::Plus => Token::Plus,
            Lexeme::Minus => Token::Minus,
            Lexeme::Star => Token::Star,
            Lexeme::Slash => Token::Slash,
            Lexeme::Colon => Token::Colon,
            Lexeme::Newline => Token::Newline,
        }
    }
}

/// A string's text as written, its escapes read: what the lexer reported about a bad
/// escape it already said, and the character after the backslash stands for itself.
pub(crate) fn unescape(raw: &str) -> String {
    let mut text = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            text.push(c);
            continue;
        }
        if let Some(after) = chars.next() {
            text.push(escape(after).unwrap_or(after));
        }
    }
    text
}

/// What `\c` in a string stands for, when `c` makes one of the language's escapes: the
/// lexer reports any other, and both read a string's text by this one table.
pub(crate) fn escape(c: char) -> Option<char> {
    match c {
        'n' => Some('\n'),
        't' => Some('\t'),
        '"' | '\\' | '{' | '}' => Some(c),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    /// Every length, inline and on the heap, and names of several-byte characters.
    #[test]
    fn name_text_is_the_text() {
        let long = "abcdefghijklmnopqrstuvwxyz0123456789";
        for n in 0..=long.len() {
            let name = super::name_text(&long[..n]);
            assert_eq!(name.as_str(), &long[..n]);
            assert_eq!(name, ecow::EcoString::from(&long[..n]));
        }
        for text in ["é", "lan-é", "ünïcödé-name", "日本"] {
            assert_eq!(super::name_text(text).as_str(), text);
        }
    }
}
