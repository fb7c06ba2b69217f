//! Addresses serialised as the text `Display` gives them, written without going through
//! `core::fmt`: every guest's NIC carries an IPv4 and an IPv6 address, and formatting
//! them is most of the cost of writing a NIC into model.json.

use crate::Spanned;
use serde::Serializer;
use std::net::{Ipv4Addr, Ipv6Addr};

/// The text of an address, at most 39 bytes (`ffff:…:ffff`).
struct Text {
    bytes: [u8; 39],
    len: usize,
}

impl Text {
    fn new() -> Self {
        Text {
            bytes: [0; 39],
            len: 0,
        }
    }

    fn push(&mut self, byte: u8) {
        self.bytes[self.len] = byte;
        self.len += 1;
    }

    fn push_str(&mut self, text: &str) {
        text.bytes().for_each(|byte| self.push(byte));
    }

    fn decimal(&mut self, value: u8) {
        if value >= 100 {
            self.push(b'0' + value / 100);
        }
        if value >= 10 {
            self.push(b'0' + value / 10 % 10);
        }
        self.push(b'0' + value % 10);
    }

    /// Lowercase hexadecimal without leading zeros, as `{:x}`.
    fn hex(&mut self, value: u16) {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let width = (16 - value.leading_zeros()).div_ceil(4).max(1);
        for digit in (0..width).rev() {
            self.push(DIGITS[usize::from(value >> (4 * digit) & 0xf)]);
        }
    }

    fn v4(&mut self, address: Ipv4Addr) {
        let [a, b, c, d] = address.octets();
        self.decimal(a);
        for octet in [b, c, d] {
            self.push(b'.');
            self.decimal(octet);
        }
    }

    /// RFC 5952, as `Display` writes it: the first longest run of two or more zero
    /// groups shortened to `::`, and an IPv4-mapped address in dotted form.
    fn v6(&mut self, address: Ipv6Addr) {
        if let Some(v4) = address.to_ipv4_mapped() {
            self.push_str("::ffff:");
            self.v4(v4);
            return;
        }
        let segments = address.segments();
        let (mut start, mut len, mut run) = (0, 0, 0);
        for (i, &segment) in segments.iter().enumerate() {
            run = if segment == 0 { run + 1 } else { 0 };
            if run > len {
                (start, len) = (i + 1 - run, run);
            }
        }
        let groups = |text: &mut Self, groups: &[u16]| {
            for (i, &group) in groups.iter().enumerate() {
                if i > 0 {
                    text.push(b':');
                }
                text.hex(group);
            }
        };
        if len > 1 {
            groups(self, &segments[..start]);
            self.push_str("::");
            groups(self, &segments[start + len..]);
        } else {
            groups(self, &segments);
        }
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
        Some(ip) if s.is_human_readable() => {
            let mut text = Text::new();
            text.v4(ip.value);
            text.serialize(s)
        }
        _ => serde::Serialize::serialize(ip, s),
    }
}

/// For `#[serde(serialize_with)]`: an optional IPv6 address, as its derived `Serialize`.
pub(crate) fn v6<S: Serializer>(ip: &Option<Spanned<Ipv6Addr>>, s: S) -> Result<S::Ok, S::Error> {
    match ip {
        Some(ip) if s.is_human_readable() => {
            let mut text = Text::new();
            text.v6(ip.value);
            text.serialize(s)
        }
        _ => serde::Serialize::serialize(ip, s),
    }
}

#[cfg(test)]
mod tests {
    use super::Text;
    use std::net::{Ipv4Addr, Ipv6Addr};

    fn v6(address: Ipv6Addr) {
        let mut text = Text::new();
        text.v6(address);
        assert_eq!(
            std::str::from_utf8(&text.bytes[..text.len]),
            Ok(address.to_string().as_str())
        );
    }

    #[test]
    fn ipv4_is_displayed() {
        for (i, octet) in (0..=255u8).enumerate() {
            let address = Ipv4Addr::new(octet, 255 - octet, (i * 7) as u8, 0);
            let mut text = Text::new();
            text.v4(address);
            assert_eq!(
                std::str::from_utf8(&text.bytes[..text.len]),
                Ok(address.to_string().as_str())
            );
        }
    }

    #[test]
    fn ipv6_is_displayed() {
        const GROUPS: [u16; 7] = [1, 0xa, 0xf0, 0x100, 0x1234, 0xffff, 0xfff];
        // Every pattern of zero and non-zero groups.
        for zeros in 0..=255u32 {
            let mut segments = [0u16; 8];
            for (i, segment) in segments.iter_mut().enumerate() {
                if zeros & 1 << i == 0 {
                    *segment = GROUPS[(i + zeros as usize) % GROUPS.len()];
                }
            }
            v6(Ipv6Addr::from(segments));
        }
        // IPv4-mapped, IPv4-compatible and their neighbours.
        for prefix in [[0, 0xffff], [0, 0], [0, 1], [1, 0xffff], [0xffff, 0]] {
            for v4 in [0u32, 1, 0x0102_0304, 0xffff_ffff, 0x0001_0000] {
                let [a, b] = prefix;
                let (c, d) = ((v4 >> 16) as u16, v4 as u16);
                v6(Ipv6Addr::new(0, 0, 0, 0, a, b, c, d));
            }
        }
        // And a spread of others.
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..20_000 {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            let mask = (state >> 56) as u8;
            let mut segments = [0u16; 8];
            for (i, segment) in segments.iter_mut().enumerate() {
                if mask & 1 << i != 0 {
                    *segment = (state >> (i * 7)) as u16 >> (i % 4 * 4);
                }
            }
            v6(Ipv6Addr::from(segments));
        }
    }
}
