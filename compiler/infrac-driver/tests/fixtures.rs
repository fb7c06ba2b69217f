//! Fixture tests: every `tests/fixtures/**/*.infra` file is checked and its rendered
//! diagnostics are snapshotted under `tests/snapshots/`.
//!
//! A fixture states what it expects on a header line: `# expect = "clean"` (no errors;
//! warnings allowed) or `# expect = "error"`. Adding a test is adding a file, then
//! `cargo insta review`.

use infrac_diagnostics::{render_human, RenderOptions};
use infrac_driver::FsLoader;
use std::path::Path;

fn workspace_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .and_then(Path::parent)
        .unwrap_or(Path::new("."))
}

/// The value of a `# KEY = "VALUE"` line among the first five.
fn header<'a>(source: &'a str, key: &str) -> Option<&'a str> {
    source.lines().take(5).find_map(|line| {
        let rest = line
            .trim()
            .strip_prefix('#')?
            .trim()
            .strip_prefix(key)?
            .trim()
            .strip_prefix('=')?;
        Some(rest.trim().trim_matches('"'))
    })
}

fn expectation(source: &str) -> Option<&str> {
    header(source, "expect")
}

/// `# today = "YYYY-MM-DD"`: the fixture is checked as on that day, with the release
/// checks; without it the checks that depend on the day are left out.
fn today(source: &str) -> Option<infrac_model::Date> {
    header(source, "today").map(|d| {
        infrac_model::Date::parse(d).unwrap_or_else(|| panic!("`# today = \"{d}\"` is not a date"))
    })
}

#[test]
fn fixtures() {
    let root = workspace_root();
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(root.join("tests/snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        insta::glob!("../../../tests/fixtures", "**/*.infra", |path| {
            let relative = path.strip_prefix(root).unwrap_or(path).to_string_lossy().replace('\\', "/");
            let source = std::fs::read_to_string(path).unwrap_or_default();
            let analysis = infrac_driver::check_with_on(&relative, &source, &FsLoader::new(root), today(&source), infrac_driver::Spread::Here);
            let rendered = render_human(&analysis.sources, &analysis.diagnostics, RenderOptions { color: false });
            match expectation(&source) {
                Some("clean") => assert!(!analysis.has_errors(), "{relative} expected clean:\n{rendered}"),
                Some("error") => assert!(analysis.has_errors(), "{relative} expected errors, got none"),
                other => panic!("{relative}: header `# expect = \"clean\"` or `# expect = \"error\"` required, found {other:?}"),
            }
            let snapshot = format!("{source}\n──── diagnostics ────\n{}", if rendered.is_empty() { "(none)\n".to_string() } else { rendered });
            insta::assert_snapshot!(snapshot);
        });
    });
}

#[test]
fn orion_example_checks_clean() {
    let root = workspace_root();
    let source = std::fs::read_to_string(root.join("examples/orion.infra")).unwrap_or_default();
    let analysis = infrac_driver::check_with("examples/orion.infra", &source, &FsLoader::new(root));
    let rendered = render_human(
        &analysis.sources,
        &analysis.diagnostics,
        RenderOptions { color: false },
    );
    assert!(
        analysis.diagnostics.is_empty(),
        "examples/orion.infra must check clean:\n{rendered}"
    );
    assert_eq!(
        analysis.model.guests().count(),
        18,
        "8 VMs and 10 containers"
    );
    assert!(analysis.model.routers.iter().any(|r| r.peers.len() == 3));
}
