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

use super::{attach_docs, direct, item_span, parse_after, Edit, Kept, LineIndex, Parsed};
use crate::ast::*;
use crate::lexer::lexemes;
use crate::spans::Spans;
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
        item.each_span(&mut |span| moved(span, region_start as i64));
    }
    let mut out = Vec::with_capacity(first + fresh.len() + items.len() - last);
    out.extend(items[..first].iter().cloned());
    out.extend(fresh);
    for item in &items[last..] {
        let mut item = item.clone();
        item.each_span(&mut |span| moved(span, delta));
        out.push(item);
    }
    Some(Parsed {
        direct: out.len(),
        file: File { items: out },
        diagnostics: Vec::new(),
        edit: Some(Edit {
            file,
            start: u32::try_from(region_start).ok()?,
            old_end: u32::try_from(region_old_end).ok()?,
            new_end: u32::try_from(region_new_end).ok()?,
        }),
    })
}

/// The whole parse of `new_text` (file `file`), with [`Parsed::edit`] set from `old`, the
/// tree of `old_text` in the same file, whose first `old_direct` items the direct parser
/// made ([`Parsed::direct`]): the top-level items before the first byte the edit changed
/// that equal the previous tree's are left out of it, everything after them is the edit.
/// For a text [`reparse`] cannot confine (a syntax error, before or after the edit), so
/// that what reads the tree can still reuse what it made of those items.
///
/// Those of the items before the edit that the direct parser made are not lexed or parsed
/// again but the last: they are taken from `old`, and the text is parsed from the end of
/// the last one taken ([`Kept`]).
pub fn parse_beside(
    old_text: &str,
    old: &File,
    old_direct: usize,
    new_text: &str,
    file: FileId,
) -> Parsed {
    let (start, _, _) = edited_range(old_text.as_bytes(), new_text.as_bytes());
    // Items that end before the edit, with at least one unchanged byte after them: the
    // lexer ended a token there in the old text and does so in the new one.
    let before = old.items[..old_direct.min(old.items.len())]
        .iter()
        .take_while(|item| {
            let span = item_span(item);
            span.file == file && (span.end as usize) < start
        })
        .count();
    let taken = before.saturating_sub(1);
    let kept = match taken.checked_sub(1) {
        Some(last) => Kept {
            items: old.items[..taken].to_vec(),
            from: item_span(&old.items[last]).end as usize,
        },
        None => Kept::default(),
    };
    let mut parsed = parse_after(new_text, file, kept);
    // The items taken lead the new tree, unless the recovering parser gave up and the
    // text was parsed whole (`parse_after`).
    let taken = if parsed.direct >= taken { taken } else { 0 };
    let same = taken
        + old.items[taken..]
            .iter()
            .zip(&parsed.file.items[taken..])
            .take_while(|(a, b)| {
                let span = item_span(a);
                span.file == file && span.end as usize <= start && a == b
            })
            .count();
    let from = same
        .checked_sub(1)
        .map_or(0, |last| item_span(&parsed.file.items[last]).end);
    parsed.edit = match (u32::try_from(old_text.len()), u32::try_from(new_text.len())) {
        (Ok(old_end), Ok(new_end)) => Some(Edit {
            file,
            start: from,
            old_end,
            new_end,
        }),
        _ => None,
    };
    parsed
}

/// The edit that turns `old` into `new`: it starts at `.0` and ends at `.1` in `old`, at
/// `.2` in `new` (the longest common prefix and, after it, the longest common suffix).
fn edited_range(old: &[u8], new: &[u8]) -> (usize, usize, usize) {
    // Whole chunks are compared as slices (a vectorised comparison), then bytes: the
    // texts are the whole file, a megabyte in a large lab, and differ in a few bytes.
    const CHUNK: usize = 64;
    let common = old.len().min(new.len());
    let mut prefix = 0;
    while prefix + CHUNK <= common && old[prefix..prefix + CHUNK] == new[prefix..prefix + CHUNK] {
        prefix += CHUNK;
    }
    prefix += old[prefix..common]
        .iter()
        .zip(&new[prefix..common])
        .take_while(|(a, b)| a == b)
        .count();
    let room = common - prefix;
    let mut suffix = 0;
    while suffix + CHUNK <= room
        && old[old.len() - suffix - CHUNK..old.len() - suffix]
            == new[new.len() - suffix - CHUNK..new.len() - suffix]
    {
        suffix += CHUNK;
    }
    suffix += old[..old.len() - suffix]
        .iter()
        .rev()
        .zip(new[..new.len() - suffix].iter().rev())
        .take(room - suffix)
        .take_while(|(a, b)| a == b)
        .count();
    (prefix, old.len() - suffix, new.len() - suffix)
}

/// The items of `src` parsed as a file of its own, spans counted from its start; `None`
/// when anything in it would be reported.
fn parse_alone(src: &str, file: FileId) -> Option<Vec<Item>> {
    let lexed = lexemes(src, file);
    if !lexed.diagnostics.is_empty() {
        return None;
    }
    let mut ast = direct::parse(src, &lexed.tokens)?;
    let mut diagnostics = Vec::new();
    attach_docs(
        &mut ast,
        &lexed.docs,
        &LineIndex::new(src),
        &mut diagnostics,
    );
    diagnostics.is_empty().then_some(ast.items)
}

