//! The syntax of `.infra`: tokens, the lexer, the error-recovering parser and the AST.
//!
//! Parsing never fails: it returns a (possibly partial) AST together with diagnostics,
//! so editors keep working on broken files. No semantics live here.

pub mod ast;
mod broken;
mod fmt;
pub mod lexer;
mod parser;
mod spans;
pub mod token;

pub use broken::{broken_head, BrokenHead};
pub use fmt::{format, FormatError};
pub use parser::{assert_parsers_agree, parse, parse_beside, reparse, Edit, Parsed};
