//! Imports against a hostile folder: special files, symbolic links out of the lab and in
//! circles, and files that are not labs. Every case must end in a located diagnostic,
//! quickly, without reading what it must not read.

use infrac_diagnostics::{render_human, RenderOptions};
use infrac_driver::{check_with, read_source, Analysis, FsLoader, LoadError};
use std::path::Path;
use std::time::{Duration, Instant};

/// Checks `lab.infra` in `dir` as `infrac check DIR/lab.infra` would from `dir`'s parent.
fn check_lab(dir: &Path, text: &str) -> (Analysis, String) {
    let parent = dir.parent().expect("a temporary folder has a parent");
    let name = format!(
        "{}/lab.infra",
        dir.file_name().expect("named").to_string_lossy()
    );
    std::fs::write(dir.join("lab.infra"), text).expect("write the lab");
    let started = Instant::now();
    let analysis = check_with(&name, text, &FsLoader::new(parent));
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "loading took too long"
    );
    let rendered = render_human(
        &analysis.sources,
        &analysis.diagnostics,
        RenderOptions { color: false },
    );
    (analysis, rendered)
}

fn codes(analysis: &Analysis) -> Vec<&'static str> {
    analysis.diagnostics.iter().map(|d| d.code.0).collect()
}

#[cfg(unix)]
#[test]
fn a_symbolic_link_out_of_the_lab_is_refused_unread() {
    let outside = tempfile::tempdir().expect("tempdir");
    let secret = outside.path().join("id_ed25519");
    std::fs::write(&secret, "network leaked { ipv4 = 10.66.0.0/24 }\n").expect("write");
    let lab = tempfile::tempdir().expect("tempdir");
    std::os::unix::fs::symlink(&secret, lab.path().join("keys.infra")).expect("symlink");
    let (analysis, rendered) = check_lab(lab.path(), "import \"./keys.infra\"\n");
    assert_eq!(codes(&analysis), ["E0211"], "{rendered}");
    assert!(!rendered.contains("leaked"), "{rendered}");
}

#[cfg(unix)]
#[test]
fn a_folder_linked_to_itself_is_one_module_and_a_cycle() {
    let lab = tempfile::tempdir().expect("tempdir");
    std::os::unix::fs::symlink(".", lab.path().join("x")).expect("symlink");
    std::os::unix::fs::symlink(".", lab.path().join("y")).expect("symlink");
    std::fs::write(
        lab.path().join("net.infra"),
        "import \"./x/net.infra\"\nimport \"./y/x/net.infra\"\nnetwork lan { ipv4 = 10.0.0.0/24 }\n",
    )
    .expect("write");
    let (analysis, rendered) = check_lab(
        lab.path(),
        "import \"./net.infra\"\nimport \"./x/y/net.infra\"\nimport \"./y/lab.infra\"\n",
    );
    // `x/y/net.infra` is `net.infra` again; `y/lab.infra` is the lab itself; inside
    // `net.infra` both imports lead back to it.
    assert_eq!(analysis.sources.iter().count(), 2 + 2, "{rendered}"); // lab, net, prelude
    assert!(codes(&analysis).iter().all(|c| *c == "E0205"), "{rendered}");
    assert_eq!(codes(&analysis).len(), 3, "{rendered}");
}

#[cfg(unix)]
#[test]
fn a_self_referencing_link_is_a_clear_error() {
    let lab = tempfile::tempdir().expect("tempdir");
    std::os::unix::fs::symlink("loop.infra", lab.path().join("loop.infra")).expect("symlink");
    let (analysis, rendered) = check_lab(lab.path(), "import \"./loop.infra\"\n");
    assert_eq!(codes(&analysis), ["E0204"], "{rendered}");
    assert!(
        rendered.contains("symbolic links form a loop"),
        "{rendered}"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn a_fifo_is_refused_without_blocking() {
    let lab = tempfile::tempdir().expect("tempdir");
    let fifo = lab.path().join("pipe.infra");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(status.success());
    assert_eq!(
        read_source(&fifo),
        Err(LoadError::NotRegular("a FIFO".into()))
    );
    let (analysis, rendered) = check_lab(lab.path(), "import \"./pipe.infra\"\n");
    assert_eq!(codes(&analysis), ["E0212"], "{rendered}");
}

#[cfg(unix)]
#[test]
fn devices_and_folders_are_not_sources() {
    assert_eq!(
        read_source(Path::new("/dev/zero")),
        Err(LoadError::NotRegular("a device".into()))
    );
    assert_eq!(
        read_source(Path::new("/")),
        Err(LoadError::NotRegular("a folder".into()))
    );
    let lab = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(lab.path().join("sub.infra")).expect("mkdir");
    let (analysis, rendered) = check_lab(lab.path(), "import \"./sub.infra\"\n");
    assert_eq!(codes(&analysis), ["E0212"], "{rendered}");
}

#[cfg(target_os = "linux")]
#[test]
fn proc_files_are_read_with_the_size_cap_not_their_claimed_size() {
    // `/proc` files claim a size of 0; reading still stops at the cap and succeeds here.
    let text = read_source(Path::new("/proc/self/status")).expect("readable");
    assert!(text.contains("Name:"));
}

#[test]
fn two_spellings_of_one_import_are_one_module() {
    let lab = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(lab.path().join("lib")).expect("mkdir");
    std::fs::write(
        lab.path().join("lib/net.infra"),
        "network lan { ipv4 = 10.0.0.0/24 }\n",
    )
    .expect("write");
    let (analysis, rendered) = check_lab(
        lab.path(),
        "import \"./lib/net.infra\"\nimport \"lib/../lib/./net.infra\"\n",
    );
    assert!(analysis.diagnostics.is_empty(), "{rendered}");
}
