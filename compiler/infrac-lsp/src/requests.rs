//! Answers to requests: each method's parameters in, the feature module's answer out.
//!
//! Answers that need the lab come from the last analysis that covers the document (`null`
//! or empty before the first); answers about the text alone (formatting, folding,
//! document symbols) come from the document as the editor shows it now.

use crate::convert::{self, STDLIB_SCHEME};
use crate::index::Checked;
use crate::{actions, complete, hover, inlay, navigate, outbox, outline, tokens, Server};
use infrac_driver::Analysis;
use lsp_server::{ErrorCode, Request};
use lsp_types::request::{
    CodeActionRequest, Completion, DocumentHighlightRequest, DocumentSymbolRequest,
    FoldingRangeRequest, Formatting, GotoDefinition, HoverRequest, InlayHintRequest,
    PrepareRenameRequest, References, Rename, Request as _, SemanticTokensFullDeltaRequest,
    SemanticTokensFullRequest, WorkspaceSymbolRequest,
};
use lsp_types::{Position, TextDocumentPositionParams, TextEdit, Uri};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A result serialised already, or why there is none.
pub(crate) type Answer = Result<outbox::Serialised, (ErrorCode, String)>;

/// LSP 3.18's request for the text of a document the server provides (the stdlib's).
pub(crate) const TEXT_DOCUMENT_CONTENT: &str = "workspace/textDocumentContent";

fn params<P: serde::de::DeserializeOwned>(request: Request) -> Result<P, (ErrorCode, String)> {
    serde_json::from_value(request.params)
        .map_err(|e| (ErrorCode::InvalidParams, format!("bad parameters: {e}")))
}

fn json(value: impl serde::Serialize) -> Answer {
    outbox::result(&value).map_err(internal)
}

fn internal(why: serde_json::Error) -> (ErrorCode, String) {
    (ErrorCode::InternalError, why.to_string())
}

/// The answer `null`: nothing known yet.
fn null() -> Answer {
    json(())
}

fn path_of(uri: &Uri) -> Result<PathBuf, (ErrorCode, String)> {
    crate::path_of(uri).map_err(|e| (ErrorCode::InvalidParams, e))
}

impl Server {
    pub(crate) fn answer(&self, request: Request) -> Answer {
        match request.method.as_str() {
            HoverRequest::METHOD => self.at_position(request, |a, path, position| {
                json(hover::hover(a, path, position))
            }),
            GotoDefinition::METHOD => self.at_position(request, |a, path, position| {
                json(navigate::definition(a, path, position))
            }),
            DocumentHighlightRequest::METHOD => self.at_position(request, |a, path, position| {
                json(navigate::highlights(a, path, position))
            }),
            References::METHOD => {
                let p: lsp_types::ReferenceParams = params(request)?;
                let at = p.text_document_position;
                let path = path_of(&at.text_document.uri)?;
                let Some(analysis) = self.shared.analysis_for(&path) else {
                    return null();
                };
                json(navigate::references(
                    &self.shared.labs(),
                    &analysis,
                    &path,
                    at.position,
                    p.context.include_declaration,
                ))
            }
            PrepareRenameRequest::METHOD => {
                let p: TextDocumentPositionParams = params(request)?;
                let path = path_of(&p.text_document.uri)?;
                let Some(analysis) = self.shared.analysis_for(&path) else {
                    return null();
                };
                navigate::prepare_rename(&analysis, &path, p.position)
                    .map_err(|why| (ErrorCode::RequestFailed, why))
                    .and_then(json)
            }
            Rename::METHOD => {
                let p: lsp_types::RenameParams = params(request)?;
                let at = p.text_document_position;
                let path = path_of(&at.text_document.uri)?;
                let Some(analysis) = self.shared.analysis_for(&path) else {
                    return Err((
                        ErrorCode::RequestFailed,
                        "the lab has not been checked yet; try again in a moment".into(),
                    ));
                };
                let open = self
                    .docs
                    .iter()
                    .map(|(p, d)| (p.clone(), Arc::clone(&d.text)))
                    .collect();
                navigate::rename(
                    &self.shared.labs(),
                    &open,
                    &analysis,
                    &path,
                    at.position,
                    &p.new_name,
                )
                .map_err(|why| (ErrorCode::RequestFailed, why))
                .and_then(json)
            }
            WorkspaceSymbolRequest::METHOD => {
                let p: lsp_types::WorkspaceSymbolParams = params(request)?;
                json(navigate::workspace_symbols(&self.shared.labs(), &p.query))
            }
            DocumentSymbolRequest::METHOD => {
                let p: lsp_types::DocumentSymbolParams = params(request)?;
                let text = self.text(&p.text_document.uri)?;
                let path = path_of(&p.text_document.uri)?;
                let checked = self.shared.analysis_for(&path);
                let tree = checked.as_deref().and_then(|c| c.tree_of(&path, &text));
                json(outline::document_symbols(&text, tree))
            }
            FoldingRangeRequest::METHOD => {
                let p: lsp_types::FoldingRangeParams = params(request)?;
                let text = self.text(&p.text_document.uri)?;
                let path = path_of(&p.text_document.uri)?;
                let checked = self.shared.analysis_for(&path);
                let tree = checked.as_deref().and_then(|c| c.tree_of(&path, &text));
                json(outline::folding_ranges(&text, tree))
            }
            Completion::METHOD => {
                let p: lsp_types::CompletionParams = params(request)?;
                let at = p.text_document_position;
                let text = self.text(&at.text_document.uri)?;
                let path = path_of(&at.text_document.uri)?;
                let analysis = self.shared.analysis_for(&path);
                json(complete::completion(
                    &text,
                    at.position,
                    analysis.as_deref(),
                ))
            }
            Formatting::METHOD => {
                let p: lsp_types::DocumentFormattingParams = params(request)?;
                let text = self.text(&p.text_document.uri)?;
                format(&text)
            }
            CodeActionRequest::METHOD => {
                let p: lsp_types::CodeActionParams = params(request)?;
                let uri = p.text_document.uri;
                let text = self.text(&uri)?;
                let path = path_of(&uri)?;
                let analysis = self.shared.analysis_for(&path);
                json(actions::code_actions(
                    &uri,
                    &text,
                    p.range,
                    &p.context.diagnostics,
                    analysis
                        .as_deref()
                        .map(|c| &c.analysis)
                        .filter(|a| same_text(a, &path, &text)),
                ))
            }
            SemanticTokensFullRequest::METHOD => {
                let p: lsp_types::SemanticTokensParams = params(request)?;
                let (path, tokens) = self.semantic_tokens(&p.text_document.uri)?;
                let answer = self.sent_tokens.borrow_mut().full(&path, tokens);
                answer.map_err(internal)
            }
            SemanticTokensFullDeltaRequest::METHOD => {
                let p: lsp_types::SemanticTokensDeltaParams = params(request)?;
                let (path, tokens) = self.semantic_tokens(&p.text_document.uri)?;
                let mut sent = self.sent_tokens.borrow_mut();
                let answer = sent.delta(&path, &p.previous_result_id, tokens);
                answer.map_err(internal)
            }
            InlayHintRequest::METHOD => {
                let p: lsp_types::InlayHintParams = params(request)?;
                let text = self.text(&p.text_document.uri)?;
                let path = path_of(&p.text_document.uri)?;
                // Hints sit at offsets of the checked text: none until it is current.
                match self
                    .shared
                    .analysis_for(&path)
                    .filter(|a| same_text(a, &path, &text))
                {
                    Some(analysis) => json(inlay::inlay_hints(&analysis, &path, p.range)),
                    None => json(Vec::<lsp_types::InlayHint>::new()),
                }
            }
            TEXT_DOCUMENT_CONTENT => {
                #[derive(serde::Deserialize)]
                struct Params {
                    uri: Uri,
                }
                let p: Params = params(request)?;
                let path = path_of(&p.uri)?;
                match convert::stdlib_text(&path) {
                    Some(text) => json(serde_json::json!({ "text": text })),
                    None => Err((
                        ErrorCode::InvalidParams,
                        format!("infrac provides only `{STDLIB_SCHEME}:` documents"),
                    )),
                }
            }
            method => Err((
                ErrorCode::MethodNotFound,
                format!("infrac does not implement {method}"),
            )),
        }
    }

