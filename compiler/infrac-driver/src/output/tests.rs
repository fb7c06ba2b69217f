//! Crash tests of the output folder: a write is stopped at every step, as a killed process
//! would be, and the folder must then hold the old output or the new one, never a mix.

use super::swap::{Stop, Swap};
use super::*;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A fresh folder under the system temporary folder, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "infrac-output-unit-{}-{}-{name}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("create scratch folder");
        Scratch(path)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Every entry below `dir`, described with its contents and mode, for exact comparison.
fn tree(dir: &Path) -> BTreeMap<String, String> {
    use std::os::unix::fs::PermissionsExt;
    let mut out = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder).expect("read folder") {
            let path = entry.expect("entry").path();
            let rel = path
                .strip_prefix(dir)
                .expect("inside")
                .to_string_lossy()
                .into_owned();
            let meta = std::fs::symlink_metadata(&path).expect("metadata");
            let description = if meta.file_type().is_symlink() {
                format!(
                    "link -> {}",
                    std::fs::read_link(&path).expect("link").display()
                )
            } else if meta.is_dir() {
                pending.push(path.clone());
                "folder".to_string()
            } else {
                format!(
                    "file {:o} {}",
                    meta.permissions().mode() & 0o777,
                    std::fs::read_to_string(&path).expect("text")
                )
            };
            out.insert(rel, description);
        }
    }
    out
}

