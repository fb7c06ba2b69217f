//! Definition, references, rename and workspace symbols across the files of a lab and
//! into the stdlib's read-only documents, over the protocol.

mod common;

use common::Client;
use lsp_types::request::{
    GotoDefinition, PrepareRenameRequest, References, Rename, Request as _, WorkspaceSymbolRequest,
};
use lsp_types::Position;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

use common::labs::{LAB, NETS};

/// A folder with the lab's two files on disk, as an editor would find them.
fn lab_folder(test: &str) -> (PathBuf, PathBuf) {
    let dir = std::env::temp_dir()
        .join(format!("infrac-lsp-navigation-{}", std::process::id()))
        .join(test);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.join("nets.infra"), NETS).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.join("lab.infra"), LAB).unwrap_or_else(|e| panic!("{e}"));
    (dir.join("lab.infra"), dir.join("nets.infra"))
}

fn find(text: &str, needle: &str, nth: usize, shift: u32) -> Position {
    let offset = text
        .match_indices(needle)
        .nth(nth)
        .map(|(i, _)| i)
        .unwrap_or_else(|| panic!("no {needle:?}"));
    let line = text[..offset].matches('\n').count() as u32;
    let column = offset - text[..offset].rfind('\n').map_or(0, |i| i + 1);
    Position::new(line, column as u32 + shift)
}

fn at(path: &Path, position: Position) -> Value {
    json!({"textDocument": {"uri": common::uri(path)}, "position": position})
}

/// Opens the lab and waits for its first check.
fn open_lab(client: &mut Client, lab: &Path) {
    client.open(lab, LAB);
    let first = client.next_publication(lab);
    assert!(
        first
            .diagnostics
            .iter()
            .all(|d| d.severity != Some(lsp_types::DiagnosticSeverity::ERROR)),
        "{:?}",
        first.diagnostics
    );
}

#[test]
fn definition_and_references_cross_files_and_reach_the_stdlib() {
    let (lab, nets) = lab_folder("references");
    let mut client = Client::start();
    open_lab(&mut client, &lab);

    // `lan` is declared in the imported file.
    let location = client.ask(GotoDefinition::METHOD, at(&lab, find(LAB, "nic lan", 0, 5)));
    assert_eq!(location["uri"].as_str(), Some(common::uri(&nets).as_str()));
    assert_eq!(
        location["range"]["start"],
        json!({"line": 1, "character": 8})
    );

    // Its references: both NICs and `lan.ipv4`, plus the declaration when asked.
    let mut params = at(&lab, find(LAB, "nic lan", 1, 5));
    params["context"] = json!({"includeDeclaration": true});
    let refs = client.ask(References::METHOD, params.clone());
    let refs = refs.as_array().cloned().unwrap_or_default();
    assert_eq!(refs.len(), 4, "{refs:?}");
    assert!(refs.iter().any(|r| r["uri"] == common::uri(&nets).as_str()));
    params["context"] = json!({"includeDeclaration": false});
    let refs = client.ask(References::METHOD, params);
    assert_eq!(refs.as_array().map(Vec::len), Some(3), "{refs}");

    // Into the stdlib: a read-only document the server provides.
    let location = client.ask(
        GotoDefinition::METHOD,
        at(&lab, find(LAB, "dell.r730", 0, 6)),
    );
    let uri = location["uri"].as_str().unwrap_or_default().to_string();
    assert_eq!(uri, "infrac-stdlib:///hardware/dell.infra", "{location}");
    let content = client.ask("workspace/textDocumentContent", json!({ "uri": uri }));
    let text = content["text"].as_str().unwrap_or_default();
    let line = location["range"]["start"]["line"].as_u64().unwrap_or(0) as usize;
    assert!(
        text.lines()
            .nth(line)
            .is_some_and(|l| l.contains("chassis r730")),
        "{location}"
    );
    // Requests work inside the stdlib document too: the references of `r730` from there.
    let mut params = json!({"textDocument": {"uri": uri}, "position": location["range"]["start"]});
    params["context"] = json!({"includeDeclaration": false});
    let refs = client.ask(References::METHOD, params);
    assert_eq!(
        refs[0]["uri"].as_str(),
        Some(common::uri(&lab).as_str()),
        "{refs}"
    );

    // Highlights in one file: the NICs and `lan.ipv4` read `lan`, declared elsewhere.
    let highlights = client.ask(
        "textDocument/documentHighlight",
        at(&lab, find(LAB, "nic lan", 0, 5)),
    );
    let kinds: Vec<u64> = highlights
        .as_array()
        .map(|a| a.iter().filter_map(|h| h["kind"].as_u64()).collect())
        .unwrap_or_default();
    assert_eq!(kinds, [2, 2, 2], "three reads: {highlights}");
    let highlights = client.ask(
        "textDocument/documentHighlight",
        at(&lab, find(LAB, "host pve", 0, 6)),
    );
    let kinds: Vec<u64> = highlights
        .as_array()
        .map(|a| a.iter().filter_map(|h| h["kind"].as_u64()).collect())
        .unwrap_or_default();
    assert_eq!(
        kinds,
        [3, 2, 2],
        "the declaration, then two reads: {highlights}"
    );

    // Workspace symbols: the lab's declarations and the stdlib's, by a fuzzy query.
    let symbols = client.ask(WorkspaceSymbolRequest::METHOD, json!({"query": "r73"}));
    let names: Vec<&str> = symbols
        .as_array()
        .map(|s| s.iter().filter_map(|s| s["name"].as_str()).collect())
        .unwrap_or_default();
    assert!(names.contains(&"dell.r730"), "{names:?}");
    let symbols = client.ask(WorkspaceSymbolRequest::METHOD, json!({"query": "we"}));
    let names: Vec<&str> = symbols
        .as_array()
        .map(|s| s.iter().filter_map(|s| s["name"].as_str()).collect())
        .unwrap_or_default();
    assert!(names.contains(&"web"), "{names:?}");
    assert!(!names.contains(&"db"), "{names:?}");
    client.shutdown();
}

