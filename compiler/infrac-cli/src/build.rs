//! `infrac build`: check, then write every artifact, all or nothing.

use crate::report::{plural, print_human};
use infrac_driver::{build_artifacts, check_path, write_atomically, Analysis};
use std::path::PathBuf;
use std::process::ExitCode;

/// Check a lab and write its artifacts
#[derive(clap::Args)]
#[command(
    long_about = "Check FILE and, only if it has no errors, write the generated artifacts into \
the output folder. A failed build writes nothing."
)]
pub struct Args {
    /// The lab file
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Output folder
    #[arg(short, long, value_name = "DIR", default_value = "out")]
    output: PathBuf,
}

pub fn run(args: Args, color: bool) -> ExitCode {
    let analysis = match check_path(&args.file) {
        Ok(a) => a,
        Err(why) => {
            eprintln!("error: cannot read `{}`: {why}", args.file.display());
            return ExitCode::from(2);
        }
    };
    print_human(&analysis, color);
    if analysis.has_errors() {
        eprintln!(
            "build failed: nothing was written to `{}`",
            args.output.display()
        );
        return ExitCode::from(1);
    }
    let artifacts = match build_artifacts(&analysis, &[]) {
        Ok(a) => a,
        Err(problems) => {
            let failed = Analysis {
                diagnostics: problems,
                ..analysis
            };
            print_human(&failed, color);
            eprintln!(
                "build failed: nothing was written to `{}`",
                args.output.display()
            );
            return ExitCode::from(1);
        }
    };
    match write_atomically(&args.output, &artifacts) {
        Ok(()) => {
            eprintln!(
                "wrote {} file{} to `{}`",
                artifacts.len(),
                plural(artifacts.len()),
                args.output.display()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: cannot write {e}");
            ExitCode::from(2)
        }
    }
}
