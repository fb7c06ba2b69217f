//! Semantic tokens: the lexer's tokens of the document as the editor shows it, names
//! coloured by what they name in the lab (a machine, a network, a stdlib entry), and the
//! comments the lexer skips.

use crate::index::Index;
use crate::outbox;
use crate::text;
use infrac_syntax::token::{span_text, Lexeme};
use lsp_types::{
    SemanticToken, SemanticTokenModifier, SemanticTokenType, SemanticTokens, SemanticTokensDelta,
    SemanticTokensEdit, SemanticTokensLegend,
};
use rustc_hash::FxHashMap;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The token types the server sends. The legend lists them in this order, so a token
/// carries its type as the index.
#[derive(Clone, Copy)]
#[repr(u32)]
enum Type {
    Keyword,
    Property,
    Number,
    String,
    Comment,
    Operator,
    Function,
    Namespace,
    Class,
    Enum,
    Interface,
    Struct,
}

impl Type {
    const ALL: [Type; 12] = [
        Type::Keyword,
        Type::Property,
        Type::Number,
        Type::String,
        Type::Comment,
        Type::Operator,
        Type::Function,
        Type::Namespace,
        Type::Class,
        Type::Enum,
        Type::Interface,
        Type::Struct,
    ];

    fn lsp(self) -> SemanticTokenType {
        match self {
            Type::Keyword => SemanticTokenType::KEYWORD,
            Type::Property => SemanticTokenType::PROPERTY,
            Type::Number => SemanticTokenType::NUMBER,
            Type::String => SemanticTokenType::STRING,
            Type::Comment => SemanticTokenType::COMMENT,
            Type::Operator => SemanticTokenType::OPERATOR,
            Type::Function => SemanticTokenType::FUNCTION,
            Type::Namespace => SemanticTokenType::NAMESPACE,
            Type::Class => SemanticTokenType::CLASS,
            Type::Enum => SemanticTokenType::ENUM,
            Type::Interface => SemanticTokenType::INTERFACE,
            Type::Struct => SemanticTokenType::STRUCT,
        }
    }
}

// The legend is `Type::ALL` in order, and a token sends `type as u32`: they agree when
// every type sits at its own index, which the compiler checks here.
const _: () = {
    let mut i = 0;
    while i < Type::ALL.len() {
        assert!(Type::ALL[i] as usize == i);
        i += 1;
    }
};

const MODIFIERS: &[SemanticTokenModifier] = &[
    SemanticTokenModifier::DECLARATION,
    SemanticTokenModifier::DEFAULT_LIBRARY,
    SemanticTokenModifier::DOCUMENTATION,
];

pub(crate) fn legend() -> SemanticTokensLegend {
    SemanticTokensLegend {
        token_types: Type::ALL.iter().map(|t| t.lsp()).collect(),
        token_modifiers: MODIFIERS.to_vec(),
    }
}

const DECLARATION: u32 = 1;
const DEFAULT_LIBRARY: u32 = 2;
const DOCUMENTATION: u32 = 4;

/// The token type a declaration kind's names get.
fn kind_type(kind: &str) -> Type {
    match kind {
        "host" | "machine" | "vm" | "lxc" => Type::Class,
        "network" => Type::Enum,
        "site" => Type::Namespace,
        "template" => Type::Interface,
        _ => Type::Struct,
    }
}

/// `(start, end, type, modifiers)`, in bytes.
type Raw = (usize, usize, Type, u32);

