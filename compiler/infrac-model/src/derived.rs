//! Facts the model derives from itself on first use and keeps. Each answers a question
//! that targets or checks ask many times (once per machine, per network, per resolver)
//! and that a pass over the whole lab answers for every one of them at once; asked
//! afresh each time, the answers grew with the square of the lab.
//!
//! A model is finished before anything asks: sema builds it, then the checks and the
//! targets read it and never change it, so what is kept stays true. Nothing in sema asks
//! for these facts while the model is being built.

use std::sync::OnceLock;

#[derive(Debug, Clone, Default)]
pub(crate) struct Derived {
    /// Each firewall's zone-to-zone access ([`crate::graph::zone_matrices`]): the diagrams
    /// and the docs' firewall pages both show it, and classifying every zone pair's
    /// packets is most of either's work.
    pub zone_access: OnceLock<Vec<crate::graph::ZoneCells>>,
    /// Every view written as Mermaid ([`crate::graph::drawings`]): the Mermaid target
    /// ships the same text the docs embed.
    pub drawings: OnceLock<Vec<crate::graph::Drawing>>,
    /// Each network's DHCP and DNS server and the networks each machine serves
    /// ([`crate::roles::dhcp_server`], [`crate::roles::dhcp_networks`], …).
    pub served: OnceLock<crate::roles::ServedNetworks>,
    /// The static leases of each network ([`crate::roles::leases`]).
    pub leases: OnceLock<Vec<Vec<crate::Lease>>>,
    /// The lab's DNS records and those under each domain ([`crate::dns::records`]).
    pub records: OnceLock<crate::dns::Records>,
    /// The holder of each network's IPv6 gateway ([`crate::ipv6::gateway6_holder`]).
    pub gateway6_holders: OnceLock<Vec<Option<(crate::MachineId, usize)>>>,
    /// The overlay networks ([`crate::Model::overlay_networks`]).
    pub overlays: OnceLock<Vec<crate::NetworkId>>,
}
