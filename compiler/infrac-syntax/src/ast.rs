//! The abstract syntax tree. Every node carries its span; broken syntax becomes `Error`
//! nodes so the rest of a file still has a tree.

use crate::token::{Number, Protocol};
use ecow::EcoString;
use infrac_diagnostics::Span;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
pub use thin_vec::{thin_vec, ThinVec};

/// A name as written, with its span.
#[derive(Debug, Clone, PartialEq)]
pub struct Ident {
    /// Inline for names up to 15 bytes, which is nearly all of them (99% of the
    /// examples' names), in 16 bytes; a longer one is shared, not copied, when cloned.
    pub name: EcoString,
    pub span: Span,
}

/// One parsed file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct File {
    pub items: Vec<Item>,
}

/// A top-level item.
// Loops are boxed like in `Entry`, so an entry that becomes an item moves a pointer;
// imports and expectations are boxed so an item is two words, not as wide as an
// expectation (ten thousand declarations, ten thousand items).
// Declarations are shared: the tree reparsed after an edit takes every declaration the
// edit did not move from the previous tree without copying it.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Import(Box<Import>),
    Decl(std::sync::Arc<Decl>),
    For(Box<ForLoop>),
    /// `expect FROM -> TO …`: an intent the checker proves.
    Expect(Box<Expect>),
    /// A stretch of source that did not parse; already reported.
    Error(Span),
}

/// `expect FROM -> TO [PORTS] OUTCOME… [on ROUTER]`: what must (not) be reachable.
/// The syntax only splits the words; sema gives them meaning.
#[derive(Debug, Clone, PartialEq)]
pub struct Expect {
    /// A name (`Path` of one segment) or an address literal.
    pub from: Expr,
    pub to: Expr,
    /// Port literals and service names, as in a firewall rule; empty means any traffic.
    pub ports: Vec<Expr>,
    /// The outcome words: `allowed`, `denied`, `reachable over NET`, `only through NAME`.
    pub outcome: Vec<Ident>,
    /// The router whose firewall is asked, when the lab has several.
    pub on: Option<Ident>,
    pub span: Span,
}

/// `import "std/os" [as name]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Import {
    pub path: String,
    pub path_span: Span,
    pub alias: Option<Ident>,
    pub span: Span,
}

/// The name of a declaration: a plain identifier or an interpolated string.
#[derive(Debug, Clone, PartialEq)]
pub enum DeclName {
    Ident(Ident),
    Str(StrLit),
}

impl DeclName {
    /// Where the name is written.
    pub fn span(&self) -> Span {
        match self {
            DeclName::Ident(i) => i.span,
            DeclName::Str(s) => s.span,
        }
    }
}

/// `KIND [NAME] [ID] [on PATH] [from PATH] [in PATH] { body }`, at top level or nested.
#[derive(Debug, Clone, PartialEq)]
pub struct Decl {
    /// Boxed text, two words rather than three: a declaration is then 240 bytes, and a
    /// top-level one in its shared node fits the allocator's 256-byte size class.
    pub doc: Option<Box<str>>,
    pub kind: Ident,
    pub name: Option<DeclName>,
    pub id: Option<Expr>,
    pub on: Option<Path>,
    // Rare (templates, zones): boxed so the declarations that do not use them, nearly all,
    // are narrower.
    pub from: Option<Box<Path>>,
    pub in_: Option<Box<Path>>,
    pub body: Block,
    pub span: Span,
    /// Whether a `for` loop is among the body's entries or those of its nested blocks
    /// ([`Block::has_loops`]). Taken from the entries as the parser makes them, while they
    /// are fresh in the cache: what a pass that only cares about loops reads instead of
    /// walking every body of a large lab again (ten thousand guests, sixty thousand
    /// entries, none of them a loop).
    pub loops: bool,
}

impl Decl {
    /// The span of the declaration's head (kind and name), for labels.
    pub fn head_span(&self) -> Span {
        match &self.name {
            Some(name) => name.span(),
            None => self.kind.span,
        }
    }
}

/// `{ entries }`.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    pub entries: Vec<Entry>,
    pub span: Span,
}

impl Block {
    /// Whether a `for` loop is among the entries, or among those of a nested block: what
    /// [`Decl::loops`] records.
    pub fn has_loops(&self) -> bool {
        self.entries.iter().any(|entry| match entry {
            Entry::For(_) => true,
            Entry::Block(decl) => decl.loops,
            Entry::Attr(_) | Entry::Rule(_) | Entry::Error(_) => false,
        })
    }
}

/// One line of a block. Attributes, by far the most common entry, are stored inline;
/// the larger, rarer variants are boxed so a block of attributes is not as wide as a
/// nested declaration per line (the AST of a large lab is most of its memory).
#[derive(Debug, Clone, PartialEq)]
pub enum Entry {
    Attr(Attr),
    Block(Box<Decl>),
    Rule(Box<Rule>),
    For(Box<ForLoop>),
    Error(Span),
}

