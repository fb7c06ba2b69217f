//! Hover: what a name refers to (its declaration, doc comment and computed facts), the
//! type and evaluated value of an attribute, what a firewall rule decides.

use crate::index::{Checked, Symbol};
use crate::{facts, text, values};
use infrac_diagnostics::{FileId, Span};
use infrac_driver::Analysis;
use infrac_model::{Model, NetworkId};
use infrac_syntax::ast;
use lsp_types::{Hover, HoverContents, MarkupContent, MarkupKind, Position, Range};
use std::path::Path;

/// A position in one file of an analysis, as a byte offset.
pub(crate) struct At<'a> {
    pub file: FileId,
    pub source: &'a str,
    /// Where the file's lines start: the source map computes them once per text, so
    /// converting the many spans of one request does not scan the file for each.
    starts: &'a [usize],
    pub offset: u32,
}

impl<'a> At<'a> {
    pub(crate) fn new(analysis: &'a Analysis, path: &Path, position: Position) -> Option<Self> {
        let file = analysis.sources.find(&path.to_string_lossy())?;
        let source_file = analysis.sources.get(file)?;
        let source = source_file.text.as_str();
        let starts = source_file.line_starts();
        let offset = text::offset(source, starts, position) as u32;
        Some(At {
            file,
            source,
            starts,
            offset,
        })
    }

    /// The byte offset of another position in the same file.
    pub(crate) fn offset_of(&self, position: Position) -> usize {
        text::offset(self.source, self.starts, position)
    }

    pub(crate) fn range(&self, span: Span) -> Range {
        Range::new(
            text::position(self.source, self.starts, span.start as usize),
            text::position(self.source, self.starts, span.end as usize),
        )
    }

    /// The file's syntax tree as the analysis parsed it, which its spans and text are of.
    fn tree(&self, analysis: &'a Analysis) -> Option<&'a ast::File> {
        analysis.parsed(self.file).map(|parsed| &parsed.ast)
    }
}

pub(crate) fn hover(analysis: &Checked, path: &Path, position: Position) -> Option<Hover> {
    let at = At::new(analysis, path, position)?;
    let model = &analysis.model;
    let index = analysis.index();
    let (markdown, span) = if let Some(occurrence) = index.at(at.file, at.offset) {
        let symbol = &index.symbols[occurrence.symbol];
        (symbol_hover(analysis, symbol), occurrence.span)
    } else if let Some(facts) = facts::rule_facts(
        model,
        Span::new(at.file, at.offset as usize, at.offset as usize),
    ) {
        let rule = rule_span_at(analysis, &at)?;
        (facts, rule)
    } else {
        attribute_hover(analysis, &at)?
    };
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: markdown,
        }),
        range: Some(at.range(span)),
    })
}

fn symbol_hover(analysis: &Analysis, symbol: &Symbol) -> String {
    let model = &analysis.model;
    if symbol.namespace.is_none() {
        if let Some(id) = model.machine_named(&symbol.name) {
            return machine_hover(model, id);
        }
        if let Some(id) = model.network_named(&symbol.name) {
            return network_hover(model, id);
        }
    }
    let qualified = match &symbol.namespace {
        Some(ns) => format!("{ns}.{}", symbol.name),
        None => symbol.name.clone(),
    };
    let mut out = format!("```infra\n{} {qualified}\n```", symbol.kind);
    if let Some(file) = analysis.sources.get(symbol.span.file) {
        if file.name.starts_with("<stdlib/") {
            out.push_str(&format!(
                "\nfrom the stdlib, `{}`",
                file.name.trim_matches(['<', '>'])
            ));
        }
    }
    if let Some(doc) = &symbol.doc {
        out.push_str(&format!("\n\n{doc}"));
    }
    out
}

fn machine_hover(model: &Model, id: infrac_model::MachineId) -> String {
    let machine = model.machine(id);
    let mut out = format!(
        "```infra\n{} {}\n```\nplatform `{}`",
        machine.noun(),
        machine.name,
        machine.platform.as_str()
    );
    if let Some(guest) = &machine.guest {
        out.push_str(&format!(" on `{}`", model.machine(guest.host).name));
    }
    if let Some((cpus, memory)) = machine.capacity() {
        out.push_str(&format!(", {cpus} CPUs, {memory}"));
    }
    let addresses = machine.addresses();
    if !addresses.is_empty() {
        out.push_str("\n\naddresses:");
        for (network, address) in addresses {
            out.push_str(&format!(
                "\n- {} on `{}`",
                address.value,
                model.network(network).name
            ));
        }
    }
    if let Some(budget) = facts::host_budget(model, id) {
        out.push_str(&format!("\n\nheadroom:\n- {budget}"));
    }
    for text in [&machine.doc, &machine.description].into_iter().flatten() {
        out.push_str(&format!("\n\n{text}"));
    }
    out
}

