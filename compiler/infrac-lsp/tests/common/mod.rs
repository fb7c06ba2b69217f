//! A scripted LSP client over an in-memory connection, shared by the protocol tests.
#![allow(dead_code)]

pub mod labs;

use lsp_server::{Connection, Message, Notification, Request, RequestId};
use lsp_types::notification::{
    DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, Exit, Initialized,
    Notification as _, PublishDiagnostics,
};
use lsp_types::request::{Initialize, Request as _, Shutdown};
use lsp_types::{
    DidChangeTextDocumentParams, DidCloseTextDocumentParams, DidOpenTextDocumentParams,
    NumberOrString, PublishDiagnosticsParams, TextDocumentContentChangeEvent,
    TextDocumentIdentifier, TextDocumentItem, Uri, VersionedTextDocumentIdentifier,
};
use std::path::{Path, PathBuf};
use std::time::Duration;

pub fn uri(path: &Path) -> Uri {
    infrac_lsp::path_to_uri(path).unwrap_or_else(|| panic!("no URI for {}", path.display()))
}

pub struct Client {
    /// What the server announced in its `initialize` answer.
    pub capabilities: serde_json::Value,
    connection: Connection,
    thread: Option<std::thread::JoinHandle<Result<(), String>>>,
    next_id: i32,
}

impl Client {
    pub fn start() -> Client {
        let (server, connection) = Connection::memory();
        let thread =
            std::thread::spawn(move || infrac_lsp::run(&server).map_err(|e| e.to_string()));
        let mut client = Client {
            capabilities: serde_json::Value::Null,
            connection,
            thread: Some(thread),
            next_id: 1,
        };
        let id = client.request(Initialize::METHOD, lsp_types::InitializeParams::default());
        let response = client.response(&id);
        let sync = &response["capabilities"]["textDocumentSync"];
        assert_eq!(sync["change"], 2, "incremental sync is offered: {sync}");
        client.capabilities = response["capabilities"].clone();
        client.notify(Initialized::METHOD, lsp_types::InitializedParams {});
        client
    }

    pub fn notify<P: serde::Serialize>(&self, method: &str, params: P) {
        let params = serde_json::to_value(params).unwrap_or_default();
        self.connection
            .sender
            .send(Message::Notification(Notification::new(
                method.to_string(),
                params,
            )))
            .unwrap_or_else(|e| panic!("send: {e}"));
    }

    pub fn request<P: serde::Serialize>(&mut self, method: &str, params: P) -> RequestId {
        let id = RequestId::from(self.next_id);
        self.next_id += 1;
        self.connection
            .sender
            .send(Message::Request(Request::new(
                id.clone(),
                method.to_string(),
                params,
            )))
            .unwrap_or_else(|e| panic!("send: {e}"));
        id
    }

    pub fn recv(&self) -> Message {
        self.connection
            .receiver
            .recv_timeout(Duration::from_secs(120))
            .unwrap_or_else(|e| panic!("no message from the server: {e}"))
    }

    /// The result of request `id`, skipping other messages.
    pub fn response(&self, id: &RequestId) -> serde_json::Value {
        loop {
            if let Message::Response(r) = self.recv() {
                if &r.id == id {
                    return r
                        .response_result
                        .unwrap_or_else(|e| panic!("request failed: {e:?}"));
                }
            }
        }
    }

    /// The result or the error of request `id`, skipping other messages.
    pub fn outcome(&self, id: &RequestId) -> Result<serde_json::Value, lsp_server::ResponseError> {
        loop {
            if let Message::Response(r) = self.recv() {
                if &r.id == id {
                    return r.response_result;
                }
            }
        }
    }

    /// Sends a request and waits for its result.
    pub fn ask<P: serde::Serialize>(&mut self, method: &str, params: P) -> serde_json::Value {
        let id = self.request(method, params);
        self.response(&id)
    }

    pub fn open(&self, path: &Path, text: &str) {
        self.notify(
            DidOpenTextDocument::METHOD,
            DidOpenTextDocumentParams {
                text_document: TextDocumentItem::new(uri(path), "infra".into(), 1, text.into()),
            },
        );
    }

    pub fn change(&self, path: &Path, version: i32, changes: Vec<TextDocumentContentChangeEvent>) {
        self.notify(
            DidChangeTextDocument::METHOD,
            DidChangeTextDocumentParams {
                text_document: VersionedTextDocumentIdentifier::new(uri(path), version),
                content_changes: changes,
            },
        );
    }

    pub fn close(&self, path: &Path) {
        self.notify(
            DidCloseTextDocument::METHOD,
            DidCloseTextDocumentParams {
                text_document: TextDocumentIdentifier::new(uri(path)),
            },
        );
    }

    /// Publications (and log messages) until one for `path` satisfies `done`; returns
    /// all publications seen, by path.
    pub fn publications_until(
        &self,
        path: &Path,
        done: impl Fn(&PublishDiagnosticsParams) -> bool,
    ) -> Vec<(PathBuf, PublishDiagnosticsParams)> {
        let mut seen = Vec::new();
        loop {
            if let Message::Notification(n) = self.recv() {
                if n.method == PublishDiagnostics::METHOD {
                    let params: PublishDiagnosticsParams = serde_json::from_value(n.params)
                        .unwrap_or_else(|e| panic!("bad params: {e}"));
                    let at = infrac_lsp::uri_to_path(&params.uri).unwrap_or_default();
                    let finished = at == path && done(&params);
                    seen.push((at, params));
                    if finished {
                        return seen;
                    }
                }
            }
        }
    }

    pub fn next_publication(&self, path: &Path) -> PublishDiagnosticsParams {
        let mut seen = self.publications_until(path, |_| true);
        seen.pop()
            .map(|(_, p)| p)
            .unwrap_or_else(|| panic!("no publication"))
    }

    pub fn shutdown(mut self) {
        let id = self.request(Shutdown::METHOD, ());
        self.response(&id);
        self.notify(Exit::METHOD, ());
        let result = self.thread.take().map(|t| {
            t.join()
                .unwrap_or_else(|_| Err("the server panicked".into()))
        });
        assert_eq!(result, Some(Ok(())));
    }
}

pub fn codes(p: &PublishDiagnosticsParams) -> Vec<String> {
    p.diagnostics
        .iter()
        .map(|d| match &d.code {
            Some(NumberOrString::String(s)) => s.clone(),
            other => format!("{other:?}"),
        })
        .collect()
}
