//! `infrac lsp`: the language server on standard input and output, for editors.

use std::process::ExitCode;

/// Run the language server (diagnostics as you type) on stdin/stdout
#[derive(clap::Args)]
#[command(
    long_about = "Speak the Language Server Protocol on standard input and output. Editors start \
this themselves (see editors/vscode); it reports the same diagnostics as `infrac check` while you type."
)]
pub struct Args {}

pub fn run(_args: Args) -> ExitCode {
    infrac_alloc::keep_freed_memory_between_keystrokes();
    // infrac-lsp's own transport: a malformed message is answered, not fatal.
    let input = std::io::BufReader::new(std::io::stdin());
    match infrac_lsp::serve(input, std::io::stdout()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: language server: {e}");
            ExitCode::from(2)
        }
    }
}
