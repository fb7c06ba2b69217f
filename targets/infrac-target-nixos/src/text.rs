//! Text helpers: path segments from names, and note paragraphs wrapped for comments.

use crate::nix::comment_safe;

/// A name usable as one path segment (and inside a Nix path literal): characters other
/// than ASCII letters, digits, `.`, `_` and `-` become `_`, and a name of dots only gets
/// a leading `_`.
pub(crate) fn file_segment(name: &str) -> String {
    let segment: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if segment.is_empty() || segment.chars().all(|c| c == '.') {
        format!("_{segment}")
    } else {
        segment
    }
}

/// Splits text into comment lines of at most `width` characters (a longer word stays
/// whole), each made comment-safe.
pub(crate) fn wrap(text: &str, width: usize) -> Vec<String> {
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
    fn segments_are_plain() {
        assert_eq!(file_segment("router"), "router");
        assert_eq!(file_segment("a b/../c"), "a_b_.._c");
        assert_eq!(file_segment(".."), "_..");
    }

    #[test]
    fn wrapped_lines_stay_comments() {
        assert_eq!(wrap("a\nb c", 3), ["a b", "c"]);
    }
}
