//! Keeps the code registry and its documentation in step: every code has a page in
//! `docs/diagnostics/`, every page belongs to a code, every page has the four sections,
//! and `docs/diagnostics.md` lists every code.

use infrac_diagnostics::{CodeInfo, CODES};
use std::collections::BTreeSet;
use std::fs;
use std::path::PathBuf;

/// The sections every page has, in this order.
const SECTIONS: [&str; 4] = ["## What it means", "## Why", "## Example", "## Fix"];

fn docs_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../docs")
}

fn read(path: &PathBuf) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Fails with every problem at once, so one run shows all that needs fixing.
fn assert_no_problems(what: &str, problems: &[String]) {
    assert!(problems.is_empty(), "{what}:\n  {}", problems.join("\n  "));
}

#[test]
fn codes_are_well_formed_and_unique() {
    let mut seen = BTreeSet::new();
    let mut problems = Vec::new();
    for info in CODES {
        let code = info.code.0;
        let well_formed = code.len() == 5
            && matches!(code.as_bytes()[0], b'E' | b'W')
            && code[1..].bytes().all(|b| b.is_ascii_digit());
        if !well_formed {
            problems.push(format!("`{code}` is not E or W followed by four digits"));
        }
        if !seen.insert(code) {
            problems.push(format!("`{code}` is registered twice"));
        }
        if info.title.trim().is_empty() {
            problems.push(format!("`{code}` has no title"));
        }
    }
    assert_no_problems("malformed registry", &problems);
}

#[test]
fn every_code_has_a_page() {
    let problems: Vec<String> = CODES
        .iter()
        .map(|info| info.code.0)
        .filter(|code| !docs_dir().join(format!("diagnostics/{code}.md")).is_file())
        .map(|code| format!("docs/diagnostics/{code}.md is missing"))
        .collect();
    assert_no_problems("codes without a page", &problems);
}

#[test]
fn every_page_belongs_to_a_code() {
    let dir = docs_dir().join("diagnostics");
    let entries =
        fs::read_dir(&dir).unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
    let mut names: Vec<String> = entries
        .map(|entry| {
            entry
                .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    assert!(!names.is_empty(), "{} is empty", dir.display());
    let problems: Vec<String> = names
        .iter()
        .filter(|name| {
            !CODES
                .iter()
                .any(|info| **name == format!("{}.md", info.code.0))
        })
        .map(|name| format!("docs/diagnostics/{name} matches no code in codes.rs"))
        .collect();
    assert_no_problems("pages without a code", &problems);
}

/// What is wrong with one page, if anything.
fn page_problems(info: &CodeInfo, text: &str) -> Vec<String> {
    let code = info.code.0;
    let mut problems = Vec::new();
    let title = format!("# {code}: {}", info.title);
    let first = text.lines().next().unwrap_or("");
    if first != title {
        problems.push(format!(
            "{code}.md: the first line is `{first}`, expected `{title}`"
        ));
    }
    let lines: Vec<&str> = text.lines().collect();
    let mut positions = Vec::new();
    for section in SECTIONS {
        match lines.iter().position(|line| line.trim_end() == section) {
            Some(at) => positions.push((section, at)),
            None => problems.push(format!("{code}.md: no `{section}` section")),
        }
    }
    if positions.windows(2).any(|w| w[0].1 > w[1].1) {
        problems.push(format!(
            "{code}.md: the sections are not in the order {}",
            SECTIONS.join(", ")
        ));
    }
    for (i, (section, at)) in positions.iter().enumerate() {
        let end = positions.get(i + 1).map_or(lines.len(), |next| next.1);
        let body = lines.get(at + 1..end).unwrap_or_default();
        if body.iter().all(|line| line.trim().is_empty()) {
            problems.push(format!("{code}.md: `{section}` is empty"));
        }
    }
    for section in ["## Example", "## Fix"] {
        let Some(&(_, at)) = positions.iter().find(|(s, _)| *s == section) else {
            continue;
        };
        let has_fence = lines[at..]
            .iter()
            .skip(1)
            .take_while(|line| !line.starts_with("## "))
            .any(|line| line.starts_with("```"));
        if !has_fence {
            problems.push(format!("{code}.md: `{section}` has no code block"));
        }
    }
    problems
}

#[test]
fn every_page_has_its_title_and_four_sections() {
    let mut problems = Vec::new();
    for info in CODES {
        let path = docs_dir().join(format!("diagnostics/{}.md", info.code.0));
        if !path.is_file() {
            continue; // Reported by `every_code_has_a_page`.
        }
        problems.extend(page_problems(info, &read(&path)));
    }
    assert_no_problems("incomplete pages", &problems);
}

#[test]
fn embedded_explanations_are_the_pages() {
    for info in CODES {
        assert!(
            info.explanation.starts_with(&format!("# {}", info.code.0)),
            "the explanation embedded for {} is not its page",
            info.code.0
        );
    }
}

#[test]
fn index_lists_every_code_and_only_codes() {
    let index = read(&docs_dir().join("diagnostics.md"));
    let mut problems: Vec<String> = CODES
        .iter()
        .map(|info| info.code.0)
        .filter(|code| {
            let row = format!("| [{code}](diagnostics/{code}.md) |");
            !index.lines().any(|line| line.starts_with(&row))
        })
        .map(|code| {
            format!("no row `| [{code}](diagnostics/{code}.md) | …` in docs/diagnostics.md")
        })
        .collect();
    for (at, _) in index.match_indices("](diagnostics/") {
        let rest = &index[at + "](diagnostics/".len()..];
        let target = rest.split(')').next().unwrap_or("");
        let known = CODES
            .iter()
            .any(|info| target == format!("{}.md", info.code.0));
        if !known {
            problems.push(format!(
                "docs/diagnostics.md links to `diagnostics/{target}`, which is no code's page"
            ));
        }
    }
    assert_no_problems("docs/diagnostics.md out of date", &problems);
}

#[test]
fn a_page_without_sections_is_rejected() {
    let info = &CODES[0];
    let problems = page_problems(info, &format!("# {}: {}\n", info.code.0, info.title));
    assert_eq!(problems.len(), SECTIONS.len(), "{problems:#?}");
    let problems = page_problems(info, "# E9999: something else\n");
    assert!(problems.iter().any(|p| p.contains("the first line")));
}
