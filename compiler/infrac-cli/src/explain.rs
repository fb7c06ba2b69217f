//! `infrac explain`: the long explanation of a diagnostic code.

use crate::stdout::{out, outln};
use infrac_diagnostics::{Code, CODES};
use std::process::ExitCode;

/// Print the long explanation of a diagnostic code
#[derive(clap::Args)]
pub struct Args {
    /// A code such as E0201
    #[arg(value_name = "CODE", required_unless_present = "list")]
    code: Option<String>,
    /// List every code with its title
    #[arg(long)]
    list: bool,
}

pub fn run(args: Args) -> ExitCode {
    if args.list {
        for info in CODES {
            outln!("{}  {}", info.code, info.title);
        }
        return ExitCode::SUCCESS;
    }
    let text = args.code.unwrap_or_default();
    match Code::parse(&text).and_then(Code::info) {
        Some(info) => {
            out!("{}", info.explanation);
            ExitCode::SUCCESS
        }
        None => {
            eprintln!("error: `{text}` is not an infrac diagnostic code; `infrac explain --list` shows them all");
            ExitCode::from(2)
        }
    }
}
