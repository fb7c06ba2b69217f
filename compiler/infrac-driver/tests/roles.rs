//! The DHCP and DNS roles found in one pass (`roles::servers`, and what the model keeps
//! of it: `roles::dhcp_server`, `roles::dns_server`, `roles::dhcp_networks`,
//! `roles::dns_networks`) agree with the per-network definition (`roles::server`, which
//! asks `gateway_holder` network by network), and the IPv6 gateway holders the model
//! keeps (`ipv6::gateway6_holder`) with a search of the machines, and the DNS records
//! under a domain (`dns::records_under`) with a filter of every record, on every example
//! and every fixture, whether it checks clean or not.

use infrac_model::roles::{self, Served};
use infrac_model::{MachineId, NetworkId};
use infrac_testkit::{analyse_source, examples, infra_files, root};

fn labs() -> Vec<String> {
    let mut labs = examples();
    for folder in ["build", "check", "sema"] {
        labs.extend(infra_files(&format!("tests/fixtures/{folder}")));
    }
    labs
}

#[test]
fn roles_found_at_once_agree_with_roles_found_one_network_at_a_time() {
    let mut served = 0;
    let mut holders6 = 0;
    let mut records = 0;
    for lab in labs() {
        let text = std::fs::read_to_string(root().join(&lab)).expect("read the lab");
        let model = analyse_source(&lab, &text).model;
        let holders = roles::gateway_holders(&model);
        let networks: Vec<NetworkId> = (0..model.networks.len())
            .map(|i| NetworkId(i as u32))
            .collect();
        for (n, holder) in networks.iter().zip(&holders) {
            assert_eq!(
                *holder,
                roles::gateway_holder(&model, *n),
                "{lab}: gateway holder"
            );
        }
        for n in &networks {
            // The IPv6 gateway's holder, by its definition: the first machine, and its
            // first NIC, holding the address on the network.
            let gateway6 = model.network(*n).gateway6.map(|g| g.value);
            let scanned = gateway6.and_then(|gateway| {
                model.machines().find_map(|(id, m)| {
                    m.attached()
                        .find(|(_, nic, on)| on == n && nic.ip6.map(|ip| ip.value) == Some(gateway))
                        .map(|(index, _, _)| (id, index))
                })
            });
            assert_eq!(
                infrac_model::ipv6::gateway6_holder(&model, *n),
                scanned,
                "{lab}: IPv6 gateway holder"
            );
            holders6 += usize::from(scanned.is_some());
        }
        // The records under a domain, by the definition: every record whose name ends
        // with `.DOMAIN`, for each site's domain and each suffix of a record's name.
        let all = infrac_model::dns::records(&model);
        let mut domains: Vec<String> = model
            .sites
            .iter()
            .filter_map(|s| s.domain.clone())
            .collect();
        domains.extend(all.iter().flat_map(|r| {
            r.name
                .match_indices('.')
                .map(|(dot, _)| r.name[dot + 1..].to_string())
                .collect::<Vec<_>>()
        }));
        domains.push("nowhere.example".into());
        for domain in &domains {
            let suffix = format!(".{domain}");
            let filtered: Vec<_> = all.iter().filter(|r| r.name.ends_with(&suffix)).collect();
            let kept: Vec<_> = infrac_model::dns::records_under(&model, domain).collect();
            assert_eq!(kept, filtered, "{lab}: records under {domain}");
            records += kept.len();
        }
        for service in [Served::Dhcp, Served::Dns] {
            let all = roles::servers(&model, service, &holders);
            let one: Vec<Option<MachineId>> = networks
                .iter()
                .map(|n| roles::server(&model, *n, service))
                .collect();
            assert_eq!(all, one, "{lab}: {service:?} servers");
            let kept: Vec<Option<MachineId>> = networks
                .iter()
                .map(|n| match service {
                    Served::Dhcp => roles::dhcp_server(&model, *n),
                    Served::Dns => roles::dns_server(&model, *n),
                })
                .collect();
            assert_eq!(kept, one, "{lab}: {service:?} servers kept in the model");
            served += all.iter().flatten().count();
            for (id, _) in model.machines() {
                let by_machine = match service {
                    Served::Dhcp => roles::dhcp_networks(&model, id),
                    Served::Dns => roles::dns_networks(&model, id),
                };
                let by_network: Vec<NetworkId> = networks
                    .iter()
                    .copied()
                    .filter(|n| one[n.0 as usize] == Some(id))
                    .collect();
                assert_eq!(
                    by_machine, by_network,
                    "{lab}: {service:?} networks of a machine"
                );
            }
        }
    }
    // The labs must exercise the roles, or the comparison proves nothing.
    assert!(
        served >= 10,
        "only {served} served networks across the labs"
    );
    assert!(
        holders6 >= 5,
        "only {holders6} IPv6 gateways held across the labs"
    );
    assert!(
        records >= 100,
        "only {records} records under domains across the labs"
    );
}
