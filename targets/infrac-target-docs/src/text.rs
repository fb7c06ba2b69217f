//! Values written straight into a page's tables, as their `Display` writes them.
//!
//! The IP plan, the inventory and the capacity page have rows per guest with two
//! addresses, an ID and sizes each; the formatting machinery spent several hundred
//! instructions on each value, most of the cost of those tables. The tests compare these
//! with `Display`.

use std::collections::HashMap;
use std::fmt::Display;
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

pub use infrac_templates::text::push_decimal;

/// The `Display` text of values that repeat down a long table (a lab's guests come in a
/// few sizes), each formatted once.
pub struct Shown<T>(HashMap<T, String, BuildHasherDefault<Mix>>);

impl<T> Default for Shown<T> {
    fn default() -> Self {
        Shown(HashMap::default())
    }
}

/// A multiplicative hash for the small keys of [`Shown`], looked up for several cells of
/// every row: SipHash cost more there than the formatting it saved.
#[derive(Default)]
struct Mix(u64);

impl Hasher for Mix {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x517c_c1b7_2722_0a95);
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
    // Room for the longest address up front, so each character only appends.
    out.reserve(15);
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

/// Appends `address` as `Display` writes it (RFC 5952: lowercase hexadecimal groups, the
/// longest run of two or more zero groups, the first of equals, as `::`, and an
/// IPv4-mapped address as `::ffff:a.b.c.d`). Half of the addresses in a lab's tables are
/// IPv6, and the formatting machinery spent over a thousand instructions on each.
pub fn push_ipv6(out: &mut String, address: Ipv6Addr) {
    if let Some(v4) = address.to_ipv4_mapped() {
        out.push_str("::ffff:");
        push_ipv4(out, v4);
        return;
    }
    // Room for the longest address: eight groups of four digits and seven colons.
    out.reserve(39);
    let groups = address.segments();
    let (mut zeros_at, mut zeros) = (0, 0);
    let mut run = 0;
    for (i, &group) in groups.iter().enumerate() {
        if group == 0 {
            run += 1;
            if run > zeros {
                (zeros_at, zeros) = (i + 1 - run, run);
            }
        } else {
            run = 0;
        }
    }
    if zeros > 1 {
        push_groups(out, &groups[..zeros_at]);
        out.push_str("::");
        push_groups(out, &groups[zeros_at + zeros..]);
    } else {
        push_groups(out, &groups);
    }
}

/// Groups in lowercase hexadecimal without leading zeros, separated by `:`.
fn push_groups(out: &mut String, groups: &[u16]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for (i, &group) in groups.iter().enumerate() {
        if i > 0 {
            out.push(':');
        }
        // The bit position of the leading digit; a zero group still writes one digit.
        let mut shift = (15u32.saturating_sub(group.leading_zeros())) & !3;
        loop {
            out.push(char::from(DIGITS[usize::from(group >> shift & 0xf)]));
            if shift == 0 {
                break;
            }
            shift -= 4;
        }
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
    fn ipv6_matches_display() {
        // Every pattern of zero and non-zero groups, with values of one to four digits.
        let values = [0x1u16, 0xa, 0x20, 0xdb8, 0xffff, 0xf00];
        for pattern in 0..=u8::MAX {
            let mut groups = [0u16; 8];
            for (i, group) in groups.iter_mut().enumerate() {
                if pattern >> i & 1 == 1 {
                    *group = values[(i + usize::from(pattern)) % values.len()];
                }
            }
            let address = IpAddr::V6(Ipv6Addr::from(groups));
            assert_eq!(written(address), address.to_string());
        }
        for text in [
            "::",
            "::1",
            "::ffff:10.0.0.1",
            "::ffff:0.0.0.0",
            "::10.0.0.1",
            "64:ff9b::192.0.2.1",
            "fe80::1",
            "2001:db8:0:0:1:0:0:1",
            "2001:db8::1:0:0:0",
            "0:0:1::",
            "1:0:1:0:1:0:1:0",
        ] {
            let address: IpAddr = text.parse().expect("a valid address");
            assert_eq!(written(address), address.to_string());
        }
        let mut n = 0x2001_0db8_0000_0000_0000_0000_0000_0001u128;
        for _ in 0..10_000 {
            n = n
                .wrapping_mul(0x5851_f42d_4c95_7f2d_1405_7b7e_f767_814f)
                .wrapping_add(1);
            // Some groups zeroed, so that runs of zeros are common.
            let mut groups = Ipv6Addr::from(n).segments();
            for (i, group) in groups.iter_mut().enumerate() {
                if n >> (120 + i) & 1 == 1 {
                    *group = 0;
                }
            }
            let address = IpAddr::V6(Ipv6Addr::from(groups));
            assert_eq!(written(address), address.to_string());
        }
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
