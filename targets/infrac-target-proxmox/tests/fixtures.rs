//! Build fixtures for the Proxmox target: every `tests/fixtures/build/proxmox-*.infra`
//! must check clean, and its `proxmox/` files are snapshotted as one tree per fixture.

mod common;

use common::{analyse, emit, root};

#[test]
fn proxmox_fixtures() {
    let root = root();
    insta::glob!("../../../tests/fixtures/build", "proxmox-*.infra", |path| {
        let relative = path
            .strip_prefix(&root)
            .unwrap_or(path)
            .to_string_lossy()
            .replace('\\', "/");
        let artifacts = emit(&analyse(&relative));
        let mut tree = String::new();
        for artifact in &artifacts {
            tree.push_str(&format!("──── {} ────\n", artifact.path.display()));
            tree.push_str(&artifact.contents);
        }
        insta::assert_snapshot!(tree);
    });
}
