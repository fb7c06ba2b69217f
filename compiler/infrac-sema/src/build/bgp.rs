//! A BGP peer's hygiene settings (`receive.ipv6 = default`, `max_prefixes.ipv4 = …`,
//! `prefer = 1`, …), read into the model, and the settings that contradict each other
//! or have nothing to act on (E0470); an IPv6 next hop declared off the link to the
//! neighbour (E0471).

use crate::fields::Fields;
use crate::Sema;
use infrac_diagnostics::{Code, Diagnostic, Span};
use infrac_model::bgp::{
    family_index, peer_nic, session_families, LimitAction, PeerHygiene, Receive, MAX_LENGTH,
    MIN_LENGTH,
};
use infrac_model::{BgpPeer, BgpRouter, IpFamily, Model, Network, Nic};

const FAMILIES: [(IpFamily, &str); 2] = [(IpFamily::Ipv4, "ipv4"), (IpFamily::Ipv6, "ipv6")];

fn receive(word: &str) -> Option<Receive> {
    match word {
        "full" => Some(Receive::Full),
        "default" => Some(Receive::Default),
        "none" => Some(Receive::None),
        _ => None,
    }
}

fn limit_action(word: &str) -> Option<LimitAction> {
    match word {
        "warn" => Some(LimitAction::Warn),
        "block" => Some(LimitAction::Block),
        "restart" => Some(LimitAction::Restart),
        "disable" => Some(LimitAction::Disable),
        _ => None,
    }
}

/// The hygiene settings of a `peer` block as written.
pub(crate) fn peer_hygiene(f: &Fields) -> PeerHygiene {
    let mut h = PeerHygiene::default();
    for (family, name) in FAMILIES {
        let i = family_index(family);
        h.receive[i] = f
            .string(&format!("receive.{name}"))
            .and_then(|w| receive(&w));
        h.max_prefixes[i] = f.u32(&format!("max_prefixes.{name}")).map(|v| v.value);
        h.min_length[i] = f.int(&format!("min_length.{name}")).map(|v| v.value as u8);
        h.max_length[i] = f.int(&format!("max_length.{name}")).map(|v| v.value as u8);
    }
    h.limit_action = f
        .string("max_prefixes_action")
        .and_then(|w| limit_action(&w));
    h.max_path_length = f.int("max_path_length").map(|v| v.value as u8);
    h.enforce_first_as = f.bool("enforce_first_as");
    h.reject_bogon_asns = f.bool("reject_bogon_asns");
    h.rpki = f.bool("rpki");
    h.ttl_security = f.bool("ttl_security");
    h.bfd = f.bool("bfd").unwrap_or(false);
    h.graceful_restart = f.bool("graceful_restart");
    // Out-of-range hold times are reported by `check_peer`; they never reach the model.
    h.hold_time = f
        .duration("hold_time")
        .and_then(|d| hold_seconds(d.0))
        .and_then(|s| u16::try_from(s).ok());
    h.prefer = f.int("prefer").map(|v| v.value as u8);
    h.local_pref = f.u32("local_pref").map(|v| v.value);
    h.next_hop6 = f.ipv6("next_hop6").map(|v| v.value);
    h
}

/// A hold time in whole seconds, if BGP accepts it (RFC 4271 section 4.2: zero, or at
/// least three seconds; the field is 16 bits).
fn hold_seconds(millis: u64) -> Option<u64> {
    let seconds = millis / 1000;
    (millis.is_multiple_of(1000) && (seconds == 0 || (3..=65535).contains(&seconds)))
        .then_some(seconds)
}

