//! Loading labs for the tests: the ORION example and the router fixtures.

use infrac_model::Model;
use std::path::{Path, PathBuf};

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

struct FsLoader(PathBuf);

impl infrac_sema::Loader for FsLoader {
    fn read(&self, path: &Path) -> Result<String, String> {
        std::fs::read_to_string(self.0.join(path)).map_err(|e| e.to_string())
    }
}

/// Analyses `text` as if it were the file `name` (relative to the root); panics with the
/// rendered diagnostics if it has errors.
pub fn model_of(name: &str, text: &str) -> Model {
    let analysis = infrac_sema::analyze(name, text, &FsLoader(root()));
    if analysis.has_errors() {
        let rendered = infrac_diagnostics::render_human(
            &analysis.sources,
            &analysis.diagnostics,
            infrac_diagnostics::RenderOptions { color: false },
        );
        panic!("{name} has errors:\n{rendered}");
    }
    analysis.model
}

/// Loads a lab file relative to the root.
pub fn load(relative: &str) -> Model {
    let text = std::fs::read_to_string(root().join(relative))
        .unwrap_or_else(|e| panic!("cannot read {relative}: {e}"));
    model_of(relative, &text)
}

/// The ORION example and every `tests/fixtures/build/router-*.infra`, by short name.
pub fn labs() -> Vec<(String, String)> {
    let mut out = vec![("orion".to_string(), "examples/orion.infra".to_string())];
    let dir = root().join("tests/fixtures/build");
    let mut fixtures: Vec<String> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with("router-") && n.ends_with(".infra"))
                .collect()
        })
        .unwrap_or_default();
    fixtures.sort();
    for f in fixtures {
        let short = f.trim_end_matches(".infra").to_string();
        out.push((short, format!("tests/fixtures/build/{f}")));
    }
    out
}
