//! The order `apply.sh` creates guests in, which is also their boot order: routers
//! first (everything else needs the network), cluster agents last (they join a server),
//! everything else by its `order`, then by VMID.

use infrac_model::roles::{cluster_of, is_router};
use infrac_model::{Guest, MachineId, Model};

/// What a guest is to the apply order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Role {
    /// Routes for the others: a `bgp` or `firewall` block, or a network's gateway.
    Router,
    /// A server of a cluster.
    ClusterServer,
    /// Any other guest.
    Other,
    /// An agent of a cluster: it needs a server to join.
    ClusterAgent,
}

impl Role {
    /// Rank in the apply order: servers are ranked with the other guests and only have
    /// to come before agents.
    fn tier(self) -> u8 {
        match self {
            Role::Router => 0,
            Role::ClusterServer | Role::Other => 1,
            Role::ClusterAgent => 2,
        }
    }

    /// Why the guest sits where it does, for the comment in `apply.sh`; guests ordered
    /// only by `order` and VMID need no reason.
    pub(crate) fn reason(self) -> Option<&'static str> {
        match self {
            Role::Router => Some("router: the others need its networks"),
            Role::ClusterServer => Some("cluster server: before the agents that join it"),
            Role::Other => None,
            Role::ClusterAgent => Some("cluster agent: after the servers it joins"),
        }
    }
}

/// The role of one guest.
pub(crate) fn role(model: &Model, id: MachineId) -> Role {
    if is_router(model, id) {
        return Role::Router;
    }
    match cluster_of(model, id) {
        Some((_, true)) => Role::ClusterServer,
        Some((_, false)) => Role::ClusterAgent,
        None => Role::Other,
    }
}

/// The guests of Proxmox hosts in apply order, each with its placement and role. Guests
/// of another hypervisor are not this target's to create.
pub(crate) fn apply_order(model: &Model) -> Vec<(MachineId, &Guest, Role)> {
    let mut guests: Vec<(MachineId, &Guest, Role)> = model
        .guests()
        .filter(|(_, _, guest)| model.machine(guest.host).platform.is_hypervisor())
        .map(|(id, _, guest)| (id, guest, role(model, id)))
        .collect();
    guests.sort_by_key(|&(_, guest, role)| {
        (
            role.tier(),
            guest.order.unwrap_or(u32::MAX),
            guest.vmid.value,
        )
    });
    guests
}
