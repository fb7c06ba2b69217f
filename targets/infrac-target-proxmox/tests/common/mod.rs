//! Helpers the Proxmox target's tests share: loading a lab the way the CLI does, and
//! emitting its `proxmox/` files.

#![allow(dead_code)]

use infrac_driver::{Analysis, FsLoader};
use infrac_model::{Artifact, Target};
use infrac_target_proxmox::ProxmoxTarget;
use std::path::{Path, PathBuf};

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap_or_else(|e| panic!("workspace root: {e}"))
}

/// Checks the lab at `relative` (to the workspace root) and insists it is clean.
pub fn analyse(relative: &str) -> Analysis {
    let root = root();
    let source = std::fs::read_to_string(root.join(relative))
        .unwrap_or_else(|e| panic!("cannot read {relative}: {e}"));
    analyse_source(relative, &source)
}

/// Checks `source`, named `name`, and insists it has no errors.
pub fn analyse_source(name: &str, source: &str) -> Analysis {
    let analysis = infrac_driver::check_with(name, source, &FsLoader::new(root()));
    let errors: Vec<String> = analysis
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| format!("{}: {}", d.code, d.message))
        .collect();
    assert!(
        errors.is_empty(),
        "{name} does not check clean: {errors:#?}"
    );
    analysis
}

/// The Proxmox target's files for a checked lab.
pub fn emit(analysis: &Analysis) -> Vec<Artifact> {
    ProxmoxTarget
        .emit(&analysis.model)
        .unwrap_or_else(|d| panic!("the proxmox target failed: {d:#?}"))
}

/// The artifact at `path`.
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
                std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("mkdir: {e}"));
            }
            std::fs::write(&path, &a.contents).unwrap_or_else(|e| panic!("write: {e}"));
            path
        })
        .collect()
}

/// Runs a project validator (`scripts/validators/NAME`) on `files` and fails the test
/// with its report unless every file passed. A missing validator fails too.
pub fn validate(validator: &str, files: &[PathBuf]) {
    assert!(!files.is_empty(), "nothing to validate");
    let script = root().join("scripts/validators").join(validator);
    assert!(
        script.is_file(),
        "validator {} is missing",
        script.display()
    );
    let output = std::process::Command::new("bash")
        .arg(&script)
        .args(files)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{validator} failed:\n{report}");
    let passed = report.lines().filter(|l| l.starts_with("PASS ")).count();
    assert_eq!(
        passed,
        files.len(),
        "{validator} did not pass every file:\n{report}"
    );
}
