//! Reusing declaration checks after an edit (what the language server does on every
//! keystroke) must give the analysis that checking everything gives: the same
//! diagnostics in the same order, and the same model, spans included.
//!
//! Every example and fixture is edited step by step (digits changed, comment lines and
//! blank lines added, characters deleted, the original restored), each step analysed
//! from the previous step's analysis and afresh, and the two compared. The synthetic
//! lab is edited where reuse matters most: a guest's size, a network's prefix that
//! every guest on it reads, a host's memory, a guest's name.

use infrac_driver::{check_with, Analysis, Beside, FsLoader};
use infrac_driver::{LoadError, Loader};
use std::path::{Path, PathBuf};

fn workspace_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .and_then(Path::parent)
        .unwrap_or(Path::new("."))
}

/// The lab's root file from memory, and any other file `open` holds, the rest from disk.
struct Editor<'a> {
    fs: FsLoader,
    root: &'a Path,
    text: &'a str,
    open: &'a [(PathBuf, String)],
}

impl Loader for Editor<'_> {
    fn read(&self, path: &Path) -> Result<String, LoadError> {
        if path == self.root {
            return Ok(self.text.to_string());
        }
        if let Some((_, text)) = self.open.iter().find(|(p, _)| p == path) {
            return Ok(text.clone());
        }
        self.fs.read(path)
    }

    fn identity(&self, path: &Path) -> Option<PathBuf> {
        self.fs.identity(path)
    }
}

fn analyse(
    root: &Path,
    text: &str,
    open: &[(PathBuf, String)],
    previous: Option<&Analysis>,
    records: bool,
) -> Analysis {
    let editor = Editor {
        fs: FsLoader::new("."),
        root,
        text,
        open,
    };
    let name = root.to_string_lossy();
    if records {
        check_with(
            &name,
            text,
            &Beside {
                files: editor,
                previous,
            },
        )
    } else {
        assert!(previous.is_none(), "reuse keeps records");
        check_with(&name, text, &editor)
    }
}

/// Analyses each text in turn from the previous step's analysis, compares each with a
/// fresh analysis, and returns how many declaration checks were replayed in all.
fn follow(root: &Path, texts: &[String]) -> usize {
    follow_counting(root, texts).0
}

/// [`follow`], also counting the checks replayed in texts with a syntax error.
fn follow_counting(root: &Path, texts: &[String]) -> (usize, usize) {
    let steps: Vec<(String, Vec<(PathBuf, String)>)> =
        texts.iter().map(|t| (t.clone(), Vec::new())).collect();
    follow_files(root, &steps)
}

/// [`follow`] for a lab whose other files change too: each step is the root's text and
/// the texts of the other files held in memory.
fn follow_files(root: &Path, steps: &[(String, Vec<(PathBuf, String)>)]) -> (usize, usize) {
    let (first, open) = &steps[0];
    let mut previous = analyse(root, first, open, None, true);
    let mut replayed = 0;
    let mut replayed_broken = 0;
    for (step, (text, open)) in steps.iter().enumerate().skip(1) {
        let edited = analyse(root, text, open, Some(&previous), true);
        let fresh = analyse(root, text, open, None, false);
        let context = format!("{} step {step}", root.display());
        same(
            "diagnostics",
            &format!("{:#?}", edited.diagnostics),
            &format!("{:#?}", fresh.diagnostics),
            &context,
        );
        same(
            "models",
            &format!("{:?}", edited.model),
            &format!("{:?}", fresh.model),
            &context,
        );
        let now = edited.reuse.as_ref().map_or(0, |r| r.replayed());
        replayed += now;
        if edited.files.iter().any(|f| !f.clean) {
            replayed_broken += now;
        }
        previous = edited;
    }
    (replayed, replayed_broken)
}

/// Fails with where `edited` and `fresh` first differ (the texts are long).
fn same(what: &str, edited: &str, fresh: &str, context: &str) {
    if edited == fresh {
        return;
    }
    let at = edited
        .bytes()
        .zip(fresh.bytes())
        .take_while(|(a, b)| a == b)
        .count();
    let around = |s: &str| {
        let from = (at.saturating_sub(300)..=at)
            .find(|&i| s.is_char_boundary(i))
            .unwrap_or(0);
        let to = (at.min(s.len())..=(at + 300).min(s.len()))
            .rev()
            .find(|&i| s.is_char_boundary(i))
            .unwrap_or(s.len());
        s[from..to].to_string()
    };
    panic!(
        "{what} differ at byte {at}, {context}:\nreused: …{}…\nafresh: …{}…",
        around(edited),
        around(fresh)
    );
}

/// A small deterministic generator, so a failure names a reproducible sequence.
struct Steps(u64);

impl Steps {
    fn next(&mut self, below: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % below.max(1)
    }
}

