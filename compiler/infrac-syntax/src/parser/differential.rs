//! The direct parser against the combinator parser, on every lab in the repository and on
//! damaged copies of them: where the direct parser returns a tree, the combinator parser
//! must build the same tree without a diagnostic; where the combinator parser finds
//! nothing wrong, the direct parser must not give up.

use super::parse_with_recovery;
use crate::lexer::lexemes;
use infrac_diagnostics::FileId;
use std::path::{Path, PathBuf};

/// Every `.infra` file of the repository: labs, fixtures, the stdlib and the live tests.
pub(super) fn repository_labs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut out = Vec::new();
    let mut dirs = vec![
        root.join("examples"),
        root.join("stdlib"),
        root.join("tests/fixtures"),
        root.join("tests/live"),
    ];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "infra") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// Compares both parsers on `src` (panicking, with `what`, where they disagree); returns
/// whether the combinator parser found it clean.
fn agree(src: &str, what: &str) -> bool {
    if let Err(panic) = std::panic::catch_unwind(|| super::assert_parsers_agree(src)) {
        let why = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        panic!("{what}: {why}");
    }
    let full = parse_with_recovery(src, FileId(0), lexemes(src, FileId(0)));
    full.diagnostics
        .iter()
        .all(|d| d.code == infrac_diagnostics::Code::DOC_COMMENT_DETACHED)
}

#[test]
fn every_lab_in_the_repository() {
    let labs = repository_labs();
    assert!(labs.len() > 100, "found only {} labs", labs.len());
    let mut clean = 0;
    for path in &labs {
        let src = std::fs::read_to_string(path).expect("readable");
        clean += usize::from(agree(&src, &path.display().to_string()));
    }
    assert!(clean > 50, "only {clean} clean labs");
}

/// Damaged copies: one byte removed, or one token-starting character put in, at spread
/// positions of every small lab.
#[test]
fn damaged_labs() {
    const INSERTS: [&str; 12] = [
        "{", "}", "(", ")", "[", "]", ",", "=", " on ", "\n", ".", " -> ",
    ];
    let mut cases = 0;
    for path in repository_labs() {
        let src = std::fs::read_to_string(&path).expect("readable");
        if src.len() > 12_000 {
            continue;
        }
        let boundaries: Vec<usize> = (0..=src.len())
            .filter(|&i| src.is_char_boundary(i))
            .collect();
        for (n, step) in (0..24).map(|k| (k, boundaries.len() * k / 24)) {
            let at = boundaries[step];
            let next = boundaries.get(step + 1).copied().unwrap_or(src.len());
            let removed = format!("{}{}", &src[..at], &src[next..]);
            agree(&removed, &format!("{} without byte {at}", path.display()));
            let inserted = format!("{}{}{}", &src[..at], INSERTS[n % INSERTS.len()], &src[at..]);
            agree(
                &inserted,
                &format!(
                    "{} with {:?} at {at}",
                    path.display(),
                    INSERTS[n % INSERTS.len()]
                ),
            );
            cases += 2;
        }
    }
    assert!(cases > 1000, "{cases}");
}

#[test]
fn grammar_corners() {
    for src in [
        "",
        "\n\n",
        "import \"std/os\" as os\nimport \"\"\n",
        "expect a -> b\nexpect a -> b tcp/22, ssh, x.y allowed on gw\nexpect 10.0.0.1 -> b only through x y\n",
        "expect a -> b allowed allowed allowed allowed\n",
        "expect {\n}\n",
        "expect a -> b, c\n",
        "x y {\n  allow a -> b tcp/22,\n  allow a -> b tcp/22, ssh from [x, y]\n  deny a -> b from\n}\n",
        "f {\n  masquerade x {}\n  masquerade [a] -> b\n  forward a tcp/1 -> b:80\n  forward a tcp/1 -> b:\n}\n",
        "f {\n  policy input = drop\n  policy = x\n  policy x y {}\n  allow {}\n}\n",
        "vm \"w-{i}\" (600 + i) on pve from t in z { a = (1 + 2) * 3, b = f(1, [2,], ) }\n",
        "vm \"w-{i\" 1 {}\n",
        "vm a (1 {}\n",
        "a b { x = 1..2 on c.d, y = 3 on, z = 1.., w = a.b. }\n",
        "a { x = f(1 2) }\n",
        "a { x = y { z = 1 } { } }\n",
        "a { x = \"{f(1)} and {g}\" }\n",
        "for i in 1..3 {\n  vm \"w{i}\" (i) on pve {}\n}\n",
        "for i in 1..3 x {}\n",
        "a = 1\n",
        "allow a -> b\n",
        "a {}, b {}\n",
        "a {} b {}\n",
        "a { b {} c {} }\n",
        "a { , , b = 1,, \n, c = 2 ,}\n",
        "a { x = 1 + }\n",
        "a { x = 1 * * 2 }\n",
        "a { x = true, y = false, z = d0:94:66:24:96:7c, p = tcp/1..2 }\n",
        "a 1 2 {}\n",
        "a on b on c {}\n",
    ] {
        agree(src, &format!("{src:?}"));
    }
    // Deeper than the parser allows: the grammar reports it, so the direct parser gives up.
    let deep = format!("a {{ x = {}1 }}\n", "1 + ".repeat(200));
    agree(&deep, "a long sum");
    let nested = format!("a {{ x = {}1{} }}\n", "(".repeat(60), ")".repeat(60));
    agree(&nested, "nested brackets");
}

/// Edits of `text` at `at`, as an editor makes them while typing: insertions that keep a
/// file clean or break it (an opened or closed brace or string, a stray `=`, a half-typed
/// declaration), and deletions of a byte, a line and a stretch.
/// `n - 1` places spread evenly through `text`, each on a character boundary.
pub(super) fn places(text: &str, n: usize) -> Vec<usize> {
    (1..n)
        .map(|k| text.len() * k / n)
        .filter(|&at| text.is_char_boundary(at))
        .collect()
}

pub(super) fn edits_at(text: &str, at: usize) -> Vec<String> {
    let insert = |s: &str| format!("{}{s}{}", &text[..at], &text[at..]);
    let mut out = vec![
        insert("x"),
        insert(" "),
        insert("\n"),
        insert("\n# a comment\n"),
        insert("\n## a doc comment\n"),
        insert("{"),
        insert("}"),
        insert("\""),
        insert(" = "),
        insert("\nvm extra 9999 on pve { cores = 1 }\n"),
        insert("\nvm broken 1 on {\n"),
    ];
    let mut end = at + 1;
    while end < text.len() && !text.is_char_boundary(end) {
        end += 1;
    }
    if end <= text.len() {
        out.push(format!("{}{}", &text[..at], &text[end..]));
    }
    let line_end = text[at..].find('\n').map_or(text.len(), |i| at + i + 1);
    out.push(format!("{}{}", &text[..at], &text[line_end..]));
    let far = (at + 200).min(text.len());
    if text.is_char_boundary(far) {
        out.push(format!("{}{}", &text[..at], &text[far..]));
    }
    out
}
