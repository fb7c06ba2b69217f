//! A keystroke reparses only the declarations it touches, moving the others: what is
//! published after each edit must be what a fresh check of the same text publishes,
//! positions included.

mod common;

use common::labs::ONE_FILE;
use common::Client;
use lsp_types::{Diagnostic, Position, Range, TextDocumentContentChangeEvent};
use std::path::PathBuf;

fn folder(test: &str) -> PathBuf {
    std::env::temp_dir()
        .join(format!("infrac-lsp-incremental-{}", std::process::id()))
        .join(test)
}

/// The shared one-file lab, with a doc comment, a duplicate address and a memory size
/// without a unit: problems whose places an edit above them must move.
fn lab_text() -> String {
    ONE_FILE
        .replace("host pve {", "## The only hypervisor.\nhost pve {")
        .replace(
            "  memory = 4GiB\n  nic lan {}",
            "  memory = 2048\n  nic lan { ip = 192.168.10.10 }",
        )
}

/// The position of a byte offset in ASCII text.
fn position(text: &str, offset: usize) -> Position {
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let column = before.len() - before.rfind('\n').map_or(0, |i| i + 1);
    Position::new(line as u32, column as u32)
}

/// What an editor shows of a diagnostic, without the file it is in.
fn shown(diagnostics: &[Diagnostic]) -> Vec<String> {
    diagnostics
        .iter()
        .map(|d| {
            let related: Vec<String> = d
                .related_information
                .iter()
                .flatten()
                .map(|r| format!("{:?} {}", r.location.range, r.message))
                .collect();
            format!(
                "{:?} {:?} {:?} {} {related:?}",
                d.code, d.severity, d.range, d.message
            )
        })
        .collect()
}

#[test]
fn diagnostics_after_each_edit_are_those_of_the_whole_new_text() {
    let lab = folder("edited").join("lab.infra");
    let client = Client::start();
    let mut text = lab_text();
    client.open(&lab, &text);
    client.next_publication(&lab);
    // Each edit replaces the first occurrence of a text: above, inside and below
    // declarations, adding one, breaking a block and mending it.
    let edits: &[(&str, &str)] = &[
        ("vm web 100", "# the web server\nvm web 100"),
        ("cores  = 2\n  memory = 2GiB", "cores  = 3\n  memory = 2GiB"),
        (
            "vm db 101",
            "vm cache 102 on pve {\n  cores = 1\n}\n\nvm db 101",
        ),
        ("  memory = 2048\n", "  memroy = 2048\n"),
        (
            "nic lan { ip = 192.168.10.10 }\n}\n\nvm cache",
            "nic lan { ip = 192.168.10.10 \n}\n\nvm cache",
        ),
        (
            "nic lan { ip = 192.168.10.10 \n}\n\nvm cache",
            "nic lan { ip = 192.168.10.10 }\n}\n\nvm cache",
        ),
        ("# the web server\n", ""),
        (
            "## The only hypervisor.\n",
            "## The only hypervisor, a Dell.\n",
        ),
        ("}\n", "}\n# the end\n"),
    ];
    for (i, (from, to)) in edits.iter().enumerate() {
        let start = text
            .find(from)
            .unwrap_or_else(|| panic!("edit {i}: `{from}` is not in the text"));
        let end = start + from.len();
        let range = Range::new(position(&text, start), position(&text, end));
        text.replace_range(start..end, to);
        let version = 2 + i as i32;
        client.change(
            &lab,
            version,
            vec![TextDocumentContentChangeEvent {
                range: Some(range),
                range_length: None,
                text: (*to).to_string(),
            }],
        );
        let (_, edited) = client
            .publications_until(&lab, |p| p.version == Some(version))
            .pop()
            .unwrap_or_else(|| panic!("edit {i}: nothing published"));
        let fresh = folder(&format!("fresh-{i}")).join("lab.infra");
        client.open(&fresh, &text);
        let (_, whole) = client
            .publications_until(&fresh, |_| true)
            .pop()
            .unwrap_or_else(|| panic!("edit {i}: nothing published for the fresh copy"));
        assert_eq!(
            shown(&edited.diagnostics),
            shown(&whole.diagnostics),
            "edit {i} (`{from}` to `{to}`) on:\n{text}"
        );
        assert!(
            !whole.diagnostics.is_empty(),
            "the lab keeps a problem to place"
        );
        client.close(&fresh);
    }
    client.shutdown();
}
