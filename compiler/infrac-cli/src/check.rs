//! `infrac check`: report every problem, write nothing.

use crate::report::print_human;
use clap::ValueEnum;
use infrac_driver::{check_path, diagnostics_json};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    /// Rendered for people, with source excerpts
    Human,
    /// A JSON array of diagnostics (see docs/ci.md)
    Json,
}

/// Check .infra files and report every problem found
#[derive(clap::Args)]
#[command(
    long_about = "Parse, resolve and type-check each FILE (with everything it imports) and print \
every diagnostic. Nothing is written. Exits 0 when there are no errors, 1 when there are."
)]
pub struct Args {
    /// The lab files to check
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Output format of the diagnostics
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Treat warnings as errors (exit 1 when any is reported)
    #[arg(long)]
    deny_warnings: bool,
}

pub fn run(args: Args, color: bool) -> ExitCode {
    let mut failed = false;
    let mut json_items = Vec::new();
    for file in &args.files {
        let analysis = match check_path(file) {
            Ok(a) => a,
            Err(why) => {
                eprintln!("error: cannot read `{}`: {why}", file.display());
                return ExitCode::from(2);
            }
        };
        failed |= analysis.has_errors() || (args.deny_warnings && !analysis.diagnostics.is_empty());
        match args.format {
            Format::Human => print_human(&analysis, color),
            Format::Json => {
                json_items.push(diagnostics_json(&analysis.sources, &analysis.diagnostics))
            }
        }
    }
    if let Format::Json = args.format {
        let merged: Vec<String> = json_items
            .iter()
            .map(|s| {
                s.trim()
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .trim()
                    .to_string()
            })
            .filter(|s| !s.is_empty())
            .collect();
        println!("[{}]", merged.join(",\n"));
    }
    ExitCode::from(u8::from(failed))
}
