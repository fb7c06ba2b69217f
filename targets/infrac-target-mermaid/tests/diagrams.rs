//! Snapshots of every emitted diagram (ORION and the `mermaid-`, `k8s-` and `docs-`
//! fixtures), and every diagram parsed and rendered by the real Mermaid CLI
//! (`scripts/validators/mermaid.sh`). A missing validator fails the test.

mod common;

use infrac_target_mermaid::MermaidTarget;

const FIXTURES: [&str; 3] = ["mermaid-", "k8s-", "docs-"];

#[test]
fn snapshots() {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        for (snapshot, contents) in infrac_testkit::snapshot_entries(&MermaidTarget, &FIXTURES) {
            insta::assert_snapshot!(snapshot, contents);
        }
    });
}

#[test]
fn every_lab_gets_the_four_views_and_storage_where_shared() {
    for (_, relative) in common::labs(&FIXTURES) {
        let paths: Vec<String> = common::emit(&MermaidTarget, &relative)
            .into_iter()
            .map(|(p, _)| p)
            .collect();
        // The storage view exists only for labs whose storage crosses machines.
        let views = if paths.len() == 5 {
            &paths[..4]
        } else {
            &paths[..]
        };
        assert_eq!(
            views,
            [
                "diagrams/topology.mmd",
                "diagrams/network.mmd",
                "diagrams/ingress.mmd",
                "diagrams/bgp.mmd"
            ],
            "{relative}"
        );
        if paths.len() == 5 {
            assert_eq!(paths[4], "diagrams/storage.mmd", "{relative}");
        }
    }
}

#[test]
fn tricky_names_get_distinct_safe_identifiers() {
    let files = common::emit(
        &MermaidTarget,
        "tests/fixtures/build/mermaid-identifiers.infra",
    );
    let topology = &files[0].1;
    // Host `end-vm` and the VM group of host `end` sanitise alike; the second gets a
    // suffix instead of merging into the first.
    assert!(
        topology.contains("subgraph host_end_vm [\"virtual machines on end (1)\"]"),
        "{topology}"
    );
    let second = topology
        .lines()
        .find(|l| l.trim_start().starts_with("host_end_vm_2["));
    assert!(
        second.is_some_and(|l| l.contains(" end-vm<br/>bare metal\"]")),
        "{topology}"
    );
    // Names starting with `o` or `x` keep their kind prefix.
    assert!(
        topology.contains("guest_o_router(\"o-router<br/>"),
        "{topology}"
    );
    assert!(topology.contains("guest_xo(\"xo<br/>"), "{topology}");
    // The host named `end` never appears as a bare `end` identifier.
    assert!(topology.contains("host_end[\"host end"), "{topology}");
    let bgp = &files[3].1;
    assert!(
        bgp.contains("say #quot;hi#quot; #lt;b#gt;#35;1#lt;/b#gt; #124; a#amp;b"),
        "{bgp}"
    );
}

#[test]
fn every_diagram_renders() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("no temporary directory: {e}"));
    let mut files = Vec::new();
    for (name, relative) in common::labs(&FIXTURES) {
        for (path, contents) in common::emit(&MermaidTarget, &relative) {
            let file = dir
                .path()
                .join(format!("{name}-{}", path.replace('/', "_")));
            std::fs::write(&file, contents).unwrap_or_else(|e| panic!("cannot write: {e}"));
            files.push(file);
        }
    }
    common::validate("mermaid.sh", &files);
}
