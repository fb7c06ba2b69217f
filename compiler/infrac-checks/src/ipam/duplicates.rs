//! Addresses held twice (E0412), and which side of a clash is to blame.
//!
//! Some addresses are fixed points that other declarations are planned around: a
//! cluster's API address, a network's gateway held by the machine that routes, a
//! physical machine's own address. When one side of a clash is such a point, the other
//! side is the mistake, wherever it is written. Otherwise neither side is more wrong
//! than the other, so the diagnostic names both as parties and suggests a free address
//! for either.

use super::{core::Used, prefix_of, suggest_free, Assignment, Hold};
use crate::holders;
use infrac_diagnostics::{Code, Diagnostic, Span};
use infrac_model::Model;
use std::net::IpAddr;

/// How firmly an address is tied to its holder; lower is firmer.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Firmness {
    /// A cluster's API address: the servers, kubeconfigs and join tokens name it.
    Vip,
    /// A network's gateway on the machine that routes: every other machine's route.
    Gateway,
    /// A physical machine's own address (a hypervisor, a router box, a BMC).
    Physical,
    /// Any other address.
    Movable,
}

/// How firmly `a` holds its address, and the words for it.
fn firmness(model: &Model, a: &Assignment) -> (Firmness, String) {
    if a.hold == Hold::Fixed {
        return (Firmness::Vip, a.owner.to_string());
    }
    let Some(id) = a.machine else {
        return (Firmness::Movable, a.owner.to_string());
    };
    let network = model.network(a.network);
    let gateway = network.gateway.map(|g| IpAddr::V4(g.value)) == Some(a.addr)
        || network.gateway6.map(|g| IpAddr::V6(g.value)) == Some(a.addr);
    let routes = model.routers.iter().any(|r| r.machine == id)
        || model.firewalls.iter().any(|f| f.machine == id);
    if gateway && routes {
        return (
            Firmness::Gateway,
            format!(
                "the gateway of network {}, held by {}",
                network.name, a.owner
            ),
        );
    }
    if model.machine(id).guest.is_none() {
        return (Firmness::Physical, format!("the address of {}", a.owner));
    }
    (Firmness::Movable, a.owner.to_string())
}

/// One diagnostic per clash: against the fixed point when there is exactly one, else
/// one neutral diagnostic naming every holder.
pub(super) fn check(
    model: &Model,
    all: &[Assignment],
    by_addr: &[((bool, u128), u32)],
    used: &Used,
    out: &mut Vec<Diagnostic>,
) {
    // `by_addr` groups the assignments by address in address order, each group in
    // declaration order.
    for group in by_addr.chunk_by(|a, b| a.0 == b.0) {
        if group.len() < 2 {
            continue;
        }
        let holders: Vec<&Assignment> = group.iter().map(|(_, i)| &all[*i as usize]).collect();
        let addr = holders[0].addr;
        let mut ranked: Vec<(Firmness, String, &Assignment)> = holders
            .iter()
            .map(|h| {
                let (firmness, words) = firmness(model, h);
                (firmness, words, *h)
            })
            .collect();
        ranked.sort_by_key(|(firmness, _, h)| (*firmness, h.span));
        let firmest = ranked[0].0;
        let tied = ranked.iter().filter(|(f, _, _)| *f == firmest).count();
        if firmest != Firmness::Movable && tied == 1 {
            let (_, fixed, anchor) = &ranked[0];
            for (_, _, blamed) in &ranked[1..] {
                out.push(against_fixed_point(
                    model, addr, fixed, anchor, blamed, used,
                ));
            }
        } else {
            out.push(neutral(model, addr, &ranked, used));
        }
    }
}

/// The next free addresses of the network `a` is on, as a help sentence's tail.
fn free_for(model: &Model, a: &Assignment, used: &Used) -> Option<String> {
    let network = model.network(a.network);
    let (prefix, _) = prefix_of(network, a.addr.is_ipv4())?;
    suggest_free(model, a.network, prefix, used, Some(a.addr)).map(|s| {
        format!(
            "the next free addresses in {} ({prefix}) are {s}",
            network.name
        )
    })
}

fn against_fixed_point(
    model: &Model,
    addr: IpAddr,
    fixed: &str,
    anchor: &Assignment,
    blamed: &Assignment,
    used: &Used,
) -> Diagnostic {
    let help = match free_for(model, blamed, used) {
        Some(free) => format!("give {} another address: {free}", blamed.owner),
        None => format!("give {} another address", blamed.owner),
    };
    Diagnostic::error(
        Code::DUPLICATE_ADDRESS,
        format!("{} takes {addr}, {fixed}", blamed.owner),
        blamed.span,
        format!("{addr} is already {fixed}"),
    )
    .with_label(anchor.span, fixed.to_string())
    .with_help(help)
}

fn neutral(
    model: &Model,
    addr: IpAddr,
    ranked: &[(Firmness, String, &Assignment)],
    used: &Used,
) -> Diagnostic {
    let mut holders: Vec<&Assignment> = ranked.iter().map(|(_, _, h)| *h).collect();
    holders.sort_by_key(|h| h.span);
    let names: Vec<String> = holders.iter().map(|h| h.owner.to_string()).collect();
    let message = match names.as_slice() {
        [a, b] => format!("address {addr} is assigned to both {a} and {b}"),
        _ => format!(
            "address {addr} is assigned to {} holders: {}",
            names.len(),
            holders::listed(&names)
        ),
    };
    let who = holders::who(names.len());
    let last = holders[holders.len() - 1];
    let earlier: Vec<(Span, String)> = holders[..holders.len() - 1]
        .iter()
        .map(|h| (h.span, format!("{} has it", h.owner)))
        .collect();
    let mut d = holders::labelled(
        Diagnostic::error(
            Code::DUPLICATE_ADDRESS,
            message,
            last.span,
            format!("{} has it", last.owner),
        ),
        &earlier,
    );
    let network = model.network(last.network);
    let gateway = network.gateway.map(|g| IpAddr::V4(g.value)) == Some(addr)
        || network.gateway6.map(|g| IpAddr::V6(g.value)) == Some(addr);
    if gateway {
        d = d.with_note(format!(
            "{addr} is the gateway of network {}: keep it on the machine that routes for it",
            network.name
        ));
    }
    // Every holder's address written at one place: a `for` loop or a template repeats it.
    if holders.iter().all(|h| h.span == last.span) {
        let family = if addr.is_ipv4() { "ipv4" } else { "ipv6" };
        return d.with_help(format!(
            "the address is written once and repeated (by a `for` loop or a template), so every copy has it: compute it from the loop's variable, as in `host({}.{family}, 10 + i)`, or write one for each holder",
            network.name
        ));
    }
    d.with_help(match free_for(model, last, used) {
        Some(free) => format!("give {who} another address; {free}"),
        None => format!("give {who} another address"),
    })
}
