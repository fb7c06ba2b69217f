//! The `infrac` binary on hostile input: it never panics, always exits 0, 1 or 2, and
//! every problem it reports carries a location (or, for unreadable input, a clear reason).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Generous ceiling for one run on a debug build of a shared, busy machine; a hang or an
/// accidentally quadratic pass shows up as minutes, not seconds.
const TIME_LIMIT: Duration = Duration::from_secs(120);

/// One run of the binary: exit code and both output streams.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn output(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

fn infrac(args: &[&str]) -> Run {
    let started = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_infrac"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("the infrac binary runs");
    let elapsed = started.elapsed();
    let run = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(
        !run.stderr.contains("panicked"),
        "infrac {args:?} panicked:\n{}",
        run.stderr
    );
    assert!(
        matches!(run.code, 0..=2),
        "infrac {args:?} exited {} (only 0, 1 and 2 are allowed):\n{}",
        run.code,
        run.output()
    );
    assert!(elapsed < TIME_LIMIT, "infrac {args:?} took {elapsed:?}");
    run
}

/// A file under the system temporary folder, removed when dropped.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str, contents: &[u8]) -> TempFile {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "infrac-robustness-{}-{}-{name}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::write(&path, contents).expect("write a temporary file");
        TempFile(path)
    }

    fn path(&self) -> &str {
        self.0.to_str().expect("temporary paths are UTF-8")
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn workspace_file(rel: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
        .to_string_lossy()
        .into_owned()
}

/// Every rendered report names its place as `[ FILE:LINE:COL ]`; counts those for `file`.
fn located_reports(output: &str, file: &TempFile) -> usize {
    output
        .lines()
        .filter(|l| l.contains(&format!("{}:", file.path())) && l.contains("─["))
        .count()
}

/// Every `[E…]`/`[W…]` header of the human format.
fn report_headers(output: &str) -> usize {
    output
        .lines()
        .filter(|l| l.starts_with("[E") || l.starts_with("[W"))
        .count()
}

#[test]
fn garbage_text_is_reported_with_locations() {
    let file = TempFile::new(
        "garbage.infra",
        "}{][)(\n\"\\ \u{1} @@ ## \n{{{{ network = = ]]\n$%^&*~`|?<>;\n".as_bytes(),
    );
    let run = infrac(&["check", file.path()]);
    assert_eq!(run.code, 1, "{}", run.output());
    let headers = report_headers(&run.output());
    assert!(headers > 0, "{}", run.output());
    assert_eq!(
        located_reports(&run.output(), &file),
        headers,
        "every report has a location:\n{}",
        run.output()
    );
}

#[test]
fn every_byte_value_as_input_is_a_clear_read_error() {
    let bytes: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
    let file = TempFile::new("bytes.infra", &bytes);
    let run = infrac(&["check", file.path()]);
    assert_eq!(run.code, 2, "{}", run.output());
    assert!(run.stderr.contains(file.path()), "{}", run.stderr);
    assert!(run.stderr.contains("not UTF-8"), "{}", run.stderr);
}

#[test]
fn a_binary_file_is_a_clear_read_error() {
    // The start of an ELF executable: a NUL-laden header, then bytes invalid in UTF-8.
    let mut binary = b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00".to_vec();
    binary.extend_from_slice(&[0xff, 0xfe, 0x00, 0xc3, 0x28, 0xa0, 0xa1]);
    let file = TempFile::new("program.infra", &binary);
    let run = infrac(&["check", file.path()]);
    assert_eq!(run.code, 2, "{}", run.output());
    assert!(
        run.stderr.contains("not UTF-8") && run.stderr.contains("offset"),
        "the message says what is wrong and where: {}",
        run.stderr
    );
    assert!(run.stdout.is_empty(), "{}", run.stdout);
}

/// A UTF-8 byte order mark, which some Windows editors write first, is not part of the
/// text: a marked lab is checked as the same lab unmarked, with the same columns on its
/// first line, and a bad byte's offset is the file's own.
#[test]
fn a_byte_order_mark_is_not_part_of_the_text() {
    let lab = "vm a 1 on nowhere {}\n";
    let plain = TempFile::new("plain.infra", lab.as_bytes());
    let marked = TempFile::new("marked.infra", format!("\u{feff}{lab}").as_bytes());
    let json = |file: &TempFile| {
        let run = infrac(&["check", "--format", "json", file.path()]);
        assert_eq!(run.code, 1, "{}", run.output());
        run.stdout.replace(file.path(), "LAB")
    };
    let expected = json(&plain);
    assert!(expected.contains("\"column\": 6"), "{expected}");
    assert_eq!(json(&marked), expected);

    let clean = TempFile::new(
        "clean.infra",
        "\u{feff}site home { domain = \"lab\" }\n".as_bytes(),
    );
    let run = infrac(&["check", clean.path()]);
    assert_eq!(run.code, 0, "{}", run.output());

    let bad = TempFile::new("bad.infra", b"\xef\xbb\xbf\xff");
    let run = infrac(&["check", bad.path()]);
    assert_eq!(run.code, 2, "{}", run.output());
    assert!(run.stderr.contains("offset 3"), "{}", run.stderr);
}

#[test]
fn an_empty_file_is_clean() {
    let file = TempFile::new("empty.infra", b"");
    let run = infrac(&["check", file.path()]);
    assert_eq!(run.code, 0, "{}", run.output());
    assert_eq!(report_headers(&run.output()), 0, "{}", run.output());
}

#[test]
fn a_ten_megabyte_file_of_valid_declarations_checks_clean() {
    let mut text = String::from("site lab { domain = \"lab.home.arpa\" }\n");
    let mut i = 0u32;
    while text.len() < 10 * 1024 * 1024 {
        text.push_str(&format!(
            "## Segment {i}.\nnetwork net-{i:06} {{ description = \"generated segment {i:06} for the size test\" }}\n"
        ));
        i += 1;
    }
    let file = TempFile::new("large.infra", text.as_bytes());
    let run = infrac(&["check", file.path()]);
    assert_eq!(
        run.code,
        0,
        "{}",
        &run.output()[..run.output().len().min(4000)]
    );
    assert_eq!(report_headers(&run.output()), 0);
}

#[test]
fn a_hundred_thousand_open_brackets_are_reported_not_recursed() {
    let text = format!("site lab {{ dns = {} }}\n", "[".repeat(100_000));
    let file = TempFile::new("deep.infra", text.as_bytes());
    let run = infrac(&["check", file.path()]);
    assert_eq!(
        run.code,
        1,
        "{}",
        &run.output()[..run.output().len().min(4000)]
    );
    assert!(
        run.output().contains("[E0106]"),
        "nesting too deep is reported"
    );
    assert_eq!(
        located_reports(&run.output(), &file),
        report_headers(&run.output())
    );
}

#[test]
fn ten_thousand_errors_are_capped_with_a_count() {
    let text: String = (0..10_000)
        .map(|i| format!("network n{i} {{ ipv4 = 300.0.0.{}/24 }}\n", i % 256))
        .collect();
    let file = TempFile::new("errors.infra", text.as_bytes());
    let run = infrac(&["check", file.path()]);
    assert_eq!(run.code, 1);
    let output = run.output();
    // The first 200 are reported with their locations, then one note counts the rest.
    assert_eq!(output.matches("[E0103]").count(), 200);
    assert!(output.contains("[W0001] Warning: 9800 more diagnostics in this file are not shown"));
    assert_eq!(located_reports(&output, &file), 201);
    assert!(
        output.contains("200 errors, 1 warning"),
        "the summary counts what was shown: {}",
        output.lines().last().unwrap_or_default()
    );
}

#[test]
fn check_exit_codes() {
    let clean = infrac(&["check", &workspace_file("examples/orion.infra")]);
    assert_eq!(clean.code, 0, "{}", clean.output());

    let broken = TempFile::new("broken.infra", b"network lan { ipv4 = 10.0.0.1/24 }\n");
    let errors = infrac(&["check", broken.path()]);
    assert_eq!(errors.code, 1, "{}", errors.output());
    assert!(errors.output().contains("[E0308]"), "{}", errors.output());

    let missing = std::env::temp_dir().join("infrac-robustness-no-such-file.infra");
    let run = infrac(&["check", missing.to_str().unwrap_or_default()]);
    assert_eq!(run.code, 2, "{}", run.output());
    assert!(run.stderr.contains("no such file"), "{}", run.stderr);

    let usage = infrac(&["check"]);
    assert_eq!(usage.code, 2, "a missing argument is a usage error");
}

#[test]
fn json_output_parses_and_locates_every_diagnostic() {
    let file = TempFile::new(
        "json.infra",
        b"network lan {\n  ipv4 = 10.0.0.1/24\n  gatway = 10.0.0.1\n}\nvm web on pve {}\n",
    );
    let run = infrac(&["check", "--format", "json", file.path()]);
    assert_eq!(run.code, 1, "{}", run.output());
    let value: serde_json::Value =
        serde_json::from_str(&run.stdout).expect("--format json prints valid JSON");
    let items = value.as_array().expect("a JSON array of diagnostics");
    assert!(items.len() >= 3, "{value:#}");
    for item in items {
        let text = item.to_string();
        assert!(text.contains("\"code\""), "{text}");
        assert!(
            text.contains("json.infra"),
            "each diagnostic names its file: {text}"
        );
        assert!(
            text.contains("\"line\""),
            "each diagnostic has a line: {text}"
        );
    }

    let clean = infrac(&[
        "check",
        "--format",
        "json",
        &workspace_file("examples/orion.infra"),
    ]);
    assert_eq!(clean.code, 0);
    let value: serde_json::Value = serde_json::from_str(&clean.stdout).expect("valid JSON");
    assert!(value.is_array(), "{value}");
}

#[test]
fn explain_prints_known_codes_and_rejects_unknown_ones() {
    let known = infrac(&["explain", "E0201"]);
    assert_eq!(known.code, 0, "{}", known.output());
    assert!(
        known.stdout.len() > 200,
        "a long explanation: {}",
        known.stdout
    );

    let unknown = infrac(&["explain", "E9999"]);
    assert_eq!(unknown.code, 2, "{}", unknown.output());
    assert!(unknown.stderr.contains("E9999"), "{}", unknown.stderr);

    let list = infrac(&["explain", "--list"]);
    assert_eq!(list.code, 0);
    for code in ["E0101", "E0105", "E0311", "W0101", "W0202"] {
        assert!(list.stdout.contains(code), "{code} is listed");
    }
}

#[test]
fn help_and_version() {
    let help = infrac(&["--help"]);
    assert_eq!(help.code, 0, "{}", help.output());
    for word in ["check", "build", "explain", "EXIT STATUS"] {
        assert!(
            help.stdout.contains(word),
            "--help mentions {word}:\n{}",
            help.stdout
        );
    }
    let version = infrac(&["--version"]);
    assert_eq!(version.code, 0);
    assert!(
        version
            .stdout
            .starts_with(&format!("infrac {}", env!("CARGO_PKG_VERSION"))),
        "{}",
        version.stdout
    );
    let nonsense = infrac(&["frobnicate"]);
    assert_eq!(nonsense.code, 2, "an unknown subcommand is a usage error");
}

#[cfg(target_os = "linux")]
#[test]
fn imports_never_print_the_environment_or_other_files() {
    let lab = tempfile::tempdir().expect("tempdir");
    std::os::unix::fs::symlink("/proc/self/environ", lab.path().join("env.infra"))
        .expect("symlink");
    std::fs::write(lab.path().join("creds.inc"), "API_TOKEN=hunter2-marker\n").expect("write");
    let file = lab.path().join("lab.infra");
    std::fs::write(
        &file,
        "import \"/proc/self/environ\"\nimport \"./env.infra\"\nimport \"./creds.inc\"\n\
         import \"/dev/stdin\"\nimport \"../../../../../../../../etc/passwd\"\n",
    )
    .expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_infrac"))
        .args(["check", file.to_str().expect("UTF-8"), "--format", "json"])
        .env("NO_COLOR", "1")
        .env("INFRAC_CI_SECRET", "do-not-print-this-marker")
        .output()
        .expect("the infrac binary runs");
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(1), "{all}");
    for leaked in ["do-not-print-this-marker", "hunter2-marker", "root:"] {
        assert!(
            !all.contains(leaked),
            "`{leaked}` reached the output:\n{all}"
        );
    }
    let human = infrac(&["check", file.to_str().expect("UTF-8")]);
    assert!(
        !human.output().contains("hunter2-marker"),
        "{}",
        human.output()
    );
    assert_eq!(
        human.output().matches("[E0211]").count(),
        4,
        "{}",
        human.output()
    );
    assert_eq!(
        human.output().matches("[E0213]").count(),
        1,
        "{}",
        human.output()
    );
}