fn names_in(parent: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(parent)
        .expect("read parent")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn old_artifacts() -> Vec<Artifact> {
    vec![
        Artifact::new("model.json", "{\"old\": true}\n"),
        Artifact::new("proxmox/100.sh", "#!/usr/bin/env bash\necho old\n"),
        Artifact::new("docs/retired.md", "# retired\n"),
    ]
}

fn new_artifacts() -> Vec<Artifact> {
    vec![
        Artifact::new("model.json", "{\"new\": true}\n"),
        Artifact::new("proxmox/100.sh", "#!/usr/bin/env bash\necho new\n"),
        Artifact::new("proxmox/200.sh", "#!/usr/bin/env bash\necho router\n"),
        Artifact::new("nixos/router/configuration.nix", "{ ... }: { }\n"),
    ]
}

/// An output folder built from the old artifacts, plus files a user added.
fn prepared(parent: &Path) -> PathBuf {
    let out = parent.join("out");
    write_output(&out, &old_artifacts()).expect("first build");
    std::fs::write(out.join("NOTES.md"), "mine\n").expect("user file");
    std::fs::write(out.join("proxmox/local.conf"), "also mine\n").expect("user file");
    std::fs::create_dir(out.join("empty")).expect("user folder");
    std::os::unix::fs::symlink("NOTES.md", out.join("notes-link")).expect("user link");
    out
}

fn interrupted_writes(strategy: Swap) {
    let reference = Scratch::new("reference");
    let reference_out = prepared(&reference.0);
    let old_tree = tree(&reference_out);
    write_output(&reference_out, &new_artifacts()).expect("reference build");
    let new_tree = tree(&reference_out);
    assert_ne!(old_tree, new_tree);
    assert_eq!(
        new_tree.get("NOTES.md").map(String::as_str),
        Some("file 644 mine\n")
    );
    assert!(!new_tree.contains_key("docs/retired.md"), "stale file kept");

    let mut interruptions = 0;
    for stop_at in 0.. {
        let scratch = Scratch::new("crash");
        let out = prepared(&scratch.0);
        assert_eq!(tree(&out), old_tree);
        let mut calls = 0;
        let result = write_with(
            &out,
            &new_artifacts(),
            &Writer::build(),
            strategy,
            &mut || {
                calls += 1;
                calls <= stop_at
            },
        );
        match result {
            Ok(_) => {
                assert_eq!(tree(&out), new_tree);
                assert_eq!(names_in(&scratch.0), ["out"]);
                break;
            }
            Err(Stop::Interrupted) => interruptions += 1,
            Err(Stop::Error(e)) => panic!("write failed at checkpoint {stop_at}: {e}"),
        }
        if out.exists() {
            let now = tree(&out);
            assert!(
                now == old_tree || now == new_tree,
                "checkpoint {stop_at}: the folder is a mix of old and new: {now:#?}"
            );
        } else {
            // Only the rename fallback has this window; the old output is in the backup.
            assert_eq!(
                strategy,
                Swap::Rename,
                "checkpoint {stop_at}: folder missing"
            );
            let backup = names_in(&scratch.0)
                .into_iter()
                .find(|n| n.starts_with(".out.infrac-old-"))
                .expect("a backup beside the missing folder");
            assert_eq!(tree(&scratch.0.join(backup)), old_tree);
        }
        // The next build repairs whatever the crash left and completes the output.
        write_output(&out, &new_artifacts()).expect("build after the crash");
        assert_eq!(tree(&out), new_tree, "checkpoint {stop_at}: after recovery");
        assert_eq!(
            names_in(&scratch.0),
            ["out"],
            "checkpoint {stop_at}: leftovers"
        );
    }
    assert!(
        interruptions >= 6,
        "only {interruptions} checkpoints were exercised"
    );
}

#[test]
fn interrupted_exchange_leaves_old_or_new_output() {
    interrupted_writes(Swap::Exchange);
}

#[test]
fn interrupted_rename_fallback_leaves_old_or_new_output() {
    interrupted_writes(Swap::Rename);
}

#[test]
fn user_files_are_the_same_files_after_a_build() {
    use std::os::unix::fs::MetadataExt;
    let scratch = Scratch::new("inode");
    let out = prepared(&scratch.0);
    let before = std::fs::metadata(out.join("proxmox/local.conf"))
        .expect("meta")
        .ino();
    let summary = write_output(&out, &new_artifacts()).expect("build");
    let after = std::fs::metadata(out.join("proxmox/local.conf"))
        .expect("meta")
        .ino();
    assert_eq!(before, after, "the user's file was copied, not kept");
    assert_eq!(summary.preserved, 3);
    assert_eq!(summary.removed, ["docs/retired.md"]);
    assert_eq!(
        summary.written,
        [
            "model.json",
            "nixos/router/configuration.nix",
            "proxmox/100.sh",
            "proxmox/200.sh"
        ]
    );
    assert!(
        !out.join("docs").exists(),
        "a folder left empty by a stale file is kept"
    );
}

#[test]
fn unchanged_output_is_not_touched() {
    let scratch = Scratch::new("unchanged");
    let out = scratch.0.join("out");
    write_output(&out, &new_artifacts()).expect("first build");
    let marker = std::fs::metadata(out.join("model.json"))
        .and_then(|m| m.modified())
        .expect("mtime");
    let summary = write_output(&out, &new_artifacts()).expect("second build");
    assert!(summary.unchanged);
    assert_eq!(
        std::fs::metadata(out.join("model.json"))
            .and_then(|m| m.modified())
            .expect("mtime"),
        marker
    );
}

#[test]
fn artifact_paths_must_stay_inside_the_folder() {
    let bad = |paths: &[&str]| {
        let artifacts: Vec<Artifact> = paths.iter().map(|p| Artifact::new(*p, "x")).collect();
        match plan(&artifacts) {
            Err(OutputError::BadArtifact { reason, .. }) => reason,
            Err(other) => panic!("{paths:?}: unexpected {other}"),
            Ok(_) => panic!("{paths:?} was accepted"),
        }
    };
    assert!(bad(&["../escape"]).contains("inside the output folder"));
    assert!(bad(&["/etc/passwd"]).contains("inside the output folder"));
    assert!(bad(&["a/../../b"]).contains("inside the output folder"));
    assert!(bad(&[""]).contains("empty"));
    assert!(bad(&[".infrac-manifest"]).contains("reserved"));
    assert!(bad(&["x", "./x"]).contains("two artifacts"));
    assert!(bad(&["a", "a/b"]).contains("inside the artifact `a`"));
    assert!(plan(&[Artifact::new("./a/b", "x")]).is_ok());
}

#[test]
fn a_manifest_entry_outside_the_folder_is_never_touched() {
    let scratch = Scratch::new("escape");
    let out = scratch.0.join("out");
    let outside = scratch.0.join("outside.txt");
    std::fs::write(&outside, "keep\n").expect("outside file");
    write_output(&out, &new_artifacts()).expect("first build");
    let manifest = out.join(MANIFEST);
    let mut text = std::fs::read_to_string(&manifest).expect("manifest");
    text.push_str("../outside.txt\n");
    std::fs::write(&manifest, text).expect("tamper");
    write_output(&out, &old_artifacts()).expect("second build");
    assert_eq!(
        std::fs::read_to_string(&outside).expect("outside"),
        "keep\n"
    );
}

fn refused(result: Result<WriteSummary, OutputError>, needle: &str) {
    match result {
        Err(OutputError::BadFolder { reason, .. }) => {
            assert!(reason.contains(needle), "unexpected reason: {reason}")
        }
        other => panic!("expected the folder to be refused ({needle}), got {other:?}"),
    }
}

#[test]
fn a_fifo_in_the_folder_is_refused_without_blocking() {
    let scratch = Scratch::new("fifo");
    let out = prepared(&scratch.0);
    let status = std::process::Command::new("mkfifo")
        .arg(out.join("proxmox/pipe"))
        .status()
        .expect("mkfifo runs");
    assert!(status.success());
    let before = tree_without_fifo(&out);
    refused(
        write_output(&out, &new_artifacts()),
        "`proxmox/pipe` inside it is not a regular file",
    );
    assert_eq!(tree_without_fifo(&out), before);
    assert!(matches!(
        check_output(&out, &new_artifacts()),
        Err(OutputError::BadFolder { .. })
    ));
}

fn tree_without_fifo(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = swap::scan(dir).expect("scan").into_keys().collect();
    names.sort();
    names
}

#[test]
fn a_git_repository_is_never_an_output_folder() {
    let scratch = Scratch::new("git");
    let out = scratch.0.join("repo");
    std::fs::create_dir_all(out.join(".git/objects")).expect("a repository");
    std::fs::write(out.join("README.md"), "mine\n").expect("user file");
    refused(
        write_output(&out, &new_artifacts()),
        "Git repository (`.git`)",
    );
    assert_eq!(names_in(&out), [".git", "README.md"]);
}

#[test]
fn a_folder_holding_the_sources_is_refused() {
    let scratch = Scratch::new("sources");
    let lab = scratch.0.join("lab");
    std::fs::create_dir_all(lab.join("lib")).expect("folder");
    std::fs::write(lab.join("lib/net.infra"), "network lan {}\n").expect("source");
    let writer = Writer::new("build", vec![lab.join("lib/net.infra")]);
    refused(
        write_output_as(&lab, &new_artifacts(), &writer),
        "the lab's source `lib/net.infra`",
    );
    assert_eq!(names_in(&lab), ["lib"]);
}

#[test]
fn docs_never_removes_the_files_of_a_build() {
    let scratch = Scratch::new("docs-on-build");
    let out = prepared(&scratch.0);
    let before = tree(&out);
    let pages = vec![Artifact::new("index.md", "# lab\n")];
    refused(
        write_output_as(&out, &pages, &Writer::new("docs", Vec::new())),
        "written by `infrac build`",
    );
    assert_eq!(tree(&out), before);
    // Its own folder is fine, and a build may not take it over either.
    let docs = scratch.0.join("docs");
    write_output_as(&docs, &pages, &Writer::new("docs", Vec::new())).expect("docs folder");
    refused(
        write_output(&docs, &new_artifacts()),
        "written by `infrac docs`",
    );
}

#[test]
fn the_next_build_removes_the_staging_debris_of_a_killed_one() {
    let scratch = Scratch::new("debris");
    let out = prepared(&scratch.0);
    // A build killed while staging, under another process id.
    let debris = scratch.0.join(".out.infrac-staging-999999");
    std::fs::create_dir_all(debris.join("proxmox")).expect("debris");
    std::fs::write(debris.join("proxmox/100.sh"), "half").expect("debris");
    write_output(&out, &new_artifacts()).expect("build");
    assert_eq!(names_in(&scratch.0), ["out"]);
}

/// A file system error names what infrac was doing and to which path, not only the
/// system's reason: the staging folder is a hidden name the operator never chose.
#[test]
fn a_failed_operation_says_what_it_was_doing() {
    let scratch = Scratch::new("io-action");
    let file = scratch.0.join("a-file");
    std::fs::write(&file, "not a folder").expect("write file");
    refused(
        write_output(&file.join("out"), &new_artifacts()),
        "a part of its path is a file",
    );
    // Nothing can be made in /proc: neither a missing parent folder nor the folder
    // beside which the new output is staged.
    let err = write_output(Path::new("/proc/self/missing/out"), &new_artifacts())
        .expect_err("a folder in /proc");
    assert_eq!(
        err.to_string(),
        "cannot create the folder `/proc/self/missing`: No such file or directory (os error 2)"
    );
    // A folder in /proc whose entries never change: /proc/self lists the threads of
    // this test binary, which come and go while it is being read.
    let err = write_output(Path::new("/proc/sys/dev"), &new_artifacts()).expect_err("/proc");
    assert!(
        matches!(
            &err,
            OutputError::Io {
                action: Step::CreateStaging,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .starts_with("cannot create the staging folder `/proc/sys/.dev."),
        "{err}"
    );
}
