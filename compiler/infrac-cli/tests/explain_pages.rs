//! Every explanation page (`docs/diagnostics/CODE.md`, printed by `infrac explain`)
//! shows real output: the files of its Example section are written to a scratch folder,
//! the commands of its transcript (`$ …` lines in a `text` block) are run there with
//! this build's `infrac` first on `PATH`, and what they print must be what the page
//! says, line for line (trailing spaces aside, which Markdown tools strip).
//!
//! `INFRAC_UPDATE_PAGES=1 cargo test -p infrac-cli --test explain_pages` rewrites the
//! transcripts that differ with the real output, for review with `git diff`.

use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .and_then(Path::parent)
        .unwrap_or(Path::new("."))
}

/// One fenced block of a page's Example section.
struct Block {
    /// `infra`, `text`, …
    lang: String,
    /// The file the block is written to: the file name in backticks that opens the
    /// sentence before it (`` `networks.infra`: ``); an unnamed `infra` block is
    /// `lab.infra`, other unnamed blocks are not files.
    file: Option<String>,
    /// Line numbers (0-based, in the page) of the block's first and last content lines.
    first: usize,
    end: usize,
    lines: Vec<String>,
}

/// The file an unnamed `infra` block is saved as: the `.infra` file that the first
/// `$ infrac` command after it names (`e0423.infra`), else `lab.infra`.
fn default_file(lines: &[&str]) -> String {
    lines
        .iter()
        .filter_map(|l| l.strip_prefix("$ "))
        .find(|command| command.contains("infrac "))
        .and_then(|command| {
            command
                .split_whitespace()
                .find(|word| word.ends_with(".infra"))
        })
        .unwrap_or("lab.infra")
        .to_string()
}

/// The fenced blocks between `## Example` and the next `## ` heading.
fn example_blocks(page: &str) -> Vec<Block> {
    let lines: Vec<&str> = page.lines().collect();
    let mut blocks = Vec::new();
    let mut in_example = false;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if line.starts_with("## ") {
            in_example = line.trim() == "## Example";
        } else if in_example && line.starts_with("```") {
            let lang = line.trim_start_matches('`').trim().to_string();
            let file = i
                .checked_sub(2)
                .and_then(|j| {
                    // `networks.infra`: or `deep.infra`, with 130 terms in one chain:
                    let named = lines[j].trim();
                    let name = named.strip_prefix('`')?.split('`').next()?;
                    let is_file = !name.is_empty() && !name.contains([' ', '{', '}', ';']);
                    (is_file && named.ends_with(':') && lines[j + 1].trim().is_empty())
                        .then(|| name.to_string())
                })
                .or_else(|| (lang == "infra").then(|| default_file(&lines[i..])));
            let first = i + 1;
            let mut end = first;
            while end < lines.len() && !lines[end].starts_with("```") {
                end += 1;
            }
            blocks.push(Block {
                lang,
                file,
                first,
                end,
                lines: lines[first..end].iter().map(|l| l.to_string()).collect(),
            });
            i = end;
        }
        i += 1;
    }
    blocks
}

fn scratch_dir(code: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "infrac-explain-pages-{}-{code}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create a scratch folder");
    dir
}

/// Runs a transcript's commands in `dir` and returns what they print, in the page's
/// layout: each `$ command` line followed by its standard output, then its standard
/// error (infrac prints diagnostics and summaries to standard error).
fn run_transcript(dir: &Path, transcript: &[String]) -> Vec<String> {
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_infrac"))
        .parent()
        .expect("the binary's folder")
        .to_path_buf();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut out = Vec::new();
    for line in transcript {
        let Some(command) = line.strip_prefix("$ ") else {
            continue;
        };
        out.push(line.clone());
        let result = Command::new("bash")
            .arg("-c")
            .arg(command)
            .current_dir(dir)
            .env("PATH", &path)
            .env("NO_COLOR", "1")
            .output()
            .expect("run bash");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&result.stdout),
            String::from_utf8_lossy(&result.stderr)
        );
        out.extend(text.lines().map(|l| l.to_string()));
    }
    out
}

fn normalised(lines: &[String]) -> Vec<String> {
    lines.iter().map(|l| l.trim_end().to_string()).collect()
}

