//! The template environment every target renders through, configured once, and the
//! text helpers they share ([`text`]).
//!
//! Templates only loop and format; the view-models they receive are fully decided. The
//! environment is strict about undefined values (a typo in a template fails its tests),
//! escapes nothing (each target escapes values for its own language), and lets block tags
//! leave no blank lines behind.

pub mod text;

use minijinja::syntax::SyntaxConfig;
use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock};

/// An environment holding `templates`, given as `(name, source)`.
///
/// The templates are compiled into the binary and every one is rendered by its target's
/// tests, so a broken template is a bug in infrac, not something a lab can cause: it panics.
pub fn environment(templates: &[(&'static str, &'static str)]) -> Environment<'static> {
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
    for (name, source) in templates {
        env.add_template(name, source)
            .unwrap_or_else(|e| panic!("template {name} does not compile: {e:#}"));
    }
    env
}

/// Renders template `name` of the environment holding `templates` with `context`.
///
/// The environment is built once per process for each set of templates (told apart by
/// where the set lives, so pass a `static`): a target renders a script per guest, and
/// compiling every template of the target for each of them was most of a large lab's
/// build.
pub fn render_in(
    templates: &'static [(&'static str, &'static str)],
    name: &str,
    context: &impl Serialize,
) -> String {
    type Built = HashMap<usize, Arc<Environment<'static>>>;
    static BUILT: OnceLock<RwLock<Built>> = OnceLock::new();
    let built = BUILT.get_or_init(RwLock::default);
    let key = templates.as_ptr() as usize;
    let cached = built.read().ok().and_then(|map| map.get(&key).cloned());
    let env = cached.unwrap_or_else(|| {
        let env = Arc::new(environment(templates));
        if let Ok(mut map) = built.write() {
            map.insert(key, env.clone());
        }
        env
    });
    render_with(&env, name, context)
}

/// Renders template `name` of `env` with `context`.
pub fn render_with(env: &Environment<'static>, name: &str, context: &impl Serialize) -> String {
    env.get_template(name)
        .and_then(|template| template.render(minijinja::value::Serde(context)))
        .unwrap_or_else(|e| panic!("template {name} does not render: {e:#}"))
}

/// Renders the single template `source` (named `name`) with `context`.
///
/// Each template is compiled once per process: a target renders the same template for
/// every guest, and compiling it anew each time was most of a large lab's build.
pub fn render(name: &'static str, source: &'static str, context: &impl Serialize) -> String {
    type Compiled = HashMap<(&'static str, usize), Arc<Environment<'static>>>;
    static COMPILED: OnceLock<RwLock<Compiled>> = OnceLock::new();
    let compiled = COMPILED.get_or_init(RwLock::default);
    // Two templates may share a name across targets; their text tells them apart.
    let key = (name, source.as_ptr() as usize);
    let cached = compiled.read().ok().and_then(|map| map.get(&key).cloned());
    let env = cached.unwrap_or_else(|| {
        let env = Arc::new(environment(&[(name, source)]));
        if let Ok(mut map) = compiled.write() {
            map.insert(key, env.clone());
        }
        env
    });
    render_with(&env, name, context)
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn blocks_leave_no_blank_lines_and_nothing_is_escaped() {
        let out = render(
            "t",
            "{% for x in items %}\n{{ x }}\n{% endfor %}\n",
            &serde_json_like(),
        );
        assert_eq!(out, "<a>\n&b\n");
    }

    fn serde_json_like() -> std::collections::BTreeMap<&'static str, Vec<&'static str>> {
        std::collections::BTreeMap::from([("items", vec!["<a>", "&b"])])
    }

    #[test]
    #[should_panic(expected = "does not render")]
    fn undefined_values_fail() {
        let _ = render(
            "t",
            "{{ missing }}",
            &std::collections::BTreeMap::<&str, &str>::new(),
        );
    }
}
