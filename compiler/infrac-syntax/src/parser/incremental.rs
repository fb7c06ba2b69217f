//! Reparsing after an edit: only the top-level items the edit touches are lexed and
//! parsed again; the others are taken from the previous tree, moved by the edit's length.
//!
//! The language server checks a lab on every keystroke, and in a large lab lexing and
//! parsing the edited file is a good part of that check. An item's extent runs from the
//! end of the item before it (so its doc comment and the blank lines above it belong to
//! it) to its own end; the text after the last item is one more extent. The extents an
//! edit touches are lexed and parsed alone, from a fresh lexer: that is what the whole
//! file's lexer would be doing there, because the text before them is unchanged and ends
//! a top-level item. The result is used only when that stretch lexes and parses without
//! a single diagnostic and the previous parse had none either; then it is the same tree
//! that parsing the whole new text gives (`tests` and the differential tests hold it to
//! that). Anything else, and the caller parses the whole text.

use super::{attach_docs, direct, LineIndex, Parsed};
use crate::ast::*;
use crate::lexer::lex;
use infrac_diagnostics::{FileId, Span};

/// The parse of `new_text` (file `file`), from `old`, the tree of `old_text` in the same
/// file, which parsed without a single diagnostic. `None` when the edit cannot be
/// confined to whole items that parse cleanly: then parse the new text whole.
pub fn reparse(old_text: &str, old: &File, new_text: &str, file: FileId) -> Option<Parsed> {
    let items = &old.items;
    if items.iter().any(|item| item_span(item).file != file) {
        return None;
    }
    let (start, old_end, new_end) = edited_range(old_text.as_bytes(), new_text.as_bytes());
    let delta = new_end as i64 - old_end as i64;
    // The extents that touch the edit: those of items `first..last`, and the text after
    // the last item when `tail` is set.
    let ends: Vec<usize> = items.iter().map(|i| item_span(i).end as usize).collect();
    let extent = |i: usize| (if i == 0 { 0 } else { ends[i - 1] }, ends[i]);
    let touches = |(from, to): (usize, usize)| from <= old_end && start <= to;
    let first = (0..items.len()).find(|&i| touches(extent(i)));
    let tail_from = ends.last().copied().unwrap_or(0);
    let tail = touches((tail_from, old_text.len()));
    let (first, last) = match first {
        Some(first) => {
            let last = (first..items.len())
                .take_while(|&i| touches(extent(i)))
                .last()
                .unwrap_or(first);
            (first, last + 1)
        }
        None if tail => (items.len(), items.len()),
        None => return None,
    };
    let region_start = if first == 0 { 0 } else { ends[first - 1] };
    let region_old_end = if tail && last == items.len() {
        old_text.len()
    } else {
        ends[last - 1]
    };
    let region_new_end = usize::try_from(region_old_end as i64 + delta).ok()?;
    let region = new_text.get(region_start..region_new_end)?;
    let mut fresh = parse_alone(region, file)?;
    for item in &mut fresh {
        item.shift(region_start as i64);
    }
    let mut out = Vec::with_capacity(first + fresh.len() + items.len() - last);
    out.extend(items[..first].iter().cloned());
    out.extend(fresh);
    for item in &items[last..] {
        let mut item = item.clone();
        item.shift(delta);
        out.push(item);
    }
    Some(Parsed {
        file: File { items: out },
        diagnostics: Vec::new(),
    })
}

/// The edit that turns `old` into `new`: it starts at `.0` and ends at `.1` in `old`, at
/// `.2` in `new` (the longest common prefix and, after it, the longest common suffix).
fn edited_range(old: &[u8], new: &[u8]) -> (usize, usize, usize) {
    let prefix = old.iter().zip(new).take_while(|(a, b)| a == b).count();
    let room = old.len().min(new.len()) - prefix;
    let suffix = old
        .iter()
        .rev()
        .zip(new.iter().rev())
        .take(room)
        .take_while(|(a, b)| a == b)
        .count();
    (prefix, old.len() - suffix, new.len() - suffix)
}

/// The items of `src` parsed as a file of its own, spans counted from its start; `None`
/// when anything in it would be reported.
fn parse_alone(src: &str, file: FileId) -> Option<Vec<Item>> {
    let lexed = lex(src, file);
    if !lexed.diagnostics.is_empty() {
        return None;
    }
    let mut ast = direct::parse(&lexed.tokens)?;
    let mut diagnostics = Vec::new();
    attach_docs(
        &mut ast,
        &lexed.docs,
        &LineIndex::new(src),
        &mut diagnostics,
    );
    diagnostics.is_empty().then_some(ast.items)
}

fn item_span(item: &Item) -> Span {
    match item {
        Item::Import(import) => import.span,
        Item::Decl(decl) => decl.span,
        Item::For(f) => f.span,
        Item::Expect(expect) => expect.span,
        Item::Error(span) => *span,
    }
}