fn network_hover(model: &Model, id: NetworkId) -> String {
    let network = model.network(id);
    let mut out = format!("```infra\nnetwork {}\n```", network.name);
    if let (Some(prefix), Some(used)) = (&network.ipv4, facts::v4_use(model, id)) {
        out.push_str(&format!(
            "\nIPv4 `{}`: {} used, {} free of {}",
            prefix.value, used.used, used.free, used.usable
        ));
        if used.dynamic > 0 {
            out.push_str(&format!(" ({} in the DHCP range)", used.dynamic));
        }
        if let Some(next) = facts::next_free_v4(model, id) {
            out.push_str(&format!("; next free {next}"));
        }
    }
    if let Some(prefix) = &network.ipv6 {
        let used = facts::used_addresses(model, id)
            .iter()
            .filter(|a| matches!(a, std::net::IpAddr::V6(v6) if prefix.value.contains(v6)))
            .count();
        out.push_str(&format!("\nIPv6 `{}`: {used} used", prefix.value));
    }
    if let Some(doc) = &network.doc {
        out.push_str(&format!("\n\n{doc}"));
    }
    out
}

/// The span of the firewall statement around the position.
fn rule_span_at(analysis: &Analysis, at: &At) -> Option<Span> {
    let tree = at.tree(analysis)?;
    let mut found = None;
    visit_entries_around(tree, at.offset, &mut |_, entry| {
        if let ast::Entry::Rule(rule) = entry {
            let span = rule.span();
            if span.covers(at.offset) {
                found = Some(span);
            }
        }
    });
    found
}

/// Calls `f` with every entry of every block of the top-level item around byte `offset`,
/// and the block kinds that lead to it: a request at one position reads the one
/// declaration there, not the whole lab.
fn visit_entries_around(file: &ast::File, offset: u32, f: &mut dyn FnMut(&[String], &ast::Entry)) {
    fn decl(d: &ast::Decl, path: &mut Vec<String>, f: &mut dyn FnMut(&[String], &ast::Entry)) {
        path.push(d.kind.name.to_string());
        entries(&d.body.entries, path, f);
        path.pop();
    }
    fn entries(
        list: &[ast::Entry],
        path: &mut Vec<String>,
        f: &mut dyn FnMut(&[String], &ast::Entry),
    ) {
        for entry in list {
            f(path, entry);
            match entry {
                ast::Entry::Block(d) => decl(d, path, f),
                ast::Entry::For(l) => entries(&l.body, path, f),
                _ => {}
            }
        }
    }
    let mut path = Vec::new();
    for item in &file.items {
        match item {
            ast::Item::Decl(d) if d.span.covers(offset) => decl(d, &mut path, f),
            ast::Item::For(l) if l.span.covers(offset) => entries(&l.body, &mut path, f),
            _ => {}
        }
    }
}

/// The type of the attribute under the cursor and the value the lab gives it; or the
/// value of the expression under the cursor; or the budget of a storage pool.
fn attribute_hover(analysis: &Analysis, at: &At) -> Option<(String, Span)> {
    let tree = at.tree(analysis)?;
    let mut attr_found: Option<(Vec<String>, ast::Attr)> = None;
    let mut pool: Option<ast::Ident> = None;
    visit_entries_around(tree, at.offset, &mut |path, entry| match entry {
        ast::Entry::Attr(attr) if attr.span().covers(at.offset) => {
            if let ast::ExprKind::Placed(placed) = &attr.value.kind {
                let on = &placed.1;
                for s in &on.segments {
                    if s.span.covers(at.offset) {
                        pool = Some(s.clone());
                    }
                }
            }
            attr_found = Some((path.to_vec(), attr.clone()));
        }
        ast::Entry::Block(d) if d.kind.name == "storage" => {
            if let Some(ast::DeclName::Ident(i)) = &d.name {
                if i.span.covers(at.offset) {
                    pool = Some(i.clone());
                }
            }
        }
        _ => {}
    });
    if let Some(facts) = pool
        .as_ref()
        .and_then(|p| facts::pool_budget(&analysis.model, &p.name).map(|f| (f, p.span)))
    {
        return Some(facts);
    }
    // The value under the cursor; on an attribute's name, the value of the attribute.
    let within = |s: &Span| match &attr_found {
        Some((_, attr)) if at.offset < attr.value.span.start => {
            attr.value.span.start <= s.start && s.end <= attr.value.span.end
        }
        _ => s.covers(at.offset),
    };
    let value = values::computed(&analysis.model, |s| s.file == at.file && within(&s))
        .into_iter()
        .min_by_key(|(s, _)| s.end - s.start);
    let Some((path, attr)) = attr_found else {
        let (span, value) = value?;
        return Some((format!("value `{value}`"), span));
    };
    let kinds: Vec<&str> = path.iter().map(String::as_str).collect();
    let name = attr.name();
    let ty = infrac_sema::schema_for_kind(&kinds)
        .and_then(|(attrs, _)| attrs.into_iter().find(|a| a.name == name));
    let mut out = format!("```infra\n{name}\n```");
    if let Some(ty) = &ty {
        out.push_str(&format!(
            "\n{}{}",
            ty.ty,
            if ty.required { " (required)" } else { "" }
        ));
    }
    if let Some((_, value)) = &value {
        out.push_str(&format!("\n\nvalue `{value}`"));
    }
    if ty.is_none() && value.is_none() {
        return None;
    }
    let span = value
        .as_ref()
        .map(|(s, _)| *s)
        .filter(|s| s.covers(at.offset) && attr.value.span.start <= at.offset)
        .unwrap_or_else(|| attr.name_span());
    Some((out, span))
}
