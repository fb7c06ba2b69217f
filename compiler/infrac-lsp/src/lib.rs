//! The infrac language server: diagnostics as you type, from the same in-process front
//! end as `infrac check` (never by running the CLI).
//!
//! Open documents shadow the files on disk, so a lab and the files it imports are
//! checked as the editor shows them. The thread that reads messages keeps the documents
//! and answers requests; checks run on a checker thread (`checker.rs`), so a request is
//! answered while a lab is being checked. Secondary labels become `relatedInformation`,
//! help and notes follow the message. Only this crate knows the LSP types.

mod actions;
mod checker;
mod complete;
mod convert;
mod facts;
mod hover;
mod index;
mod inlay;
mod navigate;
mod outbox;
mod outline;
mod requests;
mod text;
mod tokens;
mod transport;
mod values;

use checker::{Doc, Shared, Snapshot};
use lsp_server::{Connection, Message, Notification, Request, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidChangeWatchedFiles, DidCloseTextDocument, DidOpenTextDocument,
    DidSaveTextDocument, LogMessage, Notification as _,
};
use lsp_types::{
    CodeActionKind, CodeActionOptions, CodeActionProviderCapability, CompletionOptions,
    FoldingRangeProviderCapability, HoverProviderCapability, InlayHintServerCapabilities,
    LogMessageParams, MessageType, OneOf, RenameOptions, SaveOptions, SemanticTokensFullOptions,
    SemanticTokensOptions, SemanticTokensServerCapabilities, ServerCapabilities,
    TextDocumentSyncCapability, TextDocumentSyncKind, TextDocumentSyncOptions,
    TextDocumentSyncSaveOptions, WorkDoneProgressOptions,
};
use std::collections::BTreeMap;
use std::error::Error;
use std::path::PathBuf;
use std::sync::Arc;

pub use convert::{path_to_uri, uri_to_path, STDLIB_SCHEME};
pub use transport::serve;

type Result<T> = std::result::Result<T, Box<dyn Error + Send + Sync>>;

/// What the server offers, as sent in the `initialize` answer: the typed capabilities
/// plus LSP 3.18's `workspace.textDocumentContent` for the stdlib's documents, which
/// `lsp-types` does not know yet.
fn capabilities() -> serde_json::Result<serde_json::Value> {
    let mut value = serde_json::to_value(typed_capabilities())?;
    value["workspace"]["textDocumentContent"] = serde_json::json!({ "schemes": [STDLIB_SCHEME] });
    Ok(value)
}

fn typed_capabilities() -> ServerCapabilities {
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
        references_provider: Some(OneOf::Left(true)),
        document_highlight_provider: Some(OneOf::Left(true)),
        rename_provider: Some(OneOf::Right(RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: WorkDoneProgressOptions::default(),
        })),
        document_symbol_provider: Some(OneOf::Left(true)),
        workspace_symbol_provider: Some(OneOf::Left(true)),
        folding_range_provider: Some(FoldingRangeProviderCapability::Simple(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![".".into(), " ".into()]),
            ..CompletionOptions::default()
        }),
        document_formatting_provider: Some(OneOf::Left(true)),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
            ..CodeActionOptions::default()
        })),
        semantic_tokens_provider: Some(SemanticTokensServerCapabilities::SemanticTokensOptions(
            SemanticTokensOptions {
                legend: tokens::legend(),
                full: Some(SemanticTokensFullOptions::Delta { delta: Some(true) }),
                range: None,
                work_done_progress_options: WorkDoneProgressOptions::default(),
            },
        )),
        inlay_hint_provider: Some(OneOf::Right(InlayHintServerCapabilities::Options(
            lsp_types::InlayHintOptions::default(),
        ))),
        ..ServerCapabilities::default()
    }
}

/// Serves one client on `connection` until it asks to shut down or disconnects.
pub fn run(connection: &Connection) -> Result<()> {
    run_with(connection, None)
}

/// [`run`], handing answers and notifications to `bodies` serialised when the transport
/// takes them so ([`outbox`]).
fn run_with(
    connection: &Connection,
    bodies: Option<crossbeam_channel::Sender<String>>,
) -> Result<()> {
    connection.initialize(capabilities()?)?;
    let outbox = outbox::Outbox::new(connection.sender.clone(), bodies);
    let shared = Arc::new(Shared::default());
    let checker = {
        let shared = Arc::clone(&shared);
        let outbox = outbox.clone();
        std::thread::Builder::new()
            .name("infrac-lsp-checker".into())
            .spawn(move || checker::run(&shared, &outbox))?
    };
    let mut server = Server {
        docs: BTreeMap::new(),
        serial: 0,
        generation: 0,
        disk_epoch: 0,
        shared: Arc::clone(&shared),
        outbox,
        sent_tokens: std::cell::RefCell::default(),
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
    outbox: outbox::Outbox,
    /// The semantic tokens last sent for each document, for deltas. Only the request
    /// thread answers requests.
    sent_tokens: std::cell::RefCell<tokens::Sent>,
}

impl Server {
    fn request(&mut self, request: Request) {
        let id = request.id.clone();
        // The client is gone when sending fails; the receiving loop ends on its own.
        match self.answer(request) {
            Ok(result) => self.outbox.reply(id, &result),
            Err((code, message)) => self.outbox.send(Message::Response(Response::new_err(
                id,
                code as i32,
                message,
            ))),
        };
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
        if convert::stdlib_text(&path).is_some() {
            // A stdlib module shown read-only: the server has its text already.
            return Ok(false);
        }
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
        if convert::stdlib_text(&path).is_some() {
            return Ok(false);
        }
        self.sent_tokens.borrow_mut().forget(&path);
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
        self.outbox.notify(LogMessage::METHOD, &params);
    }
}

fn extract<P: serde::de::DeserializeOwned>(
    notification: Notification,
) -> std::result::Result<P, String> {
    serde_json::from_value(notification.params).map_err(|e| format!("bad parameters: {e}"))
}

fn path_of(uri: &lsp_types::Uri) -> std::result::Result<PathBuf, String> {
    uri_to_path(uri).ok_or_else(|| format!("`{}` is not a file URI", uri.as_str()))
}
