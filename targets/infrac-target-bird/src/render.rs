//! Renders the configuration view through the embedded template. The template only loops and
//! formats: every statement arrives decided.

use minijinja::syntax::SyntaxConfig;
use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use serde::Serialize;

const BIRD_CONF: &str = include_str!("../templates/bird.conf.j2");

/// Renders the bird.conf template with `context`.
pub(crate) fn render(context: &impl Serialize) -> String {
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
    env.add_template("bird.conf", BIRD_CONF)
        .unwrap_or_else(|e| panic!("template bird.conf does not compile: {e:#}"));
    env.get_template("bird.conf")
        .and_then(|t| t.render(minijinja::value::Serde(context)))
        .unwrap_or_else(|e| panic!("template bird.conf does not render: {e:#}"))
}
