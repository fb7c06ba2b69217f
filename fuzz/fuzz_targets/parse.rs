//! The lexer and parser on arbitrary bytes: they never panic, never overflow the stack,
//! every diagnostic's span lies inside the text, the direct parser agrees with the
//! combinator parser (same tree on clean input, gives up on the rest), and a reparse
//! after an edit of clean input is the parse of the whole edited text.
#![no_main]

use infrac_diagnostics::FileId;
use libfuzzer_sys::fuzz_target;

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
    if parsed.diagnostics.is_empty() {
        let boundary = |n: usize| (0..=n).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
        let (a, b) = (boundary(text.len() / 3), boundary(2 * text.len() / 3));
        let edits = [
            format!("{}{}", &text[..a], &text[b..]),
            format!("{}x\n{}", &text[..a], &text[a..]),
            format!("{}}}{}", &text[..b], &text[b..]),
        ];
        for new in edits {
            if let Some(quick) = infrac_syntax::reparse(text, &parsed.file, &new, FileId(0)) {
                let whole = infrac_syntax::parse(&new, FileId(0));
                assert!(whole.diagnostics.is_empty(), "a reparse of text with problems");
                assert_eq!(quick.file, whole.file, "a reparse differs from a whole parse");
            }
        }
    }
});
