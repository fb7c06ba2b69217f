//! Addresses as the text `Display` gives them, written without going through `core::fmt`:
//! every guest's NIC carries an IPv4 and an IPv6 address, and the formatting machinery
//! spent over a thousand instructions on each, most of the cost of writing a NIC into
//! model.json or a row into the docs' tables. One writer serves both, into a `String` being
//! built or into a buffer on the stack.

use crate::Spanned;
use serde::Serializer;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Where the text of an address goes, a byte at a time (every byte is ASCII).
pub trait AddressOut {
    fn push_byte(&mut self, byte: u8);
    /// Room for `bytes` more, so each byte only appends.
    fn reserve_for(&mut self, _bytes: usize) {}
}

impl AddressOut for String {
    #[inline]
    fn push_byte(&mut self, byte: u8) {
        self.push(char::from(byte));
    }

    #[inline]
    fn reserve_for(&mut self, bytes: usize) {
        self.reserve(bytes);
    }
}

/// Appends `address` as `Display` writes it.
pub fn push_ip(out: &mut impl AddressOut, address: IpAddr) {
    match address {
        IpAddr::V4(a) => push_ipv4(out, a),
        IpAddr::V6(a) => push_ipv6(out, a),
    }
}

/// Appends `address` as `Display` writes it (`10.0.0.1`).
pub fn push_ipv4(out: &mut impl AddressOut, address: Ipv4Addr) {
    out.reserve_for(15);
    for (i, octet) in address.octets().into_iter().enumerate() {
        if i > 0 {
            out.push_byte(b'.');
        }
        if octet >= 100 {
            out.push_byte(b'0' + octet / 100);
        }
        if octet >= 10 {
            out.push_byte(b'0' + octet / 10 % 10);
        }
        out.push_byte(b'0' + octet % 10);
    }
}

/// Appends `address` as `Display` writes it (RFC 5952: lowercase hexadecimal groups, the
/// longest run of two or more zero groups, the first of equals, as `::`, and an
/// IPv4-mapped address as `::ffff:a.b.c.d`).
pub fn push_ipv6(out: &mut impl AddressOut, address: Ipv6Addr) {
    if let Some(v4) = address.to_ipv4_mapped() {
        b"::ffff:".iter().for_each(|&b| out.push_byte(b));
        push_ipv4(out, v4);
        return;
    }
    // The longest address: eight groups of four digits and seven colons.
    out.reserve_for(39);
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
        out.push_byte(b':');
        out.push_byte(b':');
        push_groups(out, &groups[zeros_at + zeros..]);
    } else {
        push_groups(out, &groups);
    }
}

/// Groups in lowercase hexadecimal without leading zeros, separated by `:`.
fn push_groups(out: &mut impl AddressOut, groups: &[u16]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for (i, &group) in groups.iter().enumerate() {
        if i > 0 {
            out.push_byte(b':');
        }
        // The bit position of the leading digit; a zero group still writes one digit.
        let mut shift = (15u32.saturating_sub(group.leading_zeros())) & !3;
        loop {
            out.push_byte(DIGITS[usize::from(group >> shift & 0xf)]);
            if shift == 0 {
                break;
            }
            shift -= 4;
        }
    }
}

/// The text of one address on the stack, at most 39 bytes (`ffff:…:ffff`), for a
/// serializer that takes it whole.
struct Text {
    bytes: [u8; 39],
    len: usize,
}

impl AddressOut for Text {
    #[inline]
    fn push_byte(&mut self, byte: u8) {
        self.bytes[self.len] = byte;
        self.len += 1;
    }
}

impl Text {
    fn of(address: IpAddr) -> Self {
        let mut text = Text {
            bytes: [0; 39],
            len: 0,
        };
        push_ip(&mut text, address);
        text
    }

    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match std::str::from_utf8(&self.bytes[..self.len]) {
            Ok(text) => s.serialize_str(text),
            Err(e) => Err(serde::ser::Error::custom(e)),
        }
    }
}

/// For `#[serde(serialize_with)]`: an optional IPv4 address, as its derived `Serialize`.
pub(crate) fn v4<S: Serializer>(ip: &Option<Spanned<Ipv4Addr>>, s: S) -> Result<S::Ok, S::Error> {
    match ip {
        Some(ip) if s.is_human_readable() => Text::of(IpAddr::V4(ip.value)).serialize(s),
        _ => serde::Serialize::serialize(ip, s),
    }
}

/// For `#[serde(serialize_with)]`: an optional IPv6 address, as its derived `Serialize`.
pub(crate) fn v6<S: Serializer>(ip: &Option<Spanned<Ipv6Addr>>, s: S) -> Result<S::Ok, S::Error> {
    match ip {
        Some(ip) if s.is_human_readable() => Text::of(IpAddr::V6(ip.value)).serialize(s),
        _ => serde::Serialize::serialize(ip, s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Written both ways, which must agree with `Display`.
    fn check(address: IpAddr) {
        let mut out = String::from("x");
        push_ip(&mut out, address);
        assert_eq!(out, format!("x{address}"));
        let text = Text::of(address);
        assert_eq!(
            std::str::from_utf8(&text.bytes[..text.len]),
            Ok(address.to_string().as_str())
        );
    }

    #[test]
    fn ipv4_is_displayed() {
        for n in (0..=u32::MAX)
            .step_by(9_999_991)
            .chain([0, 1, u32::MAX, 0x0a00_0001])
        {
            check(IpAddr::V4(Ipv4Addr::from(n)));
        }
        for octet in 0..=255u8 {
            check(IpAddr::V4(Ipv4Addr::new(octet, 255 - octet, 10, octet)));
        }
    }

    #[test]
    fn ipv6_is_displayed() {
        // Every pattern of zero and non-zero groups, with values of one to four digits.
        let values = [0x1u16, 0xa, 0x20, 0xdb8, 0xffff, 0xf00, 0x1234];
        for pattern in 0..=u8::MAX {
            let mut groups = [0u16; 8];
            for (i, group) in groups.iter_mut().enumerate() {
                if pattern >> i & 1 == 1 {
                    *group = values[(i + usize::from(pattern)) % values.len()];
                }
            }
            check(IpAddr::V6(Ipv6Addr::from(groups)));
        }
        for text in [
            "::",
            "::1",
            "::ffff:10.0.0.1",
            "::ffff:0.0.0.0",
            "::ffff:255.255.255.255",
            "::10.0.0.1",
            "::1:ffff:10.0.0.1",
            "64:ff9b::192.0.2.1",
            "fe80::1",
            "2001:db8:0:0:1:0:0:1",
            "2001:db8::1:0:0:0",
            "0:0:1::",
            "1:0:1:0:1:0:1:0",
            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
        ] {
            check(text.parse().expect("a valid address"));
        }
        let mut n = 0x2001_0db8_0000_0000_0000_0000_0000_0001u128;
        for _ in 0..20_000 {
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
            check(IpAddr::V6(Ipv6Addr::from(groups)));
        }
    }
}
