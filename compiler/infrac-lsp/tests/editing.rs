//! Formatting, folding ranges, code actions and what diagnostics carry (explanation
//! links, tags, versions, fixes), over the protocol.

mod common;

use common::labs::ONE_FILE as LAB;
use common::Client;
use lsp_types::request::{CodeActionRequest, FoldingRangeRequest, Formatting, Request as _};
use lsp_types::Position;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

fn folder(test: &str) -> PathBuf {
    std::env::temp_dir()
        .join(format!("infrac-lsp-editing-{}", std::process::id()))
        .join(test)
}

/// Applies LSP text edits to `text` (later ones first).
fn apply(text: &str, edits: &Value) -> String {
    let mut edits: Vec<&Value> = edits
        .as_array()
        .map(|a| a.iter().collect())
        .unwrap_or_default();
    let offset = |p: &Value| {
        let line = p["line"].as_u64().unwrap_or(0) as usize;
        let character = p["character"].as_u64().unwrap_or(0) as usize;
        let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
        (start + character).min(text.len())
    };
    edits.sort_by_key(|e| std::cmp::Reverse(offset(&e["range"]["start"])));
    let mut out = text.to_string();
    for e in edits {
        let (a, b) = (offset(&e["range"]["start"]), offset(&e["range"]["end"]));
        out.replace_range(a..b, e["newText"].as_str().unwrap_or_default());
    }
    out
}

fn actions(client: &mut Client, path: &Path, at: Position, diagnostics: Value) -> Vec<Value> {
    let params = json!({
        "textDocument": {"uri": common::uri(path)},
        "range": {"start": at, "end": at},
        "context": {"diagnostics": diagnostics},
    });
    client
        .ask(CodeActionRequest::METHOD, params)
        .as_array()
        .cloned()
        .unwrap_or_default()
}

