//! `infrac build` as an operator runs it: exit codes, what lands in the output folder,
//! `--check` as a drift gate and `--target` selection.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn workspace_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .and_then(Path::parent)
        .unwrap_or(Path::new("."))
}

fn orion() -> PathBuf {
    workspace_root().join("examples/orion.infra")
}

fn infrac(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_infrac"))
        .args(args)
        .env("NO_COLOR", "1")
        .current_dir(workspace_root())
        .output()
        .expect("run infrac")
}

fn build(file: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["build", path_str(file), "-o", path_str(out)];
    args.extend_from_slice(extra);
    infrac(&args)
}

fn path_str(path: &Path) -> &str {
    path.to_str().expect("UTF-8 temporary path")
}

fn code(output: &Output) -> i32 {
    output.status.code().unwrap_or(-1)
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The ORION example with one mistake added: a VM on a host that does not exist.
fn broken_lab(scratch: &tempfile::TempDir) -> PathBuf {
    let mut text = std::fs::read_to_string(orion()).expect("orion");
    text.push_str("\nvm broken 990 on nowhere {\n  cores = 1\n}\n");
    let path = scratch.path().join("broken.infra");
    std::fs::write(&path, text).expect("write broken lab");
    path
}

fn generated_paths(target: &str) -> BTreeSet<String> {
    let root = workspace_root();
    let source = std::fs::read_to_string(orion()).expect("orion");
    let analysis = infrac_driver::check_with(
        "examples/orion.infra",
        &source,
        &infrac_driver::FsLoader::new(root),
    );
    let selected = [target.to_string()];
    infrac_driver::build_artifacts(&analysis, &selected)
        .unwrap_or_else(|d| panic!("targets failed: {d:?}"))
        .into_iter()
        .map(|a| a.path.to_string_lossy().into_owned())
        .collect()
}

#[test]
fn two_builds_are_byte_identical() {
    let scratch = tempfile::tempdir().expect("scratch folder");
    let (a, b) = (scratch.path().join("a"), scratch.path().join("b"));
    let first = build(&orion(), &a, &[]);
    assert_eq!(code(&first), 0, "{}", stderr(&first));
    let second = build(&orion(), &b, &[]);
    assert_eq!(code(&second), 0, "{}", stderr(&second));
    let (ta, tb) = (infrac_testkit::tree(&a), infrac_testkit::tree(&b));
    assert!(ta.contains_key("model.json") && ta.contains_key(".infrac-manifest"));
    assert_eq!(ta, tb);

    let again = build(&orion(), &a, &[]);
    assert_eq!(code(&again), 0);
    assert!(
        stderr(&again).contains("is up to date"),
        "{}",
        stderr(&again)
    );
    assert_eq!(infrac_testkit::tree(&a), ta);
}

#[test]
fn a_failed_build_leaves_the_previous_output_exactly_as_it_was() {
    let scratch = tempfile::tempdir().expect("scratch folder");
    let out = scratch.path().join("out");
    assert_eq!(code(&build(&orion(), &out, &[])), 0);
    std::fs::write(out.join("NOTES.md"), "kept\n").expect("user file");
    let before = infrac_testkit::tree(&out);

    let failed = build(&broken_lab(&scratch), &out, &[]);
    assert_eq!(code(&failed), 1, "{}", stderr(&failed));
    assert!(stderr(&failed).contains("nowhere"), "{}", stderr(&failed));
    assert!(stderr(&failed).contains("build failed: nothing was written"));
    assert_eq!(infrac_testkit::tree(&out), before);

    let missing_output = scratch.path().join("never");
    assert_eq!(code(&build(&broken_lab(&scratch), &missing_output, &[])), 1);
    assert!(
        !missing_output.exists(),
        "a failed build created its output folder"
    );
    let names: BTreeSet<String> = std::fs::read_dir(scratch.path())
        .expect("scratch")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, BTreeSet::from(["broken.infra".into(), "out".into()]));
}

