//! A mistake is reported once, where it is made. When a value fails, or a required
//! attribute is missing, the model is built with a default in its place (a machine's
//! platform, an ingress's kind, a network's site); nothing built from that default may be
//! reported as a second mistake. Every attribute written on one line in every example is
//! broken in turn: given a value of the wrong type, a name the lab does not declare, or
//! removed. Whenever the break is reported at that line (or as that attribute missing), it
//! is the only error.

use infrac_diagnostics::{Code, Diagnostic};
use infrac_driver::check_source;

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

/// An attribute written whole on one line: `NAME = VALUE`.
struct Written<'a> {
    line: usize,
    indent: &'a str,
    name: &'a str,
    value: &'a str,
}

fn balanced(value: &str) -> bool {
    let count = |c: char| value.matches(c).count();
    count('"').is_multiple_of(2)
        && count('(') == count(')')
        && count('[') == count(']')
        && count('{') == count('}')
}

fn written(text: &str) -> Vec<Written<'_>> {
    let mut found = Vec::new();
    for (line, full) in text.lines().enumerate() {
        let rest = full.trim_start();
        let indent = &full[..full.len() - rest.len()];
        let Some((name, value)) = rest.split_once('=') else {
            continue;
        };
        let (name, value) = (name.trim_end(), value.trim());
        let is_name = name.starts_with(|c: char| c.is_ascii_lowercase())
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_.".contains(c));
        if !is_name || value.is_empty() || value.contains('#') || !balanced(value) {
            continue;
        }
        found.push(Written {
            line,
            indent,
            name,
            value,
        });
    }
    found
}

/// The lab with line `line` replaced by `with` (removed when `None`).
fn replaced(text: &str, line: usize, with: Option<String>) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    match with {
        Some(with) => lines[line] = with,
        None => {
            lines.remove(line);
        }
    }
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
            let lab = replaced(
                text,
                w.line,
                Some(format!("{}{} = {value}", w.indent, w.name)),
            );
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
        let lab = replaced(text, w.line, None);
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

#[test]
fn a_broken_attribute_is_reported_once() {
    let found: Vec<String> = std::thread::scope(|scope| {
        let runs: Vec<_> = EXAMPLES
            .iter()
            .map(|&(example, text)| scope.spawn(move || cascades(example, text)))
            .collect();
        runs.into_iter()
            .flat_map(|run| run.join().expect("the example's breaks are checked"))
            .collect()
    });
    assert!(
        found.is_empty(),
        "a break reported with its consequences:\n{}",
        found.join("\n")
    );
}

/// The breaks are many and reach every kind of declaration the examples have; the test
/// above would pass vacuously if the examples stopped matching `NAME = VALUE`.
#[test]
fn the_examples_have_attributes_to_break() {
    let total: usize = EXAMPLES.iter().map(|(_, text)| written(text).len()).sum();
    assert!(total > 300, "{total} attributes found");
}
