//! The view-model of one `bird.conf`: sessions, channels and filter contents decided here.

use crate::{bogons, session};
use infrac_diagnostics::{Code, Diagnostic};
use infrac_model::bgp::{self, session_families, NextHop6, Receive};
use infrac_model::policy::{self, interface_name};
use infrac_model::{BgpPeer, BgpRouter, Community, IpFamily, Model};
use infrac_templates::text::{bird_string, comment_safe};
use ipnet::IpNet;
use serde::Serialize;
use std::collections::BTreeSet;

/// The whole file.
#[derive(Debug, Serialize)]
pub(crate) struct BirdConf {
    pub source: String,
    pub router: String,
    pub router_id: String,
    pub asn: u32,
    /// Quoted interface names for `protocol direct`.
    pub interfaces: Vec<String>,
    pub families: Vec<FamilyView>,
    pub rpki: Option<RpkiView>,
    /// Set elements of `BOGON_ASNS`, one per line, when a peer checks paths against it.
    pub bogon_asns: Vec<String>,
    /// Whether a session uses BFD, so the BFD protocol runs.
    pub bfd: bool,
    pub peers: Vec<PeerView>,
}

/// What one address family needs: prefix sets, origination, the kernel protocol.
#[derive(Debug, Serialize)]
pub(crate) struct FamilyView {
    /// `ipv4` or `ipv6`.
    pub name: &'static str,
    /// `v4` or `v6`.
    pub suffix: &'static str,
    /// `V4` or `V6`, for constant names.
    pub upper: &'static str,
    /// The announced prefixes, exact.
    pub own: Vec<String>,
    /// The site's own address space and everything inside it (`prefix+`).
    pub own_space: Vec<String>,
    /// Set elements with their trailing comma and comment, one per line.
    pub bogons: Vec<String>,
    pub default_route: &'static str,
    /// For IPv6: only global unicast is accepted.
    pub global_unicast: Option<&'static str>,
}

/// The RPKI cache.
#[derive(Debug, Serialize)]
pub(crate) struct RpkiView {
    pub server: String,
    pub port: u16,
}

/// One BGP session.
#[derive(Debug, Serialize)]
pub(crate) struct PeerView {
    /// The BIRD protocol name (`bgp_transit_1`).
    pub protocol: String,
    /// The peer's name in the source.
    pub name: String,
    /// Short name for filters (`transit_1`).
    pub id: String,
    pub description: Option<String>,
    pub neighbor: String,
    pub asn: u32,
    pub source_address: Option<String>,
    pub multihop: Option<u8>,
    /// The secret file holding `password "…";`.
    pub password_file: Option<String>,
    pub hold_time: u16,
    pub graceful_restart: bool,
    pub ttl_security: bool,
    pub bfd: bool,
    /// The AS path checks, as BIRD conditions each followed by `then reject;`.
    pub path_checks: Vec<String>,
    /// Set elements of this peer's own bogon ASN set (`BOGON_ASNS_<id>`), when its ASN
    /// is itself private or reserved and is cut out of the shared set.
    pub own_bogon_asns: Vec<String>,
    pub channels: Vec<ChannelView>,
}

/// One address family of a session.
#[derive(Debug, Serialize)]
pub(crate) struct ChannelView {
    pub name: &'static str,
    pub suffix: &'static str,
    pub upper: &'static str,
    pub next_hop: Option<String>,
    pub extended_next_hop: bool,
    /// `full`, `default` or `none`.
    pub receive: &'static str,
    pub accept_default: bool,
    pub default_route: &'static str,
    pub min_length: u8,
    pub max_length: u8,
    /// `import limit` with its action (`1500000 action restart`).
    pub limit: Option<String>,
    pub local_pref: u32,
    pub rpki: bool,
    /// Whether the site announces anything in this family.
    pub announces: bool,
    /// `bgp_community.add((…));` and `bgp_path.prepend(LOCAL_AS);` statements for
    /// exported routes.
    pub export_statements: Vec<String>,
}

fn family_names(family: IpFamily) -> (&'static str, &'static str, &'static str) {
    match family {
        IpFamily::Ipv4 => ("ipv4", "v4", "V4"),
        IpFamily::Ipv6 => ("ipv6", "v6", "V6"),
    }
}

fn net_family(net: &IpNet) -> IpFamily {
    match net {
        IpNet::V4(_) => IpFamily::Ipv4,
        IpNet::V6(_) => IpFamily::Ipv6,
    }
}

