//! Helpers every target's tests share: the workspace root, loading a lab the way the
//! CLI does, the build fixtures, emitting a target, and running the project's validators.
//!
//! Test-only: no shipped crate depends on it.

use infrac_driver::{Analysis, FsLoader};
use infrac_model::{Artifact, Model, Target};
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

fn render(analysis: &Analysis) -> String {
    infrac_diagnostics::render_human(
        &analysis.sources,
        &analysis.diagnostics,
        infrac_diagnostics::RenderOptions { color: false },
    )
}

/// Checks `source`, named `name` (relative to the root), as `infrac check` does, without
/// insisting on anything.
pub fn analyse_source(name: &str, source: &str) -> Analysis {
    infrac_driver::check_with(name, source, &FsLoader::new(root()))
}

/// Checks the lab at `relative` and insists it has no errors.
pub fn analyse(relative: &str) -> Analysis {
    let text = std::fs::read_to_string(root().join(relative))
        .unwrap_or_else(|e| panic!("cannot read {relative}: {e}"));
    clean(analyse_source(relative, &text), relative)
}

/// Panics with the rendered diagnostics if `analysis` has errors.
pub fn clean(analysis: Analysis, name: &str) -> Analysis {
    assert!(
        !analysis.has_errors(),
        "{name} does not check clean:\n{}",
        render(&analysis)
    );
    analysis
}

/// The checked model of `text`, named `name`; panics if it has errors.
pub fn model_of(name: &str, text: &str) -> Model {
    clean(analyse_source(name, text), name).model
}

/// The checked model of the lab at `relative`; panics if it has errors.
pub fn load(relative: &str) -> Model {
    analyse(relative).model
}

/// Every lab in `examples/`, as paths relative to the root, sorted.
pub fn examples() -> Vec<String> {
    infra_files("examples")
}

/// Every `.infra` file directly in `folder` (relative to the root), as paths relative to
/// the root, sorted.
pub fn infra_files(folder: &str) -> Vec<String> {
    let mut labs: Vec<String> = std::fs::read_dir(root().join(folder))
        .unwrap_or_else(|e| panic!("cannot read {folder}: {e}"))
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".infra"))
        .map(|n| format!("{folder}/{n}"))
        .collect();
    labs.sort();
    labs
}

/// The ORION example and every `tests/fixtures/build/PREFIX*.infra` for each prefix, as
/// `(short name, path relative to the root)`, in a stable order.
pub fn labs(prefixes: &[&str]) -> Vec<(String, String)> {
    let mut out = vec![("orion".to_string(), "examples/orion.infra".to_string())];
    let mut fixtures: Vec<String> = std::fs::read_dir(root().join("tests/fixtures/build"))
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| prefixes.iter().any(|p| n.starts_with(p)) && n.ends_with(".infra"))
                .collect()
        })
        .unwrap_or_default();
    fixtures.sort();
    out.extend(fixtures.into_iter().map(|f| {
        (
            f.trim_end_matches(".infra").to_string(),
            format!("tests/fixtures/build/{f}"),
        )
    }));
    out
}

/// A target's files for `model`; panics with the rendered diagnostics if it fails.
pub fn emit(target: &dyn Target, model: &Model) -> Vec<Artifact> {
    target.emit(model).unwrap_or_else(|diagnostics| {
        panic!(
            "the {} target failed:\n{}",
            target.name(),
            infrac_diagnostics::render_human(
                &model.sources,
                &diagnostics,
                infrac_diagnostics::RenderOptions { color: false }
            )
        )
    })
}

/// The contents of the artifact at `path`.
pub fn file<'a>(artifacts: &'a [Artifact], path: &str) -> &'a str {
    artifacts
        .iter()
        .find(|a| a.path == Path::new(path))
        .map(|a| a.contents.as_str())
        .unwrap_or_else(|| panic!("no artifact {path}"))
}

