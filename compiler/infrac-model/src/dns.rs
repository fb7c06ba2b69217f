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
/// Derived once per model: every resolver's configuration reads them, and a lab with
/// many resolvers made them again for each.
pub fn records(model: &Model) -> &[Record] {
    &kept(model).all
}

/// The records whose name ends with `.DOMAIN` (a site's own names and those of any
/// domain under it), in the order of [`records`]. Each resolver's configuration lists
/// its site's names; picking them out of every record of the lab, resolver by resolver,
/// grew with resolvers × machines (4,000 sites with a resolver each: 32 million
/// comparisons).
pub fn records_under<'m>(model: &'m Model, domain: &str) -> impl Iterator<Item = &'m Record> {
    let kept = kept(model);
    let under = kept.under.get_or_init(|| by_suffix(&kept.all));
    under
        .get(domain)
        .into_iter()
        .flatten()
        .map(|&i| &kept.all[i as usize])
}

/// The lab's records, and which of them lie under each domain, found on first use.
#[derive(Debug, Clone, Default)]
pub(crate) struct Records {
    all: Vec<Record>,
    under: std::sync::OnceLock<std::collections::HashMap<String, Vec<u32>>>,
}

fn kept(model: &Model) -> &Records {
    model.derived.records.get_or_init(|| Records {
        all: derive(model),
        under: std::sync::OnceLock::new(),
    })
}

/// Each record under every `D` its name ends with `.D`: the text after each of the
/// name's dots. That is exactly where `name.ends_with(".D")` holds, dots in a machine's
/// name included.
fn by_suffix(records: &[Record]) -> std::collections::HashMap<String, Vec<u32>> {
    let mut under: std::collections::HashMap<String, Vec<u32>> = std::collections::HashMap::new();
    for (i, record) in records.iter().enumerate() {
        for (dot, _) in record.name.match_indices('.') {
            let suffix = &record.name[dot + 1..];
            match under.get_mut(suffix) {
                Some(list) => list.push(i as u32),
                None => {
                    under.insert(suffix.to_string(), vec![i as u32]);
                }
            }
        }
    }
    under
}

fn derive(model: &Model) -> Vec<Record> {
    let mut out: BTreeMap<(String, IpAddr), ()> = BTreeMap::new();
    for machine in &model.machines {
        let Some(domain) = &model.site(machine.site).domain else {
            continue;
        };
        let name = machine.name.to_ascii_lowercase();
        for nic in &machine.nics {
            // Overlay addresses are named by the overlay itself (MagicDNS, peers' hosts).
            if nic
                .network
                .is_none_or(|n| model.network(n).overlay.is_some())
            {
                continue;
            }
            for address in [
                nic.ip.map(|a| IpAddr::V4(a.value)),
                nic.ip6.map(|a| IpAddr::V6(a.value)),
            ]
            .into_iter()
            .flatten()
            {
                out.insert((format!("{name}.{domain}"), address), ());
            }
        }
        for p in &machine.addresses {
            if model.network(p.network).overlay.is_none() {
                out.insert((format!("{name}.{domain}"), p.address.value), ());
            }
        }
        if let Some(p) = machine.bmc.as_deref() {
            out.insert((format!("{name}-bmc.{domain}"), p.address.value), ());
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
        model.networks.push(Network::new("lan", SiteId(0), span));
        let mut pve = Machine::new("Pve", Platform::Proxmox, SiteId(0), span);
        pve.addresses.push(Placement {
            address: Spanned::new(
                "10.0.0.2"
                    .parse()
                    .unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED)),
                span,
            ),
            network: NetworkId(0),
        });
        model.machines.push(pve);
        let names: Vec<(String, &str)> = records(&model)
            .iter()
            .map(|r| (r.name.clone(), r.kind()))
            .collect();
        assert_eq!(names, vec![("pve.lab.home.arpa".to_string(), "A")]);
    }
}