/// A BIRD identifier from a source name: letters, digits and `_`.
fn identifier(name: &str) -> String {
    let mut id: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if !id.starts_with(|c: char| c.is_ascii_alphabetic()) {
        id.insert(0, 'p');
    }
    id
}

fn community_statement(c: &Community) -> String {
    match c {
        Community::Standard(a, b) => format!("bgp_community.add(({a}, {b}));"),
        Community::Large(a, b, c) => format!("bgp_large_community.add(({a}, {b}, {c}));"),
    }
}

fn family_view(model: &Model, router: &BgpRouter, family: IpFamily) -> FamilyView {
    let (name, suffix, upper) = family_names(family);
    let own: Vec<String> = router
        .announce
        .iter()
        .filter(|n| net_family(&n.value) == family)
        .map(|n| n.value.trunc().to_string())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let site = model.site_of(router.machine);
    let mut space: BTreeSet<String> = router
        .announce
        .iter()
        .filter(|n| net_family(&n.value) == family)
        .map(|n| format!("{}+", n.value.trunc()))
        .collect();
    match family {
        IpFamily::Ipv4 => space.extend(site.ipv4.map(|p| format!("{}+", p.value.trunc()))),
        IpFamily::Ipv6 => space.extend(site.ipv6.map(|p| format!("{}+", p.value.trunc()))),
    }
    let list: &[(&str, &str)] = match family {
        IpFamily::Ipv4 => &bogons::IPV4,
        IpFamily::Ipv6 => &bogons::IPV6,
    };
    let bogons = list
        .iter()
        .enumerate()
        .map(|(i, (prefix, why))| {
            let comma = if i + 1 < list.len() { "," } else { "" };
            format!("{prefix}+{comma}\t# {why}")
        })
        .collect();
    FamilyView {
        name,
        suffix,
        upper,
        own,
        own_space: space.into_iter().collect(),
        bogons,
        default_route: match family {
            IpFamily::Ipv4 => "0.0.0.0/0",
            IpFamily::Ipv6 => "::/0",
        },
        global_unicast: match family {
            IpFamily::Ipv4 => None,
            IpFamily::Ipv6 => Some("2000::/3+"),
        },
    }
}

