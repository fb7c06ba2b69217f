//! `infrac completions SHELL`: a completion script generated from the command line's own
//! definition, so it never falls behind a new subcommand or flag.

use clap::CommandFactory;
use clap_complete::Shell;
use std::io::Write;
use std::process::ExitCode;

/// Print a shell completion script
#[derive(clap::Args)]
#[command(
    long_about = "Print a completion script for SHELL to standard output. Install it where \
your shell looks for completions, for example:\n\n  \
bash:        infrac completions bash > ~/.local/share/bash-completion/completions/infrac\n  \
zsh:         infrac completions zsh > ~/.zfunc/_infrac   (with `fpath+=~/.zfunc` before compinit)\n  \
fish:        infrac completions fish > ~/.config/fish/completions/infrac.fish\n  \
PowerShell:  infrac completions powershell >> $PROFILE"
)]
pub struct Args {
    /// The shell to complete for
    #[arg(value_enum)]
    shell: Shell,
}

pub fn run(args: Args) -> ExitCode {
    let mut command = crate::Cli::command();
    // Generated into memory first: clap_complete panics when its writer fails, and a
    // closed pipe (`infrac completions bash | head`) is no reason to.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "infrac", &mut script);
    match std::io::stdout().lock().write_all(&script) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: cannot write the completion script: {e}");
            ExitCode::from(2)
        }
    }
}
