//! The one escaping layer between the model and Compose files: every text from the lab
//! that reaches `compose.yaml` passes `literal` (YAML quoting itself is the serialiser's),
//! every line of `.env` passes `env_line`.

use infrac_model::{layout, Millis, SecretRef};

/// A value Compose must not interpolate: `$` becomes `$$` (compose-spec
/// `12-interpolation.md`: "use a `$$` (double-dollar sign) when your configuration needs a
/// literal dollar sign").
pub fn literal(text: &str) -> String {
    text.replace('$', "$$")
}

/// The `.env` variable naming where a secret's file is: `SECRET_<NAME>_FILE`, upper
/// case, every character but letters and digits as `_`.
pub fn secret_variable(secret: &SecretRef) -> String {
    let name: String = secret
        .0
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("SECRET_{name}_FILE")
}

/// The interpolation that reads a secret's file path from `.env`, failing loudly when
/// the variable is missing rather than mounting an empty path.
pub fn secret_reference(secret: &SecretRef) -> String {
    format!(
        "${{{}:?names the file of secret {}}}",
        secret_variable(secret),
        layout::segment(&secret.0)
    )
}

/// `NAME=VALUE` for `.env`. The values written here are paths built by `layout` and
/// checked project names; a value with any other character is single-quoted, which
/// `.env` takes literally.
pub fn env_line(name: &str, value: &str) -> String {
    let plain = value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-:".contains(c));
    if plain {
        format!("{name}={value}\n")
    } else {
        format!("{name}='{}'\n", value.replace(['\'', '\n', '\r'], "_"))
    }
}

/// A Compose duration (`11-extension.md`, "Specifying durations"): whole minutes,
/// seconds or milliseconds, whichever is exact.
pub fn duration(d: Millis) -> String {
    let ms = d.0;
    if ms > 0 && ms.is_multiple_of(60_000) {
        format!("{}m", ms / 60_000)
    } else if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(literal("pa$word ${HOME}"), "pa$$word $${HOME}");
        let s = SecretRef("openwebui-key".into());
        assert_eq!(secret_variable(&s), "SECRET_OPENWEBUI_KEY_FILE");
        assert_eq!(
            secret_reference(&s),
            "${SECRET_OPENWEBUI_KEY_FILE:?names the file of secret openwebui-key}"
        );
        assert_eq!(env_line("A", "/run/secrets/x"), "A=/run/secrets/x\n");
        assert_eq!(env_line("A", "a b\n'"), "A='a b__'\n");
        assert_eq!(duration(Millis(90_000)), "90s");
        assert_eq!(duration(Millis(120_000)), "2m");
        assert_eq!(duration(Millis(500)), "500ms");
    }
}
