//! Printing diagnostics for people.

use infrac_diagnostics::{render_human, RenderOptions};
use infrac_driver::Analysis;
use std::io::Write;

/// Prints an analysis' diagnostics to stderr with a one-line summary.
pub fn print_human(analysis: &Analysis, color: bool) {
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
        // The root file as the user named it (the first source), not the model's
        // folder-relative name for generated files.
        let root = analysis
            .sources
            .iter()
            .next()
            .map_or(analysis.model.source.as_str(), |(_, f)| f.name.as_str());
        let _ = writeln!(
            err,
            "{root}: {errors} error{}, {warnings} warning{}",
            plural(errors),
            plural(warnings)
        );
    }
}

pub use infrac_diagnostics::plural;
