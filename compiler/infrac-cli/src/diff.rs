//! `infrac diff`: what a change to the lab does, before it is applied. Two versions are
//! two files, or the working tree's file against a Git revision (read with `git show`,
//! imports included). Printing lives in `diff_report.rs`, the Git loader in
//! `diff_git.rs`, the meaning of the change in `infrac_model::plan`.

use crate::diff_git::GitLoader;
use crate::diff_report::{self, Report};
use crate::report::print_human;
use crate::stdout::{out, outln};
use infrac_driver::{build_artifacts, check_path, check_with, display_name, read_source, Analysis};
use infrac_model::plan;
use infrac_sema::{LoadError, Loader};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Show what a change to the lab does: each machine's generated files and their meaning
#[derive(clap::Args)]
#[command(
    long_about = "Compare two versions of a lab: BEFORE and AFTER, or with --rev the lab FILE \
in the working tree against FILE at a Git revision (its relative imports are read from that \
revision too). Both must check without errors.\n\n\
Prints the machines in the order to apply them (routers first, hypervisors' own networking \
last), each machine's generated files as unified diffs, and what the change means: the flows \
each firewall starts or stops accepting (\"opens wan -> netbox (192.168.100.50) tcp/22\"), BGP \
prefixes announced or accepted, Proxmox guests created, destroyed, resized or changed (and \
which of those Proxmox applies only after a restart), disks that would shrink (refused), and \
addresses, DNS names and VMIDs that move. With --from, also the machines whose SSH (or \
Proxmox UI) that place would no longer reach.\n\n\
Exits 0 when nothing changes, 1 when something does, 2 on errors in either version or on \
usage errors.",
    after_help = "EXAMPLES:\n    infrac diff old.infra lab.infra\n    \
infrac diff --rev HEAD lab.infra\n    \
infrac diff --rev main lab.infra --from lan --format json"
)]
pub struct Args {
    /// The lab before the change (with --rev: the lab, compared with its version at REV)
    #[arg(value_name = "BEFORE")]
    before: PathBuf,
    /// The lab after the change
    #[arg(
        value_name = "AFTER",
        required_unless_present = "rev",
        conflicts_with = "rev"
    )]
    after: Option<PathBuf>,
    /// Compare the lab in the working tree with the lab at this Git revision
    #[arg(long, value_name = "REV")]
    rev: Option<String>,
    /// Where the change is applied from (a zone, machine or address): report the machines
    /// it would no longer reach
    #[arg(long, value_name = "ENDPOINT")]
    from: Option<String>,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
}

/// How the report is printed.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Grouped unified diffs and the change's meaning, for people
    Human,
    /// One JSON object, for CI
    Json,
}

pub fn run(args: Args, color: bool) -> ExitCode {
    let (before, after, names) = match (&args.rev, &args.after) {
        (Some(rev), _) => {
            let loader = match GitLoader::new(rev, &args.before) {
                Ok(l) => l,
                Err(why) => {
                    eprintln!("error: {why}");
                    return ExitCode::from(2);
                }
            };
            let before = match loader.check(&args.before) {
                Ok(a) => a,
                Err(why) => {
                    eprintln!(
                        "error: cannot read `{}` at {rev}: {why}",
                        args.before.display()
                    );
                    return ExitCode::from(2);
                }
            };
            let after = match load(&args.before) {
                Some(a) => a,
                None => return ExitCode::from(2),
            };
            let name = display_name(&args.before);
            (before, after, (format!("{name} at {rev}"), name))
        }
        (None, Some(after_path)) => {
            let (Some(before), Some(after)) = (load_as(&args.before, after_path), load(after_path))
            else {
                return ExitCode::from(2);
            };
            (
                before,
                after,
                (display_name(&args.before), display_name(after_path)),
            )
        }
        (None, None) => {
            eprintln!("error: give two labs, or one with `--rev REV`");
            return ExitCode::from(2);
        }
    };
    for (analysis, which) in [(&before, &names.0), (&after, &names.1)] {
        if analysis.has_errors() {
            // Under its own name, so the diagnostics point into the file that has them.
            match (&args.rev, &args.after) {
                (None, Some(_)) if std::ptr::eq(analysis, &before) => {
                    if let Some(own) = load(&args.before) {
                        print_human(&own, color);
                    }
                }
                _ => print_human(analysis, color),
            }
            eprintln!("error: {which} has errors; `diff` compares labs that check cleanly");
            return ExitCode::from(2);
        }
    }
    let (old_files, new_files) = match (build_artifacts(&before, &[]), build_artifacts(&after, &[]))
    {
        (Ok(a), Ok(b)) => (a, b),
        (Err(d), _) | (_, Err(d)) => {
            let failed = Analysis {
                diagnostics: d,
                ..after
            };
            print_human(&failed, color);
            return ExitCode::from(2);
        }
    };
    let meaning = plan::plan(&before.model, &after.model);
    let cut_offs = match &args.from {
        Some(from) => match plan::cut_offs(&before.model, &after.model, from) {
            Ok(c) => c,
            Err(why) => {
                eprintln!("error: --from: {why}");
                return ExitCode::from(2);
            }
        },
        None => Vec::new(),
    };
    let report = Report::new(
        names,
        &before.model,
        &after.model,
        &old_files,
        &new_files,
        meaning,
        cut_offs,
    );
    match args.format {
        Format::Human => out!("{}", diff_report::human(&report)),
        Format::Json => outln!("{}", diff_report::json(&report)),
    }
    ExitCode::from(u8::from(!report.is_empty()))
}

/// Checks the lab at `path` as if it were the file at `name`: generated files cite their
/// source by name, so both versions must carry one name for only real changes to show.
/// Relative imports are still read beside `path`.
fn load_as(path: &Path, name: &Path) -> Option<Analysis> {
    let text = match read_source(path) {
        Ok(t) => t,
        Err(why) => {
            eprintln!("error: cannot read `{}`: {why}", path.display());
            return None;
        }
    };
    let loader = Rebased {
        from: name.parent().map(Path::to_path_buf).unwrap_or_default(),
        to: path.parent().map(Path::to_path_buf).unwrap_or_default(),
    };
    Some(check_with(&display_name(name), &text, &loader))
}

/// Reads files below `from` from the same place below `to`.
struct Rebased {
    from: PathBuf,
    to: PathBuf,
}

impl Rebased {
    fn path(&self, path: &Path) -> PathBuf {
        match path.strip_prefix(&self.from) {
            Ok(rest) => self.to.join(rest),
            Err(_) => path.to_path_buf(),
        }
    }
}

impl Loader for Rebased {
    fn read(&self, path: &Path) -> Result<String, LoadError> {
        read_source(&self.path(path))
    }

    fn identity(&self, path: &Path) -> Option<PathBuf> {
        std::fs::canonicalize(self.path(path)).ok()
    }
}

/// Checks one version from disk; `None` after saying why it cannot be read.
fn load(path: &Path) -> Option<Analysis> {
    match check_path(path) {
        Ok(a) => Some(a),
        Err(why) => {
            eprintln!("error: cannot read `{}`: {why}", path.display());
            None
        }
    }
}
