//! The shared test helpers (`infrac-testkit`), in the shape these tests use them.

// Every test binary of the crate includes this module and uses a different part of it.
#![allow(dead_code, unused_imports)]

use infrac_model::Target;
pub use infrac_testkit::{labs, load, root, validate};

/// A target's files for the lab at `relative`, as `(path, contents)`.
pub fn emit(target: &dyn Target, relative: &str) -> Vec<(String, String)> {
    infrac_testkit::emit(target, &load(relative))
        .into_iter()
        .map(|a| (a.path.to_string_lossy().replace('\\', "/"), a.contents))
        .collect()
}
