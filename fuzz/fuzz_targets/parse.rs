//! The lexer and parser on arbitrary bytes: they never panic, never overflow the stack,
//! every diagnostic's span lies inside the text, and the direct parser agrees with the
//! combinator parser (same tree on clean input, gives up on the rest).
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
});
