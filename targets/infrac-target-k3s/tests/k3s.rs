//! Snapshots of every file the k3s target writes for ORION and the `k3s-*` fixtures, the
//! real validators on every one of them (`shell.sh` for the install scripts, `k8s.sh` for
//! the kube-vip static pods, `yaml.sh` for the k3s configuration files, `keepalived.sh`
//! for keepalived's; a missing validator fails the test), and the target's refusals.

use infrac_model::{Artifact, Model, Target};
use infrac_target_k3s::{keepalived_conf, K3sTarget};
use infrac_testkit::{file, labs, load, model_of, validate, write_all};
use std::path::PathBuf;
use std::process::Command;

const FIXTURES: [&str; 1] = ["k3s-"];

fn emit(relative: &str) -> (Model, Vec<Artifact>) {
    let model = load(relative);
    let artifacts = infrac_testkit::emit(&K3sTarget, &model);
    (model, artifacts)
}

fn paths(artifacts: &[Artifact]) -> Vec<String> {
    let mut paths: Vec<String> = artifacts
        .iter()
        .map(|a| a.path.to_string_lossy().replace('\\', "/"))
        .collect();
    paths.sort();
    paths
}

#[test]
fn snapshots() {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        for (snapshot, contents) in infrac_testkit::snapshot_entries(&K3sTarget, &FIXTURES) {
            insta::assert_snapshot!(snapshot, contents);
        }
    });
}

#[test]
fn every_file_passes_its_validator() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("no temporary directory: {e}"));
    let (mut scripts, mut pods, mut configs, mut keepalived) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (name, relative) in labs(&FIXTURES) {
        let (model, artifacts) = emit(&relative);
        infrac_testkit::assert_generated_headers(&artifacts, &model.source, 8);
        for path in write_all(&dir.path().join(&name), &artifacts) {
            let file_name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            match file_name.as_str() {
                "install.sh" => scripts.push(path),
                "kube-vip.yaml" => pods.push(path),
                "config.yaml" => configs.push(path),
                "keepalived.conf" => keepalived.push(path),
                other => panic!("unexpected file {other} in {}", path.display()),
            }
        }
    }
    assert!(scripts.len() >= 6, "{scripts:?}");
    assert_eq!(scripts.len(), configs.len());
    validate("shell.sh", &scripts);
    validate("k8s.sh", &pods);
    validate("yaml.sh", &configs);
    validate("keepalived.sh", &keepalived);
}

#[test]
fn orion_gets_nothing_because_its_nodes_are_nixos() {
    let (_, artifacts) = emit("examples/orion.infra");
    assert!(artifacts.is_empty(), "{:?}", paths(&artifacts));
}

#[test]
fn kube_vip_holds_the_api_address_on_the_server_only() {
    let (_, artifacts) = emit("tests/fixtures/build/k3s-ubuntu-kube-vip.infra");
    assert_eq!(
        paths(&artifacts),
        [
            "k3s/k3s/node1/config.yaml",
            "k3s/k3s/node1/install.sh",
            "k3s/k3s/node1/kube-vip.yaml",
            "k3s/k3s/node2/config.yaml",
            "k3s/k3s/node2/install.sh",
        ]
    );
    let server = file(&artifacts, "k3s/k3s/node1/config.yaml");
    // One server: no embedded etcd, and nothing to join.
    assert!(!server.contains("cluster-init"), "{server}");
    assert!(!server.contains("server:"), "{server}");
    assert!(
        server.contains("node-ip: 192.168.50.20,2001:db8:50::20\n")
            || server.contains("node-ip: \"192.168.50.20,2001:db8:50::20\"\n"),
        "{server}"
    );
    assert!(server.contains("flannel-iface: eno1\n"), "{server}");
    assert!(
        server.contains("cluster-cidr: 10.42.0.0/16,2001:db8:50:4200::/56\n"),
        "{server}"
    );
    assert!(
        server.contains("token-file: /run/secrets/k3s-token\n"),
        "{server}"
    );
    let agent = file(&artifacts, "k3s/k3s/node2/config.yaml");
    assert!(
        agent.contains("server: https://192.168.50.99:6443\n"),
        "{agent}"
    );
    assert!(agent.contains("flannel-iface: enp3s0\n"), "{agent}");
    assert!(!agent.contains("tls-san"), "{agent}");
    assert!(!agent.contains("cluster-cidr"), "{agent}");
    let pod = file(&artifacts, "k3s/k3s/node1/kube-vip.yaml");
    assert!(pod.contains("value: eno1\n"), "{pod}");
    assert!(
        pod.contains("- name: address\n          value: \"192.168.50.99\"\n"),
        "{pod}"
    );
    let script = file(&artifacts, "k3s/k3s/node1/install.sh");
    assert!(script.contains("version=v1.35.6+k3s1\n"), "{script}");
    assert!(script.contains("INSTALL_K3S_EXEC=server"), "{script}");
    assert!(
        script.find("kube-vip.yaml /var/lib/rancher/k3s/agent/pod-manifests/kube-vip.yaml")
            < script.find("INSTALL_K3S_VERSION="),
        "the static pod is in place before k3s starts:\n{script}"
    );
    assert!(file(&artifacts, "k3s/k3s/node2/install.sh").contains("INSTALL_K3S_EXEC=agent"));
}

