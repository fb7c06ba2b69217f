//! The DNS servers a network hands out (W0452): a resolver inside one of the lab's own
//! networks is a machine of the lab, and that machine answers DNS. A typo in `dns`, or a
//! resolver moved to another address, leaves every client of the network without name
//! resolution, and nothing in the generated files says why.
//!
//! Resolvers outside the lab's networks (a provider's, a public one), on uplinks and on
//! overlays (Tailscale's MagicDNS is an address no machine holds) are not the lab's to
//! check. Inside, an address that a static lease or the network's own gateway holds
//! belongs to a device the lab does not describe (a consumer router, a printer), and a
//! machine that declares nothing it runs may run anything: those stay quiet.

use infrac_diagnostics::{Code, Diagnostic};
use infrac_model::listeners::listeners;
use infrac_model::roles::Served;
use infrac_model::{roles, MachineId, Model, NetworkId, OsFamily, Platform, Protocol};
use std::collections::{HashMap, HashSet};
use std::net::IpAddr;

pub fn check(model: &Model, out: &mut Vec<Diagnostic>) {
    // Every resolver a network hands out: the network, the address, its index in `dns`.
    let handed_out: Vec<(NetworkId, IpAddr, usize)> = model
        .networks
        .iter()
        .enumerate()
        .flat_map(|(n, network)| {
            network
                .dns
                .iter()
                .enumerate()
                .map(move |(i, a)| (NetworkId(n as u32), *a, i))
        })
        .collect();
    if handed_out.is_empty() {
        return;
    }
    // Those inside a lab network, with the network they lie in.
    let prefixes = LabPrefixes::of(model);
    let inside: Vec<(NetworkId, IpAddr, usize, NetworkId)> = handed_out
        .into_iter()
        .filter_map(|(n, address, i)| Some((n, address, i, prefixes.network_of(address)?)))
        .collect();
    if inside.is_empty() {
        return;
    }
    let holders = roles::address_holders(model);
    let outside = DevicesOutside::of(model);
    let answering = Answering::of(model);
    for (network_id, address, i, home) in inside {
        let network = model.network(network_id);
        let Some(span) = network.dns_spans.get(i).copied() else {
            continue;
        };
        let Some(&holder) = holders.get(&address) else {
            if outside.holds(address) {
                continue;
            }
            out.push(
                Diagnostic::warning(
                    Code::RESOLVER_UNANSWERED,
                    format!(
                        "network {} hands out {address} as its DNS server, an address nothing in the lab holds",
                        network.name
                    ),
                    span,
                    format!(
                        "no machine on network {} has this address",
                        model.network(home).name
                    ),
                )
                .with_help(answering.help(model, network_id, None)),
            );
            continue;
        };
        if answering.answers(model, holder) != Some(false) {
            continue;
        }
        let machine = model.machine(holder);
        out.push(
            Diagnostic::warning(
                Code::RESOLVER_UNANSWERED,
                format!(
                    "network {} hands out {address} as its DNS server, but {} answers no DNS",
                    network.name, machine.name
                ),
                span,
                format!("{address} is {}", machine.name),
            )
            .with_label(
                machine.name_span,
                format!("nothing on {} listens on udp/53", machine.name),
            )
            .with_help(answering.help(model, network_id, Some(holder))),
        );
    }
}

/// The lab networks (not uplinks, not overlays) by prefix: the first whose prefix holds
/// an address is found by one lookup per prefix length the lab uses, where a pass over
/// the networks per resolver grew with networks × resolvers (4,000 networks, each handing
/// out its router's address: 230 M instructions of a 400 M check).
struct LabPrefixes {
    /// Per prefix length in use, the first network of each prefix, by its first address.
    v4: Vec<(u8, HashMap<u32, u32>)>,
    v6: Vec<(u8, HashMap<u128, u32>)>,
}

impl LabPrefixes {
    fn of(model: &Model) -> LabPrefixes {
        let mut prefixes = LabPrefixes {
            v4: Vec::new(),
            v6: Vec::new(),
        };
        for (i, n) in model.networks.iter().enumerate() {
            if n.uplink || n.overlay.is_some() {
                continue;
            }
            if let Some(p) = n.ipv4 {
                let net = p.value.trunc();
                first_of(
                    &mut prefixes.v4,
                    net.prefix_len(),
                    u32::from(net.network()),
                    i,
                );
            }
            if let Some(p) = n.ipv6 {
                let net = p.value.trunc();
                first_of(
                    &mut prefixes.v6,
                    net.prefix_len(),
                    u128::from(net.network()),
                    i,
                );
            }
        }
        prefixes
    }

    /// The first lab network, in model order, whose prefix holds `address`.
    fn network_of(&self, address: IpAddr) -> Option<NetworkId> {
        let first = match address {
            IpAddr::V4(a) => first_holding(&self.v4, u32::from(a), |len| {
                u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0)
            }),
            IpAddr::V6(a) => first_holding(&self.v6, u128::from(a), |len| {
                u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0)
            }),
        };
        first.map(NetworkId)
    }
}

/// Records network `index` under its prefix, unless an earlier network has that prefix.
fn first_of<K: std::hash::Hash + Eq>(
    by_len: &mut Vec<(u8, HashMap<K, u32>)>,
    len: u8,
    key: K,
    index: usize,
) {
    let at = match by_len.iter().position(|(l, _)| *l == len) {
        Some(at) => at,
        None => {
            by_len.push((len, HashMap::new()));
            by_len.len() - 1
        }
    };
    by_len[at].1.entry(key).or_insert(index as u32);
}