pub(crate) fn semantic_tokens(source: &str, index: Option<&Index>) -> SemanticTokens {
    let lexed = infrac_syntax::lexer::lexemes(source, infrac_diagnostics::FileId(0));
    let tokens = &lexed.tokens;
    // Names the lab declares, by namespace: the token type of what an identifier names.
    let mut kinds: FxHashMap<(Option<&str>, &str), Type> = FxHashMap::default();
    if let Some(index) = index {
        kinds.reserve(index.symbols.len());
        for s in &index.symbols {
            kinds.insert(
                (s.namespace.as_deref(), s.name.as_str()),
                kind_type(&s.kind),
            );
        }
    }
    let is_namespace = |name: &str| index.is_some_and(|i| i.namespaces().contains_key(name));
    let mut raw: Vec<Raw> = Vec::new();
    let significant = |i: usize| -> Option<&Lexeme> {
        tokens[i..]
            .iter()
            .map(|(t, _)| t)
            .find(|t| **t != Lexeme::Newline)
    };
    for (i, (token, span)) in tokens.iter().enumerate() {
        let (start, end) = (span.start as usize, span.end as usize);
        let previous = i.checked_sub(1).map(|j| &tokens[j].0);
        let line_start = matches!(
            previous,
            None | Some(Lexeme::Newline | Lexeme::LBrace | Lexeme::Comma)
        );
        let class = match token {
            Lexeme::Import | Lexeme::As | Lexeme::For | Lexeme::In | Lexeme::On | Lexeme::From => {
                Some((Type::Keyword, 0))
            }
            Lexeme::True | Lexeme::False => Some((Type::Keyword, 0)),
            Lexeme::Number(_)
            | Lexeme::Quantity(..)
            | Lexeme::Ipv4(_)
            | Lexeme::Ipv6(_)
            | Lexeme::Prefix(..)
            | Lexeme::Mac(_)
            | Lexeme::Port(..) => Some((Type::Number, 0)),
            Lexeme::StrStart | Lexeme::StrText(_) | Lexeme::StrEnd => Some((Type::String, 0)),
            Lexeme::Eq
            | Lexeme::Arrow
            | Lexeme::Plus
            | Lexeme::Minus
            | Lexeme::Star
            | Lexeme::Slash
            | Lexeme::DotDot => Some((Type::Operator, 0)),
            Lexeme::Ident(()) => {
                let name = span_text(source, *span);
                let next = significant(i + 1);
                let after_dot = matches!(previous, Some(Lexeme::Dot));
                let namespace = (after_dot && i >= 2)
                    .then(|| match &tokens[i - 2].0 {
                        Lexeme::Ident(()) => {
                            let ns = span_text(source, tokens[i - 2].1);
                            is_namespace(ns).then_some(ns)
                        }
                        _ => None,
                    })
                    .flatten();
                if line_start
                    && matches!(next, Some(Lexeme::Eq | Lexeme::Dot))
                    && !is_namespace(name)
                    && !kinds.contains_key(&(None, name))
                {
                    Some((Type::Property, 0))
                } else if line_start
                    && matches!(
                        next,
                        Some(
                            Lexeme::Ident(())
                                | Lexeme::StrStart
                                | Lexeme::LBrace
                                | Lexeme::Number(_)
                        )
                    )
                {
                    Some((Type::Keyword, 0))
                } else if matches!(next, Some(Lexeme::LParen)) {
                    Some((Type::Function, 0))
                } else if !after_dot && is_namespace(name) && matches!(next, Some(Lexeme::Dot)) {
                    Some((Type::Namespace, DEFAULT_LIBRARY))
                } else if let Some(&kind) = namespace.and_then(|ns| kinds.get(&(Some(ns), name))) {
                    Some((kind, DEFAULT_LIBRARY))
                } else if let (false, Some(&kind)) = (after_dot, kinds.get(&(None, name))) {
                    // The name right after a declaration kind at the start of a line is
                    // the declaration itself.
                    let declares = i >= 1
                        && matches!(&tokens[i - 1].0, Lexeme::Ident(()))
                        && (i < 2 || matches!(&tokens[i - 2].0, Lexeme::Newline | Lexeme::LBrace));
                    Some((kind, if declares { DECLARATION } else { 0 }))
                } else if after_dot {
                    Some((Type::Property, 0))
                } else {
                    None
                }
            }
            _ => None,
        };
        if let Some((t, m)) = class {
            raw.push((start, end, t, m));
        }
    }
    // Comments: from a `#` between tokens to the end of its line; `##` are doc comments.
    let mut gap_start = 0;
    for (_, span) in tokens.iter().chain(std::iter::once(&(
        Lexeme::Newline,
        infrac_diagnostics::Span::new(infrac_diagnostics::FileId(0), source.len(), source.len()),
    ))) {
        let gap = source.get(gap_start..span.start as usize).unwrap_or("");
        let mut offset = 0;
        while let Some(hash) = gap[offset..].find('#') {
            let from = offset + hash;
            let to = gap[from..]
                .find(['\n', '\r'])
                .map_or(gap.len(), |e| from + e);
            let doc = gap[from..].starts_with("##") && !gap[from..].starts_with("###");
            raw.push((
                gap_start + from,
                gap_start + to,
                Type::Comment,
                if doc { DOCUMENTATION } else { 0 },
            ));
            offset = to;
        }
        gap_start = gap_start.max(span.end as usize);
    }
    raw.sort_by_key(|r| r.0);
    encode(source, &raw)
}

