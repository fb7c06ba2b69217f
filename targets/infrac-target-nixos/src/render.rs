//! Renders the view-model through the embedded template. The template only loops and
//! formats: every value arrives decided and escaped.

use serde::Serialize;

const TEMPLATE: &str = include_str!("../templates/configuration.nix.j2");

/// Renders `configuration.nix` for `context`.
pub(crate) fn configuration(context: &impl Serialize) -> String {
    infrac_templates::render("configuration.nix", TEMPLATE, context)
}
