//! What a newcomer expects of a command-line tool: shell completions, a manual page, a
//! starter lab, reading from standard input, and a browsable catalogue.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn infrac_in(dir: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_infrac"))
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the infrac binary runs");
    let mut input = child.stdin.take().expect("a pipe to standard input");
    input
        .write_all(stdin.unwrap_or_default().as_bytes())
        .expect("standard input is written");
    drop(input);
    child.wait_with_output().expect("infrac finishes")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn completions_for_every_shell() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    for (shell, marker) in [
        ("bash", "complete -F _infrac"),
        ("zsh", "#compdef infrac"),
        ("fish", "complete -c infrac"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let out = infrac_in(dir.path(), &["completions", shell], None);
        let script = text(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{shell}: {}", text(&out.stderr));
        assert!(script.contains(marker), "{shell} script lacks `{marker}`");
        // Generated from the definition: every subcommand is completed.
        for sub in ["check", "build", "explain-flow", "stdlib", "init"] {
            assert!(script.contains(sub), "{shell} script lacks `{sub}`");
        }
    }
    let out = infrac_in(dir.path(), &["completions", "tcsh"], None);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn manual_page_from_the_definition() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let out = infrac_in(dir.path(), &["manpage"], None);
    let page = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0));
    assert!(page.contains(".TH infrac 1"), "{page}");
    for sub in ["check", "build", "completions", "stdlib"] {
        assert!(page.contains(sub), "the page lacks `{sub}`");
    }
}

#[test]
fn init_writes_a_lab_that_checks_clean_and_never_overwrites() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let out = infrac_in(dir.path(), &["init", "mylab"], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let lab = dir.path().join("mylab/lab.infra");
    let written = std::fs::read_to_string(&lab).expect("init wrote mylab/lab.infra");
    assert!(written.starts_with("# "), "the starter lab is commented");

    let check = infrac_in(dir.path(), &["check", "mylab/lab.infra"], None);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check.stderr));
    assert!(
        !text(&check.stderr).contains("Error"),
        "{}",
        text(&check.stderr)
    );

    std::fs::write(&lab, "# mine\n").expect("the lab is edited");
    let again = infrac_in(dir.path(), &["init", "mylab"], None);
    assert_eq!(again.status.code(), Some(2));
    assert!(text(&again.stderr).contains("already exists"));
    assert_eq!(
        std::fs::read_to_string(&lab).ok().as_deref(),
        Some("# mine\n")
    );
}

#[test]
fn a_lab_from_standard_input() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    std::fs::create_dir(dir.path().join("net")).expect("a folder");
    std::fs::write(
        dir.path().join("net/lan.infra"),
        "network lan { ipv4 = 10.0.0.0/24 }\n",
    )
    .expect("an import is written");

    // Imports resolve against the working directory.
    let ok = infrac_in(
        dir.path(),
        &["check", "-"],
        Some("import \"net/lan.infra\"\nhost pve {}\n"),
    );
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok.stderr));

    // Diagnostics name it `<stdin>`.
    let bad = infrac_in(
        dir.path(),
        &["check", "-"],
        Some("host pve { memroy = 1GiB }\n"),
    );
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        text(&bad.stderr).contains("<stdin>:1:"),
        "{}",
        text(&bad.stderr)
    );

    // And are confined to it, like a file's to its folder.
    let outside = infrac_in(
        &dir.path().join("net"),
        &["check", "-"],
        Some("import \"../secret.infra\"\nhost pve {}\n"),
    );
    assert_eq!(outside.status.code(), Some(1));
    assert!(
        text(&outside.stderr).contains("[E0211]"),
        "{}",
        text(&outside.stderr)
    );

    let twice = infrac_in(dir.path(), &["check", "-", "-"], Some("host pve {}\n"));
    assert_eq!(twice.status.code(), Some(2));

    let build = infrac_in(
        dir.path(),
        &["build", "-", "-o", "out"],
        Some("host pve {}\n"),
    );
    assert_eq!(build.status.code(), Some(0), "{}", text(&build.stderr));
    let model = std::fs::read_to_string(dir.path().join("out/model.json")).expect("built");
    assert!(model.contains("\"source\": \"<stdin>\""));
}

#[test]
fn stdlib_lists_and_searches_the_catalogue() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let all = infrac_in(dir.path(), &["stdlib"], None);
    let listing = text(&all.stdout);
    assert_eq!(all.status.code(), Some(0));
    for entry in [
        "dell.r730",
        "intel.xeon_e5_2690_v4",
        "os.debian-13",
        "grafana",
    ] {
        assert!(listing.contains(entry), "the listing lacks `{entry}`");
    }

    let search = infrac_in(dir.path(), &["stdlib", "xeon", "V4"], None);
    let found = text(&search.stdout);
    assert_eq!(search.status.code(), Some(0));
    assert!(found.contains("intel.xeon_e5_2690_v4"));
    assert!(!found.contains("xeon_e5_2690_v3"), "{found}");
    assert!(!found.contains("grafana"));

    let none = infrac_in(dir.path(), &["stdlib", "no-such-thing"], None);
    assert_eq!(none.status.code(), Some(1));
    assert!(text(&none.stdout).is_empty());
}
