//! A mistake is reported once, where it is made. When a value fails, or a required
//! attribute is missing, the model is built with a default in its place (a machine's
//! platform, an ingress's kind, a network's site); nothing built from that default may be
//! reported as a second mistake. Every attribute written on one line in every example, by
//! itself or in a block written on one line, is broken in turn: given a value of the wrong
//! type, a name the lab does not declare, or removed. Whenever the break is reported at
//! that line (or as that attribute missing), it is the only error.

use infrac_diagnostics::{Code, Diagnostic, FileId};
use infrac_driver::check_source;
use infrac_syntax::ast;

const EXAMPLES: &[(&str, &str)] = &[
    (
        "docker-host",
        include_str!("../../../examples/docker-host.infra"),
    ),
    (
        "minipc-k3s",
        include_str!("../../../examples/minipc-k3s.infra"),
    ),
    (
        "nixos-edge",
        include_str!("../../../examples/nixos-edge.infra"),
    ),
    ("orion", include_str!("../../../examples/orion.infra")),
    (
        "pve-cluster",
        include_str!("../../../examples/pve-cluster.infra"),
    ),
    (
        "two-sites",
        include_str!("../../../examples/two-sites.infra"),
    ),
];

/// An attribute written on one line, by itself (`NAME = VALUE`) or in a block written on
/// one line (`nic lan { network = lan, ip = 10.0.0.2 }`), and how to write the line with
/// it changed.
struct Written {
    line: usize,
    name: String,
    value: String,
    /// The line up to the attribute, and after it.
    before: String,
    after: String,
}

impl Written {
    /// The line with the attribute's value replaced, or without the attribute.
    fn rewritten(&self, value: Option<&str>) -> String {
        match value {
            Some(value) => format!("{}{} = {value}{}", self.before, self.name, self.after),
            // In a block, the comma between it and the next attribute goes with it.
            None => {
                let before = self.before.trim_end();
                let after = self.after.trim_start();
                match (before.strip_suffix(','), after.strip_prefix(',')) {
                    (_, Some(rest)) => format!("{} {}", before, rest.trim_start()),
                    (Some(head), None) => format!("{head} {after}"),
                    (None, None) => format!("{before} {after}"),
                }
            }
        }
    }
}

/// Every attribute of the lab, as the parser finds it: in declarations, nested blocks,
/// loops and chassis instances (`hardware = dell.r730 { cpus = … }`).
fn attributes(entries: &[ast::Entry], out: &mut Vec<ast::Attr>) {
    for entry in entries {
        match entry {
            ast::Entry::Attr(attr) => {
                if let ast::ExprKind::Instance(instance) = &attr.value.kind {
                    attributes(&instance.1.entries, out);
                }
                out.push(attr.clone());
            }
            ast::Entry::Block(decl) => attributes(&decl.body.entries, out),
            ast::Entry::For(f) => attributes(&f.body, out),
            ast::Entry::Rule(_) | ast::Entry::Error(_) => {}
        }
    }
}

/// The attributes written whole on one line.
fn written(text: &str) -> Vec<Written> {
    let parsed = infrac_syntax::parse(text, FileId(0));
    let mut all = Vec::new();
    for item in &parsed.file.items {
        if let ast::Item::Decl(decl) = item {
            attributes(&decl.body.entries, &mut all);
        }
    }
    let mut found: Vec<Written> = all
        .iter()
        .filter_map(|attr| {
            let (start, end) = (attr.span().start as usize, attr.span().end as usize);
            if text[start..end].contains('\n') {
                return None;
            }
            let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
            let line_end = text[end..].find('\n').map_or(text.len(), |i| end + i);
            let value = attr.value.span;
            Some(Written {
                line: line_of(text, start),
                name: attr.compact_name().to_string(),
                value: text[value.start as usize..value.end as usize].to_string(),
                before: text[line_start..start].to_string(),
                after: text[end..line_end].to_string(),
            })
        })
        .collect();
    found.sort_by_key(|w| (w.line, w.before.len()));
    found
}

/// The lab with line `line` replaced by `with`.
fn replaced(text: &str, line: usize, with: String) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    lines[line] = with;
    lines.join("\n") + "\n"
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count()
}

fn errors(text: &str) -> Vec<Diagnostic> {
    check_source("lab.infra", text)
        .diagnostics
        .into_iter()
        .filter(Diagnostic::is_error)
        .collect()
}

