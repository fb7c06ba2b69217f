//! Text helpers the targets share: names as path segments, and prose made safe for and
//! wrapped into line comments (`#` in shell, Nix and interfaces files alike).

/// Makes text safe inside a `#` line comment: control characters (a newline would end the
/// comment and start a command or an expression) become spaces.
pub fn comment_safe(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// A name usable as one path segment (see [`infrac_model::layout::segment`]).
pub fn file_segment(name: &str) -> String {
    infrac_model::layout::segment(name)
}

/// Splits text into comment lines of at most `width` characters (a longer word stays
/// whole), each made comment-safe.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in comment_safe(text).split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_cannot_be_escaped() {
        assert_eq!(comment_safe("a\nrm -rf /\r"), "a rm -rf / ");
    }

    #[test]
    fn file_segments_are_plain() {
        assert_eq!(file_segment("k3s-worker-1"), "k3s-worker-1");
        assert_eq!(file_segment("a b/../c"), "a_b_.._c");
        assert_eq!(file_segment(".."), "_..");
        assert_eq!(file_segment(""), "_");
    }

    #[test]
    fn wrap_keeps_lines_short() {
        assert_eq!(
            wrap("one two three four five", 9),
            ["one two", "three", "four five"]
        );
        assert_eq!(wrap("a\nb c", 3), ["a b", "c"]);
    }
}
