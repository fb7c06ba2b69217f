//! The shared test helpers (`infrac-testkit`), in the shape these tests use them.

// Every test binary of the crate includes this module and uses a different part of it.
#![allow(dead_code, unused_imports)]

use infrac_model::Artifact;
use infrac_target_nixos::NixosTarget;
pub use infrac_testkit::{analyse, analyse_source, file, root, validate, write_all};

/// The NixOS target's files for a checked lab.
pub fn emit(analysis: &infrac_driver::Analysis) -> Vec<Artifact> {
    infrac_testkit::emit(&NixosTarget, &analysis.model)
}
