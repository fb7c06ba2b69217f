//! Typed literals: addresses, MACs, prefixes, numbers with units, ports, raw strings and
//! the names and keywords they are told apart from.

use super::*;

impl Lexer<'_> {
    /// Length of the run of characters that can form an address, stopping before `..`.
    pub(super) fn address_run(&self) -> usize {
        let rest = &self.bytes[self.pos..];
        let mut len = 0;
        while len < rest.len() {
            let c = rest[len];
            if c == b'.' && rest.get(len + 1) == Some(&b'.') {
                break;
            }
            if c.is_ascii_hexdigit() || c == b':' || c == b'.' {
                len += 1;
            } else {
                break;
            }
        }
        // A trailing dot ends a sentence or a path, never an address.
        while len > 0 && rest[len - 1] == b'.' {
            len -= 1;
        }
        len
    }

    /// Whether a `:` follows at most four hex digits here. Every IPv6 address and MAC
    /// that starts with a hex digit does so (a group is one to four digits), and nearly
    /// every name and number does not, which spares them [`Self::try_address`].
    pub(super) fn colon_follows_group(&self) -> bool {
        let rest = &self.bytes[self.pos..];
        let digits = rest
            .iter()
            .take(5)
            .take_while(|c| c.is_ascii_hexdigit())
            .count();
        digits <= 4 && rest.get(digits) == Some(&b':')
    }

    /// Lexes an IPv6 address, prefix or MAC if one starts here.
    pub(super) fn try_address(&mut self) -> bool {
        let start = self.pos;
        let len = self.address_run();
        let text = &self.src[start..start + len];
        if text.bytes().filter(|&c| c == b':').count() < 2 {
            return false;
        }
        if self
            .bytes
            .get(start + len)
            .is_some_and(|&c| is_ident_char(c) && c != b'-')
        {
            return false;
        }
        if let Some(mac) = parse_mac(text) {
            self.pos = start + len;
            self.push(Lexeme::Mac(mac), start);
            return true;
        }
        let Ok(addr) = text.parse::<Ipv6Addr>() else {
            return false;
        };
        self.pos = start + len;
        self.finish_address(IpAddr::V6(addr), start);
        true
    }

    /// After an address: an optional `/len` makes it a prefix.
    pub(super) fn finish_address(&mut self, addr: IpAddr, start: usize) {
        if self.peek(0) == Some(b'/') && self.peek(1).is_some_and(|c| c.is_ascii_digit()) {
            let len_start = self.pos + 1;
            let mut end = len_start;
            while self.bytes.get(end).is_some_and(|c| c.is_ascii_digit()) {
                end += 1;
            }
            self.pos = end;
            let max = if addr.is_ipv4() { 32 } else { 128 };
            match self.src[len_start..end].parse::<u8>() {
                Ok(n) if n <= max => self.push(Lexeme::Prefix(addr, n), start),
                _ => {
                    self.error(
                        Code::SYNTAX_BAD_LITERAL,
                        format!(
                            "prefix length `/{}` is longer than {max}",
                            &self.src[len_start..end]
                        ),
                        len_start - 1,
                        end,
                        format!(
                            "an IPv{} prefix length is 0 to {max}",
                            if max == 32 { 4 } else { 6 }
                        ),
                        "IPv4 prefixes are /0 to /32, IPv6 prefixes /0 to /128",
                    );
                    self.push(Lexeme::Invalid, start);
                }
            }
            return;
        }
        match addr {
            IpAddr::V4(a) => self.push(Lexeme::Ipv4(a), start),
            IpAddr::V6(a) => self.push(Lexeme::Ipv6(a), start),
        }
    }

    pub(super) fn number(&mut self) {
        if let Some((value, end, unit_end)) = self.plain_integer() {
            self.push_integer(value, end, unit_end);
            return;
        }
        let start = self.pos;
        // Dotted quads first: digits and single dots.
        let run = self.address_run();
        let text = &self.src[start..start + run];
        if text.bytes().filter(|&c| c == b'.').count() == 3 && !text.contains(':') {
            let after = self.bytes.get(start + run).copied();
            let ends_cleanly = !after.is_some_and(is_ident_char);
            match text.parse::<Ipv4Addr>() {
                Ok(addr) if ends_cleanly => {
                    self.pos = start + run;
                    self.finish_address(IpAddr::V4(addr), start);
                    return;
                }
                _ if text.bytes().all(|c| c.is_ascii_digit() || c == b'.') => {
                    self.pos = start + run;
                    self.error(
                        Code::SYNTAX_BAD_LITERAL,
                        format!("`{text}` is not an IPv4 address"),
                        start,
                        self.pos,
                        "each of the four parts must be 0 to 255",
                        "each of the four parts is 0 to 255, as in `192.168.1.10`",
                    );
                    // A prefix length belongs to the broken address, not to a division.
                    if self.peek(0) == Some(b'/')
                        && self.peek(1).is_some_and(|c| c.is_ascii_digit())
                    {
                        self.pos += 1;
                        while self.peek(0).is_some_and(|c| c.is_ascii_digit()) {
                            self.pos += 1;
                        }
                    }
                    self.push(Lexeme::Invalid, start);
                    return;
                }
                _ => {}
            }
        }
        let mut valid = true;
        let value = if self.src[start..].starts_with("0x") || self.src[start..].starts_with("0X") {
            self.pos += 2;
            let digits_start = self.pos;
            while self
                .peek(0)
                .is_some_and(|c| c.is_ascii_hexdigit() || c == b'_')
            {
                self.pos += 1;
            }
            let digits = without_underscores(&self.src[digits_start..self.pos]);
            match u64::from_str_radix(&digits, 16) {
                Ok(n) => Number::Int(n),
                Err(_) => {
                    self.error(
                        Code::SYNTAX_BAD_LITERAL,
                        "malformed hexadecimal number",
                        start,
                        self.pos,
                        "expected hex digits after `0x` that fit in 64 bits",
                        "write hex digits after `0x`, as in `0x1000`",
                    );
                    valid = false;
                    Number::Int(0)
                }
            }
        } else {
            while self
                .peek(0)
                .is_some_and(|c| c.is_ascii_digit() || c == b'_')
            {
                self.pos += 1;
            }
            let is_float =
                self.peek(0) == Some(b'.') && self.peek(1).is_some_and(|c| c.is_ascii_digit());
            if is_float {
                self.pos += 1;
                while self
                    .peek(0)
                    .is_some_and(|c| c.is_ascii_digit() || c == b'_')
                {
                    self.pos += 1;
                }
            }
            let digits = without_underscores(&self.src[start..self.pos]);
            if is_float {
                Number::Float(digits.parse().unwrap_or(0.0))
            } else {
                match digits.parse::<u64>() {
                    Ok(n) => Number::Int(n),
                    Err(_) => {
                        self.error(
                            Code::SYNTAX_BAD_LITERAL,
                            "number too large",
                            start,
                            self.pos,
                            "integers must fit in 64 bits",
                            "integers are at most 18446744073709551615",
                        );
                        valid = false;
                        Number::Int(0)
                    }
                }
            }
        };
        let unit_start = self.pos;
        while self.peek(0).is_some_and(|c| c.is_ascii_alphabetic()) {
            self.pos += 1;
        }
        if !valid {
            self.push(Lexeme::Invalid, start);
        } else if self.pos > unit_start {
            let unit = unit_len(self.pos - unit_start);
            self.push(Lexeme::Quantity(value, unit), start);
        } else {
            self.push(Lexeme::Number(value), start);
        }
    }

    /// The common case of [`Self::number`]: decimal digits that fit in 64 bits, not
    /// followed by `.`, `_` or (after a leading `0`) `x`, with an optional unit. Nothing
    /// else can start that way, so the general path's address and float checks are
    /// skipped. Gives the value, where the digits end and where the unit ends; `None` for
    /// anything else. Consumes nothing.
    #[inline(always)]
    pub(super) fn plain_integer(&self) -> Option<(u64, usize, usize)> {
        let bytes = self.bytes;
        let start = self.pos;
        let mut end = start;
        let mut value: u64 = 0;
        while let Some(&c) = bytes.get(end) {
            if !c.is_ascii_digit() {
                break;
            }
            value = value.wrapping_mul(10).wrapping_add(u64::from(c - b'0'));
            end += 1;
        }
        // Nineteen digits always fit in 64 bits: only longer numerals can overflow.
        if end - start > 19 {
            value = self.src[start..end].parse().ok()?;
        }
        match bytes.get(end) {
            Some(b'.' | b'_') => return None,
            Some(b'x' | b'X') if end == start + 1 && bytes[start] == b'0' => return None,
            _ => {}
        }
        let mut unit_end = end;
        while bytes.get(unit_end).is_some_and(u8::is_ascii_alphabetic) {
            unit_end += 1;
        }
        Some((value, end, unit_end))
    }

    /// Pushes what [`Self::plain_integer`] found.
    #[inline(always)]
    pub(super) fn push_integer(&mut self, value: u64, end: usize, unit_end: usize) {
        let start = self.pos;
        self.pos = unit_end;
        let token = if unit_end > end {
            Lexeme::Quantity(Number::Int(value), unit_len(unit_end - end))
        } else {
            Lexeme::Number(Number::Int(value))
        };
        self.push(token, start);
    }

    /// `r"..."`: a raw string, no escapes and no interpolation (for regular expressions).
    pub(super) fn raw_string(&mut self) {
        let start = self.pos;
        self.pos += 2; // `r"`
        let body_start = self.pos;
        let end = self.bytes[body_start..]
            .iter()
            .position(|&c| matches!(c, b'"' | b'\n' | b'\r'))
            .map_or(self.src.len(), |i| body_start + i);
        self.out
            .tokens
            .push((Lexeme::StrStart, self.span(start, body_start)));
        if end > body_start {
            self.out
                .tokens
                .push((Lexeme::StrText(false), self.span(body_start, end)));
        }
        if self.bytes.get(end) == Some(&b'"') {
            self.pos = end + 1;
            self.push(Lexeme::StrEnd, end);
        } else {
            self.pos = end;
            self.error(
                Code::SYNTAX_UNCLOSED,
                "unterminated raw string",
                end,
                end,
                "the line ends before the closing `\"`",
                "close the raw string with `\"` on the same line",
            );
            self.push(Lexeme::StrEnd, end);
        }
    }

    /// The name (or keyword, or port) from `start` to `end`, as [`name_end`] found it.
    #[inline(always)]
    pub(super) fn name(&mut self, start: usize, end: usize) {
        self.pos = end;
        let text = &self.src[start..end];
        if let Some(protocol) = protocol(text) {
            if self.peek(0) == Some(b'/') && self.peek(1).is_some_and(|c| c.is_ascii_digit()) {
                self.port(protocol, start);
                return;
            }
        }
        let token = keyword(text).unwrap_or(Lexeme::Ident(()));
        self.push(token, start);
    }

    pub(super) fn port_number(&mut self) -> (usize, Option<u16>) {
        let s = self.pos;
        while self.peek(0).is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        (s, self.src[s..self.pos].parse::<u16>().ok())
    }

    pub(super) fn port(&mut self, protocol: Protocol, start: usize) {
        self.pos += 1; // the slash
        let (lo_start, lo) = self.port_number();
        let mut hi = None;
        let mut bad = lo.is_none().then_some((lo_start, self.pos));
        if self.peek(0) == Some(b'.')
            && self.peek(1) == Some(b'.')
            && self.peek(2).is_some_and(|c| c.is_ascii_digit())
        {
            self.pos += 2;
            let (hi_start, value) = self.port_number();
            if value.is_none() {
                bad = Some((hi_start, self.pos));
            }
            hi = Some(value.unwrap_or(0));
        }
        if let Some((s, e)) = bad {
            self.error(
                Code::SYNTAX_BAD_LITERAL,
                "port number out of range",
                s,
                e,
                "ports are 1 to 65535",
                "ports are 1 to 65535, as in `tcp/443`",
            );
            self.push(Lexeme::Invalid, start);
            return;
        }
        self.push(Lexeme::Port(protocol, lo.unwrap_or(0), hi), start);
    }
}

