//! The whole pipeline on arbitrary text: analysis, every check, every target and the
//! output planner (compared against a folder that does not exist, so nothing is read or
//! written). Imports are answered from memory: the fuzzer never touches the file system.
#![no_main]

use infrac_driver::{build_artifacts, check_output, check_with, LoadError, Loader};
use libfuzzer_sys::fuzz_target;
use std::path::Path;

/// Every relative import is missing.
struct NoFiles;

impl Loader for NoFiles {
    fn read(&self, _path: &Path) -> Result<String, LoadError> {
        Err(LoadError::Unreadable("not found".into()))
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let analysis = check_with("fuzz.infra", text, &NoFiles);
    if analysis.has_errors() {
        return;
    }
    if let Ok(artifacts) = build_artifacts(&analysis, &[]) {
        let _ = check_output(Path::new("/nonexistent/infrac-fuzz-output"), &artifacts);
    }
});
