//! Secrets: plaintext passwords and tokens in string attributes.
//!
//! Typed secret attributes (`password`, `token`, env values named like secrets) are
//! caught during analysis; this finds secrets pasted into free text such as
//! descriptions, which would otherwise be written into artifacts and docs.

use infrac_diagnostics::{Code, Diagnostic, Span};
use infrac_model::Model;
use regex::Regex;

/// Patterns of credentials in free text: `password: x`, `admin / secret`-style pairs
/// after a login word, and well-known token formats.
fn patterns() -> Vec<(Regex, &'static str)> {
    let table = [
        (
            r"(?i)\b(password|passwd|pwd|passphrase|secret|token|api[_-]?key)\s*[:=]\s*\S+",
            "a credential",
        ),
        (
            r"(?i)\b(login|credentials?)\s*[:=]?\s*\S+\s*/\s*\S+",
            "a login and password",
        ),
        (r"\bgh[pousr]_[A-Za-z0-9]{30,}", "a GitHub token"),
        (r"\bxox[abposr]-[A-Za-z0-9-]{10,}", "a Slack token"),
        (r"\bAKIA[0-9A-Z]{16}\b", "an AWS access key"),
        (r"-----BEGIN [A-Z ]*PRIVATE KEY-----", "a private key"),
        (r"\bK10[0-9a-f]{20,}::", "a k3s join token"),
    ];
    table
        .iter()
        .filter_map(|(p, what)| Regex::new(p).ok().map(|r| (r, *what)))
        .collect()
}

/// Runs the secrets check over every free-text attribute of the model.
pub fn check(model: &Model) -> Vec<Diagnostic> {
    // Compiled once per process: the language server checks on every keystroke.
    static PATTERNS: std::sync::OnceLock<Vec<(Regex, &'static str)>> = std::sync::OnceLock::new();
    let patterns = PATTERNS.get_or_init(patterns);
    // Every free text the model can write out, then the strings that are free text here
    // but typed elsewhere (plain env values, image references, BMC user names).
    let mut texts: Vec<(&str, Span, String)> = model
        .free_texts()
        .into_iter()
        .map(|t| (t.text, t.span, t.what))
        .collect();
    for a in &model.apps {
        for (name, value) in &a.env {
            if let infrac_model::EnvValue::Plain(v) = value {
                texts.push((v, a.span, format!("env {name} of app {}", a.name)));
            }
        }
        texts.push((&a.image, a.span, format!("the image of app {}", a.name)));
    }
    for (_, m) in model.machines() {
        if let Some(u) = &m.bmc_user {
            texts.push((
                u,
                m.name_span,
                format!("the BMC user of {} {}", m.noun(), m.name),
            ));
        }
    }
    let mut out = Vec::new();
    for (text, span, what) in texts {
        if let Some((_, kind)) = patterns.iter().find(|(re, _)| re.is_match(text)) {
            out.push(
                Diagnostic::error(Code::PLAINTEXT_SECRET, format!("{what} contains {kind} in plain text"), span, "this text is written into artifacts and docs")
                    .with_help("keep secrets out of the source: refer to them with `secret(\"name\")`, resolved at deploy time"),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::patterns;

    #[test]
    fn finds_credentials_not_prose() {
        let p = patterns();
        let hit = |t: &str| p.iter().any(|(re, _)| re.is_match(t));
        assert!(hit("Grafana login: admin / orion2025"));
        assert!(hit("password=hunter2"));
        assert!(hit("key ghp_0123456789abcdefghijklmnopqrstuvwxyz"));
        assert!(!hit("edge router with BGP and nftables"));
        assert!(!hit("rotates the password monthly"));
    }
}
