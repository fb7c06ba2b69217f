//! Values written straight into a page's tables, as their `Display` writes them.
//!
//! The IP plan, the inventory and the capacity page have rows per guest with two
//! addresses, an ID and sizes each; the formatting machinery spent several hundred
//! instructions on each value, most of the cost of those tables. The tests compare these
//! with `Display`.

use std::collections::HashMap;
use std::fmt::Display;
use std::hash::{BuildHasherDefault, Hash, Hasher};

pub use infrac_model::address_text::push_ip;
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
