//! Nix values and their printing: strings escaped so nothing from the source can
//! interpolate or end the string, attribute names quoted where they are not identifiers.

use std::fmt::Write as _;

/// A Nix value as the NixOS target writes it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Nix {
    Str(String),
    Int(i64),
    Bool(bool),
    List(Vec<Nix>),
    /// An attribute set; each key is a path of attribute names (`a.b = …`).
    Attrs(Vec<(Vec<String>, Nix)>),
    /// An expression this crate wrote itself (`builtins.readFile ../../bird/r/bird.conf`).
    Expr(String),
    /// A value followed by a `#` comment on its line.
    Commented(Box<Nix>, String),
    /// A multi-line string (a daemon's configuration file), written as an indented
    /// `''…''` string with one source line per line, each ending in a newline.
    Lines(Vec<String>),
}

impl Nix {
    /// A string value.
    pub(crate) fn str(value: impl Into<String>) -> Nix {
        Nix::Str(value.into())
    }
    /// A list of strings.
    pub(crate) fn strs<S: ToString>(values: impl IntoIterator<Item = S>) -> Nix {
        Nix::List(
            values
                .into_iter()
                .map(|v| Nix::Str(v.to_string()))
                .collect(),
        )
    }
    /// An attribute set from `(dotted path, value)` pairs.
    pub(crate) fn attrs<'a>(entries: impl IntoIterator<Item = (&'a str, Nix)>) -> Nix {
        Nix::Attrs(entries.into_iter().map(|(k, v)| (path(k), v)).collect())
    }
    /// This value with a comment after it.
    pub(crate) fn commented(self, comment: impl Into<String>) -> Nix {
        Nix::Commented(Box::new(self), comment.into())
    }
}

/// Splits a dotted attribute path written in this crate (`services.openssh.enable`).
/// Names that contain dots themselves are passed as separate segments instead.
pub(crate) fn path(dotted: &str) -> Vec<String> {
    dotted.split('.').map(str::to_string).collect()
}

const KEYWORDS: [&str; 10] = [
    "if", "then", "else", "assert", "with", "let", "in", "rec", "inherit", "or",
];

/// One attribute name: bare when it is an identifier, otherwise a quoted string.
pub(crate) fn key(name: &str) -> String {
    let mut chars = name.chars();
    let identifier = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || "_'-".contains(c))
        && !KEYWORDS.contains(&name);
    if identifier {
        name.to_string()
    } else {
        string(name)
    }
}

/// A double-quoted Nix string with `\`, `"` and `${` escaped and control characters
/// written as escapes, so the value reads back unchanged and never interpolates.
pub(crate) fn string(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '$' if chars.peek() == Some(&'{') => out.push_str("\\$"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            // Nix strings cannot hold NUL.
            '\0' => out.push('\u{FFFD}'),
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

/// One line of an indented `''…''` string: `''` and `${` escaped so the line reads back
/// unchanged, and control characters (which would break the line or its indentation)
/// replaced.
fn indented(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' if chars.peek() == Some(&'\'') => {
                chars.next();
                out.push_str("'''");
            }
            '$' if chars.peek() == Some(&'{') => out.push_str("''$"),
            c if c.is_control() => out.push('\u{FFFD}'),
            _ => out.push(c),
        }
    }
    out
}

pub(crate) use infrac_templates::text::comment_safe;

/// Lists and attribute sets that fit within this many columns stay on one line.
const MAX_WIDTH: usize = 100;

/// The one-line form of a value, if it has one no wider than `limit` characters:
/// scalars, and lists and attribute sets made of one-line values without comments.
/// Writing stops as soon as the line is too wide, so asking at every level of a deep
/// value costs no more than the part of it that fits.
fn inline(value: &Nix, limit: usize) -> Option<String> {
    let mut line = Line::new(limit);
    line.value(value)?;
    Some(line.text)
}

/// The one-line form of a value that starts at `column`, if it ends before
/// [`MAX_WIDTH`].
fn inline_at(value: &Nix, column: usize) -> Option<String> {
    inline(value, MAX_WIDTH.checked_sub(column + 1)?)
}

/// A line being written, with its width in characters.
struct Line {
    text: String,
    width: usize,
    limit: usize,
}

