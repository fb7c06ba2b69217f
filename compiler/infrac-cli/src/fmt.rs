//! `infrac fmt`: rewrite .infra files in the canonical layout.

use crate::stdout::outln;
use infrac_diagnostics::{render_human, RenderOptions, SourceMap};
use infrac_driver::read_text;
use infrac_syntax::{format, FormatError};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Format .infra files in the one canonical layout
#[derive(clap::Args)]
#[command(
    long_about = "Rewrite each FILE in the canonical layout (indentation, alignment, comments kept), \
in place. `-` formats standard input to standard output. With --check nothing is written: the files \
that would change are listed and the exit status is 1 when there is any. A file with syntax errors \
is never formatted; its diagnostics are printed and the exit status is 1."
)]
pub struct Args {
    /// The files to format, or `-` for standard input
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Write nothing; list the files that are not formatted and exit 1 if there is any
    #[arg(long)]
    check: bool,
}

/// What happened to one file.
enum Outcome {
    Unchanged,
    /// Formatted differently (and rewritten, unless checking).
    Changed,
    /// Not formatted: syntax errors or a formatter refusal, already reported.
    Refused,
}

pub fn run(args: Args, color: bool) -> ExitCode {
    let mut changed = Vec::new();
    let mut refused = false;
    for file in &args.files {
        let result = if file.as_os_str() == "-" {
            stdin(args.check, color)
        } else {
            one_file(file, args.check, color)
        };
        match result {
            Ok(Outcome::Unchanged) => {}
            Ok(Outcome::Changed) => changed.push(file),
            Ok(Outcome::Refused) => refused = true,
            Err(why) => {
                eprintln!("error: {why}");
                return ExitCode::from(2);
            }
        }
    }
    if args.check {
        for file in &changed {
            let name = if file.as_os_str() == "-" {
                "<stdin>".into()
            } else {
                file.display().to_string()
            };
            outln!("{name}");
        }
    }
    ExitCode::from(u8::from(refused || (args.check && !changed.is_empty())))
}

/// Formats `text` or reports why not (to stderr, rendered against `name`). A byte order
/// mark that opens the text is kept, and left out of the text the diagnostics are shown
/// in, whose columns count what an editor shows.
fn formatted(name: &str, text: &str, color: bool) -> Option<String> {
    let unmarked = text.strip_prefix('\u{feff}');
    let source = unmarked.unwrap_or(text);
    match format(source) {
        Ok(out) if unmarked.is_some() => Some(format!("\u{feff}{out}")),
        Ok(out) => Some(out),
        Err(FormatError::Syntax(diagnostics)) => {
            let mut sources = SourceMap::new();
            sources.add(name, source);
            let rendered = render_human(&sources, &diagnostics, RenderOptions { color });
            let mut err = std::io::stderr().lock();
            let _ = err.write_all(rendered.as_bytes());
            let _ = writeln!(err, "{name}: not formatted: it has syntax errors");
            None
        }
        Err(e @ FormatError::Internal(_)) => {
            eprintln!("error: {name}: not formatted: {e}");
            None
        }
    }
}

fn stdin(check: bool, color: bool) -> Result<Outcome, String> {
    // Read as `check` reads it: at most a source file's size, and as text.
    let text = crate::input::read_stdin_as_is().map_err(|why| why.to_string())?;
    let Some(out) = formatted("<stdin>", &text, color) else {
        return Ok(Outcome::Refused);
    };
    if !check {
        let mut stdout = std::io::stdout().lock();
        stdout
            .write_all(out.as_bytes())
            .and_then(|()| stdout.flush())
            .map_err(|e| format!("cannot write standard output: {e}"))?;
    }
    Ok(if out == text {
        Outcome::Unchanged
    } else {
        Outcome::Changed
    })
}

fn one_file(path: &Path, check: bool, color: bool) -> Result<Outcome, String> {
    let text = read_text(path).map_err(|why| format!("cannot read `{}`: {why}", path.display()))?;
    let Some(out) = formatted(&path.display().to_string(), &text, color) else {
        return Ok(Outcome::Refused);
    };
    if out == text {
        return Ok(Outcome::Unchanged);
    }
    if !check {
        write_atomically(path, &out)
            .map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
    }
    Ok(Outcome::Changed)
}

/// Replaces the file's contents by writing a temporary file beside it and renaming it
/// over the original, so a crash leaves either the old or the new text, never half of
/// one. A symbolic link is followed, so the link stays a link.
fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let target = std::fs::canonicalize(path)?;
    let dir = target.parent().unwrap_or(Path::new("."));
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(".{name}.infrac-fmt-{}", std::process::id()));
    let result = (|| {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        let permissions = std::fs::metadata(&target)?.permissions();
        std::fs::set_permissions(&temp, permissions)?;
        std::fs::rename(&temp, &target)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}
