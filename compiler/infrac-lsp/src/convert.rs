//! Conversions between infrac's diagnostics and spans and the LSP's: file URIs, UTF-16
//! positions, related information.

use infrac_diagnostics::{Code, Diagnostic, Severity, SourceMap, Span};
use lsp_types::{
    DiagnosticRelatedInformation, DiagnosticSeverity, DiagnosticTag, Location, NumberOrString,
    Range, Uri,
};
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// The scheme of the stdlib's read-only documents: `infrac-stdlib:///os.infra` is
/// `stdlib/os.infra`, embedded in the server, whose source map calls it
/// `<stdlib/os.infra>`.
pub const STDLIB_SCHEME: &str = "infrac-stdlib";

/// The path of a `file://` URI, percent-decoded; a stdlib document's URI gives the name
/// the source map knows it by (`<stdlib/os.infra>`).
pub fn uri_to_path(uri: &Uri) -> Option<PathBuf> {
    if let Some(file) = uri
        .as_str()
        .strip_prefix(STDLIB_SCHEME)
        .and_then(|rest| rest.strip_prefix(":///"))
    {
        let name = format!("<stdlib/{file}>");
        return stdlib_text(Path::new(&name)).map(|_| PathBuf::from(name));
    }
    let text = uri.as_str().strip_prefix("file://")?;
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(std::str::from_utf8(&bytes[i + 1..i + 3]).ok()?, 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).ok().map(PathBuf::from)
}

/// The `file://` URI of an absolute path, percent-encoding what a URI cannot hold.
pub fn path_to_uri(path: &Path) -> Option<Uri> {
    let mut text = String::from("file://");
    for b in path.to_string_lossy().bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            text.push(b as char);
        } else {
            text.push_str(&format!("%{b:02X}"));
        }
    }
    Uri::from_str(&text).ok()
}

/// The URI of a file a source map names: a path, or a stdlib module.
pub(crate) fn source_uri(name: &str) -> Option<Uri> {
    if let Some(file) = name
        .strip_prefix("<stdlib/")
        .and_then(|n| n.strip_suffix('>'))
    {
        return Uri::from_str(&format!("{STDLIB_SCHEME}:///{file}")).ok();
    }
    if name.starts_with('<') {
        return None;
    }
    path_to_uri(Path::new(name))
}

/// The text of a stdlib module by the name the source map gives it.
pub(crate) fn stdlib_text(path: &Path) -> Option<&'static str> {
    let name = path.to_str()?;
    let file = name.strip_prefix("<stdlib/")?.strip_suffix('>')?;
    infrac_sema::stdlib::MODULES
        .iter()
        .find(|(_, f, _)| *f == file)
        .map(|(_, _, text)| *text)
}

/// The LSP location of a span.
pub(crate) fn location(map: &SourceMap, span: Span) -> Option<Location> {
    let file = map.get(span.file)?;
    Some(Location::new(source_uri(&file.name)?, range(map, span)))
}

/// The LSP range of a span.
pub(crate) fn range(map: &SourceMap, span: Span) -> Range {
    match map.get(span.file) {
        // The file's own line index: indexing the text again per range would make
        // publishing a large file's diagnostics quadratic.
        Some(file) => Range::new(
            crate::text::position(&file.text, file.line_starts(), span.start as usize),
            crate::text::position(&file.text, file.line_starts(), span.end as usize),
        ),
        None => Range::default(),
    }
}

/// One infrac diagnostic as an LSP diagnostic.
pub(crate) fn diagnostic(map: &SourceMap, d: &Diagnostic) -> lsp_types::Diagnostic {
    let mut message = d.message.clone();
    if !d.primary.message.is_empty() {
        message.push_str(&format!(": {}", d.primary.message));
    }
    for note in &d.notes {
        message.push_str(&format!("\nnote: {note}"));
    }
    if let Some(help) = &d.help {
        message.push_str(&format!("\nhelp: {help}"));
    }
    let related: Vec<DiagnosticRelatedInformation> = d
        .labels
        .iter()
        .filter_map(|label| {
            let file = map.get(label.span.file)?;
            // Labels in the stdlib point into its read-only documents.
            let uri = source_uri(&file.name)?;
            Some(DiagnosticRelatedInformation {
                location: Location::new(uri, range(map, label.span)),
                message: label.message.clone(),
            })
        })
        .collect();
    lsp_types::Diagnostic {
        range: range(map, d.primary.span),
        severity: Some(match d.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(d.code.0.to_string())),
        source: Some("infrac".into()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        // Editors fade what can be removed.
        tags: [Code::UNUSED_IMPORT, Code::TEMPLATE_UNUSED]
            .contains(&d.code)
            .then(|| vec![DiagnosticTag::UNNECESSARY]),
        code_description: explanation_link(d.code),
        data: crate::actions::fix_of(map, d),
    }
}

/// Where a code's explanation page is published: `docs/diagnostics/CODE.md` of the
/// repository the crate declares (the same text `infrac explain CODE` prints).
pub(crate) fn explanation_link(code: Code) -> Option<lsp_types::CodeDescription> {
    code.info()?;
    let href = format!(
        "{}/blob/main/docs/diagnostics/{}.md",
        env!("CARGO_PKG_REPOSITORY"),
        code.0
    );
    Some(lsp_types::CodeDescription {
        href: Uri::from_str(&href).ok()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use lsp_types::Position;

    fn position(text: &str, offset: usize) -> Position {
        crate::text::position(text, &infrac_diagnostics::line_starts(text), offset)
    }

    #[test]
    fn positions_count_utf16_units() {
        let text = "a\n€x = 1";
        assert_eq!(
            position(text, text.find('x').unwrap_or(0)),
            Position::new(1, 1)
        );
    }

    #[test]
    fn uris_round_trip() {
        let path = Path::new("/home/me/my lab/lab.infra");
        let uri = path_to_uri(path).map(|u| u.as_str().to_string());
        assert_eq!(uri.as_deref(), Some("file:///home/me/my%20lab/lab.infra"));
        let back = path_to_uri(path).and_then(|u| uri_to_path(&u));
        assert_eq!(back.as_deref(), Some(path));
    }
}