impl Line {
    fn new(limit: usize) -> Self {
        Line {
            text: String::new(),
            width: 0,
            limit,
        }
    }

    fn push(&mut self, s: &str) -> Option<()> {
        self.width += s.chars().count();
        if self.width > self.limit {
            return None;
        }
        self.text.push_str(s);
        Some(())
    }

    fn value(&mut self, value: &Nix) -> Option<()> {
        match value {
            Nix::Str(s) => self.push(&string(s)),
            Nix::Int(n) => self.push(&n.to_string()),
            Nix::Bool(b) => self.push(if *b { "true" } else { "false" }),
            Nix::Expr(e) => self.push(e),
            Nix::Commented(..) | Nix::Lines(_) => None,
            Nix::List(items) if items.is_empty() => self.push("[ ]"),
            Nix::List(items) => {
                self.push("[")?;
                for item in items {
                    self.push(" ")?;
                    self.item(item)?;
                }
                self.push(" ]")
            }
            Nix::Attrs(entries) if entries.is_empty() => self.push("{ }"),
            Nix::Attrs(entries) => {
                self.push("{")?;
                for (path, value) in entries {
                    self.push(" ")?;
                    self.push(&keys(path))?;
                    self.push(" = ")?;
                    self.value(value)?;
                    self.push(";")?;
                }
                self.push(" }")
            }
        }
    }

    /// A list item: expressions with spaces and negative numbers need parentheses
    /// inside a list.
    fn item(&mut self, item: &Nix) -> Option<()> {
        match item {
            Nix::Expr(e) if e.contains(char::is_whitespace) => {
                self.push("(")?;
                self.push(e)?;
                self.push(")")
            }
            Nix::Int(n) if *n < 0 => self.push(&format!("({n})")),
            _ => self.value(item),
        }
    }
}

fn keys(path: &[String]) -> String {
    path.iter().map(|k| key(k)).collect::<Vec<_>>().join(".")
}

/// Renders `value` as it appears after `name = ` at `indent` spaces.
#[cfg(test)]
pub(crate) fn render(value: &Nix, indent: usize) -> String {
    let mut out = String::new();
    write_value(value, indent, indent, &mut out);
    out
}

/// Renders `path = value;` for a line that starts at `indent` spaces (the indent itself
/// is not written). A commented value that spans lines gets its comment on the line
/// above; a one-line value gets it at the end of its line.
pub(crate) fn assignment(path: &[String], value: &Nix, indent: usize) -> String {
    let mut out = String::new();
    write_assignment(path, value, indent, &mut out);
    out
}

fn write_assignment(path: &[String], value: &Nix, indent: usize, out: &mut String) {
    let (value, comment) = match value {
        Nix::Commented(inner, comment) => (inner.as_ref(), Some(comment_safe(comment))),
        _ => (value, None),
    };
    let head = format!("{} = ", keys(path));
    let column = indent + head.chars().count();
    let one_line = inline_at(value, column);
    match (one_line, comment) {
        (Some(text), comment) => {
            let _ = write!(out, "{head}{text};");
            if let Some(comment) = comment {
                let _ = write!(out, " # {comment}");
            }
        }
        (None, comment) => {
            if let Some(comment) = comment {
                let _ = write!(out, "# {comment}\n{}", " ".repeat(indent));
            }
            out.push_str(&head);
            write_value(value, indent, column, out);
            out.push(';');
        }
    }
}

