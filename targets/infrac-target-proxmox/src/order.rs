//! The order `apply.sh` creates guests in, which is also their boot order: routers
//! first (everything else needs the network), cluster agents last (they join a server),
//! everything else by its `order`, then by VMID.

use infrac_model::roles::is_router;
use infrac_model::{GuestId, Model, Platform};

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
pub(crate) fn role(model: &Model, id: GuestId) -> Role {
    if is_router(model, id) {
        Role::Router
    } else if model
        .clusters
        .iter()
        .any(|c| c.servers.iter().any(|s| s.value == id))
    {
        Role::ClusterServer
    } else if model
        .clusters
        .iter()
        .any(|c| c.agents.iter().any(|a| a.value == id))
    {
        Role::ClusterAgent
    } else {
        Role::Other
    }
}

/// The guests on Proxmox hosts in apply order, each with its role.
pub(crate) fn apply_order(model: &Model) -> Vec<(GuestId, Role)> {
    let mut guests: Vec<(GuestId, Role)> = (0..model.guests.len())
        .map(|i| GuestId(i as u32))
        .filter(|&id| model.host(model.guest(id).host).platform == Platform::Proxmox)
        .map(|id| (id, role(model, id)))
        .collect();
    guests.sort_by_key(|&(id, role)| {
        let guest = model.guest(id);
        (
            role.tier(),
            guest.order.unwrap_or(u32::MAX),
            guest.vmid.value,
        )
    });
    guests
}
