//! Code actions: every diagnostic whose help names one replacement ("did you mean
//! `memory`?", "write `2048MiB`") as a quick fix, "remove the unused import", and
//! "allocate the next free address / VMID" on a NIC or a guest.
//!
//! A diagnostic's fix travels in its `data` (the client hands it back with the code
//! action request), so the quick fix is exactly the help the diagnostic shows.

use crate::{convert, facts, text};
use infrac_diagnostics::{Code, Diagnostic, SourceMap};
use infrac_driver::Analysis;
use infrac_syntax::ast;
use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, Position, Range, TextEdit, Uri, WorkspaceEdit,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The fix a diagnostic carries in its `data`.
#[derive(Serialize, Deserialize)]
struct Fix {
    title: String,
    range: Range,
    new_text: String,
}

/// The single replacement a help text names, if it names exactly one: "did you mean
/// `X`?", "write `X`", "…: `X`" (`sizes need a unit: `2048MiB``), or the quoted word of
/// "strings are quoted: "w"", when it is a whole value (no placeholder, no spaces, not an
/// "e.g." guess).
fn replacement(help: &str) -> Option<&str> {
    if let Some(quoted) = help.strip_prefix("strings are quoted: ") {
        return Some(quoted);
    }
    let inner = help
        .strip_prefix("did you mean `")
        .and_then(|r| r.strip_suffix("`?"))
        .or_else(|| {
            help.strip_prefix("write `")
                .and_then(|r| r.strip_suffix('`'))
        })
        .or_else(|| {
            let (_, tail) = help.rsplit_once(": `")?;
            (!help.contains("e.g.")).then_some(())?;
            tail.strip_suffix('`')
        })?;
    let whole = !inner.is_empty() && !inner.contains(['`', '…', ' ', '{', '}']);
    whole.then_some(inner)
}

/// The fix for a diagnostic, as the JSON of its `data`.
pub(crate) fn fix_of(map: &SourceMap, d: &Diagnostic) -> Option<serde_json::Value> {
    let file = map.get(d.primary.span.file)?;
    let fix = if d.code == Code::UNUSED_IMPORT {
        // The whole line (lines) of the import, line break included.
        let starts = file.line_starts();
        let start = text::position(&file.text, starts, d.primary.span.start as usize);
        let end = text::position(&file.text, starts, d.primary.span.end as usize);
        Fix {
            title: "Remove the unused import".into(),
            range: Range::new(Position::new(start.line, 0), Position::new(end.line + 1, 0)),
            new_text: String::new(),
        }
    } else {
        let new_text = replacement(d.help.as_deref()?)?;
        let old = file.text.get(d.primary.span.range())?;
        // A qualified replacement (`os.debian-12`) only replaces a qualified name.
        if old.is_empty() || old.contains('\n') || (new_text.contains('.') && !old.contains('.')) {
            return None;
        }
        Fix {
            title: format!("Replace `{old}` with `{new_text}`"),
            range: convert::range(map, d.primary.span),
            new_text: new_text.to_string(),
        }
    };
    serde_json::to_value(fix).ok()
}

// `WorkspaceEdit::changes` is keyed by `Uri`, whose lazily filled parse cache is what
// clippy sees as interior mutability; it takes no part in hashing.
#[allow(clippy::mutable_key_type)]
fn edit(uri: &Uri, range: Range, new_text: String) -> WorkspaceEdit {
    let mut changes = HashMap::new();
    changes.insert(uri.clone(), vec![TextEdit::new(range, new_text)]);
    WorkspaceEdit::new(changes)
}

/// The code actions at `range` of the document `uri` with text `source`.
pub(crate) fn code_actions(
    uri: &Uri,
    source: &str,
    range: Range,
    diagnostics: &[lsp_types::Diagnostic],
    analysis: Option<&Analysis>,
) -> Vec<CodeActionOrCommand> {
    let mut out = Vec::new();
    for d in diagnostics {
        let Some(fix) = d
            .data
            .clone()
            .and_then(|v| serde_json::from_value::<Fix>(v).ok())
        else {
            continue;
        };
        out.push(CodeActionOrCommand::CodeAction(CodeAction {
            title: fix.title,
            kind: Some(CodeActionKind::QUICKFIX),
            diagnostics: Some(vec![d.clone()]),
            edit: Some(edit(uri, fix.range, fix.new_text)),
            is_preferred: Some(true),
            ..CodeAction::default()
        }));
    }
    if let Some(analysis) = analysis {
        out.extend(allocations(uri, source, range, analysis));
    }
    out
}