#[test]
fn eleven_thousand_terms_are_reported_not_a_stack_overflow() {
    let chain = vec!["1"; 11_000].join(" + ");
    // Lists add a level each, a chain one per operator: 60 + 99 levels in all.
    let nested = format!(
        "{}{}{}",
        "[".repeat(60),
        vec!["1"; 100].join(" + "),
        "]".repeat(60)
    );
    for value in [chain, nested] {
        let file = TempFile::new(
            "deep.infra",
            format!("site s {{ asn = {value} }}\n").as_bytes(),
        );
        let run = infrac(&["check", file.path()]);
        assert_eq!(run.code, 1, "{}", run.output());
        assert_eq!(
            run.output().matches("[E0107]").count(),
            1,
            "{}",
            run.output()
        );
    }
}

#[test]
fn a_reader_that_stops_early_ends_the_run_quietly() {
    use std::io::Read;
    // Eight labs of 200 reported errors each: about 600 KB of JSON, more than a pipe
    // holds, so the run is still writing when the reader goes.
    let text: String = (0..10_000)
        .map(|i| format!("network n{i} {{ ipv4 = 300.0.0.{}/24 }}\n", i % 256))
        .collect();
    let files: Vec<TempFile> = (0..8)
        .map(|i| TempFile::new(&format!("closed-stdout-{i}.infra"), text.as_bytes()))
        .collect();
    let mut child = Command::new(env!("CARGO_BIN_EXE_infrac"))
        .args(["check", "--format", "json"])
        .args(files.iter().map(TempFile::path))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the infrac binary runs");
    let mut first = [0u8; 64];
    let mut stdout = child.stdout.take().expect("stdout is piped");
    stdout.read_exact(&mut first).expect("some output comes");
    drop(stdout);
    let out = child.wait_with_output().expect("the run ends");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        stderr.is_empty(),
        "nothing is said about the closed pipe: {stderr}"
    );
    assert_eq!(out.status.code(), Some(2));
}
