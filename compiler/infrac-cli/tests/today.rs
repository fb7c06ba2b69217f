//! `--today`: support dates are compared with the day given, so a check is repeatable.

use std::process::Command;

const LAB: &str = "site home {\n  domain = \"home.arpa\"\n}\n\nmachine router {\n  platform = baremetal\n  site     = home\n  os       = nixos(\"25.11\")\n}\n";

fn check(today: &str) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let lab = dir.path().join("lab.infra");
    std::fs::write(&lab, LAB).unwrap_or_else(|e| panic!("write: {e}"));
    let output = Command::new(env!("CARGO_BIN_EXE_infrac"))
        .args(["check", "--today", today])
        .arg(&lab)
        .env("NO_COLOR", "1")
        .output()
        .unwrap_or_else(|e| panic!("infrac: {e}"));
    let text = String::from_utf8_lossy(&output.stdout).to_string()
        + &String::from_utf8_lossy(&output.stderr);
    (output.status.success(), text)
}

#[test]
fn a_release_past_its_end_is_a_warning_on_that_day_only() {
    let (ok, text) = check("2026-12-01");
    assert!(ok, "a warning does not fail the check: {text}");
    assert!(
        text.contains(
            "[W0470] Warning: router runs nixos 25.11, whose support ended on 2026-06-30"
        ),
        "{text}"
    );
    let (ok, text) = check("2026-06-30");
    assert!(ok && !text.contains("W0470"), "{text}");
}

#[test]
fn a_day_that_is_not_a_date_is_refused() {
    let (ok, text) = check("2026-02-30");
    assert!(!ok);
    assert!(text.contains("not a date"), "{text}");
}
