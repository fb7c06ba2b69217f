//! Semantic tokens: the lexer's tokens of the document as the editor shows it, names
//! coloured by what they name in the lab (a machine, a network, a stdlib entry), and the
//! comments the lexer skips.

use crate::index::Index;
use crate::text;
use infrac_syntax::token::Token;
use lsp_types::{
    SemanticToken, SemanticTokenModifier, SemanticTokenType, SemanticTokens, SemanticTokensLegend,
};
use rustc_hash::FxHashMap;

/// The token types, in legend order.
const TYPES: &[SemanticTokenType] = &[
    SemanticTokenType::KEYWORD,
    SemanticTokenType::PROPERTY,
    SemanticTokenType::NUMBER,
    SemanticTokenType::STRING,
    SemanticTokenType::COMMENT,
    SemanticTokenType::OPERATOR,
    SemanticTokenType::FUNCTION,
    SemanticTokenType::NAMESPACE,
    SemanticTokenType::CLASS,
    SemanticTokenType::ENUM,
    SemanticTokenType::INTERFACE,
    SemanticTokenType::STRUCT,
    SemanticTokenType::VARIABLE,
];

const MODIFIERS: &[SemanticTokenModifier] = &[
    SemanticTokenModifier::DECLARATION,
    SemanticTokenModifier::DEFAULT_LIBRARY,
    SemanticTokenModifier::DOCUMENTATION,
];

pub(crate) fn legend() -> SemanticTokensLegend {
    SemanticTokensLegend {
        token_types: TYPES.to_vec(),
        token_modifiers: MODIFIERS.to_vec(),
    }
}

/// Indexes into [`TYPES`], which every token carries instead of the type's name.
const KEYWORD: u32 = 0;
const PROPERTY: u32 = 1;
const NUMBER: u32 = 2;
const STRING: u32 = 3;
const COMMENT: u32 = 4;
const OPERATOR: u32 = 5;
const FUNCTION: u32 = 6;
const NAMESPACE: u32 = 7;
const CLASS: u32 = 8;
const ENUM: u32 = 9;
const INTERFACE: u32 = 10;
const STRUCT: u32 = 11;

const DECLARATION: u32 = 1;
const DEFAULT_LIBRARY: u32 = 2;
const DOCUMENTATION: u32 = 4;

/// The token type a declaration kind's names get.
fn kind_type(kind: &str) -> u32 {
    match kind {
        "host" | "machine" | "vm" | "lxc" => CLASS,
        "network" => ENUM,
        "site" => NAMESPACE,
        "template" => INTERFACE,
        _ => STRUCT,
    }
}

/// `(start, end, type, modifiers)`: bytes, and an index into [`TYPES`].
type Raw = (usize, usize, u32, u32);

pub(crate) fn semantic_tokens(source: &str, index: Option<&Index>) -> SemanticTokens {
    let lexed = infrac_syntax::lexer::lex(source, infrac_diagnostics::FileId(0));
    let tokens = &lexed.tokens;
    // Names the lab declares, by namespace: the token type of what an identifier names.
    let mut kinds: FxHashMap<(Option<&str>, &str), u32> = FxHashMap::default();
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
    let significant = |i: usize| -> Option<&Token> {
        tokens[i..]
            .iter()
            .map(|(t, _)| t)
            .find(|t| **t != Token::Newline)
    };
    for (i, (token, span)) in tokens.iter().enumerate() {
        let (start, end) = (span.start as usize, span.end as usize);
        let previous = i.checked_sub(1).map(|j| &tokens[j].0);
        let line_start = matches!(
            previous,
            None | Some(Token::Newline | Token::LBrace | Token::Comma)
        );
        let class = match token {
            Token::Import | Token::As | Token::For | Token::In | Token::On | Token::From => {
                Some((KEYWORD, 0))
            }
            Token::True | Token::False => Some((KEYWORD, 0)),
            Token::Number(_)
            | Token::Quantity(..)
            | Token::Ipv4(_)
            | Token::Ipv6(_)
            | Token::Prefix(..)
            | Token::Mac(_)
            | Token::Port(..) => Some((NUMBER, 0)),
            Token::StrStart | Token::StrText(_) | Token::StrEnd => Some((STRING, 0)),
            Token::Eq
            | Token::Arrow
            | Token::Plus
            | Token::Minus
            | Token::Star
            | Token::Slash
            | Token::DotDot => Some((OPERATOR, 0)),
            Token::Ident(name) => {
                let next = significant(i + 1);
                let after_dot = matches!(previous, Some(Token::Dot));
                let namespace = (after_dot && i >= 2)
                    .then(|| match &tokens[i - 2].0 {
                        Token::Ident(ns) if is_namespace(ns) => Some(ns.as_str()),
                        _ => None,
                    })
                    .flatten();
                if line_start
                    && matches!(next, Some(Token::Eq | Token::Dot))
                    && !is_namespace(name)
                    && !kinds.contains_key(&(None, name.as_str()))
                {
                    Some((PROPERTY, 0))
                } else if line_start
                    && matches!(
                        next,
                        Some(Token::Ident(_) | Token::StrStart | Token::LBrace | Token::Number(_))
                    )
                {
                    Some((KEYWORD, 0))
                } else if matches!(next, Some(Token::LParen)) {
                    Some((FUNCTION, 0))
                } else if !after_dot && is_namespace(name) && matches!(next, Some(Token::Dot)) {
                    Some((NAMESPACE, DEFAULT_LIBRARY))
                } else if let Some(&kind) =
                    namespace.and_then(|ns| kinds.get(&(Some(ns), name.as_str())))
                {
                    Some((kind, DEFAULT_LIBRARY))
                } else if let (false, Some(&kind)) = (after_dot, kinds.get(&(None, name.as_str())))
                {
                    // The name right after a declaration kind at the start of a line is
                    // the declaration itself.
                    let declares = i >= 1
                        && matches!(&tokens[i - 1].0, Token::Ident(_))
                        && (i < 2 || matches!(&tokens[i - 2].0, Token::Newline | Token::LBrace));
                    Some((kind, if declares { DECLARATION } else { 0 }))
                } else if after_dot {
                    Some((PROPERTY, 0))
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
        Token::Newline,
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
                COMMENT,
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
            token_type,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_type_indexes_follow_the_legend() {
        let named = [
            (KEYWORD, SemanticTokenType::KEYWORD),
            (PROPERTY, SemanticTokenType::PROPERTY),
            (NUMBER, SemanticTokenType::NUMBER),
            (STRING, SemanticTokenType::STRING),
            (COMMENT, SemanticTokenType::COMMENT),
            (OPERATOR, SemanticTokenType::OPERATOR),
            (FUNCTION, SemanticTokenType::FUNCTION),
            (NAMESPACE, SemanticTokenType::NAMESPACE),
            (CLASS, SemanticTokenType::CLASS),
            (ENUM, SemanticTokenType::ENUM),
            (INTERFACE, SemanticTokenType::INTERFACE),
            (STRUCT, SemanticTokenType::STRUCT),
        ];
        for (index, name) in named {
            assert_eq!(TYPES[index as usize], name);
        }
    }
}
