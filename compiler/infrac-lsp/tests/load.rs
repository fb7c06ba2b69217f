//! The language server under load, over the protocol: diagnostics per file merged across
//! the open labs, closing one document, never-opened documents, incremental sync,
//! coalesced checks off the request thread, and malformed messages.

mod common;

use common::{codes, Client};

use lsp_server::Message;
use lsp_types::notification::{LogMessage, Notification as _, PublishDiagnostics};
use lsp_types::{Position, PublishDiagnosticsParams, Range, TextDocumentContentChangeEvent};
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::time::Instant;

/// A folder that exists only in the editor: nothing is read from disk.
fn folder(test: &str) -> PathBuf {
    std::env::temp_dir()
        .join(format!("infrac-lsp-load-{}", std::process::id()))
        .join(test)
}

const HOST: &str = "host pve {
  nic eno1 { speed = 10G }
  bridge vmbr0 { ports = [eno1] }
}

network lan {
  bridge = vmbr0
  ipv4   = 192.168.10.0/24
}
";

/// Two guests with one address: a conflict only a lab with `pve` and `lan` can see.
const GUESTS: &str = "vm web 100 on pve {
  nic lan { ip = 192.168.10.61 }
}

vm db 101 on pve {
  nic lan { ip = 192.168.10.61 }
}
";

#[test]
fn an_imported_file_shows_the_diagnostics_of_the_labs_that_import_it() {
    let dir = folder("merge");
    let guests = dir.join("guests.infra");
    let lab = dir.join("lab.infra");
    let other = dir.join("other.infra");
    let client = Client::start();

    // Alone, the guests file cannot know `pve`.
    client.open(&guests, GUESTS);
    let alone = client.next_publication(&guests);
    assert!(
        codes(&alone).iter().all(|c| c.starts_with("E02")),
        "{:#?}",
        alone.diagnostics
    );
    assert!(!alone.diagnostics.is_empty());

    // Opened by a lab that imports it: the lab's view replaces the false errors, and
    // the address conflict the lab sees lands in the guests file.
    client.open(&lab, &format!("import \"./guests.infra\"\n\n{HOST}"));
    let seen = client.publications_until(&guests, |p| codes(p) == ["E0412"]);
    assert!(
        seen.iter()
            .all(|(path, p)| path != &lab || p.diagnostics.is_empty()),
        "{seen:#?}"
    );

    // A second lab imports it too and has a problem of its own: the guests file shows
    // the conflict once (both labs report it), the second lab shows its own problem.
    let other_text = format!(
        "import \"./guests.infra\"\n\n{}",
        HOST.replace("speed = 10G", "speed = 10G\n  colour = 1")
    );
    client.open(&other, &other_text);
    let other_published = client.next_publication(&other);
    assert_eq!(codes(&other_published).len(), 1, "{other_published:#?}");

    // Closing the second lab clears only what came from it.
    client.close(&other);
    let seen = client.publications_until(&other, |p| p.diagnostics.is_empty());
    for (path, p) in &seen {
        if path == &guests {
            assert_eq!(codes(p), ["E0412"], "the guests file keeps the lab's view");
        }
        assert_ne!(path, &lab, "the first lab was not touched: {p:#?}");
    }

    // Closing the lab that imports it: the guests file is a lab on its own again.
    client.close(&lab);
    let seen = client.publications_until(&guests, |p| codes(p) != ["E0412"]);
    let last = &seen.last().unwrap_or_else(|| panic!("no publication")).1;
    assert_eq!(codes(last), codes(&alone));
    client.shutdown();
}

#[test]
fn a_change_to_a_never_opened_document_is_refused() {
    let dir = folder("never-opened");
    let ghost = dir.join("ghost.infra");
    let lab = dir.join("lab.infra");
    let client = Client::start();
    client.change(
        &ghost,
        2,
        vec![TextDocumentContentChangeEvent {
            range: None,
            range_length: None,
            text: "vm x 100 on nowhere {}\n".into(),
        }],
    );
    let logged = loop {
        if let Message::Notification(n) = client.recv() {
            assert_ne!(n.method, PublishDiagnostics::METHOD, "{n:?}");
            if n.method == LogMessage::METHOD {
                break n.params;
            }
        }
    };
    assert_eq!(logged["type"], 1, "logged as an error: {logged}");
    assert!(
        logged["message"]
            .as_str()
            .is_some_and(|m| m.contains("never opened")),
        "{logged}"
    );
    // The server carries on, and the document did not become open: opening another
    // lab publishes for that lab only.
    client.open(&lab, HOST);
    let seen = client.publications_until(&lab, |_| true);
    assert!(seen.iter().all(|(path, _)| path != &ghost), "{seen:#?}");
    client.shutdown();
}

