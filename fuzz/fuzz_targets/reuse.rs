//! Reusing the previous analysis after an edit, as the language server does on every
//! keystroke: the tree parsed beside the previous one and the declaration checks
//! replayed must give what analysing the edited text afresh gives, diagnostics and model
//! alike, for any text and any of a few editor-like edits of it.
#![no_main]

use infrac_driver::{check_with, Beside, LoadError, Loader};
use libfuzzer_sys::fuzz_target;

#[path = "edits.rs"]
mod edits;
use std::path::Path;

/// Every relative import is missing.
struct NoFiles;

impl Loader for NoFiles {
    fn read(&self, _path: &Path) -> Result<String, LoadError> {
        Err(LoadError::Unreadable("not found".into()))
    }
}

const NAME: &str = "fuzz.infra";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // Large labs (a `for` loop stamps out up to 100,000 machines or blocks) are the
    // pipeline target's: keeping records and analysing each edit twice would take minutes.
    let plain = check_with(NAME, text, &NoFiles);
    if plain.model.machines.len() > 1_000
        || plain
            .diagnostics
            .iter()
            .any(|d| d.code == infrac_diagnostics::Code::TOO_MANY_INSTANCES)
    {
        return;
    }
    let first = check_with(
        NAME,
        text,
        &Beside {
            files: NoFiles,
            previous: None,
        },
    );
    let edits = edits::edits(text);
    for new in edits {
        let beside = Beside {
            files: NoFiles,
            previous: Some(&first),
        };
        let reused = check_with(NAME, &new, &beside);
        let fresh = check_with(NAME, &new, &NoFiles);
        assert_eq!(
            format!("{:#?}", reused.diagnostics),
            format!("{:#?}", fresh.diagnostics),
            "reusing the previous analysis changed the diagnostics"
        );
        assert_eq!(
            format!("{:?}", reused.model),
            format!("{:?}", fresh.model),
            "reusing the previous analysis changed the model"
        );
    }
});
