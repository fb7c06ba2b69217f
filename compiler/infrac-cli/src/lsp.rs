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
    let (connection, io_threads) = lsp_server::Connection::stdio();
    let served = infrac_lsp::run(&connection);
    drop(connection);
    let joined = io_threads.join();
    match (served, joined) {
        (Ok(()), Ok(())) => ExitCode::SUCCESS,
        (Err(e), _) => {
            eprintln!("error: language server: {e}");
            ExitCode::from(2)
        }
        (_, Err(e)) => {
            eprintln!("error: language server I/O: {e}");
            ExitCode::from(2)
        }
    }
}