/// "Allocate the next free address" in a guest's NIC, "allocate the next free VMID" on a
/// guest's head.
fn allocations(
    uri: &Uri,
    source: &str,
    range: Range,
    analysis: &Analysis,
) -> Vec<CodeActionOrCommand> {
    let model = &analysis.model;
    let starts = infrac_diagnostics::line_starts(source);
    let at = text::offset(source, &starts, range.start) as u32;
    let pos = |offset: u32| text::position(source, &starts, offset as usize);
    let parsed = infrac_syntax::parse(source, infrac_diagnostics::FileId(0));
    let mut out = Vec::new();
    let action = |title: String, range: Range, new_text: String| {
        CodeActionOrCommand::CodeAction(CodeAction {
            title,
            kind: Some(CodeActionKind::QUICKFIX),
            edit: Some(edit(uri, range, new_text)),
            ..CodeAction::default()
        })
    };
    for item in &parsed.file.items {
        let ast::Item::Decl(decl) = item else {
            continue;
        };
        if !(decl.span.start <= at && at <= decl.span.end) {
            continue;
        }
        let kind = match decl.kind.name.as_str() {
            "vm" => Some(infrac_model::GuestKind::Vm),
            "lxc" => Some(infrac_model::GuestKind::Lxc),
            _ => None,
        };
        let on_head = at < decl.body.span.start;
        if let (Some(kind), true) = (kind, on_head) {
            let machine = decl.name.as_ref().and_then(|n| match n {
                ast::DeclName::Ident(i) => model.machine_named(&i.name),
                ast::DeclName::Str(_) => None,
            });
            let site = machine.map(|m| model.machine(m).site);
            if let Some(vmid) = facts::next_free_vmid(model, kind, site) {
                let title = format!("Allocate the next free VMID ({vmid})");
                match &decl.id {
                    Some(id) => out.push(action(
                        title,
                        Range::new(pos(id.span.start), pos(id.span.end)),
                        vmid.to_string(),
                    )),
                    None => {
                        let after = decl.name.as_ref().map_or(decl.kind.span, |n| n.span());
                        out.push(action(
                            title,
                            Range::new(pos(after.end), pos(after.end)),
                            format!(" {vmid}"),
                        ));
                    }
                }
            }
        }
        for entry in &decl.body.entries {
            let ast::Entry::Block(nic) = entry else {
                continue;
            };
            if nic.kind.name != "nic" || !(nic.span.start <= at && at <= nic.span.end) {
                continue;
            }
            let explicit = nic.body.entries.iter().find_map(|e| match e {
                ast::Entry::Attr(a) if a.name() == "network" => match &a.value.kind {
                    ast::ExprKind::Path(p) => Some(p.dotted()),
                    _ => None,
                },
                _ => None,
            });
            let network = explicit.or_else(|| match &nic.name {
                Some(ast::DeclName::Ident(i)) => Some(i.name.to_string()),
                _ => None,
            });
            let Some(network) = network.and_then(|n| model.network_named(&n)) else {
                continue;
            };
            let Some(free) = facts::next_free_v4(model, network) else {
                continue;
            };
            let title = format!(
                "Allocate the next free address on `{}` ({free})",
                model.network(network).name
            );
            let ip = nic.body.entries.iter().find_map(|e| match e {
                ast::Entry::Attr(a) if a.name() == "ip" => Some(a),
                _ => None,
            });
            let edit_range;
            let new_text;
            if let Some(ip) = ip {
                edit_range = Range::new(pos(ip.value.span.start), pos(ip.value.span.end));
                new_text = free.to_string();
            } else {
                // Before the closing brace: on one line when the block is on one line.
                let close = nic.body.span.end.saturating_sub(1);
                let one_line = pos(nic.body.span.start).line == pos(close).line;
                if one_line {
                    let inner = source
                        .get(nic.body.span.start as usize + 1..close as usize)
                        .unwrap_or("");
                    let start = nic.body.span.start + 1;
                    edit_range = Range::new(pos(start), pos(close));
                    new_text = if inner.trim().is_empty() {
                        format!(" ip = {free} ")
                    } else {
                        format!(" {}, ip = {free} ", inner.trim())
                    };
                } else {
                    let indent = nic
                        .body
                        .entries
                        .first()
                        .map(|e| match e {
                            ast::Entry::Attr(a) => pos(a.span().start).character,
                            _ => pos(nic.span.start).character + 2,
                        })
                        .unwrap_or(pos(nic.span.start).character + 2);
                    let line_start = Position::new(pos(close).line, 0);
                    edit_range = Range::new(line_start, line_start);
                    new_text = format!("{}ip = {free}\n", " ".repeat(indent as usize));
                }
            }
            out.push(action(title, edit_range, new_text));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::replacement;

    #[test]
    fn only_whole_replacements_become_fixes() {
        assert_eq!(replacement("did you mean `memory`?"), Some("memory"));
        assert_eq!(replacement("write `2048MiB`"), Some("2048MiB"));
        assert_eq!(replacement("write `vm NAME { … }` without a name"), None);
        assert_eq!(
            replacement("did you mean `nic lan`, or add `network = lan`?"),
            None
        );
        assert_eq!(replacement("write the lower bound first"), None);
        assert_eq!(replacement("sizes need a unit: `2048MiB`"), Some("2048MiB"));
        assert_eq!(replacement("strings are quoted: \"web\""), Some("\"web\""));
        assert_eq!(
            replacement("this attribute takes text, written in quotes: `\"802.3ad\"`"),
            Some("\"802.3ad\"")
        );
        assert_eq!(replacement("add a prefix length, e.g. `10.0.0.1/24`"), None);
        assert_eq!(
            replacement("place it on a storage pool: `50GiB on local-lvm`"),
            None
        );
    }
}
