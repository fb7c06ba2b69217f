//! Requests answered from the last analysis of a lab (hover, go to definition) or from
//! the document's own parse (document symbols, completion by schema).
//!
//! Facts come from the model and its derived queries (`Machine::addresses`,
//! `roles::leases`) and from sema's schema table (`infrac_sema::schema_for_kind`); the
//! server only arranges them.

use crate::text;
use infrac_driver::Analysis;
use infrac_model::{Model, NetworkId};
use infrac_syntax::ast;
use lsp_types::{
    CompletionItem, CompletionItemKind, DocumentSymbol, Hover, HoverContents, Location,
    MarkupContent, MarkupKind, Position, Range, SymbolKind,
};
use std::collections::BTreeSet;
use std::net::IpAddr;
use std::path::Path;

/// The name under `position` in `path` as the analysis saw it, with its range.
fn word_at(analysis: &Analysis, path: &Path, position: Position) -> Option<(String, Range)> {
    let id = analysis.sources.find(&path.to_string_lossy())?;
    let file = analysis.sources.get(id)?;
    let source = file.text.as_str();
    let starts = text::line_starts(source);
    let at = text::offset(source, &starts, position);
    let is_name = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
    let start = source[..at]
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_name(*c))
        .last()
        .map_or(at, |(i, _)| i);
    let end = source[at..]
        .char_indices()
        .find(|(_, c)| !is_name(*c))
        .map_or(source.len(), |(i, _)| at + i);
    if start == end {
        return None;
    }
    let range = Range::new(
        text::position(source, &starts, start),
        text::position(source, &starts, end),
    );
    Some((source[start..end].to_string(), range))
}

/// Hover for a machine or a network named at `position`.
pub(crate) fn hover(analysis: &Analysis, path: &Path, position: Position) -> Option<Hover> {
    let (word, range) = word_at(analysis, path, position)?;
    let model = &analysis.model;
    let markdown = if let Some(id) = model.machine_named(&word) {
        machine_hover(model, model.machine(id))
    } else if let Some(id) = model.network_named(&word) {
        network_hover(model, id)
    } else {
        return None;
    };
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: markdown,
        }),
        range: Some(range),
    })
}

fn machine_hover(model: &Model, machine: &infrac_model::Machine) -> String {
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
    for text in [&machine.doc, &machine.description].into_iter().flatten() {
        out.push_str(&format!("\n\n{text}"));
    }
    out
}

fn network_hover(model: &Model, id: NetworkId) -> String {
    let network = model.network(id);
    let mut out = format!("```infra\nnetwork {}\n```", network.name);
    // Every address the lab places on this network: machines' NICs, placed addresses
    // and BMCs, and static DHCP leases.
    let mut used: BTreeSet<IpAddr> = model
        .machines
        .iter()
        .flat_map(|m| m.addresses())
        .filter(|(n, _)| *n == id)
        .map(|(_, a)| a.value)
        .collect();
    used.extend(
        infrac_model::roles::leases(model, id)
            .iter()
            .map(|l| IpAddr::V4(l.ip.value)),
    );
    if let Some(gateway) = &network.gateway {
        used.insert(IpAddr::V4(gateway.value));
    }
    if let Some(prefix) = &network.ipv4 {
        let prefix = prefix.value;
        let in_prefix = used
            .iter()
            .filter(|a| matches!(a, IpAddr::V4(v4) if prefix.contains(v4)))
            .count() as u64;
        // Network and broadcast addresses are not usable below a /31.
        let size = 1u64 << (32 - u32::from(prefix.prefix_len()));
        let usable = if prefix.prefix_len() >= 31 {
            size
        } else {
            size - 2
        };
        let dynamic = network.dhcp.as_ref().map_or(0, |range| {
            u64::from(u32::from(range.value.1)).saturating_sub(u64::from(u32::from(range.value.0)))
                + 1
        });
        out.push_str(&format!(
            "\nIPv4 `{prefix}`: {in_prefix} used, {} free of {usable}",
            usable.saturating_sub(in_prefix + dynamic)
        ));
        if dynamic > 0 {
            out.push_str(&format!(" ({dynamic} in the DHCP range)"));
        }
    }
    if let Some(prefix) = &network.ipv6 {
        let in_prefix = used
            .iter()
            .filter(|a| matches!(a, IpAddr::V6(v6) if prefix.value.contains(v6)))
            .count();
        out.push_str(&format!("\nIPv6 `{}`: {in_prefix} used", prefix.value));
    }
    if let Some(doc) = &network.doc {
        out.push_str(&format!("\n\n{doc}"));
    }
    out
}

