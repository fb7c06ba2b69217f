//! Hover, go to definition, document symbols and completion, over the protocol.

mod common;

use common::Client;
use lsp_types::request::Request as _;
use lsp_types::request::{Completion, DocumentSymbolRequest, GotoDefinition, HoverRequest};
use lsp_types::{Position, TextDocumentIdentifier, TextDocumentPositionParams};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

fn folder(test: &str) -> PathBuf {
    std::env::temp_dir()
        .join(format!("infrac-lsp-features-{}", std::process::id()))
        .join(test)
}

const LAB: &str = "## The only hypervisor.
host pve {
  nic eno1 { speed = 10G }
  bridge vmbr0 { ports = [eno1] }
}

## Servers.
network lan {
  bridge  = vmbr0
  ipv4    = 192.168.10.0/24
  gateway = 192.168.10.1
}

## The web server.
vm web 100 on pve {
  cores  = 2
  memory = 2GiB
  nic lan { ip = 192.168.10.61 }
}

vm db 101 on pve {
  cores  = 2
  memory = 4GiB
  nic lan { ip = 192.168.10.62 }
}
";

/// The zero-based position of the `nth` occurrence of `needle` in `text`, plus `shift`
/// characters.
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

fn at(path: &Path, position: Position) -> TextDocumentPositionParams {
    TextDocumentPositionParams::new(TextDocumentIdentifier::new(common::uri(path)), position)
}

fn ask(client: &mut Client, method: &str, params: impl serde::Serialize) -> Value {
    let id = client.request(method, params);
    client.response(&id)
}

#[test]
fn hover_and_definition_come_from_the_model() {
    let lab = folder("hover").join("lab.infra");
    let mut client = Client::start();
    client.open(&lab, LAB);
    // Requests are answered from the first analysis on.
    assert!(client.next_publication(&lab).diagnostics.is_empty());

    // On a reference to a machine: its kind, platform, addresses and doc comment.
    let hover = ask(
        &mut client,
        HoverRequest::METHOD,
        at(&lab, find(LAB, "on pve", 0, 4)),
    );
    let text = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(text.contains("host pve"), "{text}");
    assert!(text.contains("platform `proxmox`"), "{text}");
    assert!(text.contains("The only hypervisor."), "{text}");

    let hover = ask(
        &mut client,
        HoverRequest::METHOD,
        at(&lab, find(LAB, "vm web", 0, 3)),
    );
    let text = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(text.contains("vm web"), "{text}");
    assert!(text.contains("on `pve`"), "{text}");
    assert!(text.contains("192.168.10.61 on `lan`"), "{text}");
    assert!(text.contains("The web server."), "{text}");

    // On a network: its prefix and how many addresses are used and free (the gateway
    // and two guests of 254).
    let hover = ask(
        &mut client,
        HoverRequest::METHOD,
        at(&lab, find(LAB, "nic lan", 0, 5)),
    );
    let text = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(text.contains("network lan"), "{text}");
    assert!(
        text.contains("IPv4 `192.168.10.0/24`: 3 used, 251 free of 254"),
        "{text}"
    );

    // An attribute name: its type and value.
    let hover = ask(
        &mut client,
        HoverRequest::METHOD,
        at(&lab, find(LAB, "cores", 0, 1)),
    );
    let text = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(text.contains("a number of cores"), "{text}");
    // Nothing to say about punctuation between declarations.
    let hover = ask(
        &mut client,
        HoverRequest::METHOD,
        at(&lab, Position::new(5, 0)),
    );
    assert_eq!(hover, Value::Null);

    // Go to definition: from `on pve` to the host's name.
    let location = ask(
        &mut client,
        GotoDefinition::METHOD,
        at(&lab, find(LAB, "on pve", 1, 4)),
    );
    assert_eq!(
        location["uri"].as_str(),
        Some(common::uri(&lab).as_str()),
        "{location}"
    );
    assert_eq!(
        location["range"]["start"],
        json!({"line": 1, "character": 5})
    );
    let location = ask(
        &mut client,
        GotoDefinition::METHOD,
        at(&lab, find(LAB, "nic lan", 1, 4)),
    );
    assert_eq!(location["range"]["start"]["line"], 7, "{location}");
    client.shutdown();
}

#[test]
fn document_symbols_and_completion_follow_the_text() {
    let lab = folder("symbols").join("lab.infra");
    let mut client = Client::start();
    client.open(&lab, LAB);
    let symbols = ask(
        &mut client,
        DocumentSymbolRequest::METHOD,
        json!({"textDocument": {"uri": common::uri(&lab)}}),
    );
    let names: Vec<&str> = symbols
        .as_array()
        .map(|s| s.iter().filter_map(|s| s["name"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(names, ["host pve", "network lan", "vm web", "vm db"]);
    let web = &symbols[2];
    assert_eq!(web["detail"], "The web server.");
    assert_eq!(web["children"][0]["name"], "nic lan");
    assert_eq!(
        web["selectionRange"]["start"],
        json!({"line": 14, "character": 3})
    );

    // Completion inside a `vm` block offers its attributes with their types, and the
    // blocks it may hold; inside its `nic`, the NIC's attributes.
    let labels = |items: &Value| -> Vec<String> {
        items
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|i| i["label"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let completion = |client: &mut Client, position| {
        ask(
            client,
            Completion::METHOD,
            json!({"textDocument": {"uri": common::uri(&lab)}, "position": position}),
        )
    };
    let in_vm = completion(&mut client, find(LAB, "  memory = 2GiB", 0, 0));
    let vm_labels = labels(&in_vm);
    for expected in ["cores", "memory", "nic", "disk"] {
        assert!(
            vm_labels.iter().any(|l| l == expected),
            "{expected}: {vm_labels:?}"
        );
    }
    let cores = in_vm
        .as_array()
        .and_then(|a| a.iter().find(|i| i["label"] == "cores"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(cores["detail"], "a number of cores", "the schema's type");
    let in_nic = labels(&completion(
        &mut client,
        find(LAB, "ip = 192.168.10.61", 0, 0),
    ));
    assert!(in_nic.iter().any(|l| l == "ip"), "{in_nic:?}");
    assert!(!in_nic.iter().any(|l| l == "cores"), "{in_nic:?}");
    // Between declarations: the declaration kinds.
    let top = labels(&completion(&mut client, Position::new(5, 0)));
    assert!(
        top.iter().any(|l| l == "vm") && top.iter().any(|l| l == "network"),
        "{top:?}"
    );
    client.shutdown();
}