#[test]
fn user_files_survive_and_stale_generated_files_are_removed() {
    let scratch = tempfile::tempdir().expect("scratch folder");
    let out = scratch.path().join("out");
    assert_eq!(code(&build(&orion(), &out, &[])), 0);
    std::fs::write(out.join("NOTES.md"), "operator notes\n").expect("user file");
    std::fs::create_dir_all(out.join("local")).expect("user folder");
    std::fs::write(out.join("local/site.env"), "X=1\n").expect("user file");
    // What an earlier build generated and this one no longer does: listed in the manifest.
    std::fs::create_dir_all(out.join("retired")).expect("folder");
    std::fs::write(out.join("retired/old-guest.sh"), "#!/bin/sh\n").expect("stale file");
    let manifest = out.join(".infrac-manifest");
    let mut listed = std::fs::read_to_string(&manifest).expect("manifest");
    listed.push_str("retired/old-guest.sh\n");
    std::fs::write(&manifest, listed).expect("manifest");

    let check = build(&orion(), &out, &["--check"]);
    assert_eq!(code(&check), 1);
    assert!(
        stdout(&check).contains("stale    retired/old-guest.sh"),
        "{}",
        stdout(&check)
    );

    let rebuilt = build(&orion(), &out, &[]);
    assert_eq!(code(&rebuilt), 0, "{}", stderr(&rebuilt));
    assert!(
        stderr(&rebuilt).contains("1 stale removed"),
        "{}",
        stderr(&rebuilt)
    );
    assert!(!out.join("retired").exists());
    assert_eq!(
        std::fs::read_to_string(out.join("NOTES.md")).expect("kept"),
        "operator notes\n"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("local/site.env")).expect("kept"),
        "X=1\n"
    );
    assert_eq!(code(&build(&orion(), &out, &["--check"])), 0);
}

#[test]
fn a_user_file_at_a_generated_path_is_an_error_and_nothing_is_written() {
    let scratch = tempfile::tempdir().expect("scratch folder");
    let out = scratch.path().join("out");
    std::fs::create_dir_all(&out).expect("folder");
    std::fs::write(out.join("model.json"), "my own model\n").expect("user file");
    let before = infrac_testkit::tree(&out);
    let refused = build(&orion(), &out, &[]);
    assert_eq!(code(&refused), 2, "{}", stderr(&refused));
    let message = stderr(&refused);
    assert!(
        message.contains("model.json") && message.contains("did not generate"),
        "{message}"
    );
    assert_eq!(infrac_testkit::tree(&out), before);
    assert!(!out.join(".infrac-manifest").exists());
}

#[test]
fn check_is_a_drift_gate() {
    let scratch = tempfile::tempdir().expect("scratch folder");
    let out = scratch.path().join("out");
    let missing = build(&orion(), &out, &["--check"]);
    assert_eq!(code(&missing), 1);
    assert!(
        stdout(&missing).contains("missing  model.json"),
        "{}",
        stdout(&missing)
    );
    assert!(!out.exists(), "--check wrote the output folder");

    assert_eq!(code(&build(&orion(), &out, &[])), 0);
    let clean = build(&orion(), &out, &["--check"]);
    assert_eq!(code(&clean), 0, "{}{}", stdout(&clean), stderr(&clean));
    assert_eq!(stdout(&clean), "");

    let model = out.join("model.json");
    let mut edited = std::fs::read_to_string(&model).expect("model");
    edited.push_str("hand edit\n");
    std::fs::write(&model, &edited).expect("edit");
    let drifted = build(&orion(), &out, &["--check"]);
    assert_eq!(code(&drifted), 1);
    assert_eq!(stdout(&drifted), "differs  model.json\n");
    assert!(
        stderr(&drifted).contains("out of date"),
        "{}",
        stderr(&drifted)
    );
    assert_eq!(
        std::fs::read_to_string(&model).expect("model"),
        edited,
        "--check wrote"
    );

    let broken = build(&broken_lab(&scratch), &out, &["--check"]);
    assert_eq!(code(&broken), 1);
    assert!(
        stderr(&broken).contains("was not compared"),
        "{}",
        stderr(&broken)
    );
}