/// The view of one BGP router, or the limitations that stop it.
pub(crate) fn bird_conf(model: &Model, router: &BgpRouter) -> Result<BirdConf, Vec<Diagnostic>> {
    let machine = model.machine(router.machine);
    let mut problems = Vec::new();
    let mut used_ids = BTreeSet::new();
    let mut peers = Vec::new();
    let mut all_families: BTreeSet<IpFamily> = router
        .announce
        .iter()
        .map(|n| net_family(&n.value))
        .collect();
    for peer in &router.peers {
        let mut id = identifier(&peer.name);
        let mut n = 2;
        while !used_ids.insert(id.clone()) {
            id = format!("{}_{n}", identifier(&peer.name));
            n += 1;
        }
        let session = policy::family_of(peer.neighbor.value);
        let next_hop6 = bgp::ipv6_next_hop(model, router, peer);
        let mut channels = Vec::new();
        let families = session_families(router, peer);
        for &family in &families {
            let policy = peer.channel_policy(router, family);
            // A channel that neither learns nor announces anything is left out, unless
            // the session would have none.
            let idle = policy.receive == Receive::None && !bgp::announces(router, family);
            if idle && families.len() > 1 {
                continue;
            }
            all_families.insert(family);
            let (name, suffix, upper) = family_names(family);
            let fv = family_view(model, router, family);
            let mut next_hop = None;
            if family == IpFamily::Ipv6 {
                match next_hop6 {
                    Some(NextHop6::Declared(a) | NextHop6::Interface(a)) => {
                        next_hop = Some(a.to_string())
                    }
                    // A direct session takes the interface's IPv6 address at run time.
                    Some(NextHop6::Runtime) | None => {}
                    Some(NextHop6::Missing) => {
                        if !fv.own.is_empty() {
                            problems.push(no_next_hop(model, router, peer));
                        }
                    }
                }
            }
            channels.push(ChannelView {
                name,
                suffix,
                upper,
                next_hop,
                extended_next_hop: session == IpFamily::Ipv6 && family == IpFamily::Ipv4,
                receive: policy.receive.as_str(),
                accept_default: policy.accept_default,
                default_route: fv.default_route,
                min_length: policy.min_length,
                max_length: policy.max_length,
                limit: policy
                    .max_prefixes
                    .map(|n| format!("{n} action {}", policy.limit_action.as_str())),
                local_pref: peer.local_pref(),
                rpki: peer.rpki(router),
                announces: !fv.own.is_empty(),
                export_statements: router
                    .communities
                    .iter()
                    .chain(&peer.communities)
                    .map(|c| c.value)
                    .collect::<BTreeSet<_>>()
                    .iter()
                    .map(community_statement)
                    .chain((0..peer.prepends()).map(|_| "bgp_path.prepend(LOCAL_AS);".to_string()))
                    .collect(),
            });
        }
        let receives = channels.iter().any(|c| c.receive != Receive::None.as_str());
        let own_bogons = peer.reject_bogon_asns() && bgp::is_bogon_asn(peer.asn.value);
        peers.push(PeerView {
            protocol: format!("bgp_{id}"),
            name: peer.name.clone(),
            description: peer.description.as_deref().map(bird_string),
            neighbor: peer.neighbor.value.to_string(),
            asn: peer.asn.value,
            source_address: peer.source.map(|a| a.to_string()),
            multihop: peer.multihop,
            password_file: peer.password.as_ref().map(|s| bgp::password_file(&s.0)),
            hold_time: peer.hold_time(),
            graceful_restart: peer.graceful_restart(),
            ttl_security: peer.ttl_security(),
            bfd: peer.hygiene.bfd,
            path_checks: if receives {
                session::path_checks(peer, &id, own_bogons)
            } else {
                Vec::new()
            },
            own_bogon_asns: if own_bogons && receives {
                session::asn_set(&bgp::bogon_asns_except(peer.asn.value))
            } else {
                Vec::new()
            },
            id,
            channels,
        });
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let source = policy::source_line(model, router.span);
    Ok(BirdConf {
        source: comment_safe(source.split(':').next().unwrap_or_default()),
        router: machine.name.clone(),
        router_id: router.router_id.value.to_string(),
        asn: router.asn.value,
        // The interfaces that carry addresses; a bare port without a network has no route
        // to contribute.
        interfaces: machine
            .attached()
            .map(|(i, _, _)| format!("\"{}\"", interface_name(model, machine, i)))
            .collect(),
        families: all_families
            .into_iter()
            .map(|f| family_view(model, router, f))
            .collect(),
        rpki: router.rpki.as_ref().map(|r| RpkiView {
            server: r.server.value.to_string(),
            port: r.port,
        }),
        bogon_asns: if peers
            .iter()
            .any(|p| p.path_checks.iter().any(|c| c.ends_with("~ BOGON_ASNS")))
        {
            session::asn_set(&bgp::BOGON_ASNS)
        } else {
            Vec::new()
        },
        bfd: peers.iter().any(|p| p.bfd),
        peers,
    })
}

fn no_next_hop(model: &Model, router: &BgpRouter, peer: &BgpPeer) -> Diagnostic {
    let machine = model.machine(router.machine);
    let v6: Vec<String> = router
        .announce
        .iter()
        .map(|n| n.value)
        .filter(|n| net_family(n) == IpFamily::Ipv6)
        .map(|n| n.to_string())
        .collect();
    let mut d = Diagnostic::error(
        Code::BIRD_NO_NEXT_HOP,
        format!(
            "bird cannot announce IPv6 routes to `{}`: the IPv4 session has no IPv6 next hop",
            peer.name
        ),
        peer.neighbor.span,
        "an IPv4 neighbour, but the session also carries IPv6",
    );
    if let Some(first) = router
        .announce
        .iter()
        .find(|n| net_family(&n.value) == IpFamily::Ipv6)
    {
        d = d.with_label(first.span, "IPv6 announced here");
    }
    d.with_note(format!(
        "routes to {} must name an IPv6 address of `{}` as their next hop; {}",
        v6.join(", "),
        machine.name,
        if peer.multihop.is_some() {
            "a multihop session has no interface to take one from"
        } else {
            "the interface toward this peer has no IPv6 address"
        }
    ))
    .with_help(format!(
        "give `{}` a static IPv6 address on the network toward the peer (`ip6 = …`), \
         add an IPv6 peer, or limit this session with `families = [ipv4]`",
        machine.name
    ))
}
