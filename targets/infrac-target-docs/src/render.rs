//! Renders page view-models through the embedded Markdown templates. The templates only
//! lay out and loop: every value arrives decided and escaped.

use serde::Serialize;

static TEMPLATES: [(&str, &str); 7] = [
    ("macros.md", include_str!("../templates/macros.md.j2")),
    ("index.md", include_str!("../templates/index.md.j2")),
    ("inventory.md", include_str!("../templates/inventory.md.j2")),
    ("ip-plan.md", include_str!("../templates/ip-plan.md.j2")),
    ("capacity.md", include_str!("../templates/capacity.md.j2")),
    ("bgp.md", include_str!("../templates/bgp.md.j2")),
    ("firewall.md", include_str!("../templates/firewall.md.j2")),
];

/// Renders page template `name` with `context`, with runs of blank lines collapsed.
pub(crate) fn render(name: &str, context: &impl Serialize) -> String {
    tidy(&infrac_templates::render_in(&TEMPLATES, name, context))
}

/// At most one blank line in a row, none at the end, and a final newline: optional
/// sections then never leave gaps behind.
///
/// Most lines of a large page are table rows, which end in a visible character and so
/// stay as they are: runs of such lines are copied whole, and only the others are trimmed
/// and counted.
fn tidy(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len() + 1);
    let mut blank = 0;
    let mut fence = false;
    // Lines from `copied` on are kept as they are and not yet written; the current line
    // starts at `start`.
    let mut copied = 0;
    let mut start = 0;
    // Each line ends at a newline, the last one perhaps at the end of the text.
    let last = (bytes.last() != Some(&b'\n') && !bytes.is_empty()).then_some(bytes.len());
    for end in Newlines::new(bytes).chain(last) {
        let line = &bytes[start..end];
        if line.starts_with(b"```") {
            fence = !fence;
        }
        let next = end + 1;
        // A line that ends in a visible ASCII character trims to itself.
        if end < bytes.len() && matches!(line.last(), Some(0x21..=0x7e)) {
            blank = 0;
            start = next;
            continue;
        }
        out.push_str(&text[copied..start]);
        copied = next.min(text.len());
        // A line of whitespace alone trims to nothing from either end.
        let kept = text[start..end].trim_end();
        start = next;
        if kept.is_empty() && !fence {
            blank += 1;
            if blank > 1 {
                continue;
            }
        } else {
            blank = 0;
        }
        out.push_str(kept);
        out.push('\n');
    }
    out.push_str(&text[copied..]);
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

/// The offsets of the newlines of a text, in order, found eight bytes at a time.
struct Newlines<'t> {
    words: std::slice::ChunksExact<'t, u8>,
    /// Where the word in `found` ends.
    at: usize,
    /// The high bit of each byte of that word that is a newline, those not yet returned.
    found: u64,
    /// The bytes after the last whole word, looked at one by one.
    tail: std::iter::Enumerate<std::slice::Iter<'t, u8>>,
}

impl<'t> Newlines<'t> {
    fn new(bytes: &'t [u8]) -> Self {
        let words = bytes.chunks_exact(8);
        let tail = words.remainder().iter().enumerate();
        Newlines {
            words,
            at: 0,
            found: 0,
            tail,
        }
    }
}

impl Iterator for Newlines<'_> {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        const LOW7: u64 = u64::from_ne_bytes([0x7f; 8]);
        const NEWLINES: u64 = u64::from_ne_bytes([b'\n'; 8]);
        while self.found == 0 {
            let Some(word) = self.words.next() else {
                let at = self.at;
                return self.tail.find(|(_, b)| **b == b'\n').map(|(i, _)| at + i);
            };
            self.at += 8;
            let mut bits = [0; 8];
            bits.copy_from_slice(word);
            let x = u64::from_le_bytes(bits) ^ NEWLINES;
            // Exact: no carry crosses a byte, unlike the shorter test for a zero byte.
            self.found = !(((x & LOW7) + LOW7) | x | LOW7);
        }
        let i = self.found.trailing_zeros() as usize / 8;
        self.found &= self.found - 1;
        Some(self.at - 8 + i)
    }
}

#[cfg(test)]
mod tests {
    use super::tidy;

    /// The rules as first written, line by line, for comparison.
    fn tidy_by_lines(text: &str) -> String {
        let mut out = String::new();
        let mut blank = 0;
        let mut fence = false;
        for line in text.lines() {
            if line.starts_with("```") {
                fence = !fence;
            }
            let kept = line.trim_end();
            if kept.is_empty() && !fence {
                blank += 1;
                if blank > 1 {
                    continue;
                }
            } else {
                blank = 0;
            }
            out.push_str(kept);
            out.push('\n');
        }
        while out.ends_with("\n\n") {
            out.pop();
        }
        out
    }

    #[test]
    fn copied_runs_match_the_line_by_line_rules() {
        let pieces = [
            "| a | b |",
            "",
            " ",
            "\u{a0}",
            "x ",
            "```",
            "```mermaid",
            "é",
            "y\r",
            "\r",
            "\t",
            "z|",
            "\u{2003}",
            "``",
            "#",
        ];
        // Every sequence of up to four pieces, joined by newlines, with and without a
        // final one.
        let mut texts = vec![String::new()];
        for _ in 0..4 {
            let mut longer = Vec::new();
            for text in &texts {
                for piece in pieces {
                    longer.push(format!("{text}{piece}\n"));
                }
            }
            texts.extend(longer);
        }
        for text in &texts {
            for text in [
                text.as_str(),
                text.trim_end_matches('\n'),
                &format!("{text}\n\n"),
            ] {
                assert_eq!(tidy(text), tidy_by_lines(text), "{text:?}");
            }
        }
    }

    #[test]
    fn blank_runs_collapse_outside_fences() {
        assert_eq!(
            tidy("a  \n\n \n\u{a0}\nb\n```\n\n\n```\n\n\n"),
            "a\n\nb\n```\n\n\n```\n"
        );
    }
}
