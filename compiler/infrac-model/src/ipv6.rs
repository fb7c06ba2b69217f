//! IPv6 on the lab's networks: which machine advertises a network's prefix (router
//! advertisements, and DHCPv6 where the network's mode asks for it), and where a router
//! learns its own IPv6 default route from its provider.
//!
//! Derived once here so the NixOS and OpenWrt targets (which write radvd, Kea and
//! odhcpd settings) and the check that every IPv6 network is advertised agree.

use crate::roles::{default_route6, is_router, os_family};
use crate::{Ipv6Mode, MachineId, Model, Network, NetworkId, OsFamily, Platform};

/// How hosts on the network get addresses; SLAAC unless the network says otherwise.
pub fn mode(network: &Network) -> Ipv6Mode {
    network.ipv6_mode.map_or(Ipv6Mode::Slaac, |m| m.value)
}

/// Whether the lab must advertise the network: it has an IPv6 prefix and is neither an
/// uplink (the provider's router advertises there) nor an overlay (its own daemon
/// addresses the members).
pub fn needs_advertiser(network: &Network) -> bool {
    network.ipv6.is_some() && !network.uplink && network.overlay.is_none()
}

/// Whether infrac writes router advertisements for the machine: radvd on NixOS, odhcpd
/// on OpenWrt. Other systems would need a daemon configured by hand.
pub fn writes_advertisements(model: &Model, machine: MachineId) -> bool {
    model.machine(machine).platform == Platform::Openwrt
        || os_family(model, machine) == Some(OsFamily::Nixos)
}

/// Whether the machine's DHCPv6 server hands out addresses from a declared pool: Kea on
/// NixOS does; OpenWrt's odhcpd takes no pool and assigns from the whole prefix (its
/// README lists no range option, only `dhcpv6_hostidlength`).
pub fn takes_dhcp6_pool(model: &Model, machine: MachineId) -> bool {
    model.machine(machine).platform != Platform::Openwrt
}

/// The machine holding the network's IPv6 gateway address, with the index of that NIC:
/// the first in model order. Found for every network in one pass over the machines, kept
/// in the model on first use: the check that every prefix is advertised, and the targets
/// for each NIC of a router, ask it network by network, and a pass over the machines per
/// network grew with networks × machines (4,000 sites: 27% of a check).
pub fn gateway6_holder(model: &Model, network: NetworkId) -> Option<(MachineId, usize)> {
    // A network without an IPv6 gateway has no holder: no pass over the machines for it.
    model.network(network).gateway6?;
    model
        .derived
        .gateway6_holders
        .get_or_init(|| crate::roles::first_gateway_holders(model, crate::IpFamily::Ipv6))
        .get(network.index())
        .copied()
        .flatten()
}

/// The machine that advertises the network, with the NIC it advertises from: the holder
/// of its IPv6 gateway, when infrac writes advertisements for it.
pub fn advertiser(model: &Model, network: NetworkId) -> Option<(MachineId, usize)> {
    if !needs_advertiser(model.network(network)) {
        return None;
    }
    gateway6_holder(model, network).filter(|(id, _)| writes_advertisements(model, *id))
}

/// The networks a machine advertises, as `(NIC index, network)` in NIC order.
pub fn advertised(model: &Model, machine: MachineId) -> Vec<(usize, NetworkId)> {
    model
        .machine(machine)
        .attached()
        .filter(|(index, _, network)| advertiser(model, *network) == Some((machine, *index)))
        .map(|(index, _, network)| (index, network))
        .collect()
}

/// The NIC on which a router takes its IPv6 default route from the provider's router
/// advertisements: its first NIC on an uplink with an IPv6 prefix, when the lab gives
/// no static IPv6 gateway. A forwarding Linux host ignores advertisements unless told
/// to accept them, so the targets say so for this interface.
pub fn uplink_advertised_route(model: &Model, machine: MachineId) -> Option<usize> {
    if !is_router(model, machine) || default_route6(model, machine).is_some() {
        return None;
    }
    model
        .machine(machine)
        .attached()
        .find(|(_, _, n)| {
            let network = model.network(*n);
            network.uplink && network.ipv6.is_some() && network.overlay.is_none()
        })
        .map(|(index, _, _)| index)
}
