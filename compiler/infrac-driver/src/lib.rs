//! The driver: reads files, runs the pipeline, formats diagnostics for machines.
//!
//! The CLI, the language server and the tests all go through here, so they see the same
//! behaviour. Rendering for humans lives in `infrac-diagnostics`; this crate adds the
//! file system and the machine-readable formats.
//!
//! The rest of this page is `docs/ARCHITECTURE.md`: how the whole compiler fits together.
#![doc = include_str!("../../../docs/ARCHITECTURE.md")]

mod json;
pub mod limit;
mod order;
mod output;
mod sarif;
pub mod targets;

pub use infrac_model::parallel::Spread;
pub use infrac_sema::{Analysis, Beside, LoadError, Loader, Reuse};
pub use json::diagnostics_json;
pub use output::{
    check_output, check_output_as, write_output, write_output_as, Artifact, Drift, DriftKind,
    OutputError, Step, WriteSummary, Writer, MANIFEST,
};
pub use sarif::{diagnostics_github, diagnostics_sarif};

use std::path::{Path, PathBuf};

/// Reads imported files from disk, relative to a base folder (the working directory of
/// the root's name).
#[derive(Debug, Clone)]
pub struct FsLoader {
    base: PathBuf,
}

impl FsLoader {
    /// A loader resolving relative paths against `base`.
    pub fn new(base: impl Into<PathBuf>) -> Self {
        FsLoader { base: base.into() }
    }
}

/// Largest source file accepted, so a stray multi-gigabyte file cannot exhaust memory.
pub const MAX_SOURCE_BYTES: u64 = 64 * 1024 * 1024;

/// Reads a source file as text, with a message fit for a diagnostic when it cannot be.
///
/// Only regular files are read: a FIFO would block forever, and a device such as
/// `/dev/zero` never ends. The file is opened without blocking and checked through the
/// open handle, so it cannot be swapped for something else in between, and at most
/// [`MAX_SOURCE_BYTES`] are read, whatever size the file system claims (files under
/// `/proc` claim none).
pub fn read_source(path: &Path) -> Result<String, LoadError> {
    read_text(path).map(without_mark)
}

/// [`read_source`], keeping a byte order mark that opens the file: for rewriting the file
/// as it was, mark included.
pub fn read_text(path: &Path) -> Result<String, LoadError> {
    use std::io::Read;
    let file = open_nonblocking(path).map_err(|e| LoadError::Unreadable(describe_io(&e)))?;
    let meta = file
        .metadata()
        .map_err(|e| LoadError::Unreadable(describe_io(&e)))?;
    if !meta.is_file() {
        return Err(LoadError::NotRegular(file_kind(&meta).into()));
    }
    let too_large = || {
        LoadError::Unreadable(format!(
            "is larger than {} MiB, the limit for a source file",
            MAX_SOURCE_BYTES >> 20
        ))
    };
    if meta.len() > MAX_SOURCE_BYTES {
        return Err(too_large());
    }
    // Sized from the metadata (one byte more, for the read that finds the end): grown by
    // doubling, a large lab's text was copied sixteen times on its way in. The file may
    // still change size meanwhile; the limit below holds either way.
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).map_or(0, |n| n + 1));
    file.take(MAX_SOURCE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| LoadError::Unreadable(describe_io(&e)))?;
    if bytes.len() as u64 > MAX_SOURCE_BYTES {
        return Err(too_large());
    }
    utf8_text(bytes).map_err(|at| {
        LoadError::NotText(format!("is not UTF-8 text (invalid byte at offset {at})"))
    })
}

/// The text of a source file's bytes, or the offset of the first byte that is not UTF-8.
///
/// A byte order mark, which some Windows editors write at the start of every UTF-8 file,
/// is not part of the text: the lexer would report it as an unexpected character, and
/// every column on the first line would count it although no editor shows it. The
/// offset of a bad byte is the file's own, mark included.
pub fn source_text(bytes: Vec<u8>) -> Result<String, usize> {
    utf8_text(bytes).map(without_mark)
}

/// The text of `bytes` as it is, byte order mark included, or the offset of the first
/// byte that is not UTF-8.
pub fn utf8_text(bytes: Vec<u8>) -> Result<String, usize> {
    String::from_utf8(bytes).map_err(|e| e.utf8_error().valid_up_to())
}

/// `text` without the byte order mark that opens it, if one does.
pub fn without_mark(mut text: String) -> String {
    if text.starts_with('\u{feff}') {
        text.drain(..'\u{feff}'.len_utf8());
    }
    text
}

#[cfg(target_os = "linux")]
fn open_nonblocking(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
        .open(path)
}

#[cfg(not(target_os = "linux"))]
fn open_nonblocking(path: &Path) -> std::io::Result<std::fs::File> {
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() && !meta.is_dir() {
        // Opening a FIFO would block; refuse it before opening.
        return Err(std::io::Error::other(format!(
            "is {}, not a regular file",
            file_kind(&meta)
        )));
    }
    std::fs::File::open(path)
}

