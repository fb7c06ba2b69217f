//! `infrac manpage`: the manual page, generated from the command line's own definition
//! (roff, for `man`).

use clap::CommandFactory;
use std::io::Write;
use std::process::ExitCode;

/// Print the manual page (roff)
#[derive(clap::Args)]
#[command(
    long_about = "Print the manual page of infrac in roff to standard output, generated from \
the same definition as `--help`. To install it:\n\n  \
infrac manpage > ~/.local/share/man/man1/infrac.1\n\n\
or read it at once with `infrac manpage | man -l -`."
)]
pub struct Args {}

pub fn run(_args: Args) -> ExitCode {
    let mut page = Vec::new();
    if let Err(e) = clap_mangen::Man::new(crate::Cli::command()).render(&mut page) {
        eprintln!("error: cannot render the manual page: {e}");
        return ExitCode::from(2);
    }
    match std::io::stdout().lock().write_all(&page) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: cannot write the manual page: {e}");
            ExitCode::from(2)
        }
    }
}
