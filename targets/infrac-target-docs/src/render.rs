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
    let mut out = String::with_capacity(text.len() + 1);
    let mut blank = 0;
    let mut fence = false;
    // The lines from `copied` on are still to be written; `start` is where the current
    // line starts.
    let mut copied = 0;
    let mut start = 0;
    // Called with the offset of each newline, then with the end of the text for a last
    // line without one.
    let mut line = |end: usize, out: &mut String, copied: &mut usize| {
        if start == text.len() {
            return;
        }
        let raw = &text[start..end];
        if raw.starts_with("```") {
            fence = !fence;
        }
        let next = end + 1;
        if raw
            .as_bytes()
            .last()
            .is_some_and(|b| (0x21..0x7f).contains(b))
            && end < text.len()
        {
            // Kept as it is, its newline with it.
            blank = 0;
        } else {
            out.push_str(&text[*copied..start]);
            *copied = next.min(text.len());
            // A line of whitespace alone trims to nothing from either end.
            let kept = raw.trim_end();
            if kept.is_empty() && !fence {
                blank += 1;
                if blank > 1 {
                    start = next;
                    return;
                }
            } else {
                blank = 0;
            }
            out.push_str(kept);
            out.push('\n');
        }
        start = next;
    };
    for_each_newline(text.as_bytes(), |end| line(end, &mut out, &mut copied));
    line(text.len(), &mut out, &mut copied);
    out.push_str(&text[copied..]);
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

/// Calls `found` with the offset of every `\n` in `bytes`, in order, looking at eight
/// bytes at a time.
fn for_each_newline(bytes: &[u8], mut found: impl FnMut(usize)) {
    const LOW7: u64 = u64::from_ne_bytes([0x7f; 8]);
    const NEWLINES: u64 = u64::from_ne_bytes([b'\n'; 8]);
    let mut words = bytes.chunks_exact(8);
    let mut at = 0;
    for word in words.by_ref() {
        let mut bits = [0; 8];
        bits.copy_from_slice(word);
        let x = u64::from_le_bytes(bits) ^ NEWLINES;
        // The high bit of each byte that was a newline (is now zero), and of no other.
        let mut zeros = !(((x & LOW7) + LOW7) | x | LOW7);
        while zeros != 0 {
            found(at + zeros.trailing_zeros() as usize / 8);
            zeros &= zeros - 1;
        }
        at += 8;
    }
    for (i, &b) in words.remainder().iter().enumerate() {
        if b == b'\n' {
            found(at + i);
        }
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
