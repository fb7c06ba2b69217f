//! The shared test helpers (`infrac-testkit`), in the shape these tests use them.

// Every test binary of the crate includes this module and uses a different part of it.
#![allow(dead_code, unused_imports)]

use infrac_model::{Artifact, Model};
use infrac_target_cloudinit::CloudInitTarget;
pub use infrac_testkit::{file, labs, load, model_of, root, validate, write_all};

/// The cloud-init target's files for a checked model.
pub fn emit(model: &Model) -> Vec<Artifact> {
    infrac_testkit::emit(&CloudInitTarget, model)
}

/// The paths of `artifacts`, `/`-separated.
pub fn paths(artifacts: &[Artifact]) -> Vec<String> {
    artifacts
        .iter()
        .map(|a| a.path.to_string_lossy().replace('\\', "/"))
        .collect()
}
