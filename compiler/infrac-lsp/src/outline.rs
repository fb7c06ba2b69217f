//! The outline of one document from its own parse: document symbols and folding ranges.

use crate::text;
use infrac_syntax::ast;
use lsp_types::{DocumentSymbol, FoldingRange, FoldingRangeKind, Range};

/// `tree` when there is one (the analysis's, when it is of `source`), else `source` parsed.
fn parse_unless<'a>(
    source: &str,
    tree: Option<&'a ast::File>,
    parsed: &'a mut Option<ast::File>,
) -> &'a ast::File {
    match tree {
        Some(tree) => tree,
        None => parsed.insert(infrac_syntax::parse(source, infrac_diagnostics::FileId(0)).file),
    }
}

/// The declarations of a document and the blocks inside them; `tree` is the document's
/// syntax tree when the caller has it.
pub(crate) fn document_symbols(source: &str, tree: Option<&ast::File>) -> Vec<DocumentSymbol> {
    let mut parsed = None;
    let file = parse_unless(source, tree, &mut parsed);
    let starts = infrac_diagnostics::line_starts(source);
    // A declaration's start, its head, its nested blocks and its end come in the order of
    // the text, and so do declarations: the cursor only walks forwards.
    let mut cursor = text::Cursor::new(source, &starts);
    fn symbols(
        decls: &mut dyn Iterator<Item = &ast::Decl>,
        cursor: &mut text::Cursor,
    ) -> Vec<DocumentSymbol> {
        decls
            .map(|decl| {
                let name = match &decl.name {
                    Some(ast::DeclName::Ident(i)) => i.name.to_string(),
                    Some(ast::DeclName::Str(s)) => s
                        .parts
                        .iter()
                        .map(|part| match part {
                            ast::StrPart::Text(t) => t.as_str(),
                            ast::StrPart::Interp(_) => "{…}",
                        })
                        .collect(),
                    None => decl
                        .on
                        .as_ref()
                        .map(|on| format!("on {}", on.dotted()))
                        .unwrap_or_default(),
                };
                let start = cursor.position(decl.span.start as usize);
                let head = decl.head_span();
                let selection_range = Range::new(
                    cursor.position(head.start as usize),
                    cursor.position(head.end as usize),
                );
                let children = symbols(
                    &mut decl.body.entries.iter().filter_map(|e| match e {
                        ast::Entry::Block(d) => Some(&**d),
                        _ => None,
                    }),
                    cursor,
                );
                let end = cursor.position(decl.span.end as usize);
                // The kind never starts with a blank; a name may end with one.
                let mut label = format!("{} {name}", decl.kind.name);
                label.truncate(label.trim_end().len());
                #[allow(deprecated)]
                DocumentSymbol {
                    name: label,
                    detail: decl.doc.as_deref().map(str::to_string),
                    kind: crate::navigate::symbol_kind(&decl.kind.name),
                    tags: None,
                    deprecated: None,
                    range: Range::new(start, end),
                    selection_range,
                    children: (!children.is_empty()).then_some(children),
                }
            })
            .collect()
    }
    symbols(
        &mut file.items.iter().filter_map(|item| match item {
            ast::Item::Decl(d) => Some(&**d),
            _ => None,
        }),
        &mut cursor,
    )
}

/// Folding ranges: every block, list and loop over more than one line, runs of imports,
/// and runs of two or more comment lines. `tree` as for [`document_symbols`].
pub(crate) fn folding_ranges(source: &str, tree: Option<&ast::File>) -> Vec<FoldingRange> {
    let mut parsed = None;
    let file = parse_unless(source, tree, &mut parsed);
    let starts = infrac_diagnostics::line_starts(source);
    let line = |offset: u32| text::position(source, &starts, offset as usize).line;
    let mut out = Vec::new();
    let mut fold = |start: u32, end: u32, kind: Option<FoldingRangeKind>| {
        let (a, b) = (line(start), line(end));
        if b > a {
            out.push(FoldingRange {
                start_line: a,
                end_line: b,
                kind,
                ..FoldingRange::default()
            });
        }
    };
    fn expr(e: &ast::Expr, fold: &mut dyn FnMut(u32, u32, Option<FoldingRangeKind>)) {
        match &e.kind {
            ast::ExprKind::List(items) | ast::ExprKind::Call(_, items) => {
                fold(e.span.start, e.span.end, None);
                items.iter().for_each(|i| expr(i, fold));
            }
            ast::ExprKind::Instance(instance) => {
                let block = &instance.1;
                fold(block.span.start, block.span.end, None);
                entries(&block.entries, fold);
            }
            _ => {}
        }
    }
    fn entries(list: &[ast::Entry], fold: &mut dyn FnMut(u32, u32, Option<FoldingRangeKind>)) {
        for entry in list {
            match entry {
                ast::Entry::Block(d) => {
                    fold(d.span.start, d.body.span.end, None);
                    entries(&d.body.entries, fold);
                }
                ast::Entry::For(l) => {
                    fold(l.span.start, l.span.end, None);
                    entries(&l.body, fold);
                }
                ast::Entry::Attr(a) => expr(&a.value, fold),
                _ => {}
            }
        }
    }
    let mut imports: Option<(u32, u32)> = None;
    for item in &file.items {
        match item {
            ast::Item::Import(i) => {
                imports =
                    Some(imports.map_or((i.span.start, i.span.end), |(a, _)| (a, i.span.end)));
                continue;
            }
            ast::Item::Decl(d) => {
                fold(d.span.start, d.body.span.end, None);
                entries(&d.body.entries, &mut fold);
            }
            ast::Item::For(l) => {
                fold(l.span.start, l.span.end, None);
                entries(&l.body, &mut fold);
            }
            ast::Item::Expect(_) | ast::Item::Error(_) => {}
        }
        if let Some((a, b)) = imports.take() {
            fold(a, b, Some(FoldingRangeKind::Imports));
        }
    }
    if let Some((a, b)) = imports.take() {
        fold(a, b, Some(FoldingRangeKind::Imports));
    }
    // Comment runs: consecutive lines whose first non-blank character is `#`.
    let lines: Vec<&str> = source.lines().collect();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim_start().starts_with('#') {
            let first = i;
            while i + 1 < lines.len() && lines[i + 1].trim_start().starts_with('#') {
                i += 1;
            }
            if i > first {
                out.push(FoldingRange {
                    start_line: first as u32,
                    end_line: i as u32,
                    kind: Some(FoldingRangeKind::Comment),
                    ..FoldingRange::default()
                });
            }
        }
        i += 1;
    }
    out.sort_by_key(|f| (f.start_line, f.end_line));
    out
}
