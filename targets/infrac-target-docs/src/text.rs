//! Values written straight into a page's tables, as their `Display` writes them.
//!
//! The IP plan, the inventory and the capacity page have rows per guest with two
//! addresses, an ID and sizes each; the formatting machinery spent several hundred
//! instructions on each value, most of the cost of those tables. The tests compare these
//! with `Display` (for IPv6 over every pattern of zero runs).

use std::collections::HashMap;
use std::fmt::Display;
use std::hash::Hash;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

pub use infrac_templates::text::push_decimal;

/// The `Display` text of values that repeat down a long table (a lab's guests come in a
/// few sizes), each formatted once.
pub struct Shown<T>(HashMap<T, String>);

impl<T> Default for Shown<T> {
    fn default() -> Self {
        Shown(HashMap::new())
    }
}

impl<T: Copy + Eq + Hash + Display> Shown<T> {
    /// `value` as `Display` writes it.
    pub fn get(&mut self, value: T) -> &str {
        self.0.entry(value).or_insert_with(|| value.to_string())
    }
}

/// Appends `address` as `Display` writes it.
pub fn push_ip(out: &mut String, address: IpAddr) {
    match address {
        IpAddr::V4(a) => push_ipv4(out, a),
        IpAddr::V6(a) => push_ipv6(out, a),
    }
}

/// Appends `address` as `Display` writes it (`10.0.0.1`).
pub fn push_ipv4(out: &mut String, address: Ipv4Addr) {
    for (i, octet) in address.octets().into_iter().enumerate() {
        if i > 0 {
            out.push('.');
        }
        push_octet(out, octet);
    }
}

fn push_octet(out: &mut String, n: u8) {
    if n >= 100 {
        out.push(char::from(b'0' + n / 100));
    }
    if n >= 10 {
        out.push(char::from(b'0' + n / 10 % 10));
    }
    out.push(char::from(b'0' + n % 10));
}

/// Appends `address` as `Display` writes it (RFC 5952): lowercase hexadecimal groups
/// without leading zeros, the first longest run of two or more zero groups as `::`, and
/// an IPv4-mapped address as `::ffff:` and its IPv4 address.
pub fn push_ipv6(out: &mut String, address: Ipv6Addr) {
    if let Some(v4) = address.to_ipv4_mapped() {
        out.push_str("::ffff:");
        push_ipv4(out, v4);
        return;
    }
    let groups = address.segments();
    // The first longest run of zero groups.
    let (mut start, mut len) = (0, 0);
    let mut run_start = 0;
    for (i, &group) in groups.iter().enumerate() {
        if group != 0 {
            run_start = i + 1;
        } else if i + 1 - run_start > len {
            (start, len) = (run_start, i + 1 - run_start);
        }
    }
    if len > 1 {
        push_groups(out, &groups[..start]);
        out.push_str("::");
        push_groups(out, &groups[start + len..]);
    } else {
        push_groups(out, &groups);
    }
}

fn push_groups(out: &mut String, groups: &[u16]) {
    for (i, &group) in groups.iter().enumerate() {
        if i > 0 {
            out.push(':');
        }
        push_hex(out, group);
    }
}

fn push_hex(out: &mut String, group: u16) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut shift = 12;
    while shift > 0 && group >> shift == 0 {
        shift -= 4;
    }
    loop {
        out.push(char::from(DIGITS[usize::from(group >> shift & 0xf)]));
        if shift == 0 {
            break;
        }
        shift -= 4;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(address: IpAddr) -> String {
        let mut out = String::new();
        push_ip(&mut out, address);
        out
    }

    #[test]
    fn ipv6_matches_display_for_every_pattern_of_zero_groups() {
        // Each group one of four kinds, in all 65,536 combinations: every zero run
        // placement, ties between runs, and groups of one to four digits.
        let kinds = [0u16, 0x1, 0xabc, 0xffff];
        for pattern in 0..4u32.pow(8) {
            let mut groups = [0u16; 8];
            for (i, group) in groups.iter_mut().enumerate() {
                *group = kinds[(pattern >> (2 * i) & 3) as usize];
            }
            let address = IpAddr::V6(Ipv6Addr::from(groups));
            assert_eq!(written(address), address.to_string());
        }
        for text in [
            "::ffff:10.0.0.1",
            "::ffff:0.0.0.0",
            "::1.2.3.4",
            "::",
            "::1",
            "1::",
        ] {
            let address: IpAddr = text.parse().unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
            assert_eq!(written(address), address.to_string());
        }
        for g in [0x10u16, 0x100, 0x1000, 0xf00, 0x20] {
            let address = IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, g, 0, 0, g, 0, 1));
            assert_eq!(written(address), address.to_string());
        }
    }

    #[test]
    fn integers_and_remembered_values_match_display() {
        for n in [0u64, 7, 10, 99, 100, 4_294_967_295, u64::MAX] {
            let mut out = String::from("x");
            push_decimal(&mut out, n);
            assert_eq!(out, format!("x{n}"));
        }
        let mut shown = Shown::default();
        assert_eq!(shown.get(1_069_547_520u32), "1069547520");
        assert_eq!(shown.get(7u32), "7");
        assert_eq!(shown.get(7u32), "7");
    }

    #[test]
    fn ipv4_matches_display() {
        for n in (0..=u32::MAX)
            .step_by(9_999_991)
            .chain([0, 1, u32::MAX, 0x0a00_0001])
        {
            let address = IpAddr::V4(Ipv4Addr::from(n));
            assert_eq!(written(address), address.to_string());
        }
        for octet in 0..=255u8 {
            let address = IpAddr::V4(Ipv4Addr::new(octet, 0, 10, octet));
            assert_eq!(written(address), address.to_string());
        }
    }
}
