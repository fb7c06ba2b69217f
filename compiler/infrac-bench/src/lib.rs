//! Synthetic labs for benchmarks: any number of hosts and guests that check clean, so
//! every stage (parsing, analysis, checks, targets) does its full work.

use std::fmt::Write;

mod shapes;
pub use shapes::{routed, sites};

/// The size of a synthetic lab.
#[derive(Debug, Clone, Copy)]
pub struct LabSize {
    pub hosts: usize,
    pub guests_per_host: usize,
    /// How many guest networks the hosts share (at most one per host).
    pub networks: usize,
}

impl LabSize {
    /// Total number of guests.
    pub fn guests(self) -> usize {
        self.hosts * self.guests_per_host
    }

    /// One network per host, each host's guests on its own network.
    pub fn per_host(hosts: usize, guests_per_host: usize) -> LabSize {
        LabSize {
            hosts,
            guests_per_host,
            networks: hosts,
        }
    }

    /// The shape of the published comparison: `guests` VMs on one host per 50 guests
    /// and one network per four hosts (10,000 VMs: 200 hosts, 50 networks).
    pub fn standard(guests: usize) -> LabSize {
        let hosts = guests.div_ceil(50).max(1);
        LabSize {
            hosts,
            guests_per_host: guests / hosts,
            networks: hosts.div_ceil(4),
        }
    }
}

/// `lab` (a [`generate`]d one) with two misspelt attributes in every guest, `corez` and
/// `memroy`: two errors per guest, each with its "did you mean", for measuring what
/// reporting many diagnostics costs.
pub fn misspelt(lab: &str) -> String {
    lab.replace(
        "\n  cores  = ",
        "\n  corez = 1\n  memroy = 2GiB\n  cores  = ",
    )
}

/// `lab` (a [`generate`]d one) with every host renamed from `pveN` to `nodeN`, as an
/// operator renaming hosts might leave it: every guest names a host that is missing, one
/// error per guest, each with its "did you mean" among every machine of the lab.
pub fn renamed_hosts(lab: &str) -> String {
    lab.replace("\nhost pve", "\nhost node")
}

/// `lab` (a [`generate`]d one, of `guests` guests) with an `expect` line for every fourth
/// guest naming it with a typo (`g3-21x`): one error per line, each with its "did you
/// mean" among every machine, most of which look alike.
pub fn misnamed_endpoints(lab: &str, guests: usize) -> String {
    let hosts = LabSize::standard(guests).hosts;
    let mut out = String::with_capacity(lab.len() + guests * 12);
    out.push_str(lab);
    for i in 0..guests / 4 {
        let _ = writeln!(
            out,
            "expect g{}-{}x -> router tcp/22 denied",
            i % hosts,
            i * 7 % 50
        );
    }
    out
}

/// `lab` (a [`generate`]d one) with `rules` more firewall rules on its router, each
/// opening one more port from the first network: the shadowing analysis compares rules
/// with one another, and its cost must grow with the rules, not their square.
pub fn with_rules(lab: &str, rules: usize) -> String {
    let mut extra = String::with_capacity(rules * 40);
    for i in 0..rules {
        let _ = writeln!(extra, "  allow net0 -> router tcp/{}", 1024 + i % 60_000);
    }
    extra.push_str("  masquerade [net0] -> wan\n");
    lab.replacen("  masquerade [net0] -> wan\n", &extra, 1)
}

/// `lab` (a [`generate`]d one) with `peers` more BGP peers on its router, each an IPv4
/// neighbour of an AS of its own among 500: every session's families and filters are
/// written, and their cost must grow with the peers, not their square.
pub fn with_peers(lab: &str, peers: usize) -> String {
    let upstream = "  peer upstream { neighbor = 203.0.113.1, asn = 64500 }\n";
    let mut extra = String::from(upstream);
    for i in 0..peers {
        let _ = writeln!(
            extra,
            "  peer p{i} {{ neighbor = 198.{}.{}.1, asn = {} }}",
            18 + (i >> 8) % 2,
            i & 255,
            65000 + i % 500
        );
    }
    lab.replacen(upstream, &extra, 1)
}

/// `lab` (a [`generate`]d one) with `forwards` port forwards from the uplink, each a port
/// of its own to port 80 of one of the first host's first five guests: forwards to one
/// service repeat one another's accept rule, the case where rules overlap most.
pub fn with_forwards(lab: &str, forwards: usize) -> String {
    let mut extra = String::from("  masquerade [net0] -> wan\n");
    for i in 0..forwards {
        let _ = writeln!(
            extra,
            "  forward wan tcp/{} -> g0-{}:80",
            1024 + i % 60_000,
            i % 5
        );
    }
    lab.replacen("  masquerade [net0] -> wan\n", &extra, 1)
}

