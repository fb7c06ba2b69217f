//! Spans, source files and the one `Diagnostic` type every infrac stage reports with.
//!
//! Core crates never print: they return diagnostics, and the drivers (CLI, language
//! server, tests) decide how to render them.

mod codes;
mod diagnostic;
mod nearest;
mod render;
mod similarity;
mod source;
mod suggest;

pub use codes::{Code, CodeInfo, CODES};
pub use diagnostic::{Diagnostic, Label, Severity};
pub use nearest::NameIndex;
pub use render::{render_human, RenderOptions};
pub use source::{line_starts, FileId, LineCol, SourceFile, SourceMap, Span};
pub use suggest::{and_list, code_list, did_you_mean, plural};
