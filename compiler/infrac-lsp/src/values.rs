//! The evaluated values of a lab's expressions, where the model keeps them with the span
//! of the expression they came from: addresses, prefixes, VMIDs, sizes, counts. Hover
//! shows the value under the cursor; inlay hints show the values of expressions that are
//! not literals already (`host(lan.ipv4, 60)` shows `192.168.100.60`).

use infrac_diagnostics::Span;
use infrac_model::{Model, Spanned};
use infrac_syntax::token::Token;

/// `(span of the expression, its value as infrac writes it)`, in model order, for the
/// spans `keep` takes. A request asks about one place or one screen of a file, so only
/// those values are written out: a large lab has tens of thousands.
pub(crate) fn computed(model: &Model, keep: impl Fn(Span) -> bool) -> Vec<(Span, String)> {
    let mut out = Values {
        keep,
        found: Vec::new(),
    };
    for site in &model.sites {
        out.option(&site.ipv4);
        out.option(&site.ipv6);
        out.option(&site.asn);
    }
    for network in &model.networks {
        out.option(&network.ipv4);
        out.option(&network.gateway);
        out.option(&network.ipv6);
        out.option(&network.gateway6);
        out.option(&network.vlan);
        if let Some(range) = &network.dhcp {
            out.put(
                range.span,
                &format_args!("{}..{}", range.value.0, range.value.1),
            );
        }
    }
    for machine in &model.machines {
        for nic in &machine.nics {
            out.option(&nic.ip);
            out.option(&nic.ip6);
        }
        for placement in machine.addresses.iter().chain(machine.bmc.as_deref()) {
            out.put(placement.address.span, &placement.address.value);
        }
        for pool in &machine.storage {
            out.put(pool.size.span, &pool.size.value);
        }
        if let Some(hw) = &machine.hardware {
            out.put(hw.cpu_count.span, &hw.cpu_count.value);
            out.put(hw.dimm_count.span, &hw.dimm_count.value);
        }
        if let Some(guest) = &machine.guest {
            out.put(guest.vmid.span, &guest.vmid.value);
            out.put(guest.cores.span, &guest.cores.value);
            out.put(guest.memory.span, &guest.memory.value);
            for disk in &guest.disks {
                out.put(disk.size.span, &disk.size.value);
            }
        }
    }
    out.found
}

/// The values kept so far, and which spans to keep.
struct Values<K> {
    keep: K,
    found: Vec<(Span, String)>,
}

impl<K: Fn(Span) -> bool> Values<K> {
    fn put(&mut self, span: Span, value: &dyn std::fmt::Display) {
        // An empty span is a value with no expression of its own to point at.
        if span.end > span.start && (self.keep)(span) {
            self.found.push((span, value.to_string()));
        }
    }

    fn option<T: std::fmt::Display>(&mut self, value: &Option<Spanned<T>>) {
        if let Some(v) = value {
            self.put(v.span, &v.value);
        }
    }
}

/// Whether `text` is one literal token (a number, an address, a plain string), whose
/// value a hint would only repeat.
pub(crate) fn is_literal(text: &str) -> bool {
    let lexed = infrac_syntax::lexer::lex(text, infrac_diagnostics::FileId(0));
    let tokens: Vec<&Token> = lexed
        .tokens
        .iter()
        .map(|(t, _)| t)
        .filter(|t| **t != Token::Newline)
        .collect();
    match tokens.as_slice() {
        [Token::Number(_)
        | Token::Quantity(..)
        | Token::Ipv4(_)
        | Token::Ipv6(_)
        | Token::Prefix(..)
        | Token::Mac(_)
        | Token::Port(..)] => true,
        [Token::StrStart, rest @ ..] => !rest.contains(&&Token::InterpOpen),
        _ => false,
    }
}