#[test]
fn target_selects_what_is_generated() {
    let scratch = tempfile::tempdir().expect("scratch folder");
    let out = scratch.path().join("out");
    assert_eq!(code(&build(&orion(), &out, &[])), 0);
    let everything: BTreeSet<String> = infrac_testkit::tree(&out).into_keys().collect();

    let only = build(&orion(), &out, &["--target", "proxmox"]);
    assert_eq!(code(&only), 0, "{}", stderr(&only));
    let mut expected = generated_paths("proxmox");
    assert!(expected.contains("model.json"), "model is always written");
    expected.insert(".infrac-manifest".into());
    let written: BTreeSet<String> = infrac_testkit::tree(&out).into_keys().collect();
    assert_eq!(written, expected);
    assert!(written.is_subset(&everything));

    let two = build(&orion(), &out, &["--target", "nixos,proxmox"]);
    assert_eq!(code(&two), 0, "{}", stderr(&two));
    let mut expected: BTreeSet<String> = generated_paths("nixos");
    expected.extend(generated_paths("proxmox"));
    // NixOS configurations read files of other targets, which the build adds.
    for (dependency, _) in
        infrac_driver::targets::missing_dependencies(&["nixos".to_string(), "proxmox".to_string()])
    {
        expected.extend(generated_paths(dependency));
    }
    expected.insert(".infrac-manifest".into());
    assert_eq!(
        infrac_testkit::tree(&out)
            .into_keys()
            .collect::<BTreeSet<_>>(),
        expected
    );
    assert_eq!(
        code(&build(
            &orion(),
            &out,
            &["--target", "proxmox,nixos", "--check"]
        )),
        0
    );

    let before = infrac_testkit::tree(&out);
    let unknown = build(&orion(), &out, &["--target", "proxmox,terraform"]);
    assert_eq!(code(&unknown), 2);
    let message = stderr(&unknown);
    assert!(message.contains("unknown target `terraform`"), "{message}");
    for name in infrac_driver::targets::all_targets()
        .iter()
        .map(|t| t.name())
    {
        assert!(message.contains(name), "{name} missing from: {message}");
    }
    assert_eq!(infrac_testkit::tree(&out), before);
}

#[test]
fn the_current_directory_is_never_the_output_folder() {
    let scratch = tempfile::tempdir().expect("scratch folder");
    let out = scratch.path().join("out");
    assert_eq!(code(&build(&orion(), &out, &[])), 0);
    let before = infrac_testkit::tree(&out);
    let refused = Command::new(env!("CARGO_BIN_EXE_infrac"))
        .args(["build", path_str(&orion()), "-o", "."])
        .env("NO_COLOR", "1")
        .current_dir(&out)
        .output()
        .expect("run infrac");
    assert_eq!(code(&refused), 2, "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("contains the current directory"),
        "{}",
        stderr(&refused)
    );
    assert_eq!(infrac_testkit::tree(&out), before);
}

#[test]
fn an_unreadable_lab_is_a_usage_error() {
    let scratch = tempfile::tempdir().expect("scratch folder");
    let out = scratch.path().join("out");
    let missing = build(&scratch.path().join("nope.infra"), &out, &[]);
    assert_eq!(code(&missing), 2);
    assert!(
        stderr(&missing).contains("no such file"),
        "{}",
        stderr(&missing)
    );
    assert!(!out.exists());
}