impl Sema<'_> {
    /// Reports the settings of one peer that contradict each other or act on nothing.
    pub(crate) fn check_peer(
        &mut self,
        router: &BgpRouter,
        peer: &BgpPeer,
        f: &Fields,
        announce_failed: bool,
    ) {
        let span = |name: &str| f.get(name).map(|field| field.span);
        let families = session_families(router, peer);
        let mut problems: Vec<Problem> = Vec::new();
        if let (Some(_), Some(l)) = (span("prefer"), span("local_pref")) {
            problems.push((
                l,
                "`local_pref` and `prefer` both set the peer's preference".into(),
                "a second preference; `prefer` already ranks this peer".into(),
                "keep one: delete `local_pref = …` to rank the peer with `prefer`, or delete `prefer = …` to set the value itself".into(),
            ));
        }
        if let (Some(s), None) = (span("rpki"), &router.rpki) {
            if peer.hygiene.rpki == Some(true) {
                problems.push((
                    s,
                    "`rpki = true` but the router declares no RPKI cache".into(),
                    "nothing to validate against".into(),
                    "declare the cache in the `bgp` block (`rpki { server = … }`), or delete `rpki = true`".into(),
                ));
            }
        }
        if let Some(s) = span("hold_time") {
            if peer.hygiene.hold_time.is_none() {
                problems.push((
                    s,
                    "BGP hold time out of range".into(),
                    "not 0 s or a whole number of seconds from 3 to 65535".into(),
                    "write a hold time of whole seconds, at least `3s` (RFC 4271), such as `hold_time = 90s`".into(),
                ));
            }
        }
        // What a session carries and receives follows from its families and from what the
        // router announces: when either failed, it is reported there, not judged here.
        if !announce_failed && !f.reported("families") {
            channel_problems(router, peer, f, &families, &mut problems);
        }
        for (at, message, label, help) in problems {
            self.diags.push(
                Diagnostic::error(Code::BGP_PEER_SETTING, message, at, label)
                    .with_label(peer.span, format!("peer `{}`", peer.name))
                    .with_help(help),
            );
        }
    }
}

/// A setting at fault, its message, label and help.
type Problem = (Span, String, String, String);

/// The settings of a peer's channels that contradict what the session carries or
/// receives.
fn channel_problems(
    router: &BgpRouter,
    peer: &BgpPeer,
    f: &Fields,
    families: &[IpFamily],
    problems: &mut Vec<Problem>,
) {
    let span = |name: &str| f.get(name).map(|field| field.span);
    if let Some(s) = span("next_hop6") {
        if !families.contains(&IpFamily::Ipv6) {
            problems.push((
                s,
                "`next_hop6` on a session that carries no IPv6".into(),
                "no IPv6 route is announced over this session".into(),
                "delete `next_hop6`, or add `ipv6` to the session's `families`".into(),
            ));
        }
    }
    let mut any_full = false;
    for (family, name) in FAMILIES {
        let i = family_index(family);
        let carried = families.contains(&family);
        let policy = peer.channel_policy(router, family);
        any_full |= carried && policy.receive == Receive::Full;
        let per_family = ["receive", "max_prefixes", "min_length", "max_length"];
        if !carried {
            for attr in per_family {
                if let Some(s) = span(&format!("{attr}.{name}")) {
                    problems.push((
                        s,
                        format!("`{attr}.{name}` on a session that carries no {name}"),
                        format!("this session has no {name} channel"),
                        format!(
                            "delete `{attr}.{name}`, or add `{name}` to the session's `families`"
                        ),
                    ));
                }
            }
            continue;
        }
        if let Some(s) = span(&format!("max_prefixes.{name}")) {
            if policy.receive != Receive::Full {
                problems.push((
                    s,
                    format!(
                        "`max_prefixes.{name}` limits a session that receives no full {name} table"
                    ),
                    format!("{name} routes: `{}`", policy.receive.as_str()),
                    format!("delete `max_prefixes.{name}`, or set `receive.{name} = full`"),
                ));
            }
        }
        let (min, max) = (policy.min_length, policy.max_length);
        if min > max {
            let at = span(&format!("min_length.{name}"))
                .or_else(|| span(&format!("max_length.{name}")))
                .unwrap_or(peer.span);
            problems.push((
                at,
                format!(
                    "{name} prefixes must be at least /{min} and at most /{max}: no prefix is both"
                ),
                format!("minimum /{min} above maximum /{max}"),
                format!(
                    "choose a minimum at or below the maximum (the defaults are /{} and /{})",
                    MIN_LENGTH[i], MAX_LENGTH[i]
                ),
            ));
        }
    }
    if let Some(s) = span("max_prefixes_action") {
        if !any_full {
            problems.push((
                s,
                "`max_prefixes_action` on a session without a receive limit".into(),
                "no channel of this session receives a full table".into(),
                "delete `max_prefixes_action`, or set `receive.ipv4 = full` or `receive.ipv6 = full`".into(),
            ));
        }
    }
    if peer.accept_default && !any_full {
        if let Some(s) = span("accept_default") {
            problems.push((
                s,
                "`accept_default` on a session that receives no full table".into(),
                "the default route is all or nothing of what this session learns".into(),
                "delete `accept_default`; `receive.ipv4 = default` or `receive.ipv6 = default` learns only the default route".into(),
            ));
        }
    }
}

