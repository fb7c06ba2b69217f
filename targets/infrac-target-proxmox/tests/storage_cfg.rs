//! A strict reader of `/etc/pve/storage.cfg`, which no packaged tool parses outside a
//! Proxmox node, applied to every `storage.cfg` the target writes for ORION and the
//! Proxmox fixtures.
//!
//! The facts, from proxmox/pve-storage at commit 0c56bad8 (`src/PVE/Storage/Plugin.pm`
//! and `src/PVE/Storage/*Plugin.pm`) and pve-common's `PVE::JSONSchema`:
//! - a section starts with `TYPE: ID` (`parse_section_header`: `^(\S+):\s*(\S+)\s*$`);
//!   the ID matches `^[a-z][a-z0-9\-\_\.]*[a-z0-9]$` (`parse_storage_id`, case-insensitive);
//! - its properties follow, one per line, indented, `KEY VALUE`; a blank line ends it;
//!   `#` lines are comments (PVE::SectionConfig);
//! - each type takes the properties its plugin's `options` lists, and needs the fixed
//!   ones (table `TYPES` below); `content` lists types from the plugin's
//!   `plugindata.content` (comma-separated), `nodes` node names.

mod common;

use common::{analyse, emit};
use std::collections::{BTreeMap, BTreeSet};

/// A storage type: its name, fixed (required) properties, other properties it takes, and
/// the content types it holds.
type StorageType = (
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
    &'static [&'static str],
);

const TYPES: &[StorageType] = &[
    (
        "dir",
        &["path"],
        &[
            "content-dirs",
            "nodes",
            "shared",
            "disable",
            "prune-backups",
            "max-protected-backups",
            "content",
            "format",
            "mkdir",
            "create-base-path",
            "create-subdirs",
            "is_mountpoint",
            "bwlimit",
            "preallocation",
        ],
        &[
            "images", "rootdir", "vztmpl", "iso", "backup", "snippets", "import", "none",
        ],
    ),
    (
        "lvm",
        &["vgname"],
        &[
            "nodes",
            "shared",
            "disable",
            "saferemove",
            "content",
            "base",
            "tagged_only",
            "bwlimit",
        ],
        &["images", "rootdir"],
    ),
    (
        "lvmthin",
        &["thinpool", "vgname"],
        &["nodes", "disable", "content", "bwlimit"],
        &["images", "rootdir"],
    ),
    (
        "zfspool",
        &["pool"],
        &[
            "blocksize",
            "sparse",
            "nodes",
            "disable",
            "content",
            "bwlimit",
            "mountpoint",
        ],
        &["images", "rootdir"],
    ),
    (
        "nfs",
        &["path", "server", "export"],
        &[
            "content-dirs",
            "nodes",
            "disable",
            "prune-backups",
            "max-protected-backups",
            "options",
            "content",
            "format",
            "mkdir",
            "create-base-path",
            "create-subdirs",
            "bwlimit",
            "preallocation",
        ],
        &[
            "images", "rootdir", "vztmpl", "iso", "backup", "snippets", "import",
        ],
    ),
    (
        "cifs",
        &["path", "server", "share"],
        &[
            "content-dirs",
            "subdir",
            "nodes",
            "disable",
            "prune-backups",
            "max-protected-backups",
            "content",
            "format",
            "username",
            "password",
            "domain",
            "smbversion",
            "mkdir",
            "create-base-path",
            "create-subdirs",
            "bwlimit",
            "preallocation",
            "options",
        ],
        &[
            "images", "rootdir", "vztmpl", "iso", "backup", "snippets", "import",
        ],
    ),
    (
        "rbd",
        &[],
        &[
            "nodes",
            "disable",
            "monhost",
            "pool",
            "data-pool",
            "namespace",
            "username",
            "content",
            "krbd",
            "keyring",
            "bwlimit",
        ],
        &["images", "rootdir"],
    ),
    (
        "cephfs",
        &["path"],
        &[
            "content-dirs",
            "monhost",
            "nodes",
            "subdir",
            "disable",
            "options",
            "username",
            "content",
            "format",
            "mkdir",
            "create-base-path",
            "create-subdirs",
            "fuse",
            "bwlimit",
            "keyring",
            "prune-backups",
            "max-protected-backups",
            "fs-name",
        ],
        &["vztmpl", "iso", "backup", "snippets", "import"],
    ),
];

/// One storage: its type and properties.
type Storages = BTreeMap<String, (String, BTreeMap<String, String>)>;

fn valid_id(id: &str) -> bool {
    let b = id.as_bytes();
    b.len() >= 2
        && b[0].is_ascii_alphabetic()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || b"-_.".contains(c))
}

fn valid_node(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !name.starts_with('-')
}