/// `span` moved by `by` bytes.
fn moved(span: &mut Span, by: i64) {
    let at = |n: u32| u32::try_from(i64::from(n) + by).unwrap_or(0);
    span.start = at(span.start);
    span.end = at(span.end);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse;
    use crate::parser::differential::{edits_at as edits, places, repository_labs};

    /// Every `.infra` file of the repository that parses without a diagnostic.
    fn clean_files() -> Vec<(String, String)> {
        repository_labs()
            .into_iter()
            .filter_map(|path| {
                let text = std::fs::read_to_string(&path).ok()?;
                parse(&text, FileId(0))
                    .diagnostics
                    .is_empty()
                    .then(|| (path.display().to_string(), text))
            })
            .collect()
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
        // Many edits keep the file clean and are reparsed; a test that reparses nothing
        // would prove nothing.
        assert!(
            reused * 4 > checked,
            "only {reused} of {checked} edits were reparsed"
        );
    }

    /// `parse_beside` takes the items before an edit from the previous tree, which may
    /// itself have had errors; what it gives must be the parse of the whole new text.
    #[test]
    fn a_parse_beside_the_previous_tree_is_the_parse_of_the_whole_new_text() {
        let mut compared = 0;
        let mut taken = 0;
        // Every other file, at three places: the recovering parser is slow in a debug
        // build, and each edit is parsed three times.
        for path in repository_labs().into_iter().step_by(2) {
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            let positions = places(&text, 4);
            // Each edit from the file as it is, and a second edit further on from the
            // file as the first left it (often broken, as while typing).
            let mut pairs = Vec::new();
            for (n, &at) in positions.iter().enumerate() {
                for first in edits(&text, at) {
                    pairs.push((text.clone(), first.clone()));
                    if let Some(&later) = positions.get(n + 1) {
                        let later = later.min(first.len());
                        if first.is_char_boundary(later) {
                            for second in edits(&first, later).into_iter().take(2) {
                                pairs.push((first.clone(), second));
                            }
                        }
                    }
                }
            }
            for (before, after) in pairs {
                let old = parse(&before, FileId(1));
                let beside = parse_beside(&before, &old.file, old.direct, &after, FileId(1));
                let whole = parse(&after, FileId(1));
                compared += 1;
                taken += beside.direct.min(old.direct);
                assert_eq!(
                    beside.file,
                    whole.file,
                    "{}: the trees differ for:\n{after}",
                    path.display()
                );
                assert_eq!(
                    beside.diagnostics,
                    whole.diagnostics,
                    "{}: the diagnostics differ for:\n{after}",
                    path.display()
                );
            }
        }
        assert!(compared > 5_000, "only {compared} edits compared");
        assert!(taken > 20_000, "only {taken} items were taken");
    }

    #[test]
    fn a_whole_parse_beside_the_previous_tree_marks_what_did_not_change() {
        let text = "vm a 100 on pve {}\n\nvm b 101 on pve {}\n\nvm c 102 on pve {}\n";
        let old = parse(text, FileId(0));
        let (direct, old) = (old.direct, old.file);
        let broken = text.replace("vm b 101 on pve {}", "vm b 101 on pve { = }");
        let beside = parse_beside(text, &old, direct, &broken, FileId(0));
        let whole = parse(&broken, FileId(0));
        assert_eq!(beside.file, whole.file);
        assert_eq!(beside.diagnostics, whole.diagnostics);
        let edit = beside.edit.unwrap_or_else(|| panic!("no edit"));
        // `a` is before the edit and unchanged; `b` and everything after it is the edit.
        assert_eq!(edit.start, item_span(&old.items[0]).end);
        assert_eq!(
            (edit.old_end, edit.new_end),
            (text.len() as u32, broken.len() as u32)
        );
        // An edit in the first item leaves nothing out.
        let first = text.replacen("{}", "{ = }", 1);
        let beside = parse_beside(text, &old, direct, &first, FileId(0));
        assert_eq!(beside.edit.map(|e| e.start), Some(0));
    }

    #[test]
    fn an_edit_finds_the_changed_stretch() {
        assert_eq!(edited_range(b"abcdef", b"abXdef"), (2, 3, 3));
        assert_eq!(edited_range(b"abcdef", b"abcdef"), (6, 6, 6));
        assert_eq!(edited_range(b"aaaa", b"aaaaa"), (4, 4, 5));
        assert_eq!(edited_range(b"abc", b""), (0, 3, 0));
        // Longer than the chunks compared at once, with the edit inside, at and across
        // their edges, and repeated text on both sides of it.
        let text: Vec<u8> = (0..300u32).map(|i| b"ab\n"[i as usize % 3]).collect();
        for at in [0, 1, 63, 64, 65, 127, 128, 200, 236, 237, 299, 300] {
            for cut in [0, 1, 64, 65] {
                let end = (at + cut).min(text.len());
                for put in [&b""[..], b"x", b"ab\n"] {
                    let mut new = text[..at].to_vec();
                    new.extend_from_slice(put);
                    new.extend_from_slice(&text[end..]);
                    let slow = {
                        let prefix = text.iter().zip(&new).take_while(|(a, b)| a == b).count();
                        let room = text.len().min(new.len()) - prefix;
                        let suffix = text
                            .iter()
                            .rev()
                            .zip(new.iter().rev())
                            .take(room)
                            .take_while(|(a, b)| a == b)
                            .count();
                        (prefix, text.len() - suffix, new.len() - suffix)
                    };
                    assert_eq!(edited_range(&text, &new), slow, "edit at {at}, cut {cut}");
                }
            }
        }
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
