//! Overlapping prefixes: two networks (E0420), or a cluster's pod or service CIDR and
//! the lab's networks or another cluster CIDR (E0421).

use super::core::overlapping_pairs;
use infrac_diagnostics::{and_list, Code, Diagnostic, Span};
use infrac_model::Model;
use ipnet::IpNet;
use std::collections::BTreeMap;
use std::net::Ipv4Addr;

/// One prefix in the lab and what it belongs to.
struct PrefixUse {
    net: IpNet,
    span: Span,
    what: String,
    cluster: bool,
}

/// Every pair of overlapping prefixes, and every cluster CIDR that meets a network.
pub(super) fn check(model: &Model, out: &mut Vec<Diagnostic>) {
    let mut uses = Vec::new();
    for n in &model.networks {
        if let Some(p) = n.ipv4 {
            uses.push(PrefixUse {
                net: IpNet::V4(p.value),
                span: p.span,
                what: format!("network {}", n.name),
                cluster: false,
            });
        }
        if let Some(p) = n.ipv6 {
            uses.push(PrefixUse {
                net: IpNet::V6(p.value),
                span: p.span,
                what: format!("network {}", n.name),
                cluster: false,
            });
        }
    }
    for c in &model.clusters {
        let cidrs = [
            (Some(c.pods), "pod CIDR"),
            (Some(c.services), "service CIDR"),
            (c.pods6, "IPv6 pod CIDR"),
            (c.services6, "IPv6 service CIDR"),
        ];
        for (cidr, what) in cidrs {
            if let Some(p) = cidr {
                uses.push(PrefixUse {
                    net: p.value,
                    span: p.span,
                    what: format!("the {what} of cluster {}", c.name),
                    cluster: true,
                });
            }
        }
    }
    let nets: Vec<IpNet> = uses.iter().map(|u| u.net).collect();
    // A cluster CIDR that overlaps several networks is one mistake: one diagnostic at
    // the CIDR, with every network it meets as a secondary label.
    let mut cluster_meets: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for (i, j) in overlapping_pairs(&nets) {
        let (a, b) = (&uses[i], &uses[j]);
        match (a.cluster, b.cluster) {
            (false, false) => out.push(network_overlap(a, b)),
            (true, false) => cluster_meets.entry(i).or_default().push(j),
            (false, true) => cluster_meets.entry(j).or_default().push(i),
            (true, true) => out.push(cluster_cidrs_overlap(a, b)),
        }
    }
    for (cidr, networks) in cluster_meets {
        let cidr = &uses[cidr];
        let names: Vec<String> = networks
            .iter()
            .map(|n| format!("{} ({})", uses[*n].what, uses[*n].net))
            .collect();
        let mut d = Diagnostic::error(
            Code::CLUSTER_CIDR_COLLISION,
            format!("{} ({}) overlaps {}", cidr.what, cidr.net, and_list(&names)),
            cidr.span,
            format!(
                "overlaps {}",
                if names.len() == 1 {
                    "a network of the lab".to_string()
                } else {
                    format!("{} networks of the lab", names.len())
                }
            ),
        );
        for n in &networks {
            d = d.with_label(
                uses[*n].span,
                format!("{} is {}", uses[*n].what, uses[*n].net),
            );
        }
        let help = match free_cluster_range(&nets, cidr.net) {
            Some(free) => {
                format!("use a range that no network of the lab overlaps, such as {free}")
            }
            None => "use a range that no network of the lab overlaps".to_string(),
        };
        out.push(
            d.with_help(help).with_note(
                "the cluster routes these addresses to its pods or services, so machines of an overlapping network become unreachable from inside the cluster",
            ),
        );
    }
}

/// Two networks' prefixes overlap (E0420): the later declaration is the primary label.
fn network_overlap(a: &PrefixUse, b: &PrefixUse) -> Diagnostic {
    let (first, second) = if a.span <= b.span { (a, b) } else { (b, a) };
    let relation = if first.net.trunc() == second.net.trunc() {
        format!("the same prefix as {} ({})", first.what, first.net)
    } else if first.net.contains(&second.net) {
        format!("inside {} ({})", first.what, first.net)
    } else {
        format!("around {} ({})", first.what, first.net)
    };
    Diagnostic::error(
        Code::OVERLAPPING_PREFIXES,
        format!(
            "{} ({}) overlaps {} ({})",
            second.what, second.net, first.what, first.net
        ),
        second.span,
        relation,
    )
    .with_label(first.span, format!("{} is {}", first.what, first.net))
    .with_help("give each network its own prefix")
}

/// Two cluster CIDRs overlap: a cluster's pod and service ranges, or two clusters'.
fn cluster_cidrs_overlap(a: &PrefixUse, b: &PrefixUse) -> Diagnostic {
    let (first, second) = if a.span <= b.span { (a, b) } else { (b, a) };
    Diagnostic::error(
        Code::CLUSTER_CIDR_COLLISION,
        format!(
            "{} ({}) overlaps {} ({})",
            second.what, second.net, first.what, first.net
        ),
        second.span,
        format!("overlaps {}", first.what),
    )
    .with_label(first.span, format!("{} is {}", first.what, first.net))
    .with_help(
        "give pods and services ranges of their own that do not meet (k3s defaults: pods 10.42.0.0/16, services 10.43.0.0/16)",
    )
}

/// A private IPv4 range of the same size as `wanted` that overlaps nothing in `taken`:
/// first in 10.0.0.0/8 from 10.42.0.0 (k3s's default), then in 172.16.0.0/12.
fn free_cluster_range(taken: &[IpNet], wanted: IpNet) -> Option<IpNet> {
    let IpNet::V4(v4) = wanted else { return None };
    let len = v4.prefix_len().max(12);
    let step = 1u32.checked_shl(32 - u32::from(len)).unwrap_or(0);
    if step == 0 {
        return None;
    }
    let pools = [
        (
            u32::from(Ipv4Addr::new(10, 42, 0, 0)),
            u32::from(Ipv4Addr::new(10, 255, 255, 255)),
        ),
        (
            u32::from(Ipv4Addr::new(172, 16, 0, 0)),
            u32::from(Ipv4Addr::new(172, 31, 255, 255)),
        ),
    ];
    for (start, end) in pools {
        let mut at = start - start % step;
        while at <= end && at.checked_add(step - 1).is_some_and(|last| last <= end) {
            let candidate = ipnet::Ipv4Net::new(Ipv4Addr::from(at), len).ok()?;
            let candidate = IpNet::V4(candidate);
            if !taken
                .iter()
                .any(|t| t.contains(&candidate.network()) || candidate.contains(&t.network()))
            {
                return Some(candidate);
            }
            at = at.checked_add(step)?;
        }
    }
    None
}