/// Where the machine or network named at `position` is declared.
pub(crate) fn definition(analysis: &Analysis, path: &Path, position: Position) -> Option<Location> {
    let (word, _) = word_at(analysis, path, position)?;
    let model = &analysis.model;
    let span = if let Some(id) = model.machine_named(&word) {
        model.machine(id).name_span
    } else {
        model.network(model.network_named(&word)?).span
    };
    let file = analysis.sources.get(span.file)?;
    if file.name.starts_with('<') {
        return None;
    }
    let uri = crate::path_to_uri(Path::new(&file.name))?;
    Some(Location::new(
        uri,
        crate::convert::range(&analysis.sources, span),
    ))
}

/// The declarations of a document and the blocks inside them.
pub(crate) fn document_symbols(source: &str) -> Vec<DocumentSymbol> {
    let parsed = infrac_syntax::parse(source, infrac_diagnostics::FileId(0));
    let starts = text::line_starts(source);
    let range = |span: infrac_diagnostics::Span| {
        Range::new(
            text::position(source, &starts, span.start as usize),
            text::position(source, &starts, span.end as usize),
        )
    };
    fn symbols(
        decls: &mut dyn Iterator<Item = &ast::Decl>,
        range: &dyn Fn(infrac_diagnostics::Span) -> Range,
    ) -> Vec<DocumentSymbol> {
        decls
            .map(|decl| {
                let name = match &decl.name {
                    Some(ast::DeclName::Ident(i)) => i.name.clone(),
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
                let children = symbols(
                    &mut decl.body.entries.iter().filter_map(|e| match e {
                        ast::Entry::Block(d) => Some(d),
                        _ => None,
                    }),
                    range,
                );
                #[allow(deprecated)]
                DocumentSymbol {
                    name: format!("{} {name}", decl.kind.name).trim().to_string(),
                    detail: decl.doc.clone(),
                    kind: symbol_kind(&decl.kind.name),
                    tags: None,
                    deprecated: None,
                    range: range(decl.span),
                    selection_range: range(decl.head_span()),
                    children: (!children.is_empty()).then_some(children),
                }
            })
            .collect()
    }
    symbols(
        &mut parsed.file.items.iter().filter_map(|item| match item {
            ast::Item::Decl(d) => Some(d),
            _ => None,
        }),
        &range,
    )
}

fn symbol_kind(kind: &str) -> SymbolKind {
    match kind {
        "host" | "machine" | "vm" | "lxc" => SymbolKind::OBJECT,
        "network" | "site" => SymbolKind::NAMESPACE,
        "template" => SymbolKind::CLASS,
        "nic" | "bridge" | "disk" | "storage" => SymbolKind::FIELD,
        _ => SymbolKind::STRUCT,
    }
}

/// Attribute names and nested block kinds the block around `position` accepts.
pub(crate) fn completion(source: &str, position: Position) -> Vec<CompletionItem> {
    let parsed = infrac_syntax::parse(source, infrac_diagnostics::FileId(0));
    let starts = text::line_starts(source);
    let at = text::offset(source, &starts, position) as u32;
    let inside = |decl: &ast::Decl| decl.body.span.start < at && at < decl.body.span.end;
    let mut path: Vec<String> = Vec::new();
    let mut entries: Vec<&ast::Decl> = parsed
        .file
        .items
        .iter()
        .filter_map(|i| match i {
            ast::Item::Decl(d) => Some(d),
            _ => None,
        })
        .collect();
    while let Some(decl) = entries.iter().find(|d| inside(d)) {
        path.push(decl.kind.name.clone());
        entries = decl
            .body
            .entries
            .iter()
            .filter_map(|e| match e {
                ast::Entry::Block(d) => Some(d),
                _ => None,
            })
            .collect();
    }
    if path.is_empty() {
        return infrac_sema::schema::TOP_LEVEL
            .iter()
            .map(|(keyword, _, _)| CompletionItem {
                label: keyword.to_string(),
                kind: Some(CompletionItemKind::KEYWORD),
                detail: Some("a declaration".into()),
                ..CompletionItem::default()
            })
            .collect();
    }
    let path: Vec<&str> = path.iter().map(String::as_str).collect();
    let Some((attrs, blocks)) = infrac_sema::schema_for_kind(&path) else {
        return Vec::new();
    };
    let mut items: Vec<CompletionItem> = attrs
        .into_iter()
        .map(|a| CompletionItem {
            label: a.name.to_string(),
            kind: Some(CompletionItemKind::PROPERTY),
            detail: Some(if a.required {
                format!("{} (required)", a.ty)
            } else {
                a.ty
            }),
            insert_text: Some(format!("{} = ", a.name)),
            ..CompletionItem::default()
        })
        .collect();
    items.extend(blocks.into_iter().map(|kind| CompletionItem {
        label: kind.to_string(),
        kind: Some(CompletionItemKind::STRUCT),
        detail: Some(format!("a `{kind}` block")),
        ..CompletionItem::default()
    }));
    items
}
