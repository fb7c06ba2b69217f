//! Snapshots of every docs page (ORION and the `docs-`, `mermaid-` and `k8s-` fixtures),
//! the Mermaid blocks of every page rendered by the real Mermaid CLI
//! (`scripts/validators/mermaid.sh`; a missing validator fails the test), and every `##`
//! doc comment of a lab found on its pages.

mod common;

use infrac_target_docs::DocsTarget;
use std::collections::BTreeSet;

const FIXTURES: [&str; 3] = ["docs-", "mermaid-", "k8s-"];

#[test]
fn snapshots() {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.bind(|| {
        for (snapshot, contents) in infrac_testkit::snapshot_entries(&DocsTarget, &FIXTURES) {
            insta::assert_snapshot!(snapshot, contents);
        }
    });
}

/// The contents of every ```` ```mermaid ```` block in a Markdown page.
fn mermaid_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match &mut current {
            None if line.trim() == "```mermaid" => current = Some(String::new()),
            Some(block) if line.trim() == "```" => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            Some(block) => {
                block.push_str(line);
                block.push('\n');
            }
            None => {}
        }
    }
    assert!(current.is_none(), "unclosed mermaid block");
    blocks
}

#[test]
fn orion_pages_embed_every_diagram() {
    let pages = common::emit(&DocsTarget, "examples/orion.infra");
    let names: Vec<&str> = pages.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        names,
        [
            "docs/index.md",
            "docs/inventory.md",
            "docs/ip-plan.md",
            "docs/capacity.md",
            "docs/bgp.md",
            "docs/firewall.md"
        ]
    );
    let blocks: Vec<String> = pages.iter().flat_map(|(_, c)| mermaid_blocks(c)).collect();
    for title in [
        "topology",
        "networks and firewall flows",
        "ingress paths",
        "BGP",
    ] {
        assert!(
            blocks
                .iter()
                .any(|b| b.contains(&format!("title: \"orion {title}\""))),
            "no {title} diagram embedded"
        );
    }
}