    /// Answers a request at a position from the last analysis that covers its document
    /// (`null` before the first one).
    fn at_position(
        &self,
        request: Request,
        answer: impl Fn(&Checked, &Path, Position) -> Answer,
    ) -> Answer {
        let p: TextDocumentPositionParams = params(request)?;
        let path = path_of(&p.text_document.uri)?;
        match self.shared.analysis_for(&path) {
            Some(analysis) => answer(&analysis, &path, p.position),
            None => null(),
        }
    }

    /// The semantic tokens of the document at `uri` as it is now, names coloured from the
    /// last analysis that covers it, and its path.
    fn semantic_tokens(
        &self,
        uri: &Uri,
    ) -> Result<(PathBuf, lsp_types::SemanticTokens), (ErrorCode, String)> {
        let text = self.text(uri)?;
        let path = path_of(uri)?;
        let index = self.shared.analysis_for(&path);
        let tokens = tokens::semantic_tokens(&text, index.as_deref().map(|c| c.index()));
        Ok((path, tokens))
    }

    /// The text of an open document, or of a stdlib module.
    pub(crate) fn text(&self, uri: &Uri) -> Result<Arc<str>, (ErrorCode, String)> {
        let path = path_of(uri)?;
        if let Some(text) = convert::stdlib_text(&path) {
            return Ok(text.into());
        }
        self.docs
            .get(&path)
            .map(|d| Arc::clone(&d.text))
            .ok_or_else(|| {
                (
                    ErrorCode::InvalidParams,
                    format!("{} is not open", path.display()),
                )
            })
    }
}

/// Whether the analysis read `path` with the text `text`.
fn same_text(analysis: &Analysis, path: &Path, text: &str) -> bool {
    analysis
        .sources
        .find(&path.to_string_lossy())
        .and_then(|id| analysis.sources.get(id))
        .is_some_and(|f| f.text == text)
}

/// The whole document laid out by `infrac fmt`: one edit, or none when it is formatted.
fn format(text: &str) -> Answer {
    match infrac_syntax::format(text) {
        Ok(out) if out == text => json(Vec::<TextEdit>::new()),
        Ok(out) => {
            let starts = infrac_diagnostics::line_starts(text);
            let end = crate::text::position(text, &starts, text.len());
            json(vec![TextEdit::new(
                lsp_types::Range::new(Position::new(0, 0), end),
                out,
            )])
        }
        Err(why) => Err((ErrorCode::RequestFailed, why.to_string())),
    }
}