#[test]
fn formatting_is_infrac_fmt() {
    let lab = folder("format").join("lab.infra");
    let mut client = Client::start();
    let messy = "host pve {\nnic eno1 {speed=10G}\n}\n";
    client.open(&lab, messy);
    let edits = client.ask(
        Formatting::METHOD,
        json!({"textDocument": {"uri": common::uri(&lab)}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    let formatted = infrac_syntax::format(messy).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(apply(messy, &edits), formatted);
    assert_ne!(formatted, messy);
    // A formatted document needs no edit.
    let formatted_doc = folder("format").join("formatted.infra");
    client.open(&formatted_doc, &formatted);
    let edits = client.ask(
        Formatting::METHOD,
        json!({"textDocument": {"uri": common::uri(&formatted_doc)}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    assert_eq!(edits, json!([]));
    // A document with a syntax error is not formatted, and the answer says why.
    let broken = folder("format").join("broken.infra");
    client.open(&broken, "host pve {\n");
    let id = client.request(
        Formatting::METHOD,
        json!({"textDocument": {"uri": common::uri(&broken)}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    let error = client
        .outcome(&id)
        .err()
        .map(|e| e.message)
        .unwrap_or_default();
    assert!(error.contains("syntax error"), "{error}");
    client.shutdown();
}

#[test]
fn folding_ranges_cover_blocks_imports_and_comment_runs() {
    let lab = folder("folding").join("lab.infra");
    let mut client = Client::start();
    let text = "import \"std/os\"\nimport \"std/hardware/dell\"\n\n# one\n# two\nhost pve {\n  nic eno1 {\n    speed = 10G\n  }\n}\n";
    client.open(&lab, text);
    let ranges = client.ask(
        FoldingRangeRequest::METHOD,
        json!({"textDocument": {"uri": common::uri(&lab)}}),
    );
    let got: Vec<(u64, u64, String)> = ranges
        .as_array()
        .map(|a| {
            a.iter()
                .map(|r| {
                    (
                        r["startLine"].as_u64().unwrap_or(99),
                        r["endLine"].as_u64().unwrap_or(99),
                        r["kind"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        got,
        [
            (0, 1, "imports".to_string()),
            (3, 4, "comment".to_string()),
            (5, 9, String::new()),
            (6, 8, String::new()),
        ]
    );
    client.shutdown();
}

#[test]
fn diagnostics_link_their_explanation_and_carry_the_version_and_fixes() {
    let lab = folder("diagnostics").join("lab.infra");
    let mut client = Client::start();
    let text = LAB
        .replace("  memory = 4GiB", "  memroy = 4GiB")
        .replace("2GiB", "2048");
    client.open(&lab, &text);
    let published = client.next_publication(&lab);
    assert_eq!(published.version, Some(1));
    let diagnostics = serde_json::to_value(&published.diagnostics).unwrap_or_default();
    let by_code = |code: &str| -> Value {
        diagnostics
            .as_array()
            .and_then(|a| a.iter().find(|d| d["code"] == code).cloned())
            .unwrap_or_else(|| panic!("no {code}: {diagnostics}"))
    };
    let codes = common::codes(&published);
    // Every diagnostic links its page.
    for d in diagnostics.as_array().into_iter().flatten() {
        let href = d["codeDescription"]["href"].as_str().unwrap_or_default();
        assert!(
            href.ends_with(&format!(
                "/docs/diagnostics/{}.md",
                d["code"].as_str().unwrap_or("?")
            )),
            "{d}"
        );
    }
    // Quick fixes: each diagnostic whose help names one replacement.
    for d in diagnostics.as_array().into_iter().flatten() {
        let Some(fix) = d["data"].as_object() else {
            continue;
        };
        let start = serde_json::from_value(d["range"]["start"].clone()).unwrap_or_default();
        let found = actions(&mut client, &lab, start, json!([d]));
        let action = found
            .iter()
            .find(|a| a["kind"] == "quickfix" && a["diagnostics"][0] == *d)
            .unwrap_or_else(|| panic!("no fix for {d}: {found:?}"));
        assert_eq!(action["title"], fix["title"]);
        let edits = &action["edit"]["changes"][common::uri(&lab).as_str()];
        let fixed = apply(&text, edits);
        assert_ne!(fixed, text);
    }
    let typo = by_code("E0207");
    assert!(typo["data"]["new_text"] == "memory", "{typo} ({codes:?})");
    let unit = by_code("E0301");
    assert!(unit["data"]["new_text"] == "2048MiB", "{unit}");
    client.shutdown();
}

#[test]
fn unused_import_is_tagged_and_removed_by_a_quick_fix() {
    let lab = folder("unused").join("lab.infra");
    let mut client = Client::start();
    client.open(&lab, LAB);
    let published = client.next_publication(&lab);
    let diagnostics = serde_json::to_value(&published.diagnostics).unwrap_or_default();
    let unused = diagnostics
        .as_array()
        .and_then(|a| a.iter().find(|d| d["code"] == "W0201").cloned())
        .unwrap_or_else(|| panic!("{diagnostics}"));
    assert_eq!(unused["tags"], json!([1]), "unnecessary: {unused}");
    let found = actions(&mut client, &lab, Position::new(0, 3), json!([unused]));
    let edits = &found[0]["edit"]["changes"][common::uri(&lab).as_str()];
    let fixed = apply(LAB, edits);
    assert!(fixed.starts_with("\nhost pve {"), "{fixed}");
    client.shutdown();
}

#[test]
fn next_free_address_and_vmid_are_allocated() {
    let lab = folder("allocate").join("lab.infra");
    let mut client = Client::start();
    client.open(&lab, LAB);
    client.next_publication(&lab);
    let titled = |found: &[Value], start: &str| -> Value {
        found
            .iter()
            .find(|a| a["title"].as_str().is_some_and(|t| t.starts_with(start)))
            .cloned()
            .unwrap_or_else(|| panic!("no {start}: {found:?}"))
    };
    // In `db`'s empty NIC: the lowest address nothing uses, past the gateway, the DHCP
    // range (.2-.9) and web's .10.
    let at = Position::new(23, 7);
    let found = actions(&mut client, &lab, at, json!([]));
    let action = titled(
        &found,
        "Allocate the next free address on `lan` (192.168.10.11)",
    );
    let fixed = apply(LAB, &action["edit"]["changes"][common::uri(&lab).as_str()]);
    assert!(fixed.contains("nic lan { ip = 192.168.10.11 }"), "{fixed}");
    // On web's NIC, which has an address: replaced.
    let found = actions(&mut client, &lab, Position::new(17, 8), json!([]));
    let action = titled(&found, "Allocate the next free address");
    let fixed = apply(LAB, &action["edit"]["changes"][common::uri(&lab).as_str()]);
    assert!(fixed.contains("nic lan { ip = 192.168.10.11 }"), "{fixed}");
    // On a guest's head: the lowest free VMID.
    let found = actions(&mut client, &lab, Position::new(20, 4), json!([]));
    let action = titled(&found, "Allocate the next free VMID (102)");
    let fixed = apply(LAB, &action["edit"]["changes"][common::uri(&lab).as_str()]);
    assert!(fixed.contains("vm db 102 on pve"), "{fixed}");
    client.shutdown();
}

/// An editor may send the byte order mark of a file as the document's first character.
/// It is no character of the language: the diagnostics are those of the text without
/// it, at the positions of the text as sent, and formatting keeps it.
#[test]
fn a_byte_order_mark_sent_by_the_editor_is_not_an_error() {
    let plain = folder("bom").join("plain.infra");
    let marked = folder("bom").join("marked.infra");
    let mut client = Client::start();
    let text = "site s { domain = 5 }\n";
    client.open(&plain, text);
    let without = client.next_publication(&plain);
    client.open(&marked, &format!("\u{feff}{text}"));
    let with = client.next_publication(&marked);
    assert_eq!(common::codes(&with), common::codes(&without));
    assert!(
        !common::codes(&with).is_empty(),
        "the lab has an error to place"
    );
    for (w, wo) in with.diagnostics.iter().zip(&without.diagnostics) {
        assert_eq!(w.range.start.line, 0);
        assert_eq!(w.range.start.character, wo.range.start.character + 1);
    }
    let messy = "\u{feff}host pve {\nnic eno1 {speed=10G}\n}\n";
    let messy_doc = folder("bom").join("messy.infra");
    client.open(&messy_doc, messy);
    let edits = client.ask(
        Formatting::METHOD,
        json!({"textDocument": {"uri": common::uri(&messy_doc)}, "options": {"tabSize": 2, "insertSpaces": true}}),
    );
    let formatted = apply(messy, &edits);
    assert!(formatted.starts_with('\u{feff}'), "{formatted:?}");
    assert_eq!(
        formatted.trim_start_matches('\u{feff}'),
        infrac_syntax::format(messy.trim_start_matches('\u{feff}'))
            .unwrap_or_else(|e| panic!("{e}"))
    );
    client.shutdown();
}
