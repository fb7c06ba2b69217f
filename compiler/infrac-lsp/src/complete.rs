//! Completion: attributes and blocks by schema, names by kind (hosts after `on`, networks
//! in `nic`, pools after `on` in a disk, templates after `from`, clusters after `in`),
//! units after a number, and the entries of a stdlib namespace after `ns.`.

use crate::index::Checked;
use crate::text;
use infrac_syntax::ast;
use lsp_types::{
    CompletionItem, CompletionItemKind, CompletionTextEdit, Position, Range, TextEdit,
};

/// The units infrac reads after a number, with what they measure (sema's unit table;
/// a test checks that each one is accepted).
pub(crate) const UNITS: &[(&str, &str)] = &[
    ("B", "bytes"),
    ("KiB", "kibibytes (1024 B)"),
    ("MiB", "mebibytes"),
    ("GiB", "gibibytes"),
    ("TiB", "tebibytes"),
    ("PiB", "pebibytes"),
    ("m", "millicores (CPU), or minutes for a duration"),
    ("MHz", "megahertz (a clock)"),
    ("GHz", "gigahertz (a clock)"),
    ("M", "megabits per second"),
    ("G", "gigabits per second"),
    ("T", "terabits per second"),
    ("Mbps", "megabits per second"),
    ("Gbps", "gigabits per second"),
    ("ms", "milliseconds"),
    ("s", "seconds"),
    ("min", "minutes"),
    ("h", "hours"),
    ("d", "days"),
];

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

pub(crate) fn completion(
    source: &str,
    position: Position,
    analysis: Option<&Checked>,
) -> Vec<CompletionItem> {
    let starts = infrac_diagnostics::line_starts(source);
    let at = text::offset(source, &starts, position);
    let line_start = starts
        .get(position.line as usize)
        .copied()
        .unwrap_or(0)
        .min(at);
    let before = &source[line_start..at];
    // The partial word under the cursor.
    let word_start = before
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_name_char(*c) || *c == '.')
        .last()
        .map_or(before.len(), |(i, _)| i);
    let word = &before[word_start..];
    let head = before[..word_start].trim();
    let replace = |from: usize| {
        Range::new(
            text::position(source, &starts, line_start + from),
            text::position(source, &starts, at),
        )
    };

    // A number followed by the start of a unit.
    let digits = word.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    if !digits.is_empty()
        && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
        && digits.starts_with(|c: char| c.is_ascii_digit())
        && !word.contains("..")
        && word.matches('.').count() <= 1
    {
        return UNITS
            .iter()
            .map(|(unit, what)| CompletionItem {
                label: format!("{digits}{unit}"),
                kind: Some(CompletionItemKind::UNIT),
                detail: Some((*what).to_string()),
                filter_text: Some(format!("{digits}{unit}")),
                text_edit: Some(CompletionTextEdit::Edit(TextEdit::new(
                    replace(word_start),
                    format!("{digits}{unit}"),
                ))),
                ..CompletionItem::default()
            })
            .collect();
    }

    let Some(analysis) = analysis else {
        return schema_completion(source, at);
    };
    let model = &analysis.model;
    let index = analysis.index();

    // `ns.entry`: the entries of a stdlib namespace.
    if let Some((ns, _)) = word.split_once('.') {
        if index.namespaces().contains_key(ns) {
            return index
                .symbols
                .iter()
                .filter(|s| s.namespace.as_deref() == Some(ns))
                .map(|s| CompletionItem {
                    label: s.name.clone(),
                    kind: Some(CompletionItemKind::CONSTANT),
                    detail: Some(format!("{} {ns}.{}", s.kind, s.name)),
                    documentation: s.doc.clone().map(lsp_types::Documentation::String),
                    filter_text: Some(format!("{ns}.{}", s.name)),
                    text_edit: Some(CompletionTextEdit::Edit(TextEdit::new(
                        replace(word_start),
                        format!("{ns}.{}", s.name),
                    ))),
                    ..CompletionItem::default()
                })
                .collect();
        }
    }

    let first_word = head.split_whitespace().next().unwrap_or("");
    let names = |names: Vec<(String, String)>, kind: CompletionItemKind| {
        names
            .into_iter()
            .map(|(label, detail)| CompletionItem {
                label,
                kind: Some(kind),
                detail: Some(detail),
                ..CompletionItem::default()
            })
            .collect::<Vec<_>>()
    };
    if head.ends_with(" on") || head == "on" {
        if first_word == "disk" {
            let host = enclosing_decl(source, at)
                .and_then(|(_, name)| model.machine_named(&name))
                .and_then(|id| model.machine(id).guest.as_ref().map(|g| g.host));
            let mut pools = Vec::new();
            for (id, machine) in model.machines() {
                if host.is_some_and(|h| h != id) {
                    continue;
                }
                for pool in &machine.storage {
                    let kind = infrac_model::StorageKind::ALL
                        .iter()
                        .find(|(_, k)| *k == pool.kind)
                        .map_or("", |(name, _)| name);
                    let detail = format!("{kind} pool of {} ({})", machine.name, pool.size.value);
                    if !pools.iter().any(|(n, _)| *n == pool.name) {
                        pools.push((pool.name.clone(), detail));
                    }
                }
            }
            return names(pools, CompletionItemKind::FIELD);
        }
        let hosts = model
            .hypervisors()
            .map(|(_, m)| (m.name.clone(), format!("{} {}", m.noun(), m.name)))
            .collect();
        return names(hosts, CompletionItemKind::MODULE);
    }
    if head.ends_with(" from") {
        let templates = index
            .symbols
            .iter()
            .filter(|s| s.kind == "template")
            .map(|s| (s.name.clone(), "template".to_string()))
            .collect();
        return names(templates, CompletionItemKind::CLASS);
    }
    if head.ends_with(" in") && first_word != "for" {
        let clusters = model
            .clusters
            .iter()
            .map(|c| (c.name.clone(), "cluster".to_string()))
            .collect();
        return names(clusters, CompletionItemKind::MODULE);
    }
    // A guest's `nic NAME` names the network it joins (a host's names its port).
    if head == "nic" && enclosing_decl(source, at).is_some_and(|(kind, _)| kind != "host") {
        let networks = model
            .networks
            .iter()
            .map(|n| {
                let detail = match &n.ipv4 {
                    Some(p) => format!("network {} ({})", n.name, p.value),
                    None => format!("network {}", n.name),
                };
                (n.name.clone(), detail)
            })
            .collect();
        return names(networks, CompletionItemKind::ENUM_MEMBER);
    }
    let mut items = schema_completion(source, at);
    if head.ends_with('=') {
        // A value: the namespaces the lab can use.
        items = index
            .namespaces()
            .keys()
            .map(|ns| CompletionItem {
                label: format!("{ns}."),
                kind: Some(CompletionItemKind::MODULE),
                detail: Some("a stdlib namespace".into()),
                command: Some(lsp_types::Command::new(
                    "suggest".into(),
                    "editor.action.triggerSuggest".into(),
                    None,
                )),
                ..CompletionItem::default()
            })
            .collect();
    }
    items
}

