//! The IP plan of a network: who holds which address, and what is still free.

use infrac_model::{Model, Network, NetworkId};
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};

/// Every address assigned on one network, with who holds it (several holders when an
/// address is shared, e.g. a router's interface that is also the gateway).
pub fn assignments(model: &Model, id: NetworkId) -> BTreeMap<IpAddr, Vec<String>> {
    let network = model.network(id);
    let mut out: BTreeMap<IpAddr, Vec<String>> = BTreeMap::new();
    let mut add = |address: IpAddr, who: String| {
        let holders = out.entry(address).or_default();
        if !holders.contains(&who) {
            holders.push(who);
        }
    };
    if let Some(gateway) = &network.gateway {
        add(IpAddr::V4(gateway.value), "gateway".into());
    }
    if let Some(gateway) = &network.gateway6 {
        add(IpAddr::V6(gateway.value), "gateway".into());
    }
    for host in &model.hosts {
        if let Some(p) = host.address.filter(|p| p.network == id) {
            add(p.address.value, format!("host {}", host.name));
        }
        if let Some(p) = host.bmc.filter(|p| p.network == id) {
            add(p.address.value, format!("host {} BMC", host.name));
        }
        for pool in &host.storage {
            if let Some(server) = pool.server.filter(|s| contains(network, *s)) {
                let kind = format!("{:?}", pool.kind).to_uppercase();
                add(
                    server,
                    format!("{kind} server of storage pool {}", pool.name),
                );
            }
        }
    }
    for guest in &model.guests {
        for nic in guest.nics.iter().filter(|n| n.network == id) {
            let kind = match guest.kind {
                infrac_model::GuestKind::Vm => "VM",
                infrac_model::GuestKind::Lxc => "LXC",
            };
            let who = format!("{} ({kind} {})", guest.name, guest.vmid.value);
            if let Some(ip) = &nic.ip {
                add(IpAddr::V4(ip.value), who.clone());
            }
            if let Some(ip) = &nic.ip6 {
                add(IpAddr::V6(ip.value), who);
            }
        }
    }
    out
}

fn contains(network: &Network, address: IpAddr) -> bool {
    match address {
        IpAddr::V4(a) => network.ipv4.is_some_and(|p| p.value.contains(&a)),
        IpAddr::V6(a) => network.ipv6.is_some_and(|p| p.value.contains(&a)),
    }
}

/// How an IPv4 prefix is used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Usage4 {
    /// Addresses hosts can use (the prefix minus network and broadcast addresses).
    pub usable: u64,
    /// Static addresses inside the usable range (outside the DHCP range).
    pub fixed: u64,
    /// Addresses in the DHCP range.
    pub dhcp: u64,
    /// Free ranges, inclusive.
    pub free: Vec<(Ipv4Addr, Ipv4Addr)>,
}

impl Usage4 {
    /// Addresses taken, statically or by the DHCP range.
    pub fn used(&self) -> u64 {
        self.fixed + self.dhcp
    }
}

/// The usage of a network's IPv4 prefix, given its assignments.
pub fn usage4(network: &Network, assigned: &BTreeMap<IpAddr, Vec<String>>) -> Option<Usage4> {
    let prefix = network.ipv4?.value;
    let (first, last) = {
        let net = u32::from(prefix.network());
        let broadcast = u32::from(prefix.broadcast());
        if prefix.prefix_len() >= 31 {
            (net, broadcast)
        } else {
            (net + 1, broadcast - 1)
        }
    };
    let dhcp = network
        .dhcp
        .map(|d| {
            (
                u32::from(d.value.0).max(first),
                u32::from(d.value.1).min(last),
            )
        })
        .filter(|(a, b)| a <= b);
    let in_dhcp = |a: u32| dhcp.is_some_and(|(s, e)| (s..=e).contains(&a));
    let fixed: Vec<u32> = assigned
        .keys()
        .filter_map(|a| match a {
            IpAddr::V4(v4) => Some(u32::from(*v4)),
            IpAddr::V6(_) => None,
        })
        .filter(|a| (first..=last).contains(a) && !in_dhcp(*a))
        .collect();
    let mut taken: Vec<(u32, u32)> = fixed.iter().map(|a| (*a, *a)).collect();
    taken.extend(dhcp);
    taken.sort_unstable();
    let mut free = Vec::new();
    let mut next = u64::from(first);
    for (a, b) in taken {
        if u64::from(a) > next {
            free.push((next as u32, a - 1));
        }
        next = next.max(u64::from(b) + 1);
    }
    if next <= u64::from(last) {
        free.push((next as u32, last));
    }
    Some(Usage4 {
        usable: u64::from(last - first) + 1,
        fixed: fixed.len() as u64,
        dhcp: dhcp.map_or(0, |(a, b)| u64::from(b - a) + 1),
        free: free
            .into_iter()
            .map(|(a, b)| (Ipv4Addr::from(a), Ipv4Addr::from(b)))
            .collect(),
    })
}

/// The number of addresses in an IPv6 prefix of this length, as text (`2^64`).
pub fn ipv6_size(prefix_len: u8) -> String {
    format!("2^{}", 128 - u32::from(prefix_len))
}
