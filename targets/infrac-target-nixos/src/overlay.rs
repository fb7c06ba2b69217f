//! Overlay memberships of a NixOS machine: the Tailscale client, WireGuard interfaces with
//! their peers, and the ZeroTier daemon. Keys are read from the secret store's files,
//! never written here.

use crate::machine::MachineView;
use crate::nix::Nix;
use crate::services::Assignments;
use infrac_model::interfaces::{wireguard_peers, wireguard_ports};
use infrac_model::layout::{secret_file, segment};
use infrac_model::{NetworkId, Overlay, SecretRef};

/// How often a member behind NAT sends a keepalive, in seconds: often enough for common
/// NAT mappings (30 s and up) not to expire.
const KEEPALIVE: i64 = 25;

/// The machine's WireGuard memberships: `(NIC index, network, listen port)`.
fn wireguard(view: &MachineView) -> Vec<(usize, NetworkId, u16)> {
    wireguard_ports(view.model, view.machine)
}

/// The secret file of a WireGuard interface's private key: the member's declared
/// `private_key`, else one named after the network.
fn private_key_file(view: &MachineView, index: usize, network: NetworkId) -> String {
    let declared = view.machine.nics[index]
        .wireguard
        .as_ref()
        .map(|w| w.private_key.clone());
    let secret = declared.unwrap_or_else(|| {
        let name = segment(&view.model.network(network).name);
        SecretRef(format!("wireguard-{name}-private-key"))
    });
    secret_file(&secret)
}

/// The secret file of the key that joins the machine to a tailnet, when the lab names one.
fn auth_key_file(view: &MachineView, network: NetworkId) -> Option<String> {
    view.model
        .network(network)
        .auth_key
        .as_ref()
        .map(secret_file)
}

/// The UDP ports the overlays listen on, with why, for the firewall.
pub(crate) fn listen_ports(view: &MachineView) -> Vec<(u16, String)> {
    wireguard(view)
        .into_iter()
        .map(|(index, _, port)| (port, format!("WireGuard {}", view.interface(index))))
        .collect()
}

/// Whether the machine relays between other members of a WireGuard overlay: a member
/// with an endpoint that two or more members behind NAT reach the rest of the overlay
/// through, which needs IP forwarding.
pub(crate) fn relays(view: &MachineView) -> bool {
    wireguard(view).into_iter().any(|(index, network, _)| {
        let own = view.machine.nics[index].wireguard.as_ref();
        own.is_some_and(|w| w.endpoint.is_some())
            && wireguard_peers(view.model, network, view.machine)
                .iter()
                .filter(|p| p.member.endpoint.is_none())
                .count()
                >= 2
    })
}

/// The secret files the overlays read.
pub(crate) fn secrets(view: &MachineView) -> Vec<String> {
    view.overlays()
        .into_iter()
        .filter_map(|(index, network, overlay)| match overlay {
            Overlay::Tailscale => auth_key_file(view, network),
            Overlay::Wireguard => Some(private_key_file(view, index, network)),
            Overlay::Zerotier => None,
        })
        .collect()
}

/// The static addresses of the NIC at `index`, as `ADDRESS/LEN`.
fn addresses(view: &MachineView, index: usize, network: NetworkId) -> Vec<String> {
    let nic = &view.machine.nics[index];
    let network = view.model.network(network);
    let mut out = Vec::new();
    if let Some(ip) = nic.ip {
        let len = network.ipv4.map_or(32, |n| n.value.prefix_len());
        out.push(format!("{}/{len}", ip.value));
    }
    if let Some(ip) = nic.ip6 {
        let len = network.ipv6.map_or(128, |n| n.value.prefix_len());
        out.push(format!("{}/{len}", ip.value));
    }
    out
}