#[test]
fn keepalived_peers_and_priorities_follow_the_servers() {
    let (_, artifacts) = emit("tests/fixtures/build/k3s-debian-keepalived.infra");
    let priorities: Vec<String> = ["cp-1", "cp-2", "cp-3"]
        .iter()
        .map(|s| {
            let conf = file(&artifacts, &format!("keepalived/{s}/keepalived.conf"));
            assert!(conf.contains("interface ens18\n"), "{conf}");
            assert!(conf.contains("10.20.10.10/32 dev ens18\n"), "{conf}");
            conf.lines()
                .find_map(|l| l.trim().strip_prefix("priority "))
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    assert_eq!(priorities, ["150", "140", "130"]);
    let second = file(&artifacts, "keepalived/cp-2/keepalived.conf");
    assert!(second.contains("unicast_src_ip 10.20.10.12\n"), "{second}");
    assert!(
        second.contains("unicast_peer {\n        10.20.10.11\n        10.20.10.13\n    }"),
        "{second}"
    );
    let first = file(&artifacts, "k3s/prod-k3s/cp-1/config.yaml");
    assert!(first.contains("cluster-init: true\n"), "{first}");
    assert!(!first.contains("server:"), "{first}");
    for joining in ["cp-2", "cp-3"] {
        let config = file(&artifacts, &format!("k3s/prod-k3s/{joining}/config.yaml"));
        assert!(
            config.contains("server: https://10.20.10.10:6443\n"),
            "{config}"
        );
        assert!(!config.contains("cluster-init"), "{config}");
    }
    let script = file(&artifacts, "k3s/prod-k3s/cp-3/install.sh");
    assert!(
        script.contains(&format!("version={}\n", infrac_target_k3s::versions::K3S)),
        "without `version` the pinned default: {script}"
    );
    assert!(
        script.contains(
            "\"$here\"/../../../keepalived/cp-3/keepalived.conf /etc/keepalived/keepalived.conf\n"
        ),
        "{script}"
    );
}

#[test]
fn nixos_nodes_are_left_to_the_nixos_target() {
    let (_, artifacts) = emit("tests/fixtures/build/k3s-mixed-nixos.infra");
    assert_eq!(
        paths(&artifacts),
        ["k3s/home/worker/config.yaml", "k3s/home/worker/install.sh"]
    );
    let config = file(&artifacts, "k3s/home/worker/config.yaml");
    // No `api`: the agent joins the first server at its LAN address, the network every
    // node is on that is not an overlay.
    assert!(
        config.contains("server: https://192.168.70.10:6443\n"),
        "{config}"
    );
    assert!(config.contains("flannel-iface: enp2s0\n"), "{config}");
}

#[test]
fn install_scripts_refuse_another_machine() {
    let (_, artifacts) = emit("tests/fixtures/build/k3s-mixed-nixos.infra");
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("no temporary directory: {e}"));
    write_all(dir.path(), &artifacts);
    let host = Command::new("uname")
        .arg("-n")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default();
    assert_ne!(
        host.split('.').next(),
        Some("worker"),
        "this test needs a machine not named worker"
    );
    // The host check comes before anything that changes the machine, so running the
    // script here is harmless.
    let output = Command::new("bash")
        .arg(dir.path().join("k3s/home/worker/install.sh"))
        .output()
        .unwrap_or_else(|e| panic!("cannot run bash: {e}"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("install.sh: this script sets up worker, but this machine is"),
        "{stderr}"
    );
}

/// A one-file lab with the given cluster nodes and cluster body.
fn lab(nodes: &str, cluster: &str) -> String {
    format!(
        "import \"std/os\"\n\
         network lan {{ ipv4 = 192.168.60.0/24, gateway = 192.168.60.1 }}\n\
         {nodes}\n\
         cluster k3s {{ pods = 10.42.0.0/16, services = 10.43.0.0/16, {cluster} }}\n"
    )
}

fn refusal(source: &str) -> String {
    let model = model_of("lab.infra", source);
    match K3sTarget.emit(&model) {
        Ok(artifacts) => panic!("expected a refusal, got {:?}", paths(&artifacts)),
        Err(diagnostics) => infrac_diagnostics::render_human(
            &model.sources,
            &diagnostics,
            infrac_diagnostics::RenderOptions { color: false },
        ),
    }
}

#[test]
fn a_server_without_a_static_address_is_refused() {
    let rendered = refusal(&lab(
        "machine cp-1 { os = os.ubuntu-24_04-server, nic eno1 { network = lan, dhcp = true } }\n\
         machine w-1 { os = os.ubuntu-24_04-server, nic eno1 { network = lan, ip = 192.168.60.31 } }",
        "servers = [cp-1], agents = [w-1], token = secret(\"k3s-token\")",
    ));
    assert!(rendered.contains("[E1202]"), "{rendered}");
    assert!(
        rendered.contains("server cp-1 of cluster k3s has no static address on network lan"),
        "{rendered}"
    );
}

#[test]
fn a_node_off_the_cluster_network_is_refused() {
    let rendered = refusal(&lab(
        "network other { ipv4 = 192.168.61.0/24, gateway = 192.168.61.1 }\n\
         machine cp-1 { os = os.ubuntu-24_04-server, nic eno1 { network = lan, ip = 192.168.60.21 } }\n\
         machine w-1 { os = os.ubuntu-24_04-server, nic eno1 { network = other, ip = 192.168.61.31 } }",
        "servers = [cp-1], agents = [w-1], token = secret(\"k3s-token\")",
    ));
    assert!(rendered.contains("[E1202]"), "{rendered}");
    assert!(
        rendered.contains("agent w-1 of cluster k3s has no NIC on network lan"),
        "{rendered}"
    );
}

#[test]
fn joining_without_a_token_is_refused() {
    let rendered = refusal(&lab(
        "machine cp-1 { os = os.ubuntu-24_04-server, nic eno1 { network = lan, ip = 192.168.60.21 } }\n\
         machine w-1 { os = os.ubuntu-24_04-server, nic eno1 { network = lan, ip = 192.168.60.31 } }",
        "servers = [cp-1], agents = [w-1]",
    ));
    assert!(rendered.contains("[E1201]"), "{rendered}");
    assert!(
        rendered.contains("w-1 cannot join cluster k3s without a token"),
        "{rendered}"
    );
    assert!(!rendered.contains("cp-1 cannot join"), "{rendered}");
}

#[test]
fn source_text_cannot_break_out_of_the_install_script() {
    let model = model_of(
        "lab.infra",
        &lab(
            "machine cp-1 { os = os.ubuntu-24_04-server, nic eno1 { network = lan, ip = 192.168.60.21 } }",
            "servers = [cp-1], version = \"v1.0 $(touch /tmp/pwned) `id`\", \
             token = secret(\"k3s-token\")",
        ),
    );
    let artifacts = infrac_testkit::emit(&K3sTarget, &model);
    let script = file(&artifacts, "k3s/k3s/cp-1/install.sh");
    assert!(
        script.contains("version=\"v1.0 \\$(touch /tmp/pwned) \\`id\\`\"\n"),
        "{script}"
    );
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("no temporary directory: {e}"));
    let written: Vec<PathBuf> = write_all(dir.path(), &artifacts)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "sh"))
        .collect();
    validate("shell.sh", &written);
}