/// Writes artifacts under `dir` and returns the paths written.
pub fn write_all(dir: &Path, artifacts: &[Artifact]) -> Vec<PathBuf> {
    artifacts
        .iter()
        .map(|a| {
            let path = dir.join(&a.path);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)
                    .unwrap_or_else(|e| panic!("mkdir {}: {e}", parent.display()));
            }
            std::fs::write(&path, &a.contents)
                .unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
            path
        })
        .collect()
}

/// Runs `scripts/validators/SCRIPT` on `files` and fails the test with the validator's
/// report unless every file passed. A missing validator fails too; nothing is skipped.
pub fn validate(script: &str, files: &[PathBuf]) {
    assert!(!files.is_empty(), "nothing to validate with {script}");
    let path = root().join("scripts/validators").join(script);
    assert!(path.is_file(), "validator missing: {}", path.display());
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
    let passed = report.lines().filter(|l| l.starts_with("PASS")).count();
    assert_eq!(
        passed,
        files.len(),
        "every file must pass {script}:\n{report}"
    );
}

/// A target's files for the lab at `relative`, as `(path, contents)` with `/`-separated
/// paths, or its diagnostics rendered as text when the target refuses the lab.
pub fn lab_files(target: &dyn Target, relative: &str) -> Result<Vec<(String, String)>, String> {
    let model = load(relative);
    match target.emit(&model) {
        Ok(artifacts) => Ok(artifacts
            .into_iter()
            .map(|a| (a.path.to_string_lossy().replace('\\', "/"), a.contents))
            .collect()),
        Err(diagnostics) => Err(infrac_diagnostics::render_human(
            &model.sources,
            &diagnostics,
            infrac_diagnostics::RenderOptions { color: false },
        )),
    }
}

/// What a target's snapshot test records for ORION and the fixtures with `prefixes`:
/// `(LAB@PATH, contents)` for every file (`/` in the path becomes `__`), or
/// `(LAB@errors, rendered diagnostics)` when the target refuses a lab. The caller asserts
/// each with `insta::assert_snapshot!`, so snapshots stay beside the calling crate.
pub fn snapshot_entries(target: &dyn Target, prefixes: &[&str]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (name, relative) in labs(prefixes) {
        match lab_files(target, &relative) {
            Ok(files) => {
                out.extend(files.into_iter().map(|(path, contents)| {
                    (format!("{name}@{}", path.replace('/', "__")), contents)
                }))
            }
            Err(rendered) => out.push((format!("{name}@errors"), rendered)),
        }
    }
    out
}

/// Asserts that every artifact names `source` as generated within its first `lines` lines.
pub fn assert_generated_headers(artifacts: &[Artifact], source: &str, lines: usize) {
    let expected = format!("Generated by infrac from {source}. Do not edit");
    for artifact in artifacts {
        let head = artifact
            .contents
            .lines()
            .take(lines)
            .collect::<Vec<_>>()
            .join("\n");
        assert!(
            head.contains(&expected),
            "{}:\n{head}",
            artifact.path.display()
        );
    }
}

/// Every file below `dir` with its permission bits and bytes, by `/`-separated relative
/// path: what "the folder is exactly as it was" compares.
pub fn tree(dir: &Path) -> std::collections::BTreeMap<String, (u32, Vec<u8>)> {
    use std::os::unix::fs::PermissionsExt;
    let mut out = std::collections::BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        let entries =
            std::fs::read_dir(&folder).unwrap_or_else(|e| panic!("read {}: {e}", folder.display()));
        for entry in entries {
            let path = entry.unwrap_or_else(|e| panic!("entry: {e}")).path();
            let meta = std::fs::symlink_metadata(&path)
                .unwrap_or_else(|e| panic!("metadata {}: {e}", path.display()));
            if meta.is_dir() {
                pending.push(path);
                continue;
            }
            let relative = path
                .strip_prefix(dir)
                .map_or_else(|_| path.clone(), Path::to_path_buf)
                .to_string_lossy()
                .replace('\\', "/");
            let bytes =
                std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
            out.insert(relative, (meta.permissions().mode() & 0o777, bytes));
        }
    }
    out
}
