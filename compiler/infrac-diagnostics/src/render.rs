//! Human rendering of diagnostics with ariadne, coloured or plain.

use crate::{Diagnostic, Severity, SourceMap, Span};
use ariadne::{Color, Config, IndexType, Label as AriadneLabel, Report, ReportKind};
use std::fmt;

/// How to render for a human.
#[derive(Debug, Clone, Copy, Default)]
pub struct RenderOptions {
    /// Emit ANSI colours (terminals); off for pipes, files, `NO_COLOR` and tests.
    pub color: bool,
}

/// A span as ariadne sees it: the file's display name and a byte range.
#[derive(Clone)]
struct AriadneSpan {
    file: String,
    range: std::ops::Range<usize>,
}

impl ariadne::Span for AriadneSpan {
    type SourceId = String;
    fn source(&self) -> &String {
        &self.file
    }
    fn start(&self) -> usize {
        self.range.start
    }
    fn end(&self) -> usize {
        self.range.end
    }
}

struct MapCache<'a> {
    map: &'a SourceMap,
    /// For each file, the byte offset up to which the reports read it.
    needed: Vec<usize>,
    sources: Vec<Option<ariadne::Source<&'a str>>>,
}

impl<'a> MapCache<'a> {
    fn new(map: &'a SourceMap, diagnostics: &[Diagnostic]) -> Self {
        let mut needed = vec![0; map.iter().count()];
        for d in diagnostics {
            let spans = std::iter::once(d.primary.span).chain(d.labels.iter().map(|l| l.span));
            for span in spans {
                if let Some(n) = needed.get_mut(span.file.0 as usize) {
                    *n = (*n).max(span.end as usize);
                }
            }
        }
        let sources = needed.iter().map(|_| None).collect();
        MapCache {
            map,
            needed,
            sources,
        }
    }
}

/// The start of the file up to the end of the line after the one holding `needed`.
/// ariadne indexes every line of the text it is given, character by character, and a
/// report only ever reads the lines its labels sit on; line numbers within the prefix
/// are those of the whole file. The extra line keeps a label that ends at a line break
/// inside the prefix.
fn prefix(text: &str, needed: usize) -> &str {
    let bytes = text.as_bytes();
    let mut end = needed.min(bytes.len());
    for _ in 0..2 {
        match memchr::memchr(b'\n', &bytes[end..]) {
            Some(i) => end += i + 1,
            None => return text,
        }
    }
    // A lone CR ends a line too; a prefix cut between lines is the same text for it.
    &text[..end]
}

impl<'a> ariadne::Cache<String> for MapCache<'a> {
    type Storage = &'a str;

    fn fetch(&mut self, id: &String) -> Result<&ariadne::Source<&'a str>, impl fmt::Debug> {
        let map: &'a SourceMap = self.map;
        let Some((file, f)) = map.iter().find(|(_, f)| &f.name == id) else {
            return Err(format!("unknown file {id}"));
        };
        let i = file.0 as usize;
        let needed = self.needed.get(i).copied().unwrap_or(usize::MAX);
        let source = self.sources[i]
            .get_or_insert_with(|| ariadne::Source::from(prefix(f.text.as_str(), needed)));
        Ok(source)
    }

    fn display<'b>(&self, id: &'b String) -> Option<impl fmt::Display + 'b> {
        Some(id.clone())
    }
}

fn to_ariadne(map: &SourceMap, span: Span) -> AriadneSpan {
    let file = map.get(span.file);
    let len = file.map_or(0, |f| f.text.len());
    let mut start = (span.start as usize).min(len);
    let mut end = (span.end as usize).min(len).max(start);
    if let Some(f) = file {
        while start > 0 && !f.text.is_char_boundary(start) {
            start -= 1;
        }
        while end < len && !f.text.is_char_boundary(end) {
            end += 1;
        }
    }
    AriadneSpan {
        file: file.map_or_else(|| format!("<file {}>", span.file.0), |f| f.name.clone()),
        range: start..end,
    }
}

/// Renders diagnostics the way `rustc` users expect: code, message, source excerpt with
/// the primary label, secondary labels, notes and help.
pub fn render_human(map: &SourceMap, diagnostics: &[Diagnostic], options: RenderOptions) -> String {
    let mut out = Vec::new();
    // Indexing a file's lines costs a pass over its text: once per file, not per report.
    let mut cache = MapCache::new(map, diagnostics);
    for diagnostic in diagnostics {
        render_one(map, &mut cache, diagnostic, options, &mut out);
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn render_one(
    map: &SourceMap,
    cache: &mut MapCache<'_>,
    d: &Diagnostic,
    options: RenderOptions,
    out: &mut Vec<u8>,
) {
    let (kind, color) = match d.severity {
        Severity::Error => (ReportKind::Error, Color::Red),
        Severity::Warning => (ReportKind::Warning, Color::Yellow),
    };
    let primary = to_ariadne(map, d.primary.span);
    let config = Config::default()
        .with_color(options.color)
        .with_index_type(IndexType::Byte);
    // ariadne starts a new excerpt whenever a label sits above the previous one, so
    // labels are ordered by position: one excerpt per file, read top to bottom.
    let mut all: Vec<(Span, &str, Color)> =
        vec![(d.primary.span, d.primary.message.as_str(), color)];
    all.extend(
        d.labels
            .iter()
            .map(|l| (l.span, l.message.as_str(), Color::Blue)),
    );
    let mut order: Vec<usize> = (0..all.len()).collect();
    order.sort_by_key(|&i| (all[i].0.file, all[i].0.start, i));
    let mut report = Report::build(kind, primary)
        .with_config(config)
        .with_code(d.code)
        .with_message(&d.message);
    for (rank, &i) in order.iter().enumerate() {
        let (span, message, color) = all[i];
        report.add_label(
            AriadneLabel::new(to_ariadne(map, span))
                .with_message(message)
                .with_color(color)
                .with_order(rank as i32),
        );
    }
    for note in &d.notes {
        report.add_note(note);
    }
    if let Some(help) = &d.help {
        report.set_help(help);
    }
    if report.finish().write(&mut *cache, &mut *out).is_err() {
        // A report that cannot be drawn still has to reach the user.
        let fallback = format!("{}[{}]: {}\n", d.severity_word(), d.code, d.message);
        out.extend_from_slice(fallback.as_bytes());
    }
}

impl Diagnostic {
    fn severity_word(&self) -> &'static str {
        match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}
