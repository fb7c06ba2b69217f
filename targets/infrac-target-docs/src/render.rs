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
    for line in text.lines() {
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

#[cfg(test)]
mod tests {
    use super::tidy;

    #[test]
    fn blank_runs_collapse_outside_fences() {
        assert_eq!(
            tidy("a  \n\n \n\u{a0}\nb\n```\n\n\n```\n\n\n"),
            "a\n\nb\n```\n\n\n```\n"
        );
    }
}
