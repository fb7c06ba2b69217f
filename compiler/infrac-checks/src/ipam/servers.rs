//! The DHCP and DNS servers of networks and the static leases they hand out: a named
//! server sits on its network with a static address, a DHCP range has exactly one
//! server, and every MAC address belongs to one interface.

use infrac_diagnostics::{Code, Diagnostic, Span};
use infrac_model::roles::Served;
use infrac_model::{roles, Mac, MachineId, Model, NetworkId, OsFamily, Platform, Protocol};
use std::collections::{BTreeMap, BTreeSet};

/// Runs the server and lease checks.
pub fn check(model: &Model, out: &mut Vec<Diagnostic>) {
    // Only DHCP ranges need the roles, which visit every machine.
    let ranges = model.networks.iter().any(|n| n.dhcp.is_some());
    let roles = ranges.then(|| Roles::of(model));
    for index in 0..model.networks.len() {
        let id = NetworkId(index as u32);
        named_servers(model, id, out);
        servers_run_the_service(model, id, out);
        if let Some(roles) = &roles {
            dhcp_servers(model, roles, id, out);
        }
    }
    macs(model, out);
}

/// Who serves DHCP where, found once for every network: each network's DHCP server and
/// gateway holder, and the machines that would answer DHCP on a network on their own
/// (see [`Roles::unassigned`]), by network.
struct Roles<'m> {
    dhcp: Vec<Option<MachineId>>,
    gateways: Vec<Option<MachineId>>,
    unassigned: BTreeMap<NetworkId, Vec<(MachineId, &'m str, Span)>>,
}