/// The router's NIC toward a neighbour and its network.
fn link<'m>(
    model: &'m Model,
    router: &BgpRouter,
    peer: &BgpPeer,
) -> Option<(&'m Nic, &'m Network)> {
    let nic = peer_nic(model, router, peer.neighbor.value)?;
    Some((nic, model.network(nic.network?)))
}

impl Sema<'_> {
    /// Reports an IPv6 next hop declared off the link toward the neighbour (E0471): the
    /// neighbour could not reach it directly. (A neighbour off every link of the router
    /// is E0444, reported by the wiring checks.)
    pub(crate) fn check_peer_link(
        &mut self,
        model: &Model,
        router: &BgpRouter,
        peer: &BgpPeer,
        f: &Fields,
    ) {
        // A multihop session reaches its neighbour through other routers: its next hop
        // is resolved there, not on a shared link.
        if peer.multihop.is_some() {
            return;
        }
        let Some((nic, network)) = link(model, router, peer) else {
            return;
        };
        let machine = &model.machine(router.machine).name;
        let link6 = network.ipv6.map(|p| p.value);
        if let (Some(declared), Some(at)) = (peer.hygiene.next_hop6, f.get("next_hop6")) {
            let own = nic.ip6.map(|a| a.value);
            let problem = match (link6, own) {
                (Some(p), _) if !p.contains(&declared) => Some(format!(
                    "outside {p}, the IPv6 subnet of `{}`",
                    network.name
                )),
                (_, Some(own)) if own != declared => Some(format!(
                    "`{machine}`'s address on `{}` is {own}",
                    network.name
                )),
                _ => None,
            };
            if let Some(label) = problem {
                let help = match own {
                    Some(own) => format!("announce the router's address on that link: `next_hop6 = {own}`"),
                    None => "delete `next_hop6`; BIRD then announces the router's own IPv6 address on that link".to_string(),
                };
                self.diags.push(
                    Diagnostic::error(
                        Code::BGP_NEXT_HOP_OFF_LINK,
                        format!(
                            "IPv6 next hop {declared} is not `{machine}`'s address on the link to `{}`",
                            peer.name
                        ),
                        at.span,
                        label,
                    )
                    .with_label(peer.span, format!("peer `{}`", peer.name))
                    .with_help(help),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::hold_seconds;

    #[test]
    fn hold_times_follow_rfc_4271() {
        assert_eq!(hold_seconds(0), Some(0));
        assert_eq!(hold_seconds(1000), None);
        assert_eq!(hold_seconds(3000), Some(3));
        assert_eq!(hold_seconds(90_000), Some(90));
        assert_eq!(hold_seconds(90_500), None);
        assert_eq!(hold_seconds(65_536_000), None);
    }
}
