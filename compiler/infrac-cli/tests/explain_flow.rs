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

#[test]
fn any_traffic_and_port_ranges() {
    let (status, text) = explain_flow(&["wan", "mgmt", "any"]);
    assert_eq!(status, 1, "{text}");
    assert!(
        text.starts_with("zone wan -> zone mgmt any traffic\n"),
        "{text}"
    );
    assert!(text.ends_with("result: denied\n"), "{text}");
    let (status, text) = explain_flow(&["lan", "mgmt", "tcp/22..443"]);
    assert_eq!(status, 1, "{text}");
    assert!(text.contains("zone lan -> zone mgmt tcp/22..443"), "{text}");
    assert!(text.contains("allowed only in part"), "{text}");
    let (status, text) = explain_flow(&["lan", "mgmt", "tcp/443..22"]);
    assert_eq!(status, 2, "{text}");
}

#[test]
fn an_address_of_the_router_is_the_router() {
    let (status, text) = explain_flow(&["wan", "2602:f674:0:1000::1", "tcp/22"]);
    assert_eq!(status, 1, "{text}");
    assert!(
        text.starts_with("zone wan -> router (2602:f674:0:1000::1) tcp/22\n"),
        "{text}"
    );
    assert!(text.contains("input chain"), "{text}");
}

#[test]
fn every_address_of_the_router_names_it_in_its_own_family() {
    // Its LAN gateway asked from the WAN: only IPv4, the input chain, not a forward.
    let (status, text) = explain_flow(&["wan", "192.168.100.1", "tcp/22"]);
    assert_eq!(status, 1, "{text}");
    insta::assert_snapshot!(text);
    // Each static address, IPv4 and IPv6, gives the router's input chain in that family
    // only, as the same flow addressed to `router` does in that family.
    for (address, family) in [
        ("192.168.100.1", "IPv4"),
        ("192.168.200.1", "IPv4"),
        ("192.168.1.1", "IPv4"),
        ("2602:f674::1", "IPv6"),
        ("2602:f674:0:1000::1", "IPv6"),
        ("2602:f674:0:2000::1", "IPv6"),
        ("2602:f674:0:3000::1", "IPv6"),
    ] {
        let (status, text) = explain_flow(&["lan", address, "tcp/22"]);
        assert_eq!(status, 0, "{text}");
        assert!(
            text.starts_with(&format!("zone lan -> router ({address}) tcp/22\n")),
            "{text}"
        );
        assert!(
            text.contains(&format!("  {family}, input chain (in ens19):")),
            "{text}"
        );
        let other = if family == "IPv4" { "IPv6," } else { "IPv4," };
        assert!(!text.contains(other), "{text}");
    }
}

#[test]
fn loopback_addresses_never_arrive_from_outside() {
    for address in ["127.0.0.1", "127.1.2.3", "::1"] {
        let (status, text) = explain_flow(&["wan", address, "tcp/22"]);
        assert_eq!(status, 1, "{text}");
        assert!(
            text.contains(&format!(
                "result: never reaches the router: {address} is a loopback address"
            )),
            "{text}"
        );
    }
    let (status, text) = explain_flow(&["router", "::1", "tcp/22"]);
    assert_eq!(status, 0, "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn the_uplinks_dhcp_address_is_router_at_wan() {
    let (status, text) = explain_flow(&["wan", "router@wan", "tcp/443"]);
    assert_eq!(
        status, 1,
        "forwarded, and dropped when addressed directly:\n{text}"
    );
    insta::assert_snapshot!(text);
    // The router's own name works too, and so does another network's address set.
    let (status, text) = explain_flow(&["lan", "router@mgmt", "tcp/22"]);
    assert_eq!(status, 0, "{text}");
    assert!(
        text.starts_with("zone lan -> router (192.168.1.1, 2602:f674:0:3000::1) tcp/22\n"),
        "{text}"
    );
    let (status, text) = explain_flow(&["lan", "router@wann", "tcp/22"]);
    assert_eq!(status, 2, "{text}");
    assert!(text.contains("did you mean `router@wan`?"), "{text}");
    let (status, text) = explain_flow(&["lan", "pve@mgmt", "tcp/22"]);
    assert_eq!(status, 2, "{text}");
    assert!(text.contains("`pve` is not the router"), "{text}");
}

#[test]
fn flows_inside_one_network_do_not_pass_the_router() {
    let (status, text) = explain_flow(&["netbox", "nginx-proxy-manager", "tcp/22"]);
    assert_eq!(status, 0, "{text}");
    insta::assert_snapshot!(text);
    for (src, dst) in [
        ("lan", "lan"),
        ("192.168.200.10", "guest"),
        ("mgmt", "192.168.1.10"),
    ] {
        let (status, text) = explain_flow(&[src, dst, "tcp/22"]);
        assert_eq!(status, 0, "{text}");
        assert!(text.contains("result: does not pass the router"), "{text}");
        assert!(!text.contains("denied"), "{text}");
    }
    // Two zones are still filtered.
    let (status, text) = explain_flow(&["guest", "lan", "tcp/22"]);
    assert_eq!(status, 1, "{text}");
    assert!(!text.contains("does not pass"), "{text}");
}
