//! UCI, OpenWrt's configuration format, as typed sections rendered the way `uci export`
//! writes them: `config TYPE 'NAME'`, then one `option NAME 'VALUE'` or `list NAME
//! 'VALUE'` line per value, every value single-quoted.
//!
//! This is the one escaping layer of the target: every text that reaches a file passes
//! through [`quote`] (values) or [`Name::new`] (section names) here.
//!
//! The rules come from libuci's parser and exporter (openwrt/uci `file.c`, 2025-11):
//! inside single quotes every character stands for itself up to the next `'`, and a
//! quote inside a value is written `'\''` (close, backslash-escaped quote, reopen), which
//! is also what `uci_escape` writes; names (`uci_validate_name`) are non-empty and made
//! of ASCII letters, digits and `_` only.

use infrac_templates::text::comment_safe;

/// A UCI section or option name: ASCII letters, digits and `_`, at least one.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Name(String);

impl Name {
    /// The name, if UCI accepts it as a section name.
    pub fn new(text: &str) -> Option<Name> {
        is_name(text).then(|| Name(text.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether `text` is a valid UCI section or option name (`uci_validate_name`).
pub fn is_name(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// A value in single quotes, a quote inside it written `'\''`. Control characters
/// become spaces: UCI would accept a line break inside quotes, but nothing this target
/// writes needs one, and it would make one value span several lines.
pub fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        match c {
            '\'' => out.push_str("'\\''"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Line {
    Option(&'static str, String),
    List(&'static str, String),
    Comment(String),
}

/// One `config` section. Option names are the target's own constants; the tests check
/// each against the allow-list of its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    kind: &'static str,
    name: Option<Name>,
    comments: Vec<String>,
    lines: Vec<Line>,
}

impl Section {
    /// An anonymous section of a type (`config rule`).
    pub fn new(kind: &'static str) -> Section {
        Section {
            kind,
            name: None,
            comments: Vec::new(),
            lines: Vec::new(),
        }
    }

    /// A named section (`config interface 'lan'`).
    pub fn named(kind: &'static str, name: Name) -> Section {
        Section {
            name: Some(name),
            ..Section::new(kind)
        }
    }

    /// A `# …` line above the `config` line.
    pub fn comment(mut self, text: impl AsRef<str>) -> Section {
        self.comments.push(comment_safe(text.as_ref()));
        self
    }

    /// `option NAME 'VALUE'`.
    pub fn option(mut self, name: &'static str, value: impl ToString) -> Section {
        self.lines.push(Line::Option(name, value.to_string()));
        self
    }

    /// `option NAME 'VALUE'` when there is a value.
    pub fn option_opt(self, name: &'static str, value: Option<impl ToString>) -> Section {
        match value {
            Some(v) => self.option(name, v),
            None => self,
        }
    }

    /// One `list NAME 'VALUE'` line per value.
    pub fn list<T: ToString>(
        mut self,
        name: &'static str,
        values: impl IntoIterator<Item = T>,
    ) -> Section {
        for v in values {
            self.lines.push(Line::List(name, v.to_string()));
        }
        self
    }

    /// A `# …` line inside the section, before the options that follow it.
    pub fn note(mut self, text: impl AsRef<str>) -> Section {
        self.lines.push(Line::Comment(comment_safe(text.as_ref())));
        self
    }

    fn render(&self, out: &mut String) {
        for c in &self.comments {
            out.push_str(&format!("# {c}\n"));
        }
        out.push_str("config ");
        out.push_str(self.kind);
        if let Some(name) = &self.name {
            out.push(' ');
            out.push_str(&quote(name.as_str()));
        }
        out.push('\n');
        for line in &self.lines {
            match line {
                Line::Option(n, v) => out.push_str(&format!("\toption {n} {}\n", quote(v))),
                Line::List(n, v) => out.push_str(&format!("\tlist {n} {}\n", quote(v))),
                Line::Comment(c) => out.push_str(&format!("\t# {c}\n")),
            }
        }
    }
}

/// A whole configuration file: header comment lines, then sections separated by blank
/// lines.
pub fn render(header: &[String], sections: &[Section]) -> String {
    let mut out = String::new();
    for line in header {
        out.push_str(&format!("# {}\n", comment_safe(line)));
    }
    for section in sections {
        out.push('\n');
        section.render(&mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_close_escape_and_reopen() {
        assert_eq!(quote("it's"), "'it'\\''s'");
        assert_eq!(quote("a\nb"), "'a b'");
        assert_eq!(quote(""), "''");
    }

    #[test]
    fn names_are_letters_digits_and_underscores() {
        assert!(Name::new("lan_2").is_some());
        for bad in ["", "lan-2", "lan 2", "lan'", "lån"] {
            assert!(Name::new(bad).is_none(), "{bad:?}");
        }
    }

    #[test]
    fn sections_render_like_uci_export() {
        let s = Section::named(
            "interface",
            Name::new("lan").unwrap_or_else(|| unreachable!()),
        )
        .option("proto", "static")
        .list("ip6addr", ["fd00::1/64"]);
        assert_eq!(
            render(&["head".into()], &[s]),
            "# head\n\nconfig interface 'lan'\n\toption proto 'static'\n\tlist ip6addr 'fd00::1/64'\n"
        );
    }
}
