//! Snapshots of every file the Compose and cloudflared targets emit (ORION, the
//! `compose-*` fixtures and `examples/docker-host.infra`), and every one of them through
//! the real validators: `compose.sh` (docker-compose and podman-compose, `.env` syntax)
//! and `cloudflared.sh` (cloudflared's ingress rules). A missing validator fails the test.

mod common;

use infrac_model::Target;
use infrac_target_compose::{CloudflaredTarget, ComposeTarget};
use std::path::PathBuf;

const FIXTURES: [&str; 1] = ["compose-"];
const EXAMPLE: &str = "examples/docker-host.infra";

fn targets() -> [&'static dyn Target; 2] {
    [&ComposeTarget, &CloudflaredTarget]
}

#[test]
fn snapshots() {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        for target in targets() {
            for (snapshot, contents) in infrac_testkit::snapshot_entries(target, &FIXTURES) {
                insta::assert_snapshot!(snapshot, contents);
            }
            for (path, contents) in common::emit(target, EXAMPLE) {
                insta::assert_snapshot!(
                    format!("docker-host@{}", path.replace('/', "__")),
                    contents
                );
            }
        }
    });
}

/// Every emitted file, written under one temporary folder per lab, by validator.
fn written(dir: &std::path::Path) -> (Vec<PathBuf>, Vec<PathBuf>) {
    let mut labs = common::labs(&FIXTURES);
    labs.push(("docker-host".into(), EXAMPLE.into()));
    let (mut compose, mut tunnels) = (Vec::new(), Vec::new());
    for (name, relative) in labs {
        for target in targets() {
            for (path, contents) in common::emit(target, &relative) {
                let file = dir.join(&name).join(&path);
                if let Some(parent) = file.parent() {
                    std::fs::create_dir_all(parent)
                        .unwrap_or_else(|e| panic!("mkdir {}: {e}", parent.display()));
                }
                std::fs::write(&file, contents)
                    .unwrap_or_else(|e| panic!("write {}: {e}", file.display()));
                if path.starts_with("cloudflared/") {
                    tunnels.push(file);
                } else {
                    compose.push(file);
                }
            }
        }
    }
    (compose, tunnels)
}

#[test]
fn every_file_validates() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("no temporary directory: {e}"));
    let (compose, tunnels) = written(dir.path());
    assert!(
        compose.len() >= 6,
        "compose.yaml and .env of every stack: {compose:?}"
    );
    assert!(tunnels.len() >= 3, "a config.yml per tunnel: {tunnels:?}");
    common::validate("compose.sh", &compose);
    common::validate("cloudflared.sh", &tunnels);
}

#[test]
fn files_are_where_the_docs_say() {
    let paths: Vec<String> = targets()
        .iter()
        .flat_map(|t| common::emit(*t, EXAMPLE))
        .map(|(p, _)| p)
        .collect();
    assert_eq!(
        paths,
        [
            "compose/media/arr/compose.yaml",
            "compose/media/arr/.env",
            "compose/ai/chat/compose.yaml",
            "compose/ai/chat/.env",
            "cloudflared/ai/config.yml",
        ]
    );
}

#[test]
fn secrets_are_named_never_written() {
    let files = common::emit(&ComposeTarget, EXAMPLE);
    let (_, compose) = files
        .iter()
        .find(|(p, _)| p == "compose/media/arr/compose.yaml")
        .unwrap_or_else(|| panic!("no arr stack"));
    let (_, env) = files
        .iter()
        .find(|(p, _)| p == "compose/media/arr/.env")
        .unwrap_or_else(|| panic!("no arr .env"));
    // The container reads the mounted file; .env names the host file; the compose file
    // fails loudly when .env does not.
    assert!(compose.contains("'FILE__PLEX_CLAIM=/run/secrets/plex-claim'"));
    assert!(compose.contains("file: '${SECRET_PLEX_CLAIM_FILE:?"));
    assert!(env.contains("\nSECRET_PLEX_CLAIM_FILE=/run/secrets/plex-claim\n"));
}

#[test]
fn the_catch_all_rule_is_last() {
    let files = common::emit(
        &CloudflaredTarget,
        "tests/fixtures/build/compose-edge-cases.infra",
    );
    assert!(!files.is_empty(), "the lab emits no cloudflared config");
    for (path, contents) in files {
        let services: Vec<&str> = contents
            .lines()
            .filter_map(|l| l.trim().trim_start_matches("- ").strip_prefix("service: "))
            .collect();
        assert_eq!(services.last(), Some(&"'http_status:404'"), "{path}");
        assert_eq!(
            services
                .iter()
                .filter(|s| s.contains("http_status"))
                .count(),
            1,
            "{path}"
        );
    }
}
