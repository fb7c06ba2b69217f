//! Go to definition, find references, rename and workspace symbols: the name tables of
//! every open lab (`index.rs`), across their files and into the stdlib.
//!
//! A rename is checked before it is offered: the lab is checked again with the new name
//! in place, and a rename that would add an error is refused with that error, so an
//! accepted rename never breaks the lab (a name the naming rules reject, a name that is
//! also a zone or a hostname elsewhere).

use crate::convert;
use crate::hover::At;
use crate::index::Checked;
use infrac_driver::{check_with, read_source, Analysis};
use lsp_types::{
    Location, Position, PrepareRenameResponse, SymbolKind, TextEdit, Uri, WorkspaceEdit,
    WorkspaceSymbol,
};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The labs the server last checked, by root.
pub(crate) type Labs = Vec<(PathBuf, Arc<Checked>)>;

/// A declaration, identified across analyses by its file and where its name starts.
#[derive(Clone, PartialEq, Eq)]
struct Target {
    file: String,
    start: u32,
    name: String,
    namespace: Option<String>,
}

fn target_at(analysis: &Checked, path: &Path, position: Position) -> Option<Target> {
    let at = At::new(analysis, path, position)?;
    let index = analysis.index();
    let occurrence = index.at(at.file, at.offset)?;
    let symbol = &index.symbols[occurrence.symbol];
    Some(Target {
        file: analysis.sources.get(symbol.name_span.file)?.name.clone(),
        start: symbol.name_span.start,
        name: symbol.name.clone(),
        namespace: symbol.namespace.clone(),
    })
}

pub(crate) fn definition(analysis: &Checked, path: &Path, position: Position) -> Option<Location> {
    let at = At::new(analysis, path, position)?;
    let index = analysis.index();
    let occurrence = index.at(at.file, at.offset)?;
    convert::location(
        &analysis.sources,
        index.symbols[occurrence.symbol].name_span,
    )
}

/// The places in this file where the name under the cursor is named: the declaration
/// written, the uses read.
pub(crate) fn highlights(
    analysis: &Checked,
    path: &Path,
    position: Position,
) -> Vec<lsp_types::DocumentHighlight> {
    let Some(at) = At::new(analysis, path, position) else {
        return Vec::new();
    };
    let index = analysis.index();
    let Some(occurrence) = index.at(at.file, at.offset) else {
        return Vec::new();
    };
    index
        .occurrences_of(occurrence.symbol)
        .filter(|o| o.span.file == at.file)
        .map(|o| lsp_types::DocumentHighlight {
            range: at.range(o.span),
            kind: Some(if o.is_definition {
                lsp_types::DocumentHighlightKind::WRITE
            } else {
                lsp_types::DocumentHighlightKind::READ
            }),
        })
        .collect()
}

/// Every place the target is named, in every lab that holds its file: `(analysis,
/// span)` pairs, without repeats.
fn occurrences(labs: &Labs, target: &Target, declaration: bool) -> Vec<(Location, String)> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for (_, analysis) in labs {
        let Some(file) = analysis.sources.find(&target.file) else {
            continue;
        };
        let index = analysis.index();
        let Some(symbol) = index
            .symbols
            .iter()
            .position(|s| s.name_span.file == file && s.name_span.start == target.start)
        else {
            continue;
        };
        for o in index.occurrences_of(symbol) {
            if o.is_definition && !declaration {
                continue;
            }
            let Some(source) = analysis.sources.get(o.span.file) else {
                continue;
            };
            if !seen.insert((source.name.clone(), o.span.start)) {
                continue;
            }
            if let Some(location) = convert::location(&analysis.sources, o.span) {
                out.push((location, source.name.clone()));
            }
        }
    }
    out
}

pub(crate) fn references(
    labs: &Labs,
    analysis: &Checked,
    path: &Path,
    position: Position,
    declaration: bool,
) -> Vec<Location> {
    let Some(target) = target_at(analysis, path, position) else {
        return Vec::new();
    };
    occurrences(labs, &target, declaration)
        .into_iter()
        .map(|(l, _)| l)
        .collect()
}

/// Why a declaration cannot be renamed, if it cannot.
fn refusal(target: &Target) -> Option<String> {
    target.file.starts_with('<').then(|| {
        format!(
            "`{}` is declared in the stdlib, which is read-only",
            target.name
        )
    })
}

