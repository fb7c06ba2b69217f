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

/// The body of `function NAME()`.
fn function<'a>(conf: &'a str, name: &str) -> &'a str {
    let head = format!("function {name}()");
    let at = conf
        .find(&head)
        .unwrap_or_else(|| panic!("no {head} in:\n{conf}"));
    &conf[at..conf[at..].find("\n}").map_or(conf.len(), |e| at + e)]
}

#[test]
fn imports_check_prefix_lengths_bogons_and_paths_then_set_the_preference() {
    for (lab, _, conf) in all_configs() {
        for (name, body) in filters(&conf, "import_") {
            let peer = name.trim_start_matches("import_");
            let peer = &peer[..peer.len() - 3];
            if body[0].starts_with("if net != ") && body[0].ends_with("then reject;") {
                // The default route only.
                assert!(body[0].contains("/0"), "{lab} {name}: {body:?}");
            } else {
                assert!(
                    body.iter().any(|l| l.starts_with("reject_unwanted_v")),
                    "{lab} {name}: {body:?}"
                );
                assert!(
                    body.iter()
                        .any(|l| l.starts_with("if net.len < ") && l.contains("|| net.len > ")),
                    "{lab} {name}: no prefix length bounds: {body:?}"
                );
            }
            assert!(
                body.contains(&format!("reject_bad_path_{peer}();").as_str()),
                "{lab} {name}: no path check: {body:?}"
            );
            assert!(
                body.iter().any(|l| l.starts_with("bgp_local_pref = ")),
                "{lab} {name}"
            );
            assert_eq!(body.last(), Some(&"accept;"), "{lab} {name}");
            let path = function(&conf, &format!("reject_bad_path_{peer}"));
            assert!(
                path.contains("if bgp_path.len = 0 then reject;"),
                "{lab}: {path}"
            );
            assert!(path.contains("if bgp_path.len > "), "{lab}: {path}");
        }
        for family in ["v4", "v6"] {
            if conf.contains(&format!("reject_unwanted_{family}();")) {
                let body = function(&conf, &format!("reject_unwanted_{family}"));
                assert!(
                    body.contains(&format!("net ~ BOGONS_{}", family.to_uppercase())),
                    "{lab}"
                );
            }
        }
    }
    let v4 = emit("tests/fixtures/build/router-ipv4-only.infra").unwrap_or_default();
    let upstream = &v4[0].1;
    assert!(
        upstream.contains("if net != 0.0.0.0/0 then {"),
        "accept_default keeps the default route through the path checks:\n{upstream}"
    );
    assert!(upstream.contains("if net ~ OWN_SPACE_V4 then reject;"));
    assert!(upstream.contains("if net.len < 8 || net.len > 24 then reject;"));
}

#[test]
fn orion_learns_only_what_the_site_needs_from_ranked_transits() {
    let orion = &emit("examples/orion.infra").unwrap_or_default()[0].1;
    // The site announces no IPv4: no IPv4 route is learned from a neighbour, so IPv4
    // leaves through the ISP's gateway; there is no IPv4 filter to learn one.
    assert!(!orion.contains("import_transit_1_v4"), "{orion}");
    assert!(!orion.contains("BOGONS_V4"), "{orion}");
    // The IPv6 full table, bounded, with the neighbours ranked primary to tertiary.
    assert_eq!(
        orion.matches("import limit 500000 action restart;").count(),
        3
    );
    for (peer, pref) in [("transit_1", 190), ("transit_2", 180), ("transit_3", 170)] {
        let body = &filters(orion, &format!("import_{peer}_v6"))[0].1;
        assert!(
            body.contains(&format!("bgp_local_pref = {pref};").as_str()),
            "{peer}: {body:?}"
        );
        let path = function(orion, &format!("reject_bad_path_{peer}"));
        assert!(path.contains("if bgp_path.first != 6939 then reject;"));
        assert!(path.contains("if bgp_path ~ BOGON_ASNS then reject;"));
    }
    // The same ranking for the traffic coming in: the less preferred sessions announce a
    // longer path.
    for (peer, prepends) in [("transit_1", 0), ("transit_2", 1), ("transit_3", 2)] {
        let body = &filters(orion, &format!("export_{peer}_v6"))[0].1;
        let found = body
            .iter()
            .filter(|l| **l == "bgp_path.prepend(LOCAL_AS);")
            .count();
        assert_eq!(found, prepends, "{peer}: {body:?}");
    }
    assert!(orion.contains("if net.len < 16 || net.len > 48 then reject;"));
    assert_eq!(orion.matches("ttl security on;").count(), 3);
    assert_eq!(orion.matches("hold time 90;").count(), 3);
    assert_eq!(orion.matches("graceful restart on;").count(), 3);
    // The bogons the issue found missing.
    for bogon in ["2001::/32+", "2001:20::/28+", "3fff::/20+"] {
        assert!(orion.contains(bogon), "{bogon}");
    }
}

