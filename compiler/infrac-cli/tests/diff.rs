//! `infrac diff` between two versions of a small lab, one snapshot per kind of change
//! (firewall flows, BGP, Proxmox guests, moves), the JSON format, the exit statuses,
//! `--rev` against a Git revision, the apply order and `--from`.

use std::path::Path;
use std::process::Command;

const BASE: &str = r#"site lab {
  domain = "lab.home.arpa"
  asn    = 64512
  ipv4   = 10.0.0.0/8
  ipv6   = 2001:db8::/48
}

user admin {
  keys = ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIP7COYMWrf401DE3W55CwwxpsZajGrXE1oKpFSQDUtCC admin@lab"]
  sudo = true
}

host pve {
  bridge vmbr0 {}
  bridge vmbr1 {}
  storage local-lvm { kind = lvmthin, size = 1TiB }
  address  = 10.0.10.2 on lan
  services = [ssh]
}

network wan { bridge = vmbr0, uplink = true }
network lan { bridge = vmbr1, ipv4 = 10.0.10.0/24, gateway = 10.0.10.1 }

vm router 200 on pve {
  os       = nixos("26.05")
  cores    = 1
  memory   = 1GiB
  disk     = 4GiB on local-lvm
  nic wan { dhcp = true }
  nic lan { ip = lan.gateway }
  services = [ssh]
}

vm netbox 500 on pve {
  os       = nixos("26.05")
  cores    = 2
  memory   = 4GiB
  disk     = 32GiB on local-lvm
  nic lan { ip = 10.0.10.50 }
  services = [ssh, https]
}

bgp on router {
  asn       = site.asn
  router_id = lan.gateway
  announce  = [site.ipv6]
  peer transit { neighbor = 203.0.113.1, asn = 64496 }
}

firewall on router {
  policy input   = drop
  policy forward = drop
  allow lan -> wan
  allow lan -> router tcp/22
  allow wan -> router tcp/179 from bgp.peers
}
"#;

/// Writes BASE and BASE with `changes` applied (each `(from, to)` must occur), runs
/// `infrac diff` on them with `extra` arguments; returns the status and the output.
fn diff(changes: &[(&str, &str)], extra: &[&str]) -> (i32, String) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let mut after = BASE.to_string();
    for (from, to) in changes {
        assert!(after.contains(from), "`{from}` is not in the lab");
        after = after.replacen(from, to, 1);
    }
    std::fs::write(dir.path().join("before.infra"), BASE).expect("written");
    std::fs::write(dir.path().join("after.infra"), after).expect("written");
    run(
        dir.path(),
        &[&["diff", "before.infra", "after.infra"], extra].concat(),
    )
}