/// Generates a lab of `size` that checks clean: every host an R730 with room for its
/// guests, the networks as VLANs on a VLAN-aware bridge of every host, every guest with
/// static IPv4 and IPv6 addresses, plus a router with BGP and a firewall.
pub fn generate(size: LabSize) -> String {
    let mut s = String::with_capacity(size.guests() * 220 + 4096);
    let _ = writeln!(
        s,
        r#"import "std/hardware/dell"
import "std/hardware/intel"

site synth {{
  domain = "synth.example"
  asn    = 64512
  ipv6   = 2001:db8::/32
  naming {{
    vmid.vm  = 100..999999
    vmid.lxc = 1000000..1999999
  }}
}}

network wan {{ bridge = vmbr0, uplink = true }}
"#
    );
    let networks = size.networks.clamp(1, size.hosts.max(1));
    for n in 0..networks {
        let _ = writeln!(
            s,
            r#"network net{n} {{
  bridge  = vmbr1
  vlan    = {vlan}
  ipv4    = 10.{a}.{b}.0/{len}
  gateway = 10.{a}.{b}.1
  ipv6    = subnet(site.ipv6, 64, {n})
}}
"#,
            vlan = n + 2,
            a = n / 64,
            b = (n % 64) * 4,
            len = 22,
        );
    }
    // The hosts sharing a network take turns in its address range.
    let hosts_per_network = size.hosts.div_ceil(networks);
    assert!(
        hosts_per_network * size.guests_per_host + 10 < 1022,
        "a /22 holds 1,021 guests; use more networks"
    );
    for h in 0..size.hosts {
        let _ = writeln!(
            s,
            r#"host pve{h} {{
  hardware = dell.r730 {{ cpus = 2 * intel.xeon_e5_2699_v4, dimms = 24 * 64GiB }}
  reserve    {{ cores = 4, memory = 32GiB }}
  overcommit {{ cpu = 16.0 }}
  nic eno1 {{ speed = 10G }}
  nic eno2 {{ speed = 10G }}
  bridge vmbr0 {{ ports = [eno1] }}
  bridge vmbr1 {{ ports = [eno2], vlan_aware = true }}
  storage local-lvm {{ kind = lvmthin, size = 64TiB }}
}}
"#
        );
        let net = h % networks;
        let turn = h / networks;
        for g in 0..size.guests_per_host {
            let id = 100 + h * size.guests_per_host + g;
            let offset = 10 + turn * size.guests_per_host + g;
            let _ = writeln!(
                s,
                "vm g{h}-{g} {id} on pve{h} {{\n  cores  = 2\n  memory = 2GiB\n  disk   = 32GiB on local-lvm\n  nic net{net} {{ ip = host(net{net}.ipv4, {offset}), ip6 = host(net{net}.ipv6, {offset}) }}\n}}\n"
            );
        }
    }
    let _ = writeln!(
        s,
        r#"vm router 999999 on pve0 {{
  cores  = 4
  memory = 8GiB
  disk   = 32GiB on local-lvm
  nic wan  {{ dhcp = true }}
  nic net0 {{ ip = net0.gateway }}
  services = [bird, node-exporter]
}}

bgp on router {{
  asn       = site.asn
  router_id = net0.gateway
  announce  = [site.ipv6]
  peer upstream {{ neighbor = 203.0.113.1, asn = 64500 }}
}}

firewall on router {{
  policy input   = drop
  policy forward = drop
  allow net0 -> wan
  allow net0 -> router tcp/22, udp/53
  allow wan -> router tcp/179 from bgp.peers
  masquerade [net0] -> wan
}}
"#
    );
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn synthetic_labs_check_clean() {
        let text = generate(LabSize::per_host(3, 20));
        let analysis = infrac_driver::check_source("synth.infra", &text);
        assert!(!analysis.has_errors(), "{:#?}", analysis.diagnostics);
        let text = generate(LabSize::standard(1_000));
        let analysis = infrac_driver::check_source("synth.infra", &text);
        let errors: Vec<String> = analysis
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| d.message.clone())
            .collect();
        assert!(errors.is_empty(), "{errors:#?}");
        assert_eq!(analysis.model.guests().count(), 1_001);
    }

    #[test]
    fn rules_and_forwards_are_added_and_check_clean() {
        let lab = generate(LabSize::per_host(1, 10));
        for text in [with_rules(&lab, 30), with_forwards(&lab, 30)] {
            assert!(text.len() > lab.len() + 30 * 20);
            let analysis = infrac_driver::check_source("synth.infra", &text);
            assert!(!analysis.has_errors(), "{:#?}", analysis.diagnostics);
        }
        let analysis = infrac_driver::check_source("synth.infra", &with_rules(&lab, 30));
        assert_eq!(analysis.model.firewalls[0].rules.len(), 3 + 30);
        let analysis = infrac_driver::check_source("synth.infra", &with_peers(&lab, 30));
        assert!(!analysis.has_errors(), "{:#?}", analysis.diagnostics);
        assert_eq!(analysis.model.routers[0].peers.len(), 1 + 30);
    }

    /// Each misnamed line is one error, suggesting the guest it meant.
    #[test]
    fn misnamed_endpoints_each_suggest_their_guest() {
        let text = misnamed_endpoints(&generate(LabSize::standard(200)), 200);
        let analysis = infrac_driver::check_source("synth.infra", &text);
        let errors: Vec<_> = analysis
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .collect();
        assert_eq!(errors.len(), 50, "{errors:#?}");
        assert_eq!(
            errors[0].message,
            "`g0-0x` is not a zone, a machine, `router` or an address"
        );
        assert_eq!(errors[0].help.as_deref(), Some("did you mean `g0-0`?"));
        assert_eq!(errors[1].help.as_deref(), Some("did you mean `g1-7`?"));
    }
}
