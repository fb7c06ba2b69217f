//! The `infrac` command line.

use clap::{Parser, Subcommand, ValueEnum};
use infrac_diagnostics::{render_human, Code, RenderOptions, CODES};
use infrac_driver::{build_artifacts, check_path, diagnostics_json, write_atomically, Analysis};
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

const ABOUT: &str = "Type-check a homelab described in .infra and generate its configuration";

const LONG_ABOUT: &str = "\
infrac compiles one .infra file, the single source of truth for a homelab (hardware,
networks, Proxmox guests, BGP, firewall, Kubernetes), into the files an operator would
otherwise write by hand. Before anything is written it proves the lab consistent: every
reference resolves, every value has the right type and unit, and every mistake is
reported with its location and a fix.";

const AFTER_HELP: &str = "\
EXIT STATUS:
    0  no errors (warnings may have been printed)
    1  the sources have errors; nothing was written
    2  usage error, or a file could not be read or written

ENVIRONMENT:
    NO_COLOR  when set, diagnostics are printed without colour

EXAMPLES:
    infrac check examples/orion.infra
    infrac check --format json lab.infra > diagnostics.json
    infrac build examples/orion.infra -o out/
    infrac explain E0201";

#[derive(Parser)]
#[command(name = "infrac", version, about = ABOUT, long_about = LONG_ABOUT, after_long_help = AFTER_HELP, propagate_version = true)]
struct Cli {
    /// When to colour diagnostics
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    color: ColorChoice,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum ColorChoice {
    /// Colour when printing to a terminal and NO_COLOR is unset
    Auto,
    Always,
    Never,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// Rendered for people, with source excerpts
    Human,
    /// A JSON array of diagnostics (see docs/ci.md)
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Check .infra files and report every problem found
    #[command(
        long_about = "Parse, resolve and type-check each FILE (with everything it imports) and print \
every diagnostic. Nothing is written. Exits 0 when there are no errors, 1 when there are."
    )]
    Check {
        /// The lab files to check
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Output format of the diagnostics
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Treat warnings as errors (exit 1 when any is reported)
        #[arg(long)]
        deny_warnings: bool,
    },
    /// Check a lab and write its artifacts
    #[command(
        long_about = "Check FILE and, only if it has no errors, write the generated artifacts into \
the output folder. A failed build writes nothing. Today the artifact is model.json, the \
checked model, which stays available as a debugging aid."
    )]
    Build {
        /// The lab file
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Output folder
        #[arg(short, long, value_name = "DIR", default_value = "out")]
        output: PathBuf,
    },
    /// Print the long explanation of a diagnostic code
    Explain {
        /// A code such as E0201; `infrac explain --list` shows them all
        #[arg(value_name = "CODE", required_unless_present = "list")]
        code: Option<String>,
        /// List every code with its title
        #[arg(long)]
        list: bool,
    },
}

fn use_color(choice: ColorChoice) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stderr().is_terminal()
        }
    }
}

fn print_human(analysis: &Analysis, color: bool) {
    let text = render_human(
        &analysis.sources,
        &analysis.diagnostics,
        RenderOptions { color },
    );
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes());
    let errors = analysis.diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = analysis.diagnostics.len() - errors;
    if errors + warnings > 0 {
        let _ = writeln!(
            err,
            "{}: {errors} error{}, {warnings} warning{}",
            analysis.model.source,
            plural(errors),
            plural(warnings)
        );
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let color = use_color(cli.color);
    match cli.command {
        Command::Check {
            files,
            format,
            deny_warnings,
        } => {
            let mut failed = false;
            let mut json_items = Vec::new();
            for file in &files {
                let analysis = match check_path(file) {
                    Ok(a) => a,
                    Err(why) => {
                        eprintln!("error: cannot read `{}`: {why}", file.display());
                        return ExitCode::from(2);
                    }
                };
                failed |=
                    analysis.has_errors() || (deny_warnings && !analysis.diagnostics.is_empty());
                match format {
                    Format::Human => print_human(&analysis, color),
                    Format::Json => {
                        json_items.push(diagnostics_json(&analysis.sources, &analysis.diagnostics))
                    }
                }
            }
            if let Format::Json = format {
                // One array across all files.
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
        Command::Build { file, output } => {
            let analysis = match check_path(&file) {
                Ok(a) => a,
                Err(why) => {
                    eprintln!("error: cannot read `{}`: {why}", file.display());
                    return ExitCode::from(2);
                }
            };
            print_human(&analysis, color);
            if analysis.has_errors() {
                eprintln!(
                    "build failed: nothing was written to `{}`",
                    output.display()
                );
                return ExitCode::from(1);
            }
            let artifacts = build_artifacts(&analysis);
            match write_atomically(&output, &artifacts) {
                Ok(()) => {
                    eprintln!(
                        "wrote {} file{} to `{}`",
                        artifacts.len(),
                        plural(artifacts.len()),
                        output.display()
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: cannot write {e}");
                    ExitCode::from(2)
                }
            }
        }
        Command::Explain { code, list } => {
            if list {
                for info in CODES {
                    println!("{}  {}", info.code, info.title);
                }
                return ExitCode::SUCCESS;
            }
            let text = code.unwrap_or_default();
            match Code::parse(&text).and_then(Code::info) {
                Some(info) => {
                    print!("{}", info.explanation);
                    ExitCode::SUCCESS
                }
                None => {
                    eprintln!("error: `{text}` is not an infrac diagnostic code; `infrac explain --list` shows them all");
                    ExitCode::from(2)
                }
            }
        }
    }
}