/// The protocol a port literal starts with: `tcp`, `udp` or `sctp`.
#[inline]
pub(super) fn protocol(text: &str) -> Option<Protocol> {
    // Names are rarely three or four letters starting `t`, `u` or `s`: test that first.
    match (text.len(), text.as_bytes().first()) {
        (3, Some(b't')) if text == "tcp" => Some(Protocol::Tcp),
        (3, Some(b'u')) if text == "udp" => Some(Protocol::Udp),
        (4, Some(b's')) if text == "sctp" => Some(Protocol::Sctp),
        _ => None,
    }
}

/// The keyword `text` is, if it is one. Every name of a lab is tested, so the length and
/// first letter rule out nearly all of them before any comparison.
#[inline]
pub(super) fn keyword(text: &str) -> Option<Lexeme> {
    // Each comparison with its own literal, which compiles to a compare of a word or two.
    match (text.len(), text.as_bytes().first()) {
        (2, Some(b'a')) if text == "as" => Some(Lexeme::As),
        (2, Some(b'i')) if text == "in" => Some(Lexeme::In),
        (2, Some(b'o')) if text == "on" => Some(Lexeme::On),
        (3, Some(b'f')) if text == "for" => Some(Lexeme::For),
        (4, Some(b'f')) if text == "from" => Some(Lexeme::From),
        (4, Some(b't')) if text == "true" => Some(Lexeme::True),
        (5, Some(b'f')) if text == "false" => Some(Lexeme::False),
        (6, Some(b'i')) if text == "import" => Some(Lexeme::Import),
        _ => None,
    }
}

/// A numeral with its `_` separators removed; borrowed when it has none, as nearly
/// every numeral has.
pub(super) fn without_underscores(digits: &str) -> std::borrow::Cow<'_, str> {
    if digits.contains('_') {
        digits
            .chars()
            .filter(|&c| c != '_')
            .collect::<String>()
            .into()
    } else {
        digits.into()
    }
}

pub(super) fn parse_mac(text: &str) -> Option<[u8; 6]> {
    let parts: Vec<&str> = text.split(':').collect();
    if parts.len() != 6 || parts.iter().any(|p| p.len() != 2) {
        return None;
    }
    let mut mac = [0u8; 6];
    for (slot, part) in mac.iter_mut().zip(&parts) {
        *slot = u8::from_str_radix(part, 16).ok()?;
    }
    Some(mac)
}

/// A unit's length for [`Lexeme::Quantity`]. A unit too long for it (four billion
/// letters) is in a file too large to lex.
fn unit_len(len: usize) -> u32 {
    u32::try_from(len).unwrap_or(u32::MAX)
}
