//! `infrac docs`: check a lab, then write its Markdown documentation (the docs target
//! alone) into a folder, all or nothing, the way `infrac build` writes its output.

use crate::report::{plural, print_human};
use infrac_driver::{
    build_artifacts, check_path, input_files, write_output_as, Analysis, Artifact, Writer,
};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Check a lab and write its Markdown documentation
#[derive(clap::Args)]
#[command(long_about = LONG_ABOUT)]
pub struct Args {
    /// The lab file
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Output folder for the pages
    #[arg(short, long, value_name = "DIR")]
    output: PathBuf,
}

const LONG_ABOUT: &str = "\
Check FILE and, only if it has no errors, write its documentation into DIR: index.md,
inventory.md, ip-plan.md, capacity.md, bgp.md and firewall.md, with the topology, network,
ingress and BGP diagrams embedded as Mermaid blocks (GitHub renders them in place). These
are the pages `infrac build` writes under docs/, without the other targets.

DIR is written the way `infrac build` writes its folder: replaced as a whole, a failed run
leaves it as it was, and files infrac did not generate there are never touched.";

/// The folder the docs target writes under in a full build.
const DOCS_PREFIX: &str = "docs";

/// The docs target's pages, relative to the docs folder itself.
fn docs_pages(artifacts: Vec<Artifact>) -> Vec<Artifact> {
    artifacts
        .into_iter()
        .filter_map(|a| {
            let relative = a
                .path
                .strip_prefix(Path::new(DOCS_PREFIX))
                .ok()?
                .to_path_buf();
            Some(Artifact::new(relative, a.contents))
        })
        .collect()
}

pub fn run(args: Args, color: bool) -> ExitCode {
    let dir = args.output.display();
    let analysis = match check_path(&args.file) {
        Ok(a) => a,
        Err(why) => {
            eprintln!("error: cannot read `{}`: {why}", args.file.display());
            return ExitCode::from(2);
        }
    };
    print_human(&analysis, color);
    if analysis.has_errors() {
        eprintln!("docs failed: nothing was written to `{dir}`");
        return ExitCode::from(1);
    }
    let pages = match build_artifacts(&analysis, &["docs".to_string()]) {
        Ok(artifacts) => docs_pages(artifacts),
        Err(problems) => {
            let failed = Analysis {
                diagnostics: problems,
                ..analysis
            };
            print_human(&failed, color);
            eprintln!("docs failed: nothing was written to `{dir}`");
            return ExitCode::from(1);
        }
    };
    match write_output_as(
        &args.output,
        &pages,
        &Writer::new("docs", input_files(&analysis)),
    ) {
        Ok(summary) if summary.unchanged => {
            eprintln!(
                "`{dir}` is up to date ({} page{})",
                summary.generated,
                plural(summary.generated)
            );
            ExitCode::SUCCESS
        }
        Ok(summary) => {
            eprintln!(
                "wrote `{dir}`: {} page{} ({} new or changed)",
                summary.generated,
                plural(summary.generated),
                summary.written.len()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            eprintln!("docs failed: `{dir}` was left as it was");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::docs_pages;
    use infrac_driver::Artifact;

    #[test]
    fn only_the_docs_pages_are_kept_relative_to_their_folder() {
        let pages = docs_pages(vec![
            Artifact::new("model.json", "{}"),
            Artifact::new("docs/index.md", "# lab"),
            Artifact::new("diagrams/topology.mmd", "flowchart LR"),
        ]);
        assert_eq!(pages, vec![Artifact::new("index.md", "# lab")]);
    }
}
