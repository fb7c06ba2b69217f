//! Limits that compose: the cap on declaration instances across nested `for` loops, and
//! the cap on diagnostics per file, seen through every output format of the binary.

use std::process::{Command, Output};
use std::time::{Duration, Instant};

fn infrac(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_infrac"))
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("the infrac binary runs")
}

/// A lab with `n` guests that each misspell `memory`: one error per line.
fn many_errors(n: usize) -> String {
    let mut lab = String::from("host pve {}\n");
    for i in 1..=n {
        lab.push_str(&format!(
            "vm v{i} {} on pve {{ cores = 1, memroy = 1GiB }}\n",
            100 + i
        ));
    }
    lab
}

#[test]
fn nested_loops_are_refused_before_they_are_expanded() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    std::fs::write(
        dir.path().join("lab.infra"),
        "host pve {}\n\nfor i in 1..4096 {\n  for j in 1..4096 {\n    vm \"w-{i}-{j}\" (100 + j) on pve { cores = 1, memory = 1GiB }\n  }\n}\n",
    )
    .expect("the lab is written");
    let started = Instant::now();
    let out = infrac(dir.path(), &["check", "lab.infra"]);
    // Expanding 16.7 million guests took minutes and gigabytes; the estimate takes nothing.
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "took {:?}",
        started.elapsed()
    );
    let text = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(text.contains("[E0317]"), "{text}");
    assert!(
        text.contains("lab.infra:3:1"),
        "located at the outer loop: {text}"
    );
}

#[test]
fn diagnostics_are_capped_per_file_in_every_format() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    std::fs::write(dir.path().join("lab.infra"), many_errors(250)).expect("the lab is written");

    let human = infrac(dir.path(), &["check", "lab.infra"]);
    let text = String::from_utf8_lossy(&human.stderr);
    assert_eq!(human.status.code(), Some(1));
    assert_eq!(text.matches("[E0207]").count(), 200, "{text}");
    assert!(text.contains("[W0001] Warning: 50 more diagnostics in this file are not shown"));

    let json = infrac(dir.path(), &["check", "--format", "json", "lab.infra"]);
    let items: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON output");
    let items = items.as_array().expect("an array");
    assert_eq!(items.len(), 201);
    assert_eq!(items[200]["code"], "W0001");

    let sarif = infrac(dir.path(), &["check", "--format", "sarif", "lab.infra"]);
    let log: serde_json::Value = serde_json::from_slice(&sarif.stdout).expect("SARIF output");
    assert_eq!(
        log["runs"][0]["results"].as_array().map(Vec::len),
        Some(201)
    );

    let github = infrac(dir.path(), &["check", "--format", "github", "lab.infra"]);
    let text = String::from_utf8_lossy(&github.stdout);
    assert_eq!(
        text.lines().filter(|l| l.starts_with("::")).count(),
        201,
        "{text}"
    );
}