/// Moving every span of a tree by a number of bytes. Every node is taken apart field by
/// field, so a field added to the tree without being moved here does not compile.
trait Shift {
    fn shift(&mut self, by: i64);
}

impl Shift for Span {
    fn shift(&mut self, by: i64) {
        let moved = |n: u32| u32::try_from(i64::from(n) + by).unwrap_or(0);
        self.start = moved(self.start);
        self.end = moved(self.end);
    }
}

impl<T: Shift> Shift for Vec<T> {
    fn shift(&mut self, by: i64) {
        for x in self {
            x.shift(by);
        }
    }
}

impl<T: Shift> Shift for Option<T> {
    fn shift(&mut self, by: i64) {
        if let Some(x) = self {
            x.shift(by);
        }
    }
}

impl<T: Shift> Shift for Box<T> {
    fn shift(&mut self, by: i64) {
        (**self).shift(by);
    }
}

impl Shift for Ident {
    fn shift(&mut self, by: i64) {
        let Ident { name: _, span } = self;
        span.shift(by);
    }
}

impl Shift for Item {
    fn shift(&mut self, by: i64) {
        match self {
            Item::Import(import) => import.shift(by),
            Item::Decl(decl) => decl.shift(by),
            Item::For(f) => f.shift(by),
            Item::Expect(expect) => expect.shift(by),
            Item::Error(span) => span.shift(by),
        }
    }
}

impl Shift for Import {
    fn shift(&mut self, by: i64) {
        let Import {
            path: _,
            path_span,
            alias,
            span,
        } = self;
        path_span.shift(by);
        alias.shift(by);
        span.shift(by);
    }
}

impl Shift for Expect {
    fn shift(&mut self, by: i64) {
        let Expect {
            from,
            to,
            ports,
            outcome,
            on,
            span,
        } = self;
        from.shift(by);
        to.shift(by);
        ports.shift(by);
        outcome.shift(by);
        on.shift(by);
        span.shift(by);
    }
}

impl Shift for Decl {
    fn shift(&mut self, by: i64) {
        let Decl {
            doc: _,
            kind,
            name,
            id,
            on,
            from,
            in_,
            body,
            span,
        } = self;
        kind.shift(by);
        name.shift(by);
        id.shift(by);
        on.shift(by);
        from.shift(by);
        in_.shift(by);
        body.shift(by);
        span.shift(by);
    }
}

impl Shift for DeclName {
    fn shift(&mut self, by: i64) {
        match self {
            DeclName::Ident(ident) => ident.shift(by),
            DeclName::Str(s) => s.shift(by),
        }
    }
}

impl Shift for Block {
    fn shift(&mut self, by: i64) {
        let Block { entries, span } = self;
        entries.shift(by);
        span.shift(by);
    }
}

impl Shift for Entry {
    fn shift(&mut self, by: i64) {
        match self {
            Entry::Attr(attr) => attr.shift(by),
            Entry::Block(decl) => decl.shift(by),
            Entry::Rule(rule) => rule.shift(by),
            Entry::For(f) => f.shift(by),
            Entry::Error(span) => span.shift(by),
        }
    }
}

impl Shift for Attr {
    fn shift(&mut self, by: i64) {
        let Attr { path, value, span } = self;
        path.shift(by);
        value.shift(by);
        span.shift(by);
    }
}

impl Shift for Rule {
    fn shift(&mut self, by: i64) {
        match self {
            Rule::Filter {
                action,
                from,
                to,
                ports,
                sources,
                span,
            } => {
                action.shift(by);
                from.shift(by);
                to.shift(by);
                ports.shift(by);
                sources.shift(by);
                span.shift(by);
            }
            Rule::Masquerade { zones, to, span } => {
                zones.shift(by);
                to.shift(by);
                span.shift(by);
            }
            Rule::Forward {
                from,
                port,
                target,
                target_port,
                span,
            } => {
                from.shift(by);
                port.shift(by);
                target.shift(by);
                target_port.shift(by);
                span.shift(by);
            }
        }
    }
}

impl Shift for ForLoop {
    fn shift(&mut self, by: i64) {
        let ForLoop {
            var,
            range,
            body,
            span,
        } = self;
        var.shift(by);
        range.shift(by);
        body.shift(by);
        span.shift(by);
    }
}

impl Shift for Path {
    fn shift(&mut self, by: i64) {
        let Path { segments, span } = self;
        segments.shift(by);
        span.shift(by);
    }
}

impl Shift for StrLit {
    fn shift(&mut self, by: i64) {
        let StrLit { parts, span } = self;
        parts.shift(by);
        span.shift(by);
    }
}

impl Shift for StrPart {
    fn shift(&mut self, by: i64) {
        match self {
            StrPart::Text(_) => {}
            StrPart::Interp(expr) => expr.shift(by),
        }
    }
}