pub(crate) fn prepare_rename(
    analysis: &Checked,
    path: &Path,
    position: Position,
) -> Result<Option<PrepareRenameResponse>, String> {
    let Some(at) = At::new(analysis, path, position) else {
        return Ok(None);
    };
    let index = analysis.index();
    let Some(occurrence) = index.at(at.file, at.offset) else {
        return Err("only the name of a declaration can be renamed".into());
    };
    let target = target_at(analysis, path, position).ok_or("no declaration here")?;
    if let Some(why) = refusal(&target) {
        return Err(why);
    }
    Ok(Some(PrepareRenameResponse::RangeWithPlaceholder {
        range: at.range(occurrence.span),
        placeholder: target.name,
    }))
}

/// Whether `name` lexes as one identifier.
fn is_identifier(name: &str) -> bool {
    let lexed = infrac_syntax::lexer::lex(name, infrac_diagnostics::FileId(0));
    let tokens: Vec<_> = lexed
        .tokens
        .iter()
        .filter(|(t, _)| *t != infrac_syntax::token::Token::Newline)
        .collect();
    lexed.diagnostics.is_empty()
        && matches!(tokens.as_slice(), [(infrac_syntax::token::Token::Ident(n), _)] if n == name)
}

/// The open documents' texts, to make sure a rename edits what the editor shows.
pub(crate) type OpenTexts = BTreeMap<PathBuf, Arc<str>>;

// `WorkspaceEdit::changes` is keyed by `Uri`, whose lazily filled parse cache is what
// clippy sees as interior mutability; it takes no part in hashing.
#[allow(clippy::mutable_key_type)]
pub(crate) fn rename(
    labs: &Labs,
    open: &OpenTexts,
    analysis: &Checked,
    path: &Path,
    position: Position,
    new_name: &str,
) -> Result<Option<WorkspaceEdit>, String> {
    let Some(target) = target_at(analysis, path, position) else {
        return Err("only the name of a declaration can be renamed".into());
    };
    if let Some(why) = refusal(&target) {
        return Err(why);
    }
    if new_name == target.name {
        return Ok(None);
    }
    if !is_identifier(new_name) {
        return Err(format!(
            "`{new_name}` is not a name: names start with a letter or `_` and hold letters, digits, `_` and `-`"
        ));
    }
    for (_, lab) in labs {
        let index = lab.index();
        if let Some(other) = index.lookup(target.namespace.as_deref(), new_name) {
            let symbol = &index.symbols[other];
            let at = infrac_model::policy::source_line(&lab.model, symbol.name_span);
            return Err(format!(
                "`{new_name}` already names the {} declared at {at}",
                symbol.kind
            ));
        }
    }
    let found = occurrences(labs, &target, true);
    // Edits are computed on the texts the labs were checked with; they must still be
    // what the editor shows.
    for (_, file) in &found {
        let file_path = PathBuf::from(file);
        if let Some(text) = open.get(&file_path) {
            let checked = labs
                .iter()
                .find_map(|(_, a)| a.sources.find(file).and_then(|id| a.sources.get(id)))
                .map(|f| f.text.as_str());
            if checked != Some(&**text) {
                return Err(format!(
                    "{} changed since it was last checked; try again in a moment",
                    file_path.display()
                ));
            }
        }
    }
    let mut by_file: BTreeMap<String, Vec<(Location, String)>> = BTreeMap::new();
    for (location, file) in found {
        by_file
            .entry(file.clone())
            .or_default()
            .push((location, file));
    }
    for (root, lab) in labs {
        if lab.sources.find(&target.file).is_none() {
            continue;
        }
        if let Some(error) = breaks(root, lab, &by_file, &target, new_name) {
            return Err(format!(
                "renaming `{}` to `{new_name}` would break the lab: {error}",
                target.name
            ));
        }
    }
    let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
    for edits in by_file.values() {
        for (location, _) in edits {
            changes
                .entry(location.uri.clone())
                .or_default()
                .push(TextEdit::new(location.range, new_name.to_string()));
        }
    }
    Ok(Some(WorkspaceEdit::new(changes)))
}

