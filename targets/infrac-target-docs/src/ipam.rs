//! The IP plan of a network: who holds which address, and what is still free.

use crate::storage_kind;
use crate::text::push_decimal;
use infrac_model::{roles, GuestKind, Model, Network, NetworkId};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Who holds which address, per network, in address order.
pub type Assigned = Vec<(IpAddr, Vec<String>)>;

/// Every address assigned on each network (indexed like `model.networks`), with who holds
/// it (several holders when an address is shared, e.g. a router's interface that is also
/// the gateway): the gateways, every machine's addresses
/// ([`infrac_model::Machine::addresses`]), the servers of network storage pools and the
/// static DHCP leases. One pass over the machines for all networks: a large lab has
/// hundreds of networks and tens of thousands of machines.
pub fn all_assignments(model: &Model) -> Vec<Assigned> {
    // Listed as found, then sorted once per network: inserting each of a large lab's
    // tens of thousands of addresses into a sorted map cost far more.
    let mut out: Vec<Found> = vec![Found::default(); model.networks.len()];
    let add = |out: &mut Vec<Found>, id: NetworkId, address: IpAddr, who| {
        if let Some(found) = out.get_mut(id.0 as usize) {
            match address {
                IpAddr::V4(a) => found.v4.push((u32::from(a), who)),
                IpAddr::V6(a) => found.v6.push((u128::from(a), who)),
            }
        }
    };
    for (index, network) in model.networks.iter().enumerate() {
        let id = NetworkId(index as u32);
        if let Some(gateway) = &network.gateway {
            add(&mut out, id, IpAddr::V4(gateway.value), "gateway".into());
        }
        if let Some(gateway) = &network.gateway6 {
            add(&mut out, id, IpAddr::V6(gateway.value), "gateway".into());
        }
    }
    for (_, machine) in model.machines() {
        // `NAME (VM 100)` or `host NAME`, written piece by piece: this runs for every
        // machine of the lab.
        let mut who = String::with_capacity(machine.name.len() + 16);
        match &machine.guest {
            Some(guest) => {
                who.push_str(&machine.name);
                who.push_str(match guest.kind {
                    GuestKind::Vm => " (VM ",
                    GuestKind::Lxc => " (LXC ",
                });
                push_decimal(&mut who, guest.vmid.value.0);
                who.push(')');
            }
            None => {
                who.push_str("host ");
                who.push_str(&machine.name);
            }
        }
        let bmc = machine.bmc.as_deref().map(|p| (p.network, p.address.value));
        for (n, address) in machine.each_address() {
            if bmc == Some((n, address.value)) {
                add(&mut out, n, address.value, format!("{who} BMC"));
            } else {
                add(&mut out, n, address.value, who.clone());
            }
        }
        for pool in &machine.storage {
            let Some(server) = pool.server else { continue };
            for (index, network) in model.networks.iter().enumerate() {
                if contains(network, server) {
                    let kind = storage_kind(pool.kind).to_uppercase();
                    add(
                        &mut out,
                        NetworkId(index as u32),
                        server,
                        format!("{kind} server of storage pool {}", pool.name),
                    );
                }
            }
        }
    }
    for (id, lease) in roles::all_leases(model) {
        // A machine's NIC that takes a reserved address by DHCP holds it already.
        let held = lease.machine.is_some_and(|m| {
            model
                .machine(m)
                .addresses()
                .iter()
                .any(|(n, a)| *n == id && a.value == IpAddr::V4(lease.ip.value))
        });
        if !held {
            add(
                &mut out,
                id,
                IpAddr::V4(lease.ip.value),
                format!("{} (static lease, {})", lease.name, lease.mac.value),
            );
        }
    }
    out.into_iter().map(holders_by_address).collect()
}

/// The addresses found on one network with who holds them, as found. IPv4 and IPv6 are
/// kept apart, as integers: a lab's machines list their addresses in order more often
/// than not, and each list then sorts in one pass, where the two interleaved did not.
#[derive(Debug, Clone, Default)]
struct Found {
    v4: Vec<(u32, String)>,
    v6: Vec<(u128, String)>,
}

/// Addresses in order, each with its holders in the order they were found, once each.
fn holders_by_address(mut found: Found) -> Assigned {
    // Stable, so an address's holders keep the order they were found in; IPv4 comes
    // first, as `IpAddr` orders them.
    found.v4.sort_by_key(|(address, _)| *address);
    found.v6.sort_by_key(|(address, _)| *address);
    let mut plan: Assigned = Vec::with_capacity(found.v4.len() + found.v6.len());
    let v4 = (found.v4.into_iter()).map(|(a, who)| (IpAddr::V4(Ipv4Addr::from(a)), who));
    let v6 = (found.v6.into_iter()).map(|(a, who)| (IpAddr::V6(Ipv6Addr::from(a)), who));
    for (address, who) in v4.chain(v6) {
        match plan.last_mut() {
            Some((last, holders)) if *last == address => {
                if !holders.contains(&who) {
                    holders.push(who);
                }
            }
            _ => plan.push((address, vec![who])),
        }
    }
    plan
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
pub fn usage4(network: &Network, assigned: &Assigned) -> Option<Usage4> {
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
        .iter()
        .filter_map(|(a, _)| match a {
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
