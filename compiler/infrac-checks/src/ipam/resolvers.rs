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
//!
//! A resolver infrac configures also has to admit the network's clients: Unbound on
//! NixOS listens on, and admits, only the networks its machine is the DNS server of;
//! dnsmasq on OpenWrt (`localservice`) answers only the subnets its router has an
//! interface on. OpenWrt's init script turns `localservice` into `--local-service`
//! (openwrt/openwrt `package/network/services/dnsmasq/files/dnsmasq.init`, commit
//! 48615712), which "Accept[s] DNS queries only from hosts whose address is on a local
//! subnet, ie a subnet for which an interface exists on the server" unless
//! `--interface`, `--except-interface`, `--listen-address` or `--auth-server` is given
//! (dnsmasq's manual, `man/dnsmasq.8`, as in pi-hole/dnsmasq commit 93f597e); the
//! OpenWrt target writes none of those.

use infrac_diagnostics::{Code, Diagnostic};
use infrac_model::listeners::{listeners, ListenerKind};
use infrac_model::prefix_index::PrefixIndex;
use infrac_model::roles::Served;
use infrac_model::{roles, MachineId, Model, NetworkId, OsFamily, Platform, Protocol};
use std::collections::HashSet;
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
    let prefixes = lab_prefixes(model);
    let inside: Vec<(NetworkId, IpAddr, usize, NetworkId)> = handed_out
        .into_iter()
        .filter_map(|(n, address, i)| {
            Some((n, address, i, NetworkId(prefixes.first_holding(address)?)))
        })
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
        match answering.answers(model, holder) {
            None => continue,
            Some(true) => {
                if let Some(refusal) = answering.refuses(model, holder, network_id, home) {
                    out.push(refused(
                        model, network_id, address, holder, refusal, &answering, span,
                    ));
                }
                continue;
            }
            Some(false) => {}
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

/// The lab networks (not uplinks, not overlays) by prefix, for the first whose prefix
/// holds each resolver: a pass over the networks per resolver grew with networks ×
/// resolvers (4,000 networks, each handing out its router's address: 230 M instructions
/// of a 400 M check).
fn lab_prefixes(model: &Model) -> PrefixIndex {
    let mut index = PrefixIndex::default();
    for (i, n) in model.networks.iter().enumerate() {
        if n.uplink || n.overlay.is_some() {
            continue;
        }
        for prefix in n.prefixes() {
            index.insert(prefix, i as u32);
        }
    }
    index
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
    /// Machines where something other than their own services listens on udp/53 (a
    /// Compose service, a pod): a resolver infrac does not write.
    others53: HashSet<MachineId>,
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
        let mut others53 = HashSet::new();
        let mut declaring = HashSet::new();
        for listener in listeners(model) {
            declaring.insert(listener.machine);
            if listener.port.contains(Protocol::Udp, 53) {
                udp53.insert(listener.machine);
                if listener.kind != ListenerKind::Service {
                    others53.insert(listener.machine);
                }
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
            others53,
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

    /// Why the resolver infrac writes on `holder` would not answer the clients of
    /// `network` asking it at its address on `home`; `None` when it would, or when the
    /// resolver is not one infrac writes (a Compose service publishing udp/53).
    fn refuses(
        &self,
        model: &Model,
        holder: MachineId,
        network: NetworkId,
        home: NetworkId,
    ) -> Option<Refusal> {
        if self.others53.contains(&holder) {
            return None;
        }
        let m = model.machine(holder);
        if m.platform == Platform::Openwrt {
            let attached = m.attached().any(|(_, _, n)| n == network);
            return (!attached).then_some(Refusal::Remote);
        }
        // On NixOS infrac writes Unbound for the networks the machine serves; a
        // dnsmasq it runs is configured by hand.
        if roles::os_family(model, holder) != Some(OsFamily::Nixos) || m.runs("dnsmasq") {
            return None;
        }
        let served = roles::dns_networks(model, holder);
        let serves = |n: NetworkId| served.binary_search(&n).is_ok();
        if !serves(home) {
            Some(Refusal::Unheard)
        } else if !serves(network) {
            Some(Refusal::Denied)
        } else {
            None
        }
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

/// Why a resolver infrac writes turns a network's clients away.
#[derive(Clone, Copy)]
enum Refusal {
    /// Unbound does not listen on the address handed out.
    Unheard,
    /// Unbound's access control does not list the network.
    Denied,
    /// dnsmasq answers only the subnets its router is on.
    Remote,
}

fn refused(
    model: &Model,
    network: NetworkId,
    address: IpAddr,
    holder: MachineId,
    refusal: Refusal,
    answering: &Answering,
    span: infrac_diagnostics::Span,
) -> Diagnostic {
    let net = model.network(network);
    let machine = model.machine(holder);
    let served: Vec<&str> = roles::dns_networks(model, holder)
        .iter()
        .map(|n| model.network(*n).name.as_str())
        .collect();
    let why = match refusal {
        Refusal::Unheard => format!(
            "Unbound on {} listens only on its addresses on the networks it is the DNS server of ({})",
            machine.name,
            served.join(", ")
        ),
        Refusal::Denied => format!(
            "Unbound on {} admits only the networks it is the DNS server of ({})",
            machine.name,
            served.join(", ")
        ),
        Refusal::Remote => format!(
            "dnsmasq on {} answers only the subnets it has an interface on",
            machine.name
        ),
    };
    let help = match (refusal, answering.servers.get(network.0 as usize).copied().flatten()) {
        (_, Some(server)) if server != holder => answering.help(model, network, Some(holder)),
        (Refusal::Unheard, _) => match machine
            .each_address()
            .find(|(n, _)| *n == network)
            .map(|(_, a)| a.value)
        {
            Some(own) => format!(
                "hand out the address {} has on {}, where Unbound listens: `dns = [{own}]`",
                machine.name, net.name
            ),
            None => format!(
                "make {} the DNS server of the network the address is on, or hand out the address of a resolver on {}",
                machine.name, net.name
            ),
        },
        (Refusal::Remote, _) => format!(
            "hand out the address of a resolver on {}, or give {} a NIC on it",
            net.name, machine.name
        ),
        _ => format!(
            "make {} the network's DNS server (`dns_server = {}` in network {}), and hand out its address on the network",
            machine.name, machine.name, net.name
        ),
    };
    Diagnostic::warning(
        Code::RESOLVER_UNANSWERED,
        format!(
            "network {} hands out {address} as its DNS server, but {}'s resolver does not answer its clients",
            net.name, machine.name
        ),
        span,
        format!("{address} is {}", machine.name),
    )
    .with_label(machine.name_span, why)
    .with_help(help)
}
