//! What OpenWrt's dnsmasq init script makes of an `/etc/config/dhcp` (with the
//! `/etc/config/network` it reads interface addresses and devices from), as a dnsmasq
//! configuration file that `dnsmasq --test` can check.
//!
//! The mapping is the script's (openwrt/openwrt
//! `package/network/services/dnsmasq/files/dnsmasq.init`, commit 48615712):
//! `dnsmasq_start` turns the common options into dnsmasq's (`domainneeded` into
//! `domain-needed`, `local` into `local=`, …, with `nonwildcard`, `boguspriv` and
//! `rebind_protection` on unless set to 0); `dhcp_add` turns a pool into
//! `dhcp-range=set:NETWORK,START,END,NETMASK,LEASETIME`, where START is the network
//! address plus `start` and END the last of `limit` addresses (never the broadcast), and
//! an ignored pool into `no-dhcp-interface=DEVICE`; `dhcp_host_add` writes `dhcp-host=
//! MAC,IP,NAME`; `dhcp_domain_add` writes `IP NAME` to a hosts file, checked here as
//! the equivalent `host-record=NAME,IP`.

use super::uci::Section;
use std::net::Ipv4Addr;

/// The dnsmasq configuration, and every pool as (network, first, last address).
pub struct Rendered {
    pub conf: String,
    pub ranges: Vec<(String, Ipv4Addr, Ipv4Addr)>,
}

fn flag(s: &Section, key: &str, default: bool) -> bool {
    s.get(key).map_or(default, |v| {
        matches!(v, "1" | "on" | "true" | "yes" | "enabled")
    })
}

/// Renders what the init script would hand dnsmasq.
pub fn render(dhcp: &[Section], network: &[Section]) -> Rendered {
    let mut lines: Vec<String> = Vec::new();
    let mut ranges = Vec::new();
    for s in dhcp.iter().filter(|s| s.kind == "dnsmasq") {
        const BOOLS: [(&str, &str, bool); 11] = [
            ("authoritative", "dhcp-authoritative", false),
            ("domainneeded", "domain-needed", false),
            ("localise_queries", "localise-queries", false),
            ("readethers", "read-ethers", false),
            ("expandhosts", "expand-hosts", false),
            ("localservice", "local-service", false),
            ("nonwildcard", "bind-dynamic", true),
            ("boguspriv", "bogus-priv", true),
            ("rebind_protection", "stop-dns-rebind", true),
            ("rebind_localhost", "rebind-localhost-ok", false),
            ("filterwin2k", "filterwin2k", false),
        ];
        const PARAMS: [(&str, &str); 6] = [
            ("cachesize", "cache-size"),
            ("ednspacket_max", "edns-packet-max"),
            ("domain", "domain"),
            ("local", "local"),
            ("leasefile", "dhcp-leasefile"),
            ("resolvfile", "resolv-file"),
        ];
        for (key, _) in &s.options {
            assert!(
                BOOLS.iter().any(|(k, _, _)| k == key) || PARAMS.iter().any(|(k, _)| k == key),
                "the test does not know what dnsmasq.init makes of `{key}`"
            );
        }
        for (key, flag_name, default) in BOOLS {
            if flag(s, key, default) {
                lines.push(flag_name.to_string());
            }
        }
        for (key, param) in PARAMS {
            if let Some(v) = s.get(key) {
                lines.push(format!("{param}={v}"));
            }
        }
    }
    for s in dhcp.iter().filter(|s| s.kind == "dhcp") {
        let net = s
            .get("interface")
            .unwrap_or_else(|| panic!("pool without interface"));
        let iface = network
            .iter()
            .find(|n| n.kind == "interface" && n.name.as_deref() == Some(net))
            .unwrap_or_else(|| panic!("pool on `{net}`, which the network file does not have"));
        let device = iface
            .get("device")
            .unwrap_or_else(|| panic!("`{net}` has no device"));
        if flag(s, "ignore", false) {
            lines.push(format!("no-dhcp-interface={device}"));
            continue;
        }
        assert_eq!(
            iface.get("proto"),
            Some("static"),
            "dnsmasq serves static interfaces only"
        );
        let ip: Ipv4Addr = iface
            .get("ipaddr")
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("`{net}` has no ipaddr"));
        let mask: Ipv4Addr = iface
            .get("netmask")
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("`{net}` has no netmask"));
        let number = |key: &str, default: u32| {
            s.get(key).map_or(default, |v| {
                v.parse().unwrap_or_else(|_| panic!("bad {key} `{v}`"))
            })
        };
        let (start, limit) = (number("start", 100), number("limit", 150));
        let network_address = u32::from(ip) & u32::from(mask);
        let broadcast = network_address | !u32::from(mask);
        let first = (network_address | (start & !u32::from(mask))).max(network_address + 1);
        let last = (first + limit.max(1) - 1).min(broadcast - 1);
        let (first, last) = (Ipv4Addr::from(first), Ipv4Addr::from(last));
        let leasetime = s.get("leasetime").unwrap_or("12h");
        lines.push(format!(
            "dhcp-range=set:{net},{first},{last},{mask},{leasetime}"
        ));
        for option in s.values("dhcp_option") {
            lines.push(format!("dhcp-option={net},{option}"));
        }
        ranges.push((net.to_string(), first, last));
    }
    for s in dhcp.iter().filter(|s| s.kind == "host") {
        let mac = s.values("mac").join(",");
        let ip = s.get("ip").unwrap_or_default();
        let name = s.get("name").unwrap_or_default();
        lines.push(format!("dhcp-host={mac},{ip},{name}"));
    }
    for s in dhcp.iter().filter(|s| s.kind == "domain") {
        let names = s.values("name").join(",");
        let ip = s.get("ip").unwrap_or_default();
        lines.push(format!("host-record={names},{ip}"));
    }
    let mut conf = String::from("# what dnsmasq.init makes of the generated /etc/config/dhcp\n");
    for line in lines {
        conf.push_str(&line);
        conf.push('\n');
    }
    Rendered { conf, ranges }
}
