//! Every lab in `examples/` through the whole pipeline with every target at once: it
//! checks clean, every generated file passes its real validator (`scripts/validators/
//! all.sh`, which fails on a missing tool), and every generated file that names another
//! generated file (a NixOS configuration reading a BIRD configuration or a ruleset) finds
//! it in the same build. One build seen as a whole catches what per-target tests cannot:
//! two targets disagreeing about a path.

use infrac_driver::{build_artifacts, check_with, write_output, Artifact, FsLoader};
use infrac_testkit::{examples, root};
use std::path::{Component, Path, PathBuf};
use std::process::Command;

fn build(relative: &str) -> Vec<Artifact> {
    let source = std::fs::read_to_string(root().join(relative)).expect("example source");
    let analysis = check_with(relative, &source, &FsLoader::new(root()));
    let rendered = infrac_diagnostics::render_human(
        &analysis.sources,
        &analysis.diagnostics,
        infrac_diagnostics::RenderOptions { color: false },
    );
    assert!(
        analysis.diagnostics.is_empty(),
        "{relative} must check clean, without warnings:\n{rendered}"
    );
    build_artifacts(&analysis, &[]).unwrap_or_else(|d| panic!("{relative}: targets failed: {d:?}"))
}

/// `base/relative` with `..` resolved lexically, as a path inside the build; `None` for
/// a path that leaves the build (the machine's own files, such as
/// `/etc/nixos/hardware-configuration.nix`).
fn resolve(base: &Path, relative: &str) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for component in base.join(relative).components() {
        match component {
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    Some(out)
}

/// Paths to other generated files that an artifact refers to: Nix path literals that
/// climb out of the machine's folder (`../../bird/router/bird.conf`).
fn references(artifact: &Artifact) -> Vec<String> {
    if artifact.path.extension().is_none_or(|e| e != "nix") {
        return Vec::new();
    }
    artifact
        .contents
        .split(|c: char| c.is_whitespace() || matches!(c, ';' | '(' | ')' | '[' | ']'))
        // `${../../k3s/…}` interpolates a file of the build into a string.
        .map(|word| {
            word.trim_start_matches('"')
                .trim_start_matches("${")
                .trim_end_matches('"')
                .trim_end_matches('}')
        })
        .filter(|word| word.starts_with("../"))
        .map(str::to_string)
        .collect()
}

#[test]
fn every_example_builds_and_every_file_passes_its_validator() {
    let labs = examples();
    assert!(labs.len() >= 4, "the examples are missing: {labs:?}");
    for lab in labs {
        let artifacts = build(&lab);
        let paths: Vec<&Path> = artifacts.iter().map(|a| a.path.as_path()).collect();
        for artifact in &artifacts {
            let folder = artifact.path.parent().unwrap_or(Path::new(""));
            for reference in references(artifact) {
                let Some(target) = resolve(folder, &reference) else {
                    continue;
                };
                assert!(
                    paths.contains(&target.as_path()),
                    "{lab}: {} refers to {reference} ({}), which the build does not contain",
                    artifact.path.display(),
                    target.display()
                );
            }
        }
        let scratch = tempfile::tempdir().expect("scratch folder");
        let out = scratch.path().join("out");
        write_output(&out, &artifacts).expect("write the build");
        let report = Command::new("bash")
            .arg(root().join("scripts/validators/all.sh"))
            .arg(&out)
            .output()
            .expect("run all.sh");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&report.stdout),
            String::from_utf8_lossy(&report.stderr)
        );
        assert!(
            report.status.success(),
            "{lab}: a generated file failed its validator:\n{text}"
        );
    }
}