/// The top-level item around byte `at` and its offset: from the last line before it that
/// starts at the margin with a name (a declaration's head) to the next such line after
/// it. Completion parses only this, so it costs the same in a 5,000-guest lab as in a
/// small one.
fn around(source: &str, at: usize) -> (usize, &str) {
    let at = at.min(source.len());
    let starts_item = |line: &str| line.starts_with(|c: char| c.is_ascii_alphabetic());
    let mut start = 0;
    let mut offset = 0;
    for line in source.split_inclusive('\n') {
        if offset + line.len() > at {
            if starts_item(line) {
                start = offset;
            }
            break;
        }
        if starts_item(line) {
            start = offset;
        }
        offset += line.len();
    }
    let line_end = source[at..].find('\n').map_or(source.len(), |i| at + i + 1);
    let mut end = source.len();
    let mut offset = line_end;
    for line in source[line_end..].split_inclusive('\n') {
        if starts_item(line) {
            end = offset;
            break;
        }
        offset += line.len();
    }
    (start, &source[start..end])
}

/// The kind and name of the top-level declaration around byte `at`: from the parse, or
/// while the text around is half-typed, from the last line that starts a declaration at
/// the margin (where the parser recovers too).
fn enclosing_decl(source: &str, at: usize) -> Option<(String, String)> {
    let (base, source) = around(source, at);
    let at = at - base;
    let parsed = infrac_syntax::parse(source, infrac_diagnostics::FileId(0));
    let from_parse = parsed.file.items.iter().find_map(|item| match item {
        ast::Item::Decl(d) if d.body.span.start < at as u32 && (at as u32) < d.body.span.end => {
            match &d.name {
                Some(ast::DeclName::Ident(i)) => {
                    Some((d.kind.name.to_string(), i.name.to_string()))
                }
                _ => Some((d.kind.name.to_string(), String::new())),
            }
        }
        _ => None,
    });
    from_parse.or_else(|| {
        let line_start = source[..at].rfind('\n').map_or(0, |i| i + 1);
        let head = source[..line_start]
            .lines()
            .rev()
            .find(|l| l.starts_with(|c: char| c.is_ascii_alphabetic()) || l.starts_with('}'))?;
        let mut words = head.split_whitespace();
        let kind = words.next().filter(|k| {
            infrac_sema::schema::TOP_LEVEL
                .iter()
                .any(|(t, _, _)| t == k)
        })?;
        let name = words.next().unwrap_or("").trim_end_matches('{').to_string();
        Some((kind.to_string(), name))
    })
}

/// Attribute names and nested block kinds the block around `position` accepts.
fn schema_completion(source: &str, at: usize) -> Vec<CompletionItem> {
    let (base, source) = around(source, at);
    let at = (at - base) as u32;
    let parsed = infrac_syntax::parse(source, infrac_diagnostics::FileId(0));
    let inside = |decl: &ast::Decl| decl.body.span.start < at && at < decl.body.span.end;
    let mut path: Vec<String> = Vec::new();
    let mut entries: Vec<&ast::Decl> = parsed
        .file
        .items
        .iter()
        .filter_map(|i| match i {
            ast::Item::Decl(d) => Some(&**d),
            _ => None,
        })
        .collect();
    while let Some(decl) = entries.iter().find(|d| inside(d)) {
        path.push(decl.kind.name.to_string());
        entries = decl
            .body
            .entries
            .iter()
            .filter_map(|e| match e {
                ast::Entry::Block(d) => Some(&**d),
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
