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
        let _ = writeln!(
            err,
            "{}: {errors} error{}, {warnings} warning{}",
            analysis.model.source,
            plural(errors),
            plural(warnings)
        );
    }
}

/// "s" unless `n` is one.
pub fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