#[test]
fn keepalived_conf_serves_nixos_servers_too() {
    let model = model_of(
        "lab.infra",
        &lab(
            "machine cp-1 { os = nixos(\"25.05\"), nic eno1 { network = lan, ip = 192.168.60.21 } }\n\
             machine cp-2 { os = nixos(\"25.05\"), nic eno1 { network = lan, ip = 192.168.60.22 } }",
            "servers = [cp-1, cp-2], api = 192.168.60.99, vip = keepalived, \
             token = secret(\"k3s-token\")",
        ),
    );
    // The k3s target installs nothing on NixOS servers, but writes the API address holder
    // their NixOS configurations load ...
    let paths: Vec<String> = infrac_testkit::emit(&K3sTarget, &model)
        .iter()
        .map(|a| a.path.to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        paths,
        [
            "keepalived/cp-1/keepalived.conf",
            "keepalived/cp-2/keepalived.conf"
        ]
    );
    // ... and its renderer gives the nixos target the same configuration.
    let cluster = &model.clusters[0];
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("no temporary directory: {e}"));
    let mut files = Vec::new();
    for server in &cluster.servers {
        let text = keepalived_conf(&model, cluster, server.value);
        assert!(text.contains("192.168.60.99/32 dev eno1\n"), "{text}");
        assert!(text.contains("script \"/usr/bin/env curl "), "{text}");
        let name = &model.machine(server.value).name;
        let path = dir.path().join(format!("{name}.keepalived.conf"));
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("cannot write: {e}"));
        files.push(path);
    }
    validate("keepalived.sh", &files);
}

