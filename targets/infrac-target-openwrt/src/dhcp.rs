//! `/etc/config/dhcp`: dnsmasq, OpenWrt's DHCP server and DNS resolver.
//!
//! Option names and their meaning are those of OpenWrt's dnsmasq init script
//! (openwrt/openwrt `package/network/services/dnsmasq/files/dnsmasq.init`, commit
//! 48615712, the 25.12 series), documented at
//! <https://openwrt.org/docs/guide-user/base-system/dhcp>. The common options repeat
//! OpenWrt's shipped defaults (`files/dhcp.conf`), since this file replaces it:
//! - `config dnsmasq`: `domain` and `local` from the site's domain, so names under it
//!   are answered here and never forwarded;
//! - `config dhcp NETWORK` for every network of the router: on the networks it serves,
//!   the pool as `start` (offset of the range's first address from the network address)
//!   and `limit` (its size), which the init script turns back into `dhcp-range=FIRST,
//!   LAST`; on the others `ignore`, so dnsmasq stays silent there;
//! - `config host` for every static lease of a served network;
//! - `config domain` for every address record under the site's domain
//!   (`infrac_model::dns::records_under`, the names every resolver of the lab answers),
//!   when the router answers DNS: the init script writes them to dnsmasq's hosts file.

use crate::network::{Layout, Proto};
use crate::uci::Section;
use crate::Problems;
use infrac_diagnostics::{Code, Diagnostic, Span};
use infrac_model::policy::source_line;
use infrac_model::{dns, ipv6, roles, MachineId, Model, NetworkId};
use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr};

/// OpenWrt's default lease time (`dhcp.conf`); the lab does not set one.
const LEASE_TIME: &str = "12h";

/// The sections of `/etc/config/dhcp`.
pub fn sections(
    model: &Model,
    id: MachineId,
    layout: &Layout,
    problems: &mut Problems,
) -> Vec<Section> {
    let site = model.site_of(id);
    let domain = site.domain.as_deref().filter(|d| {
        let ok = is_dns_name(d);
        if !ok {
            problems.push(not_a_dns_name(d, site.domain_span, "the site's domain"));
        }
        ok
    });
    let mut out = vec![Section::new("dnsmasq")
        .option("domainneeded", 1)
        .option("boguspriv", 1)
        .option("localise_queries", 1)
        .option("rebind_protection", 1)
        .option("rebind_localhost", 1)
        .option_opt("local", domain.map(|d| format!("/{d}/")))
        .option_opt("domain", domain)
        .option("expandhosts", 1)
        .option("cachesize", 1000)
        .option("authoritative", 1)
        .option("readethers", 1)
        .option("leasefile", "/tmp/dhcp.leases")
        .option("resolvfile", "/tmp/resolv.conf.d/resolv.conf.auto")
        .option("localservice", 1)
        .option("ednspacket_max", 1232)];
    // In network order (sorted, for a binary search), and sets: a router on thousands
    // of networks has as many interfaces.
    let served = roles::dhcp_networks(model, id);
    let advertised: BTreeSet<NetworkId> = ipv6::advertised(model, id)
        .into_iter()
        .map(|(_, n)| n)
        .collect();
    let own = own_addresses(model, id);
    let mut hosts = Vec::new();
    for iface in &layout.ifaces {
        let network = model.network(iface.network);
        let pool = served
            .binary_search(&iface.network)
            .is_ok()
            .then_some(())
            .filter(|_| iface.proto == Proto::Static)
            .and(network.ipv4.zip(network.dhcp));
        let mut s =
            Section::named("dhcp", iface.name.clone()).option("interface", iface.name.as_str());
        if advertised.contains(&iface.network) {
            s = advertise(model, iface.network, s);
        }
        let Some((prefix, range)) = pool else {
            // odhcpd ignores a section with `ignore` entirely, so an advertised network
            // only turns DHCPv4 off.
            out.push(if advertised.contains(&iface.network) {
                s.option("dhcpv4", "disabled")
            } else {
                s.option("ignore", 1)
            });
            continue;
        };
        let base = u32::from(prefix.value.network());
        let (first, last) = (u32::from(range.value.0), u32::from(range.value.1));
        let own = own.get(&iface.network).copied();
        let mut options = Vec::new();
        if let Some(gateway) = network.gateway.map(|g| g.value).filter(|g| Some(*g) != own) {
            options.push(format!("3,{gateway}"));
        }
        let resolvers = resolvers(model, iface.network);
        if !resolvers.is_empty() && resolvers != own.into_iter().collect::<Vec<_>>() {
            let list: Vec<String> = resolvers.iter().map(Ipv4Addr::to_string).collect();
            options.push(format!("6,{}", list.join(",")));
        }
        out.push(
            s.option("start", first.saturating_sub(base))
                .option("limit", last.saturating_sub(first) + 1)
                .option("leasetime", LEASE_TIME)
                .option("dhcpv4", "server")
                .list("dhcp_option", options),
        );
        for lease in roles::leases(model, iface.network) {
            let name = lease.name.to_ascii_lowercase();
            if !is_dns_label(&name) {
                problems.push(not_a_dns_name(&lease.name, lease.span, "a DHCP host name"));
                continue;
            }
            hosts.push(
                Section::new("host")
                    .comment(format!(
                        "{}: static lease on {}",
                        source_line(model, lease.span),
                        network.name
                    ))
                    .option("name", name)
                    .option("mac", lease.mac.value)
                    .option("ip", lease.ip.value),
            );
        }
    }
    out.extend(hosts);
    // The site's names, as every resolver of the lab answers them (NixOS's Unbound
    // too): a client asks the router for any machine of the site, not only for those on
    // its own network.
    if let Some(domain) = domain.filter(|_| !roles::dns_networks(model, id).is_empty()) {
        for record in dns::records_under(model, domain) {
            if is_dns_name(&record.name) {
                out.push(
                    Section::new("domain")
                        .option("name", &record.name)
                        .option("ip", record.address),
                );
            }
        }
    }
    out
}