/// Relative encoding, one token per line piece, lengths in UTF-16 units.
fn encode(source: &str, raw: &[Raw]) -> SemanticTokens {
    let starts = infrac_diagnostics::line_starts(source);
    let mut data = Vec::with_capacity(raw.len());
    let (mut last_line, mut last_char) = (0u32, 0u32);
    // Tokens and comments do not overlap: their starts and ends only go forwards.
    let mut cursor = text::Cursor::new(source, &starts);
    for &(start, end, token_type, modifiers) in raw {
        let a = cursor.position(start);
        let b = cursor.position(end);
        if b.line != a.line || b.character <= a.character {
            continue;
        }
        let delta_line = a.line - last_line;
        let delta_start = if delta_line == 0 {
            a.character - last_char
        } else {
            a.character
        };
        data.push(SemanticToken {
            delta_line,
            delta_start,
            length: b.character - a.character,
            token_type: token_type as u32,
            token_modifiers_bitset: modifiers,
        });
        last_line = a.line;
        last_char = a.character;
    }
    SemanticTokens {
        result_id: None,
        data,
    }
}

/// The tokens last sent for each open document, so the next request can be answered
/// with what changed (`textDocument/semanticTokens/full/delta`): after a keystroke in a
/// large lab that is a few tokens instead of the whole file's (a megabyte of JSON for
/// 5,000 guests, which the editor must read again).
#[derive(Default)]
pub(crate) struct Sent {
    last_id: u64,
    by_path: BTreeMap<PathBuf, (String, Vec<SemanticToken>)>,
}

impl Sent {
    /// Answers a request for all of `path`'s tokens: `tokens`, under a new result id.
    pub(crate) fn full(
        &mut self,
        path: &Path,
        mut tokens: SemanticTokens,
    ) -> serde_json::Result<outbox::Serialised> {
        let id = self.next_id();
        tokens.result_id = Some(id.clone());
        let answer = outbox::result(&tokens);
        self.by_path.insert(path.to_path_buf(), (id, tokens.data));
        answer
    }

    /// Answers a request for what changed in `path`'s tokens since the answer `previous`:
    /// the edit from those to `tokens`, or all of them when `previous` is not the last
    /// answer for `path` (the client may ask with an older one).
    pub(crate) fn delta(
        &mut self,
        path: &Path,
        previous: &str,
        tokens: SemanticTokens,
    ) -> serde_json::Result<outbox::Serialised> {
        let id = self.next_id();
        let mut data = tokens.data;
        // Either shape of the answer is written as itself: the protocol's result type is
        // their untagged union.
        let answer = match self.by_path.get(path) {
            Some((last, old)) if last == previous => outbox::result(&SemanticTokensDelta {
                result_id: Some(id.clone()),
                edits: edit(old, &data).into_iter().collect(),
            }),
            _ => {
                let tokens = SemanticTokens {
                    result_id: Some(id.clone()),
                    data: std::mem::take(&mut data),
                };
                let answer = outbox::result(&tokens);
                data = tokens.data;
                answer
            }
        };
        self.by_path.insert(path.to_path_buf(), (id, data));
        answer
    }

