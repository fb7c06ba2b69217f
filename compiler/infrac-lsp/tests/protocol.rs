//! The language server over an in-memory connection: initialize, open a broken lab, see
//! its diagnostics, fix it, see them cleared, shut down.

use lsp_server::{Connection, Message, Notification, Request, RequestId};
use lsp_types::notification::{
    DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, Exit, Initialized,
    Notification as _, PublishDiagnostics,
};
use lsp_types::request::{Initialize, Request as _, Shutdown};
use lsp_types::{
    DidChangeTextDocumentParams, DidCloseTextDocumentParams, DidOpenTextDocumentParams,
    NumberOrString, PublishDiagnosticsParams, TextDocumentContentChangeEvent,
    TextDocumentIdentifier, TextDocumentItem, VersionedTextDocumentIdentifier,
};
use std::path::PathBuf;
use std::time::Duration;

const BROKEN: &str = r#"host pve {
  nic eno1 { speed = 10G }
  bridge vmbr0 { ports = [eno1] }
}

network lan {
  bridge = vmbr0
  ipv4   = 192.168.10.0/24
}

vm web 100 on pve {
  nic lan { ip = 192.168.10.61 }
}

vm db 101 on pve {
  nic lan { ip = 192.168.10.61 }
}
"#;

fn lab_path() -> PathBuf {
    std::env::temp_dir()
        .join(format!("infrac-lsp-{}", std::process::id()))
        .join("lab.infra")
}

fn send_notification<P: serde::Serialize>(client: &Connection, method: &str, params: P) {
    let params = serde_json::to_value(params).unwrap_or_default();
    client
        .sender
        .send(Message::Notification(Notification::new(
            method.to_string(),
            params,
        )))
        .unwrap_or_else(|e| panic!("send: {e}"));
}

/// The next diagnostics publication for `path`, skipping others.
fn next_publication(client: &Connection, path: &PathBuf) -> PublishDiagnosticsParams {
    loop {
        let message = client
            .receiver
            .recv_timeout(Duration::from_secs(30))
            .unwrap_or_else(|e| panic!("no message from the server: {e}"));
        if let Message::Notification(n) = message {
            if n.method == PublishDiagnostics::METHOD {
                let params: PublishDiagnosticsParams =
                    serde_json::from_value(n.params).unwrap_or_else(|e| panic!("bad params: {e}"));
                if infrac_lsp::uri_to_path(&params.uri).as_ref() == Some(path) {
                    return params;
                }
            }
        }
    }
}

#[test]
fn diagnostics_follow_the_open_document() {
    let (server, client) = Connection::memory();
    let thread = std::thread::spawn(move || infrac_lsp::run(&server).map_err(|e| e.to_string()));

    let init = lsp_types::InitializeParams::default();
    client
        .sender
        .send(Message::Request(Request::new(
            RequestId::from(1),
            Initialize::METHOD.to_string(),
            init,
        )))
        .unwrap_or_else(|e| panic!("send: {e}"));
    match client.receiver.recv_timeout(Duration::from_secs(30)) {
        Ok(Message::Response(r)) => assert!(r.response_result.is_ok(), "initialize failed: {r:?}"),
        other => panic!("expected the initialize response, got {other:?}"),
    }
    send_notification(
        &client,
        Initialized::METHOD,
        lsp_types::InitializedParams {},
    );

    // The document lives only in the editor: the path does not exist on disk.
    let path = lab_path();
    let uri = infrac_lsp::path_to_uri(&path).unwrap_or_else(|| panic!("uri"));
    send_notification(
        &client,
        DidOpenTextDocument::METHOD,
        DidOpenTextDocumentParams {
            text_document: TextDocumentItem::new(uri.clone(), "infra".into(), 1, BROKEN.into()),
        },
    );
    let published = next_publication(&client, &path);
    assert_eq!(
        published.diagnostics.len(),
        1,
        "{:#?}",
        published.diagnostics
    );
    let d = &published.diagnostics[0];
    assert_eq!(d.code, Some(NumberOrString::String("E0412".into())));
    assert_eq!(
        d.range.start,
        lsp_types::Position::new(15, 17),
        "the second assignment, zero-based"
    );
    let related = d
        .related_information
        .as_ref()
        .unwrap_or_else(|| panic!("related information"));
    assert_eq!(
        related[0].location.range.start.line, 11,
        "first assigned on line 12"
    );
    assert!(related[0].message.contains("web has it"), "{related:?}");
    assert!(
        d.message
            .contains("help: give either one another address; the next free addresses"),
        "{}",
        d.message
    );

    // Fix the second address: the diagnostics are cleared.
    let fixed = BROKEN.replace(
        "vm db 101 on pve {\n  nic lan { ip = 192.168.10.61 }",
        "vm db 101 on pve {\n  nic lan { ip = 192.168.10.62 }",
    );
    assert_ne!(fixed, BROKEN);
    send_notification(
        &client,
        DidChangeTextDocument::METHOD,
        DidChangeTextDocumentParams {
            text_document: VersionedTextDocumentIdentifier::new(uri.clone(), 2),
            content_changes: vec![TextDocumentContentChangeEvent {
                range: None,
                range_length: None,
                text: fixed,
            }],
        },
    );
    assert!(next_publication(&client, &path).diagnostics.is_empty());

    send_notification(
        &client,
        DidCloseTextDocument::METHOD,
        DidCloseTextDocumentParams {
            text_document: TextDocumentIdentifier::new(uri),
        },
    );
    client
        .sender
        .send(Message::Request(Request::new(
            RequestId::from(2),
            Shutdown::METHOD.to_string(),
            (),
        )))
        .unwrap_or_else(|e| panic!("send: {e}"));
    loop {
        match client.receiver.recv_timeout(Duration::from_secs(30)) {
            Ok(Message::Response(r)) if r.id == RequestId::from(2) => break,
            Ok(_) => continue,
            Err(e) => panic!("no shutdown response: {e}"),
        }
    }
    send_notification(&client, Exit::METHOD, ());
    let result = thread
        .join()
        .unwrap_or_else(|_| Err("the server panicked".into()));
    assert_eq!(result, Ok(()));
}