/// Writes `value` whose first line continues at `column`, with following lines
/// indented from `indent`.
fn write_value(value: &Nix, indent: usize, column: usize, out: &mut String) {
    if let Some(text) = inline_at(value, column) {
        out.push_str(&text);
        return;
    }
    match value {
        Nix::Commented(inner, _) => write_value(inner, indent, column, out),
        Nix::Lines(lines) => {
            out.push_str("''\n");
            for line in lines {
                if !line.is_empty() {
                    let _ = write!(out, "{}{}", " ".repeat(indent + 2), indented(line));
                }
                out.push('\n');
            }
            let _ = write!(out, "{}''", " ".repeat(indent));
        }
        Nix::List(items) => {
            out.push_str("[\n");
            for item in items {
                let pad = " ".repeat(indent + 2);
                let (item, comment) = match item {
                    Nix::Commented(inner, comment) => (inner.as_ref(), Some(comment_safe(comment))),
                    _ => (item, None),
                };
                let one_line = MAX_WIDTH.checked_sub(indent + 2).and_then(|limit| {
                    let mut line = Line::new(limit);
                    line.item(item).map(|()| line.text)
                });
                match one_line {
                    Some(text) => {
                        let _ = write!(out, "{pad}{text}");
                        if let Some(comment) = comment {
                            let _ = write!(out, " # {comment}");
                        }
                    }
                    None => {
                        if let Some(comment) = comment {
                            let _ = writeln!(out, "{pad}# {comment}");
                        }
                        out.push_str(&pad);
                        write_value(item, indent + 2, indent + 2, out);
                    }
                }
                out.push('\n');
            }
            let _ = write!(out, "{}]", " ".repeat(indent));
        }
        Nix::Attrs(entries) => {
            out.push_str("{\n");
            for (path, value) in entries {
                out.push_str(&" ".repeat(indent + 2));
                write_assignment(path, value, indent + 2, out);
                out.push('\n');
            }
            let _ = write!(out, "{}}}", " ".repeat(indent));
        }
        // Scalars always have a one-line form; a too-long one is written as it is.
        _ => out.push_str(&inline(value, usize::MAX).unwrap_or_default()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_stay_bare_and_others_are_quoted() {
        assert_eq!(key("hostName"), "hostName");
        assert_eq!(key("access-control"), "access-control");
        assert_eq!(key("net.ipv4.ip_forward"), "\"net.ipv4.ip_forward\"");
        assert_eq!(key("bird/bird.conf"), "\"bird/bird.conf\"");
        assert_eq!(key("in"), "\"in\"");
        assert_eq!(key("9lives"), "\"9lives\"");
        assert_eq!(key(""), "\"\"");
    }

    #[test]
    fn strings_cannot_interpolate_or_end_early() {
        assert_eq!(string("plain"), "\"plain\"");
        assert_eq!(string("a\"b"), "\"a\\\"b\"");
        assert_eq!(string("${builtins.exec}"), "\"\\${builtins.exec}\"");
        assert_eq!(string("$HOME and $"), "\"$HOME and $\"");
        assert_eq!(string("back\\slash"), "\"back\\\\slash\"");
        assert_eq!(string("two\nlines"), "\"two\\nlines\"");
    }

    #[test]
    fn short_values_are_inline() {
        assert_eq!(render(&Nix::strs(["a", "b"]), 0), "[ \"a\" \"b\" ]");
        assert_eq!(render(&Nix::List(vec![]), 0), "[ ]");
        let address = Nix::attrs([
            ("address", Nix::str("10.0.0.1")),
            ("prefixLength", Nix::Int(24)),
        ]);
        assert_eq!(
            render(&Nix::List(vec![address]), 0),
            "[ { address = \"10.0.0.1\"; prefixLength = 24; } ]"
        );
    }

    /// The width rule at its edge: a list whose line would end at column 99 stays on it,
    /// one that would end at column 100 breaks, and so do the lists holding it, as deep as
    /// they nest (the writer stops a line once it is too wide).
    #[test]
    fn one_line_forms_end_before_the_width() {
        let fits = Nix::strs(["x".repeat(MAX_WIDTH - 7)]);
        assert_eq!(render(&fits, 0).lines().count(), 1);
        let too_wide = Nix::strs(["x".repeat(MAX_WIDTH - 6)]);
        assert_eq!(render(&too_wide, 0).lines().count(), 3);
        let nested = Nix::List(vec![Nix::List(vec![too_wide.clone()])]);
        let text = render(&nested, 0);
        assert!(text.starts_with("[\n  [\n    [\n"), "{text}");
        let a = Nix::attrs([("a", fits)]);
        // Inside the set the list starts at column 6, so it breaks as well.
        assert_eq!(render(&a, 0).lines().count(), 5, "{}", render(&a, 0));
    }

    #[test]
    fn long_values_break_into_lines() {
        let long: Vec<String> = (0..30).map(|i| format!("item-{i}")).collect();
        let text = render(&Nix::strs(&long), 0);
        assert!(text.starts_with("[\n  \"item-0\"\n"), "{text}");
        assert!(text.lines().all(|l| l.len() <= MAX_WIDTH));
    }

    #[test]
    fn comments_on_multi_line_values_go_above() {
        let value = Nix::attrs([("a", Nix::strs(["x"; 30]))]).commented("why");
        let text = assignment(&path("k"), &value, 2);
        assert!(text.starts_with("# why\n  k = {"), "{text}");
    }

    #[test]
    fn commented_items_get_a_line_each() {
        let list = Nix::List(vec![
            Nix::Int(22).commented("ssh"),
            Nix::Int(179).commented("bird"),
        ]);
        assert_eq!(render(&list, 2), "[\n    22 # ssh\n    179 # bird\n  ]");
    }

    #[test]
    fn attribute_sets_nest_with_indentation() {
        let value = Nix::attrs([
            ("enable", Nix::Bool(true)),
            ("settings.PermitRootLogin", Nix::str("no")),
            ("settings.PasswordAuthentication", Nix::Bool(false)),
            ("settings.KbdInteractiveAuthentication", Nix::Bool(false)),
        ]);
        assert_eq!(
            assignment(&path("services.openssh"), &value, 2),
            "services.openssh = {\n    enable = true;\n    settings.PermitRootLogin = \"no\";\n    \
             settings.PasswordAuthentication = false;\n    \
             settings.KbdInteractiveAuthentication = false;\n  };"
        );
    }

    #[test]
    fn expressions_in_lists_are_parenthesised() {
        let list = Nix::List(vec![
            Nix::Expr("modulesPath + \"/profiles/qemu-guest.nix\"".into()),
            Nix::Expr("./hardware-configuration.nix".into()),
        ]);
        assert_eq!(
            render(&list, 0),
            "[ (modulesPath + \"/profiles/qemu-guest.nix\") ./hardware-configuration.nix ]"
        );
    }

    /// Nix itself reads every escaped string back as the original text.
    #[test]
    fn nix_reads_escaped_strings_back_unchanged() {
        let values = [
            "plain",
            "\"; rm -rf / #",
            "${builtins.currentTime}",
            "$${x}",
            "''",
            "back\\slash\\",
            "line\nbreak\ttab\rcr",
            "ünïcødé",
        ];
        let list: Vec<String> = values.iter().map(|v| string(v)).collect();
        let expr = format!("[ {} ]", list.join(" "));
        let output = std::process::Command::new("nix-instantiate")
            .args([
                "--store", "dummy://", "--eval", "--strict", "--json", "--expr", &expr,
            ])
            .env("NIX_CONFIG", "build-users-group =")
            .output()
            .unwrap_or_else(|e| panic!("nix-instantiate is needed for this test: {e}"));
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let printed = String::from_utf8_lossy(&output.stdout);
        let read_back: Vec<String> = serde_json::from_str(printed.trim())
            .unwrap_or_else(|e| panic!("not a JSON list: {printed}: {e}"));
        assert_eq!(read_back, values);
    }

    /// Nix reads an indented string back as the lines, each ending in a newline, with
    /// `''` and `${` kept literally and the indentation removed.
    #[test]
    fn nix_reads_indented_lines_back_unchanged() {
        let lines = vec![
            "interface ens19 {".to_string(),
            "  AdvSendAdvert on;".to_string(),
            String::new(),
            "quote '' and ${x} and $y".to_string(),
            "};".to_string(),
        ];
        let expr = format!("let x = {}; in x", render(&Nix::Lines(lines.clone()), 4));
        let output = std::process::Command::new("nix-instantiate")
            .args([
                "--store", "dummy://", "--eval", "--strict", "--json", "--expr", &expr,
            ])
            .output()
            .unwrap_or_else(|e| panic!("nix-instantiate is needed for this test: {e}"));
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let printed = String::from_utf8_lossy(&output.stdout);
        let read_back: String = serde_json::from_str(printed.trim())
            .unwrap_or_else(|e| panic!("not a JSON string: {printed}: {e}"));
        assert_eq!(read_back, lines.join("\n") + "\n");
    }
}