/// odhcpd's router advertisements (and DHCPv6) on a network the router advertises, as
/// the options of openwrt/odhcpd's README ("Sections of type dhcp"): `ra server`; SLAAC
/// (`ra_slaac`) unless the network's mode is `dhcpv6`; for a DHCPv6 mode the managed and
/// other-configuration flags and `dhcpv6 server`, which assigns from the whole prefix;
/// the network's IPv6 resolvers (else odhcpd announces the router itself, where
/// dnsmasq answers) and the site's domain.
fn advertise(model: &Model, network: NetworkId, section: Section) -> Section {
    let net = model.network(network);
    let mode = ipv6::mode(net);
    let flags: &[&str] = if mode.dhcpv6() {
        &["managed-config", "other-config"]
    } else {
        &["none"]
    };
    let resolvers = net
        .dns
        .iter()
        .filter(|a| a.is_ipv6())
        .map(IpAddr::to_string);
    let domain = model
        .site(net.site)
        .domain
        .as_deref()
        .filter(|d| is_dns_name(d));
    section
        .option("ra", "server")
        .option("ra_slaac", u8::from(mode.slaac()))
        .list("ra_flags", flags)
        .option("dhcpv6", if mode.dhcpv6() { "server" } else { "disabled" })
        .list("dns", resolvers)
        .list("domain", domain)
}

/// A machine's own IPv4 address on each network it is on: that of its first NIC there
/// with one.
fn own_addresses(model: &Model, id: MachineId) -> BTreeMap<NetworkId, Ipv4Addr> {
    let mut own = BTreeMap::new();
    for (_, nic, n) in model.machine(id).attached() {
        if let Some(ip) = nic.ip {
            own.entry(n).or_insert(ip.value);
        }
    }
    own
}

/// The IPv4 resolvers clients of a network are told about: the network's `dns`, else
/// the address of its DNS server on it.
fn resolvers(model: &Model, network: NetworkId) -> Vec<Ipv4Addr> {
    let listed: Vec<Ipv4Addr> = model
        .network(network)
        .dns
        .iter()
        .filter_map(|a| match a {
            IpAddr::V4(a) => Some(*a),
            IpAddr::V6(_) => None,
        })
        .collect();
    if !listed.is_empty() {
        return listed;
    }
    roles::dns_server(model, network)
        .and_then(|m| own_addresses(model, m).get(&network).copied())
        .into_iter()
        .collect()
}

/// One DNS label: letters, digits and inner hyphens, at most 63 bytes.
pub fn is_dns_label(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= 63
        && label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !label.starts_with('-')
        && !label.ends_with('-')
}

/// A domain name of DNS labels, at most 253 bytes.
pub fn is_dns_name(name: &str) -> bool {
    name.len() <= 253 && name.split('.').all(is_dns_label)
}

fn not_a_dns_name(name: &str, span: Span, what: &str) -> Diagnostic {
    Diagnostic::error(
        Code::OPENWRT_CONFIG,
        format!("`{name}` cannot be {what} in dnsmasq"),
        span,
        "DNS names are labels of letters, digits and inner hyphens",
    )
    .with_help("rename it without underscores or other characters")
}
