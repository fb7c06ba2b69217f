//! Interface names inside machines, derived once so the firewall, the routing daemon, the
//! OS configuration and the hypervisor's NIC list all name the same interface.

use crate::{GuestKind, Machine, Model, Nic, Overlay};

/// The interface name a machine's NIC has inside the machine.
///
/// - A NIC declared with a port name (`nic eno1 { network = lan }`) keeps it.
/// - An overlay NIC is the overlay's own interface: `tailscale0`, `wg-NET`, `zt-NET`.
/// - A guest's NICs are virtual devices. Proxmox puts a VM's `net0`, `net1`, … on PCI
///   slots 18, 19, … of its first bus, so a systemd-based guest (NixOS, Debian) names
///   them `ens18`, `ens19`, …; a container's are `eth0`, `eth1`, … as Proxmox creates
///   them. Overlay NICs are not devices and are skipped when counting.
/// - Otherwise the network's name (an OpenWrt logical interface).
pub fn interface_name(model: &Model, machine: &Machine, nic_index: usize) -> String {
    let nic = &machine.nics[nic_index];
    if let Some(name) = &nic.name {
        return name.clone();
    }
    let Some(network) = nic.network.map(|n| model.network(n)) else {
        return format!("eth{nic_index}");
    };
    if let Some(overlay) = network.overlay {
        return overlay_interface(overlay, &network.name);
    }
    if let Some(guest) = &machine.guest {
        let position = virtual_nics(model, machine)
            .position(|(i, _)| i == nic_index)
            .unwrap_or(nic_index);
        return match guest.kind {
            GuestKind::Vm => format!("ens{}", 18 + position),
            GuestKind::Lxc => format!("eth{position}"),
        };
    }
    network.name.clone()
}

/// The interface an overlay creates on each member. Linux limits names to 15 bytes.
pub fn overlay_interface(overlay: Overlay, network: &str) -> String {
    let name = match overlay {
        Overlay::Tailscale => return "tailscale0".into(),
        Overlay::Wireguard => format!("wg-{network}"),
        Overlay::Zerotier => format!("zt-{network}"),
    };
    name.chars().take(15).collect()
}

/// A guest's NICs that the hypervisor creates as devices (`net0`, `net1`, …), in order,
/// with their index into `machine.nics`: every NIC except overlay memberships.
pub fn virtual_nics<'m>(
    model: &'m Model,
    machine: &'m Machine,
) -> impl Iterator<Item = (usize, &'m Nic)> + 'm {
    machine.nics.iter().enumerate().filter(|(_, nic)| {
        nic.network
            .is_none_or(|n| model.network(n).overlay.is_none())
    })
}

/// WireGuard's customary port; a machine's further WireGuard memberships take the next.
pub const WIREGUARD_PORT: u16 = 51820;

/// The UDP port each of `machine`'s WireGuard memberships listens on, with the NIC's index
/// and overlay: the member's declared `listen_port`; otherwise the first membership on the
/// port of the machine's `wireguard` service (51820 by default) and each further one on
/// the next. Derived once so every platform's configuration (NixOS, wg-quick) listens on
/// the port its firewall opens and its endpoint names: left out of a wg-quick file, the
/// port would be a random one.
pub fn wireguard_ports(model: &Model, machine: &Machine) -> Vec<(usize, crate::NetworkId, u16)> {
    let base = machine
        .services
        .iter()
        .find(|s| s.name == "wireguard")
        .and_then(|s| s.ports.first())
        .map_or(WIREGUARD_PORT, |p| p.first);
    machine
        .attached()
        .filter(|(_, _, network)| model.network(*network).overlay == Some(Overlay::Wireguard))
        .enumerate()
        .map(|(n, (index, nic, network))| {
            let declared = nic.wireguard.as_ref().and_then(|w| w.listen_port);
            let port = declared.unwrap_or_else(|| base.saturating_add(n as u16));
            (index, network, port)
        })
        .collect()
}

/// Where a WireGuard endpoint points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndpointHost<'a> {
    Address(std::net::IpAddr),
    /// A DNS name, which may resolve anywhere.
    Name(&'a str),
}

/// A WireGuard endpoint `HOST:PORT` as `wg` reads it: an IPv4 address, an IPv6 address in
/// brackets, or a DNS name, and a port from 1 to 65535; `None` when it is none of these.
/// Sema refuses an endpoint this does not read, and the checks ask it where one points.
pub fn parse_endpoint(endpoint: &str) -> Option<(EndpointHost<'_>, u16)> {
    let (host, port) = endpoint.rsplit_once(':')?;
    let port = port.parse::<u16>().ok().filter(|p| *p != 0)?;
    if let Some(v6) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        let address = v6.parse::<std::net::Ipv6Addr>().ok()?;
        return Some((EndpointHost::Address(address.into()), port));
    }
    if let Ok(address) = host.parse::<std::net::Ipv4Addr>() {
        return Some((EndpointHost::Address(address.into()), port));
    }
    let is_name = !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    is_name.then_some((EndpointHost::Name(host), port))
}