/// Reads `text` strictly; every deviation from the format is an error.
fn read(text: &str) -> Result<Storages, String> {
    let mut storages = Storages::new();
    let mut current: Option<String> = None;
    for (n, line) in text.lines().enumerate() {
        let n = n + 1;
        if line.trim().is_empty() {
            current = None;
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        if line.starts_with(char::is_whitespace) {
            let id = current
                .as_ref()
                .ok_or(format!("line {n}: property outside a section"))?;
            let body = line.trim_start();
            let (key, value) = body
                .split_once(char::is_whitespace)
                .ok_or(format!("line {n}: property without a value: {line:?}"))?;
            let value = value.trim();
            let (kind, props) = storages.get_mut(id).ok_or("lost section")?;
            let (_, fixed, optional, content) = TYPES
                .iter()
                .find(|t| t.0 == kind)
                .ok_or(format!("line {n}: unknown type"))?;
            if !fixed.contains(&key) && !optional.contains(&key) {
                return Err(format!("line {n}: type {kind} takes no property `{key}`"));
            }
            match key {
                "content" => {
                    if let Some(c) = value.split(',').find(|c| !content.contains(c)) {
                        return Err(format!("line {n}: type {kind} holds no content `{c}`"));
                    }
                }
                "nodes" if !value.split(',').all(valid_node) => {
                    return Err(format!("line {n}: bad node list {value:?}"));
                }
                "shared" | "disable" | "krbd" | "sparse" | "fuse"
                    if value != "0" && value != "1" =>
                {
                    return Err(format!("line {n}: `{key}` is a boolean, not {value:?}"));
                }
                "path" | "export" if !value.starts_with('/') => {
                    return Err(format!("line {n}: `{key}` must be absolute: {value:?}"));
                }
                _ => {}
            }
            if props.insert(key.to_string(), value.to_string()).is_some() {
                return Err(format!("line {n}: `{key}` set twice"));
            }
            continue;
        }
        let (kind, id) = line
            .split_once(':')
            .ok_or(format!("line {n}: not a section header: {line:?}"))?;
        let id = id.trim();
        if kind.contains(char::is_whitespace) || id.is_empty() || id.contains(char::is_whitespace) {
            return Err(format!("line {n}: not a section header: {line:?}"));
        }
        if !TYPES.iter().any(|t| t.0 == kind) {
            return Err(format!("line {n}: unknown storage type `{kind}`"));
        }
        if !valid_id(id) {
            return Err(format!("line {n}: invalid storage ID `{id}`"));
        }
        if storages
            .insert(id.to_string(), (kind.to_string(), BTreeMap::new()))
            .is_some()
        {
            return Err(format!("line {n}: storage `{id}` defined twice"));
        }
        current = Some(id.to_string());
    }
    for (id, (kind, props)) in &storages {
        let (_, fixed, _, _) = TYPES.iter().find(|t| t.0 == kind).ok_or("type")?;
        for key in *fixed {
            if !props.contains_key(*key) {
                return Err(format!("storage `{id}` ({kind}) lacks `{key}`"));
            }
        }
    }
    Ok(storages)
}

/// Every `storage.cfg` of ORION and the Proxmox fixtures.
fn files() -> Vec<(String, String)> {
    let mut labs: Vec<String> = infrac_testkit::labs(&["proxmox-"])
        .into_iter()
        .map(|(_, relative)| relative)
        .collect();
    labs.push("examples/pve-cluster.infra".to_string());
    let mut out = Vec::new();
    for lab in labs {
        assert!(common::root().join(&lab).exists(), "{lab} is missing");
        for artifact in emit(&analyse(&lab)) {
            if artifact.path.ends_with("storage.cfg") {
                out.push((
                    format!("{lab}: {}", artifact.path.display()),
                    artifact.contents.clone(),
                ));
            }
        }
    }
    out
}

#[test]
fn every_storage_cfg_reads_strictly() {
    let files = files();
    assert!(files.len() > 5, "{}", files.len());
    let mut types = BTreeSet::new();
    for (name, text) in &files {
        match read(text) {
            Ok(storages) => {
                assert!(storages.contains_key("local"), "{name}: no `local`");
                types.extend(storages.values().map(|(t, _)| t.clone()));
            }
            Err(e) => panic!("{name}: {e}\n{text}"),
        }
    }
    assert!(
        types.contains("lvmthin") && types.contains("dir"),
        "{types:?}"
    );
}

#[test]
fn the_reader_rejects_what_proxmox_rejects() {
    let good = "dir: local\n\tpath /var/lib/vz\n\tcontent iso,vztmpl\n";
    assert!(read(good).is_ok());
    for bad in [
        "dir: local\n\tcontent iso\n",                          // no path
        "lvmthin: x1\n\tvgname pve\n",                          // no thinpool
        "dir: local\n\tpath /var/lib/vz\n\tcontent isos\n",     // unknown content
        "cephfs: cfs\n\tpath /mnt/pve/cfs\n\tcontent images\n", // VM disks on CephFS
        "dir: 1local\n\tpath /x\n",                             // bad ID
        "zfs: tank\n\tpool tank\n",                             // type is zfspool
        "nfs: n1\n\tpath /mnt/pve/n1\n\tserver 1.2.3.4\n\texport /x\n\tshared 1\n",
        "dir: local\n\tpath /a\n\tpath /b\n",
        "dir: local\n\tpath /a\n\ndir: local\n\tpath /b\n",
        "\tpath /a\n",
        "dir local\n\tpath /a\n",
        "dir: local\n\tpath relative\n",
        "dir: local\n\tpath /a\n\tnodes pve_1\n",
    ] {
        assert!(read(bad).is_err(), "accepted: {bad:?}");
    }
}

#[test]
fn a_shared_pool_is_one_entry_and_a_partial_one_names_its_nodes() {
    let lab = analyse("tests/fixtures/build/proxmox-storage.infra");
    let artifacts = emit(&lab);
    let text = common::file(&artifacts, "proxmox/cluster/lab/storage.cfg");
    let storages = read(text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let (kind, nas) = &storages["nas"];
    assert_eq!(kind, "nfs");
    assert_eq!(nas.get("server").map(String::as_str), Some("10.0.0.5"));
    assert_eq!(nas.get("export").map(String::as_str), Some("/mnt/tank/pve"));
    assert!(!nas.contains_key("nodes"), "every node has it: {text}");
    let (_, fast) = &storages["fast"];
    assert_eq!(
        fast.get("nodes").map(String::as_str),
        Some("pve1"),
        "{text}"
    );
    let (kind, cephfs) = &storages["cephfs"];
    assert_eq!(kind, "cephfs");
    assert_eq!(
        cephfs.get("content").map(String::as_str),
        Some("backup,iso,vztmpl")
    );
}
