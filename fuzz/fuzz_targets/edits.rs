//! Editor-like edits of a fuzz input, shared by the targets that compare a result made
//! beside a previous one with one made afresh.

/// The input with a character deleted, a digit typed, a comment line put in and a block
/// opened, each at a third or two thirds of the way through it.
pub fn edits(text: &str) -> [String; 4] {
    let boundary = |n: usize| {
        (0..=n)
            .rev()
            .find(|&i| text.is_char_boundary(i))
            .unwrap_or(0)
    };
    let (a, b) = (boundary(text.len() / 3), boundary(2 * text.len() / 3));
    [
        format!("{}{}", &text[..b], &text[boundary(b + 1)..]),
        format!("{}1{}", &text[..b], &text[b..]),
        format!("{}\n# edited\n{}", &text[..a], &text[a..]),
        format!("{}{{\n{}", &text[..b], &text[b..]),
    ]
}