/// One peer of a WireGuard member: another member of the same overlay.
#[derive(Debug, Clone)]
pub struct WireguardPeer<'m> {
    pub machine: &'m Machine,
    pub member: &'m crate::WireguardMember,
    /// The peer's overlay addresses as host prefixes (`10.99.0.2/32`).
    pub allowed_ips: Vec<ipnet::IpNet>,
    /// Keep the tunnel open from this side: this member has no endpoint of its own, so
    /// the peer could not reach it through NAT otherwise.
    pub keepalive: bool,
}

/// The peers of `machine` on the WireGuard overlay `network`, in machine order. Derived
/// once so every platform's WireGuard configuration (NixOS, wg-quick, OpenWrt) lists the
/// same peers.
///
/// Members with an `endpoint` are hubs that everyone can reach; members without one are
/// behind NAT. A hub peers with every other member; a member behind NAT peers only with
/// the hubs, keeps those tunnels open, and reaches the rest of the overlay through the
/// first hub, whose allowed IPs are the whole overlay prefix.
pub fn wireguard_peers<'m>(
    model: &'m Model,
    network: crate::NetworkId,
    machine: &'m Machine,
) -> Vec<WireguardPeer<'m>> {
    let member_of = |m: &'m Machine| {
        m.attached()
            .find(|(_, _, n)| *n == network)
            .and_then(|(_, nic, _)| nic.wireguard.as_ref().map(|w| (nic, w)))
    };
    let own_is_hub = member_of(machine).is_some_and(|(_, w)| w.endpoint.is_some());
    let net = model.network(network);
    let overlay_prefixes: Vec<ipnet::IpNet> = net
        .ipv4
        .map(|p| ipnet::IpNet::V4(p.value))
        .into_iter()
        .chain(net.ipv6.map(|p| ipnet::IpNet::V6(p.value)))
        .collect();
    let mut peers = Vec::new();
    let mut first_hub = true;
    for other in &model.machines {
        if std::ptr::eq(other, machine) {
            continue;
        }
        let Some((nic, member)) = member_of(other) else {
            continue;
        };
        let other_is_hub = member.endpoint.is_some();
        if !own_is_hub && !other_is_hub {
            continue;
        }
        let allowed_ips = if !own_is_hub && first_hub {
            first_hub = false;
            overlay_prefixes.clone()
        } else {
            nic.ip
                .map(|ip| ipnet::IpNet::from(std::net::IpAddr::V4(ip.value)))
                .into_iter()
                .chain(
                    nic.ip6
                        .map(|ip| ipnet::IpNet::from(std::net::IpAddr::V6(ip.value))),
                )
                .collect()
        };
        peers.push(WireguardPeer {
            machine: other,
            member,
            allowed_ips,
            keepalive: !own_is_hub,
        });
    }
    peers
}

/// The NIC that carries each of a machine's placed addresses (`address = X on net`), in
/// placement order: its NIC on that network, else its only port that joins no network
/// (claimed by the first placement that needs it), else `None` (the address has no
/// interface to live on). Overlay placements are left out: the overlay's own interface
/// carries them. Derived once so every OS configuration puts them on the same port.
pub fn placed_addresses<'m>(
    model: &Model,
    machine: &'m Machine,
) -> Vec<(&'m crate::Placement, Option<usize>)> {
    let mut networks: Vec<Option<crate::NetworkId>> =
        machine.nics.iter().map(|n| n.network).collect();
    let mut out = Vec::new();
    for placement in &machine.addresses {
        let network = placement.network;
        if model.network(network).overlay.is_some() {
            continue;
        }
        let free: Vec<usize> = (0..networks.len())
            .filter(|i| networks[*i].is_none())
            .collect();
        let target = networks
            .iter()
            .position(|n| *n == Some(network))
            .or(match free[..] {
                [only] => Some(only),
                _ => None,
            });
        if let Some(i) = target {
            networks[i] = Some(network);
        }
        out.push((placement, target));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{parse_endpoint, EndpointHost};

    #[test]
    fn endpoints_are_read_as_wg_reads_them() {
        let v4 = "203.0.113.10".parse().map(EndpointHost::Address).ok();
        assert_eq!(parse_endpoint("203.0.113.10:51820"), v4.map(|h| (h, 51820)));
        let v6 = "2001:db8::1".parse().map(EndpointHost::Address).ok();
        assert_eq!(
            parse_endpoint("[2001:db8::1]:51821"),
            v6.map(|h| (h, 51821))
        );
        assert_eq!(
            parse_endpoint("vpn.example.net:51820"),
            Some((EndpointHost::Name("vpn.example.net"), 51820))
        );
        for bad in [
            "203.0.113.10:99999",
            "vpn.example.net:0",
            "vpn.example.net",
            "a;b:1",
            "[fe80::1:1",
        ] {
            assert_eq!(parse_endpoint(bad), None, "{bad}");
        }
    }
}