/// The first error the lab rooted at `root` would have with the rename applied, that it
/// does not have now.
fn breaks(
    root: &Path,
    lab: &Analysis,
    by_file: &BTreeMap<String, Vec<(Location, String)>>,
    target: &Target,
    new_name: &str,
) -> Option<String> {
    let mut texts: BTreeMap<PathBuf, String> = BTreeMap::new();
    for (_, file) in lab.sources.iter() {
        if file.name.starts_with('<') {
            continue;
        }
        let mut text = file.text.clone();
        if let Some(edits) = by_file.get(&file.name) {
            // Later edits first, so earlier offsets stay valid.
            let mut spans: Vec<(usize, usize)> = edits
                .iter()
                .map(|(l, _)| {
                    let starts = infrac_diagnostics::line_starts(&file.text);
                    (
                        crate::text::offset(&file.text, &starts, l.range.start),
                        crate::text::offset(&file.text, &starts, l.range.end),
                    )
                })
                .collect();
            spans.sort_unstable();
            for (a, b) in spans.into_iter().rev() {
                text.replace_range(a..b, new_name);
            }
        }
        texts.insert(PathBuf::from(&file.name), text);
    }
    let before: BTreeSet<(String, String)> = lab
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| {
            (
                d.code.0.to_string(),
                d.message.replace(&target.name, new_name),
            )
        })
        .collect();
    let root_name = root.to_string_lossy().into_owned();
    let root_text = texts.get(root).cloned().unwrap_or_default();
    let after = check_with(&root_name, &root_text, &Edited { texts });
    let first = after
        .diagnostics
        .iter()
        .find(|d| d.is_error() && !before.contains(&(d.code.0.to_string(), d.message.clone())))?;
    let at = infrac_model::policy::source_line(&after.model, first.primary.span);
    Some(format!("{} ({at}, {})", first.message, first.code.0))
}

/// The lab's files with a rename applied; the disk for anything else.
struct Edited {
    texts: BTreeMap<PathBuf, String>,
}

impl infrac_driver::Loader for Edited {
    fn read(&self, path: &Path) -> Result<String, infrac_driver::LoadError> {
        match self.texts.get(path) {
            Some(text) => Ok(text.clone()),
            None => read_source(path),
        }
    }

    fn identity(&self, path: &Path) -> Option<PathBuf> {
        std::fs::canonicalize(path)
            .ok()
            .or_else(|| self.texts.contains_key(path).then(|| path.to_path_buf()))
    }
}

/// The declarations of every open lab and its stdlib modules whose name matches `query`
/// (its characters in order, ignoring case).
pub(crate) fn workspace_symbols(labs: &Labs, query: &str) -> Vec<WorkspaceSymbol> {
    let query = query.to_lowercase();
    let matches = |name: &str| {
        let mut chars = name.to_lowercase().chars().collect::<Vec<_>>().into_iter();
        query.chars().all(|q| chars.any(|c| c == q))
    };
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for (_, analysis) in labs {
        let index = analysis.index();
        for symbol in &index.symbols {
            if !matches(&symbol.name) {
                continue;
            }
            let Some(file) = analysis.sources.get(symbol.name_span.file) else {
                continue;
            };
            if !seen.insert((file.name.clone(), symbol.name_span.start)) {
                continue;
            }
            let Some(location) = convert::location(&analysis.sources, symbol.name_span) else {
                continue;
            };
            let name = match &symbol.namespace {
                Some(ns) => format!("{ns}.{}", symbol.name),
                None => symbol.name.clone(),
            };
            out.push(WorkspaceSymbol {
                name,
                kind: symbol_kind(&symbol.kind),
                tags: None,
                container_name: Some(symbol.kind.clone()),
                location: lsp_types::OneOf::Left(location),
                data: None,
            });
        }
    }
    out
}

pub(crate) fn symbol_kind(kind: &str) -> SymbolKind {
    match kind {
        "host" | "machine" | "vm" | "lxc" => SymbolKind::OBJECT,
        "network" | "site" => SymbolKind::NAMESPACE,
        "template" => SymbolKind::CLASS,
        "nic" | "bridge" | "disk" | "storage" => SymbolKind::FIELD,
        _ => SymbolKind::STRUCT,
    }
}
