//! Integers written as `Display` writes them, without the formatting machinery: large
//! labs write hundreds of thousands of IDs, sizes and counts into their artifacts and
//! diagrams.

/// Appends `n` in decimal, as `Display` writes it.
pub fn push_decimal(out: &mut String, n: impl Into<u64>) {
    let mut n = n.into();
    if n < 10 {
        // Counts, flags and indices, most of the numbers written.
        out.push(char::from(b'0' + n as u8));
        return;
    }
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &digit in &digits[start..] {
        out.push(char::from(digit));
    }
}

#[cfg(test)]
mod tests {
    use super::push_decimal;

    #[test]
    fn decimals_are_displayed() {
        for n in [0u64, 7, 9, 10, 99, 100, 65_535, 4_294_967_295, u64::MAX] {
            let mut out = String::from("x");
            push_decimal(&mut out, n);
            assert_eq!(out, format!("x{n}"));
        }
    }
}
