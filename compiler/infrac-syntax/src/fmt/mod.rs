//! `infrac fmt`: the one canonical layout of a `.infra` file.
//!
//! # How it works
//!
//! The AST drops plain `#` comments, so the formatter reads the file again from the
//! lexer's token stream: comments are whatever the lexer skipped between two tokens (from
//! a `#` to the end of its line), and `cst.rs` reads the tokens into a small concrete
//! syntax tree that keeps them, together with blank lines, literal spellings (`0x1000`,
//! upper-case MACs, escapes) and parentheses. The lexer and the parser are not changed.
//!
//! Formatting only runs on text that parses without errors; otherwise [`format`] returns
//! the parse diagnostics. Its output is checked before it is returned: it must parse
//! without errors, give the same AST as the input (spans aside), and hold the same
//! comments in the same order. A layout that fails this check is a bug and is refused
//! with [`FormatError::Internal`] instead of being written.
//!
//! # The layout
//!
//! - Two spaces per level; at most one blank line in a row, none at the start or end of a
//!   block or file; the file ends with one line break.
//! - Each entry of a multi-line block on its own line. A block (or list, or call) whose
//!   author wrote its first entry on the line of its bracket stays on one line
//!   (`nic eno1 { speed = 1G, mac = … }`) when it fits in 100 columns and holds no
//!   comment; otherwise it is broken, one entry per line. What the author broke over
//!   lines stays broken. Broken lists and calls put one element per line, each followed
//!   by a comma.
//! - Alignment works on runs: consecutive one-line entries of a block, not separated by a
//!   blank line or a multi-line entry (own-line comments do not end a run).
//!   - The `=` of every attribute in a run lines up.
//!   - Consecutive one-line declarations of one kind, or listing the same attributes,
//!     form a table: their heads are padded to one width, and a cell is padded so the
//!     next cell starts in one column in consecutive rows whose cells so far name the
//!     same attributes (`{ speed = 1G,  mac = … }` over `{ speed = 10G, mac = … }`). A
//!     table of bare kinds right below attributes (`requests { … }`) lines its `{` up
//!     with their `=`. A table that would pass 100 columns is not aligned.
//!   - Firewall rules keep their form; in consecutive `allow`/`deny` rules the action and
//!     the source zone are padded, in consecutive `forward` rules the zone and the port.
//!   - Trailing comments of a run share one column: the rightmost column the author put
//!     any of them at, or two spaces after the widest commented line when that is further
//!     right. This is the one place where the input's spacing counts: it keeps comments
//!     that line up across blocks (ORION's IPv6 plan) where they are.
//! - Spacing inside a line is canonical: one space around `=`, `->`, `on` and binary
//!   operators, none inside brackets or around `..`, `, ` between elements.

mod cst;
mod print;
mod strip;
#[cfg(test)]
mod tests;

use crate::parser::parse;
use infrac_diagnostics::{Diagnostic, FileId};
use std::fmt;

/// Why a text was not formatted.
#[derive(Debug)]
pub enum FormatError {
    /// The text has syntax errors (these diagnostics, in file `FileId(0)`); formatting
    /// never runs on broken input.
    Syntax(Vec<Diagnostic>),
    /// The formatter could not lay the text out without changing its meaning or losing a
    /// comment. This is a bug in the formatter; the text is left as it is.
    Internal(String),
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormatError::Syntax(diagnostics) => {
                let errors = diagnostics.iter().filter(|d| d.is_error()).count();
                write!(f, "the file has {errors} syntax error(s); fix them first")
            }
            FormatError::Internal(why) => {
                write!(f, "the formatter cannot lay this file out: {why}")
            }
        }
    }
}

impl std::error::Error for FormatError {}

const BYTE_ORDER_MARK: char = '\u{feff}';

/// Formats a whole `.infra` file. Returns the parse diagnostics when it has syntax errors.
/// A byte order mark that opens the text opens the result too: the layout is the
/// formatter's business, the file's encoding mark is not.
pub fn format(text: &str) -> Result<String, FormatError> {
    let before = parse(text, FileId(0));
    if before.diagnostics.iter().any(Diagnostic::is_error) {
        return Err(FormatError::Syntax(before.diagnostics));
    }
    let tree = cst::read(text).map_err(FormatError::Internal)?;
    let mut out = print::file(&tree);
    if text.starts_with(BYTE_ORDER_MARK) {
        out.insert(0, BYTE_ORDER_MARK);
    }
    let after = parse(&out, FileId(0));
    if let Some(d) = after.diagnostics.iter().find(|d| d.is_error()) {
        return Err(FormatError::Internal(format!(
            "the laid-out text does not parse: {}",
            d.message
        )));
    }
    if strip::strip(before.file) != strip::strip(after.file) {
        return Err(FormatError::Internal(
            "the laid-out text would mean something else".into(),
        ));
    }
    if comments(text) != comments(&out) {
        return Err(FormatError::Internal(
            "a comment would be lost or moved".into(),
        ));
    }
    Ok(out)
}

/// The comments of a text in order, as the formatter reads them.
fn comments(text: &str) -> Vec<String> {
    cst::comment_texts(text)
}