#[test]
fn the_home_folder_is_never_the_output_folder() {
    let home = tempfile::tempdir().expect("a home");
    std::fs::write(home.path().join(".bashrc"), "# mine\n").expect("user file");
    let out = Command::new(env!("CARGO_BIN_EXE_infrac"))
        .args(["build", path_str(&orion()), "-o", path_str(home.path())])
        .env("NO_COLOR", "1")
        .env("HOME", home.path())
        .current_dir(workspace_root())
        .output()
        .expect("run infrac");
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("is your home folder"),
        "{}",
        stderr(&out)
    );
    let names: Vec<_> = std::fs::read_dir(home.path())
        .expect("home")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(names, [".bashrc"]);
}

#[test]
fn the_source_folder_is_never_the_output_folder() {
    let scratch = tempfile::tempdir().expect("scratch folder");
    let lab = scratch.path().join("lab.infra");
    std::fs::copy(orion(), &lab).expect("copy the lab");
    let out = build(&lab, scratch.path(), &[]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("the lab's source `lab.infra`"),
        "{}",
        stderr(&out)
    );
    let check = build(&lab, scratch.path(), &["--check"]);
    assert_eq!(code(&check), 2, "{}", stderr(&check));
}

#[test]
fn docs_refuses_a_build_folder() {
    let scratch = tempfile::tempdir().expect("scratch folder");
    let out = scratch.path().join("out");
    assert_eq!(code(&build(&orion(), &out, &[])), 0);
    let before = infrac_testkit::tree(&out);
    let docs = infrac(&["docs", path_str(&orion()), "-o", path_str(&out)]);
    assert_eq!(code(&docs), 2, "{}", stderr(&docs));
    assert!(
        stderr(&docs).contains("written by `infrac build`"),
        "{}",
        stderr(&docs)
    );
    assert_eq!(infrac_testkit::tree(&out), before);
}

/// Runs `script` as root of a private mount namespace, where mounting needs no privilege
/// on the host; `None` when this system does not allow such namespaces.
#[cfg(target_os = "linux")]
fn in_mount_namespace(script: &str) -> Option<Output> {
    let probe = Command::new("unshare")
        .args(["-r", "-m", "true"])
        .output()
        .ok()?;
    if !probe.status.success() {
        eprintln!("skipped: unshare cannot create a mount namespace here");
        return None;
    }
    Command::new("unshare")
        .args(["-r", "-m", "sh", "-c", script])
        .env("NO_COLOR", "1")
        .current_dir(workspace_root())
        .output()
        .ok()
}

#[cfg(target_os = "linux")]
#[test]
fn a_mount_inside_the_output_folder_is_refused_and_left_alone() {
    let scratch = tempfile::tempdir().expect("scratch folder");
    let out = scratch.path().join("out");
    assert_eq!(code(&build(&orion(), &out, &[])), 0);
    let data = scratch.path().join("data");
    std::fs::create_dir(&data).expect("data folder");
    std::fs::write(data.join("photos.tar"), "precious\n").expect("user data");
    std::fs::create_dir(out.join("tmpfs")).expect("mount point");
    std::fs::create_dir(out.join("bind")).expect("mount point");
    let infrac = env!("CARGO_BIN_EXE_infrac");
    let (orion, out_s, data_s) = (
        path_str(&orion()).to_string(),
        path_str(&out),
        path_str(&data),
    );
    let script = format!(
        "mount -t tmpfs none {out_s}/tmpfs && echo mine > {out_s}/tmpfs/file && \
         {infrac} build {orion} -o {out_s}; echo \"tmpfs=$?\"; cat {out_s}/tmpfs/file; \
         umount {out_s}/tmpfs; mount --bind {data_s} {out_s}/bind && \
         {infrac} build {orion} -o {out_s}; echo \"bind=$?\"; \
         {infrac} build {orion} -o {out_s}/bind; echo \"root=$?\""
    );
    let Some(run) = in_mount_namespace(&script) else {
        return;
    };
    let (o, e) = (stdout(&run), stderr(&run));
    assert!(o.contains("tmpfs=2") && o.contains("mine"), "{o}\n{e}");
    assert!(o.contains("bind=2"), "{o}\n{e}");
    assert!(o.contains("root=2"), "{o}\n{e}");
    assert!(e.contains("`tmpfs` inside it is a mount point"), "{e}");
    assert!(e.contains("`bind` inside it is a mount point"), "{e}");
    assert!(e.contains("it is a mount point"), "{e}");
    assert_eq!(
        std::fs::read_to_string(data.join("photos.tar")).expect("still there"),
        "precious\n"
    );
}

