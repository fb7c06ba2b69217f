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

/// The class of a lexer token, as the agreement test checks it.
fn class(token: &infrac_syntax::token::Token) -> Option<&'static str> {
    use infrac_syntax::token::Token;
    Some(match token {
        Token::Number(_)
        | Token::Quantity(..)
        | Token::Ipv4(_)
        | Token::Ipv6(_)
        | Token::Prefix(..)
        | Token::Mac(_)
        | Token::Port(..) => "number",
        Token::StrStart | Token::StrText(_) | Token::StrEnd => "string",
        Token::InterpOpen | Token::InterpClose => "interpolation",
        Token::Import | Token::As | Token::For | Token::In | Token::On | Token::From => "keyword",
        Token::True | Token::False => "boolean",
        Token::Ident(_) => "name",
        _ => return None,
    })
}

fn infra_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            infra_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "infra") {
            out.push(path);
        }
    }
}

/// The TextMate grammar against the lexer, token by token, on every example, stdlib file
/// and fixture the parser reads without an error: the lexer's tokens and the comments it
/// skips go to a JSON file that `test/lexer-agreement.js` checks with vscode-textmate.
#[test]
fn the_textmate_grammar_agrees_with_the_lexer_token_by_token() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = root.join("editors/vscode");
    assert!(
        dir.join("node_modules/vscode-textmate").is_dir(),
        "run `npm ci` in editors/vscode (or scripts/validators/install.sh) first"
    );
    let mut files = Vec::new();
    for sub in ["examples", "stdlib", "tests/fixtures"] {
        infra_files(&root.join(sub), &mut files);
    }
    let mut out = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap_or_default();
        // Files with syntax errors are there to be rejected; what the grammar makes of
        // them is not the lexer's reading.
        let parsed = infrac_syntax::parse(&text, infrac_diagnostics::FileId(0));
        if parsed.diagnostics.iter().any(|d| d.is_error()) {
            continue;
        }
        let lexed = infrac_syntax::lexer::lex(&text, infrac_diagnostics::FileId(0));
        // Lines as the lexer counts them; columns in UTF-16 units, as JavaScript's.
        let mut starts = vec![0];
        let bytes = text.as_bytes();
        for (i, b) in bytes.iter().enumerate() {
            if *b == b'\n' || (*b == b'\r' && bytes.get(i + 1) != Some(&b'\n')) {
                starts.push(i + 1);
            }
        }
        let at = |offset: usize| {
            let line = starts.partition_point(|s| *s <= offset) - 1;
            let column: usize = text[starts[line]..offset].encode_utf16().count();
            (line, column)
        };
        let mut tokens = Vec::new();
        let mut push = |start: usize, end: usize, class: &str| {
            let ((line, a), (_, b)) = (at(start), at(end));
            if b > a {
                tokens
                    .push(serde_json::json!({"line": line, "start": a, "end": b, "class": class}));
            }
        };
        let mut gap_start = 0;
        for (token, span) in &lexed.tokens {
            let (start, end) = (span.start as usize, span.end as usize);
            // Comments: what the lexer skipped between two tokens, from `#`.
            let gap = &text[gap_start.min(start)..start];
            for line in gap.split_inclusive(['\n', '\r']) {
                let offset = line.as_ptr() as usize - text.as_ptr() as usize;
                if let Some(hash) = line.find('#') {
                    let comment = line[hash..].trim_end_matches(['\n', '\r']);
                    let doc = comment.starts_with("##") && !comment.starts_with("###");
                    push(
                        offset + hash,
                        offset + hash + comment.len(),
                        if doc { "doc" } else { "comment" },
                    );
                }
            }
            if let Some(class) = class(token) {
                push(start, end, class);
            }
            gap_start = gap_start.max(end);
        }
        let tail = &text[gap_start.min(text.len())..];
        for line in tail.split_inclusive(['\n', '\r']) {
            let offset = line.as_ptr() as usize - text.as_ptr() as usize;
            if let Some(hash) = line.find('#') {
                let comment = line[hash..].trim_end_matches(['\n', '\r']);
                let doc = comment.starts_with("##") && !comment.starts_with("###");
                push(
                    offset + hash,
                    offset + hash + comment.len(),
                    if doc { "doc" } else { "comment" },
                );
            }
        }
        out.push(serde_json::json!({"file": file, "tokens": tokens}));
    }
    assert!(out.len() > 50, "{} files", out.len());
    let json =
        std::env::temp_dir().join(format!("infrac-lexer-tokens-{}.json", std::process::id()));
    std::fs::write(&json, serde_json::to_string(&out).unwrap_or_default())
        .unwrap_or_else(|e| panic!("{e}"));
    let output = std::process::Command::new("node")
        .arg("test/lexer-agreement.js")
        .arg(&json)
        .current_dir(&dir)
        .output()
        .unwrap_or_else(|e| panic!("node is needed for the grammar test: {e}"));
    let _ = std::fs::remove_file(&json);
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The extension packages with vsce (`@vscode/vsce`, installed by `npm ci`): with its
/// license, its repository, and the language client bundled from `node_modules`.
#[test]
fn the_extension_packages_with_vsce() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../editors/vscode");
    let vsce = dir.join("node_modules/@vscode/vsce/vsce");
    assert!(
        vsce.is_file(),
        "run `npm ci` in editors/vscode (or scripts/validators/install.sh) first"
    );
    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("package.json")).unwrap_or_default(),
    )
    .unwrap_or_default();
    assert!(manifest["license"].is_string(), "{manifest}");
    assert!(manifest["repository"]["url"].is_string(), "{manifest}");
    let run = |args: &[&str]| {
        let output = std::process::Command::new("node")
            .arg(&vsce)
            .args(args)
            .current_dir(&dir)
            .output()
            .unwrap_or_else(|e| panic!("node is needed to package the extension: {e}"));
        assert!(
            output.status.success(),
            "vsce {args:?}: {}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let vsix = std::env::temp_dir().join(format!("infrac-{}.vsix", std::process::id()));
    run(&["package", "--out", &vsix.to_string_lossy()]);
    let size = std::fs::metadata(&vsix).map(|m| m.len()).unwrap_or(0);
    let _ = std::fs::remove_file(&vsix);
    assert!(size > 10_000, "the package is {size} bytes");
    let files = run(&["ls"]);
    for wanted in [
        "extension.js",
        "LICENSE",
        "syntaxes/infra.tmLanguage.json",
        "language-configuration.json",
        "node_modules/vscode-languageclient/lib/node/main.js",
    ] {
        assert!(
            files.lines().any(|l| l.trim() == wanted),
            "{wanted} missing:\n{files}"
        );
    }
    assert!(
        !files
            .lines()
            .any(|l| l.starts_with("test/") || l.contains("vscode-textmate")),
        "tests and development packages stay out:\n{files}"
    );
}
