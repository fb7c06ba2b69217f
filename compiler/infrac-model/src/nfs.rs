//! How a machine mounts an NFS export of another: the server's address it mounts from,
//! the network that goes over, and whether the export admits that network. Derived once
//! for the three kinds of mount (a Proxmox storage pool, a Compose volume, an app's
//! volume), so the files that mount and the checks that prove the mount allowed agree.

use crate::{ExportRef, MachineId, Model, NetworkId};
use std::net::IpAddr;

/// The server side of an NFS mount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NfsSource {
    pub address: IpAddr,
    pub path: String,
    pub read_only: bool,
}

impl NfsSource {
    /// `ADDRESS:PATH` as `mount` and fstab take it (IPv6 in brackets).
    pub fn device(&self) -> String {
        match self.address {
            IpAddr::V4(a) => format!("{a}:{}", self.path),
            IpAddr::V6(a) => format!("[{a}]:{}", self.path),
        }
    }
}

/// One mount of an export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NfsMount {
    pub source: NfsSource,
    /// The network of the server's address, when the lab places it.
    pub network: Option<NetworkId>,
    /// Whether the export admits the clients: `Some(true)` when it names no networks or
    /// names the one the mount goes over, every client having an address there (the
    /// server sees that address); `Some(false)` when it does not name that network;
    /// `None` when some client reaches the server through a router, whose source address
    /// the lab does not say.
    pub admitted: Option<bool>,
}

/// How `clients` (a machine, or the nodes a workload may run on) mount the export
/// `export_ref` names. The server's address is `server` when given (a storage pool's
/// `server`), else its address on a network the clients are on: one the export admits
/// first, IPv4 before IPv6. `None` when the export does not exist or no address is
/// shared.
pub fn nfs_mount(
    model: &Model,
    export_ref: &ExportRef,
    clients: &[MachineId],
    server: Option<IpAddr>,
) -> Option<NfsMount> {
    let machine = model.machine(export_ref.machine);
    let export = machine.export(&export_ref.export)?;
    let on = |client: MachineId, network: NetworkId| {
        model
            .machine(client)
            .each_address()
            .any(|(n, _)| n == network)
    };
    let theirs = machine.addresses();
    let (address, network) = match server {
        Some(address) => (
            address,
            theirs
                .iter()
                .find(|(_, a)| a.value == address)
                .map(|(n, _)| *n),
        ),
        None => {
            let shared: Vec<_> = theirs
                .iter()
                .filter(|(n, _)| clients.iter().any(|c| on(*c, *n)))
                .collect();
            let admitted = |n: &NetworkId| export.clients.contains(n);
            let (network, address) = shared
                .iter()
                .find(|(n, a)| admitted(n) && a.value.is_ipv4())
                .or_else(|| shared.iter().find(|(n, _)| admitted(n)))
                .or_else(|| shared.iter().find(|(_, a)| a.value.is_ipv4()))
                .or_else(|| shared.first())?;
            (address.value, Some(*network))
        }
    };
    let admitted = if export.clients.is_empty() {
        Some(true)
    } else {
        network
            .filter(|n| clients.iter().all(|c| on(*c, *n)))
            .map(|n| export.clients.contains(&n))
    };
    Some(NfsMount {
        source: NfsSource {
            address,
            path: export.path.clone(),
            read_only: export.read_only,
        },
        network,
        admitted,
    })
}
