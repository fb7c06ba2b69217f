//! Renders the ruleset view through the embedded template. The template only loops and
//! formats: every rule line arrives decided.

use serde::Serialize;

const RULESET: &str = include_str!("../templates/ruleset.nft.j2");

/// Renders the ruleset template with `context`.
pub(crate) fn render(context: &impl Serialize) -> String {
    infrac_templates::render("ruleset.nft", RULESET, context)
}