impl<'m> Roles<'m> {
    /// The machines that would answer DHCP on a network on their own: they have a static
    /// IPv4 address there and run a DHCP server, but serve no network by role, so nothing
    /// the lab generates confines them to the networks they are meant for. In machine
    /// order within each network.
    fn of(model: &'m Model) -> Roles<'m> {
        let gateways = roles::gateway_holders(model);
        let dhcp = roles::servers(model, Served::Dhcp, &gateways);
        let serving: BTreeSet<MachineId> = dhcp.iter().flatten().copied().collect();
        let mut unassigned: BTreeMap<NetworkId, Vec<(MachineId, &str, Span)>> = BTreeMap::new();
        for (id, m) in model.machines() {
            let Some((name, span)) = dhcp_service(model, id) else {
                continue;
            };
            if serving.contains(&id) {
                continue;
            }
            let placed = m
                .addresses
                .iter()
                .filter(|p| p.address.value.is_ipv4())
                .map(|p| p.network);
            let on_nics = m
                .attached()
                .filter(|(_, nic, _)| !nic.dhcp && nic.ip.is_some())
                .map(|(_, _, n)| n);
            let networks: BTreeSet<NetworkId> = placed.chain(on_nics).collect();
            for n in networks {
                unassigned.entry(n).or_default().push((id, name, span));
            }
        }
        Roles {
            dhcp,
            gateways,
            unassigned,
        }
    }
}

/// How a machine is on a network, for serving it.
enum Presence {
    /// With a static address of the wanted family.
    Static,
    /// Through a NIC that takes its address by DHCP.
    Dhcp(Span),
    /// Not at all, or without an address of the wanted family.
    Absent,
}

/// How a machine is on a network: with a static address (IPv4 only when `v4_only`), by
/// DHCP, or not at all.
fn presence(model: &Model, machine: MachineId, network: NetworkId, v4_only: bool) -> Presence {
    let m = model.machine(machine);
    let placed = m
        .addresses
        .iter()
        .any(|p| p.network == network && (!v4_only || p.address.value.is_ipv4()));
    let mut dhcp = None;
    for (_, nic, n) in m.attached() {
        if n != network {
            continue;
        }
        if nic.dhcp {
            dhcp = dhcp.or(Some(nic.span));
        } else if nic.ip.is_some() || (!v4_only && nic.ip6.is_some()) {
            return Presence::Static;
        }
    }
    match (placed, dhcp) {
        (true, _) => Presence::Static,
        (false, Some(span)) => Presence::Dhcp(span),
        (false, None) => Presence::Absent,
    }
}

/// A network's named DHCP and DNS servers must be reachable at a fixed address on it:
/// clients are told that address (DNS) or find the server by broadcast on the link and
/// need its answers to come from a stable address (DHCP).
fn named_servers(model: &Model, id: NetworkId, out: &mut Vec<Diagnostic>) {
    let network = model.network(id);
    let named = [
        (network.dhcp_server, "DHCP", true),
        (network.dns_server, "DNS", false),
    ];
    for (server, what, v4_only) in named {
        let Some(server) = server else { continue };
        let machine = model.machine(server.value);
        let family = if v4_only {
            "a static IPv4 address"
        } else {
            "a static address"
        };
        let (message, label_span, label) = match presence(model, server.value, id, v4_only) {
            Presence::Static => continue,
            Presence::Dhcp(nic) => (
                format!(
                    "the {what} server {} of network {} takes its address there by DHCP",
                    machine.name, network.name
                ),
                nic,
                format!("{} has no fixed address on {}", machine.name, network.name),
            ),
            Presence::Absent => (
                format!(
                    "the {what} server {} of network {} is not on it with {family}",
                    machine.name, network.name
                ),
                machine.name_span,
                format!(
                    "{} has no {} address on {}",
                    machine.name,
                    if v4_only { "IPv4" } else { "static" },
                    network.name
                ),
            ),
        };
        out.push(
            Diagnostic::error(
                Code::SERVER_OFF_NETWORK,
                message,
                server.span,
                format!("serves {what} on {}", network.name),
            )
            .with_label(label_span, label)
            .with_help(format!(
                "give {} a NIC on {} with {family} (`nic {} {{ ip = … }}`), or name a machine that has one",
                machine.name, network.name, network.name
            )),
        );
    }
}

/// A named server must really answer: infrac configures DHCP and DNS on NixOS (Kea,
/// Unbound) and OpenWrt (dnsmasq); any other machine must declare a service that listens
/// on the port (udp/67 for DHCP, udp/53 for DNS), since nothing generated would run one.
fn servers_run_the_service(model: &Model, id: NetworkId, out: &mut Vec<Diagnostic>) {
    let network = model.network(id);
    for (server, what, port) in [
        (network.dhcp_server, "DHCP", 67),
        (network.dns_server, "DNS", 53),
    ] {
        let Some(server) = server else { continue };
        let machine = model.machine(server.value);
        let configured = machine.platform == Platform::Openwrt
            || roles::os_family(model, server.value) == Some(OsFamily::Nixos);
        let declared = machine
            .services
            .iter()
            .any(|s| s.ports.iter().any(|p| p.contains(Protocol::Udp, port)));
        if configured || declared {
            continue;
        }
        out.push(
            Diagnostic::error(
                Code::SERVER_WITHOUT_SERVICE,
                format!(
                    "{} is named {what} server of network {} but runs no {what} server",
                    machine.name, network.name
                ),
                server.span,
                format!("nothing on {} answers udp/{port}", machine.name),
            )
            .with_label(machine.name_span, format!("{} is declared here", machine.name))
            .with_help(format!(
                "infrac configures {what} on NixOS and OpenWrt machines; on {} list the service that serves it (`services = [{}]`), or name another machine",
                machine.name,
                if port == 67 { "kea" } else { "unbound" }
            )),
        );
    }
}

/// The first service of a machine that answers DHCP (listens on udp/67), with its span.
fn dhcp_service(model: &Model, machine: MachineId) -> Option<(&str, Span)> {
    model
        .machine(machine)
        .services
        .iter()
        .find(|s| s.ports.iter().any(|p| p.contains(Protocol::Udp, 67)))
        .map(|s| (s.name.as_str(), s.span))
}

/// A DHCP range needs one server: none leaves clients without addresses, two hand out
/// conflicting leases.
fn dhcp_servers(model: &Model, roles: &Roles, id: NetworkId, out: &mut Vec<Diagnostic>) {
    let network = model.network(id);
    let Some(range) = network.dhcp else { return };
    let server = roles.dhcp[id.0 as usize];
    let others: Vec<(MachineId, &str, Span)> = roles
        .unassigned
        .get(&id)
        .into_iter()
        .flatten()
        .filter(|(m, _, _)| Some(*m) != server)
        .copied()
        .collect();
    let (server, server_span, server_label, rest) = match (server, others.as_slice()) {
        (None, []) => {
            // A gateway outside the lab (the ISP's router) may well serve the range; only
            // a gateway the lab describes is known not to.
            let Some(holder) = roles.gateways[id.0 as usize] else {
                return;
            };
            let holder = model.machine(holder);
            out.push(
                Diagnostic::warning(
                    Code::DHCP_WITHOUT_SERVER,
                    format!("network {} has a DHCP range but no DHCP server", network.name),
                    range.span,
                    "no machine of the lab hands out these addresses",
                )
                .with_label(
                    holder.name_span,
                    format!("{} holds the gateway but serves no DHCP", holder.name),
                )
                .with_help(format!(
                    "let {} serve it (`dhcp_server = {}` on network {}, or the `kea` service on NixOS), or name the machine that does",
                    holder.name, holder.name, network.name
                )),
            );
            return;
        }
        (None, [(only, service, _)]) => {
            let name = &model.machine(*only).name;
            out.push(
                Diagnostic::warning(
                    Code::DHCP_WITHOUT_SERVER,
                    format!("network {} has a DHCP range but no DHCP server", network.name),
                    range.span,
                    "no machine is named to hand out these addresses",
                )
                .with_help(format!(
                    "{name} runs {service} on {}: name it with `dhcp_server = {name}` on the network",
                    network.name
                )),
            );
            return;
        }
        (None, [(first, service, span), rest @ ..]) => (
            *first,
            *span,
            format!("{} runs {service} here", model.machine(*first).name),
            rest,
        ),
        (Some(server), rest) => {
            let (span, label) = match network.dhcp_server {
                Some(named) => (
                    named.span,
                    format!(
                        "{} is the network's DHCP server",
                        model.machine(server).name
                    ),
                ),
                None => (
                    model.machine(server).name_span,
                    format!(
                        "{} holds the gateway of {} and serves its DHCP",
                        model.machine(server).name,
                        network.name
                    ),
                ),
            };
            (server, span, label, rest)
        }
    };
    for (other, service, span) in rest {
        let name = &model.machine(*other).name;
        out.push(
            Diagnostic::error(
                Code::TWO_DHCP_SERVERS,
                format!(
                    "network {} has two DHCP servers: {} and {name}",
                    network.name,
                    model.machine(server).name
                ),
                *span,
                format!("{name} runs {service} on {}", network.name),
            )
            .with_label(server_span, server_label.clone())
            .with_help(format!(
                "two servers on one segment hand out conflicting leases; remove `{service}` from {name}, or take {name} off {}",
                network.name
            )),
        );
    }
}

/// One holder of a MAC address: where it is written, who has it, and whether it is a
/// physical machine's own (burned-in) address, which the lab cannot change.
struct MacHolder {
    span: Span,
    owner: String,
    physical: bool,
}

/// Every MAC address belongs to one interface. A `lease` for a MAC that a NIC of the lab
/// has is that NIC's reservation, not a second interface. When one holder is a physical
/// NIC, the made-up MAC of the other side is the mistake; otherwise neither is more
/// wrong, and one diagnostic names them all.
fn macs(model: &Model, out: &mut Vec<Diagnostic>) {
    let mut used: BTreeSet<Mac> = BTreeSet::new();
    let mut groups: Vec<BTreeMap<Mac, Vec<MacHolder>>> = Vec::new();
    let mut nics: BTreeMap<Mac, Vec<MacHolder>> = BTreeMap::new();
    for (_, machine) in model.machines() {
        for nic in &machine.nics {
            let Some(mac) = nic.mac else { continue };
            used.insert(mac.value);
            let owner = match &nic.name {
                Some(port) => format!("{port} of {} {}", machine.noun(), machine.name),
                None => format!("{} {}", machine.noun(), machine.name),
            };
            nics.entry(mac.value).or_default().push(MacHolder {
                span: mac.span,
                owner,
                physical: machine.guest.is_none(),
            });
        }
    }
    let nic_macs: BTreeSet<Mac> = nics.keys().copied().collect();
    groups.push(nics);
    for network in &model.networks {
        let mut here: BTreeMap<Mac, Vec<MacHolder>> = BTreeMap::new();
        for lease in &network.leases {
            if nic_macs.contains(&lease.mac.value) {
                continue;
            }
            used.insert(lease.mac.value);
            here.entry(lease.mac.value).or_default().push(MacHolder {
                span: lease.mac.span,
                owner: format!("lease {} on {}", lease.name, network.name),
                physical: false,
            });
        }
        groups.push(here);
    }
    let free = free_mac(&used);
    for group in groups {
        for (mac, mut holders) in group {
            if holders.len() < 2 {
                continue;
            }
            holders.sort_by_key(|h| h.span);
            out.extend(duplicate_mac(mac, &holders, free));
        }
    }
}

/// The first locally administered MAC address (02:00:00:00:00:01 on) the lab does not use.
fn free_mac(used: &BTreeSet<Mac>) -> Option<Mac> {
    (1u32..=0xff_ffff)
        .map(|n| {
            let [_, a, b, c] = n.to_be_bytes();
            Mac([0x02, 0, 0, a, b, c])
        })
        .find(|m| !used.contains(m))
}

fn duplicate_mac(mac: Mac, holders: &[MacHolder], free: Option<Mac>) -> Vec<Diagnostic> {
    let why = "switches and the DHCP server cannot tell two interfaces with one MAC apart";
    let physical: Vec<&MacHolder> = holders.iter().filter(|h| h.physical).collect();
    if let [anchor] = physical.as_slice() {
        return holders
            .iter()
            .filter(|h| !h.physical)
            .map(|blamed| {
                Diagnostic::error(
                    Code::DUPLICATE_MAC,
                    format!(
                        "{} takes MAC address {mac}, the address of {}",
                        blamed.owner, anchor.owner
                    ),
                    blamed.span,
                    format!("{mac} is the address of {}", anchor.owner),
                )
                .with_label(anchor.span, format!("the MAC of {}", anchor.owner))
                .with_help(match free {
                    Some(free) => format!(
                        "{why}; give {} a MAC of its own, such as {free} (locally administered)",
                        blamed.owner
                    ),
                    None => format!("{why}; give {} a MAC of its own", blamed.owner),
                })
            })
            .collect();
    }
    let names: Vec<String> = holders.iter().map(|h| h.owner.to_string()).collect();
    let message = match names.as_slice() {
        [a, b] => format!("MAC address {mac} is used by both {a} and {b}"),
        _ => format!(
            "MAC address {mac} is used by {} interfaces: {}",
            names.len(),
            crate::holders::listed(&names)
        ),
    };
    let last = &holders[holders.len() - 1];
    let earlier: Vec<(Span, String)> = holders[..holders.len() - 1]
        .iter()
        .map(|h| (h.span, format!("{} has it", h.owner)))
        .collect();
    let d = crate::holders::labelled(
        Diagnostic::error(
            Code::DUPLICATE_MAC,
            message,
            last.span,
            format!("{} has it", last.owner),
        ),
        &earlier,
    );
    let who = crate::holders::who(holders.len());
    vec![d.with_help(match free {
        Some(free) => {
            format!("{why}; give {who} a MAC of its own, such as {free} (locally administered)")
        }
        None => format!("{why}; give {who} a MAC of its own"),
    })]
}
