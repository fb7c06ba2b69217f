//! An app's `file { source = … }` is read from the lab's folder with the confinement
//! imports have: a file beside the lab is read, a symbolic link out of the folder and a
//! path through `..` are refused without their text reaching a diagnostic or the model.

use infrac_diagnostics::{render_human, RenderOptions};
use infrac_driver::{check_with, Analysis, FsLoader};
use std::path::Path;

const LAB: &str = r#"host pve {}
vm k 100 on pve { cores = 2, memory = 4GiB }

cluster k3s {
  servers  = [k]
  pods     = 10.42.0.0/16
  services = 10.43.0.0/16
}

app web in k3s {
  image = "nginx:1.29"
  file conf { path = "/etc/nginx/conf.d/default.conf", source = "SOURCE" }
}
"#;

/// Checks `lab.infra` in `dir` as `infrac check DIR/lab.infra` would from its parent.
fn check_lab(dir: &Path, source: &str) -> (Analysis, String) {
    let parent = dir.parent().expect("a temporary folder has a parent");
    let name = format!(
        "{}/lab.infra",
        dir.file_name().expect("named").to_string_lossy()
    );
    let text = LAB.replace("SOURCE", source);
    std::fs::write(dir.join("lab.infra"), &text).expect("write the lab");
    let analysis = check_with(&name, &text, &FsLoader::new(parent));
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

#[test]
fn a_file_beside_the_lab_is_read_into_the_model() {
    let lab = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(lab.path().join("files")).expect("mkdir");
    std::fs::write(
        lab.path().join("files/default.conf"),
        "server { listen 80; }\n",
    )
    .expect("write");
    let (analysis, rendered) = check_lab(lab.path(), "files/default.conf");
    assert!(codes(&analysis).is_empty(), "{rendered}");
    let files = &analysis.model.apps[0].workload.files;
    assert_eq!(files[0].content, "server { listen 80; }\n");
}

#[cfg(unix)]
#[test]
fn a_symbolic_link_out_of_the_lab_is_refused_unread() {
    let outside = tempfile::tempdir().expect("tempdir");
    let secret = outside.path().join("id_ed25519");
    std::fs::write(&secret, "PRIVATE KEY MATERIAL\n").expect("write");
    let lab = tempfile::tempdir().expect("tempdir");
    std::os::unix::fs::symlink(&secret, lab.path().join("default.conf")).expect("symlink");
    let (analysis, rendered) = check_lab(lab.path(), "default.conf");
    assert_eq!(codes(&analysis), ["E0556"], "{rendered}");
    assert!(rendered.contains("outside the lab's folder"), "{rendered}");
    assert!(!rendered.contains("PRIVATE"), "{rendered}");
    assert!(analysis.model.apps[0].workload.files.is_empty());
}

#[test]
fn a_path_out_through_dotdot_is_refused() {
    let lab = tempfile::tempdir().expect("tempdir");
    let (analysis, rendered) = check_lab(lab.path(), "../../etc/passwd");
    assert_eq!(codes(&analysis), ["E0556"], "{rendered}");
    assert!(!rendered.contains("root:"), "{rendered}");
}

#[test]
fn a_missing_file_is_named() {
    let lab = tempfile::tempdir().expect("tempdir");
    let (analysis, rendered) = check_lab(lab.path(), "files/missing.conf");
    assert_eq!(codes(&analysis), ["E0556"], "{rendered}");
    assert!(rendered.contains("no such file"), "{rendered}");
}
