//! Snapshots of every emitted `bird.conf` (ORION and the router fixtures), the real
//! `bird -p` parsing each one (`scripts/validators/bird.sh`; a missing validator fails the
//! test), and the properties the configuration promises.

mod common;

use infrac_target_bird::BirdTarget;
use std::process::Command;

/// The emitted files of a lab, or its rendered target diagnostics.
fn emit(relative: &str) -> Result<Vec<(String, String)>, String> {
    infrac_testkit::lab_files(&BirdTarget, relative)
}

/// A bare-metal NixOS router speaking BGP over its declared ports: the role follows the
/// machine, whatever its platform.
const MACHINES: &str = r#"
site home { asn = 64512, ipv6 = 2001:db8:5100::/48 }
network wan { uplink = true }
network lan {
  ipv4    = 192.168.30.0/24
  gateway = 192.168.30.1
  ipv6    = subnet(site.ipv6, 64, 0x30)
}
machine edge {
  os = nixos("25.05")
  nic enp1s0 { network = wan, dhcp = true }
  nic enp2s0 { network = lan, ip = lan.gateway, ip6 = host(lan.ipv6, 1) }
  nic enp3s0 { speed = 1G }
  services = [bird]
}
bgp on edge {
  asn       = site.asn
  router_id = lan.gateway
  announce  = [site.ipv6]
  peer upstream { neighbor = 203.0.113.1, asn = 64500 }
}
"#;

/// The configurations of [`MACHINES`], by path.
fn machine_configs() -> Vec<(String, String)> {
    let model = infrac_testkit::model_of("machines.infra", MACHINES);
    infrac_testkit::emit(&BirdTarget, &model)
        .into_iter()
        .map(|a| (a.path.to_string_lossy().replace('\\', "/"), a.contents))
        .collect()
}

/// Every emitted configuration, by lab and path.
fn all_configs() -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for (name, relative) in common::labs() {
        if let Ok(files) = emit(&relative) {
            out.extend(files.into_iter().map(|(p, c)| (name.clone(), p, c)));
        }
    }
    out.extend(
        machine_configs()
            .into_iter()
            .map(|(p, c)| ("machines".to_string(), p, c)),
    );
    out
}

#[test]
fn snapshots() {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        for (snapshot, contents) in infrac_testkit::snapshot_entries(&BirdTarget, &["router-"]) {
            insta::assert_snapshot!(snapshot, contents);
        }
    });
}

#[test]
fn labs_without_bgp_get_no_bird_conf() {
    assert_eq!(
        emit("tests/fixtures/build/router-no-bgp.infra"),
        Ok(Vec::new())
    );
    let orion = emit("examples/orion.infra").unwrap_or_default();
    let paths: Vec<&str> = orion.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(paths, ["bird/router/bird.conf"]);
}

#[test]
fn every_bgp_speaker_gets_its_file_whatever_its_platform() {
    let configs = machine_configs();
    let paths: Vec<&str> = configs.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(paths, ["bird/edge/bird.conf"]);
    // The interfaces are the declared ports; a port without a network carries no route.
    assert!(
        configs[0].1.contains("interface \"enp1s0\", \"enp2s0\";"),
        "{}",
        configs[0].1
    );
}

#[test]
fn the_next_hop_limitation_is_reported() {
    let rendered = emit("tests/fixtures/build/router-error-no-next-hop.infra")
        .expect_err("an IPv6 announcement over a multihop IPv4 session cannot be built");
    assert!(rendered.contains("E1001"), "{rendered}");
}

/// The body of each `filter NAME { … }` whose name starts with `prefix`.
fn filters<'a>(conf: &'a str, prefix: &str) -> Vec<(&'a str, Vec<&'a str>)> {
    let mut out = Vec::new();
    let mut lines = conf.lines();
    while let Some(line) = lines.next() {
        let Some(name) = line.strip_prefix("filter ") else {
            continue;
        };
        if !name.starts_with(prefix) {
            continue;
        }
        let body: Vec<&str> = lines
            .by_ref()
            .take_while(|l| *l != "}")
            .map(str::trim)
            .filter(|l| !l.is_empty() && *l != "{")
            .collect();
        out.push((name, body));
    }
    out
}

#[test]
fn exports_accept_only_the_originated_own_prefixes() {
    let configs = all_configs();
    assert!(configs.len() >= 3);
    for (lab, path, conf) in &configs {
        let exports = filters(conf, "export_");
        assert!(!exports.is_empty(), "{lab} {path}: no export filter");
        for (name, body) in exports {
            // Either `reject;` alone, or one guarded block that accepts and then `reject;`.
            assert_eq!(body.last(), Some(&"reject;"), "{lab} {name}: {body:?}");
            let accepts: Vec<usize> = (0..body.len()).filter(|&i| body[i] == "accept;").collect();
            match accepts.as_slice() {
                [] => assert_eq!(body, ["reject;"], "{lab} {name}"),
                [_] => {
                    let guard = body[0];
                    assert!(
                        guard.starts_with("if proto = \"originate_v")
                            && guard.contains("&& net ~ OWN_V")
                            && guard.ends_with("then {"),
                        "{lab} {name}: unguarded accept: {body:?}"
                    );
                }
                _ => panic!("{lab} {name}: several accepts: {body:?}"),
            }
        }
    }
}