#[test]
fn build_check_agrees_from_every_working_directory_and_spelling() {
    let scratch = tempfile::tempdir().expect("scratch folder");
    let out = scratch.path().join("out");
    assert_eq!(code(&build(&orion(), &out, &[])), 0);
    let examples = workspace_root().join("examples");
    let absolute = examples.join(".").join("orion.infra");
    for (cwd, file) in [
        (
            workspace_root().to_path_buf(),
            "examples/orion.infra".to_string(),
        ),
        (examples.clone(), "orion.infra".to_string()),
        (examples.clone(), "./orion.infra".to_string()),
        (
            scratch.path().to_path_buf(),
            path_str(&absolute).to_string(),
        ),
    ] {
        let run = Command::new(env!("CARGO_BIN_EXE_infrac"))
            .args(["build", &file, "-o", path_str(&out), "--check"])
            .env("NO_COLOR", "1")
            .current_dir(&cwd)
            .output()
            .expect("run infrac");
        assert_eq!(
            code(&run),
            0,
            "from {} with {file}:\n{}{}",
            cwd.display(),
            stdout(&run),
            stderr(&run)
        );
    }
}

/// Every path a generated NixOS configuration reads from its build (`../../bird/…`,
/// `../../nftables/…`, `../../k3s/…`).
fn paths_read_from_the_build(nix: &str) -> Vec<String> {
    nix.split("../../")
        .skip(1)
        .map(|rest| {
            rest.chars()
                .take_while(|c| c.is_ascii_alphanumeric() || "._-/".contains(*c))
                .collect::<String>()
        })
        // `../../../hardware-configuration.nix` is the machine's own file, not the build's.
        .filter(|path| path.starts_with(|c: char| c.is_ascii_alphanumeric()))
        .collect()
}

#[test]
fn a_target_selection_never_writes_a_file_that_reads_one_it_left_out() {
    let scratch = tempfile::tempdir().expect("scratch folder");
    let examples = workspace_root().join("examples");
    let mut labs: Vec<PathBuf> = std::fs::read_dir(&examples)
        .expect("examples/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "infra"))
        .collect();
    labs.sort();
    let mut checked = 0;
    for lab in &labs {
        let out = scratch.path().join(lab.file_stem().expect("a file name"));
        let result = build(lab, &out, &["--target", "proxmox,nixos"]);
        assert_eq!(code(&result), 0, "{}: {}", lab.display(), stderr(&result));
        let nixos = out.join("nixos");
        let Ok(machines) = std::fs::read_dir(&nixos) else {
            continue;
        };
        for machine in machines.filter_map(|e| e.ok()) {
            let config = machine.path().join("configuration.nix");
            let text = std::fs::read_to_string(&config).unwrap_or_default();
            for path in paths_read_from_the_build(&text) {
                checked += 1;
                assert!(
                    out.join(&path).is_file(),
                    "{} reads {path}, which `build --target proxmox,nixos` of {} did not write",
                    config.display(),
                    lab.display()
                );
            }
        }
    }
    assert!(
        checked > 0,
        "no example's NixOS configuration reads another target's file"
    );
    // The note says what was added and why.
    let out = scratch.path().join("orion-note");
    let result = build(&orion(), &out, &["--target", "nixos"]);
    assert!(
        stderr(&result).contains("note: also built the bird target"),
        "{}",
        stderr(&result)
    );
}
