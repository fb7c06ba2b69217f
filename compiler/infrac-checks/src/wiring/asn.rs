//! Autonomous system numbers no lab may use (E0305): AS_TRANS, 23456, which four-octet
//! speakers put in place of a number a two-octet peer cannot carry (RFC 6793), and the
//! last ASNs of the 16- and 32-bit ranges, 65535 and 4294967295, reserved by RFC 7300 so
//! that operators do not use them. Zero is refused as the value is read.

use infrac_diagnostics::{Code, Diagnostic};
use infrac_model::{BgpRouter, Spanned};

/// Why `asn` is reserved, if it is.
fn reserved(asn: u32) -> Option<&'static str> {
    match asn {
        23456 => Some("AS_TRANS, which stands in for four-octet numbers (RFC 6793)"),
        65535 | 4294967295 => Some("the last ASN of its range (RFC 7300)"),
        _ => None,
    }
}

pub(super) fn check(router: &BgpRouter, out: &mut Vec<Diagnostic>) {
    let own = std::iter::once(("the router's", &router.asn));
    let peers = router.peers.iter().map(|p| ("a peer's", &p.asn));
    for (whose, asn) in own.chain(peers) {
        let Some(why) = reserved(asn.value) else {
            continue;
        };
        out.push(report(whose, asn, why));
    }
}

fn report(whose: &str, asn: &Spanned<u32>, why: &str) -> Diagnostic {
    Diagnostic::error(
        Code::OUT_OF_RANGE,
        format!("ASN {} is reserved: {why}", asn.value),
        asn.span,
        format!("{whose} AS number"),
    )
    .with_help(
        "use the ASN your provider or registry assigned, or a private one (64512 to 65534, or 4200000000 to 4294967294)",
    )
}
