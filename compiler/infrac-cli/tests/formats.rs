//! Every output format of `infrac check`, snapshotted from the real binary.

use std::path::Path;
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .and_then(Path::parent)
        .unwrap_or(Path::new("."))
}

/// Runs `infrac` in the workspace root; returns (status, stdout, stderr).
fn infrac(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_infrac"))
        .args(args)
        .current_dir(root())
        .env("NO_COLOR", "1")
        .output()
        .expect("the infrac binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

const FIXTURE: &str = "tests/fixtures/check/ipam-duplicate-address.infra";
const WARNING_ONLY: &str = "tests/fixtures/check/budget-numa-span.infra";

fn snapshot(name: &str, text: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(root().join("tests/snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| insta::assert_snapshot!(name, text));
}

#[test]
fn human_format() {
    let (status, stdout, stderr) = infrac(&["check", FIXTURE]);
    assert_eq!(status, 1);
    assert!(stdout.is_empty());
    snapshot("format-human", &stderr);
}

#[test]
fn json_format_follows_the_documented_schema() {
    let (status, stdout, _) = infrac(&["check", "--format", "json", FIXTURE]);
    assert_eq!(status, 1);
    let value: serde_json::Value = serde_json::from_str(&stdout).expect("valid JSON");
    let items = value.as_array().expect("an array");
    assert_eq!(items.len(), 1);
    for key in [
        "code",
        "severity",
        "message",
        "file",
        "line",
        "column",
        "end_line",
        "end_column",
        "label",
        "labels",
        "notes",
        "help",
    ] {
        assert!(items[0].get(key).is_some(), "missing `{key}`");
    }
    snapshot("format-json", &stdout);
}

#[test]
fn sarif_format_is_sarif_2_1_0() {
    let (status, stdout, _) = infrac(&["check", "--format", "sarif", FIXTURE]);
    assert_eq!(status, 1);
    let log: serde_json::Value = serde_json::from_str(&stdout).expect("valid JSON");
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    let result = &run["results"][0];
    let index = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
    assert_eq!(
        rules[index]["id"], result["ruleId"],
        "ruleIndex points at the rule"
    );
    assert_eq!(result["level"], "error");
    assert_eq!(
        result["locations"][0]["physicalLocation"]["region"]["startLine"],
        49
    );
    assert_eq!(
        result["relatedLocations"][0]["physicalLocation"]["region"]["startLine"],
        42
    );
    // The rules table is long and stable; snapshot the results only.
    snapshot(
        "format-sarif-results",
        &serde_json::to_string_pretty(&run["results"]).unwrap_or_default(),
    );
}

#[test]
fn github_format_is_workflow_commands() {
    let (status, stdout, _) = infrac(&["check", "--format", "github", FIXTURE]);
    assert_eq!(status, 1);
    assert!(stdout.starts_with(
        "::error file=tests/fixtures/check/ipam-duplicate-address.infra,line=49,col=18,"
    ));
    assert_eq!(
        stdout.lines().count(),
        1,
        "one annotation per diagnostic; newlines are escaped"
    );
    snapshot("format-github", &stdout);
}

#[test]
fn warnings_pass_unless_denied() {
    let (status, _, stderr) = infrac(&["check", WARNING_ONLY]);
    assert_eq!(status, 0, "{stderr}");
    let (status, _, _) = infrac(&["check", "--deny-warnings", WARNING_ONLY]);
    assert_eq!(status, 1);
    let (status, stdout, _) = infrac(&["check", "--format", "github", WARNING_ONLY]);
    assert_eq!(status, 0);
    assert!(stdout.starts_with("::warning "));
}

#[test]
fn summary_table() {
    let (status, stdout, _) = infrac(&[
        "check",
        "--summary",
        "tests/fixtures/check/budget-fits-exactly.infra",
    ]);
    assert_eq!(status, 0);
    assert!(stdout.contains("100.0%"), "exactly at capacity: {stdout}");
    snapshot("format-summary", &stdout);
    let (_, over, _) = infrac(&[
        "check",
        "--summary",
        "tests/fixtures/check/budget-memory-one-byte-over.infra",
    ]);
    assert!(over.contains("OVER"), "{over}");
}

#[test]
fn summary_lists_a_shared_pool_under_every_host_that_declares_it() {
    let (_, stdout, _) = infrac(&[
        "check",
        "--summary",
        "tests/fixtures/check/budget-shared-pool.infra",
    ]);
    let pve = stdout.split("host pve2").next().unwrap_or_default();
    let pve2 = stdout.split("host pve2").nth(1).unwrap_or_default();
    assert!(pve.contains("pool nas (shared)"), "{stdout}");
    assert!(pve.contains("also on pve2"), "{stdout}");
    assert!(pve2.contains("pool nas (shared)"), "{stdout}");
    assert!(pve2.contains("also on pve:"), "{stdout}");
    snapshot("format-summary-shared-pool", &stdout);
}
