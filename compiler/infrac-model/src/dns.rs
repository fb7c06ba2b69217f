//! DNS records derived from the model: every guest and host under its site's domain.
//!
//! Derived once here so the router's resolver configuration and the generated docs list
//! the same names.

use crate::Model;
use std::collections::BTreeMap;
use std::net::IpAddr;

/// One address record.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Record {
    /// Fully qualified name without the trailing dot (`router.orion.home.arpa`).
    pub name: String,
    pub address: IpAddr,
}

impl Record {
    /// `A` or `AAAA`.
    pub fn kind(&self) -> &'static str {
        if self.address.is_ipv4() {
            "A"
        } else {
            "AAAA"
        }
    }
}

/// Records for every static address in sites that have a domain, sorted by name.
/// Guests get `NAME.DOMAIN`; hosts `NAME.DOMAIN`; a host's BMC `NAME-bmc.DOMAIN`.
pub fn records(model: &Model) -> Vec<Record> {
    let mut out: BTreeMap<(String, IpAddr), ()> = BTreeMap::new();
    for guest in &model.guests {
        let Some(domain) = &model.site(model.host(guest.host).site).domain else {
            continue;
        };
        for nic in &guest.nics {
            for address in [
                nic.ip.map(|a| IpAddr::V4(a.value)),
                nic.ip6.map(|a| IpAddr::V6(a.value)),
            ]
            .into_iter()
            .flatten()
            {
                out.insert(
                    (
                        format!("{}.{domain}", guest.name.to_ascii_lowercase()),
                        address,
                    ),
                    (),
                );
            }
        }
    }
    for host in &model.hosts {
        let Some(domain) = &model.site(host.site).domain else {
            continue;
        };
        if let Some(p) = host.address {
            out.insert(
                (
                    format!("{}.{domain}", host.name.to_ascii_lowercase()),
                    p.address.value,
                ),
                (),
            );
        }
        if let Some(p) = host.bmc {
            out.insert(
                (
                    format!("{}-bmc.{domain}", host.name.to_ascii_lowercase()),
                    p.address.value,
                ),
                (),
            );
        }
    }
    out.into_keys()
        .map(|(name, address)| Record { name, address })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::*;

    #[test]
    fn guests_and_hosts_get_records_under_their_site_domain() {
        let span = Span::default();
        let mut model = Model::default();
        model.sites.push(Site {
            name: "lab".into(),
            doc: None,
            domain: Some("lab.home.arpa".into()),
            domain_span: span,
            asn: None,
            ipv4: None,
            ipv6: None,
            dns: Vec::new(),
            naming: Naming::default(),
            span,
        });
        model.networks.push(Network {
            name: "lan".into(),
            doc: None,
            site: SiteId(0),
            bridge: None,
            vlan: None,
            ipv4: None,
            gateway: None,
            dhcp: None,
            ipv6: None,
            gateway6: None,
            dns: Vec::new(),
            zone: "lan".into(),
            uplink: false,
            span,
        });
        model.hosts.push(Host {
            name: "Pve".into(),
            doc: None,
            site: SiteId(0),
            platform: Platform::Proxmox,
            hardware: None,
            reserve: Reserve::default(),
            overcommit: Overcommit::default(),
            nics: Vec::new(),
            bridges: Vec::new(),
            storage: Vec::new(),
            pci: Vec::new(),
            address: Some(Placement {
                address: Spanned::new(
                    "10.0.0.2"
                        .parse()
                        .unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED)),
                    span,
                ),
                network: NetworkId(0),
            }),
            bmc: None,
            bmc_user: None,
            bmc_password: None,
            span,
        });
        let names: Vec<(String, &str)> = records(&model)
            .iter()
            .map(|r| (r.name.clone(), r.kind()))
            .collect();
        assert_eq!(names, vec![("pve.lab.home.arpa".to_string(), "A")]);
    }
}