/// `a.b = value` (or `policy input = drop`, stored as path `policy.input`).
///
/// It keeps no span of its own: an attribute runs from its first name to the end of its
/// value ([`Attr::span`]), and without a third span an entry is 96 bytes, not 112 (six
/// entries per guest of a large lab, whose tree is most of its memory).
#[derive(Debug, Clone, PartialEq)]
pub struct Attr {
    pub path: AttrName,
    pub value: Expr,
}

/// The names of an attribute's dotted path: read as a slice of them. Nearly every
/// attribute has one name, and a list of one would be an allocation of its own for each
/// (five per guest of a large lab); that one is stored inline, as wide as the list.
#[derive(Debug, Clone, PartialEq)]
pub enum AttrName {
    /// The usual case: `cores = 2`.
    One(Ident),
    /// `vmid.vm = 100..999`, `policy input = drop`; never of one name. A boxed slice, not
    /// a list, so the whole is no wider than one name.
    Dotted(Box<[Ident]>),
}

impl AttrName {
    /// The names, first to last.
    pub fn as_slice(&self) -> &[Ident] {
        match self {
            AttrName::One(name) => std::slice::from_ref(name),
            AttrName::Dotted(names) => names,
        }
    }
}

impl std::ops::Deref for AttrName {
    type Target = [Ident];

    fn deref(&self) -> &[Ident] {
        self.as_slice()
    }
}

impl From<Vec<Ident>> for AttrName {
    /// One name inline, any other number as a list: every tree stores a path of one name
    /// the same way, so trees from either parser compare equal.
    fn from(mut names: Vec<Ident>) -> Self {
        match names.pop() {
            Some(only) if names.is_empty() => AttrName::One(only),
            Some(last) => {
                names.push(last);
                AttrName::Dotted(names.into_boxed_slice())
            }
            None => AttrName::Dotted(Box::default()),
        }
    }
}

impl Attr {
    /// The dotted name, e.g. `vmid.vm`.
    pub fn name(&self) -> String {
        self.compact_name().into()
    }

    /// The dotted name, stored inline when it is short, as nearly every name is.
    pub fn compact_name(&self) -> EcoString {
        if let [only] = self.path.as_slice() {
            return only.name.clone();
        }
        let mut name = EcoString::default();
        for (i, segment) in self.path.iter().enumerate() {
            if i > 0 {
                name.push('.');
            }
            name.push_str(&segment.name);
        }
        name
    }

    /// Whether the dotted name is `name`, without building it.
    pub fn is_named(&self, name: &str) -> bool {
        if let [only] = self.path.as_slice() {
            return only.name == name;
        }
        let mut rest = name;
        for (i, segment) in self.path.iter().enumerate() {
            if i > 0 {
                match rest.strip_prefix('.') {
                    Some(r) => rest = r,
                    None => return false,
                }
            }
            match rest.strip_prefix(segment.name.as_str()) {
                Some(r) => rest = r,
                None => return false,
            }
        }
        rest.is_empty()
    }

    /// Span of the attribute's name.
    pub fn name_span(&self) -> Span {
        match (self.path.first(), self.path.last()) {
            (Some(a), Some(b)) => a.span.to(b.span),
            _ => self.value.span,
        }
    }

    /// Span of the whole attribute, from its first name to the end of its value: what
    /// both parsers cover with the tokens they take for it.
    pub fn span(&self) -> Span {
        match self.path.first() {
            Some(first) => first.span.to(self.value.span),
            None => self.value.span,
        }
    }
}

/// A firewall statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Rule {
    /// `allow|deny FROM -> TO [PORTS] [from SOURCES]`.
    Filter {
        action: Ident,
        from: Ident,
        to: Ident,
        ports: Vec<Expr>,
        sources: Option<Expr>,
        span: Span,
    },
    /// `masquerade [ZONES] -> ZONE`.
    Masquerade { zones: Expr, to: Ident, span: Span },
    /// `forward ZONE PORT -> TARGET[:PORT]`.
    Forward {
        from: Ident,
        port: Expr,
        target: Ident,
        target_port: Option<Expr>,
        span: Span,
    },
}

impl Rule {
    /// The whole statement's span.
    pub fn span(&self) -> Span {
        match self {
            Rule::Filter { span, .. }
            | Rule::Masquerade { span, .. }
            | Rule::Forward { span, .. } => *span,
        }
    }
}

/// `for NAME in RANGE { items }`.
#[derive(Debug, Clone, PartialEq)]
pub struct ForLoop {
    pub var: Ident,
    pub range: Expr,
    pub body: Vec<Entry>,
    pub span: Span,
}

