//! `infrac build`: check, then write the selected targets' artifacts into the output
//! folder all at once, or (`--check`) report how the folder differs from them.

use crate::report::{plural, print_human};
use crate::stdout::out;
use infrac_driver::targets::all_targets;
use infrac_driver::{
    build_artifacts, check_output_as, input_files, write_output_as, Analysis, Writer, MANIFEST,
};
use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

/// Check a lab and write its artifacts
#[derive(clap::Args)]
#[command(long_about = LONG_ABOUT)]
pub struct Args {
    /// The lab file (`-` reads it from standard input)
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Output folder
    #[arg(short, long, value_name = "DIR", default_value = "out")]
    output: PathBuf,
    /// Targets to generate, comma-separated (default: all); `model` is always written
    #[arg(long = "target", value_name = "NAMES", value_delimiter = ',', long_help = target_help())]
    targets: Vec<String>,
    /// Write nothing; exit 1 listing every file in DIR that differs from what would be written
    #[arg(long)]
    check: bool,
    /// The day to check support dates against (default: today, in UTC)
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = crate::check::parse_date)]
    today: Option<infrac_model::Date>,
}

const LONG_ABOUT: &str = "\
Check FILE and, only if it has no errors, write the generated artifacts into the output
folder DIR. The folder is replaced as a whole: the new contents are assembled in a staging
folder beside it and swapped in, so a failed or interrupted build leaves the previous
output as it was.

DIR/.infrac-manifest lists the files infrac generated. Files not listed there are never
overwritten or deleted: they are kept across builds, and a build that would write over one
stops with an error. A generated file that the lab no longer produces is removed. The same
input always gives byte-identical output.

With --check nothing is written: the artifacts are generated in memory and compared with
DIR. Each differing file is printed on standard output as `missing`, `differs` or `stale`
followed by its path, and the exit status is 1; an up-to-date folder exits 0. Use it as a
drift gate in CI.";

fn target_help() -> String {
    let mut help = String::from(
        "Targets to generate, comma-separated (default: all). `model` (model.json) is always \
         written. Generated files of targets left out are removed as stale.\n\nTargets:",
    );
    for target in all_targets() {
        help.push_str(&format!(
            "\n  {:<10} {}",
            target.name(),
            target.description()
        ));
    }
    help
}

/// The requested target names, validated and without duplicates; `Err` is the message.
fn selected_targets(requested: &[String]) -> Result<Vec<String>, String> {
    let known: Vec<&str> = all_targets().iter().map(|t| t.name()).collect();
    let mut selected: Vec<String> = Vec::new();
    for name in requested.iter().map(|n| n.trim()).filter(|n| !n.is_empty()) {
        if !known.contains(&name) {
            return Err(format!(
                "unknown target `{name}`; the targets are: {}",
                known.join(", ")
            ));
        }
        if !selected.iter().any(|s| s == name) {
            selected.push(name.to_string());
        }
    }
    Ok(selected)
}

pub fn run(args: Args, color: bool) -> ExitCode {
    let mut selected = match selected_targets(&args.targets) {
        Ok(s) => s,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    // A selected target whose files read another target's files brings that target,
    // so the output never names a file it does not contain.
    let added = infrac_driver::targets::missing_dependencies(&selected);
    selected.extend(added.iter().map(|(name, _)| name.to_string()));
    let dir = args.output.display();
    let failed = || {
        if args.check {
            eprintln!("check failed: the lab has errors, so `{dir}` was not compared");
        } else {
            eprintln!("build failed: nothing was written to `{dir}`");
        }
        ExitCode::from(1)
    };
    let analysis =
        match crate::input::analyse(&args.file, Some(crate::check::build_day(args.today))) {
            Ok(a) => a,
            Err(why) => {
                eprintln!("error: cannot read `{}`: {why}", args.file.display());
                return ExitCode::from(2);
            }
        };
    print_human(&analysis, color);
    if analysis.has_errors() {
        return failed();
    }
    let artifacts = match build_artifacts(&analysis, &selected) {
        Ok(a) => a,
        Err(problems) => {
            let failed_targets = Analysis {
                diagnostics: problems,
                ..analysis
            };
            print_human(&failed_targets, color);
            return failed();
        }
    };
    let code = deliver(&args, &analysis, &artifacts, &added);
    // The process ends here: freeing the syntax tree, the model and every artifact node by
    // node would only cost time (a sixth of a large lab's `--check`).
    std::mem::forget(artifacts);
    std::mem::forget(analysis);
    code
}

/// Reports the targets that came along, then compares the artifacts with the output
/// folder (`--check`) or writes them there.
fn deliver(
    args: &Args,
    analysis: &Analysis,
    artifacts: &[infrac_driver::Artifact],
    added: &[(&'static str, String)],
) -> ExitCode {
    let dir = args.output.display();
    for (name, by) in added {
        let files = artifacts
            .iter()
            .filter(|a| a.path.starts_with(format!("{name}/")))
            .count();
        if files > 0 {
            eprintln!(
                "note: also built the {name} target ({files} file{}), which the {by} target's files read",
                plural(files)
            );
        }
    }
    let writer = Writer::new("build", input_files(analysis));
    if args.check {
        return match check_output_as(&args.output, artifacts, &writer) {
            Ok(drift) if drift.is_empty() => {
                eprintln!(
                    "`{dir}` is up to date ({} generated file{})",
                    artifacts.len(),
                    plural(artifacts.len())
                );
                ExitCode::SUCCESS
            }
            Ok(drift) => {
                // One write: standard output is line-buffered, and a new lab's folder
                // lists every file.
                let mut listing = String::new();
                for d in &drift {
                    let _ = writeln!(listing, "{:<8} {}", d.kind.label(), d.path);
                }
                out!("{listing}");
                eprintln!(
                    "`{dir}` is out of date: {} file{} differ{} from what `infrac build` would \
                     write (see {MANIFEST} for the files infrac owns)",
                    drift.len(),
                    plural(drift.len()),
                    if drift.len() == 1 { "s" } else { "" }
                );
                ExitCode::from(1)
            }
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::from(2)
            }
        };
    }
    match write_output_as(&args.output, artifacts, &writer) {
        Ok(summary) if summary.unchanged => {
            eprintln!(
                "`{dir}` is up to date ({} generated file{})",
                summary.generated,
                plural(summary.generated)
            );
            ExitCode::SUCCESS
        }
        Ok(summary) => {
            let mut line = format!(
                "wrote `{dir}`: {} generated file{} ({} new or changed)",
                summary.generated,
                plural(summary.generated),
                summary.written.len()
            );
            if !summary.removed.is_empty() {
                line.push_str(&format!(", {} stale removed", summary.removed.len()));
            }
            if summary.preserved > 0 {
                line.push_str(&format!(
                    ", {} other file{} kept",
                    summary.preserved,
                    plural(summary.preserved)
                ));
            }
            eprintln!("{line}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            eprintln!("build failed: `{dir}` was left as it was");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::selected_targets;

    #[test]
    fn target_names_are_validated_and_deduplicated() {
        let names = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            selected_targets(&names(&["proxmox", "nixos", "proxmox", " "])),
            Ok(names(&["proxmox", "nixos"]))
        );
        let Err(err) = selected_targets(&names(&["proxmox", "pve"])) else {
            panic!("`pve` was accepted as a target");
        };
        assert!(
            err.starts_with("unknown target `pve`; the targets are: model, proxmox"),
            "{err}"
        );
    }
}