#[test]
fn incremental_changes_count_utf16_units() {
    let dir = folder("incremental");
    let lab = dir.join("lab.infra");
    let client = Client::start();
    // The second `ip` follows an emoji (two UTF-16 units, four bytes) and a `€` (one
    // unit, three bytes) on its own line.
    let text = format!(
        "{HOST}\nvm web 100 on pve {{\n  nic lan {{ ip = 192.168.10.61 }}\n}}\n\n\
         vm db 101 on pve {{\n  description = \"😀€\", nic lan {{ ip = 192.168.10.61 }}\n}}\n"
    );
    client.open(&lab, &text);
    assert_eq!(codes(&client.next_publication(&lab)), ["E0412"]);
    let line = text
        .lines()
        .position(|l| l.contains("😀"))
        .unwrap_or_else(|| panic!("no emoji line")) as u32;
    let in_line = text
        .lines()
        .nth(line as usize)
        .unwrap_or_default()
        .rfind("61")
        .unwrap_or_default();
    let prefix = &text.lines().nth(line as usize).unwrap_or_default()[..in_line];
    let column = prefix.encode_utf16().count() as u32;
    assert_eq!(
        column as usize + 4,
        in_line,
        "the emoji and `€` make the difference"
    );
    let range = Range::new(Position::new(line, column), Position::new(line, column + 2));
    // Two edits in one notification, applied in order: `61` becomes `62`, then a
    // comment is inserted at the very start.
    client.change(
        &lab,
        2,
        vec![
            TextDocumentContentChangeEvent {
                range: Some(range),
                range_length: None,
                text: "62".into(),
            },
            TextDocumentContentChangeEvent {
                range: Some(Range::new(Position::new(0, 0), Position::new(0, 0))),
                range_length: None,
                text: "# 😀\n".into(),
            },
        ],
    );
    let fixed = client.next_publication(&lab);
    assert_eq!(fixed.version, Some(2));
    assert!(fixed.diagnostics.is_empty(), "{:#?}", fixed.diagnostics);
    // Break it again through a range that would split the emoji if counted in bytes.
    client.change(
        &lab,
        3,
        vec![TextDocumentContentChangeEvent {
            range: Some(Range::new(
                Position::new(line + 1, column),
                Position::new(line + 1, column + 2),
            )),
            range_length: None,
            text: "61".into(),
        }],
    );
    let broken = client.next_publication(&lab);
    assert_eq!(codes(&broken), ["E0412"]);
    assert_eq!(
        broken.diagnostics[0].range.start,
        Position::new(line + 1, column - 11),
        "the diagnostic points at the moved line, in UTF-16 units"
    );
    client.shutdown();
}

/// A lab with `guests` guests, slow enough to check that a request can overtake it.
fn big_lab(guests: u32, marker: &str) -> String {
    let mut text = HOST.replace("192.168.10.0/24", "10.20.0.0/16");
    for i in 0..guests {
        text.push_str(&format!(
            "vm g{i} {} on pve {{\n  nic lan {{ ip = 10.20.{}.{} }}\n}}\n",
            1000 + i,
            i / 200 + 1,
            i % 200 + 10
        ));
    }
    text.push_str(marker);
    text
}

#[test]
fn checks_run_off_the_request_thread_and_coalesce() {
    let dir = folder("coalesce");
    let lab = dir.join("lab.infra");
    let mut client = Client::start();
    let text = big_lab(1500, "");
    let started = Instant::now();
    client.open(&lab, &text);
    client.next_publication(&lab);
    let check_time = started.elapsed();
    eprintln!("one check of the big lab: {check_time:?}");

    // Ten edits in a row, each changing what is reported: only the last is published.
    for version in 2..=11 {
        client.change(
            &lab,
            version,
            vec![TextDocumentContentChangeEvent {
                range: None,
                range_length: None,
                text: big_lab(1500, &"bogus\n".repeat(version as usize)),
            }],
        );
    }
    // A request sent now is answered before the check of the last edit is published.
    let id = client.request("infrac/unknown", ());
    let asked = Instant::now();
    let mut answered = None;
    let mut versions = Vec::new();
    loop {
        match client.recv() {
            Message::Response(r) if r.id == id => {
                assert!(r.response_result.is_err(), "an unknown method is an error");
                answered = Some(asked.elapsed());
            }
            Message::Notification(n) if n.method == PublishDiagnostics::METHOD => {
                let p: PublishDiagnosticsParams =
                    serde_json::from_value(n.params).unwrap_or_else(|e| panic!("{e}"));
                assert!(
                    answered.is_some(),
                    "published before the request was answered"
                );
                versions.push(p.version);
                if p.version == Some(11) {
                    assert_eq!(p.diagnostics.len(), 11, "the text of version 11");
                    break;
                }
            }
            _ => {}
        }
    }
    assert!(
        versions.len() <= 2,
        "edits were coalesced ({versions:?}); one check takes {check_time:?}"
    );
    // Nothing stale arrives afterwards.
    let id = client.request("infrac/unknown", ());
    loop {
        match client.recv() {
            Message::Response(r) if r.id == id => break,
            Message::Notification(n) => {
                assert_ne!(n.method, PublishDiagnostics::METHOD, "a stale publication")
            }
            _ => {}
        }
    }
    client.shutdown();
}

