//! Inlay hints: the value of every computed expression (`host(lan.ipv4, 60)`,
//! `subnet(site.ipv6, 64, 0x1000)`, `2 * 16GiB`) after it, from the last check.

use crate::hover::At;
use crate::values;
use infrac_diagnostics::Span;
use infrac_driver::Analysis;
use lsp_types::{InlayHint, InlayHintLabel, InlayHintTooltip, Range};
use std::path::Path;

pub(crate) fn inlay_hints(analysis: &Analysis, path: &Path, range: Range) -> Vec<InlayHint> {
    let Some(at) = At::new(analysis, path, range.start) else {
        return Vec::new();
    };
    // A hint sits at the end of its expression: only those ending in the range are
    // written out and looked at.
    let (first, last) = (at.offset as usize, at.offset_of(range.end));
    let shown = |span: Span| span.file == at.file && (first..=last).contains(&(span.end as usize));
    let mut hints: Vec<(u32, InlayHint)> = Vec::new();
    for (span, value) in values::computed(&analysis.model, shown) {
        let Some(written) = at.source.get(span.start as usize..span.end as usize) else {
            continue;
        };
        if values::is_literal(written) || written.trim() == value {
            continue;
        }
        let position = at.range(span).end;
        if position < range.start || position > range.end {
            continue;
        }
        if hints.iter().any(|(s, _)| *s == span.end) {
            continue;
        }
        hints.push((
            span.end,
            InlayHint {
                position,
                label: InlayHintLabel::String(format!("= {value}")),
                kind: None,
                text_edits: None,
                tooltip: Some(InlayHintTooltip::String(format!(
                    "`{}` evaluates to {value}",
                    written.trim()
                ))),
                padding_left: Some(true),
                padding_right: None,
                data: None,
            },
        ));
    }
    hints.sort_by_key(|(s, _)| *s);
    hints.into_iter().map(|(_, h)| h).collect()
}