#[test]
fn rename_edits_every_file_and_refuses_what_would_break_the_lab() {
    let (lab, nets) = lab_folder("rename");
    let mut client = Client::start();
    open_lab(&mut client, &lab);

    let prepared = client.ask(
        PrepareRenameRequest::METHOD,
        at(&lab, find(LAB, "nic lan", 0, 5)),
    );
    assert_eq!(prepared["placeholder"], "lan", "{prepared}");

    let mut params = at(&lab, find(LAB, "nic lan", 0, 5));
    params["newName"] = json!("servers");
    let edit = client.ask(Rename::METHOD, params);
    let changes = &edit["changes"];
    assert_eq!(
        changes[common::uri(&lab).as_str()].as_array().map(Vec::len),
        Some(3),
        "{edit}"
    );
    assert_eq!(
        changes[common::uri(&nets).as_str()]
            .as_array()
            .map(Vec::len),
        Some(1),
        "{edit}"
    );

    let refused = |client: &mut Client, position: Position, name: &str| -> String {
        let mut params = at(&lab, position);
        params["newName"] = json!(name);
        let id = client.request(Rename::METHOD, params);
        match client.outcome(&id) {
            Ok(v) => panic!("renamed to {name}: {v}"),
            Err(e) => e.message,
        }
    };
    // A name another declaration has.
    let why = refused(&mut client, find(LAB, "vm web", 0, 3), "db");
    assert!(why.contains("`db` already names the vm"), "{why}");
    // Not a name.
    let why = refused(&mut client, find(LAB, "vm web", 0, 3), "9lives");
    assert!(why.contains("is not a name"), "{why}");
    // The stdlib is read-only.
    let why = refused(&mut client, find(LAB, "dell.r730", 0, 6), "r999");
    assert!(why.contains("read-only"), "{why}");
    let id = client.request(
        PrepareRenameRequest::METHOD,
        at(&lab, find(LAB, "dell.r730", 0, 6)),
    );
    assert!(client.outcome(&id).is_err());
    // A name the lab rejects once it is in place: not a valid hostname.
    let why = refused(&mut client, find(LAB, "host pve", 0, 6), "PVE_");
    assert!(why.contains("would break the lab"), "{why}");
    assert!(
        why.contains("not a valid hostname (lab.infra:7, E0431)"),
        "{why}"
    );
    client.shutdown();
}