fn run(dir: &Path, args: &[&str]) -> (i32, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_infrac"))
        .current_dir(dir)
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

/// The report without the file diffs, which the kind-specific snapshots do not need.
fn meaning(text: &str) -> String {
    text.split("\n== ").next().unwrap_or(text).to_string()
}

#[test]
fn a_lab_against_itself_is_no_change() {
    let (status, text) = diff(&[], &[]);
    assert_eq!(status, 0, "{text}");
    assert_eq!(
        text,
        "infrac diff: before.infra -> after.infra\nno changes\n"
    );
}

#[test]
fn a_new_rule_opens_flows_and_shows_the_ruleset_diff() {
    let (status, text) = diff(
        &[(
            "  allow lan -> wan\n",
            "  allow lan -> wan\n  allow wan -> lan tcp/22\n",
        )],
        &[],
    );
    assert_eq!(status, 1, "{text}");
    assert!(
        text.contains("opens  wan -> netbox (10.0.10.50) tcp/22 (IPv4)"),
        "{text}"
    );
    // The meaning, the files grouped by machine, and the ruleset lines that change; the
    // rest of each hunk follows the targets' layout and is left out.
    let outline: Vec<&str> = text
        .lines()
        .filter(|l| {
            l.starts_with("== ")
                || l.starts_with("-- ")
                || l.starts_with("--- ")
                || l.starts_with("+++ ")
                || ((l.starts_with('+') || l.starts_with('-')) && l.contains("dport 22"))
        })
        .collect();
    insta::assert_snapshot!(format!("{}\n{}", meaning(&text), outline.join("\n")));
}

#[test]
fn a_removed_rule_closes_flows() {
    let (status, text) = diff(&[("  allow lan -> router tcp/22\n", "")], &[]);
    assert_eq!(status, 1, "{text}");
    insta::assert_snapshot!(meaning(&text));
}

#[test]
fn bgp_prefixes_and_peers() {
    let (status, text) = diff(
        &[
            ("announce  = [site.ipv6]", "announce  = [subnet(site.ipv6, 56, 0)]"),
            ("peer transit { neighbor = 203.0.113.1, asn = 64496 }", "peer transit { neighbor = 203.0.113.1, asn = 64496 }\n  peer backup { neighbor = 203.0.113.9, asn = 64497 }"),
        ],
        &[],
    );
    assert_eq!(status, 1, "{text}");
    insta::assert_snapshot!(meaning(&text));
}

#[test]
fn proxmox_guests_created_resized_and_refused() {
    let (status, text) = diff(
        &[
            ("  memory   = 4GiB\n  disk     = 32GiB", "  memory   = 8GiB\n  disk     = 16GiB"),
            (
                "bgp on router",
                "vm wiki 501 on pve {\n  os       = nixos(\"26.05\")\n  cores    = 1\n  memory   = 2GiB\n  disk     = 8GiB on local-lvm\n  nic lan { ip = 10.0.10.51 }\n  services = [ssh]\n}\n\nbgp on router",
            ),
        ],
        &[],
    );
    assert_eq!(status, 1, "{text}");
    assert!(text.contains("REFUSED: disk shrink"), "{text}");
    insta::assert_snapshot!(meaning(&text));
}

#[test]
fn a_destroyed_guest() {
    let start = BASE.find("vm netbox").expect("netbox");
    let end = start + BASE[start..].find("\n}\n").expect("its end") + 3;
    let (status, text) = diff(&[(&BASE[start..end], "")], &[]);
    assert_eq!(status, 1, "{text}");
    insta::assert_snapshot!(meaning(&text));
}

#[test]
fn addresses_dns_names_and_vmids_that_move() {
    let (status, text) = diff(
        &[
            ("vm netbox 500", "vm netbox 510"),
            ("ip = 10.0.10.50", "ip = 10.0.10.60"),
        ],
        &[],
    );
    assert_eq!(status, 1, "{text}");
    insta::assert_snapshot!(meaning(&text));
}

#[test]
fn json_for_ci() {
    let (status, text) = diff(
        &[("  memory   = 4GiB", "  memory   = 6GiB")],
        &["--format", "json"],
    );
    assert_eq!(status, 1, "{text}");
    let value: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(value["guests"][0]["guest"], "netbox");
    assert_eq!(value["guests"][0]["restart"], true);
    assert_eq!(value["order"][0]["machine"], "netbox");
    assert!(value["files"].as_array().is_some_and(|f| !f.is_empty()));
    assert!(value["flows"].as_array().is_some_and(Vec::is_empty));
}

#[test]
fn errors_exit_2() {
    let (status, text) = diff(&[("memory   = 4GiB", "memory   = lots")], &[]);
    assert_eq!(status, 2, "{text}");
    assert!(text.contains("after.infra has errors"), "{text}");
    let (status, text) = diff(&[], &["--format", "yaml"]);
    assert_eq!(status, 2, "{text}");
}

#[test]
fn routers_go_first_and_hypervisors_last() {
    let (status, text) = diff(
        &[
            (
                "  address  = 10.0.10.2 on lan",
                "  address  = 10.0.10.3 on lan",
            ),
            (
                "  allow lan -> router tcp/22\n",
                "  allow lan -> router tcp/22, tcp/53\n",
            ),
            ("  memory   = 4GiB", "  memory   = 6GiB"),
        ],
        &[],
    );
    assert_eq!(status, 1, "{text}");
    let order = text.split("apply order:\n").nth(1).expect("an order");
    let router = order.find("router").expect("router");
    let netbox = order.find("netbox").expect("netbox");
    let pve = order.find("pve").expect("pve");
    assert!(router < netbox && netbox < pve, "{order}");
}

#[test]
fn a_change_that_cuts_off_the_operator_is_flagged() {
    let (status, text) = diff(
        &[("  allow lan -> router tcp/22\n", "")],
        &["--from", "lan"],
    );
    assert_eq!(status, 1, "{text}");
    assert!(
        text.contains("router becomes unreachable on tcp/22 (firewall of router)"),
        "{text}"
    );
    let (_, text) = diff(
        &[("  allow lan -> router tcp/22\n", "")],
        &["--from", "nowhere"],
    );
    assert!(text.contains("--from: `nowhere` is not"), "{text}");
}

#[test]
fn against_a_git_revision_with_its_imports() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .current_dir(dir.path())
            .args(["-c", "user.name=t", "-c", "user.email=t@example.org"])
            .args(args)
            .output()
            .expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let (head, tail) = BASE.split_at(BASE.find("bgp on router").expect("bgp"));
    std::fs::create_dir(dir.path().join("parts")).expect("a folder");
    std::fs::write(dir.path().join("parts/routing.infra"), tail).expect("written");
    std::fs::write(
        dir.path().join("lab.infra"),
        format!("import \"parts/routing.infra\"\n{head}"),
    )
    .expect("written");
    git(&["init", "-q"]);
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "lab"]);
    let (status, text) = run(dir.path(), &["diff", "--rev", "HEAD", "lab.infra"]);
    assert_eq!(status, 0, "{text}");
    // A change in the imported file, not yet committed.
    let changed = tail.replace(
        "allow lan -> wan",
        "allow lan -> wan\n  allow wan -> lan tcp/443",
    );
    std::fs::write(dir.path().join("parts/routing.infra"), changed).expect("written");
    let (status, text) = run(dir.path(), &["diff", "--rev", "HEAD", "lab.infra"]);
    assert_eq!(status, 1, "{text}");
    assert!(
        text.starts_with("infrac diff: lab.infra at HEAD -> lab.infra\n"),
        "{text}"
    );
    assert!(
        text.contains("opens  wan -> netbox (10.0.10.50) tcp/443 (IPv4)"),
        "{text}"
    );
    let (status, text) = run(dir.path(), &["diff", "--rev", "no-such-rev", "lab.infra"]);
    assert_eq!(status, 2, "{text}");
}
