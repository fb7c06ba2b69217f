//! The shared test helpers (`infrac-testkit`), in the shape these tests use them.

// Every test binary of the crate includes this module and uses a different part of it.
#![allow(dead_code, unused_imports)]

use infrac_model::Artifact;
use infrac_target_proxmox::ProxmoxTarget;
pub use infrac_testkit::{analyse, file, root, validate, write_all};

/// Checks `source`, named `name`, and insists it has no errors.
pub fn analyse_source(name: &str, source: &str) -> infrac_driver::Analysis {
    infrac_testkit::clean(infrac_testkit::analyse_source(name, source), name)
}

/// The Proxmox target's files for a checked lab.
pub fn emit(analysis: &infrac_driver::Analysis) -> Vec<Artifact> {
    infrac_testkit::emit(&ProxmoxTarget, &analysis.model)
}
