//! The evaluated values of a lab's expressions, where the model keeps them with the span
//! of the expression they came from: addresses, prefixes, VMIDs, sizes, counts. Hover
//! shows the value under the cursor; inlay hints show the values of expressions that are
//! not literals already (`host(lan.ipv4, 60)` shows `192.168.100.60`).

use infrac_diagnostics::Span;
use infrac_model::{Model, Spanned};
use infrac_syntax::token::Token;

/// `(span of the expression, its value as infrac writes it)`, in model order.
pub(crate) fn computed(model: &Model) -> Vec<(Span, String)> {
    let mut out: Vec<(Span, String)> = Vec::new();
    fn put<T: std::fmt::Display>(out: &mut Vec<(Span, String)>, value: &Option<Spanned<T>>) {
        if let Some(v) = value {
            out.push((v.span, v.value.to_string()));
        }
    }
    for site in &model.sites {
        put(&mut out, &site.ipv4);
        put(&mut out, &site.ipv6);
        put(&mut out, &site.asn);
    }
    for network in &model.networks {
        put(&mut out, &network.ipv4);
        put(&mut out, &network.gateway);
        put(&mut out, &network.ipv6);
        put(&mut out, &network.gateway6);
        put(&mut out, &network.vlan);
        if let Some(range) = &network.dhcp {
            out.push((range.span, format!("{}..{}", range.value.0, range.value.1)));
        }
    }
    for machine in &model.machines {
        for nic in &machine.nics {
            put(&mut out, &nic.ip);
            put(&mut out, &nic.ip6);
        }
        for placement in machine.addresses.iter().chain(machine.bmc.as_deref()) {
            out.push((placement.address.span, placement.address.value.to_string()));
        }
        for pool in &machine.storage {
            out.push((pool.size.span, pool.size.value.to_string()));
        }
        if let Some(hw) = &machine.hardware {
            out.push((hw.cpu_count.span, hw.cpu_count.value.to_string()));
            out.push((hw.dimm_count.span, hw.dimm_count.value.to_string()));
        }
        if let Some(guest) = &machine.guest {
            out.push((guest.vmid.span, guest.vmid.value.to_string()));
            out.push((guest.cores.span, guest.cores.value.to_string()));
            out.push((guest.memory.span, guest.memory.value.to_string()));
            for disk in &guest.disks {
                out.push((disk.size.span, disk.size.value.to_string()));
            }
        }
    }
    out.retain(|(span, _)| span.end > span.start);
    out
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
