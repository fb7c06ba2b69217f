//! Labs that grow in what the standard one does not. `routed`: one NixOS router holding
//! the gateway of every network and serving DHCP and DNS on all of them, with one NixOS
//! machine on each; it grows in networks and in what one router serves. `sites`: many
//! small sites, each with its own domain and allocations. In both the targets and checks
//! once searched the whole lab for each machine, network or site they wrote.

use std::fmt::Write;

/// What both labs declare first: the OS catalogue, a small router box and an
/// administrator.
const HEADER: &str = r#"import "std/os"

chassis box {
  vendor     = "Protectli"
  model      = "VP2420"
  sockets    = 1
  dimm_slots = 1
  max_memory = 16GiB
}

cpu j6412 {
  model   = "Intel Celeron J6412"
  cores   = 4
  threads = 4
}

user alex {
  keys = ["ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIP7SlFQP0PIc7ktR/FlJwdMATJukN54cA9xvroOT0ARk alex@laptop"]
  sudo = true
}
"#;

/// The lab of `networks` networks (at most 65,536), each a /24 of 10.0.0.0/8 with a DHCP
/// range, and `networks + 1` NixOS machines; it checks without a diagnostic.
pub fn routed(networks: usize) -> String {
    let mut s = String::with_capacity(networks * 420 + 1024);
    s.push_str(HEADER);
    s.push_str(
        r#"
site routed {
  domain = "routed.example"
  ipv4   = 10.0.0.0/8
}
"#,
    );
    let mut router = String::from(
        "\nmachine router {\n  hardware = box { cpus = 1 * j6412, dimms = 1 * 16GiB }\n  os       = os.nixos-26_05\n  services = [ssh, kea, unbound]\n",
    );
    for i in 0..networks {
        let (a, b) = (i / 256, i % 256);
        let _ = write!(
            s,
            "\nnetwork n{i} {{\n  ipv4    = 10.{a}.{b}.0/24\n  gateway = 10.{a}.{b}.1\n  dhcp    = 10.{a}.{b}.100..10.{a}.{b}.199\n  dns     = [10.{a}.{b}.1]\n}}\n\nmachine m{i} {{\n  hardware = box {{ cpus = 1 * j6412, dimms = 1 * 8GiB }}\n  os       = os.nixos-26_05\n  nic eth0 {{ network = n{i}, ip = 10.{a}.{b}.10 }}\n  services = [ssh]\n}}\n"
        );
        let _ = writeln!(
            router,
            "  nic eth{i} {{ network = n{i}, ip = n{i}.gateway }}"
        );
    }
    router.push_str("}\n");
    s.push_str(&router);
    s
}

/// A lab of `sites` sites (at most 65,536), each with its own domain, IPv4 and IPv6
/// allocations, one network, a NixOS router serving DHCP and DNS on it and advertising its
/// IPv6 prefix, and one NixOS machine: a lab that grows in sites, each small. It checks
/// without a diagnostic.
pub fn sites(sites: usize) -> String {
    let mut s = String::with_capacity(sites * 800 + 1024);
    s.push_str(HEADER);
    for i in 0..sites {
        let (a, b) = (i / 256, i % 256);
        let _ = write!(
            s,
            "\nsite s{i} {{\n  domain = \"s{i}.example\"\n  ipv4   = 10.{a}.{b}.0/24\n  ipv6   = 2001:db8:{i:x}::/48\n}}\n\nnetwork n{i} {{\n  site     = s{i}\n  ipv4     = 10.{a}.{b}.0/24\n  gateway  = 10.{a}.{b}.1\n  dhcp     = 10.{a}.{b}.100..10.{a}.{b}.199\n  ipv6     = subnet(s{i}.ipv6, 64, 1)\n  gateway6 = host(n{i}.ipv6, 1)\n}}\n\nmachine r{i} {{\n  site     = s{i}\n  hardware = box {{ cpus = 1 * j6412, dimms = 1 * 8GiB }}\n  os       = os.nixos-26_05\n  nic eth0 {{ network = n{i}, ip = n{i}.gateway, ip6 = n{i}.gateway6 }}\n  services = [ssh, kea, unbound]\n}}\n\nmachine m{i} {{\n  site     = s{i}\n  hardware = box {{ cpus = 1 * j6412, dimms = 1 * 8GiB }}\n  os       = os.nixos-26_05\n  nic eth0 {{ network = n{i}, ip = 10.{a}.{b}.10 }}\n  services = [ssh]\n}}\n"
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use infrac_model::roles;

    /// No diagnostic at all, and the router serves DHCP and DNS on every network: the
    /// work the lab is there to measure.
    #[test]
    fn every_site_checks_clean_and_advertises_its_prefix() {
        let analysis = infrac_driver::check_source("sites.infra", &super::sites(30));
        assert!(
            analysis.diagnostics.is_empty(),
            "{:#?}",
            analysis.diagnostics
        );
        let model = &analysis.model;
        assert_eq!(model.sites.len(), 30);
        for i in 0..30u32 {
            let network = infrac_model::NetworkId(i);
            assert!(infrac_model::ipv6::advertiser(model, network).is_some());
            assert!(roles::dhcp_server(model, network).is_some());
        }
    }

    #[test]
    fn the_router_serves_every_network_of_a_clean_lab() {
        let analysis = infrac_driver::check_source("routed.infra", &super::routed(40));
        assert!(
            analysis.diagnostics.is_empty(),
            "{:#?}",
            analysis.diagnostics
        );
        let model = &analysis.model;
        let router = model
            .machines()
            .find(|(_, m)| m.name == "router")
            .map(|(id, _)| id)
            .expect("the router");
        assert_eq!(roles::dhcp_networks(model, router).len(), 40);
        assert_eq!(roles::dns_networks(model, router).len(), 40);
        assert_eq!(model.machines.len(), 41);
    }
}
