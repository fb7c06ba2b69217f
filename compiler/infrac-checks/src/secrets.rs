//! Secrets: plaintext passwords and tokens in string attributes.
//!
//! Typed secret attributes (`password`, `token`, env values named like secrets) are
//! caught during analysis; this finds secrets pasted into free text such as
//! descriptions, which would otherwise be written into artifacts and docs.

use infrac_diagnostics::{Code, Diagnostic, Span};
use infrac_model::Model;
use regex_lite::Regex;
use std::sync::OnceLock;

/// A pattern of a credential in free text, compiled the first time a text holds one of
/// its literals. `regex_lite`, whose expressions compile in a fraction of the time: the
/// `regex` crate's automata for these seven cost more than the rest of a small lab's
/// check, and the texts to search are few and short. Its `\b`, `\s` and case folding are
/// ASCII's, which is what credentials are written in.
struct Pattern {
    /// What the text would contain, for the message.
    what: &'static str,
    /// Texts without any of these cannot match: every match of `source` contains one.
    /// Compared with the text in ASCII lower case when `fold` (the literals are written
    /// in lower case then).
    literals: &'static [&'static str],
    fold: bool,
    source: &'static str,
    compiled: OnceLock<Option<Regex>>,
}

impl Pattern {
    const fn new(
        what: &'static str,
        literals: &'static [&'static str],
        fold: bool,
        source: &'static str,
    ) -> Self {
        Pattern {
            what,
            literals,
            fold,
            source,
            compiled: OnceLock::new(),
        }
    }

    /// Whether `text` matches; `lower` is the text in ASCII lower case.
    fn is_match(&self, text: &str, lower: &str) -> bool {
        let haystack = if self.fold { lower } else { text };
        self.literals.iter().any(|l| haystack.contains(l))
            && self
                .compiled
                .get_or_init(|| Regex::new(self.source).ok())
                .as_ref()
                .is_some_and(|re| re.is_match(text))
    }
}

/// Patterns of credentials in free text: `password: x`, `admin / secret`-style pairs
/// after a login word, and well-known token formats.
static PATTERNS: [Pattern; 7] = [
    Pattern::new(
        "a credential",
        &[
            "password",
            "passwd",
            "pwd",
            "passphrase",
            "secret",
            "token",
            "api",
        ],
        true,
        r"(?i)\b(password|passwd|pwd|passphrase|secret|token|api[_-]?key)\s*[:=]\s*\S+",
    ),
    Pattern::new(
        "a login and password",
        &["login", "credential"],
        true,
        r"(?i)\b(login|credentials?)\s*[:=]?\s*\S+\s*/\s*\S+",
    ),
    Pattern::new(
        "a GitHub token",
        &["ghp_", "gho_", "ghu_", "ghs_", "ghr_"],
        false,
        r"\bgh[pousr]_[A-Za-z0-9]{30,}",
    ),
    Pattern::new(
        "a Slack token",
        &["xox"],
        false,
        r"\bxox[abposr]-[A-Za-z0-9-]{10,}",
    ),
    Pattern::new(
        "an AWS access key",
        &["AKIA"],
        false,
        r"\bAKIA[0-9A-Z]{16}\b",
    ),
    Pattern::new(
        "a private key",
        &["PRIVATE KEY-----"],
        false,
        r"-----BEGIN [A-Z ]*PRIVATE KEY-----",
    ),
    Pattern::new("a k3s join token", &["K10"], false, r"\bK10[0-9a-f]{20,}::"),
];

/// Runs the secrets check over every free-text attribute of the model.
pub fn check(model: &Model) -> Vec<Diagnostic> {
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
        if let Some(image) = &a.image {
            texts.push((
                image.as_str(),
                a.span,
                format!("the image of app {}", a.name),
            ));
        }
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
    let mut lower = String::new();
    for (text, span, what) in texts {
        lower.clear();
        lower.push_str(text);
        lower.make_ascii_lowercase();
        if let Some(kind) = PATTERNS
            .iter()
            .find(|p| p.is_match(text, &lower))
            .map(|p| p.what)
        {
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
    use super::PATTERNS;

    fn hit(text: &str) -> bool {
        PATTERNS
            .iter()
            .any(|p| p.is_match(text, &text.to_ascii_lowercase()))
    }

    #[test]
    fn finds_credentials_not_prose() {
        assert!(hit("Grafana login: admin / orion2025"));
        assert!(hit("password=hunter2"));
        assert!(hit("PassPhrase: correct horse"));
        assert!(hit("CREDENTIALS root / toor"));
        assert!(hit("key ghp_0123456789abcdefghijklmnopqrstuvwxyz"));
        assert!(hit("slack xoxb-0123456789-abcdef"));
        assert!(hit("AKIAABCDEFGHIJKLMNOP"));
        assert!(hit("-----BEGIN OPENSSH PRIVATE KEY-----"));
        assert!(hit("K10abcdef0123456789abcdef::server:secret"));
        assert!(!hit("edge router with BGP and nftables"));
        assert!(!hit("rotates the password monthly"));
        assert!(!hit("a high-throughput gateway"));
    }

    /// The literals are a filter, never a verdict: each pattern compiles, and on texts
    /// that hold a literal the verdict is the expression's alone.
    #[test]
    fn every_pattern_compiles() {
        for p in &PATTERNS {
            let re = regex_lite::Regex::new(p.source).expect(p.source);
            for literal in p.literals {
                let text = format!("{literal}: x / y");
                assert_eq!(hit(&text), re.is_match(&text), "{text}");
                let upper = text.to_ascii_uppercase();
                assert_eq!(hit(&upper), p.fold && re.is_match(&upper), "{upper}");
            }
        }
    }
}
