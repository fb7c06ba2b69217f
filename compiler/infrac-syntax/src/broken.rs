//! What a line that did not parse was declaring, for the stages after the parser: the
//! declaration is lost with the line, and everything that names it would otherwise be
//! reported as naming nothing.

use crate::lexer::lex;
use crate::token::Token;
use infrac_diagnostics::FileId;

/// The head of a declaration the recovering parser skipped (an `Item::Error`'s text):
/// its kind and, when the head names it, its name (`vm router 200 no pve {` gives `vm`
/// and `router`; `firewall on router }}` gives `firewall` and none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenHead {
    pub kind: String,
    pub name: Option<String>,
}

/// [`BrokenHead`] of `text`, when it starts as a declaration does: a word, then a name or
/// a string. Only the first line is read.
pub fn broken_head(text: &str) -> Option<BrokenHead> {
    let line = text.lines().next().unwrap_or_default();
    let tokens = lex(line, FileId(0)).tokens;
    let mut words = tokens.iter().map(|(token, _)| token);
    let Some(Token::Ident(kind)) = words.next() else {
        return None;
    };
    let name = match words.next() {
        Some(Token::Ident(name)) => Some(name.to_string()),
        Some(Token::StrStart) => match (words.next(), words.next()) {
            (Some(Token::StrText(text)), Some(Token::StrEnd)) => Some(text.to_string()),
            _ => None,
        },
        Some(Token::On) => None,
        _ => return None,
    };
    Some(BrokenHead {
        kind: kind.to_string(),
        name,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads() {
        let head = |kind: &str, name: Option<&str>| {
            Some(BrokenHead {
                kind: kind.into(),
                name: name.map(Into::into),
            })
        };
        assert_eq!(
            broken_head("vm router 200 no pve {\n  x = 1\n}"),
            head("vm", Some("router"))
        );
        assert_eq!(
            broken_head("host \"edge-1\" nope {"),
            head("host", Some("edge-1"))
        );
        // The word after the kind is read as the name, whatever it was meant to be.
        assert_eq!(
            broken_head("firewall no router {"),
            head("firewall", Some("no"))
        );
        assert_eq!(broken_head("firewall on router }}"), head("firewall", None));
        assert_eq!(broken_head("cores = = 2"), None);
        assert_eq!(broken_head("= 2"), None);
    }
}
