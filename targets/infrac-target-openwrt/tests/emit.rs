//! Snapshots of every emitted file (the `openwrt-` build fixtures), the strict UCI reader
//! and the allow-lists on every one of them, the project's UCI validator (`uci.sh`), and
//! dnsmasq itself (`dnsmasq.sh`: `dnsmasq --test`) on what OpenWrt's init script makes
//! of each dhcp file. A missing validator fails the tests.

mod common;

use common::{config, dnsmasq, files, labs, root, uci};
use std::path::PathBuf;
use std::process::Command;

/// Every lab with its emitted files (labs the target refuses are left out).
fn emitted() -> Vec<(String, Vec<(String, String)>)> {
    labs()
        .into_iter()
        .filter_map(|(name, relative)| files(&relative).ok().map(|f| (name, f)))
        .filter(|(_, f)| !f.is_empty())
        .collect()
}

#[test]
fn snapshots() {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        for (snapshot, contents) in
            infrac_testkit::snapshot_entries(&infrac_target_openwrt::OpenwrtTarget, &["openwrt-"])
        {
            insta::assert_snapshot!(snapshot, contents);
        }
    });
}

#[test]
fn orion_has_no_openwrt_router() {
    assert_eq!(files("examples/orion.infra"), Ok(Vec::new()));
}

#[test]
fn every_file_names_its_source() {
    for (name, relative) in labs() {
        let model = common::load(&relative);
        if let Ok(artifacts) =
            infrac_model::Target::emit(&infrac_target_openwrt::OpenwrtTarget, &model)
        {
            infrac_testkit::assert_generated_headers(&artifacts, &model.source, 2);
            assert!(
                artifacts.iter().all(|a| a.path.starts_with("openwrt")),
                "{name}"
            );
        }
    }
}

#[test]
fn every_file_reads_strictly_and_fits_its_allow_list() {
    let schema = uci::schema();
    let mut checked = 0;
    for (lab, files) in emitted() {
        for (path, contents) in &files {
            let file = path.rsplit('/').next().unwrap_or_default();
            let sections = uci::parse(contents).unwrap_or_else(|e| panic!("{lab} {path}: {e}"));
            let problems = uci::check_schema(&schema, file, &sections);
            assert!(
                problems.is_empty(),
                "{lab} {path}:\n{}",
                problems.join("\n")
            );
            checked += 1;
        }
    }
    assert!(
        checked >= 6,
        "expected the files of two routers, checked {checked}"
    );
}

#[test]
fn every_file_passes_uci_sh() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let mut paths: Vec<PathBuf> = Vec::new();
    for (lab, files) in emitted() {
        let artifacts: Vec<infrac_model::Artifact> = files
            .iter()
            .map(|(p, c)| infrac_model::Artifact::new(p, c.clone()))
            .collect();
        paths.extend(infrac_testkit::write_all(&dir.path().join(lab), &artifacts));
    }
    infrac_testkit::validate("uci.sh", &paths);
}

#[test]
fn dnsmasq_accepts_what_each_dhcp_file_becomes() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let mut confs = Vec::new();
    for (lab, relative) in labs() {
        let Ok(files) = files(&relative) else {
            continue;
        };
        let model = common::load(&relative);
        for (id, machine) in model.machines() {
            let Some(dhcp) = config(&files, &machine.name, "dhcp") else {
                continue;
            };
            let network = config(&files, &machine.name, "network").unwrap_or_default();
            let parse = |text: &str| uci::parse(text).unwrap_or_else(|e| panic!("{lab}: {e}"));
            let rendered = dnsmasq::render(&parse(dhcp), &parse(network));
            // The pools OpenWrt computes from start and limit are the lab's ranges.
            for &network_id in infrac_model::roles::dhcp_networks(&model, id) {
                let network = model.network(network_id);
                let range = network.dhcp.map(|r| r.value);
                let computed = rendered
                    .ranges
                    .iter()
                    .find(|(n, _, _)| *n == network.name)
                    .map(|(_, a, b)| (*a, *b));
                assert_eq!(computed, range, "{lab}: the pool of {}", network.name);
            }
            let path = dir
                .path()
                .join(format!("{lab}-{}.dnsmasq.conf", machine.name));
            std::fs::write(&path, rendered.conf).unwrap_or_else(|e| panic!("write: {e}"));
            confs.push(path);
        }
    }
    assert!(
        confs.len() >= 2,
        "expected a dhcp file per router, got {}",
        confs.len()
    );
    infrac_testkit::validate("dnsmasq.sh", &confs);
}

