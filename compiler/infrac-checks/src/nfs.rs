//! Whether an NFS export admits a mount, for the checks of the three kinds of mount
//! (storage pools in `wiring`, Compose volumes in `compose`, app volumes in `workloads`).

use infrac_model::nfs::NfsMount;
use infrac_model::{MachineId, Model, NetworkId};

/// Whether `export` refuses the mount `clients` make: `None` when it admits it, else the
/// network the mount goes over when that is known (`None` inside: the clients are on
/// none of the export's networks). A mount through a router, whose source address the
/// lab does not say, is refused only when no client is on any network the export names.
pub(crate) fn refused(
    model: &Model,
    export: &infrac_model::Export,
    mount: Option<&NfsMount>,
    clients: &[MachineId],
) -> Option<Option<NetworkId>> {
    match mount.and_then(|m| m.admitted) {
        Some(true) => None,
        Some(false) => Some(mount.and_then(|m| m.network)),
        None => {
            let on_one = clients.iter().any(|c| {
                crate::networks_of(model.machine(*c))
                    .iter()
                    .any(|n| export.clients.contains(n))
            });
            (!export.clients.is_empty() && !on_one).then_some(None)
        }
    }
}

/// The help of a refused mount: with the network it goes over known, admit that one or
/// put the server on an admitted one; else put the client on one.
pub(crate) fn admit_help(
    model: &Model,
    server: &infrac_model::Machine,
    over: Option<NetworkId>,
    client: &str,
    clients: &[&str],
) -> String {
    match over {
        Some(network) => format!(
            "add {} to the export's `clients`, or give {} an address on {} to mount from",
            model.network(network).name,
            server.name,
            clients.join(" or ")
        ),
        None => format!(
            "give {client} an address on {}, or add one of its networks to the export's `clients`",
            clients.join(" or ")
        ),
    }
}