#[test]
fn every_explanation_page_shows_what_the_binary_prints() {
    let pages_dir = workspace_root().join("docs/diagnostics");
    let mut pages: Vec<PathBuf> = std::fs::read_dir(&pages_dir)
        .expect("docs/diagnostics")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    pages.sort();
    let update = std::env::var_os("INFRAC_UPDATE_PAGES").is_some();
    let mut checked = 0;
    let mut failures = Vec::new();
    for page_path in &pages {
        let code = page_path
            .file_stem()
            .map(|s| s.to_string_lossy().to_string())
            .unwrap_or_default();
        let page = std::fs::read_to_string(page_path).expect("read the page");
        let blocks = example_blocks(&page);
        let transcripts: Vec<&Block> = blocks
            .iter()
            .filter(|b| b.lang == "text" && b.lines.first().is_some_and(|l| l.starts_with("$ ")))
            .collect();
        if transcripts.is_empty() {
            continue;
        }
        let dir = scratch_dir(&code);
        for b in &blocks {
            let Some(name) = &b.file else { continue };
            let file = dir.join(name);
            if let Some(parent) = file.parent() {
                std::fs::create_dir_all(parent).expect("create the file's folder");
            }
            std::fs::write(file, b.lines.join("\n") + "\n").expect("write");
        }
        // Transcripts run in page order (one may create a file the next reads).
        let results: Vec<Vec<String>> = transcripts
            .iter()
            .map(|t| run_transcript(&dir, &t.lines))
            .collect();
        let mut page_lines: Vec<String> = page.lines().map(|l| l.to_string()).collect();
        // Rewrite from the last block up, so earlier line numbers stay valid.
        for (transcript, actual) in transcripts.iter().zip(results).rev() {
            checked += 1;
            if normalised(&actual) != normalised(&transcript.lines) {
                failures.push(format!(
                    "{code}: the page shows\n{}\n\nbut the binary prints\n{}\n",
                    transcript.lines.join("\n"),
                    actual.join("\n")
                ));
                page_lines.splice(transcript.first..transcript.end, actual);
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
        if update {
            let mut rewritten = page_lines.join("\n");
            rewritten.push('\n');
            if rewritten != page {
                std::fs::write(page_path, rewritten).expect("rewrite the page");
            }
        }
    }
    assert!(checked > 50, "only {checked} transcripts were found");
    assert!(
        failures.is_empty(),
        "{} of {checked} transcripts differ from the binary's output \
         (INFRAC_UPDATE_PAGES=1 rewrites them):\n\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn a_page_that_disagrees_with_the_binary_is_caught() {
    let page = "# E9999\n\n## Example\n\n```infra\nnetwork lan {\n  ipv4 = 192.168.1.0/24\n}\n```\n\n```text\n$ NO_COLOR=1 infrac check lab.infra\nlab.infra: 7 errors, 0 warnings\n```\n\n## Fix\n";
    let blocks = example_blocks(page);
    assert_eq!(blocks.len(), 2);
    assert_eq!(blocks[0].file.as_deref(), Some("lab.infra"));
    assert_eq!(blocks[1].file, None);
    let dir = scratch_dir("E9999");
    std::fs::write(dir.join("lab.infra"), blocks[0].lines.join("\n") + "\n").expect("write");
    let actual = run_transcript(&dir, &blocks[1].lines);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(actual[0], "$ NO_COLOR=1 infrac check lab.infra");
    assert_ne!(normalised(&actual), normalised(&blocks[1].lines));
}

/// The first fenced `lang` block after the line `heading` in `text`.
fn block_after(text: &str, heading: &str, lang: &str) -> Option<String> {
    let rest = &text[text.find(heading)?..];
    let start = rest.find(&format!("```{lang}\n"))? + lang.len() + 4;
    let end = rest[start..].find("```")?;
    Some(rest[start..start + end].to_string())
}

#[test]
fn the_readme_tour_checks_clean_and_its_broken_example_prints_what_it_shows() {
    let readme = std::fs::read_to_string(workspace_root().join("README.md")).expect("README.md");
    let dir = scratch_dir("readme");
    // "This file checks clean and builds."
    let tour = block_after(&readme, "## A short tour", "infra").expect("the tour's lab");
    std::fs::write(dir.join("tour.infra"), tour).expect("write");
    let check = run_transcript(&dir, &["$ NO_COLOR=1 infrac check tour.infra".to_string()]);
    assert_eq!(
        check.len(),
        1,
        "the tour does not check clean:\n{}",
        check.join("\n")
    );
    let build = run_transcript(&dir, &["$ infrac build tour.infra -o out".to_string()]);
    assert!(
        build.iter().any(|l| l.starts_with("wrote `out`")),
        "the tour does not build:\n{}",
        build.join("\n")
    );
    // The broken example and the output the README shows for it.
    let broken = block_after(&readme, "A guest address outside its network", "infra")
        .expect("the broken example");
    std::fs::write(dir.join("broken.infra"), broken).expect("write");
    let shown = block_after(&readme, "and what `infrac check` says about it", "text")
        .expect("the shown output");
    let shown: Vec<String> = shown.lines().map(|l| l.to_string()).collect();
    let mut transcript = shown.clone();
    transcript[0] = format!("$ NO_COLOR=1 {}", shown[0].trim_start_matches("$ "));
    let actual = run_transcript(&dir, &transcript);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(normalised(&actual[1..]), normalised(&shown[1..]));
}
