//! Values written straight into a page's tables, as their `Display` writes them.
//!
//! The IP plan, the inventory and the capacity page have rows per guest with two
//! addresses, an ID and sizes each; the formatting machinery spent several hundred
//! instructions on each value, most of the cost of those tables. The tests compare these
//! with `Display`.

use std::collections::HashMap;
use std::fmt::{Display, Write};
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

/// Appends `address` as `Display` writes it; IPv6 addresses, a minority of a table's
/// cells with their zero-run compression, go through `Display` itself.
pub fn push_ipv6(out: &mut String, address: Ipv6Addr) {
    write!(out, "{address}").expect("writing to a String cannot fail");
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
