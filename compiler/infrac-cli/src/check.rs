//! `infrac check`: report every problem, write nothing.

use crate::report::print_human;
use crate::stdout::{out, outln};
use clap::ValueEnum;
use infrac_driver::{diagnostics_github, diagnostics_json, diagnostics_sarif, Analysis};
use infrac_model::Date;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    /// Rendered for people, with source excerpts
    Human,
    /// A JSON array of diagnostics (see docs/ci.md)
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers
    Sarif,
    /// GitHub Actions workflow commands, shown as annotations on pull requests
    Github,
}

/// Check .infra files and report every problem found
#[derive(clap::Args)]
#[command(
    long_about = "Parse, resolve and type-check each FILE (with everything it imports) and print \
every diagnostic. Nothing is written. Exits 0 when there are no errors, 1 when there are."
)]
pub struct Args {
    /// The lab files to check (`-` reads one from standard input)
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Output format of the diagnostics
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Treat warnings as errors (exit 1 when any is reported)
    #[arg(long)]
    deny_warnings: bool,
    /// Print each host's CPU, memory and disk use against capacity
    #[arg(long)]
    summary: bool,
    /// The day to check support dates against (default: today, in UTC)
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    today: Option<Date>,
}

/// Reads `--today`.
pub(crate) fn parse_date(text: &str) -> Result<Date, String> {
    Date::parse(text).ok_or_else(|| format!("`{text}` is not a date (YYYY-MM-DD)"))
}

/// The day images' support dates are compared with: the one given, else the current UTC
/// date from the system clock.
pub(crate) fn build_day(given: Option<Date>) -> Date {
    given.unwrap_or_else(|| {
        let seconds = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Date::from_unix_days(seconds / 86_400)
    })
}

pub fn run(args: Args, color: bool) -> ExitCode {
    let mut failed = false;
    let mut all: Vec<Analysis> = Vec::new();
    let today = build_day(args.today);
    for file in &args.files {
        let analysis = match crate::input::analyse(file, Some(today)) {
            Ok(a) => a,
            Err(why) => {
                eprintln!("error: cannot read `{}`: {why}", file.display());
                return ExitCode::from(2);
            }
        };
        failed |= analysis.has_errors() || (args.deny_warnings && !analysis.diagnostics.is_empty());
        match args.format {
            Format::Human => print_human(&analysis, color),
            Format::Github => out!(
                "{}",
                diagnostics_github(&analysis.sources, &analysis.diagnostics)
            ),
            Format::Json | Format::Sarif => {}
        }
        if args.summary {
            // With a machine format on stdout, the table goes to stderr so stdout parses.
            let table = crate::summary::render(&analysis.model);
            match args.format {
                Format::Human => out!("{table}"),
                _ => eprint!("{table}"),
            }
        }
        all.push(analysis);
    }
    match args.format {
        Format::Json => outln!("{}", merged_json(&all)),
        Format::Sarif => outln!("{}", merged_sarif(&all)),
        Format::Human | Format::Github => {}
    }
    // The process ends here: freeing every model node by node would only cost time.
    std::mem::forget(all);
    ExitCode::from(u8::from(failed))
}

/// One JSON array over every checked file.
fn merged_json(all: &[Analysis]) -> String {
    let items: Vec<serde_json::Value> = all
        .iter()
        .filter_map(|a| {
            serde_json::from_str::<serde_json::Value>(&diagnostics_json(&a.sources, &a.diagnostics))
                .ok()
        })
        .flat_map(|v| v.as_array().cloned().unwrap_or_default())
        .collect();
    serde_json::to_string_pretty(&items).unwrap_or_else(|_| "[]".into())
}

/// One SARIF run over every checked file.
fn merged_sarif(all: &[Analysis]) -> String {
    let mut logs = all.iter().filter_map(|a| {
        serde_json::from_str::<serde_json::Value>(&diagnostics_sarif(&a.sources, &a.diagnostics))
            .ok()
    });
    let Some(mut first) = logs.next() else {
        return String::new();
    };
    for log in logs {
        if let (Some(results), Some(more)) = (
            first["runs"][0]["results"].as_array_mut(),
            log["runs"][0]["results"].as_array(),
        ) {
            results.extend(more.iter().cloned());
        }
    }
    serde_json::to_string_pretty(&first).unwrap_or_default()
}
