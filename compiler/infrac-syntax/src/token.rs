//! The tokens of the `.infra` language.

use ecow::EcoString;
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

/// One token. Literal tokens carry their parsed value; spans travel beside them.
/// Names and texts are `EcoString`s: almost all fit inline, so a lab of tens of
/// thousands of names allocates none of them.
#[derive(Debug, Clone, PartialEq)]
pub enum Token {
    Ident(EcoString),
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
    Quantity(Number, EcoString),
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
    StrText(EcoString),
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

impl Token {
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
