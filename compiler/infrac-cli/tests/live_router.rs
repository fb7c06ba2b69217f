//! The live router tests: the generated router configuration run for real in network
//! namespaces (`tests/live/*.sh`, which build, check and clean up everything
//! themselves). They need root, BIRD, nftables and iproute2, as CI has them; a missing
//! tool or missing root fails the test rather than skipping it.

use std::path::PathBuf;
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs `tests/live/NAME.sh` with this build of infrac and insists it passes.
fn live(name: &str) {
    let script = root().join(format!("tests/live/{name}.sh"));
    let output = Command::new("bash")
        .arg(&script)
        .arg(env!("CARGO_BIN_EXE_infrac"))
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{name}.sh failed:\n{report}");
    assert!(
        report.contains(&format!("{name}.sh: 0 failures")),
        "{report}"
    );
    println!("{report}");
}

/// The generated bird.conf against four BIRD neighbours announcing good and bad routes.
#[test]
fn bgp_against_real_neighbours() {
    live("bgp");
}

/// The generated ruleset with a client per zone: every zone pair and the router on a
/// set of ports per class, compared with `infrac explain-flow`; NAT, the port forward,
/// neighbour discovery, anti-spoofing, the ping rate limit and the drop counters.
#[test]
fn firewall_against_a_client_per_zone() {
    live("firewall");
}

/// A NixOS BGP router with a session password: the build-time check NixOS runs
/// (`services.bird.preCheckConfig`, then `bird -p -c bird.conf` where the password file
/// does not exist) passes on the generated configuration.
#[test]
fn nixos_checks_bird_conf_with_a_password_include() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("no temporary directory: {e}"));
    let lab = dir.path().join("lab.infra");
    std::fs::write(
        &lab,
        r#"
site edge { asn = 65010, ipv6 = 2a0e:b107:1::/48 }
network wan { uplink = true, ipv4 = 203.0.113.0/29, ipv6 = 2001:db8:ffff::/64 }
machine gw {
  os       = os.nixos-26_05
  nic enp1s0 { network = wan, ip = 203.0.113.2, ip6 = 2001:db8:ffff::2 }
  services = [bird]
}
bgp on gw {
  asn       = site.asn
  router_id = 203.0.113.2
  announce  = [site.ipv6]
  peer upstream { neighbor = 203.0.113.1, asn = 6939, password = secret("bgp-upstream") }
}
"#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let out = dir.path().join("out");
    let built = Command::new(env!("CARGO_BIN_EXE_infrac"))
        .args(["build", "--target", "bird,nixos"])
        .arg(&lab)
        .arg("-o")
        .arg(&out)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let nix = std::fs::read_to_string(out.join("nixos/gw/configuration.nix"))
        .unwrap_or_else(|e| panic!("{e}"));
    // The commands of `preCheckConfig = '' … '';`, as the module runs them.
    let start = nix
        .find("preCheckConfig = ''")
        .unwrap_or_else(|| panic!("no preCheckConfig in:\n{nix}"));
    let body = &nix[start + "preCheckConfig = ''".len()..];
    let commands = &body[..body.find("'';").unwrap_or(body.len())];
    let check = dir.path().join("check");
    std::fs::create_dir_all(&check).unwrap_or_else(|e| panic!("{e}"));
    let conf = out.join("bird/gw/bird.conf");
    let script = format!("set -e\nln -s \"$out\" bird.conf\n{commands}\nbird -p -c bird.conf");
    let run = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .env("out", &conf)
        .current_dir(&check)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        run.status.success(),
        "the NixOS check fails:\n{script}\n{}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    // Without the replacement the same check fails: the include is missing.
    let plain = Command::new("bird")
        .args(["-p", "-c"])
        .arg(&conf)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!plain.status.success());
}
