//! A lab of many routed networks: one NixOS router holding the gateway of every network
//! and serving DHCP and DNS on all of them, and one NixOS machine on each. The standard
//! lab grows in guests; this one grows in networks and in what a router serves, where the
//! NixOS and OpenWrt targets once searched every network, and every machine, for each
//! machine and each network they wrote.

use std::fmt::Write;

/// The lab of `networks` networks (at most 65,536), each a /24 of 10.0.0.0/8 with a DHCP
/// range, and `networks + 1` NixOS machines; it checks without a diagnostic.
pub fn routed(networks: usize) -> String {
    let mut s = String::with_capacity(networks * 420 + 1024);
    s.push_str(
        r#"import "std/os"

site routed {
  domain = "routed.example"
  ipv4   = 10.0.0.0/8
}

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

#[cfg(test)]
mod tests {
    use infrac_model::roles;

    /// No diagnostic at all, and the router serves DHCP and DNS on every network: the
    /// work the lab is there to measure.
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
