//! Snapshots of every file the cloud-init target writes for ORION and the `cloudinit-*`
//! fixtures, and the properties the files must keep whatever the lab.

mod common;

use common::{emit, file, load, model_of, paths};
use infrac_model::{ExportRef, Span, Spanned, StorageKind, StoragePool};
use infrac_target_cloudinit::CloudInitTarget;

const FIXTURES: [&str; 1] = ["cloudinit-"];

#[test]
fn snapshots() {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        for (snapshot, contents) in infrac_testkit::snapshot_entries(&CloudInitTarget, &FIXTURES) {
            insta::assert_snapshot!(snapshot, contents);
        }
    });
}

#[test]
fn every_file_names_its_lab() {
    for (_, lab) in infrac_testkit::labs(&FIXTURES) {
        let artifacts = emit(&load(&lab));
        // Headers name the lab by its file name, so they do not depend on where the build
        // runs.
        let name = std::path::Path::new(&lab)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        infrac_testkit::assert_generated_headers(&artifacts, &name, 4);
    }
}

#[test]
fn only_debian_and_ubuntu_machines_outside_proxmox_get_files() {
    // ORION's Debian machines are all Proxmox guests: the Proxmox target configures them.
    assert!(emit(&load("examples/orion.infra")).is_empty());
    let artifacts = emit(&load("tests/fixtures/build/cloudinit-ubuntu-mac.infra"));
    let written = paths(&artifacts);
    for other in ["/web/", "/pve/", "/router/"] {
        assert!(written.iter().all(|p| !p.contains(other)), "{written:?}");
    }
    let artifacts = emit(&load("tests/fixtures/build/cloudinit-ubuntu-node.infra"));
    assert_eq!(
        paths(&artifacts),
        [
            "cloud-init/node1/user-data",
            "cloud-init/node1/meta-data",
            "cloud-init/node1/network-config",
            "netplan/node1/50-infrac.yaml",
        ]
    );
}

#[test]
fn netplan_and_network_config_describe_the_same_network() {
    let body = |text: &str| -> String {
        text.lines()
            .filter(|l| !l.starts_with('#'))
            .map(|l| format!("{l}\n"))
            .collect()
    };
    for (_, lab) in infrac_testkit::labs(&FIXTURES) {
        let artifacts = emit(&load(&lab));
        for path in paths(&artifacts) {
            let Some(machine) = path
                .strip_prefix("netplan/")
                .and_then(|p| p.strip_suffix("/50-infrac.yaml"))
            else {
                continue;
            };
            let netplan = file(&artifacts, &path);
            let network_config = file(&artifacts, &format!("cloud-init/{machine}/network-config"));
            assert_eq!(body(netplan), body(network_config), "{lab}: {machine}");
        }
    }
}

#[test]
fn only_ubuntu_bare_metal_gets_netplan_and_only_bare_metal_meta_data() {
    let artifacts = emit(&load("tests/fixtures/build/cloudinit-debian-bastion.infra"));
    assert_eq!(
        paths(&artifacts),
        [
            "cloud-init/bastion/user-data",
            "cloud-init/bastion/network-config",
            "cloud-init/homeserver/user-data",
            "cloud-init/homeserver/meta-data",
            "cloud-init/homeserver/network-config",
        ]
    );
}

#[test]
fn a_machine_without_a_network_keeps_its_own_network_setup() {
    let model = model_of(
        "cloudinit-no-network.infra",
        "import \"std/os\"\nsite s { domain = \"example.net\" }\n\
         machine box { platform = cloud, provider = \"x\", os = os.debian-12-vm }\n",
    );
    let artifacts = emit(&model);
    assert_eq!(paths(&artifacts), ["cloud-init/box/user-data"]);
    assert!(file(&artifacts, "cloud-init/box/user-data").contains("There is no network-config"));
}

#[test]
fn source_text_cannot_break_out_of_its_place() {
    let model = model_of(
        "cloudinit-hostile.infra",
        // A domain with a newline is refused where it is declared (E0438).
        "site s { domain = \"evil.net\" }\n\
         image deb { family = \"debian\", version = \"12\\npackages: [x]\", kind = vm, ostype = l26 }\n\
         network lan { ipv4 = 10.0.0.0/24, gateway = 10.0.0.1, dns = [10.0.0.1] }\n\
         machine box {\n  platform = cloud\n  provider = \"a\\n#cloud-config\\nbootcmd: [x]\"\n  \
         region = \"r\\nhostname: evil\"\n  os = deb\n  nic eth0 { network = lan, ip = 10.0.0.5 }\n}\n",
    );
    let artifacts = emit(&model);
    for artifact in &artifacts {
        let text = &artifact.contents;
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            for injected in ["runcmd:", "packages:", "bootcmd:", "hostname: evil"] {
                assert!(
                    !line.starts_with(injected),
                    "{}:\n{text}",
                    artifact.path.display()
                );
            }
        }
    }
    let user_data = file(&artifacts, "cloud-init/box/user-data");
    assert!(user_data.starts_with("#cloud-config\n"), "{user_data}");
    assert!(user_data.contains("\nfqdn: box.evil.net\n"), "{user_data}");
}

#[test]
fn a_pool_mounting_an_export_gets_nfs_and_its_mount() {
    // Sema keeps storage pools to Proxmox and TrueNAS machines today; the model allows
    // them on any machine, so the mount is checked on a model given one directly.
    let mut model = load("tests/fixtures/build/cloudinit-ubuntu-node.infra");
    let nas = model
        .machine_named("nas")
        .unwrap_or_else(|| panic!("no nas"));
    let node = model
        .machine_named("node1")
        .unwrap_or_else(|| panic!("no node1"));
    let span = Span::default();
    model.machines[node.index()].storage.push(StoragePool {
        name: "media files".into(),
        doc: None,
        kind: StorageKind::Nfs,
        size: Spanned::new(infrac_model::Bytes(1 << 40), span),
        shared: true,
        server: Some("192.168.50.5".parse().unwrap_or_else(|e| panic!("{e}"))),
        export: Some(ExportRef {
            machine: nas,
            export: "media".into(),
            span,
        }),
        proxmox: Default::default(),
        span,
    });
    let artifacts = emit(&model);
    let user_data = file(&artifacts, "cloud-init/node1/user-data");
    assert!(user_data.contains("  - nfs-common\n"), "{user_data}");
    assert!(
        user_data.contains(
            "mounts:\n  - - 192.168.50.5:/mnt/tank/media\n    - /mnt/media_files\n    - nfs\n    - ro,_netdev,nofail\n"
        ),
        "{user_data}"
    );
    assert!(
        user_data.contains("runcmd:\n  - - mount\n    - -a\n    - -t\n    - nfs\n"),
        "{user_data}"
    );
}

#[test]
fn cluster_nodes_are_pointed_at_their_k3s_installer() {
    let artifacts = emit(&load("examples/minipc-k3s.infra"));
    let server = file(&artifacts, "cloud-init/node1/user-data");
    assert!(
        server.contains("# Kubernetes: a k3s server of cluster k3s."),
        "{server}"
    );
    let agent = file(&artifacts, "cloud-init/node2/user-data");
    assert!(
        agent.contains("# Kubernetes: a k3s agent of cluster k3s."),
        "{agent}"
    );
}
