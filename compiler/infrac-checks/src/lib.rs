//! The check families that prove a lab fits, each a pure function over the model.
//!
//! They run after semantic analysis succeeded, so every reference in the model is valid.
//! Each family owns its codes (E04xx, W04xx) and lives in its own module.

pub mod budget;
pub mod compose;
pub mod etcd;
pub mod expect;
pub mod firewall;
mod holders;
pub mod host_ports;
pub mod ipam;
pub mod ipv6;
pub mod login;
pub mod monitoring;
pub mod naming;
mod nfs;
pub mod pve_bond;
pub mod pve_ceph;
pub mod pve_cluster;
pub mod pve_ha;
pub mod pve_storage;
pub mod releases;
pub mod secrets;
pub mod wireguard;
pub mod wiring;
pub mod workloads;

use infrac_diagnostics::Diagnostic;
use infrac_model::parallel::Spread;
use infrac_model::{Date, Machine, Model, NetworkId};

/// A check family: a pure function from the model to what it finds.
type Family = fn(&Model) -> Vec<Diagnostic>;

/// Every family that depends on nothing but the model, in the order their findings are
/// listed before sorting (the sort is stable, so this order breaks ties).
const FAMILIES: [Family; 21] = [
    budget::check,
    compose::check,
    host_ports::check,
    ipam::check,
    ipv6::check,
    login::check,
    naming::check,
    pve_bond::check,
    pve_ceph::check,
    pve_cluster::check,
    pve_ha::check,
    etcd::check,
    pve_storage::check,
    wiring::check,
    wireguard::check,
    secrets::check,
    firewall::check,
    expect::check,
    monitoring::check,
    workloads::check,
    releases::newer_than_known,
];

/// Runs every check family, on the machine's cores, and returns their diagnostics in
/// source order.
pub fn check(model: &Model) -> Vec<Diagnostic> {
    check_spread(model, Spread::Cores)
}

/// [`check`], with the families run as `spread` says.
pub fn check_spread(model: &Model, spread: Spread) -> Vec<Diagnostic> {
    let mut diagnostics: Vec<Diagnostic> = run_families(model, &FAMILIES, spread)
        .into_iter()
        .flatten()
        .collect();
    diagnostics.sort_by_key(Diagnostic::sort_key);
    diagnostics
}

/// Runs `families` over `model` as `spread` says and returns their findings in the order
/// of `families`, so the result is the same as running them one after another. The
/// families are independent and read the model only; in an editor the check is on the
/// path from a keystroke to its diagnostics.
fn run_families(model: &Model, families: &[Family], spread: Spread) -> Vec<Vec<Diagnostic>> {
    infrac_model::parallel::map_spread(spread, families, |family| family(model))
}

/// Every check family, plus the ones that depend on the day of the build (images past
/// their end of support on `today`). The caller passes the day, so a build is a function
/// of its inputs and tests pin it.
pub fn check_on(model: &Model, today: Date, spread: Spread) -> Vec<Diagnostic> {
    let mut diagnostics = check_spread(model, spread);
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
