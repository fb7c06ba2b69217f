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
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = 0;
    let mut fence = false;
    for line in lines(text) {
        if line.starts_with("```") {
            fence = !fence;
        }
        // A line of whitespace alone trims to nothing from either end.
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

/// The lines of `text` as `str::lines` gives them (without their line break), found with
/// `memchr`: a page is megabytes of short table rows.
fn lines(text: &str) -> impl Iterator<Item = &str> {
    let mut start = 0;
    memchr::memchr_iter(b'\n', text.as_bytes())
        .map(Some)
        .chain([None])
        .filter_map(move |end| {
            let Some(end) = end else {
                // The last line, when the text does not end with a line break.
                return (start < text.len()).then(|| &text[start..]);
            };
            let line = &text[start..end];
            start = end + 1;
            // `\r\n` ends a line as `\n` does.
            Some(line.strip_suffix('\r').unwrap_or(line))
        })
}

#[cfg(test)]
mod tests {
    use super::{lines, tidy};

    #[test]
    fn lines_are_those_of_str_lines() {
        for text in [
            "",
            "a",
            "a\n",
            "a\r\nb",
            "\n\n",
            "a\n\nb\r\n",
            "\r",
            "x\r\r\n",
        ] {
            assert_eq!(
                lines(text).collect::<Vec<_>>(),
                text.lines().collect::<Vec<_>>()
            );
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
