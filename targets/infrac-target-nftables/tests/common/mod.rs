//! The shared test helpers (`infrac-testkit`), in the shape these tests use them.

// Every test binary of the crate includes this module and uses a different part of it.
#![allow(dead_code, unused_imports)]

pub use infrac_testkit::{load, model_of, root};

/// The ORION example and every `tests/fixtures/build/router-*.infra`, by short name.
pub fn labs() -> Vec<(String, String)> {
    infrac_testkit::labs(&["router-"])
}