/// A dotted path `a.b.c`.
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    /// One word wide rather than three, so a path, and every expression that can be one,
    /// is narrower (an expression is 56 bytes, not 64).
    pub segments: ThinVec<Ident>,
    pub span: Span,
}

impl Path {
    /// The path as written, `a.b.c`.
    pub fn dotted(&self) -> String {
        // Nearly every path written is one name (`on pve1`, `disk = 32GiB on local`).
        if let [only] = self.segments.as_slice() {
            // Copied, not `to_string`: that goes through the formatting machinery.
            return String::from(only.name.as_str());
        }
        self.segments
            .iter()
            .map(|s| s.name.as_str())
            .collect::<Vec<_>>()
            .join(".")
    }
}

/// A string literal, possibly interpolated.
#[derive(Debug, Clone, PartialEq)]
pub struct StrLit {
    /// A thin list, like a path's segments.
    pub parts: ThinVec<StrPart>,
    pub span: Span,
}

impl StrLit {
    /// The text when the string has no interpolation.
    pub fn as_plain(&self) -> Option<String> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                StrPart::Text(t) => out.push_str(t),
                StrPart::Interp(_) => return None,
            }
        }
        Some(out)
    }
}

/// A piece of a string literal.
#[derive(Debug, Clone, PartialEq)]
pub enum StrPart {
    Text(EcoString),
    Interp(Expr),
}

/// Binary operators, loosest first: `on`, `..`, `+ -`, `* /`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
}

/// An expression node with its span.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
    /// How many levels the tree below this node has (1 for a leaf). The parser keeps it
    /// at most [`MAX_EXPR_DEPTH`], so everything that walks an expression recursively
    /// (evaluation, dropping the tree) has a bounded stack whatever the input.
    pub depth: u32,
}

/// The deepest expression tree the parser builds; a deeper one (11,000 `+` terms in a
/// row, say) is reported and replaced by an error node.
pub const MAX_EXPR_DEPTH: u32 = 128;

impl Expr {
    /// A node of `kind` at `span`, its depth computed from its children.
    pub fn new(kind: ExprKind, span: Span) -> Expr {
        let below = match &kind {
            ExprKind::List(items) | ExprKind::Call(_, items) => {
                items.iter().map(|e| e.depth).max().unwrap_or(0)
            }
            ExprKind::Binary(_, l, r) | ExprKind::Range(l, r) => l.depth.max(r.depth),
            ExprKind::Placed(placed) => placed.0.depth,
            ExprKind::Str(s) => s
                .parts
                .iter()
                .map(|p| match p {
                    StrPart::Interp(e) => e.depth,
                    StrPart::Text(_) => 0,
                })
                .max()
                .unwrap_or(0),
            ExprKind::Instance(instance) => instance
                .1
                .entries
                .iter()
                .map(|entry| match entry {
                    Entry::Attr(attr) => attr.value.depth,
                    _ => 0,
                })
                .max()
                .unwrap_or(0),
            _ => 0,
        };
        Expr {
            kind,
            span,
            depth: below + 1,
        }
    }
}

/// What an expression is.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Number(Number),
    Quantity(Number, EcoString),
    Bool(bool),
    Str(StrLit),
    Ipv4(Ipv4Addr),
    Ipv6(Ipv6Addr),
    Prefix(IpAddr, u8),
    Mac([u8; 6]),
    Port(Protocol, u16, Option<u16>),
    Path(Path),
    List(Vec<Expr>),
    /// The function's name is boxed, like an instance's base, so every expression is as
    /// narrow as a placed value (most attributes hold a number, a size or a name).
    Call(Box<Ident>, Vec<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    Range(Box<Expr>, Box<Expr>),
    /// `value on target`: a size on a pool, an address on a network. Boxed whole, like
    /// an instance, so every expression is as narrow as a name or a quantity.
    Placed(Box<(Expr, Path)>),
    /// `base { attrs }`: a catalogue entry instantiated with attributes.
    Instance(Box<(Path, Block)>),
    Error,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attr(path: &[&str]) -> Attr {
        let ident = |name: &str| Ident {
            name: name.into(),
            span: Span::default(),
        };
        Attr {
            path: path.iter().map(|p| ident(p)).collect::<Vec<_>>().into(),
            value: Expr::new(ExprKind::Bool(true), Span::default()),
        }
    }

    #[test]
    fn is_named_agrees_with_name() {
        let names = [
            "vmid",
            "vmid.vm",
            "policy.input",
            "a.b.c",
            "",
            "vmid.",
            ".vm",
            "vm",
        ];
        for path in [
            &["vmid"][..],
            &["vmid", "vm"],
            &["policy", "input"],
            &["a", "b", "c"],
        ] {
            let a = attr(path);
            for name in names {
                assert_eq!(
                    a.is_named(name),
                    a.name() == name,
                    "{path:?} against {name:?}"
                );
            }
        }
    }
}
