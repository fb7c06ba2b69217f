//! The lexer and parser on arbitrary bytes: they never panic, never overflow the stack,
//! every diagnostic's span lies inside the text, the direct parser agrees with the
//! combinator parser (same tree on clean input, gives up on the rest), a reparse after
//! an edit of clean input is the parse of the whole edited text, and so is a parse beside
//! the previous tree after an edit of any input.
#![no_main]

use infrac_diagnostics::FileId;
use libfuzzer_sys::fuzz_target;

#[path = "edits.rs"]
mod edits;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = infrac_syntax::parse(text, FileId(0));
    for d in &parsed.diagnostics {
        let span = d.primary.span;
        assert!(span.start <= span.end && span.end as usize <= text.len());
    }
    infrac_syntax::assert_parsers_agree(text);
    let edits = edits::edits(text);
    for new in edits {
        if parsed.diagnostics.is_empty() {
            if let Some(quick) = infrac_syntax::reparse(text, &parsed.file, &new, FileId(0)) {
                let whole = infrac_syntax::parse(&new, FileId(0));
                assert!(
                    whole.diagnostics.is_empty(),
                    "a reparse of text with problems"
                );
                assert_eq!(
                    quick.file, whole.file,
                    "a reparse differs from a whole parse"
                );
            }
        }
        // From any previous parse, broken or not, taking what came before the edit.
        let beside =
            infrac_syntax::parse_beside(text, &parsed.file, parsed.direct, &new, FileId(0));
        let whole = infrac_syntax::parse(&new, FileId(0));
        assert_eq!(
            beside.file, whole.file,
            "a parse beside differs from a whole parse"
        );
        assert_eq!(
            beside.diagnostics, whole.diagnostics,
            "a parse beside reports otherwise than a whole parse"
        );
    }
});