    /// Forgets `path`'s tokens (its document was closed).
    pub(crate) fn forget(&mut self, path: &Path) {
        self.by_path.remove(path);
    }

    fn next_id(&mut self) -> String {
        self.last_id += 1;
        self.last_id.to_string()
    }
}

/// The single edit that turns `old` into `new`: what lies between their common start and
/// their common end, counted in the protocol's integers (five per token). Each token is
/// placed relative to the one before, so an edit changes the tokens it touches and at most
/// the first one after them. `None` when nothing changed.
pub(crate) fn edit(old: &[SemanticToken], new: &[SemanticToken]) -> Option<SemanticTokensEdit> {
    let prefix = old.iter().zip(new).take_while(|(a, b)| a == b).count();
    if prefix == old.len() && prefix == new.len() {
        return None;
    }
    let suffix = old[prefix..]
        .iter()
        .rev()
        .zip(new[prefix..].iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let inserted = &new[prefix..new.len() - suffix];
    Some(SemanticTokensEdit {
        start: (prefix * 5) as u32,
        delete_count: ((old.len() - prefix - suffix) * 5) as u32,
        data: (!inserted.is_empty()).then(|| inserted.to_vec()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(delta_line: u32, delta_start: u32) -> SemanticToken {
        SemanticToken {
            delta_line,
            delta_start,
            length: 1,
            token_type: 0,
            token_modifiers_bitset: 0,
        }
    }

    /// `tokens` as the protocol's integers.
    fn integers(tokens: &[SemanticToken]) -> Vec<u32> {
        tokens
            .iter()
            .flat_map(|t| {
                [
                    t.delta_line,
                    t.delta_start,
                    t.length,
                    t.token_type,
                    t.token_modifiers_bitset,
                ]
            })
            .collect()
    }

    #[test]
    fn the_edit_turns_the_old_tokens_into_the_new() {
        let list = |n: &[u32]| n.iter().map(|&l| token(l, 0)).collect::<Vec<_>>();
        let cases = [
            (list(&[1, 2, 3, 4]), list(&[1, 2, 9, 3, 4])),
            (list(&[1, 2, 3, 4]), list(&[1, 4])),
            (list(&[1, 2, 3]), list(&[7, 8])),
            (list(&[]), list(&[1, 2])),
            (list(&[1, 2]), list(&[])),
            (list(&[1, 1, 1]), list(&[1, 1, 1, 1])),
            (list(&[5, 1, 2]), list(&[6, 1, 2])),
        ];
        for (old, new) in cases {
            let edit = edit(&old, &new).unwrap_or_else(|| panic!("{old:?} → {new:?}"));
            let mut applied = integers(&old);
            let (start, deleted) = (edit.start as usize, edit.delete_count as usize);
            applied.splice(
                start..start + deleted,
                integers(edit.data.as_deref().unwrap_or_default()),
            );
            assert_eq!(applied, integers(&new), "{old:?} → {new:?}: {edit:?}");
        }
        let same = list(&[1, 2, 3]);
        assert_eq!(edit(&same, &same), None);
        // One token typed in the middle of a long list: only it is sent.
        let long: Vec<_> = (0..1000).map(|i| token(1, i)).collect();
        let mut typed = long.clone();
        typed.insert(500, token(0, 3));
        let small = edit(&long, &typed).unwrap_or_else(|| panic!("no edit"));
        assert_eq!((small.start, small.delete_count), (2500, 0));
        assert_eq!(small.data.map(|d| d.len()), Some(1));
    }
}
