//! Text helpers the targets share: names as path segments, and text from the source (file
//! names included) made safe for each output language it reaches: `#` line comments
//! (shell, Nix, interfaces, YAML, BIRD and nftables files alike), nftables and BIRD
//! strings, and HTML comments in Markdown. Every target goes through these, so an
//! escaping rule is written and tested once per language.

pub use infrac_model::decimal::push_decimal;

/// Makes text safe inside a `#` line comment: control characters (a newline would end the
/// comment and start a command or an expression) become spaces.
pub fn comment_safe(text: &str) -> String {
    if needs_no_change(text) {
        return text.to_string();
    }
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// [`comment_safe`] of a text built for the purpose, kept as it is when it is safe.
pub fn into_comment_safe(text: String) -> String {
    if needs_no_change(&text) {
        return text;
    }
    comment_safe(&text)
}

/// Whether [`comment_safe`] surely leaves `text` as it is (a few texts it leaves are not
/// recognised, and take the long way).
fn needs_no_change(text: &str) -> bool {
    // Control characters are C0, DEL and C1; UTF-8 writes C1 after a 0xC2 byte, which
    // only sends the rare text holding U+00A0–U+00BF the long way.
    // No early exit, so that the loop runs on whole vectors of bytes.
    text.bytes().fold(true, |safe, b| {
        safe & (b >= 0x20) & (b != 0x7f) & (b != 0xc2)
    })
}

/// The longest nftables comment: nft refuses longer ones (`NFT_USERDATA_MAXLEN`).
pub const NFT_COMMENT_MAX_BYTES: usize = 128;

/// Text for inside an nftables double-quoted string such as `comment "…"`. nft strings
/// have no escapes and end at the next `"`, so a `"` (which would close the string and let
/// the rest become rule syntax), a `\` and every control or non-ASCII character become
/// `_`; the result is cut to [`NFT_COMMENT_MAX_BYTES`].
pub fn nft_string(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .take(NFT_COMMENT_MAX_BYTES)
        .collect()
}

/// The longest BIRD string infrac writes (a peer's `description`); longer descriptions are
/// refused by the checks, and cut here as a last resort.
pub const BIRD_STRING_MAX_CHARS: usize = 128;

/// Text for inside a BIRD double-quoted string such as `description "…"`. BIRD strings
/// end at a `"` or a line break and have no escapes: `"` becomes `'`, control characters
/// become spaces, and the result is cut to [`BIRD_STRING_MAX_CHARS`].
pub fn bird_string(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '"' => '\'',
            c if c.is_control() => ' ',
            c => c,
        })
        .take(BIRD_STRING_MAX_CHARS)
        .collect()
}

/// Text for inside an HTML comment (`<!-- … -->`, as Markdown headers use): `--` cannot
/// appear in one and `>` could end it, so both are broken up; control characters become
/// spaces so the comment stays on its line.
pub fn html_comment_safe(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in comment_safe(text).chars() {
        match c {
            '-' if out.ends_with('-') => out.push('\u{2010}'),
            '>' | '<' => out.push('_'),
            c => out.push(c),
        }
    }
    out
}

/// Bytes that never need quoting inside a bash word that is not the first word of a
/// command: no expansion, globbing, word splitting or tilde at the start can touch them.
/// A table, since every option of every generated command is checked byte by byte.
const SHELL_PLAIN: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        table[b] = matches!(b as u8, b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' | b'.' | b'/' | b':' | b'=' | b',' | b'@' | b'%' | b'+' | b'-');
        b += 1;
    }
    table
};

/// Bytes that stay special inside double quotes (`\`, `"`, `$`, `` ` ``) and NUL, which
/// a bash string cannot hold: [`push_shell_quoted`] replaces each.
const SHELL_ESCAPED: [bool; 256] = {
    let mut table = [false; 256];
    table[b'\\' as usize] = true;
    table[b'"' as usize] = true;
    table[b'$' as usize] = true;
    table[b'`' as usize] = true;
    table[0] = true;
    table
};

/// Quotes `value` as exactly one bash word.
///
/// Plain words stay bare (`local-lvm:50`); anything else goes in double quotes with the
/// four characters that stay special there (`\`, `"`, `$`, `` ` ``) escaped. Double
/// rather than single quotes because shellcheck flags `$` inside single quotes (SC2016)
/// as a likely mistake. Newlines stay literal inside the quotes. A NUL byte cannot be
/// part of a bash string, so it becomes U+FFFD.
pub fn shell_quote(value: &str) -> String {
    let mut quoted = String::with_capacity(value.len() + 2);
    push_shell_quoted(&mut quoted, value);
    quoted
}

