//! The VS Code extension in editors/vscode starts this server: its manifest must stay
//! valid and point at files that exist.

use std::path::Path;

#[test]
fn the_extension_manifest_is_wired() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../editors/vscode");
    let read = |name: &str| {
        std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
    };
    let manifest: serde_json::Value =
        serde_json::from_str(&read("package.json")).unwrap_or_else(|e| panic!("package.json: {e}"));
    let language = &manifest["contributes"]["languages"][0];
    assert_eq!(language["id"], "infra");
    assert_eq!(language["extensions"][0], ".infra");
    let grammar = &manifest["contributes"]["grammars"][0];
    assert_eq!(grammar["language"], "infra");
    for path in [
        grammar["path"].as_str(),
        language["configuration"].as_str(),
        manifest["main"].as_str(),
    ] {
        let path = path.unwrap_or_else(|| panic!("a path is missing from package.json"));
        let text = read(path);
        if path.ends_with(".json") {
            serde_json::from_str::<serde_json::Value>(&text)
                .unwrap_or_else(|e| panic!("{path}: {e}"));
        }
    }
    assert!(
        read("extension.js").contains("args: [\"lsp\"]"),
        "the extension runs `infrac lsp`"
    );
}

/// The TextMate grammar, tokenised by vscode-textmate (VS Code's own engine): names with
/// digits, `::1`, units, `###` comments and unterminated strings, and no string or
/// comment leaking past its line in any example, fixture or stdlib file. Needs `node` and
/// `npm ci` in editors/vscode (scripts/validators/install.sh runs it); fails without them.
#[test]
fn the_textmate_grammar_tokenises_as_the_lexer_does() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../editors/vscode");
    assert!(
        dir.join("node_modules/vscode-textmate").is_dir(),
        "run `npm ci` in editors/vscode (or scripts/validators/install.sh) first"
    );
    let output = std::process::Command::new("node")
        .arg("test/grammar.test.js")
        .current_dir(&dir)
        .output()
        .unwrap_or_else(|e| panic!("node is needed for the grammar test: {e}"));
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
