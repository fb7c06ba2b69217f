//! `infrac fmt` through the binary: in place, `--check`, standard input, and refusal of
//! files with syntax errors.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn infrac(args: &[&str], stdin: Option<&str>) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_infrac"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the infrac binary runs");
    if let Some(mut input) = child.stdin.take() {
        input
            .write_all(stdin.unwrap_or_default().as_bytes())
            .expect("stdin is writable");
    }
    let out = child.wait_with_output().expect("infrac finishes");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

const MESSY: &str = "site s {\n    domain=\"s.home.arpa\" # the domain\n\n\n  asn = 64512\n}\n";
const TIDY: &str = "site s {\n  domain = \"s.home.arpa\"  # the domain\n\n  asn = 64512\n}\n";
const BROKEN: &str = "site s {\n  dns = [1.1.1.1\n}\n";

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("temp file is writable");
    path.to_string_lossy().into_owned()
}

#[test]
fn rewrites_files_in_place_and_leaves_no_temporary_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let messy = write(dir.path(), "messy.infra", MESSY);
    let tidy = write(dir.path(), "tidy.infra", TIDY);
    let run = infrac(&["fmt", &messy, &tidy], None);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(std::fs::read_to_string(&messy).ok().as_deref(), Some(TIDY));
    assert_eq!(std::fs::read_to_string(&tidy).ok().as_deref(), Some(TIDY));
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .expect("dir is readable")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn check_lists_files_that_would_change_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let messy = write(dir.path(), "messy.infra", MESSY);
    let tidy = write(dir.path(), "tidy.infra", TIDY);
    let run = infrac(&["fmt", "--check", &messy, &tidy], None);
    assert_eq!(run.code, 1);
    assert_eq!(run.stdout, format!("{messy}\n"));
    assert_eq!(std::fs::read_to_string(&messy).ok().as_deref(), Some(MESSY));
    let clean = infrac(&["fmt", "--check", &tidy], None);
    assert_eq!((clean.code, clean.stdout.as_str()), (0, ""));
}

#[test]
fn stdin_goes_to_stdout() {
    let run = infrac(&["fmt", "-"], Some(MESSY));
    assert_eq!((run.code, run.stdout.as_str()), (0, TIDY), "{}", run.stderr);
    let check = infrac(&["fmt", "--check", "-"], Some(MESSY));
    assert_eq!((check.code, check.stdout.as_str()), (1, "<stdin>\n"));
}

/// A byte order mark is not part of the text: a tidy file that starts with one is tidy,
/// and formatted text is written without it.
#[test]
fn a_byte_order_mark_is_not_formatting() {
    let marked_tidy = format!("\u{feff}{TIDY}");
    let check = infrac(&["fmt", "--check", "-"], Some(&marked_tidy));
    assert_eq!(
        (check.code, check.stdout.as_str()),
        (0, ""),
        "{}",
        check.stderr
    );
    // The mark is the file's encoding, not its layout: it is kept where it was.
    let run = infrac(&["fmt", "-"], Some(&format!("\u{feff}{MESSY}")));
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (0, marked_tidy.as_str()),
        "{}",
        run.stderr
    );
    let dir = tempfile::tempdir().expect("a temporary folder");
    let file = write(dir.path(), "marked.infra", &format!("\u{feff}{MESSY}"));
    let run = infrac(&["fmt", &file], None);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        std::fs::read_to_string(&file).ok(),
        Some(marked_tidy.clone())
    );
    // A syntax error on the first line is shown at the column an editor shows.
    let broken = write(
        dir.path(),
        "broken.infra",
        "\u{feff}site s { dns = [1.1.1.1 }\n",
    );
    let run = infrac(&["fmt", &broken], None);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("broken.infra:1:16 "), "{}", run.stderr);
}

#[test]
fn syntax_errors_are_reported_and_the_file_is_left_alone() {
    let dir = tempfile::tempdir().expect("temp dir");
    let broken = write(dir.path(), "broken.infra", BROKEN);
    let run = infrac(&["fmt", &broken], None);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("E01"), "{}", run.stderr);
    assert!(run.stderr.contains("not formatted"), "{}", run.stderr);
    assert_eq!(
        std::fs::read_to_string(&broken).ok().as_deref(),
        Some(BROKEN)
    );
    let piped = infrac(&["fmt", "-"], Some(BROKEN));
    assert_eq!((piped.code, piped.stdout.as_str()), (1, ""));
}

#[test]
fn a_missing_file_is_a_usage_error() {
    let run = infrac(&["fmt", "/nonexistent/lab.infra"], None);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("cannot read"), "{}", run.stderr);
}
