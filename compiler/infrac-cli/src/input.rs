//! Where `check` and `build` read a lab from: a file, or standard input when the file is
//! `-`. A lab from standard input is named `<stdin>` in diagnostics; it has no folder of
//! its own, so its relative imports resolve against the working directory and must stay
//! inside it, as a file's must stay inside the file's folder.

use infrac_driver::{
    check_path_on, check_with_on, Analysis, FsLoader, LoadError, Spread, MAX_SOURCE_BYTES,
};
use infrac_model::Date;
use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

/// The name a lab read from standard input goes by.
pub const STDIN_NAME: &str = "<stdin>";

/// Standard input can be read once; a second `-` is refused rather than read as empty.
static STDIN_TAKEN: AtomicBool = AtomicBool::new(false);

/// Whether `path` stands for standard input.
pub fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Checks the lab at `path` (standard input for `-`) as on the day `today`.
pub fn analyse(path: &Path, today: Option<Date>) -> Result<Analysis, LoadError> {
    if !is_stdin(path) {
        return check_path_on(path, today, Spread::Here);
    }
    let text = read_stdin()?;
    Ok(check_with_on(
        STDIN_NAME,
        &text,
        &FsLoader::new("."),
        today,
        Spread::Here,
    ))
}

/// Standard input as source text, with the same size cap as a source file.
pub fn read_stdin() -> Result<String, LoadError> {
    read_stdin_as_is().map(infrac_driver::without_mark)
}

/// [`read_stdin`], keeping a byte order mark that opens it.
pub fn read_stdin_as_is() -> Result<String, LoadError> {
    if STDIN_TAKEN.swap(true, Ordering::SeqCst) {
        return Err(LoadError::Unreadable(
            "standard input can be given as `-` only once".into(),
        ));
    }
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(MAX_SOURCE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| LoadError::Unreadable(format!("cannot read standard input: {e}")))?;
    if bytes.len() as u64 > MAX_SOURCE_BYTES {
        return Err(LoadError::Unreadable(format!(
            "standard input is larger than {} MiB",
            MAX_SOURCE_BYTES / (1024 * 1024)
        )));
    }
    infrac_driver::utf8_text(bytes).map_err(|at| {
        LoadError::NotText(format!(
            "standard input is not UTF-8 text (invalid byte at offset {at})"
        ))
    })
}