fn listed(errors: &[Diagnostic]) -> String {
    errors
        .iter()
        .map(|d| format!("  {} {}", d.code, d.message))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The breaks of one example that were reported with more than one error.
fn cascades(example: &str, text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for w in written(text) {
        let wrong_type = if w.value.starts_with('"') {
            "42"
        } else {
            "\"zz\""
        };
        for value in [wrong_type, "nosuch"] {
            let lab = replaced(text, w.line, w.rewritten(Some(value)));
            let errors = errors(&lab);
            let here = errors
                .iter()
                .any(|d| line_of(&lab, d.primary.span.start as usize) == w.line);
            if here && errors.len() > 1 {
                found.push(format!(
                    "{example}:{} `{} = {value}`:\n{}",
                    w.line + 1,
                    w.name,
                    listed(&errors)
                ));
            }
        }
        let lab = replaced(text, w.line, w.rewritten(None));
        let errors = errors(&lab);
        let missing = format!("missing `{}`", w.name);
        let reported = errors
            .iter()
            .any(|d| d.code == Code::MISSING_ATTRIBUTE && d.message.ends_with(&missing));
        if reported && errors.len() > 1 {
            found.push(format!(
                "{example}:{} without `{}`:\n{}",
                w.line + 1,
                w.name,
                listed(&errors)
            ));
        }
    }
    found
}

/// A declaration renamed is a name missing wherever the old one is used: each use is
/// reported, naming it, and nothing else, however much of the lab was built from it (the
/// guests on a host, the firewall on a guest, the ingress on a machine).
fn renames(example: &str, text: &str) -> Vec<String> {
    let is_word = |w: &str| {
        w.starts_with(|c: char| c.is_ascii_lowercase())
            && w.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    };
    let mut found = Vec::new();
    for (line, full) in text.lines().enumerate() {
        let mut words = full.split(' ');
        let (Some(kind), Some(name)) = (words.next(), words.next()) else {
            continue;
        };
        if !is_word(kind) || !is_word(name) || kind == "import" || name == "on" {
            continue;
        }
        let renamed = full.replacen(&format!("{kind} {name}"), &format!("{kind} {name}zq"), 1);
        let errors = errors(&replaced(text, line, renamed));
        if errors.iter().any(|d| !d.message.contains(name)) {
            found.push(format!(
                "{example}:{} `{kind} {name}` renamed:\n{}",
                line + 1,
                listed(&errors)
            ));
        }
    }
    found
}

/// A line that does not parse is reported on that line, and nothing else is: the block it
/// is in may have set anything on it, so nothing is reported missing or defaulted there,
/// nor where another declaration reads it.
fn unparsed(example: &str, text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for w in written(text) {
        let broken = format!("{}{} ={}", w.before, w.name, w.after);
        let lab = replaced(text, w.line, broken);
        let errors = errors(&lab);
        let elsewhere = |d: &Diagnostic| line_of(&lab, d.primary.span.start as usize) != w.line;
        if errors.is_empty() || errors.iter().any(elsewhere) {
            found.push(format!(
                "{example}:{} `{} =` without its value `{}`:\n{}",
                w.line + 1,
                w.name,
                w.value,
                listed(&errors)
            ));
        }
    }
    found
}

/// A top-level declaration written twice is reported as declared twice, and nothing else
/// is: the lab goes on with the first (a second site of the same name does not make the
/// lab's `site` ambiguous).
fn repeats(example: &str, text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut found = Vec::new();
    let mut start = 0;
    while start < lines.len() {
        let head = lines[start];
        let opens = head.starts_with(|c: char| c.is_ascii_lowercase())
            && !head.starts_with("import")
            && head.trim_end().ends_with('{');
        let Some(end) = lines[start..]
            .iter()
            .position(|l| *l == "}")
            .map(|n| start + n)
            .filter(|_| opens)
        else {
            start += 1;
            continue;
        };
        let mut lab: Vec<&str> = lines[..=end].to_vec();
        lab.push("");
        lab.extend(&lines[start..=end]);
        lab.extend(&lines[end + 1..]);
        let errors = errors(&(lab.join("\n") + "\n"));
        if errors.is_empty() || errors.iter().any(|d| d.code != Code::DUPLICATE_DECLARATION) {
            found.push(format!(
                "{example}:{} `{}` written twice:\n{}",
                start + 1,
                head.trim_end_matches(" {"),
                listed(&errors)
            ));
        }
        start = end + 1;
    }
    found
}

/// Runs `check` on every example, side by side, and fails with all it finds.
fn none_in_any_example(what: &str, check: fn(&str, &str) -> Vec<String>) {
    let found: Vec<String> = std::thread::scope(|scope| {
        let runs: Vec<_> = EXAMPLES
            .iter()
            .map(|&(example, text)| scope.spawn(move || check(example, text)))
            .collect();
        runs.into_iter()
            .flat_map(|run| run.join().expect("the example is checked"))
            .collect()
    });
    assert!(found.is_empty(), "{what}:\n{}", found.join("\n"));
}

#[test]
fn a_broken_attribute_is_reported_once() {
    none_in_any_example("a break reported with its consequences", cascades);
}

#[test]
fn a_line_that_does_not_parse_is_reported_there_only() {
    none_in_any_example("a line that does not parse, reported elsewhere", unparsed);
}

#[test]
fn a_declaration_written_twice_is_reported_once() {
    none_in_any_example("a declaration written twice, reported with more", repeats);
}

#[test]
fn a_renamed_declaration_is_reported_where_it_is_used() {
    none_in_any_example("a rename reported with its consequences", renames);
}

/// The breaks are many and reach every kind of declaration the examples have; the test
/// above would pass vacuously if the examples stopped matching `NAME = VALUE`.
#[test]
fn the_examples_have_attributes_to_break() {
    let total: usize = EXAMPLES.iter().map(|(_, text)| written(text).len()).sum();
    assert!(total > 300, "{total} attributes found");
}

/// What the breaks look like, in a block on one line and by itself.
#[test]
fn breaks_are_written_in_place() {
    let text = "host h {\n  nic lan { network = lan, ip = 10.0.0.2 }\n  cores = 2\n}\n";
    let lines: Vec<(usize, String, String, String)> = written(text)
        .iter()
        .map(|w| {
            (
                w.line,
                w.name.clone(),
                w.rewritten(Some("nosuch")),
                w.rewritten(None),
            )
        })
        .collect();
    let expected = [
        (
            1,
            "network",
            "  nic lan { network = nosuch, ip = 10.0.0.2 }",
            "  nic lan { ip = 10.0.0.2 }",
        ),
        (
            1,
            "ip",
            "  nic lan { network = lan, ip = nosuch }",
            "  nic lan { network = lan }",
        ),
        (2, "cores", "  cores = nosuch", " "),
    ]
    .map(|(line, name, value, removed)| (line, name.into(), value.into(), removed.into()));
    assert_eq!(lines, expected);
}
