//! Latency figures, not timed tests: keystroke to published diagnostics and hover, in
//! ORION and in a synthetic 5,000-guest lab open at the same time. Run with
//! `cargo test --release -p infrac-lsp --test latency -- --ignored --nocapture`.

// The server runs inside this test binary: give it the allocator `infrac lsp` runs
// with, so the figures are the editor's.
#[global_allocator]
static ALLOCATOR: infrac_alloc::Mimalloc = infrac_alloc::Mimalloc;

mod common;

use common::Client;
use lsp_types::request::{HoverRequest, Request as _};
use lsp_types::{Position, Range, TextDocumentContentChangeEvent};
use std::path::Path;
use std::time::{Duration, Instant};

fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    let i = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples[i]
}

/// Types `keys` characters at the end of `path`, one change at a time, waiting for the
/// publication of each version; returns each keystroke's latency.
fn type_keys(client: &Client, path: &Path, text: &str, keys: i32) -> Vec<Duration> {
    let last_line = text.lines().count() as u32;
    let first = 2 + client_version_offset(path);
    edit_keys(client, path, keys, first, |i| {
        let at = Position::new(last_line, i as u32);
        (Range::new(at, at), if i == 0 { "#" } else { "x" })
    })
}

/// Sends `keys` edits, the first with version `first_version`, waiting for the
/// publication of each; `edit` gives each keystroke's range and text.
fn edit_keys(
    client: &Client,
    path: &Path,
    keys: i32,
    first_version: i32,
    edit: impl Fn(i32) -> (Range, &'static str),
) -> Vec<Duration> {
    let mut out = Vec::new();
    for i in 0..keys {
        let version = first_version + i;
        let (range, text) = edit(i);
        let started = Instant::now();
        client.change(
            path,
            version,
            vec![TextDocumentContentChangeEvent {
                range: Some(range),
                range_length: None,
                text: text.into(),
            }],
        );
        client.publications_until(path, |p| p.version == Some(version));
        out.push(started.elapsed());
    }
    out
}

fn client_version_offset(path: &Path) -> i32 {
    // Each file is typed in once per run; distinct offsets keep versions increasing.
    if path.ends_with("orion.infra") {
        0
    } else {
        1000
    }
}

fn hover_times(client: &mut Client, path: &Path, position: Position, n: usize) -> Vec<Duration> {
    (0..n)
        .map(|_| {
            let started = Instant::now();
            let id = client.request(
                HoverRequest::METHOD,
                lsp_types::TextDocumentPositionParams::new(
                    lsp_types::TextDocumentIdentifier::new(common::uri(path)),
                    position,
                ),
            );
            client.response(&id);
            started.elapsed()
        })
        .collect()
}

fn report(what: &str, mut samples: Vec<Duration>) {
    eprintln!(
        "{what}: p50 {:?}, p95 {:?}, max {:?} ({} samples)",
        percentile(&mut samples, 0.5),
        percentile(&mut samples, 0.95),
        percentile(&mut samples, 1.0),
        samples.len()
    );
}

#[test]
#[ignore = "a measurement; run with --ignored --release"]
fn keystroke_and_hover_latency() {
    // As `infrac lsp` keeps it.
    infrac_alloc::keep_freed_memory_between_keystrokes();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let orion = root.join("orion.infra");
    let orion_text = std::fs::read_to_string(&orion).unwrap_or_default();
    let big = std::env::temp_dir()
        .join(format!("infrac-lsp-latency-{}", std::process::id()))
        .join("big.infra");
    let big_text = infrac_bench::generate(infrac_bench::LabSize::standard(5_000));
    let mut client = Client::start();
    client.open(&orion, &orion_text);
    client.next_publication(&orion);
    let started = Instant::now();
    client.open(&big, &big_text);
    client.publications_until(&big, |_| true);
    eprintln!(
        "first check of the 5,000-guest lab: {:?}",
        started.elapsed()
    );

    report(
        "keystroke in ORION to published diagnostics (5,000-guest lab open)",
        type_keys(&client, &orion, &orion_text, 40),
    );
    report(
        "keystroke in the 5,000-guest lab to published diagnostics",
        // Forty, so the 95th percentile is not simply the slowest keystroke.
        type_keys(&client, &big, &big_text, 40),
    );
    // A digit typed after a guest's core count and deleted again, forty times: every
    // declaration after it moves, and the guest is checked again each time.
    let cores = middle_cores(&big_text);
    let after = Position::new(cores.line, cores.character + 1);
    report(
        "keystroke in a guest's value in the middle of the 5,000-guest lab",
        edit_keys(&client, &big, 40, 3000, |i| {
            if i % 2 == 0 {
                (Range::new(cores, cores), "1")
            } else {
                (Range::new(cores, after), "")
            }
        }),
    );
    // A new guest typed at the end of the lab, one character at a time: until its block
    // is closed, most keystrokes leave a syntax error.
    const NEW_GUEST: &str = "\nvm typed 99999 on pve0 {\n  cores = 2\n}\n";
    // After the comment of forty characters typed above, on the lab's last line.
    let end = Position::new(big_text.lines().count() as u32, 40);
    let typed = std::cell::Cell::new(end);
    report(
        "keystroke typing a new guest at the end of the 5,000-guest lab",
        edit_keys(&client, &big, NEW_GUEST.len() as i32, 4000, |i| {
            let at = typed.get();
            let key = &NEW_GUEST[i as usize..i as usize + 1];
            typed.set(if key == "\n" {
                Position::new(at.line + 1, 0)
            } else {
                Position::new(at.line, at.character + 1)
            });
            (Range::new(at, at), key)
        }),
    );
    report(
        "hover in ORION",
        hover_times(&mut client, &orion, Position::new(20, 10), 40),
    );
    report(
        "hover in the 5,000-guest lab",
        hover_times(&mut client, &big, on_a_host(&big_text), 40),
    );
    client.shutdown();
}

/// Just after the `cores = N` of the guest in the middle of the lab.
fn middle_cores(text: &str) -> Position {
    let lines: Vec<&str> = text.lines().collect();
    let line = (lines.len() / 2..lines.len())
        .find(|&i| lines[i].trim_start().starts_with("cores"))
        .unwrap_or(0);
    Position::new(line as u32, lines.get(line).map_or(0, |l| l.len()) as u32)
}

/// On the host name of a guest's `on pve7`: the hover with the most facts (budgets, pools).
fn on_a_host(text: &str) -> Position {
    let line = text
        .lines()
        .position(|l| l.contains(" on pve7 {"))
        .unwrap_or(0);
    let column = text
        .lines()
        .nth(line)
        .and_then(|l| l.find("pve7"))
        .unwrap_or(0);
    Position::new(line as u32, column as u32 + 1)
}
