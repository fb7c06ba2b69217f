//! The check families that prove a lab fits, each a pure function over the model.
//!
//! They run after semantic analysis succeeded, so every reference in the model is valid.
//! Each family owns its codes (E04xx, W04xx) and lives in its own module.

pub mod budget;
pub mod compose;
pub mod expect;
pub mod firewall;
pub mod host_ports;
pub mod ipam;
pub mod ipv6;
pub mod login;
pub mod monitoring;
pub mod naming;
pub mod pve_bond;
pub mod pve_ceph;
pub mod pve_cluster;
pub mod pve_ha;
pub mod pve_storage;
pub mod releases;
pub mod secrets;
pub mod wiring;
pub mod workloads;

use infrac_diagnostics::Diagnostic;
use infrac_model::{Date, Machine, Model, NetworkId};

/// Runs every check family and returns their diagnostics in source order.
pub fn check(model: &Model) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    diagnostics.extend(budget::check(model));
    diagnostics.extend(compose::check(model));
    diagnostics.extend(host_ports::check(model));
    diagnostics.extend(ipam::check(model));
    diagnostics.extend(ipv6::check(model));
    diagnostics.extend(login::check(model));
    diagnostics.extend(naming::check(model));
    diagnostics.extend(pve_bond::check(model));
    diagnostics.extend(pve_ceph::check(model));
    diagnostics.extend(pve_cluster::check(model));
    diagnostics.extend(pve_ha::check(model));
    diagnostics.extend(pve_storage::check(model));
    diagnostics.extend(wiring::check(model));
    diagnostics.extend(secrets::check(model));
    diagnostics.extend(firewall::check(model));
    diagnostics.extend(expect::check(model));
    diagnostics.extend(monitoring::check(model));
    diagnostics.extend(workloads::check(model));
    diagnostics.extend(releases::newer_than_known(model));
    diagnostics.sort_by_key(Diagnostic::sort_key);
    diagnostics
}

/// Every check family, plus the ones that depend on the day of the build (images past
/// their end of support on `today`). The caller passes the day, so a build is a function
/// of its inputs and tests pin it.
pub fn check_on(model: &Model, today: Date) -> Vec<Diagnostic> {
    let mut diagnostics = check(model);
    diagnostics.extend(releases::check(model, today));
    diagnostics.sort_by_key(Diagnostic::sort_key);
    diagnostics
}

/// The networks a machine is on: through its NICs (addressed or DHCP) and its placed
/// addresses, in that order, each once. The BMC is a separate device and is left out.
pub(crate) fn networks_of(machine: &Machine) -> Vec<NetworkId> {
    let mut out: Vec<NetworkId> = Vec::new();
    let attached = machine.attached().map(|(_, _, n)| n);
    for network in attached.chain(machine.addresses.iter().map(|p| p.network)) {
        if !out.contains(&network) {
            out.push(network);
        }
    }
    out
}
