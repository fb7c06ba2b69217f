//! Renders page view-models through the embedded Markdown templates. The templates only
//! lay out and loop: every value arrives decided and escaped.

use minijinja::syntax::SyntaxConfig;
use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use serde::Serialize;

const TEMPLATES: [(&str, &str); 7] = [
    ("macros.md", include_str!("../templates/macros.md.j2")),
    ("index.md", include_str!("../templates/index.md.j2")),
    ("inventory.md", include_str!("../templates/inventory.md.j2")),
    ("ip-plan.md", include_str!("../templates/ip-plan.md.j2")),
    ("capacity.md", include_str!("../templates/capacity.md.j2")),
    ("bgp.md", include_str!("../templates/bgp.md.j2")),
    ("firewall.md", include_str!("../templates/firewall.md.j2")),
];

/// The template environment: strict about undefined values, no escaping (values are
/// escaped for Markdown already), block tags leave no blank lines behind.
fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|_| AutoEscape::None);
    if let Ok(syntax) = SyntaxConfig::builder()
        .trim_blocks(true)
        .lstrip_blocks(true)
        .keep_trailing_newline(true)
        .build()
    {
        env.set_syntax(syntax);
    }
    for (name, source) in TEMPLATES {
        // The templates are part of the binary and every one is rendered by the tests;
        // a broken one is a bug in this crate, not something a lab can cause.
        env.add_template(name, source)
            .unwrap_or_else(|e| panic!("template {name} does not compile: {e:#}"));
    }
    env
}

/// Renders page template `name` with `context`, with runs of blank lines collapsed.
pub(crate) fn render(name: &str, context: &impl Serialize) -> String {
    let env = environment();
    let text = env
        .get_template(name)
        .and_then(|template| template.render(minijinja::value::Serde(context)))
        .unwrap_or_else(|e| panic!("template {name} does not render: {e:#}"));
    tidy(&text)
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
        if line.trim().is_empty() && !fence {
            blank += 1;
            if blank > 1 {
                continue;
            }
        } else {
            blank = 0;
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}
