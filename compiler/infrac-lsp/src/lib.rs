//! The infrac language server: diagnostics as you type, from the same in-process front
//! end as `infrac check` (never by running the CLI).
//!
//! Open documents shadow the files on disk, so a lab and the files it imports are
//! checked as the editor shows them. Secondary labels become `relatedInformation`, help
//! and notes follow the message. Only this crate knows the LSP types.

mod convert;

use infrac_driver::{check_with, read_source};
use lsp_server::{Connection, Message, Notification, Request, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, DidSaveTextDocument,
    Notification as _, PublishDiagnostics,
};
use lsp_types::{
    PublishDiagnosticsParams, ServerCapabilities, TextDocumentSyncCapability, TextDocumentSyncKind,
    Uri,
};
use std::collections::{BTreeMap, BTreeSet};
use std::error::Error;
use std::path::{Path, PathBuf};

pub use convert::{path_to_uri, uri_to_path};

type Result<T> = std::result::Result<T, Box<dyn Error + Send + Sync>>;

/// Serves one client on `connection` until it asks to shut down.
pub fn run(connection: &Connection) -> Result<()> {
    let capabilities = ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Kind(TextDocumentSyncKind::FULL)),
        ..ServerCapabilities::default()
    };
    connection.initialize(serde_json::to_value(capabilities)?)?;
    let mut server = Server::default();
    for message in &connection.receiver {
        match message {
            Message::Request(request) => {
                if connection.handle_shutdown(&request)? {
                    return Ok(());
                }
                reply_unsupported(connection, request)?;
            }
            Message::Notification(notification) => {
                for publish in server.notification(notification) {
                    connection
                        .sender
                        .send(Message::Notification(Notification::new(
                            PublishDiagnostics::METHOD.to_string(),
                            publish,
                        )))?;
                }
            }
            Message::Response(_) => {}
        }
    }
    Ok(())
}

fn reply_unsupported(connection: &Connection, request: Request) -> Result<()> {
    let response = Response::new_err(
        request.id,
        lsp_server::ErrorCode::MethodNotFound as i32,
        format!("infrac does not implement {}", request.method),
    );
    connection.sender.send(Message::Response(response))?;
    Ok(())
}

/// The open documents and what was last published for each file.
#[derive(Default)]
struct Server {
    open: BTreeMap<PathBuf, String>,
    /// Files that currently show diagnostics, per open root document.
    published: BTreeMap<PathBuf, BTreeSet<PathBuf>>,
}

/// Open documents first, then the disk.
struct Overlay<'a>(&'a BTreeMap<PathBuf, String>);

impl infrac_driver::Loader for Overlay<'_> {
    fn read(&self, path: &Path) -> std::result::Result<String, infrac_driver::LoadError> {
        match self.0.get(path) {
            Some(text) => Ok(text.clone()),
            None => read_source(path),
        }
    }

    fn identity(&self, path: &Path) -> Option<PathBuf> {
        std::fs::canonicalize(path)
            .ok()
            .or_else(|| self.0.contains_key(path).then(|| path.to_path_buf()))
    }
}

impl Server {
    fn notification(&mut self, notification: Notification) -> Vec<PublishDiagnosticsParams> {
        let path = match notification.method.as_str() {
            DidOpenTextDocument::METHOD => notification
                .extract::<lsp_types::DidOpenTextDocumentParams>(DidOpenTextDocument::METHOD)
                .ok()
                .and_then(|p| {
                    let path = uri_to_path(&p.text_document.uri)?;
                    self.open.insert(path.clone(), p.text_document.text);
                    Some(path)
                }),
            DidChangeTextDocument::METHOD => notification
                .extract::<lsp_types::DidChangeTextDocumentParams>(DidChangeTextDocument::METHOD)
                .ok()
                .and_then(|p| {
                    let path = uri_to_path(&p.text_document.uri)?;
                    // Full synchronisation: the last change holds the whole text.
                    let text = p.content_changes.into_iter().last()?.text;
                    self.open.insert(path.clone(), text);
                    Some(path)
                }),
            DidSaveTextDocument::METHOD => notification
                .extract::<lsp_types::DidSaveTextDocumentParams>(DidSaveTextDocument::METHOD)
                .ok()
                .and_then(|p| uri_to_path(&p.text_document.uri)),
            DidCloseTextDocument::METHOD => {
                let closed = notification
                    .extract::<lsp_types::DidCloseTextDocumentParams>(DidCloseTextDocument::METHOD)
                    .ok()
                    .and_then(|p| uri_to_path(&p.text_document.uri));
                return match closed {
                    Some(path) => {
                        self.open.remove(&path);
                        self.clear(&path)
                    }
                    None => Vec::new(),
                };
            }
            _ => None,
        };
        match path {
            // An edit to one file can change what every open lab that imports it reports.
            Some(_) => self
                .open
                .keys()
                .cloned()
                .collect::<Vec<_>>()
                .into_iter()
                .flat_map(|root| self.check(&root))
                .collect(),
            None => Vec::new(),
        }
    }

    /// Checks the lab rooted at `root` and returns one publication per affected file.
    fn check(&mut self, root: &Path) -> Vec<PublishDiagnosticsParams> {
        let Some(text) = self.open.get(root) else {
            return Vec::new();
        };
        let name = root.to_string_lossy().into_owned();
        let analysis = check_with(&name, text, &Overlay(&self.open));
        let mut by_file: BTreeMap<PathBuf, Vec<lsp_types::Diagnostic>> = BTreeMap::new();
        for (_, file) in analysis.sources.iter() {
            if !file.name.starts_with('<') {
                by_file.entry(PathBuf::from(&file.name)).or_default();
            }
        }
        for diagnostic in &analysis.diagnostics {
            let Some(file) = analysis.sources.get(diagnostic.primary.span.file) else {
                continue;
            };
            if file.name.starts_with('<') {
                continue;
            }
            by_file
                .entry(PathBuf::from(&file.name))
                .or_default()
                .push(convert::diagnostic(&analysis.sources, diagnostic));
        }
        let current: BTreeSet<PathBuf> = by_file.keys().cloned().collect();
        let previous = self
            .published
            .insert(root.to_path_buf(), current.clone())
            .unwrap_or_default();
        let mut out: Vec<PublishDiagnosticsParams> = by_file
            .into_iter()
            .filter_map(|(path, diagnostics)| publish(&path, diagnostics))
            .collect();
        // Files the lab no longer imports keep no stale diagnostics.
        out.extend(
            previous
                .difference(&current)
                .filter_map(|gone| publish(gone, Vec::new())),
        );
        out
    }

    fn clear(&mut self, root: &Path) -> Vec<PublishDiagnosticsParams> {
        let files = self.published.remove(root).unwrap_or_default();
        files
            .iter()
            .filter_map(|p| publish(p, Vec::new()))
            .collect()
    }
}

fn publish(
    path: &Path,
    diagnostics: Vec<lsp_types::Diagnostic>,
) -> Option<PublishDiagnosticsParams> {
    let uri: Uri = path_to_uri(path)?;
    Some(PublishDiagnosticsParams {
        uri,
        diagnostics,
        version: None,
    })
}
