//! The `expect` statement: `expect FROM -> TO [PORTS] OUTCOME… [on ROUTER]`.
//!
//! It is a top-level item of its own rather than a firewall entry because an intent is
//! about the lab (an overlay, a proxy), not only about one ruleset.

use super::{dotted, ident, Extra};
use crate::ast::{thin_vec, Expect, Expr, ExprKind, Item, Path};
use crate::token::Token;
use chumsky::input::ValueInput;
use chumsky::prelude::*;
use infrac_diagnostics::{FileId, Span};

/// The words that start an outcome; a service of the same name cannot be a port here.
pub(crate) const OUTCOME_WORDS: [&str; 4] = ["allowed", "denied", "reachable", "only"];

pub(super) fn expect_item<'t, I>(file: FileId) -> impl Parser<'t, I, Item, Extra<'t>> + Clone
where
    I: ValueInput<'t, Token = Token, Span = SimpleSpan>,
{
    let sp = move |s: SimpleSpan| Span::new(file, s.start, s.end);
    let name = ident(file);
    let path = dotted(file);
    let endpoint = choice((
        select! {
            Token::Ipv4(a) => ExprKind::Ipv4(a),
            Token::Ipv6(a) => ExprKind::Ipv6(a),
        },
        name.clone().map(|i| {
            ExprKind::Path(Path {
                span: i.span,
                segments: thin_vec![i],
            })
        }),
    ))
    .map_with(move |kind, e| Expr::new(kind, sp(e.span())))
    .labelled("a zone, machine or address");
    let service = path.filter(|p: &Path| {
        !(p.segments.len() == 1 && OUTCOME_WORDS.contains(&p.segments[0].name.as_str()))
    });
    let port_item = choice((
        select! { Token::Port(p, lo, hi) => ExprKind::Port(p, lo, hi) },
        service.map(ExprKind::Path),
    ))
    .map_with(move |kind, e| Expr::new(kind, sp(e.span())))
    .labelled("a port such as `tcp/22`");
    let outcome_word = name
        .clone()
        .filter(|i| OUTCOME_WORDS.contains(&i.name.as_str()))
        .labelled("`allowed`, `denied`, `reachable` or `only`");
    just(Token::Ident("expect".into()))
        .ignore_then(endpoint.clone())
        .then_ignore(just(Token::Arrow))
        .then(endpoint)
        .then(
            port_item
                .separated_by(just(Token::Comma))
                .collect::<Vec<_>>(),
        )
        // Without an outcome word the statement still parses (its last word was taken
        // for a service), so sema can say that the outcome is missing or misspelt.
        .then(
            outcome_word
                .then(name.clone().repeated().at_most(2).collect::<Vec<_>>())
                .map(|(first, mut rest)| {
                    rest.insert(0, first);
                    rest
                })
                .or_not()
                .map(Option::unwrap_or_default),
        )
        .then(just(Token::On).ignore_then(name).or_not())
        .map_with(move |((((from, to), ports), outcome), on), e| {
            Item::Expect(Box::new(Expect {
                from,
                to,
                ports,
                outcome,
                on,
                span: sp(e.span()),
            }))
        })
}

#[cfg(test)]
mod tests {
    use crate::ast::{ExprKind, Item};
    use crate::parser::parse;
    use infrac_diagnostics::FileId;

    fn expects(src: &str) -> Vec<crate::ast::Expect> {
        let parsed = parse(src, FileId(0));
        assert!(parsed.diagnostics.is_empty(), "{:#?}", parsed.diagnostics);
        parsed
            .file
            .items
            .into_iter()
            .filter_map(|i| match i {
                Item::Expect(e) => Some(*e),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn every_form_parses() {
        let all = expects(
            "expect wan -> mgmt denied\n\
             expect guest -> netbox tcp/22 denied\n\
             expect lan -> router udp/53, tcp/53, ssh allowed on gw\n\
             expect 2001:db8::1 -> 10.0.0.5 allowed\n\
             expect laptop -> nas reachable over tailnet\n\
             expect wan -> backstage only through edge\n",
        );
        assert_eq!(all.len(), 6);
        assert!(all[0].ports.is_empty());
        assert_eq!(all[0].outcome[0].name, "denied");
        assert_eq!(all[2].ports.len(), 3);
        assert_eq!(all[2].on.as_ref().map(|i| i.name.as_str()), Some("gw"));
        assert!(matches!(all[3].from.kind, ExprKind::Ipv6(_)));
        let words: Vec<&str> = all[5].outcome.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(words, ["only", "through", "edge"]);
    }

    #[test]
    fn a_broken_expectation_is_one_error_and_the_rest_parses() {
        let parsed = parse("expect wan -> \nexpect lan -> wan allowed\n", FileId(0));
        assert_eq!(parsed.diagnostics.len(), 1, "{:#?}", parsed.diagnostics);
        assert!(matches!(parsed.file.items.last(), Some(Item::Expect(_))));
    }

    #[test]
    fn the_formatter_lines_up_expectations() {
        let out = crate::format(
            "expect  wan->mgmt   denied\nexpect guest -> netbox tcp/22,tcp/443 denied  on  gw # why\n",
        )
        .expect("formats");
        assert_eq!(
            out,
            "expect wan   -> mgmt denied\nexpect guest -> netbox tcp/22, tcp/443 denied on gw  # why\n"
        );
    }
}