#[test]
fn imports_reject_defaults_unless_accepted_and_check_everything_else() {
    for (lab, _, conf) in all_configs() {
        for (name, body) in filters(&conf, "import_") {
            assert!(body[0].starts_with("if net = "), "{lab} {name}: {body:?}");
            assert!(
                body[1].starts_with("reject_unwanted_v"),
                "{lab} {name}: {body:?}"
            );
            assert_eq!(body.last(), Some(&"accept;"), "{lab} {name}");
        }
        for family in ["v4", "v6"] {
            if conf.contains(&format!("reject_unwanted_{family}();")) {
                let function = format!("function reject_unwanted_{family}()");
                let at = conf
                    .find(&function)
                    .unwrap_or_else(|| panic!("{lab}: no {function}"));
                let body = &conf[at..conf[at..].find("\n}").map_or(conf.len(), |e| at + e)];
                assert!(
                    body.contains(&format!("net ~ BOGONS_{}", family.to_uppercase())),
                    "{lab}"
                );
                let limit = if family == "v4" {
                    "net.len > 24"
                } else {
                    "net.len > 48"
                };
                assert!(body.contains(limit), "{lab}: {body}");
            }
        }
    }
    let v4 = emit("tests/fixtures/build/router-ipv4-only.infra").unwrap_or_default();
    assert!(
        v4[0].1.contains("if net = 0.0.0.0/0 then accept;"),
        "accept_default"
    );
    assert!(v4[0].1.contains("if net ~ OWN_SPACE_V4 then reject;"));
}

#[test]
fn secrets_are_included_never_written() {
    let conf = &emit("tests/fixtures/build/router-ipv4-only.infra").unwrap_or_default()[0].1;
    assert!(
        conf.contains("include \"/run/secrets/bird/bgp-upstream.conf\";"),
        "{conf}"
    );
    let statements = conf.lines().filter(|l| !l.trim_start().starts_with('#'));
    assert!(
        statements.clone().all(|l| !l.contains("password")),
        "a password statement leaked:\n{conf}"
    );
}

#[test]
fn sessions_carry_the_families_they_need() {
    let orion = &emit("examples/orion.infra").unwrap_or_default()[0].1;
    // IPv4 neighbours, an IPv6 announcement and no IPv6 neighbour: MP-BGP with an IPv6
    // next hop from the router's WAN address.
    assert_eq!(orion.matches("next hop address 2602:f674::1;").count(), 3);
    let dual = &emit("tests/fixtures/build/router-dual-stack.infra").unwrap_or_default()[0].1;
    let route_server = &dual[dual.find("protocol bgp bgp_route_server").unwrap_or(0)..];
    assert!(route_server.contains("ipv4 {") && !route_server.contains("ipv6 {"));
    assert!(dual.contains("protocol rpki rpki_cache"));
    assert!(dual.contains("roa_check(roa_v6, net, bgp_path.last) = ROA_INVALID"));
    assert!(dual.contains("bgp_large_community.add((65010, 0, 100));"));
}

#[test]
fn every_config_passes_bird() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("no temporary directory: {e}"));
    // The secret files the configurations include, with stand-in passwords.
    let secrets = dir.path().join("secrets");
    std::fs::create_dir_all(&secrets).unwrap_or_else(|e| panic!("{e}"));
    let mut files = Vec::new();
    for (lab, path, conf) in all_configs() {
        let mut conf = conf.replace("/run/secrets/bird/", &format!("{}/", secrets.display()));
        for line in conf.clone().lines() {
            if let Some(file) = line.trim().strip_prefix("include \"") {
                let file = file.trim_end_matches("\";");
                std::fs::write(file, "password \"stand-in\";\n").unwrap_or_else(|e| panic!("{e}"));
            }
        }
        conf.push('\n');
        let file = dir.path().join(format!("{lab}-{}", path.replace('/', "_")));
        std::fs::write(&file, conf).unwrap_or_else(|e| panic!("cannot write: {e}"));
        files.push(file);
    }
    assert!(
        files.len() >= 3,
        "expected a bird.conf per BGP lab, got {}",
        files.len()
    );
    let script = common::root().join("scripts/validators/bird.sh");
    assert!(script.exists(), "validator missing: {}", script.display());
    let output = Command::new("bash")
        .arg(&script)
        .args(&files)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success(),
        "bird rejected a configuration:\n{report}"
    );
    assert_eq!(report.matches("PASS").count(), files.len(), "{report}");
}
