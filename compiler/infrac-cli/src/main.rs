//! The `infrac` command line: one module per subcommand.

mod build;
mod check;
mod completions;
mod diff;
mod diff_git;
mod diff_report;
mod docs;
mod explain;
mod explain_flow;
mod fmt;
mod init;
mod input;
mod lsp;
mod manpage;
mod report;
mod stdlib_cmd;
mod stdout;
mod summary;

use clap::{Parser, Subcommand, ValueEnum};
use std::io::IsTerminal;
use std::process::ExitCode;

// Checking a lab makes many small allocations (names, values, diagnostics); mimalloc
// serves them at a fraction of the system allocator's cost. See docs/performance.md.
#[global_allocator]
static ALLOCATOR: infrac_alloc::Mimalloc = infrac_alloc::Mimalloc;

/// Asks Linux not to back this process with transparent huge pages, for the commands that
/// render every target. They keep every artifact in memory and the allocator touches its
/// regions sparsely: with huge pages each first touch zeroes 2 MiB, a third more memory
/// and CPU time on a 10,000-guest build (339 against 220 MiB, 1.17 against 0.80 s). A
/// check touches its memory densely and is faster with them (0.17 against 0.25 s), so it
/// keeps the system's setting. A kernel that does not know the request changes nothing.
fn no_huge_pages() {
    #[cfg(target_os = "linux")]
    let _ = rustix::thread::disable_transparent_huge_pages(true);
}

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

#[derive(Subcommand)]
enum Command {
    Check(check::Args),
    Build(build::Args),
    Diff(diff::Args),
    Docs(docs::Args),
    Explain(explain::Args),
    ExplainFlow(explain_flow::Args),
    Fmt(fmt::Args),
    Lsp(lsp::Args),
    Init(init::Args),
    Stdlib(stdlib_cmd::Args),
    Completions(completions::Args),
    Manpage(manpage::Args),
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
        Command::Check(args) => check::run(args, color),
        Command::Build(args) => {
            no_huge_pages();
            build::run(args, color)
        }
        Command::Diff(args) => {
            no_huge_pages();
            diff::run(args, color)
        }
        Command::Docs(args) => {
            no_huge_pages();
            docs::run(args, color)
        }
        Command::Explain(args) => explain::run(args),
        Command::Lsp(args) => lsp::run(args),
        Command::Init(args) => init::run(args),
        Command::Stdlib(args) => stdlib_cmd::run(args),
        Command::Completions(args) => completions::run(args),
        Command::Manpage(args) => manpage::run(args),
        Command::ExplainFlow(args) => explain_flow::run(args, color),
        Command::Fmt(args) => fmt::run(args, color),
    }
}
