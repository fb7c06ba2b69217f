//! Renders the configuration view through the embedded template. The template only loops and
//! formats: every statement arrives decided.

use serde::Serialize;

const BIRD_CONF: &str = include_str!("../templates/bird.conf.j2");

/// Renders the bird.conf template with `context`.
pub(crate) fn render(context: &impl Serialize) -> String {
    infrac_templates::render("bird.conf", BIRD_CONF, context)
}
