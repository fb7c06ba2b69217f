//! The router advertisements a generated configuration sends, run for real: the radvd
//! configuration is read out of `configuration.nix` (`scripts/validators/nix-embedded.nix`)
//! and started by radvd in a fresh user+network namespace, where every interface it
//! names is one end of a veth pair whose other end plays a host. The hosts must get what
//! their network's `ipv6_mode` promises: a SLAAC address from the prefix and a default
//! route through the router, or (DHCPv6 only) the default route and no SLAAC address.
//! The Kea DHCPv6 settings run the same way, and a DHCPv6 client (ISC dhclient) must get
//! an address from the network's `dhcp6` pool.

mod common;

use common::{analyse, emit, file, root, write_all};
use std::process::Command;

/// The daemon configurations `nix-embedded.nix` reads out of the configuration at `path`.
fn embedded(path: &std::path::Path) -> serde_json::Value {
    let script = root().join("scripts/validators/nix-embedded.nix");
    let output = Command::new("nix-instantiate")
        .args(["--store", "dummy://", "--eval", "--strict", "--json"])
        .arg(&script)
        .arg("--arg")
        .arg("file")
        .arg(path)
        .output()
        .unwrap_or_else(|e| panic!("nix-instantiate is needed for this test: {e}"));
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("nix-embedded.nix prints JSON")
}

/// The radvd.conf text of the configuration at `path`.
fn radvd_config(path: &std::path::Path) -> String {
    embedded(path)["radvd"]
        .as_str()
        .expect("the router's configuration sets services.radvd.config")
        .to_string()
}

/// A daemon from /usr/sbin or /sbin, which are not on every user's PATH.
fn sbin(name: &str) -> String {
    ["/usr/sbin", "/sbin"]
        .into_iter()
        .map(|dir| format!("{dir}/{name}"))
        .find(|p| std::path::Path::new(p).exists())
        .unwrap_or_else(|| {
            panic!("{name} is needed for this test: run scripts/validators/install.sh")
        })
}