/// Writes one framed message.
fn frame(body: &str) -> Vec<u8> {
    format!("Content-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

fn read_message(reader: &mut impl BufRead) -> serde_json::Value {
    try_read_message(reader).unwrap_or_else(|| panic!("the server closed its output"))
}

/// The next message, or `None` when the server has closed its output.
fn try_read_message(reader: &mut impl BufRead) -> Option<serde_json::Value> {
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(n) = line.strip_prefix("Content-Length: ") {
            length = n.parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    reader
        .read_exact(&mut body)
        .unwrap_or_else(|e| panic!("read: {e}"));
    Some(serde_json::from_slice(&body).unwrap_or_else(|e| panic!("the server wrote bad JSON: {e}")))
}

#[test]
fn malformed_messages_are_answered_and_not_fatal() {
    let (server_in, mut client_out) = std::io::pipe().unwrap_or_else(|e| panic!("pipe: {e}"));
    let (client_in, server_out) = std::io::pipe().unwrap_or_else(|e| panic!("pipe: {e}"));
    let server = std::thread::spawn(move || {
        infrac_lsp::serve(BufReader::new(server_in), server_out).map_err(|e| e.to_string())
    });
    let mut from_server = BufReader::new(client_in);
    let mut send = |bytes: &[u8]| {
        client_out
            .write_all(bytes)
            .unwrap_or_else(|e| panic!("write: {e}"));
        client_out.flush().unwrap_or_else(|e| panic!("flush: {e}"));
    };

    // A header line that is not a header, then no length at all.
    send(b"hello there\r\n\r\n");
    let reply = read_message(&mut from_server);
    assert_eq!(reply["error"]["code"], -32700, "{reply}");
    assert_eq!(reply["id"], serde_json::Value::Null);

    send(&frame(
        r#"{"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"#,
    ));
    let reply = read_message(&mut from_server);
    assert_eq!(reply["error"]["code"], -32700, "not JSON: {reply}");

    send(&frame(r#"{"jsonrpc": "2.0", "id": 7, "nothing": true}"#));
    let reply = read_message(&mut from_server);
    assert_eq!(reply["error"]["code"], -32600, "not a message: {reply}");
    assert_eq!(reply["id"], 7, "answered with its id");

    send(&frame(
        r#"{"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}}"#,
    ));
    let reply = read_message(&mut from_server);
    assert_eq!(reply["id"], 1);
    assert!(reply["result"]["capabilities"].is_object(), "{reply}");
    send(&frame(
        r#"{"jsonrpc": "2.0", "method": "initialized", "params": {}}"#,
    ));

    // After initialisation too: a bad length, then a request the server still answers.
    send(b"Content-Length: many\r\n\r\n");
    let reply = read_message(&mut from_server);
    assert_eq!(reply["error"]["code"], -32700, "{reply}");
    send(&frame(
        r#"{"jsonrpc": "2.0", "id": 2, "method": "infrac/unknown"}"#,
    ));
    let reply = read_message(&mut from_server);
    assert_eq!(reply["id"], 2);
    assert_eq!(reply["error"]["code"], -32601, "{reply}");

    send(&frame(
        r#"{"jsonrpc": "2.0", "id": 3, "method": "shutdown"}"#,
    ));
    let reply = read_message(&mut from_server);
    assert_eq!(reply["id"], 3);
    send(&frame(r#"{"jsonrpc": "2.0", "method": "exit"}"#));
    let result = server
        .join()
        .unwrap_or_else(|_| Err("the server panicked".into()));
    assert_eq!(result, Ok(()));
}

#[test]
fn an_unused_import_is_tagged_unnecessary() {
    let lab = folder("unused").join("lab.infra");
    let client = Client::start();
    client.open(&lab, &format!("import \"std/hardware/intel\"\n\n{HOST}"));
    let published = client.next_publication(&lab);
    assert_eq!(codes(&published), ["W0201"]);
    assert_eq!(
        published.diagnostics[0].tags,
        Some(vec![lsp_types::DiagnosticTag::UNNECESSARY])
    );
    assert_eq!(
        published.version,
        Some(1),
        "the document version is published"
    );
    client.shutdown();
}

/// Over a byte stream the server writes its answers and notifications as finished JSON
/// bodies, not as `lsp-server` messages; they must be the messages the in-memory
/// connection carries, framed as the protocol says.
#[test]
fn answers_over_the_byte_stream_are_those_of_the_connection() {
    let path = folder("stream").join("lab.infra");
    let text = format!("{HOST}\n{GUESTS}\n# a comment\nnetwork extra {{ bridg = vmbr0 }}\n");
    let uri = common::uri(&path);
    let document = serde_json::json!({ "textDocument": { "uri": uri } });
    let asked = [
        ("textDocument/documentSymbol", document.clone()),
        ("textDocument/semanticTokens/full", document.clone()),
        ("textDocument/foldingRange", document.clone()),
        (
            "textDocument/hover",
            serde_json::json!({ "textDocument": { "uri": uri },
                                "position": { "line": 13, "character": 3 } }),
        ),
        (
            "textDocument/inlayHint",
            serde_json::json!({ "textDocument": { "uri": uri }, "range": {
                "start": { "line": 0, "character": 0 }, "end": { "line": 30, "character": 0 } } }),
        ),
        ("infrac/unknown", serde_json::json!({})),
    ];

    // In memory: the messages as the server made them.
    let mut client = Client::start();
    client.open(&path, &text);
    let published = client.next_publication(&path);
    let expected: Vec<_> = asked
        .iter()
        .map(|(method, params)| {
            let id = client.request(method, params.clone());
            serde_json::to_value(client.outcome(&id)).unwrap_or_default()
        })
        .collect();
    client.shutdown();
    assert!(!published.diagnostics.is_empty(), "the lab has a mistake");
    assert!(
        expected[0]
            .as_object()
            .is_some_and(|o| o.contains_key("Ok")),
        "the outline is an answer: {}",
        expected[0]
    );

    // The same over pipes.
    let (server_in, mut client_out) = std::io::pipe().unwrap_or_else(|e| panic!("pipe: {e}"));
    let (client_in, server_out) = std::io::pipe().unwrap_or_else(|e| panic!("pipe: {e}"));
    let server = std::thread::spawn(move || {
        infrac_lsp::serve(BufReader::new(server_in), server_out).map_err(|e| e.to_string())
    });
    // Read on a thread of its own, so a server that stops talking fails the test instead
    // of hanging it.
    let (to_test, from_server) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut input = BufReader::new(client_in);
        while let Some(message) = try_read_message(&mut input) {
            if to_test.send(message).is_err() {
                break;
            }
        }
    });
    let next = || {
        from_server
            .recv_timeout(std::time::Duration::from_secs(60))
            .unwrap_or_else(|e| panic!("no message from the server: {e}"))
    };
    let mut send = |message: serde_json::Value| {
        client_out
            .write_all(&frame(&message.to_string()))
            .unwrap_or_else(|e| panic!("write: {e}"));
        client_out.flush().unwrap_or_else(|e| panic!("flush: {e}"));
    };
    send(
        serde_json::json!({ "jsonrpc": "2.0", "id": 0, "method": "initialize",
                             "params": { "capabilities": {} } }),
    );
    assert_eq!(next()["id"], 0);
    send(serde_json::json!({ "jsonrpc": "2.0", "method": "initialized", "params": {} }));
    send(
        serde_json::json!({ "jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {
        "textDocument": { "uri": uri, "languageId": "infra", "version": 1, "text": text } } }),
    );
    // Up to the lab's publication; anything else the server says first is skipped, so
    // the loop is bounded by the messages a check sends.
    let publication = (0..100)
        .map(|_| next())
        .find(|m| m["method"] == PublishDiagnostics::METHOD && m["params"]["uri"] == uri.as_str())
        .unwrap_or_else(|| panic!("no diagnostics for the lab"));
    assert_eq!(
        publication["params"],
        serde_json::to_value(&published).unwrap_or_default()
    );
    for (i, (method, params)) in asked.iter().enumerate() {
        let id = i + 1;
        send(
            serde_json::json!({ "jsonrpc": "2.0", "id": id, "method": method,
                                 "params": params }),
        );
        let reply = next();
        assert_eq!(reply["jsonrpc"], "2.0", "{reply}");
        assert_eq!(reply["id"], id, "{reply}");
        let outcome = match (reply.get("result"), reply.get("error")) {
            (Some(result), None) => serde_json::json!({ "Ok": result }),
            (None, Some(error)) => serde_json::json!({ "Err": error }),
            _ => panic!("neither a result nor an error: {reply}"),
        };
        assert_eq!(outcome, expected[i], "{method}");
    }
    send(serde_json::json!({ "jsonrpc": "2.0", "id": 99, "method": "shutdown" }));
    assert_eq!(next()["id"], 99);
    send(serde_json::json!({ "jsonrpc": "2.0", "method": "exit" }));
    let result = server
        .join()
        .unwrap_or_else(|_| Err("the server panicked".into()));
    assert_eq!(result, Ok(()));
}
