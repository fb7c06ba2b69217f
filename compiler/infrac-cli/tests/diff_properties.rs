//! Properties of `diff`'s differential reachability, over random firewalls: a lab
//! compared with itself changes nothing, and the flows a change opens and closes are
//! exactly the set differences of what the two firewalls accept, checked packet by
//! packet with the single-packet evaluator (`Policy::decide`), a code path of its own.

use infrac_model::plan::{self, differential, reachability};
use infrac_model::policy::{l4_key, proto, Link, Packet, Policy, Route};
use infrac_model::{IpFamily, Model};
use proptest::prelude::*;
use std::net::IpAddr;

const ZONES: [&str; 3] = ["wan", "lan", "dmz"];
const PORTS: [&str; 5] = ["tcp/22", "tcp/80", "tcp/443", "tcp/8080", "udp/53"];

/// One `allow` or `deny` statement: action, from zone, to zone, ports (none: all).
type Rule = (bool, usize, usize, Vec<usize>);

fn rule() -> impl Strategy<Value = Rule> {
    (
        any::<bool>(),
        0..ZONES.len(),
        0..ZONES.len(),
        proptest::collection::vec(0..PORTS.len(), 0..3),
    )
}

fn lab(rules: &[Rule]) -> String {
    let mut text = String::from(
        "site lab { ipv4 = 10.0.0.0/8 }\n\
         host pve {\n  bridge vmbr0 {}\n  bridge vmbr1 {}\n  bridge vmbr2 {}\n  \
         storage local-lvm { kind = lvmthin, size = 1TiB }\n}\n\
         network wan { bridge = vmbr0, uplink = true }\n\
         network lan { bridge = vmbr1, ipv4 = 10.0.10.0/24, gateway = 10.0.10.1 }\n\
         network dmz { bridge = vmbr2, ipv4 = 10.0.20.0/24, gateway = 10.0.20.1 }\n\
         vm router 200 on pve {\n  cores = 1\n  memory = 1GiB\n  disk = 4GiB on local-lvm\n  \
         nic wan { dhcp = true }\n  nic lan { ip = lan.gateway }\n  nic dmz { ip = dmz.gateway }\n}\n\
         lxc a 1000 on pve {\n  cores = 1\n  memory = 512MiB\n  disk = 4GiB on local-lvm\n  \
         nic lan { ip = 10.0.10.20 }\n}\n\
         lxc b 1001 on pve {\n  cores = 1\n  memory = 512MiB\n  disk = 4GiB on local-lvm\n  \
         nic dmz { ip = 10.0.20.20 }\n}\n\
         firewall on router {\n  policy input = drop\n  policy forward = drop\n",
    );
    for (allow, from, to, ports) in rules {
        let ports: Vec<&str> = ports.iter().map(|p| PORTS[*p]).collect();
        text.push_str(&format!(
            "  {} {} -> {} {}\n",
            if *allow { "allow" } else { "deny" },
            ZONES[*from],
            ZONES[*to],
            ports.join(", ")
        ));
    }
    text.push_str("}\n");
    text
}

fn model(rules: &[Rule]) -> Model {
    infrac_testkit::model_of("lab.infra", &lab(rules))
}

/// Whether the firewall accepts a new connection from `zone` to `address`.
fn accepts(model: &Model, zone: &str, address: IpAddr, protocol: u8, port: u16) -> bool {
    let policy = Policy::compile(model, 0);
    let interface = policy
        .interfaces
        .iter()
        .position(|i| i.zone == zone)
        .expect("every zone has an interface");
    let source: IpAddr = match zone {
        "wan" => "198.51.100.7",
        "lan" => "10.0.10.99",
        _ => "10.0.20.99",
    }
    .parse()
    .expect("an address");
    let out_link = match policy.route(address) {
        Route::Link(l) => Some(l),
        _ => None,
    };
    let packet = Packet {
        in_link: Some(Link::Interface(interface)),
        out_link,
        source,
        destination: address,
        protocol,
        value: port,
        dnat: false,
    };
    policy.decide(&packet).action.accepts()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn a_lab_compared_with_itself_changes_nothing(rules in proptest::collection::vec(rule(), 0..6)) {
        let m = model(&rules);
        prop_assert!(plan::plan(&m, &m).is_empty());
    }

    #[test]
    fn differential_flows_are_the_set_differences(
        before in proptest::collection::vec(rule(), 0..6),
        after in proptest::collection::vec(rule(), 0..6),
    ) {
        let (a, b) = (model(&before), model(&after));
        let changes = differential(&reachability(&a), &reachability(&b));
        for zone in ZONES {
            for (machine, address, own_zone) in [("a", "10.0.10.20", "lan"), ("b", "10.0.20.20", "dmz")] {
                // A machine's own network reaches it without the router.
                if zone == own_zone {
                    continue;
                }
                let address: IpAddr = address.parse().expect("an address");
                for (protocol, port) in [(proto::TCP, 22), (proto::TCP, 443), (proto::TCP, 8080), (proto::TCP, 9999), (proto::UDP, 53), (proto::UDP, 54)] {
                    let was = accepts(&a, zone, address, protocol, port);
                    let now = accepts(&b, zone, address, protocol, port);
                    let key = l4_key(protocol, port);
                    let listed = |opened: bool| changes.iter().any(|c| {
                        c.opened == opened
                            && c.key.from == zone
                            && c.key.to == machine
                            && c.key.family == IpFamily::Ipv4
                            && c.l4.contains(key)
                    });
                    prop_assert_eq!(now && !was, listed(true), "opened {} -> {} {}/{}", zone, machine, protocol, port);
                    prop_assert_eq!(was && !now, listed(false), "closed {} -> {} {}/{}", zone, machine, protocol, port);
                }
            }
        }
    }
}
