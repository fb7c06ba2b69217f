//! The build pipeline through the driver's public API: the ORION example built twice is
//! byte-identical, and the output folder keeps files infrac did not generate, drops stale
//! ones, refuses collisions and reports drift.

use infrac_driver::{
    build_artifacts, check_output, check_with, write_output, Artifact, Drift, DriftKind, FsLoader,
    OutputError, MANIFEST,
};
use std::path::Path;

fn workspace_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .and_then(Path::parent)
        .unwrap_or(Path::new("."))
}

/// Checks and builds the ORION example from scratch, every target.
fn orion_artifacts() -> Vec<Artifact> {
    let root = workspace_root();
    let source = std::fs::read_to_string(root.join("examples/orion.infra")).expect("orion");
    let analysis = check_with("examples/orion.infra", &source, &FsLoader::new(root));
    assert!(!analysis.has_errors(), "examples/orion.infra has errors");
    build_artifacts(&analysis, &[]).unwrap_or_else(|d| panic!("targets failed: {d:?}"))
}

fn drift(path: &str, kind: DriftKind) -> Drift {
    Drift {
        path: path.to_string(),
        kind,
    }
}

#[test]
fn orion_builds_byte_identical_twice() {
    let scratch = tempfile::tempdir().expect("scratch folder");
    let (first, second) = (scratch.path().join("first"), scratch.path().join("second"));
    let artifacts = orion_artifacts();
    assert!(artifacts.iter().any(|a| a.path == Path::new("model.json")));
    write_output(&first, &artifacts).expect("first build");
    write_output(&second, &orion_artifacts()).expect("second build");
    let (a, b) = (infrac_testkit::tree(&first), infrac_testkit::tree(&second));
    assert_eq!(a.len(), artifacts.len() + 1, "artifacts plus the manifest");
    assert_eq!(a, b, "two builds of the same input differ");

    let manifest = String::from_utf8(a[MANIFEST].1.clone()).expect("manifest text");
    let listed: Vec<&str> = manifest.lines().filter(|l| !l.starts_with('#')).collect();
    let mut expected: Vec<String> = artifacts
        .iter()
        .map(|a| a.path.to_string_lossy().into_owned())
        .collect();
    expected.sort();
    assert_eq!(listed, expected);
    assert_eq!(check_output(&first, &artifacts), Ok(vec![]));
}

#[test]
fn user_files_survive_and_stale_files_go() {
    let scratch = tempfile::tempdir().expect("scratch folder");
    let out = scratch.path().join("out");
    let v1 = vec![
        Artifact::new("model.json", "{}\n"),
        Artifact::new("proxmox/100-mac.sh", "#!/bin/sh\ntrue\n"),
        Artifact::new("proxmox/apply.sh", "#!/bin/sh\ntrue\n"),
    ];
    write_output(&out, &v1).expect("first build");
    std::fs::write(out.join("README.local"), "operator notes\n").expect("user file");
    std::fs::write(out.join("proxmox/site.env"), "X=1\n").expect("user file");

    let v2 = vec![
        Artifact::new("model.json", "{\"v\": 2}\n"),
        Artifact::new("proxmox/apply.sh", "#!/bin/sh\ntrue\n"),
    ];
    assert_eq!(
        check_output(&out, &v2),
        Ok(vec![
            drift(MANIFEST, DriftKind::Differs),
            drift("model.json", DriftKind::Differs),
            drift("proxmox/100-mac.sh", DriftKind::Stale),
        ])
    );
    let summary = write_output(&out, &v2).expect("second build");
    assert_eq!(summary.removed, ["proxmox/100-mac.sh"]);
    assert_eq!(summary.preserved, 2);
    let files: Vec<String> = infrac_testkit::tree(&out).into_keys().collect();
    assert_eq!(
        files,
        [
            MANIFEST,
            "README.local",
            "model.json",
            "proxmox/apply.sh",
            "proxmox/site.env"
        ]
    );
    assert_eq!(
        std::fs::read_to_string(out.join("README.local")).expect("kept"),
        "operator notes\n"
    );
    assert_eq!(check_output(&out, &v2), Ok(vec![]));
}