/// Runs radvd with `config` in a namespace and returns, per host end (`h-<interface>`),
/// what `ip -6 addr` and `ip -6 route` show there once the first advertisements are in.
fn advertise(config: &str, dir: &std::path::Path) -> String {
    let conf = dir.join("radvd.conf");
    std::fs::write(&conf, config).expect("write radvd.conf");
    let interfaces: Vec<&str> = config
        .lines()
        .filter_map(|l| l.trim().strip_prefix("interface "))
        .filter_map(|l| l.strip_suffix(" {"))
        .collect();
    assert!(!interfaces.is_empty(), "no interface in:\n{config}");
    let radvd = sbin("radvd");
    // The kernel on the host end accepts advertisements even though the namespace
    // forwards (radvd refuses to run on a machine that does not).
    let script = r#"
set -e
conf=$1; radvd=$2; shift 2
sysctl -qw net.ipv6.conf.all.forwarding=1
for i in "$@"; do
  ip link add "$i" type veth peer name "h-$i"
  sysctl -qw "net.ipv6.conf.$i.accept_dad=0" "net.ipv6.conf.h-$i.accept_dad=0"
  sysctl -qw "net.ipv6.conf.h-$i.accept_ra=2"
  ip link set "$i" up
done
chmod 644 "$conf"
"$radvd" -C "$conf" -n -m stderr -p "$conf.pid" 2>/dev/null &
sleep 1
# A host that comes up solicits an advertisement, which radvd answers at once.
for i in "$@"; do ip link set "h-$i" up; done
sleep 4
for i in "$@"; do
  echo "== h-$i"
  ip -6 addr show dev "h-$i" scope global
  ip -6 route show dev "h-$i" default
done
kill $!
"#;
    let output = Command::new("unshare")
        .args(["-rn", "sh", "-c", script, "sh"])
        .arg(&conf)
        .arg(radvd)
        .args(&interfaces)
        .output()
        .unwrap_or_else(|e| panic!("unshare is needed for this test: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

/// The lines `ip` printed for one host end.
fn host<'a>(report: &'a str, interface: &str) -> &'a str {
    let start = report
        .find(&format!("== h-{interface}\n"))
        .unwrap_or_else(|| panic!("no report for {interface}:\n{report}"));
    let rest = &report[start + 1..];
    let end = rest.find("\n== ").map_or(rest.len(), |e| e + 1);
    &rest[..end]
}

#[test]
fn hosts_get_what_each_networks_ipv6_mode_promises() {
    let artifacts = emit(&analyse("tests/fixtures/build/nixos-ipv6-modes.infra"));
    let dir = tempfile::tempdir().expect("temporary folder");
    write_all(dir.path(), &artifacts);
    let path = dir.path().join("nixos/gw/configuration.nix");
    assert!(file(&artifacts, "nixos/gw/configuration.nix").contains("services.radvd"));
    let report = advertise(&radvd_config(&path), dir.path());

    // lan (SLAAC) on ens19 and lab (both) on ens20: an address from the prefix and the
    // router as default route.
    for (interface, prefix) in [("ens19", "2001:db8:0:10:"), ("ens20", "2001:db8:0:20:")] {
        let seen = host(&report, interface);
        assert!(
            seen.contains(&format!("inet6 {prefix}")),
            "{interface}:\n{seen}"
        );
        assert!(seen.contains("default via fe80::"), "{interface}:\n{seen}");
    }
    // lab-only (DHCPv6 only) on ens21: the default route, and no SLAAC address.
    let seen = host(&report, "ens21");
    assert!(seen.contains("default via fe80::"), "ens21:\n{seen}");
    assert!(!seen.contains("inet6 2001:db8:0:30:"), "ens21:\n{seen}");
}

#[test]
fn a_dhcpv6_client_gets_an_address_from_the_pool() {
    let artifacts = emit(&analyse("tests/fixtures/build/nixos-ipv6-modes.infra"));
    let dir = tempfile::tempdir().expect("temporary folder");
    write_all(dir.path(), &artifacts);
    let found = embedded(&dir.path().join("nixos/gw/configuration.nix"));
    let mut settings = found["dhcp6"].clone();
    assert!(
        settings.is_object(),
        "no services.kea.dhcp6.settings: {found}"
    );
    // State goes to the scratch folder: the server identifier and the leases.
    let scratch = dir.path().to_string_lossy().to_string();
    settings["data-directory"] = scratch.clone().into();
    settings["lease-database"]["name"] = format!("{scratch}/dhcp6.leases").into();
    let conf = dir.path().join("kea6.json");
    std::fs::write(&conf, serde_json::json!({ "Dhcp6": settings }).to_string())
        .expect("write kea6.json");
    let interfaces: Vec<String> = settings["interfaces-config"]["interfaces"]
        .as_array()
        .expect("Kea listens on named interfaces")
        .iter()
        .filter_map(|i| i.as_str().map(str::to_string))
        .collect();
    // lab-only (ens21) hands out addresses only by DHCPv6.
    assert!(interfaces.contains(&"ens21".to_string()), "{interfaces:?}");
    let script = r#"
set -e
conf=$1; kea=$2; dir=$3; dhclient=$4; shift 4
for i in "$@"; do
  ip link add "$i" type veth peer name "h-$i"
  sysctl -qw "net.ipv6.conf.$i.accept_dad=0" "net.ipv6.conf.h-$i.accept_dad=0"
  ip link set "$i" up
  ip link set "h-$i" up
done
KEA_PIDFILE_DIR=$dir KEA_LOCKFILE_DIR=$dir "$kea" -c "$conf" > "$dir/kea.log" 2>&1 &
sleep 1
timeout 20 "$dhclient" -6 -1 -lf "$dir/client.leases" -pf "$dir/dhclient.pid" -sf /bin/true h-ens21 \
  > "$dir/dhclient.log" 2>&1 || true
kill $!
cat "$dir/client.leases" 2>/dev/null || cat "$dir/kea.log" "$dir/dhclient.log"
"#;
    let output = Command::new("unshare")
        .args(["-rn", "sh", "-c", script, "sh"])
        .arg(&conf)
        .arg(sbin("kea-dhcp6"))
        .arg(dir.path())
        .arg(sbin("dhclient"))
        .args(&interfaces)
        .output()
        .unwrap_or_else(|e| panic!("unshare is needed for this test: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // The pool of lab-only is host(lab-only.ipv6, 0x1000)..host(lab-only.ipv6, 0x1fff).
    let leased: std::net::Ipv6Addr = stdout
        .split("iaaddr ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("no address leased:\n{stdout}"));
    let first: std::net::Ipv6Addr = "2001:db8:0:30::1000".parse().expect("address");
    let last: std::net::Ipv6Addr = "2001:db8:0:30::1fff".parse().expect("address");
    assert!(
        (first..=last).contains(&leased),
        "{leased} is not from the pool:\n{stdout}"
    );
}