#[test]
fn quotes_in_values_survive_the_round_trip() {
    let (_, files) = emitted()
        .into_iter()
        .find(|(_, f)| f.iter().any(|(p, _)| p.ends_with("/firewall")))
        .unwrap_or_else(|| panic!("no firewall emitted"));
    let firewall = files
        .iter()
        .find(|(p, _)| p.ends_with("/firewall"))
        .map(|(_, c)| c.as_str())
        .unwrap_or_default();
    let sections = uci::parse(firewall).unwrap_or_else(|e| panic!("{e}"));
    assert!(
        sections.iter().any(|s| s.get("name")
            == Some("built-in: DHCP replies to the router's own DHCP client are accepted")),
        "the quote in a built-in rule's name must read back as written"
    );
}

#[test]
fn the_reader_rejects_what_libuci_takes_only_by_accident() {
    let bad = [
        "option proto 'static'\n",
        "config interface 'lan'\n\toption proto 'static\n",
        "config interface 'lan'\n\toption proto static # comment\n",
        "config interface 'lan'; option proto 'static'\n",
        "package network\nconfig interface 'lan'\n",
        "c interface 'lan'\n",
        "config interface 'lan-2'\n",
        "config interface 'lan'\n\toption proto 'static'\n\toption proto 'dhcp'\n",
        "config interface 'lan'\n\toption dns 'a'\n\tlist dns 'b'\n",
        "config interface 'lan'\nconfig interface 'lan'\n",
        "config interface 'lan'\n\toption proto 'stat\x01ic'\n",
        "config interface 'lan'\n\toption proto\n",
        "config interface 'lan'\n\toption proto 'a' 'b'\n",
    ];
    for text in bad {
        assert!(uci::parse(text).is_err(), "accepted: {text:?}");
    }
    let good = "# c\nconfig interface 'lan'\n\toption name 'it'\\''s'\n\tlist dns \"a\\\"b\"\n\tlist dns c\n";
    let sections = uci::parse(good).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(sections[0].get("name"), Some("it's"));
    assert_eq!(sections[0].values("dns"), ["a\"b", "c"]);
    let schema = uci::schema();
    let unknown = uci::parse("config zone\n\toption name 'lan'\n\toption masquerade '1'\n")
        .unwrap_or_default();
    assert_eq!(uci::check_schema(&schema, "firewall", &unknown).len(), 1);
}

#[test]
fn the_validators_reject_broken_files() {
    // Guards the tests above: each validator must fail a file it cannot accept.
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let firewall = dir.path().join("firewall");
    std::fs::write(
        &firewall,
        "config zone\n\toption name 'lan'\n\toption masquerade '1'\n",
    )
    .unwrap_or_else(|e| panic!("write: {e}"));
    let conf = dir.path().join("bad.dnsmasq.conf");
    std::fs::write(&conf, "dhcp-range=set:lan,192.168.1.300,192.168.1.10,12h\n")
        .unwrap_or_else(|e| panic!("write: {e}"));
    for (script, file) in [("uci.sh", &firewall), ("dnsmasq.sh", &conf)] {
        let output = Command::new("bash")
            .arg(root().join("scripts/validators").join(script))
            .arg(file)
            .output()
            .unwrap_or_else(|e| panic!("bash: {e}"));
        assert!(
            !output.status.success(),
            "{script} accepted {}",
            file.display()
        );
    }
}
