//! Renders the view-models through the embedded templates. The templates only loop and
//! format: every value arrives decided and quoted.

use minijinja::syntax::SyntaxConfig;
use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use serde::Serialize;

const TEMPLATES: [(&str, &str); 3] = [
    ("guest.sh", include_str!("../templates/guest.sh.j2")),
    ("apply.sh", include_str!("../templates/apply.sh.j2")),
    ("interfaces", include_str!("../templates/interfaces.j2")),
];

/// The template environment: strict about undefined values, no escaping (the values
/// are quoted for bash already), block tags leave no blank lines behind.
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
        // The templates are part of the binary and covered by the tests; a broken one is
        // a bug in this crate, not something a lab can cause.
        env.add_template(name, source)
            .unwrap_or_else(|e| panic!("template {name} does not compile: {e:#}"));
    }
    env
}

/// Renders template `name` with `context`.
pub(crate) fn render(name: &str, context: &impl Serialize) -> String {
    let env = environment();
    env.get_template(name)
        .and_then(|template| template.render(minijinja::value::Serde(context)))
        .unwrap_or_else(|e| panic!("template {name} does not render: {e:#}"))
}