/// The overlay settings of the machine.
pub(crate) fn overlays(view: &MachineView) -> Assignments {
    let mut out = Assignments::new();
    let memberships = view.overlays();
    if let Some((index, network, _)) = memberships
        .iter()
        .find(|(_, _, o)| *o == Overlay::Tailscale)
    {
        let name = &view.model.network(*network).name;
        // The coordination server assigns the tailnet address; the lab records it.
        let assigned = addresses(view, *index, *network);
        let comment = if assigned.is_empty() {
            name.clone()
        } else {
            format!("{name}: {}", assigned.join(", "))
        };
        let mut settings = vec![
            ("enable", Nix::Bool(true)),
            // Opens only Tailscale's own UDP port for direct connections; the machine's
            // service ports are open on every interface already.
            ("openFirewall", Nix::Bool(true)),
        ];
        if let Some(file) = auth_key_file(view, *network) {
            settings.push(("authKeyFile", Nix::str(file)));
        }
        out.push((
            "services.tailscale",
            Nix::attrs(settings).commented(comment),
        ));
    }
    let wireguard = wireguard(view);
    if !wireguard.is_empty() {
        let interfaces = wireguard
            .iter()
            .map(|(index, network, port)| {
                let peers: Vec<Nix> = wireguard_peers(view.model, *network, view.machine)
                    .into_iter()
                    .map(|peer| {
                        let mut settings = vec![
                            ("publicKey", Nix::str(&peer.member.public_key.value)),
                            ("allowedIPs", Nix::strs(&peer.allowed_ips)),
                        ];
                        if let Some(endpoint) = &peer.member.endpoint {
                            settings.push(("endpoint", Nix::str(&endpoint.value)));
                        }
                        if peer.keepalive {
                            settings.push(("persistentKeepalive", Nix::Int(KEEPALIVE)));
                        }
                        Nix::attrs(settings).commented(peer.machine.name.clone())
                    })
                    .collect();
                let settings = Nix::attrs([
                    ("ips", Nix::strs(addresses(view, *index, *network))),
                    ("listenPort", Nix::Int(i64::from(*port))),
                    (
                        "privateKeyFile",
                        Nix::str(private_key_file(view, *index, *network)),
                    ),
                    ("peers", Nix::List(peers)),
                ])
                .commented(view.model.network(*network).name.clone());
                (vec![view.interface(*index)], settings)
            })
            .collect();
        out.push(("networking.wireguard.interfaces", Nix::Attrs(interfaces)));
    }
    if memberships.iter().any(|(_, _, o)| *o == Overlay::Zerotier) {
        out.push(("services.zerotierone.enable", Nix::Bool(true)));
    }
    out
}

/// Header notes on what the overlays leave to the operator.
pub(crate) fn notes(view: &MachineView) -> Vec<String> {
    let mut notes = Vec::new();
    for (index, network, overlay) in view.overlays() {
        let net = view.model.network(network);
        match overlay {
            Overlay::Tailscale => notes.push(match auth_key_file(view, network) {
                Some(file) => format!(
                    "Tailscale ({}): the machine joins with the auth key in {file}; the \
                     tailnet assigns its address, so keep the lab's address for it in line \
                     with the admin console.",
                    net.name
                ),
                None => format!(
                    "Tailscale ({}): the lab names no auth key (`auth_key = secret(\"…\")` on \
                     the network), so join once by hand with `tailscale up`; the tailnet \
                     assigns the address, so keep the lab's address in line with the admin \
                     console.",
                    net.name
                ),
            }),
            Overlay::Wireguard => {
                if view.machine.nics[index].wireguard.is_none() {
                    notes.push(format!(
                        "WireGuard ({}): the lab declares no keys for this member, so no other \
                         member lists it as a peer: give its NIC a `public_key` and a \
                         `private_key`.",
                        net.name
                    ));
                }
            }
            Overlay::Zerotier => notes.push(format!(
                "ZeroTier ({}): the lab does not record the network ID; join it with \
                 `zerotier-cli join ID` or set services.zerotierone.joinNetworks.",
                net.name
            )),
        }
    }
    notes
}
