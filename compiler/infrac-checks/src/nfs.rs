//! Whether an NFS export admits a mount, for the checks of the three kinds of mount
//! (storage pools in `wiring`, Compose volumes in `compose`, app volumes in `workloads`),
//! and what their reports say about it.

use infrac_model::nfs::NfsMount;
use infrac_model::{Export, Machine, MachineId, Model, NetworkId};

/// Why an export refuses a mount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// The mount goes over this network, which the export does not name.
    Over(NetworkId),
    /// The clients reach the server through a router and are on none of the export's
    /// networks.
    OffClientNetworks,
}

/// Whether `export` refuses the mount `clients` make. A mount through a router, whose
/// source address the lab does not say, is refused only when no client is on any
/// network the export names.
pub(crate) fn refused(
    model: &Model,
    export: &Export,
    mount: Option<&NfsMount>,
    clients: &[MachineId],
) -> Option<Refusal> {
    match mount.and_then(|m| m.admitted) {
        Some(true) => None,
        Some(false) => Some(
            mount
                .and_then(|m| m.network)
                .map_or(Refusal::OffClientNetworks, Refusal::Over),
        ),
        None => {
            let on_one = clients.iter().any(|c| {
                crate::networks_of(model.machine(*c))
                    .iter()
                    .any(|n| export.clients.contains(n))
            });
            (!export.clients.is_empty() && !on_one).then_some(Refusal::OffClientNetworks)
        }
    }
}

impl Refusal {
    /// The label at the mount: `who` mounts it over a network the export does not name,
    /// or is on none of its networks.
    pub(crate) fn label(self, model: &Model, who: &str) -> String {
        match self {
            Refusal::Over(network) => format!(
                "{who} mounts it over {}, from its address there",
                model.network(network).name
            ),
            Refusal::OffClientNetworks => {
                format!("{who} is on none of the export's client networks")
            }
        }
    }

    /// The help: admit the network the mount goes over, or put the server on an
    /// admitted one; or put `who` on one.
    pub(crate) fn help(
        self,
        model: &Model,
        server: &Machine,
        export: &Export,
        who: &str,
    ) -> String {
        let clients = client_names(model, export).join(" or ");
        match self {
            Refusal::Over(network) => format!(
                "add {} to the export's `clients`, or give {} an address on {clients} to mount from",
                model.network(network).name,
                server.name,
            ),
            Refusal::OffClientNetworks => format!(
                "give {who} an address on {clients}, or add one of its networks to the export's `clients`"
            ),
        }
    }
}

/// The names of the networks `export` admits, in its order.
pub(crate) fn client_names<'m>(model: &'m Model, export: &Export) -> Vec<&'m str> {
    export
        .clients
        .iter()
        .map(|c| model.network(*c).name.as_str())
        .collect()
}
