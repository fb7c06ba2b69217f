//! Diagnostics as JSON: a stable, documented schema for editors and CI.

use infrac_diagnostics::{Diagnostic, SourceMap, Span};
use serde::Serialize;

#[derive(Serialize)]
struct Location<'a> {
    file: &'a str,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
}

#[derive(Serialize)]
struct JsonLabel<'a> {
    message: &'a str,
    #[serde(flatten)]
    location: Location<'a>,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    code: &'a str,
    severity: &'a str,
    message: &'a str,
    #[serde(flatten)]
    location: Location<'a>,
    label: &'a str,
    labels: Vec<JsonLabel<'a>>,
    notes: &'a [String],
    help: Option<&'a str>,
}

fn locate<'a>(map: &'a SourceMap, span: Span) -> Location<'a> {
    match map.get(span.file) {
        Some(file) => {
            let start = file.line_col(span.start as usize);
            let end = file.line_col(span.end as usize);
            Location {
                file: &file.name,
                line: start.line,
                column: start.column,
                end_line: end.line,
                end_column: end.column,
            }
        }
        None => Location {
            file: "",
            line: 0,
            column: 0,
            end_line: 0,
            end_column: 0,
        },
    }
}

/// Diagnostics as a JSON array (see `docs/ci.md` for the schema).
pub fn diagnostics_json(map: &SourceMap, diagnostics: &[Diagnostic]) -> String {
    let items: Vec<JsonDiagnostic> = diagnostics
        .iter()
        .map(|d| JsonDiagnostic {
            code: d.code.0,
            severity: if d.is_error() { "error" } else { "warning" },
            message: &d.message,
            location: locate(map, d.primary.span),
            label: &d.primary.message,
            labels: d
                .labels
                .iter()
                .map(|l| JsonLabel {
                    message: &l.message,
                    location: locate(map, l.span),
                })
                .collect(),
            notes: &d.notes,
            help: d.help.as_deref(),
        })
        .collect();
    serde_json::to_string_pretty(&items).unwrap_or_else(|_| "[]".into())
}
