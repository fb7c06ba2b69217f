//! Renders the view-model through the embedded template. The template only loops and
//! formats: every value arrives decided and escaped.

use minijinja::syntax::SyntaxConfig;
use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use serde::Serialize;

const TEMPLATE: &str = include_str!("../templates/configuration.nix.j2");

/// Renders `configuration.nix` for `context`.
pub(crate) fn configuration(context: &impl Serialize) -> String {
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
    // The template is part of the binary and covered by the tests; a broken one is a bug
    // in this crate, not something a lab can cause.
    env.add_template("configuration.nix", TEMPLATE)
        .and_then(|()| env.get_template("configuration.nix"))
        .and_then(|template| template.render(minijinja::value::Serde(context)))
        .unwrap_or_else(|e| panic!("configuration.nix template: {e:#}"))
}
