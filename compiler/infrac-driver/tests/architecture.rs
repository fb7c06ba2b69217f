//! The crate boundaries of docs/ARCHITECTURE.md, checked against `cargo metadata`: targets
//! see only the model, syntax sees only diagnostics, core crates never reach a driver.

use serde_json::Value;
use std::process::Command;

/// `(crate, its normal (non-dev) dependencies that are workspace crates)`.
fn workspace_dependencies() -> Vec<(String, Vec<String>)> {
    let output = Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: Value = serde_json::from_slice(&output.stdout).expect("metadata is JSON");
    let packages = metadata["packages"].as_array().cloned().unwrap_or_default();
    let names: Vec<String> = packages
        .iter()
        .filter_map(|p| p["name"].as_str().map(str::to_string))
        .collect();
    packages
        .iter()
        .map(|p| {
            let deps = p["dependencies"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .iter()
                .filter(|d| d["kind"].is_null())
                .filter_map(|d| d["name"].as_str().map(str::to_string))
                .filter(|d| names.contains(d))
                .collect();
            (p["name"].as_str().unwrap_or_default().to_string(), deps)
        })
        .collect()
}

fn deps_of<'a>(all: &'a [(String, Vec<String>)], name: &str) -> &'a [String] {
    all.iter()
        .find(|(n, _)| n == name)
        .map(|(_, d)| d.as_slice())
        .unwrap_or_else(|| panic!("no crate {name}"))
}

#[test]
fn targets_depend_only_on_the_model() {
    let all = workspace_dependencies();
    let targets: Vec<&String> = all
        .iter()
        .map(|(n, _)| n)
        .filter(|n| n.starts_with("infrac-target-"))
        .collect();
    // Every target crate is a folder `targets/infrac-target-*`; all of them must be seen.
    let folders = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../../targets"))
        .expect("targets folder")
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("infrac-target-")
        })
        .count();
    assert_eq!(targets.len(), folders, "{targets:?}");
    // Format libraries (`infrac-format-*`) hold a file format that several targets write
    // byte for byte; like targets, they read only the checked model.
    let shared = ["infrac-model", "infrac-diagnostics", "infrac-templates"];
    for target in targets {
        for dep in deps_of(&all, target) {
            assert!(
                shared.contains(&dep.as_str()) || dep.starts_with("infrac-format-"),
                "{target} depends on {dep}: targets read only the checked model"
            );
        }
    }
    for (format, deps) in all.iter().filter(|(n, _)| n.starts_with("infrac-format-")) {
        for dep in deps {
            assert!(
                shared.contains(&dep.as_str()),
                "{format} depends on {dep}: format libraries read only the checked model"
            );
        }
    }
}

#[test]
fn the_front_end_stays_below_the_drivers() {
    let all = workspace_dependencies();
    assert_eq!(
        deps_of(&all, "infrac-syntax"),
        ["infrac-diagnostics"],
        "syntax depends only on diagnostics"
    );
    for core in [
        "infrac-diagnostics",
        "infrac-syntax",
        "infrac-model",
        "infrac-sema",
        "infrac-checks",
    ] {
        for dep in deps_of(&all, core) {
            assert!(
                !dep.starts_with("infrac-target-") && dep != "infrac-driver" && dep != "infrac-cli",
                "{core} depends on {dep}: core crates know nothing of targets or drivers"
            );
        }
    }
    for dep in deps_of(&all, "infrac-model") {
        assert!(dep == "infrac-diagnostics", "the model depends on {dep}");
    }
}