/// What a non-regular file is, in words.
fn file_kind(meta: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if meta.is_dir() {
        "a folder"
    } else {
        "a special file"
    }
}

fn describe_io(e: &std::io::Error) -> String {
    #[cfg(target_os = "linux")]
    if e.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error()) {
        return "its symbolic links form a loop".into();
    }
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

impl infrac_sema::Loader for FsLoader {
    fn read(&self, path: &Path) -> Result<String, LoadError> {
        read_source(&self.base.join(path))
    }

    fn identity(&self, path: &Path) -> Option<PathBuf> {
        std::fs::canonicalize(self.base.join(path)).ok()
    }
}

/// Checks the lab rooted at `path`. `Err` means the root itself could not be read.
pub fn check_path(path: &Path) -> Result<Analysis, LoadError> {
    let text = read_source(path)?;
    Ok(check_source(&display_name(path), &text))
}

/// The name a source file goes by in diagnostics: relative to the working directory when
/// it lies below it, so an editor or terminal can open it. Generated files do not use it:
/// they cite the file relative to the lab's folder, so they are byte-identical from every
/// working directory (and `build --check` sees no drift between them).
pub fn display_name(path: &Path) -> String {
    let relative = std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(&cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| path.to_path_buf());
    let text = relative.to_string_lossy().replace('\\', "/");
    text.strip_prefix("./").map(str::to_string).unwrap_or(text)
}

/// Checks a lab given as text; relative imports resolve against the current directory.
pub fn check_source(name: &str, text: &str) -> Analysis {
    check_with(name, text, &FsLoader::new("."))
}

/// The whole front end: analysis, then (if it found no errors) every check family that
/// does not depend on the day (see [`check_with_on`]).
pub fn check_with(name: &str, text: &str, loader: &dyn infrac_sema::Loader) -> Analysis {
    checked(
        infrac_sema::analyze(name, text, loader),
        None,
        Spread::Cores,
    )
}

/// Checks the lab at `path` as on the day `today` (images past their end of support are
/// reported), the check families spread as `spread` says; the CLI passes the current UTC
/// date unless told another, and runs them on its own thread.
pub fn check_path_on(
    path: &Path,
    today: Option<infrac_model::Date>,
    spread: Spread,
) -> Result<Analysis, LoadError> {
    let text = read_source(path)?;
    Ok(checked(
        infrac_sema::analyze_owned(&display_name(path), text, &FsLoader::new(".")),
        today,
        spread,
    ))
}

/// The whole front end, with the release checks when `today` is given.
pub fn check_with_on(
    name: &str,
    text: &str,
    loader: &dyn infrac_sema::Loader,
    today: Option<infrac_model::Date>,
    spread: Spread,
) -> Analysis {
    checked(infrac_sema::analyze(name, text, loader), today, spread)
}

/// An analysis with the check families' findings added when it found no errors.
fn checked(mut analysis: Analysis, today: Option<infrac_model::Date>, spread: Spread) -> Analysis {
    if !analysis.has_errors() {
        analysis.diagnostics.extend(match today {
            Some(today) => infrac_checks::check_on(&analysis.model, today, spread),
            None => infrac_checks::check_spread(&analysis.model, spread),
        });
        analysis
            .diagnostics
            .sort_by_key(infrac_diagnostics::Diagnostic::sort_key);
    }
    limit::cap_per_file(&mut analysis.diagnostics);
    analysis
}

/// The lab's own source files (the root and its imports, not the stdlib), as the paths
/// they were read from; an output folder must not contain them.
pub fn input_files(analysis: &Analysis) -> Vec<PathBuf> {
    analysis
        .sources
        .iter()
        .map(|(_, file)| &file.name)
        .filter(|name| !name.starts_with('<'))
        .map(PathBuf::from)
        .collect()
}

/// The artifacts of the selected targets (all when `selected` is empty), sorted by path.
pub fn build_artifacts(
    analysis: &Analysis,
    selected: &[String],
) -> Result<Vec<Artifact>, Vec<infrac_diagnostics::Diagnostic>> {
    let chosen: Vec<&dyn infrac_model::Target> = targets::all_targets()
        .into_iter()
        .filter(|target| {
            selected.is_empty()
                || target.name() == "model"
                || selected.iter().any(|s| s == target.name())
        })
        .collect();
    // The targets read the model only; on the machine's cores they take the time of the
    // slowest (Proxmox's, a script per guest) rather than of all of them.
    let emitted = infrac_model::parallel::map(&analysis.model, &chosen, |target| {
        target.emit(&analysis.model)
    });
    let mut artifacts = Vec::new();
    let mut problems = Vec::new();
    for result in emitted {
        match result {
            Ok(mut a) => artifacts.append(&mut a),
            Err(mut d) => problems.append(&mut d),
        }
    }
    if problems.is_empty() {
        order::sort_by_path(&mut artifacts);
        Ok(artifacts)
    } else {
        Err(problems)
    }
}