/// `original` edited step by step, each step from the text before it.
fn edits(original: &str, seed: u64, count: usize) -> Vec<String> {
    let mut steps = Steps(seed);
    let mut texts = vec![original.to_string()];
    let mut text = original.to_string();
    for _ in 0..count {
        let boundaries: Vec<usize> = (0..=text.len())
            .filter(|&i| text.is_char_boundary(i))
            .collect();
        match steps.next(6) {
            // A digit changed: the edit a value gets most, and one that keeps parsing.
            0 | 1 => {
                let digits: Vec<usize> = text
                    .bytes()
                    .enumerate()
                    .filter(|(_, b)| b.is_ascii_digit())
                    .map(|(i, _)| i)
                    .collect();
                if !digits.is_empty() {
                    let at = digits[steps.next(digits.len())];
                    let d = text.as_bytes()[at] - b'0';
                    let new = char::from(b'0' + (d + 1 + steps.next(8) as u8) % 10);
                    text.replace_range(at..=at, &new.to_string());
                }
            }
            // A comment or blank line above a line: everything below it moves.
            2 => {
                let starts: Vec<usize> = std::iter::once(0)
                    .chain(text.match_indices('\n').map(|(i, _)| i + 1))
                    .filter(|&i| i <= text.len())
                    .collect();
                let at = starts[steps.next(starts.len())];
                let line = if steps.next(2) == 0 { "# note\n" } else { "\n" };
                text.insert_str(at, line);
            }
            // A character deleted: often a broken declaration, mended later.
            3 => {
                if boundaries.len() > 1 {
                    let i = steps.next(boundaries.len() - 1);
                    text.replace_range(boundaries[i]..boundaries[i + 1], "");
                }
            }
            // A space typed anywhere.
            4 => {
                let at = boundaries[steps.next(boundaries.len())];
                text.insert(at, ' ');
            }
            // Back to the original.
            _ => text = original.to_string(),
        }
        texts.push(text.clone());
    }
    texts
}

/// Every example and build fixture, and every third check and sema fixture (a test run
/// is not optimised, and each step is analysed twice).
fn labs() -> Vec<PathBuf> {
    let root = workspace_root();
    let mut out = Vec::new();
    for (dir, every) in [
        ("examples", 1),
        ("tests/fixtures/build", 1),
        ("tests/fixtures/check", 3),
        ("tests/fixtures/sema", 3),
    ] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(root.join(dir))
            .unwrap_or_else(|e| panic!("{dir}: {e}"))
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "infra"))
            .collect();
        files.sort();
        out.extend(files.into_iter().step_by(every));
    }
    out
}

#[test]
fn every_lab_edited_step_by_step_analyses_as_it_does_afresh() {
    let labs = labs();
    assert!(
        labs.len() > 100,
        "examples and fixtures found: {}",
        labs.len()
    );
    let (mut replayed, mut replayed_broken) = (0, 0);
    for (i, lab) in labs.iter().enumerate() {
        let original = std::fs::read_to_string(lab).unwrap_or_else(|e| panic!("{lab:?}: {e}"));
        let (all, broken) = follow_counting(lab, &edits(&original, 7 + i as u64, 6));
        replayed += all;
        replayed_broken += broken;
    }
    // The comparison means something only if checks were replayed, in texts that parse
    // and in texts with a syntax error.
    assert!(replayed > 1_000, "declaration checks replayed: {replayed}");
    assert!(
        replayed_broken > 1_000,
        "declaration checks replayed in broken texts: {replayed_broken}"
    );
}

#[test]
fn a_synthetic_lab_edited_where_reuse_matters_analyses_as_it_does_afresh() {
    let original = infrac_bench::generate(infrac_bench::LabSize::standard(300));
    let dir = std::env::temp_dir().join(format!("infrac-reuse-{}", std::process::id()));
    let root = dir.join("synthetic.infra");
    let guest = "vm g0-1 101 on pve0 {\n  cores  = 2\n";
    let network = original
        .lines()
        .find(|l| l.trim_start().starts_with("ipv4"))
        .unwrap_or_default()
        .to_string();
    let host_memory = original
        .lines()
        .find(|l| l.trim_start().starts_with("memory") && l.contains("GiB"))
        .unwrap_or_default()
        .to_string();
    let mut texts = vec![original.clone()];
    let mut text = original.clone();
    for (from, to) in [
        // A guest grows past its host.
        (
            guest.to_string(),
            guest.replace("cores  = 2", "cores  = 200"),
        ),
        (
            guest.replace("cores  = 2", "cores  = 200"),
            guest.to_string(),
        ),
        // A network's prefix: every guest on it reads its addresses from it.
        (network.clone(), network.replacen(".0.0/", ".9.0/", 1)),
        (network.replacen(".0.0/", ".9.0/", 1), network.clone()),
        // A host's memory, which its guests' budgets read.
        (host_memory.clone(), host_memory.replacen("GiB", "MiB", 1)),
        (host_memory.replacen("GiB", "MiB", 1), host_memory.clone()),
        // A guest renamed: every name resolves anew.
        ("vm g0-1 ".to_string(), "vm g0-one ".to_string()),
        ("vm g0-one ".to_string(), "vm g0-1 ".to_string()),
        // A comment above everything.
        (String::new(), "# the lab\n".to_string()),
    ] {
        assert!(text.contains(&from), "`{from}` is not in the lab");
        text = text.replacen(&from, &to, 1);
        texts.push(text.clone());
    }
    let replayed = follow(&root, &texts);
    assert!(replayed > 1_000, "declaration checks replayed: {replayed}");
}