/// The least index among the prefixes of every length that hold `address`.
fn first_holding<K: Copy + std::hash::Hash + Eq + std::ops::BitAnd<Output = K>>(
    by_len: &[(u8, HashMap<K, u32>)],
    address: K,
    mask: impl Fn(u8) -> K,
) -> Option<u32> {
    by_len
        .iter()
        .filter_map(|(len, firsts)| firsts.get(&(address & mask(*len))).copied())
        .min()
}

/// The addresses of things the lab names but does not describe: static leases' devices
/// and networks' gateways (asked only of an address no machine of the lab holds).
struct DevicesOutside(HashSet<IpAddr>);

impl DevicesOutside {
    fn of(model: &Model) -> DevicesOutside {
        let mut held = HashSet::new();
        for n in &model.networks {
            held.extend(n.gateway.map(|g| IpAddr::V4(g.value)));
            held.extend(n.gateway6.map(|g| IpAddr::V6(g.value)));
            held.extend(n.leases.iter().map(|l| IpAddr::V4(l.ip.value)));
        }
        DevicesOutside(held)
    }

    fn holds(&self, address: IpAddr) -> bool {
        self.0.contains(&address)
    }
}

/// What answers DNS on the lab's machines, found once for every resolver asked about.
struct Answering {
    /// Machines with something listening on udp/53 (a service, a Compose service's
    /// published port, a pod on the host network).
    udp53: HashSet<MachineId>,
    /// Machines that declare anything at all they run.
    declaring: HashSet<MachineId>,
    /// The DNS server of each network, by network (`roles::servers`).
    servers: Vec<Option<MachineId>>,
    /// The machines among them.
    serving: HashSet<MachineId>,
}

impl Answering {
    fn of(model: &Model) -> Answering {
        let mut udp53 = HashSet::new();
        let mut declaring = HashSet::new();
        for listener in listeners(model) {
            declaring.insert(listener.machine);
            if listener.port.contains(Protocol::Udp, 53) {
                udp53.insert(listener.machine);
            }
        }
        for (id, machine) in model.machines() {
            if !machine.services.is_empty() {
                declaring.insert(id);
            }
        }
        let servers = roles::servers(model, Served::Dns, &roles::gateway_holders(model));
        let serving = servers.iter().flatten().copied().collect();
        Answering {
            udp53,
            declaring,
            servers,
            serving,
        }
    }

    /// Whether `machine` answers DNS: `None` when the lab cannot tell (it declares
    /// nothing it runs, and infrac does not write its whole configuration).
    fn answers(&self, model: &Model, machine: MachineId) -> Option<bool> {
        let m = model.machine(machine);
        if m.platform == Platform::Openwrt
            || self.serving.contains(&machine)
            || self.udp53.contains(&machine)
        {
            return Some(true);
        }
        let whole = roles::os_family(model, machine) == Some(OsFamily::Nixos);
        (whole || self.declaring.contains(&machine)).then_some(false)
    }

    /// The fix: the address of the machine that answers DNS on the network, when there
    /// is one; else making `holder`, the machine the address belongs to, answer.
    fn help(&self, model: &Model, network: NetworkId, holder: Option<MachineId>) -> String {
        match self.servers.get(network.0 as usize).copied().flatten() {
            Some(server) => {
                let m = model.machine(server);
                let address = m
                    .each_address()
                    .find(|(n, _)| *n == network)
                    .map(|(_, a)| a.value.to_string());
                match address {
                    Some(a) => format!("{} answers DNS here: `dns = [{a}]`", m.name),
                    None => format!("hand out the address of {}, which answers DNS here", m.name),
                }
            }
            None => match holder {
                Some(holder) => format!(
                    "hand out the address of a machine that answers DNS, make {} the network's `dns_server`, or list the resolver it runs (`services = [unbound]`)",
                    model.machine(holder).name
                ),
                None => "hand out the address of a machine that answers DNS, or declare the device that does (`machine … { platform = appliance, services = [dnsmasq] }`)".to_string(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{first_holding, first_of};
    use std::collections::HashMap;
    use std::net::Ipv4Addr;

    /// The first network in model order among all whose prefix holds the address, nested
    /// or not, as a pass over the networks finds it.
    #[test]
    fn the_first_network_holding_an_address_is_found_by_prefix() {
        let nets: [(&str, u8); 5] = [
            ("10.1.2.0", 24),
            ("10.1.0.0", 16),
            ("0.0.0.0", 0),
            ("10.0.0.0", 8),
            ("10.1.2.0", 24),
        ];
        let key = |a: &str| u32::from(a.parse::<Ipv4Addr>().unwrap_or(Ipv4Addr::UNSPECIFIED));
        let mask = |len: u8| u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
        let mut by_len: Vec<(u8, HashMap<u32, u32>)> = Vec::new();
        // In model order, as the check records them; the last repeats the first's prefix.
        for (i, (a, len)) in nets.iter().enumerate() {
            first_of(&mut by_len, *len, key(a), i);
        }
        let scan = |address: u32| {
            nets.iter()
                .position(|(a, len)| address & mask(*len) == key(a))
                .map(|p| p as u32)
        };
        let expected = [Some(0), Some(1), Some(2), Some(2)];
        for (address, want) in ["10.1.2.3", "10.1.9.9", "10.9.9.9", "192.168.1.1"]
            .into_iter()
            .zip(expected)
        {
            let a = key(address);
            assert_eq!(first_holding(&by_len, a, mask), scan(a), "{address}");
            assert_eq!(scan(a), want, "{address}");
        }
    }
}
