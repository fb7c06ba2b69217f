//! The cap on diagnostics per file. A lab from an untrusted pull request can be written to
//! produce millions of diagnostics; rendering, serialising and publishing them all would
//! cost the CI runner or the editor far more than the check itself. Every output (human,
//! JSON, SARIF, GitHub annotations, the language server) takes its diagnostics from the
//! driver's analysis, so the cap is applied once, here.

use infrac_diagnostics::{Code, Diagnostic, FileId};
use std::collections::BTreeMap;

/// At most this many diagnostics are kept per source file.
pub const MAX_DIAGNOSTICS_PER_FILE: usize = 200;

/// Keeps the first [`MAX_DIAGNOSTICS_PER_FILE`] diagnostics of each file, in order, and
/// adds one diagnostic per file that had more, saying how many were left out. When every
/// error of a file would be left out, its first error is kept in place of the last kept
/// warning, so the exit status and `--deny-warnings` still see it.
pub fn cap_per_file(diagnostics: &mut Vec<Diagnostic>) {
    let mut per_file: BTreeMap<FileId, usize> = BTreeMap::new();
    for d in diagnostics.iter() {
        *per_file.entry(d.primary.span.file).or_default() += 1;
    }
    if per_file.values().all(|&n| n <= MAX_DIAGNOSTICS_PER_FILE) {
        return;
    }
    let mut kept: Vec<Diagnostic> = Vec::new();
    // Per file: how many kept so far, whether an error was kept, the first dropped
    // diagnostic (where the note points) and the first dropped error.
    let mut state: BTreeMap<FileId, FileState> = BTreeMap::new();
    for d in diagnostics.drain(..) {
        let s = state.entry(d.primary.span.file).or_default();
        if s.kept < MAX_DIAGNOSTICS_PER_FILE {
            s.kept += 1;
            s.kept_error |= d.is_error();
            s.last_kept = Some(kept.len());
            kept.push(d);
        } else {
            s.dropped += 1;
            if s.first_dropped.is_none() {
                s.first_dropped = Some(d.clone());
            }
            if d.is_error() && s.first_dropped_error.is_none() {
                s.first_dropped_error = Some(d);
            }
        }
    }
    for s in state.into_values() {
        let Some(first) = s.first_dropped else {
            continue;
        };
        if let (false, Some(error), Some(at)) = (s.kept_error, s.first_dropped_error, s.last_kept) {
            kept[at] = error;
        }
        kept.push(
            Diagnostic::warning(
                Code::TOO_MANY_DIAGNOSTICS,
                format!(
                    "{} more diagnostics in this file are not shown",
                    s.dropped
                ),
                first.primary.span,
                "the first one not shown",
            )
            .with_note(format!(
                "infrac reports at most {MAX_DIAGNOSTICS_PER_FILE} diagnostics per file"
            ))
            .with_help("fix the problems shown and check again; later ones are often consequences of earlier ones"),
        );
    }
    *diagnostics = kept;
}

#[derive(Default)]
struct FileState {
    kept: usize,
    kept_error: bool,
    last_kept: Option<usize>,
    dropped: usize,
    first_dropped: Option<Diagnostic>,
    first_dropped_error: Option<Diagnostic>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use infrac_diagnostics::Span;

    fn at(file: u32, n: usize, error: bool) -> Diagnostic {
        let span = Span::new(FileId(file), n, n + 1);
        if error {
            Diagnostic::error(Code::UNRESOLVED_NAME, "e", span, "x")
        } else {
            Diagnostic::warning(Code::UNUSED_IMPORT, "w", span, "x")
        }
    }

    #[test]
    fn keeps_the_first_of_each_file_and_counts_the_rest() {
        let mut ds: Vec<Diagnostic> = (0..250).map(|n| at(0, n, true)).collect();
        ds.extend((0..10).map(|n| at(1, n, true)));
        cap_per_file(&mut ds);
        assert_eq!(ds.len(), MAX_DIAGNOSTICS_PER_FILE + 10 + 1);
        let note = ds.last().expect("the note is last");
        assert_eq!(note.code, Code::TOO_MANY_DIAGNOSTICS);
        assert_eq!(
            note.message,
            "50 more diagnostics in this file are not shown"
        );
        assert_eq!(note.primary.span.file, FileId(0));
    }

    #[test]
    fn an_error_after_the_cap_is_kept() {
        let mut ds: Vec<Diagnostic> = (0..300).map(|n| at(0, n, false)).collect();
        ds.push(at(0, 300, true));
        cap_per_file(&mut ds);
        assert!(ds.iter().any(Diagnostic::is_error));
        assert_eq!(ds.len(), MAX_DIAGNOSTICS_PER_FILE + 1);
    }

    #[test]
    fn under_the_cap_nothing_changes() {
        let mut ds: Vec<Diagnostic> = (0..200).map(|n| at(0, n, true)).collect();
        cap_per_file(&mut ds);
        assert_eq!(ds.len(), 200);
    }
}
