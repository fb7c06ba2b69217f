//! Build fixtures for the NixOS target: every `tests/fixtures/build/nixos-*.infra` must
//! check clean, and its `nixos/` files are snapshotted as one tree per fixture.

mod common;

use common::{analyse, emit, root};

#[test]
fn nixos_fixtures() {
    let root = root();
    insta::glob!("../../../tests/fixtures/build", "nixos-*.infra", |path| {
        let relative = path
            .strip_prefix(&root)
            .unwrap_or(path)
            .to_string_lossy()
            .replace('\\', "/");
        let artifacts = emit(&analyse(&relative));
        assert!(!artifacts.is_empty(), "{relative} has no NixOS guest");
        let mut tree = String::new();
        for artifact in &artifacts {
            tree.push_str(&format!("──── {} ────\n", artifact.path.display()));
            tree.push_str(&artifact.contents);
        }
        insta::assert_snapshot!(tree);
    });
}
