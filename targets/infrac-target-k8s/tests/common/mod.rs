//! Loading labs for the tests (the ORION example and build fixtures) and running the
//! project's validators over emitted files.

#![allow(dead_code)]

use infrac_model::{Model, Target};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

struct FsLoader(PathBuf);

impl infrac_sema::Loader for FsLoader {
    fn read(&self, path: &Path) -> Result<String, String> {
        std::fs::read_to_string(self.0.join(path)).map_err(|e| e.to_string())
    }
}

/// Loads a lab file relative to the root; panics with the rendered diagnostics if it has
/// errors.
pub fn load(relative: &str) -> Model {
    let text = std::fs::read_to_string(root().join(relative))
        .unwrap_or_else(|e| panic!("cannot read {relative}: {e}"));
    let analysis = infrac_sema::analyze(relative, &text, &FsLoader(root()));
    if analysis.has_errors() {
        let rendered = infrac_diagnostics::render_human(
            &analysis.sources,
            &analysis.diagnostics,
            infrac_diagnostics::RenderOptions { color: false },
        );
        panic!("{relative} has errors:\n{rendered}");
    }
    analysis.model
}

/// The ORION example and every `tests/fixtures/build/PREFIX*.infra` for each prefix, by
/// short name.
pub fn labs(prefixes: &[&str]) -> Vec<(String, String)> {
    let mut out = vec![("orion".to_string(), "examples/orion.infra".to_string())];
    let dir = root().join("tests/fixtures/build");
    let mut fixtures: Vec<String> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| prefixes.iter().any(|p| n.starts_with(p)) && n.ends_with(".infra"))
                .collect()
        })
        .unwrap_or_default();
    fixtures.sort();
    for f in fixtures {
        let short = f.trim_end_matches(".infra").to_string();
        out.push((short, format!("tests/fixtures/build/{f}")));
    }
    out
}

/// A target's files for a lab, as `(path, contents)`; panics if the target fails.
pub fn emit(target: &dyn Target, relative: &str) -> Vec<(String, String)> {
    let model = load(relative);
    match target.emit(&model) {
        Ok(artifacts) => artifacts
            .into_iter()
            .map(|a| (a.path.to_string_lossy().replace('\\', "/"), a.contents))
            .collect(),
        Err(diagnostics) => panic!(
            "{} failed on {relative}:\n{}",
            target.name(),
            infrac_diagnostics::render_human(
                &model.sources,
                &diagnostics,
                infrac_diagnostics::RenderOptions { color: false }
            )
        ),
    }
}

/// Runs `scripts/validators/SCRIPT` over `files` and asserts that every one passes. A
/// missing validator fails the test.
pub fn validate(script: &str, files: &[PathBuf]) {
    assert!(!files.is_empty(), "nothing to validate with {script}");
    let path = root().join("scripts/validators").join(script);
    assert!(path.exists(), "validator missing: {}", path.display());
    let output = Command::new("bash")
        .arg(&path)
        .args(files)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", path.display()));
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success(),
        "{script} rejected a file:\n{report}"
    );
    assert_eq!(
        report.lines().filter(|l| l.starts_with("PASS")).count(),
        files.len(),
        "every file must pass {script}:\n{report}"
    );
}
