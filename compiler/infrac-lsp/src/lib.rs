//! The infrac language server: diagnostics as you type, from the same in-process front
//! end as `infrac check` (never by running the CLI).
//!
//! Open documents shadow the files on disk, so a lab and the files it imports are
//! checked as the editor shows them. The thread that reads messages keeps the documents
//! and answers requests; checks run on a checker thread (`checker.rs`), so a request is
//! answered while a lab is being checked. Secondary labels become `relatedInformation`,
//! help and notes follow the message. Only this crate knows the LSP types.

mod checker;
mod convert;
mod features;
mod text;
mod transport;

use checker::{Doc, Shared, Snapshot};
use lsp_server::{Connection, Message, Notification, Request, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidChangeWatchedFiles, DidCloseTextDocument, DidOpenTextDocument,
    DidSaveTextDocument, LogMessage, Notification as _,
};
use lsp_types::request::{
    Completion, DocumentSymbolRequest, GotoDefinition, HoverRequest, Request as _,
};
use lsp_types::{
    CompletionOptions, HoverProviderCapability, LogMessageParams, MessageType, OneOf, SaveOptions,
    ServerCapabilities, TextDocumentPositionParams, TextDocumentSyncCapability,
    TextDocumentSyncKind, TextDocumentSyncOptions, TextDocumentSyncSaveOptions,
};
use std::collections::BTreeMap;
use std::error::Error;
use std::path::PathBuf;
use std::sync::Arc;

pub use convert::{path_to_uri, uri_to_path};
pub use transport::serve;

type Result<T> = std::result::Result<T, Box<dyn Error + Send + Sync>>;

/// What the server offers, as sent in the `initialize` answer.
fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::INCREMENTAL),
                save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                    include_text: Some(false),
                })),
                ..TextDocumentSyncOptions::default()
            },
        )),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        document_symbol_provider: Some(OneOf::Left(true)),
        completion_provider: Some(CompletionOptions::default()),
        ..ServerCapabilities::default()
    }
}

/// Serves one client on `connection` until it asks to shut down or disconnects.
pub fn run(connection: &Connection) -> Result<()> {
    connection.initialize(serde_json::to_value(capabilities())?)?;
    let shared = Arc::new(Shared::default());
    let checker = {
        let shared = Arc::clone(&shared);
        let sender = connection.sender.clone();
        std::thread::Builder::new()
            .name("infrac-lsp-checker".into())
            .spawn(move || checker::run(&shared, &sender))?
    };
    let mut server = Server {
        docs: BTreeMap::new(),
        serial: 0,
        generation: 0,
        disk_epoch: 0,
        shared: Arc::clone(&shared),
        sender: connection.sender.clone(),
    };
    let served = serve_messages(connection, &mut server);
    shared.stop();
    checker
        .join()
        .map_err(|_| "the checker thread panicked".to_string())?;
    served
}

fn serve_messages(connection: &Connection, server: &mut Server) -> Result<()> {
    for message in &connection.receiver {
        match message {
            Message::Request(request) => {
                if connection.handle_shutdown(&request)? {
                    return Ok(());
                }
                server.request(request);
            }
            Message::Notification(notification) => server.notification(notification),
            Message::Response(_) => {}
        }
    }
    Ok(())
}

/// The request thread's state: the open documents.
struct Server {
    docs: BTreeMap<PathBuf, Doc>,
    /// The last serial given to a document text.
    serial: u64,
    generation: u64,
    disk_epoch: u64,
    shared: Arc<Shared>,
    sender: crossbeam_channel::Sender<Message>,
}

impl Server {
    fn request(&mut self, request: Request) {
        let id = request.id.clone();
        let answer = match request.method.as_str() {
            HoverRequest::METHOD => self.at_position(request, |analysis, path, position| {
                serde_json::to_value(features::hover(analysis, path, position))
            }),
            GotoDefinition::METHOD => self.at_position(request, |analysis, path, position| {
                serde_json::to_value(features::definition(analysis, path, position))
            }),
            DocumentSymbolRequest::METHOD => {
                let params: std::result::Result<lsp_types::DocumentSymbolParams, _> =
                    serde_json::from_value(request.params);
                params
                    .map_err(|e| invalid_params(&e))
                    .and_then(|p| self.open_text(&p.text_document.uri))
                    .and_then(|text| {
                        serde_json::to_value(features::document_symbols(&text))
                            .map_err(|e| internal(&e))
                    })
            }
            Completion::METHOD => {
                let params: std::result::Result<lsp_types::CompletionParams, _> =
                    serde_json::from_value(request.params);
                params.map_err(|e| invalid_params(&e)).and_then(|p| {
                    let at = p.text_document_position;
                    let text = self.open_text(&at.text_document.uri)?;
                    serde_json::to_value(features::completion(&text, at.position))
                        .map_err(|e| internal(&e))
                })
            }
            method => Err((
                lsp_server::ErrorCode::MethodNotFound,
                format!("infrac does not implement {method}"),
            )),
        };
        let response = match answer {
            Ok(value) => Response {
                id,
                response_result: Ok(value),
            },
            Err((code, message)) => Response::new_err(id, code as i32, message),
        };
        self.send(Message::Response(response));
    }