#[test]
fn a_user_file_at_a_generated_path_stops_the_build() {
    let scratch = tempfile::tempdir().expect("scratch folder");
    let out = scratch.path().join("out");
    write_output(&out, &[Artifact::new("model.json", "{}\n")]).expect("first build");
    std::fs::create_dir(out.join("nixos")).expect("user folder");
    std::fs::write(out.join("nixos/router.nix"), "{ }\n").expect("user file");
    std::fs::write(out.join("proxmox"), "not a folder\n").expect("user file");
    let before = infrac_testkit::tree(&out);

    let wants_router = vec![
        Artifact::new("model.json", "{\"changed\": true}\n"),
        Artifact::new(
            "nixos/router.nix",
            "{ networking.hostName = \"router\"; }\n",
        ),
    ];
    let err = write_output(&out, &wants_router).expect_err("collision accepted");
    assert_eq!(
        err,
        OutputError::NotGenerated {
            dir: out.clone(),
            path: "nixos/router.nix".into()
        }
    );
    assert!(
        err.to_string().contains("infrac did not generate it"),
        "{err}"
    );
    assert_eq!(check_output(&out, &wants_router), Err(err));

    let wants_proxmox = vec![Artifact::new("proxmox/apply.sh", "#!/bin/sh\n")];
    let err = write_output(&out, &wants_proxmox).expect_err("folder collision accepted");
    assert!(matches!(&err, OutputError::NotGenerated { path, .. } if path == "proxmox"));

    assert_eq!(
        infrac_testkit::tree(&out),
        before,
        "a refused build changed the folder"
    );
    let names: Vec<_> = std::fs::read_dir(scratch.path())
        .expect("parent")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(
        names,
        ["out"],
        "a refused build left files beside the folder"
    );
}

#[test]
fn drift_lists_missing_changed_and_stale_files() {
    let scratch = tempfile::tempdir().expect("scratch folder");
    let out = scratch.path().join("out");
    let artifacts = vec![
        Artifact::new("a.txt", "a\n"),
        Artifact::new("b/script.sh", "#!/bin/sh\necho b\n"),
        Artifact::new("c.txt", "c\n"),
    ];
    assert_eq!(
        check_output(&out, &artifacts),
        Ok(vec![
            drift(MANIFEST, DriftKind::Missing),
            drift("a.txt", DriftKind::Missing),
            drift("b/script.sh", DriftKind::Missing),
            drift("c.txt", DriftKind::Missing),
        ])
    );
    write_output(&out, &artifacts).expect("build");
    assert_eq!(check_output(&out, &artifacts), Ok(vec![]));

    std::fs::write(out.join("a.txt"), "edited by hand\n").expect("edit");
    std::fs::remove_file(out.join("c.txt")).expect("delete");
    {
        use std::os::unix::fs::PermissionsExt;
        let script = out.join("b/script.sh");
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    }
    std::fs::write(out.join("untracked.txt"), "mine\n").expect("user file");
    let fewer = vec![
        Artifact::new("a.txt", "a\n"),
        Artifact::new("b/script.sh", "#!/bin/sh\necho b\n"),
    ];
    assert_eq!(
        check_output(&out, &fewer),
        Ok(vec![
            drift(MANIFEST, DriftKind::Differs),
            drift("a.txt", DriftKind::Differs),
            drift("b/script.sh", DriftKind::Differs),
        ]),
        "a deleted stale file is not drift, a user file is not drift"
    );
    write_output(&out, &fewer).expect("repair");
    assert_eq!(check_output(&out, &fewer), Ok(vec![]));
    assert!(out.join("untracked.txt").exists());
}

