//! Roles and routes of guests that several targets derive the same way: which guest is a
//! router, and which interface carries a guest's default route.
//!
//! Derived once here so the Proxmox scripts (cloud-init, `pct` gateways, apply order) and
//! the NixOS configurations agree.

use crate::{GuestId, Model};
use std::net::{Ipv4Addr, Ipv6Addr};

/// Whether a guest routes for others: it has a `bgp` or `firewall` block, or holds the
/// gateway address of one of its networks.
pub fn is_router(model: &Model, id: GuestId) -> bool {
    if model.routers.iter().any(|r| r.guest == id) || model.firewalls.iter().any(|f| f.guest == id)
    {
        return true;
    }
    model.guest(id).nics.iter().any(|nic| {
        let network = model.network(nic.network);
        let v4 = matches!((nic.ip, network.gateway), (Some(ip), Some(gw)) if ip.value == gw.value);
        let v6 =
            matches!((nic.ip6, network.gateway6), (Some(ip), Some(gw)) if ip.value == gw.value);
        v4 || v6
    })
}

/// Where a guest's IPv4 default route comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefaultRoute4 {
    /// The interface at this index (in declaration order) takes it from DHCP.
    Dhcp(usize),
    /// The interface at this index routes through this gateway.
    Static(usize, Ipv4Addr),
}

/// The IPv4 default route: the first interface that is DHCP or has a static address on a
/// network whose gateway is another machine. A router holding its networks' gateways gets
/// its route from the uplink's DHCP (or none).
pub fn default_route4(model: &Model, id: GuestId) -> Option<DefaultRoute4> {
    model
        .guest(id)
        .nics
        .iter()
        .enumerate()
        .find_map(|(index, nic)| {
            if nic.dhcp {
                return Some(DefaultRoute4::Dhcp(index));
            }
            let ip = nic.ip?.value;
            let gateway = model.network(nic.network).gateway?.value;
            (gateway != ip).then_some(DefaultRoute4::Static(index, gateway))
        })
}

/// The IPv6 default route: the first interface with a static IPv6 address on a network
/// whose IPv6 gateway is another machine, as `(interface index, gateway)`.
pub fn default_route6(model: &Model, id: GuestId) -> Option<(usize, Ipv6Addr)> {
    model
        .guest(id)
        .nics
        .iter()
        .enumerate()
        .find_map(|(index, nic)| {
            let ip = nic.ip6?.value;
            let gateway = model.network(nic.network).gateway6?.value;
            (gateway != ip).then_some((index, gateway))
        })
}