/// A second import of a namespace broken and mended: while its module is missing, every
/// path through the namespace resolves to nothing, although the files and declarations
/// stay the same, so no check made while it resolved may be replayed.
#[test]
fn a_namespace_whose_second_import_breaks_analyses_as_it_does_afresh() {
    let dir = std::env::temp_dir().join(format!("infrac-reuse-ns-{}", std::process::id()));
    let root = dir.join("lab.infra");
    let original = "\
import \"std/hardware/dell\"
import \"std/hardware/intel\"
import \"std/hardware/intel\"

host pve1 {
  hardware = dell.r730 { cpus = 2 * intel.xeon_e5_2620_v4, dimms = 4 * 16GiB }
}
"
    .to_string();
    let broken = original.replacen(
        "import \"std/hardware/intel\"\n\n",
        "import \"std/hrdware/intel\"\n\n",
        1,
    );
    assert_ne!(broken, original);
    let texts = [original.clone(), broken, original];
    follow(&root, &texts);
}

/// Every sema fixture, with a comment added at its end (every declaration but the last
/// replayed where it was) and then a blank line at its start (every one of them moved):
/// each fixture's problems, and the effects of checks that found none, must survive
/// the replay.
#[test]
fn every_sema_fixture_replayed_in_place_and_moved_analyses_as_it_does_afresh() {
    let dir = workspace_root().join("tests/fixtures/sema");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{dir:?}: {e}"))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "infra"))
        .collect();
    files.sort();
    assert!(files.len() > 50, "sema fixtures found: {}", files.len());
    let mut replayed = 0;
    for lab in &files {
        let original = std::fs::read_to_string(lab).unwrap_or_else(|e| panic!("{lab:?}: {e}"));
        let commented = format!("{original}\n# the end\n");
        let moved = format!("\n{commented}");
        replayed += follow(lab, &[original, commented, moved]);
    }
    assert!(replayed > 500, "declaration checks replayed: {replayed}");
}

/// A lab of two files: the networks in an imported file, the hosts and guests in the
/// root. Editing the imported file checks again what reads it; editing the root replays
/// the imported file's declarations.
#[test]
fn a_lab_edited_in_its_imported_file_analyses_as_it_does_afresh() {
    let dir = std::env::temp_dir().join(format!("infrac-reuse-import-{}", std::process::id()));
    let root = dir.join("lab.infra");
    let networks = dir.join("networks.inc");
    let lab = infrac_bench::generate(infrac_bench::LabSize::standard(100));
    // The networks move to the imported file; the rest stays in the root.
    let (mut body, mut inc) = (String::new(), String::new());
    let mut in_network = false;
    for line in lab.lines() {
        in_network |= line.starts_with("network ");
        if in_network {
            inc.push_str(line);
            inc.push('\n');
        } else if !line.starts_with("import") {
            body.push_str(line);
            body.push('\n');
        }
        if in_network && line == "}" || line.starts_with("network wan") {
            in_network = false;
        }
    }
    let imports: String = lab
        .lines()
        .filter(|l| l.starts_with("import"))
        .map(|l| format!("{l}\n"))
        .collect();
    let mut root_text = format!("{imports}import \"./networks.inc\"\n{body}");
    let ipv4 = inc
        .lines()
        .find(|l| l.trim_start().starts_with("ipv4"))
        .unwrap_or_default()
        .to_string();
    let step =
        |root: &str, inc: &str| (root.to_string(), vec![(networks.clone(), inc.to_string())]);
    let mut steps = vec![step(&root_text, &inc)];
    // A network's prefix, in the imported file, and back.
    let moved = inc.replacen(&ipv4, &ipv4.replacen(".0.0/", ".16.0/", 1), 1);
    assert_ne!(moved, inc, "no prefix to change in:\n{inc}");
    steps.push(step(&root_text, &moved));
    steps.push(step(&root_text, &inc));
    // A comment in the root, then one in the imported file.
    let commented = format!("# the lab\n{root_text}");
    steps.push(step(&commented, &inc));
    inc = format!("# the networks\n{inc}");
    steps.push(step(&commented, &inc));
    root_text = commented.replacen("cores  = 2", "cores  = 3", 1);
    steps.push(step(&root_text, &inc));
    let (replayed, _) = follow_files(&root, &steps);
    assert!(replayed > 300, "declaration checks replayed: {replayed}");
}