impl Shift for Expr {
    fn shift(&mut self, by: i64) {
        let Expr {
            kind,
            span,
            depth: _,
        } = self;
        span.shift(by);
        match kind {
            ExprKind::Number(_)
            | ExprKind::Quantity(..)
            | ExprKind::Bool(_)
            | ExprKind::Ipv4(_)
            | ExprKind::Ipv6(_)
            | ExprKind::Prefix(..)
            | ExprKind::Mac(_)
            | ExprKind::Port(..)
            | ExprKind::Error => {}
            ExprKind::Str(s) => s.shift(by),
            ExprKind::Path(path) => path.shift(by),
            ExprKind::List(items) => items.shift(by),
            ExprKind::Call(name, args) => {
                name.shift(by);
                args.shift(by);
            }
            ExprKind::Binary(_, left, right) | ExprKind::Range(left, right) => {
                left.shift(by);
                right.shift(by);
            }
            ExprKind::Placed(value, target) => {
                value.shift(by);
                target.shift(by);
            }
            ExprKind::Instance(base, block) => {
                base.shift(by);
                block.shift(by);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse;

    /// Every clean `.infra` file of the repository: examples, fixtures and the stdlib.
    fn clean_files() -> Vec<(String, String)> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut out = Vec::new();
        let mut stack = vec![
            root.join("examples"),
            root.join("stdlib"),
            root.join("tests/fixtures"),
        ];
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "infra") {
                    let text = std::fs::read_to_string(&path).unwrap_or_default();
                    if parse(&text, FileId(0)).diagnostics.is_empty() {
                        out.push((path.display().to_string(), text));
                    }
                }
            }
        }
        out.sort();
        out
    }

    /// Edits at `at`: insertions of text that keeps a file clean or breaks it, and
    /// deletions of a byte, a line and a stretch.
    fn edits(text: &str, at: usize) -> Vec<String> {
        let insert = |s: &str| format!("{}{s}{}", &text[..at], &text[at..]);
        let mut out = vec![
            insert("x"),
            insert(" "),
            insert("\n"),
            insert("\n# a comment\n"),
            insert("\n## a doc comment\n"),
            insert("{"),
            insert("}"),
            insert("\""),
            insert("\nvm extra 9999 on pve { cores = 1 }\n"),
        ];
        let mut end = at + 1;
        while end < text.len() && !text.is_char_boundary(end) {
            end += 1;
        }
        if end <= text.len() {
            out.push(format!("{}{}", &text[..at], &text[end..]));
        }
        let line_end = text[at..].find('\n').map_or(text.len(), |i| at + i + 1);
        out.push(format!("{}{}", &text[..at], &text[line_end..]));
        let far = (at + 200).min(text.len());
        if text.is_char_boundary(far) {
            out.push(format!("{}{}", &text[..at], &text[far..]));
        }
        out
    }

    #[test]
    fn a_reparse_is_the_parse_of_the_whole_new_text() {
        let mut reused = 0;
        let mut checked = 0;
        for (name, text) in clean_files() {
            let old = parse(&text, FileId(3)).file;
            let positions: Vec<usize> = (0..24)
                .map(|k| text.len() * k / 23)
                .filter(|&at| text.is_char_boundary(at))
                .collect();
            for at in positions {
                for new_text in edits(&text, at) {
                    checked += 1;
                    let Some(quick) = reparse(&text, &old, &new_text, FileId(3)) else {
                        continue;
                    };
                    reused += 1;
                    let whole = parse(&new_text, FileId(3));
                    assert!(
                        whole.diagnostics.is_empty(),
                        "{name}: an edit at {at} was reparsed although the new text has problems"
                    );
                    assert_eq!(
                        quick.file, whole.file,
                        "{name}: the reparse of an edit at {at} differs from the parse of the whole text"
                    );
                }
            }
        }
        // Most edits keep the file clean and are reparsed; a test that reparses
        // nothing would prove nothing.
        assert!(
            reused * 3 > checked,
            "only {reused} of {checked} edits were reparsed"
        );
    }

    #[test]
    fn an_edit_finds_the_changed_stretch() {
        assert_eq!(edited_range(b"abcdef", b"abXdef"), (2, 3, 3));
        assert_eq!(edited_range(b"abcdef", b"abcdef"), (6, 6, 6));
        assert_eq!(edited_range(b"aaaa", b"aaaaa"), (4, 4, 5));
        assert_eq!(edited_range(b"abc", b""), (0, 3, 0));
    }

    #[test]
    fn an_edit_that_breaks_the_file_is_not_reparsed() {
        let text = "vm a 100 on pve {}\n";
        let old = parse(text, FileId(0)).file;
        assert!(reparse(text, &old, "vm a 100 on pve {\n", FileId(0)).is_none());
        assert!(reparse(text, &old, "vm a 100 on pve {}\n## detached\n", FileId(0)).is_none());
        let other_file = reparse(text, &old, "vm a 100 on pve {}\n# x\n", FileId(1));
        assert!(other_file.is_none());
    }
}
