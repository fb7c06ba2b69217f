//! The AS path checks of one session, as BIRD conditions, and ASN set elements.

use infrac_model::BgpPeer;

/// The conditions that reject a route by its AS path, each to be written as
/// `if CONDITION then reject;`: an empty path (an eBGP route always carries the
/// neighbour's AS), a first AS that is not the neighbour's, a path longer than the
/// limit, and a private or reserved ASN anywhere in it.
pub(crate) fn path_checks(peer: &BgpPeer, id: &str, own_bogons: bool) -> Vec<String> {
    let mut out = vec!["bgp_path.len = 0".to_string()];
    if peer.enforce_first_as() {
        out.push(format!("bgp_path.first != {}", peer.asn.value));
    }
    out.push(format!("bgp_path.len > {}", peer.max_path_length()));
    if peer.reject_bogon_asns() {
        if own_bogons {
            out.push(format!("bgp_path ~ BOGON_ASNS_{}", id.to_uppercase()));
        } else {
            out.push("bgp_path ~ BOGON_ASNS".to_string());
        }
    }
    out
}

/// Set elements for inclusive ASN ranges, each with its trailing comma and source.
pub(crate) fn asn_set(ranges: &[(u32, u32, &str)]) -> Vec<String> {
    ranges
        .iter()
        .enumerate()
        .map(|(i, (lo, hi, why))| {
            let comma = if i + 1 < ranges.len() { "," } else { "" };
            if lo == hi {
                format!("{lo}{comma}\t# {why}")
            } else {
                format!("{lo}..{hi}{comma}\t# {why}")
            }
        })
        .collect()
}