#[test]
fn every_default_is_overridable_per_peer() {
    let conf = &emit("tests/fixtures/build/router-bgp-hygiene.infra").unwrap_or_default()[0].1;
    let session = |peer: &str| {
        let at = conf
            .find(&format!("protocol bgp bgp_{peer} {{"))
            .unwrap_or_else(|| panic!("no session {peer}"));
        &conf[at..at + conf[at..].find("\n}").unwrap_or(0)]
    };
    let a = session("transit_a");
    assert!(
        a.contains("bfd on;") && conf.contains("protocol bfd {"),
        "{a}"
    );
    assert!(a.contains("hold time 30;"), "{a}");
    assert!(a.contains("import limit 1200000 action block;"), "{a}");
    assert!(a.contains("next hop address 2001:db8:ffff::2;"), "{a}");
    assert!(conf.contains("if net.len < 19 || net.len > 48 then reject;"));
    let b = session("transit_b");
    assert!(
        b.contains("import none;") && !b.contains("import limit"),
        "{b}"
    );
    assert_eq!(
        filters(conf, "import_transit_b_v4")[0].1[0],
        "if net != 0.0.0.0/0 then reject;"
    );
    let rs = function(conf, "reject_bad_path_route_server");
    assert!(!rs.contains("bgp_path.first"), "{rs}");
    assert!(rs.contains("bgp_path.len > 50"), "{rs}");
    assert!(filters(conf, "import_route_server_v4")[0]
        .1
        .contains(&"bgp_local_pref = 150;"));
    let lab = session("lab");
    assert!(!lab.contains("ttl security"), "{lab}");
    assert!(lab.contains("graceful restart off;"), "{lab}");
    // A peer numbered from private space is cut out of its own bogon set, and only there.
    let own = function(conf, "reject_bad_path_lab");
    assert!(own.contains("bgp_path ~ BOGON_ASNS_LAB"), "{own}");
    assert!(conf.contains("64513..65534,\t# private, RFC 6996"));
    assert!(conf.contains("64512..65534,\t# private, RFC 6996"));
    assert!(conf.contains("if net.len < 8 || net.len > 28 then reject;"));
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
    assert!(orion.contains("protocol bgp bgp_transit_1"));
    let dual = &emit("tests/fixtures/build/router-dual-stack.infra").unwrap_or_default()[0].1;
    let route_server = &dual[dual.find("protocol bgp bgp_route_server").unwrap_or(0)..];
    assert!(route_server.contains("ipv4 {") && !route_server.contains("ipv6 {"));
    assert!(dual.contains("protocol rpki rpki_cache"));
    assert!(dual.contains("roa_check(roa_v6, net, bgp_path.last) = ROA_INVALID"));
    // A multihop session gets no GTSM by default.
    assert!(!route_server.contains("ttl security"));
    assert!(dual.contains("bgp_large_community.add((65010, 0, 100));"));
}

/// An IPv4 session carries the site's IPv6 announcement only while no IPv6 neighbour
/// can: with one, the IPv4 session keeps to IPv4.
#[test]
fn an_ipv6_neighbour_takes_the_ipv6_announcement_off_ipv4_sessions() {
    let model = infrac_testkit::model_of("machines.infra", MACHINES);
    let router = &model.routers[0];
    let families = |name: &str| {
        let peer = router.peers.iter().find(|p| p.name == name);
        peer.map(|p| infrac_model::bgp::session_families(router, p))
    };
    use infrac_model::IpFamily::{Ipv4, Ipv6};
    assert_eq!(families("upstream"), Some(vec![Ipv4, Ipv6]));
    let with_v6 = MACHINES.replace(
        "  peer upstream { neighbor = 203.0.113.1, asn = 64500 }\n",
        "  peer upstream { neighbor = 203.0.113.1, asn = 64500 }\n  peer upstream6 { neighbor = 2001:db8:ffff::1, asn = 64500 }\n",
    );
    let model = infrac_testkit::model_of("machines.infra", &with_v6);
    let router = &model.routers[0];
    assert_eq!(router.peers.len(), 2);
    for (name, expected) in [("upstream", vec![Ipv4]), ("upstream6", vec![Ipv6])] {
        let peer = router.peers.iter().find(|p| p.name == name);
        let found = peer.map(|p| infrac_model::bgp::session_families(router, p));
        assert_eq!(found, Some(expected), "{name}");
    }
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

/// Two upstreams on two links, each numbered from the provider's own space: each IPv4
/// session carries the /48 with the router's address on that neighbour's link as the
/// IPv6 next hop, never the other link's or one inside the announced prefix.
const TWO_LINKS: &str = r#"
site edge { asn = 65010, ipv6 = 2a0e:b107:1::/48 }
network wan-a { uplink = true, ipv4 = 203.0.113.0/29, ipv6 = 2001:db8:a::/64 }
network wan-b { uplink = true, ipv4 = 198.51.100.0/29, ipv6 = 2001:db8:b::/64 }
machine edge {
  os       = os.debian-13
  nic enp1s0 { network = wan-a, ip = 203.0.113.2, ip6 = 2001:db8:a::2 }
  nic enp2s0 { network = wan-b, ip = 198.51.100.2, ip6 = 2001:db8:b::2 }
  services = [bird]
}
bgp on edge {
  asn       = site.asn
  router_id = 203.0.113.2
  announce  = [site.ipv6]
  peer transit-a { neighbor = 203.0.113.1, asn = 64500 }
  peer transit-b { neighbor = 198.51.100.1, asn = 64501 }
}
"#;

#[test]
fn each_peer_gets_the_next_hop_of_its_own_link() {
    let model = infrac_testkit::model_of("two-links.infra", TWO_LINKS);
    let files = infrac_testkit::emit(&BirdTarget, &model);
    let conf = &files
        .iter()
        .find(|a| a.path.ends_with("bird.conf"))
        .expect("a bird.conf")
        .contents;
    let session = |peer: &str| {
        let at = conf
            .find(&format!("protocol bgp bgp_{peer} {{"))
            .unwrap_or_else(|| panic!("no session {peer}"));
        &conf[at..at + conf[at..].find("\n}").unwrap_or(0)]
    };
    let a = session("transit_a");
    let b = session("transit_b");
    assert!(a.contains("next hop address 2001:db8:a::2;"), "{a}");
    assert!(b.contains("next hop address 2001:db8:b::2;"), "{b}");
    assert!(!conf.contains("next hop address 2a0e:b107:1"), "{conf}");
}
