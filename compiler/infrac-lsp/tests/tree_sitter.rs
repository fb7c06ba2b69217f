//! The tree-sitter grammar in editors/tree-sitter-infra, run by the tree-sitter CLI from
//! npm: its corpus tests, and every example, stdlib file and fixture that infrac's own
//! parser reads without a syntax error parses with zero ERROR or MISSING nodes; the
//! highlight, fold and indent queries compile. Needs `node` and the CLI that
//! `scripts/validators/install.sh` installs; fails without them.

use std::path::{Path, PathBuf};

fn infra_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            infra_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "infra") {
            out.push(path);
        }
    }
}

#[test]
fn the_tree_sitter_grammar_parses_every_clean_file() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let grammar = root.join("editors/tree-sitter-infra");
    assert!(
        grammar
            .join("node_modules/tree-sitter-cli/tree-sitter")
            .is_file(),
        "run scripts/validators/install.sh first (tree-sitter CLI in editors/tree-sitter-infra)"
    );
    let mut files = Vec::new();
    for dir in ["examples", "stdlib", "tests/fixtures"] {
        infra_files(&root.join(dir), &mut files);
    }
    // Fixtures with syntax errors are there to be rejected; the grammar need not accept
    // what infrac does not.
    files.retain(|path| {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let parsed = infrac_syntax::parse(&text, infrac_diagnostics::FileId(0));
        !parsed.diagnostics.iter().any(|d| d.is_error())
    });
    assert!(files.len() > 50, "{} files", files.len());
    let output = std::process::Command::new("node")
        .arg("test/run.js")
        .args(&files)
        .current_dir(&grammar)
        .output()
        .unwrap_or_else(|e| panic!("node is needed for the tree-sitter test: {e}"));
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
