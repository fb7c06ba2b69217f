//! Comparing the short names a lab is made of.
//!
//! `==` on two strings calls `memcmp`, which reads both with a masked vector load. Such a
//! load cannot take its bytes from stores still in flight, and a name compared just after
//! it was copied (an attribute's name built for its field, a keyword) waited for them on
//! every comparison: about 4% of a 10,000-guest check, at the few places that compare
//! names of every guest. Those compare with [`same_name`], in line.

/// Whether two names are the same. Names differ mostly in their length, and those of a lab
/// are short: up to 16 bytes they are compared as two overlapping words.
#[inline]
pub fn same_name(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let n = a.len();
    if n != b.len() {
        return false;
    }
    match n {
        0 => true,
        // The first, middle and last bytes are every byte of a name this short.
        1..=3 => a[0] == b[0] && a[n / 2] == b[n / 2] && a[n - 1] == b[n - 1],
        4..=7 => word4(a, 0) == word4(b, 0) && word4(a, n - 4) == word4(b, n - 4),
        8..=16 => word8(a, 0) == word8(b, 0) && word8(a, n - 8) == word8(b, n - 8),
        _ => a == b,
    }
}

/// The four bytes of `s` from `at` on; `at + 4` is at most its length.
#[inline(always)]
fn word4(s: &[u8], at: usize) -> u32 {
    let mut word = [0; 4];
    word.copy_from_slice(&s[at..at + 4]);
    u32::from_le_bytes(word)
}

/// The eight bytes of `s` from `at` on; `at + 8` is at most its length.
#[inline(always)]
fn word8(s: &[u8], at: usize) -> u64 {
    let mut word = [0; 8];
    word.copy_from_slice(&s[at..at + 8]);
    u64::from_le_bytes(word)
}

#[cfg(test)]
mod tests {
    use super::same_name;

    /// Every length up to 20, equal and differing in each byte, and different lengths.
    #[test]
    fn agrees_with_equality() {
        let base = "abcdefghijklmnopqrst";
        for n in 0..=20 {
            let a = &base[..n];
            assert!(same_name(a, a), "{a}");
            // A copy elsewhere: the bytes are compared, not the addresses.
            let copy = String::from(a);
            assert!(same_name(a, &copy), "{a}");
            for at in 0..n {
                let b = format!("{}Z{}", &a[..at], &a[at + 1..]);
                let b = b.as_str();
                assert!(!same_name(a, b), "{a} {b}");
                assert!(!same_name(b, a), "{b} {a}");
            }
            for m in 0..=20 {
                let b = &base[..m];
                assert_eq!(same_name(a, b), a == b, "{a} {b}");
            }
        }
        assert!(same_name("lan-é", "lan-é"));
        assert!(!same_name("lan-é", "lan-è"));
    }
}