/// Whether `value` is one bash word as it stands: [`shell_quote`] leaves it alone.
pub fn is_shell_word(value: &str) -> bool {
    // Byte by byte: every plain character is ASCII, and no byte of a longer character is.
    // Eight at a time without a branch between them, then the rest.
    let plain = |b: &u8| SHELL_PLAIN[usize::from(*b)];
    let chunks = value.as_bytes().chunks_exact(8);
    let rest = chunks.remainder();
    !value.is_empty()
        && chunks
            .into_iter()
            .all(|chunk| chunk.iter().fold(true, |all, b| all & plain(b)))
        && rest.iter().all(plain)
}

/// Appends `value` to `out` quoted as exactly one bash word, as [`shell_quote`] writes it.
pub fn push_shell_quoted(out: &mut String, value: &str) {
    if is_shell_word(value) {
        out.push_str(value);
        return;
    }
    out.push('"');
    // The characters to escape are ASCII, so the text between them is copied whole.
    let mut rest = value;
    while let Some(at) = rest.bytes().position(|b| SHELL_ESCAPED[usize::from(b)]) {
        out.push_str(&rest[..at]);
        match rest.as_bytes()[at] {
            b'\0' => out.push('\u{FFFD}'),
            special => {
                out.push('\\');
                out.push(char::from(special));
            }
        }
        rest = &rest[at + 1..];
    }
    out.push_str(rest);
    out.push('"');
}

/// A name usable as one path segment (see [`infrac_model::layout::segment`]).
pub fn file_segment(name: &str) -> String {
    infrac_model::layout::segment(name)
}

/// Appends [`file_segment`] of `name` to `out`.
pub fn push_file_segment(out: &mut String, name: &str) {
    infrac_model::layout::push_segment(out, name);
}

/// Splits text into comment lines of at most `width` characters (a longer word stays
/// whole), each made comment-safe.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let safe = comment_safe(text);
    // Comment-safe ASCII has no whitespace but spaces, so its words are found by a byte
    // search and counted in bytes; the Proxmox target wraps notes of hundreds of
    // characters for every guest.
    if safe.is_ascii() {
        wrap_words(safe.split(' ').filter(|w| !w.is_empty()), width, str::len)
    } else {
        wrap_words(safe.split_whitespace(), width, |w| w.chars().count())
    }
}

fn wrap_words<'a>(
    words: impl Iterator<Item = &'a str>,
    width: usize,
    chars: impl Fn(&str) -> usize,
) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    // The line's width in characters, kept as words are added.
    let mut used = 0;
    for word in words {
        let chars = chars(word);
        if !line.is_empty() && used + 1 + chars > width {
            lines.push(std::mem::replace(&mut line, String::with_capacity(width)));
            used = 0;
        }
        if !line.is_empty() {
            line.push(' ');
            used += 1;
        }
        line.push_str(word);
        used += chars;
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
    fn wrapping_counts_characters_and_keeps_long_words() {
        let text = "one two  three\tfour\u{a0}five é é é averyveryverylongword end";
        assert_eq!(
            wrap(text, 10),
            [
                "one two",
                "three four",
                "five é é é",
                "averyveryverylongword",
                "end"
            ]
        );
        assert_eq!(wrap("one two  three four", 9), ["one two", "three", "four"]);
        assert_eq!(wrap("", 10), Vec::<String>::new());
    }

    #[test]
    fn comments_cannot_be_escaped() {
        assert_eq!(comment_safe("a\nrm -rf /\r"), "a rm -rf / ");
        assert_eq!(comment_safe("a\u{7f}b\u{85}c\u{a0}d é"), "a b c\u{a0}d é");
        assert_eq!(
            comment_safe("plain text, nothing to do"),
            "plain text, nothing to do"
        );
    }

    #[test]
    fn nft_strings_cannot_be_closed() {
        assert_eq!(
            nft_string("fw\";accept comment \"x.infra:3"),
            "fw_;accept comment _x.infra:3"
        );
        assert_eq!(nft_string("a\nb\\c é"), "a_b_c _");
        assert_eq!(nft_string(&"x".repeat(500)).len(), NFT_COMMENT_MAX_BYTES);
    }

    #[test]
    fn bird_strings_stay_on_one_line_and_short() {
        assert_eq!(bird_string("a \"b\"\nc"), "a 'b' c");
        assert_eq!(
            bird_string(&"é".repeat(4096)).chars().count(),
            BIRD_STRING_MAX_CHARS
        );
    }

    #[test]
    fn html_comments_cannot_be_closed() {
        let safe = html_comment_safe("lab--><script>x</script>\n.infra");
        assert!(!safe.contains("--") && !safe.contains('>') && !safe.contains('\n'));
        assert_eq!(html_comment_safe("orion.infra"), "orion.infra");
        assert_eq!(html_comment_safe("a-b"), "a-b");
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
