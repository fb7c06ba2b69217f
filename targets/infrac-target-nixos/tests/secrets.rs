//! Secrets are referenced by path, never inlined, and a node that would have to join a
//! cluster without a token is an error rather than a configuration that never joins.

mod common;

use common::{analyse_source, emit};
use infrac_diagnostics::Code;
use infrac_model::Target;
use infrac_target_nixos::NixosTarget;

const LAB: &str = r#"
site lab { domain = "lab.home.arpa" }
host pve {
  nic eno1 { speed = 10G }
  bridge vmbr1 { ports = [eno1] }
  storage local-lvm { kind = lvmthin, size = 2TiB }
}
network lan { bridge = vmbr1, ipv4 = 10.0.0.0/24, gateway = 10.0.0.1 }
template node {
  os = nixos("24.11")
  cores = 2
  memory = 4GiB
  disk = 20GiB on local-lvm
}
vm cp 100 on pve from node { nic lan { ip = 10.0.0.10 } }
vm worker 101 on pve from node { nic lan { ip = 10.0.0.11 } }
cluster kube {
  servers  = [cp]
  agents   = [worker]
  pods     = 10.42.0.0/16
  services = 10.43.0.0/16
  TOKEN
}
"#;

#[test]
fn the_token_is_a_path_under_run_secrets() {
    let analysis = analyse_source(
        "lab.infra",
        &LAB.replace("TOKEN", "token = secret(\"kube-join\")"),
    );
    let artifacts = emit(&analysis);
    for artifact in &artifacts {
        assert!(artifact
            .contents
            .contains("tokenFile = \"/run/secrets/kube-join\";"));
        assert!(
            !artifact.contents.contains("secret("),
            "{}",
            artifact.contents
        );
    }
}

#[test]
fn an_agent_without_a_token_is_an_error() {
    let analysis = analyse_source("lab.infra", &LAB.replace("TOKEN", ""));
    assert!(!analysis.has_errors(), "{:#?}", analysis.diagnostics);
    let problems = NixosTarget
        .emit(&analysis.model)
        .err()
        .unwrap_or_else(|| panic!("an agent without a token must not be configured"));
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert_eq!(problems[0].code, Code::JOIN_WITHOUT_TOKEN);
    assert_eq!(
        problems[0].message,
        "worker cannot join cluster kube without a token"
    );
}

#[test]
fn a_single_server_needs_no_token() {
    let source = LAB
        .replace("TOKEN", "")
        .replace("  agents   = [worker]\n", "");
    let analysis = analyse_source("lab.infra", &source);
    let artifacts = emit(&analysis);
    assert!(artifacts.iter().all(|a| !a.contents.contains("tokenFile")));
}

#[test]
fn hostile_names_cannot_break_out_of_strings_or_comments() {
    let source = LAB
        .replace("TOKEN", "token = secret(\"kube-join\")")
        .replace(
            "vm worker 101",
            "vm \"w\\\"; $\\{builtins.abort \\\"x\\\"\\} \\n# x\" 101",
        )
        .replace("agents   = [worker]", "agents = []");
    let analysis = analyse_source("lab.infra", &source);
    let artifacts = NixosTarget
        .emit(&analysis.model)
        .unwrap_or_else(|d| panic!("{d:#?}"));
    let hostile = artifacts
        .iter()
        .find(|a| a.path.to_string_lossy().contains("builtins"))
        .unwrap_or_else(|| panic!("no configuration for the hostile guest"));
    assert!(!hostile.path.to_string_lossy().contains(' '));
    assert!(
        hostile
            .contents
            .contains(r#"networking.hostName = "w\"; \${builtins.abort \"x\"} \n# x";"#),
        "{}",
        hostile.contents
    );
}
