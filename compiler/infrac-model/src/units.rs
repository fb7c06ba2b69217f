//! Quantities with units, as newtypes so they cannot be mixed up.

use serde::Serialize;
use std::fmt;

/// A size in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
pub struct Bytes(pub u64);

impl Bytes {
    pub const KIB: u64 = 1 << 10;
    pub const MIB: u64 = 1 << 20;
    pub const GIB: u64 = 1 << 30;
    pub const TIB: u64 = 1 << 40;

    /// Whole mebibytes, rounded down (Proxmox memory is given in MiB).
    pub fn mib(self) -> u64 {
        self.0 / Self::MIB
    }

    /// Whole gibibytes, rounded down.
    pub fn gib(self) -> u64 {
        self.0 / Self::GIB
    }
}

impl fmt::Display for Bytes {
    /// Shows the largest binary unit the value reaches, rounded to one decimal: `32 GiB`,
    /// `1.7 TiB` for 1.66 TiB, `992 GiB`. Rounding rather than truncating keeps the shown
    /// value within 0.05 of a unit of the real one; a value that rounds up to 1024 of a
    /// unit is shown in the next (`1 TiB`, not `1024 GiB`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let units = [
            (Self::KIB, "KiB"),
            (Self::MIB, "MiB"),
            (Self::GIB, "GiB"),
            (Self::TIB, "TiB"),
        ];
        // Tenths of a unit, rounded half up; u128 so that no size overflows.
        let tenths =
            |size: u64| (u128::from(self.0) * 10 + u128::from(size) / 2) / u128::from(size);
        let Some(mut index) = units.iter().rposition(|(size, _)| self.0 >= *size) else {
            return write!(f, "{} B", self.0);
        };
        if index + 1 < units.len() && tenths(units[index].0) >= 10240 {
            index += 1;
        }
        let (size, unit) = units[index];
        let tenths = tenths(size);
        let (whole, tenth) = (tenths / 10, tenths % 10);
        if tenth == 0 {
            write!(f, "{whole} {unit}")
        } else {
            write!(f, "{whole}.{tenth} {unit}")
        }
    }
}

/// CPU in thousandths of a core (Kubernetes millicores; 4 cores = 4000).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
pub struct MilliCpu(pub u64);

impl fmt::Display for MilliCpu {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_multiple_of(1000) {
            write!(f, "{}", self.0 / 1000)
        } else {
            write!(f, "{}m", self.0)
        }
    }
}

impl MilliCpu {
    /// The amount for a sentence: `1 core`, `4 cores`, `500m CPU` (a fraction stays in
    /// millicores, as Kubernetes writes it).
    pub fn cores_text(self) -> String {
        match self.0 {
            1000 => "1 core".into(),
            m if m.is_multiple_of(1000) => format!("{} cores", m / 1000),
            m => format!("{m}m CPU"),
        }
    }
}

/// A Proxmox guest ID, shared by VMs and containers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Vmid(pub u32);

impl fmt::Display for Vmid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A clock frequency in MHz.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Megahertz(pub u32);

/// A link speed in Mbit/s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Mbps(pub u64);

/// A duration in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Millis(pub u64);

/// A MAC address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Mac(pub [u8; 6]);

impl fmt::Display for Mac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.0;
        write!(
            f,
            "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            b[0], b[1], b[2], b[3], b[4], b[5]
        )
    }
}

impl Serialize for Mac {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A transport protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    Tcp,
    Udp,
    Sctp,
}

impl Protocol {
    /// The protocol's lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
            Protocol::Sctp => "sctp",
        }
    }
}

/// A protocol with a port or an inclusive port range: `tcp/22`, `tcp/30000..32767`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct PortSpec {
    pub protocol: Protocol,
    pub first: u16,
    pub last: u16,
}

impl PortSpec {
    /// Whether `port` of `protocol` is covered.
    pub fn contains(&self, protocol: Protocol, port: u16) -> bool {
        self.protocol == protocol && (self.first..=self.last).contains(&port)
    }

    /// Whether any port of `other` is covered.
    pub fn overlaps(&self, other: &PortSpec) -> bool {
        self.shared(other).is_some()
    }

    /// The ports both cover, if any.
    pub fn shared(&self, other: &PortSpec) -> Option<PortSpec> {
        let (first, last) = (self.first.max(other.first), self.last.min(other.last));
        (self.protocol == other.protocol && first <= last).then_some(PortSpec {
            protocol: self.protocol,
            first,
            last,
        })
    }

    /// The same number of ports from `first` on: where a forward leads the ports it
    /// forwards.
    pub fn moved_to(&self, first: u16) -> PortSpec {
        PortSpec {
            protocol: self.protocol,
            first,
            last: first.saturating_add(self.last - self.first),
        }
    }

    /// The port, or the range as `first..last`, without the protocol.
    pub fn numbers(&self) -> String {
        if self.first == self.last {
            self.first.to_string()
        } else {
            format!("{}..{}", self.first, self.last)
        }
    }
}

impl fmt::Display for PortSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.protocol.as_str(), self.numbers())
    }
}