#[test]
fn keepalived_holds_an_ipv6_api_address_with_ipv6_peers() {
    let model = model_of(
        "lab.infra",
        "import \"std/os\"\n\
         network lan { ipv4 = 192.168.60.0/24, gateway = 192.168.60.1, ipv6 = 2001:db8:60::/64 }\n\
         machine cp-1 { os = os.ubuntu-24_04-server, nic eno1 { network = lan, ip = 192.168.60.21, ip6 = 2001:db8:60::21 } }\n\
         machine cp-2 { os = os.ubuntu-24_04-server, nic eno1 { network = lan, ip = 192.168.60.22, ip6 = 2001:db8:60::22 } }\n\
         cluster k3s { servers = [cp-1, cp-2], api = 2001:db8:60::99, vip = keepalived, \
         pods = 10.42.0.0/16, services = 10.43.0.0/16, token = secret(\"k3s-token\") }\n",
    );
    let artifacts = infrac_testkit::emit(&K3sTarget, &model);
    let conf = file(&artifacts, "keepalived/cp-2/keepalived.conf");
    assert!(conf.contains("unicast_src_ip 2001:db8:60::22\n"), "{conf}");
    assert!(conf.contains("        2001:db8:60::21\n"), "{conf}");
    assert!(conf.contains("2001:db8:60::99/128 dev eno1\n"), "{conf}");
    let joining = file(&artifacts, "k3s/k3s/cp-2/config.yaml");
    assert!(
        joining.contains("server: https://[2001:db8:60::99]:6443\n"),
        "{joining}"
    );
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("no temporary directory: {e}"));
    let written: Vec<PathBuf> = write_all(dir.path(), &artifacts)
        .into_iter()
        .filter(|p| p.ends_with("keepalived.conf"))
        .collect();
    validate("keepalived.sh", &written);
}