#[test]
fn every_doc_comment_appears_next_to_its_subject() {
    let mut checked = 0;
    for (_, relative) in common::labs(&FIXTURES) {
        let model = common::load(&relative);
        let pages: String = common::emit(&DocsTarget, &relative)
            .into_iter()
            .map(|(_, c)| c)
            .collect();
        let mut docs: Vec<Option<&str>> = Vec::new();
        docs.extend(model.sites.iter().map(|s| s.doc.as_deref()));
        for (_, machine) in model.machines() {
            docs.push(machine.doc.as_deref());
            // A guest's row has no place for its NICs; every other machine lists them.
            if machine.guest.is_none() {
                docs.extend(machine.nics.iter().map(|n| n.doc.as_deref()));
            }
            docs.extend(machine.bridges.iter().map(|b| b.doc.as_deref()));
            docs.extend(machine.storage.iter().map(|p| p.doc.as_deref()));
            docs.extend(machine.exports.iter().map(|e| e.doc.as_deref()));
        }
        docs.extend(model.networks.iter().map(|n| n.doc.as_deref()));
        docs.extend(model.clusters.iter().map(|c| c.doc.as_deref()));
        docs.extend(model.apps.iter().map(|a| a.doc.as_deref()));
        docs.extend(model.ingresses.iter().map(|i| i.doc.as_deref()));
        for doc in docs.into_iter().flatten() {
            // Table cells join a comment's lines; paragraphs keep them. Either way every
            // line is on the page.
            for line in doc.lines().map(str::trim).filter(|l| !l.is_empty()) {
                assert!(
                    pages.contains(&line.replace('|', "\\|")),
                    "{relative}: doc comment line not in the docs: {line}"
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 40, "only {checked} doc comments were checked");
}

/// Two sites, a Tailscale overlay, a TrueNAS box exporting NFS to a Proxmox node, and a
/// bare-metal Kubernetes node.
const MACHINES: &str = r#"import "std/os"

site home { domain = "home.arpa", ipv4 = 192.168.50.0/23 }
site away { domain = "away.example" }

chassis mini {
  vendor     = "Acme"
  model      = "Mini"
  sockets    = 1
  dimm_slots = 2
  max_memory = 64GiB
}
cpu eight {
  model   = "Eight-core"
  cores   = 8
  threads = 16
}

## The home LAN.
network lan { site = home, bridge = vmbr0, ipv4 = 192.168.50.0/24, gateway = 192.168.50.1 }
## The relative's LAN.
network far { site = away, ipv4 = 192.168.60.0/24, gateway = 192.168.60.1 }
## Every machine's tailnet address.
network tailnet { overlay = tailscale }

## The NAS at the relative's house.
machine nas {
  site        = away
  platform    = truenas
  description = "four disks in RAIDZ1"
  nic enp2s0  { network = far, ip = 192.168.60.5 }
  nic tailnet { ip = 100.81.0.5 }
  storage tank { kind = zfs, size = 8TiB }
  ## Films, mounted by the home node.
  export media { path = "/mnt/tank/media", clients = [tailnet] }
}

## The home node.
host pve {
  site = home
  nic eno1 { speed = 1G }
  bridge vmbr0 { ports = [eno1] }
  address = 192.168.50.10 on lan
  nic tailnet { ip = 100.81.0.10 }
  storage media { kind = nfs, size = 8TiB, server = 100.81.0.5, export = media on nas }
}

## A bare-metal Kubernetes node.
machine node {
  site        = home
  hardware    = mini { cpus = 1 * eight, dimms = 2 * 32GiB }
  os          = os.ubuntu-24_04-server
  description = "k3s on a mini PC"
  nic enp1s0 { network = lan, ip = 192.168.50.20 }
  services   = [ssh, k3s-api, kubelet]
}

cluster k3s {
  servers  = [node]
  pods     = 10.42.0.0/16
  services = 10.43.0.0/16
  reserve  { cores = 1, memory = 2GiB }
}
"#;

/// The pages of [`MACHINES`], by file name.
fn machine_pages() -> Vec<(String, String)> {
    let model = infrac_testkit::model_of("machines.infra", MACHINES);
    infrac_testkit::emit(&DocsTarget, &model)
        .into_iter()
        .map(|a| (a.path.to_string_lossy().replace('\\', "/"), a.contents))
        .collect()
}

fn page<'p>(pages: &'p [(String, String)], name: &str) -> &'p str {
    pages
        .iter()
        .find(|(p, _)| p == name)
        .map(|(_, c)| c.as_str())
        .unwrap_or_else(|| panic!("no page {name}"))
}

#[test]
fn every_machine_is_in_the_inventory_with_its_site_and_description() {
    let pages = machine_pages();
    let inventory = page(&pages, "docs/inventory.md");
    for row in [
        "| Host | Site | Platform | Hardware | CPU | Memory | Address | BMC | Description |",
        "| nas | away | TrueNAS | — | — | — | 192.168.60.5 on far<br>100.81.0.5 on tailnet | — | four disks in RAIDZ1 |",
        "| node | home | bare metal · ubuntu 24.04 | Acme Mini | 1 × Eight-core (8 cores / 16 threads) | 64 GiB (2 × 32 GiB) | 192.168.50.20 on lan | — | k3s on a mini PC |",
        "| enp1s0 on lan | — | — |  |",
        "| tailscale0 on tailnet | — | — |  |",
    ] {
        assert!(inventory.contains(row), "no `{row}` in:\n{inventory}");
    }
    // A lab of one site has no site column.
    let orion = common::emit(&DocsTarget, "examples/orion.infra");
    assert!(page(&orion, "docs/inventory.md").contains("| Host | Platform |"));
}

#[test]
fn storage_shared_between_machines_has_its_own_section() {
    let pages = machine_pages();
    let inventory = page(&pages, "docs/inventory.md");
    let storage = &inventory[inventory.find("## Storage").expect("a storage section")..];
    for row in [
        "| pve | media | nfs | 8 TiB | yes | 100.81.0.5 (nas:/mnt/tank/media) |",
        "| nas | media | /mnt/tank/media | tailnet | read-write | pve pool media |",
    ] {
        assert!(storage.contains(row), "no `{row}` in:\n{storage}");
    }
    // ORION's pools are all local: each host lists its own.
    let orion = common::emit(&DocsTarget, "examples/orion.infra");
    assert!(!page(&orion, "docs/inventory.md").contains("## Storage"));
}

#[test]
fn overlays_and_node_sizes_reach_the_ip_plan_and_the_capacity() {
    let pages = machine_pages();
    let plan = page(&pages, "docs/ip-plan.md");
    assert!(
        plan.contains("| [tailnet](#network-tailnet) | home | tailnet | Tailscale overlay | — | 100.64.0.0/10 |"),
        "{plan}"
    );
    assert!(plan.contains("| Overlay | Tailscale |"), "{plan}");
    assert!(
        plan.contains("| 100.81.0.5 | host nas<br>NFS server of storage pool media |"),
        "{plan}"
    );
    // The bare-metal node offers its 16 threads, less the one core kept per node.
    let capacity = page(&pages, "docs/capacity.md");
    assert!(
        capacity.contains("| CPU (cores) | 15 | 0 | 15 | 0.0% | 0 |"),
        "{capacity}"
    );
    assert!(capacity.contains("| memory | 62 GiB |"), "{capacity}");
}

#[test]
fn every_embedded_diagram_renders() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("no temporary directory: {e}"));
    let mut seen = BTreeSet::new();
    let mut files = Vec::new();
    for (name, relative) in common::labs(&FIXTURES) {
        for (path, contents) in common::emit(&DocsTarget, &relative) {
            for (i, block) in mermaid_blocks(&contents).into_iter().enumerate() {
                // The same diagram embedded twice only needs rendering once.
                if !seen.insert(block.clone()) {
                    continue;
                }
                let stem = path.trim_start_matches("docs/").trim_end_matches(".md");
                let file = dir.path().join(format!("{name}-{stem}-{i}.mmd"));
                std::fs::write(&file, block).unwrap_or_else(|e| panic!("cannot write: {e}"));
                files.push(file);
            }
        }
    }
    // Four per lab, less the BGP diagram of labs without a speaker.
    assert!(
        files.len() >= 14,
        "expected the diagrams of every lab, got {}",
        files.len()
    );
    common::validate("mermaid.sh", &files);
}
