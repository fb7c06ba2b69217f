//! Snapshots of every docs page (ORION and the `docs-`, `mermaid-` and `k8s-` fixtures),
//! the Mermaid blocks of every page rendered by the real Mermaid CLI
//! (`scripts/validators/mermaid.sh`; a missing validator fails the test), and every `##`
//! doc comment of a lab found on its pages.

mod common;

use infrac_target_docs::DocsTarget;
use std::collections::BTreeSet;

const FIXTURES: [&str; 3] = ["docs-", "mermaid-", "k8s-"];

#[test]
fn snapshots() {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        for (snapshot, contents) in infrac_testkit::snapshot_entries(&DocsTarget, &FIXTURES) {
            insta::assert_snapshot!(snapshot, contents);
        }
    });
}

/// The contents of every ```` ```mermaid ```` block in a Markdown page.
fn mermaid_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match &mut current {
            None if line.trim() == "```mermaid" => current = Some(String::new()),
            Some(block) if line.trim() == "```" => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            Some(block) => {
                block.push_str(line);
                block.push('\n');
            }
            None => {}
        }
    }
    assert!(current.is_none(), "unclosed mermaid block");
    blocks
}

#[test]
fn orion_pages_embed_every_diagram() {
    let pages = common::emit(&DocsTarget, "examples/orion.infra");
    let names: Vec<&str> = pages.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        names,
        [
            "docs/index.md",
            "docs/inventory.md",
            "docs/ip-plan.md",
            "docs/capacity.md",
            "docs/bgp.md",
            "docs/firewall.md"
        ]
    );
    let blocks: Vec<String> = pages.iter().flat_map(|(_, c)| mermaid_blocks(c)).collect();
    for title in [
        "topology",
        "networks and firewall flows",
        "ingress paths",
        "BGP",
    ] {
        assert!(
            blocks
                .iter()
                .any(|b| b.contains(&format!("title: \"orion {title}\""))),
            "no {title} diagram embedded"
        );
    }
}

#[test]
fn every_doc_comment_appears_next_to_its_subject() {
    let mut checked = 0;
    for (_, relative) in common::labs(&FIXTURES) {
        let model = common::load(&relative);
        let pages: String = common::emit(&DocsTarget, &relative)
            .into_iter()
            .map(|(_, c)| c)
            .collect();
        let mut docs: Vec<&Option<String>> = Vec::new();
        docs.extend(model.sites.iter().map(|s| &s.doc));
        for host in &model.hosts {
            docs.push(&host.doc);
            docs.extend(host.nics.iter().map(|n| &n.doc));
            docs.extend(host.bridges.iter().map(|b| &b.doc));
            docs.extend(host.storage.iter().map(|p| &p.doc));
        }
        docs.extend(model.networks.iter().map(|n| &n.doc));
        docs.extend(model.guests.iter().map(|g| &g.doc));
        docs.extend(model.clusters.iter().map(|c| &c.doc));
        docs.extend(model.apps.iter().map(|a| &a.doc));
        docs.extend(model.ingresses.iter().map(|i| &i.doc));
        for doc in docs.into_iter().flatten() {
            // Table cells join a comment's lines; paragraphs keep them. Either way every
            // line is on the page.
            for line in doc.lines().map(str::trim).filter(|l| !l.is_empty()) {
                assert!(
                    pages.contains(&line.replace('|', "\\|")),
                    "{relative}: doc comment line not in the docs: {line}"
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 40, "only {checked} doc comments were checked");
}

#[test]
fn every_embedded_diagram_renders() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("no temporary directory: {e}"));
    let mut seen = BTreeSet::new();
    let mut files = Vec::new();
    for (name, relative) in common::labs(&FIXTURES) {
        for (path, contents) in common::emit(&DocsTarget, &relative) {
            for (i, block) in mermaid_blocks(&contents).into_iter().enumerate() {
                // The same diagram embedded twice only needs rendering once.
                if !seen.insert(block.clone()) {
                    continue;
                }
                let stem = path.trim_start_matches("docs/").trim_end_matches(".md");
                let file = dir.path().join(format!("{name}-{stem}-{i}.mmd"));
                std::fs::write(&file, block).unwrap_or_else(|e| panic!("cannot write: {e}"));
                files.push(file);
            }
        }
    }
    // Four per lab, less the BGP diagram of labs without a speaker.
    assert!(
        files.len() >= 14,
        "expected the diagrams of every lab, got {}",
        files.len()
    );
    common::validate("mermaid.sh", &files);
}
