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
