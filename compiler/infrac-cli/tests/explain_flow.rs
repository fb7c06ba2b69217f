//! `infrac explain-flow` on ORION: verdicts with the deciding rule and its location, the
//! zone matrix, exit statuses, and usage errors.

use std::path::Path;
use std::process::Command;

fn workspace_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .and_then(Path::parent)
        .unwrap_or(Path::new("."))
}

/// Runs `infrac explain-flow examples/orion.infra ARGS…` from the workspace root; returns
/// the exit status and stdout followed by stderr.
fn explain_flow(args: &[&str]) -> (i32, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_infrac"))
        .current_dir(workspace_root())
        .arg("explain-flow")
        .arg("examples/orion.infra")
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap_or_else(|e| panic!("cannot run infrac: {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.code().unwrap_or(-1), text)
}

#[test]
fn the_guest_network_cannot_reach_netbox_ssh() {
    let (status, text) = explain_flow(&["guest", "netbox", "tcp/22"]);
    assert_eq!(status, 1, "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn bgp_is_accepted_only_from_the_peers() {
    let (status, text) = explain_flow(&["wan", "router", "tcp/179"]);
    assert_eq!(status, 1, "allowed only in part:\n{text}");
    assert!(
        text.contains("allowed from 206.75.1.47, 206.75.1.48, 206.75.1.127"),
        "{text}"
    );
    insta::assert_snapshot!(text);
}

#[test]
fn the_proxy_is_reachable_through_its_port_forward() {
    let (status, text) = explain_flow(&["wan", "nginx-proxy-manager", "tcp/443"]);
    assert_eq!(status, 0, "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn services_and_addresses_name_the_flow() {
    let (status, text) = explain_flow(&["lan", "mgmt", "ssh"]);
    assert_eq!(status, 0, "{text}");
    // The deciding rule is cited by its position in the example, wherever it is now.
    let source =
        std::fs::read_to_string(workspace_root().join("examples/orion.infra")).unwrap_or_default();
    let line = source
        .lines()
        .position(|l| l.trim_start().starts_with("allow lan") && l.contains("-> mgmt"))
        .map_or(0, |i| i + 1);
    assert!(line > 0, "the example has a lan -> mgmt rule");
    assert!(
        text.contains(&format!("examples/orion.infra:{line}:3")),
        "{text}"
    );
    let (status, text) = explain_flow(&["192.168.100.50", "8.8.8.8", "udp/53"]);
    assert_eq!(status, 0, "{text}");
    assert!(text.contains("allow lan   -> wan"), "{text}");
}

#[test]
fn any_machine_is_an_endpoint_not_only_guests() {
    // The Proxmox host by name: its own address, not its BMC's.
    let (status, text) = explain_flow(&["lan", "pve", "tcp/8006"]);
    assert_eq!(status, 0, "{text}");
    let (_, by_address) = explain_flow(&["lan", "192.168.1.10", "tcp/8006"]);
    assert_eq!(
        text.lines().skip(1).collect::<Vec<_>>(),
        by_address.lines().skip(1).collect::<Vec<_>>()
    );
}

#[test]
fn without_a_flow_it_prints_the_zone_matrix() {
    let (status, text) = explain_flow(&[]);
    assert_eq!(status, 0, "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn unknown_names_and_ports_are_usage_errors() {
    let (status, text) = explain_flow(&["lan", "netbx", "tcp/22"]);
    assert_eq!(status, 2, "{text}");
    assert!(text.contains("did you mean `netbox`?"), "{text}");
    let (status, text) = explain_flow(&["lan", "netbox", "tcp/0"]);
    assert_eq!(status, 2, "{text}");
    let (status, _) = explain_flow(&["lan", "netbox"]);
    assert_eq!(status, 2, "SRC and DST without PORT");
}