/// A reference to a secret, resolved at deploy time and never written into artifacts.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct SecretRef(pub String);

/// A calendar date (`2026-06-30`), as the catalogue gives an image's end of support.
/// Ordered by time, so dates compare with `<`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

impl Date {
    /// Parses an ISO 8601 calendar date, `YYYY-MM-DD`, checking that the day exists in
    /// that month (leap years included).
    pub fn parse(text: &str) -> Option<Date> {
        let bytes = text.as_bytes();
        if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
            return None;
        }
        let digits = |range: std::ops::Range<usize>| -> Option<u16> {
            let part = &text[range];
            if part.bytes().all(|b| b.is_ascii_digit()) {
                part.parse().ok()
            } else {
                None
            }
        };
        let year = digits(0..4)?;
        let month = u8::try_from(digits(5..7)?).ok()?;
        let day = u8::try_from(digits(8..10)?).ok()?;
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        (1..=days)
            .contains(&day)
            .then_some(Date { year, month, day })
    }

    /// The date of a day counted from 1970-01-01 (day 0), as a clock's Unix time gives
    /// it: Howard Hinnant's `civil_from_days`, for days on or after the epoch.
    pub fn from_unix_days(days: u64) -> Date {
        let z = days + 719_468;
        let era = z / 146_097;
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + u64::from(month <= 2);
        Date {
            year: u16::try_from(year).unwrap_or(u16::MAX),
            month: month as u8,
            day: day as u8,
        }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::{Bytes, Date, MilliCpu, PortSpec, Protocol};

    #[test]
    fn port_ranges_share_only_the_ports_both_cover() {
        let spec = |protocol, first, last| PortSpec {
            protocol,
            first,
            last,
        };
        let game = spec(Protocol::Udp, 27015, 27020);
        assert_eq!(
            game.shared(&spec(Protocol::Udp, 27018, 27030)),
            Some(spec(Protocol::Udp, 27018, 27020))
        );
        assert_eq!(
            game.shared(&spec(Protocol::Udp, 27020, 27020)),
            Some(spec(Protocol::Udp, 27020, 27020))
        );
        assert_eq!(game.shared(&spec(Protocol::Udp, 27021, 27030)), None);
        assert_eq!(game.shared(&spec(Protocol::Tcp, 27015, 27020)), None);
        assert!(!game.overlaps(&spec(Protocol::Udp, 1, 27014)));
        assert_eq!(game.to_string(), "udp/27015..27020");
        assert_eq!(spec(Protocol::Tcp, 443, 443).to_string(), "tcp/443");
    }

    #[test]
    fn cpu_amounts_keep_their_millicores() {
        assert_eq!(MilliCpu(1000).cores_text(), "1 core");
        assert_eq!(MilliCpu(4000).cores_text(), "4 cores");
        assert_eq!(MilliCpu(500).cores_text(), "500m CPU");
        assert_eq!(MilliCpu(1500).cores_text(), "1500m CPU");
    }

    #[test]
    fn sizes_are_rounded_to_one_decimal() {
        let tib = Bytes::TIB;
        assert_eq!(Bytes(tib * 166 / 100).to_string(), "1.7 TiB");
        assert_eq!(Bytes(tib * 164 / 100).to_string(), "1.6 TiB");
        assert_eq!(Bytes(32 * Bytes::GIB).to_string(), "32 GiB");
        assert_eq!(
            Bytes(Bytes::GIB * 1023 + Bytes::GIB * 99 / 100).to_string(),
            "1 TiB"
        );
        assert_eq!(Bytes(Bytes::GIB * 992).to_string(), "992 GiB");
        assert_eq!(Bytes(Bytes::KIB * 1023).to_string(), "1023 KiB");
        assert_eq!(
            Bytes(Bytes::MIB * 1023 + Bytes::MIB * 96 / 100).to_string(),
            "1 GiB"
        );
        assert_eq!(Bytes(Bytes::MIB * 1536).to_string(), "1.5 GiB");
        assert_eq!(Bytes(512).to_string(), "512 B");
        assert_eq!(Bytes(u64::MAX).to_string(), "16777216 TiB");
    }

    #[test]
    fn dates_parse_only_as_iso_calendar_dates() {
        let date = Date::parse("2026-06-30").expect("valid");
        assert_eq!(date.to_string(), "2026-06-30");
        assert!(Date::parse("2028-02-29").is_some());
        for bad in [
            "2026-02-29",
            "2026-13-01",
            "2026-6-30",
            "26-06-30",
            "2026-06-31",
            "2026/06/30",
            "2026-06-3x",
            "",
        ] {
            assert_eq!(Date::parse(bad), None, "{bad}");
        }
        assert!(Date::parse("2026-06-30") < Date::parse("2026-12-01"));
    }

    #[test]
    fn unix_days_give_the_calendar_date() {
        assert_eq!(Date::from_unix_days(0).to_string(), "1970-01-01");
        // 2026-12-01 is 20788 days after the epoch.
        assert_eq!(Date::from_unix_days(20_788).to_string(), "2026-12-01");
        assert_eq!(Date::from_unix_days(11_016).to_string(), "2000-02-29");
    }
}
