//! Hostile values from the source cannot run commands: descriptions, tags and even guest
//! names with quotes, `$(…)`, backticks and newlines reach `qm` as literal text, the
//! script still passes shellcheck, and a dry run prints them without running anything.

mod common;

use common::{analyse, analyse_source, emit, validate, write_all};
use infrac_model::Target;
use infrac_target_proxmox::ProxmoxTarget;
use std::path::Path;

/// Runs `script --dry-run` in `dir` and returns what it printed.
fn dry_run(script: &Path, dir: &Path) -> String {
    let output = std::process::Command::new("bash")
        .arg(script)
        .arg("--dry-run")
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("bash: {e}"));
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Files whose creation would prove an injection ran.
fn assert_nothing_ran(dir: &Path) {
    let entries: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("pwned"))
        .collect();
    assert!(entries.is_empty(), "injected commands ran: {entries:?}");
}

#[test]
fn a_hostile_description_stays_literal() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let artifacts = emit(&analyse(
        "tests/fixtures/build/proxmox-hostile-description.infra",
    ));
    let written = write_all(dir.path(), &artifacts);
    let script = dir.path().join("proxmox/150-victim.sh");
    validate("shell.sh", std::slice::from_ref(&script));
    let printed = dry_run(&script, dir.path());
    assert_nothing_ran(dir.path());
    assert_nothing_ran(&dir.path().join("proxmox"));
    for literal in [
        "\"; rm -rf / # $(touch pwned-subshell) `touch pwned-backtick` ${HOME}",
        "second line; touch pwned-newline",
    ] {
        assert!(
            printed.contains(literal),
            "{literal} not printed literally:\n{printed}"
        );
    }
    assert!(written.iter().any(|p| p.ends_with("proxmox/apply.sh")));
}

#[test]
fn a_hostile_tag_is_refused_and_still_stays_literal() {
    // Proxmox refuses such a tag, and so does the check (E0305); the target quotes it all
    // the same, so this emits from the analysed model whatever the diagnostics say.
    let source = r#"
        host pve {
          nic eno1 { speed = 1G }
          bridge vmbr1 { ports = [eno1] }
          storage local-lvm { kind = lvmthin, size = 1TiB }
        }
        network lan { bridge = vmbr1, ipv4 = 10.0.0.0/24, gateway = 10.0.0.1 }
        vm victim 150 on pve {
          cores  = 1
          memory = 1GiB
          disk   = 8GiB on local-lvm
          tags   = ["$(touch pwned-tag)", "`touch pwned-tick`"]
          nic lan { ip = 10.0.0.50 }
        }
    "#;
    let analysis = infrac_driver::check_source("hostile-tag.infra", source);
    let refused: Vec<&str> = analysis
        .diagnostics
        .iter()
        .filter(|d| d.code.0 == "E0305")
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(refused.len(), 2, "{:#?}", analysis.diagnostics);
    let artifacts = ProxmoxTarget
        .emit(&analysis.model)
        .unwrap_or_else(|d| panic!("{d:#?}"));
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    write_all(dir.path(), &artifacts);
    let script = dir.path().join("proxmox/150-victim.sh");
    validate("shell.sh", std::slice::from_ref(&script));
    let printed = dry_run(&script, dir.path());
    assert_nothing_ran(dir.path());
    assert_nothing_ran(&dir.path().join("proxmox"));
    assert!(
        printed.contains("$(touch pwned-tag);`touch pwned-tick`"),
        "{printed}"
    );
}

#[test]
fn a_hostile_guest_name_cannot_inject_or_escape_the_folder() {
    // Checks may reject such a name; the target must be safe even so, so this emits from
    // the analysed model whatever the diagnostics say.
    let source = r#"
        site lab { domain = "lab.home.arpa" }
        host pve {
          nic eno1 { speed = 1G }
          bridge vmbr1 { ports = [eno1] }
          storage local-lvm { kind = lvmthin, size = 1TiB }
        }
        network lan { bridge = vmbr1, ipv4 = 10.0.0.0/24, gateway = 10.0.0.1 }
        vm "x\"; touch pwned-quote; echo \"$(touch pwned-subshell)`touch pwned-tick`\n../../etc/passwd" 150 on pve {
          cores = 1
          memory = 1GiB
          disk = 8GiB on local-lvm
          nic lan { ip = 10.0.0.50 }
        }
    "#;
    let analysis = infrac_driver::check_source("hostile-name.infra", source);
    assert_eq!(
        analysis.model.guests().count(),
        1,
        "{:#?}",
        analysis.diagnostics
    );
    let artifacts = ProxmoxTarget
        .emit(&analysis.model)
        .unwrap_or_else(|d| panic!("{d:#?}"));
    for artifact in &artifacts {
        let normal = artifact
            .path
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)));
        assert!(
            normal && artifact.path.starts_with("proxmox"),
            "{}",
            artifact.path.display()
        );
    }
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let written = write_all(dir.path(), &artifacts);
    let scripts: Vec<_> = written
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "sh"))
        .collect();
    validate("shell.sh", &scripts);
    let guest = scripts
        .iter()
        .find(|p| !p.ends_with("apply.sh"))
        .unwrap_or_else(|| panic!("no guest script in {scripts:?}"));
    let printed = dry_run(guest, dir.path());
    assert_nothing_ran(dir.path());
    assert!(printed.contains("touch pwned-quote; echo"), "{printed}");
    // The name also appears in the header comment, flattened onto one line.
    let text = std::fs::read_to_string(guest).unwrap_or_default();
    let summary = text.lines().nth(1).unwrap_or_default();
    assert!(
        summary.starts_with("# proxmox/150-")
            && summary.contains(" ../../etc/passwd\" on node pve."),
        "{summary}"
    );
}

#[test]
fn a_clean_lab_with_hostile_text_checks_clean() {
    // The fixture is a real, clean lab: hostile text is legal input, not an error.
    let source = std::fs::read_to_string(
        common::root().join("tests/fixtures/build/proxmox-hostile-description.infra"),
    )
    .unwrap_or_default();
    let analysis = analyse_source("proxmox-hostile-description.infra", &source);
    assert_eq!(analysis.model.guests().count(), 1);
}
