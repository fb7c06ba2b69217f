//! The facts about one NixOS guest that the configuration sections share.

use crate::network::interface_name;
use infrac_model::{roles, Cluster, Guest, GuestId, GuestService, Image, Model, Site};
use std::net::Ipv4Addr;

/// One NixOS guest with its model around it.
pub(crate) struct GuestView<'a> {
    pub model: &'a Model,
    pub id: GuestId,
    pub guest: &'a Guest,
    pub image: &'a Image,
}

impl<'a> GuestView<'a> {
    /// The site of the guest's host.
    pub(crate) fn site(&self) -> &'a Site {
        self.model.site(self.model.host(self.guest.host).site)
    }
    /// The site's DNS domain.
    pub(crate) fn domain(&self) -> Option<&'a str> {
        self.site().domain.as_deref()
    }
    /// The in-guest name of the `index`-th interface.
    pub(crate) fn interface(&self, index: usize) -> String {
        interface_name(self.guest.kind, index)
    }
    /// The guest's service called `name`, if it declares one.
    pub(crate) fn service(&self, name: &str) -> Option<&'a GuestService> {
        self.guest.services.iter().find(|s| s.name == name)
    }
    /// Whether the guest declares the service `name`.
    pub(crate) fn runs(&self, name: &str) -> bool {
        self.service(name).is_some()
    }
    /// The first port of service `name`, or `default` when it declares none.
    pub(crate) fn port(&self, name: &str, default: u16) -> u16 {
        self.service(name)
            .and_then(|s| s.ports.first())
            .map_or(default, |p| p.first)
    }
    /// Whether the guest has a `firewall` block (the nftables target writes its ruleset).
    pub(crate) fn has_firewall(&self) -> bool {
        self.model.firewalls.iter().any(|f| f.guest == self.id)
    }
    /// Whether the guest routes for others.
    pub(crate) fn is_router(&self) -> bool {
        roles::is_router(self.model, self.id)
    }
    /// The clusters the guest is a node of, with whether it is a server there.
    pub(crate) fn clusters(&self) -> Vec<(&'a Cluster, bool)> {
        self.model
            .clusters
            .iter()
            .filter_map(|c| {
                if c.servers.iter().any(|s| s.value == self.id) {
                    Some((c, true))
                } else if c.agents.iter().any(|a| a.value == self.id) {
                    Some((c, false))
                } else {
                    None
                }
            })
            .collect()
    }
}

/// The first static IPv4 address of a guest: how other machines reach it.
pub(crate) fn first_ipv4(guest: &Guest) -> Option<Ipv4Addr> {
    guest.nics.iter().find_map(|n| n.ip.map(|ip| ip.value))
}