    /// Answers a request at a position from the last analysis that covers its document
    /// (`null` before the first one).
    fn at_position(
        &self,
        request: Request,
        answer: impl Fn(
            &infrac_driver::Analysis,
            &std::path::Path,
            lsp_types::Position,
        ) -> serde_json::Result<serde_json::Value>,
    ) -> std::result::Result<serde_json::Value, (lsp_server::ErrorCode, String)> {
        let params: TextDocumentPositionParams =
            serde_json::from_value(request.params).map_err(|e| invalid_params(&e))?;
        let path = path_of(&params.text_document.uri)
            .map_err(|e| (lsp_server::ErrorCode::InvalidParams, e))?;
        match self.shared.analysis_for(&path) {
            Some(analysis) => answer(&analysis, &path, params.position).map_err(|e| internal(&e)),
            None => Ok(serde_json::Value::Null),
        }
    }

    /// The text of an open document.
    fn open_text(
        &self,
        uri: &lsp_types::Uri,
    ) -> std::result::Result<Arc<str>, (lsp_server::ErrorCode, String)> {
        let path = path_of(uri).map_err(|e| (lsp_server::ErrorCode::InvalidParams, e))?;
        self.docs
            .get(&path)
            .map(|d| Arc::clone(&d.text))
            .ok_or_else(|| {
                (
                    lsp_server::ErrorCode::InvalidParams,
                    format!("{} is not open", path.display()),
                )
            })
    }

    fn notification(&mut self, notification: Notification) {
        let method = notification.method.clone();
        let changed = match method.as_str() {
            DidOpenTextDocument::METHOD => self.open(notification),
            DidChangeTextDocument::METHOD => self.change(notification),
            DidCloseTextDocument::METHOD => self.close(notification),
            // Open documents already shadow the disk; saving changes nothing checked.
            DidSaveTextDocument::METHOD => Ok(false),
            DidChangeWatchedFiles::METHOD => {
                self.disk_epoch += 1;
                Ok(true)
            }
            _ => Ok(false),
        };
        match changed {
            Ok(true) => self.post(),
            Ok(false) => {}
            Err(why) => self.log(MessageType::ERROR, format!("{method}: {why}")),
        }
    }

    fn next_serial(&mut self) -> u64 {
        self.serial += 1;
        self.serial
    }

    fn open(&mut self, notification: Notification) -> std::result::Result<bool, String> {
        let params: lsp_types::DidOpenTextDocumentParams = extract(notification)?;
        let path = path_of(&params.text_document.uri)?;
        let serial = self.next_serial();
        self.docs.insert(
            path,
            Doc {
                text: params.text_document.text.into(),
                version: params.text_document.version,
                serial,
            },
        );
        Ok(true)
    }

    fn change(&mut self, notification: Notification) -> std::result::Result<bool, String> {
        let params: lsp_types::DidChangeTextDocumentParams = extract(notification)?;
        let path = path_of(&params.text_document.uri)?;
        let serial = self.next_serial();
        let Some(doc) = self.docs.get_mut(&path) else {
            return Err(format!(
                "{} was never opened (didOpen must come first); the change is ignored",
                path.display()
            ));
        };
        let mut text = doc.text.to_string();
        for change in params.content_changes {
            match change.range {
                Some(range) => {
                    let bytes = text::byte_range(&text, range);
                    text.replace_range(bytes, &change.text);
                }
                None => text = change.text,
            }
        }
        doc.text = text.into();
        doc.version = params.text_document.version;
        doc.serial = serial;
        Ok(true)
    }

    fn close(&mut self, notification: Notification) -> std::result::Result<bool, String> {
        let params: lsp_types::DidCloseTextDocumentParams = extract(notification)?;
        let path = path_of(&params.text_document.uri)?;
        match self.docs.remove(&path) {
            Some(_) => Ok(true),
            None => Err(format!("{} was not open", path.display())),
        }
    }

    /// Hands the checker the documents as they are now.
    fn post(&mut self) {
        self.generation += 1;
        self.shared.post(Snapshot {
            generation: self.generation,
            docs: self.docs.clone(),
            disk_epoch: self.disk_epoch,
        });
    }

    fn log(&self, typ: MessageType, message: String) {
        let params = LogMessageParams { typ, message };
        self.send(Message::Notification(Notification::new(
            LogMessage::METHOD.to_string(),
            params,
        )));
    }

    fn send(&self, message: Message) {
        // The client is gone when this fails; the receiving loop ends on its own.
        let _ = self.sender.send(message);
    }
}

fn invalid_params(e: &serde_json::Error) -> (lsp_server::ErrorCode, String) {
    (
        lsp_server::ErrorCode::InvalidParams,
        format!("bad parameters: {e}"),
    )
}

fn internal(e: &serde_json::Error) -> (lsp_server::ErrorCode, String) {
    (lsp_server::ErrorCode::InternalError, e.to_string())
}

fn extract<P: serde::de::DeserializeOwned>(
    notification: Notification,
) -> std::result::Result<P, String> {
    serde_json::from_value(notification.params).map_err(|e| format!("bad parameters: {e}"))
}

fn path_of(uri: &lsp_types::Uri) -> std::result::Result<PathBuf, String> {
    uri_to_path(uri).ok_or_else(|| format!("`{}` is not a file URI", uri.as_str()))
}