#[test]
fn scripts_are_executable_and_other_files_are_not() {
    use std::os::unix::fs::PermissionsExt;
    let scratch = tempfile::tempdir().expect("scratch folder");
    let out = scratch.path().join("out");
    write_output(
        &out,
        &[
            Artifact::new("run.sh", "#!/usr/bin/env bash\n"),
            Artifact::new("data.json", "{}\n"),
        ],
    )
    .expect("build");
    let mode = |p: &str| {
        std::fs::metadata(out.join(p))
            .expect("meta")
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode("run.sh"), 0o755);
    assert_eq!(mode("data.json"), 0o644);
    assert_eq!(mode(MANIFEST), 0o644);
}

#[test]
fn the_output_folder_must_be_a_folder() {
    let scratch = tempfile::tempdir().expect("scratch folder");
    let file = scratch.path().join("out");
    std::fs::write(&file, "a file\n").expect("file");
    let err = write_output(&file, &[Artifact::new("model.json", "{}\n")]).expect_err("accepted");
    assert!(matches!(err, OutputError::BadFolder { .. }), "{err}");
    assert_eq!(std::fs::read_to_string(&file).expect("kept"), "a file\n");
}

/// The ORION example checked under a file name built to break out of every comment and
/// string it reaches: an nft string and rule, a `#` comment line, an HTML comment.
#[test]
fn a_hostile_file_name_cannot_inject_into_any_artifact() {
    let root = workspace_root();
    let source = std::fs::read_to_string(root.join("examples/orion.infra")).expect("orion");
    let name = "examples/fw\";accept comment \"x\nINJECTED: \"-->\r<b>.infra";
    let analysis = check_with(name, &source, &FsLoader::new(root));
    assert!(!analysis.has_errors());
    let artifacts = build_artifacts(&analysis, &[]).expect("targets");
    let mut rulesets = 0;
    for artifact in &artifacts {
        let path = artifact.path.display();
        for line in artifact.contents.lines() {
            assert!(
                !line.trim_start().starts_with("INJECTED") && !line.starts_with(" \"-->"),
                "{path}: the file name split a line:\n{line}"
            );
            assert!(!line.contains('\r'), "{path}: a carriage return:\n{line:?}");
            if line.contains("Generated by infrac from") && line.starts_with("<!--") {
                assert_eq!(line.matches("-->").count(), 1, "{path}: {line}");
                assert!(!line.contains("<b>"), "{path}: {line}");
            }
        }
        if artifact.path.extension().is_some_and(|e| e == "nft") {
            rulesets += 1;
            for line in artifact
                .contents
                .lines()
                .filter(|l| !l.trim_start().starts_with('#') && l.contains(" comment \""))
            {
                let (_, comment) = line.split_once(" comment \"").unwrap_or_default();
                assert!(
                    comment.ends_with('"') && comment.matches('"').count() == 1,
                    "{path}: {line}"
                );
            }
        }
    }
    assert!(rulesets > 0, "ORION has a firewall");
}

/// LF, CRLF and CR-only files are the same lab: a CR-only file used to be one long
/// comment, an empty lab whose build removed every generated file.
#[test]
fn every_line_ending_convention_gives_the_same_artifacts() {
    let root = workspace_root();
    let lf = std::fs::read_to_string(root.join("examples/orion.infra")).expect("orion");
    let expected = orion_artifacts();
    for (name, text) in [
        ("crlf", lf.replace('\n', "\r\n")),
        ("cr", lf.replace('\n', "\r")),
    ] {
        let analysis = check_with("examples/orion.infra", &text, &FsLoader::new(root));
        let rendered = infrac_diagnostics::render_human(
            &analysis.sources,
            &analysis.diagnostics,
            infrac_diagnostics::RenderOptions { color: false },
        );
        assert!(analysis.diagnostics.is_empty(), "{name}:\n{rendered}");
        let artifacts = build_artifacts(&analysis, &[]).expect("targets");
        assert_eq!(
            artifacts, expected,
            "{name} line endings changed the output"
        );
    }
}
