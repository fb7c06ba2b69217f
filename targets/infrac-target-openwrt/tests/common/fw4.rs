//! What an `/etc/config/firewall` makes fw4 do with one packet, read from the UCI text
//! alone (with the `/etc/config/network` beside it for devices), independently of the
//! target's own reasoning.
//!
//! The chain structure is fw4's `ruleset.uc` (openwrt/firewall4): loopback accepted;
//! then rules whose source is `*` in file order; then the packet's zone (source zone for
//! input and forward, destination zone for output): its rules in file order, for
//! forwarding its `config forwarding` sections (read after every rule), its port
//! forwards (`ct status dnat accept`), then the zone's policy (for forwarding only when
//! the packet leaves through the same zone); else the defaults. A rule without `proto`
//! matches TCP and UDP (`parse_rule`'s default `tcpudp`); ports match TCP and UDP only.

use super::uci::Section;
use infrac_model::policy::{Action, Chain, Link, Packet, Policy, Route};
use ipnet::IpNet;
use std::net::IpAddr;

fn action(text: &str) -> Action {
    match text.to_ascii_uppercase().as_str() {
        "ACCEPT" => Action::Accept,
        "DROP" => Action::Drop,
        "REJECT" => Action::Reject,
        other => panic!("unknown verdict `{other}`"),
    }
}

fn ports(values: &[String]) -> Vec<(u16, u16)> {
    values
        .iter()
        .map(|v| {
            let (a, b) = v.split_once(['-', ':']).unwrap_or((v, v));
            let parse = |s: &str| {
                s.parse::<u16>()
                    .unwrap_or_else(|_| panic!("bad port `{v}`"))
            };
            (parse(a), parse(b))
        })
        .collect()
}

fn family(text: Option<&str>) -> Option<u8> {
    match text {
        None | Some("any" | "all" | "*") => None,
        Some(t) if t.contains('4') || t == "inet" => Some(4),
        Some(t) if t.contains('6') => Some(6),
        Some(t) => panic!("unknown family `{t}`"),
    }
}

#[derive(Debug, Clone)]
pub struct Zone {
    pub name: String,
    pub networks: Vec<String>,
    pub input: Action,
    pub output: Action,
    pub forward: Action,
}

#[derive(Debug, Clone)]
pub struct Rule {
    pub name: String,
    pub src: Option<String>,
    pub dest: Option<String>,
    pub device: Option<String>,
    pub family: Option<u8>,
    pub protos: Vec<String>,
    pub dest_ports: Vec<(u16, u16)>,
    pub icmp_types: Vec<u8>,
    pub src_pos: Vec<IpNet>,
    pub src_neg: Vec<IpNet>,
    pub target: Action,
}

#[derive(Debug, Clone)]
pub struct Redirect {
    pub src: String,
    pub proto: String,
    pub src_dport: (u16, u16),
    pub dest_ip: IpAddr,
    /// `None`: no `dest_port`, so fw4 translates to the range of `src_dport`, and the
    /// kernel keeps a port that lies in it.
    pub dest_port: Option<u16>,
}

/// A parsed fw4 configuration.
#[derive(Debug, Clone)]
pub struct Firewall {
    pub input: Action,
    pub output: Action,
    pub forward: Action,
    pub zones: Vec<Zone>,
    pub rules: Vec<Rule>,
    pub forwardings: Vec<(String, String)>,
    pub redirects: Vec<Redirect>,
}

impl Firewall {
    pub fn read(sections: &[Section]) -> Firewall {
        let defaults = sections
            .iter()
            .find(|s| s.kind == "defaults")
            .unwrap_or_else(|| panic!("no `config defaults`"));
        let policy = |s: &Section, key: &str, default: Action| s.get(key).map_or(default, action);
        let (input, output, forward) = (
            policy(defaults, "input", Action::Drop),
            policy(defaults, "output", Action::Drop),
            policy(defaults, "forward", Action::Drop),
        );
        let mut fw = Firewall {
            input,
            output,
            forward,
            zones: Vec::new(),
            rules: Vec::new(),
            forwardings: Vec::new(),
            redirects: Vec::new(),
        };
        for s in sections {
            match s.kind.as_str() {
                "defaults" => {}
                "zone" => fw.zones.push(Zone {
                    name: s.get("name").unwrap_or_default().to_string(),
                    networks: s.values("network"),
                    input: policy(s, "input", input),
                    output: policy(s, "output", output),
                    forward: policy(s, "forward", forward),
                }),
                "rule" => {
                    let sources = s.values("src_ip");
                    let net = |v: &str| {
                        v.parse::<IpNet>()
                            .or_else(|_| v.parse::<IpAddr>().map(IpNet::from))
                            .unwrap_or_else(|_| panic!("bad address `{v}`"))
                    };
                    let mut protos = s.values("proto");
                    if protos.is_empty() {
                        protos = vec!["tcp".into(), "udp".into()];
                    }
                    fw.rules.push(Rule {
                        name: s.get("name").unwrap_or_default().to_string(),
                        src: s.get("src").map(str::to_string),
                        dest: s.get("dest").map(str::to_string),
                        device: s.get("device").map(str::to_string),
                        family: family(s.get("family")),
                        protos,
                        dest_ports: ports(&s.values("dest_port")),
                        icmp_types: s
                            .values("icmp_type")
                            .iter()
                            .map(|t| t.parse().unwrap_or_else(|_| panic!("bad ICMP type `{t}`")))
                            .collect(),
                        src_pos: sources
                            .iter()
                            .filter(|v| !v.starts_with('!'))
                            .map(|v| net(v))
                            .collect(),
                        src_neg: sources
                            .iter()
                            .filter_map(|v| v.strip_prefix('!'))
                            .map(net)
                            .collect(),
                        target: action(
                            s.get("target")
                                .unwrap_or_else(|| panic!("rule without target")),
                        ),
                    });
                }
                "forwarding" => fw.forwardings.push((
                    s.get("src").unwrap_or_default().to_string(),
                    s.get("dest").unwrap_or_default().to_string(),
                )),
                "redirect" => {
                    assert_eq!(
                        s.get("target").map(str::to_ascii_uppercase).as_deref(),
                        Some("DNAT")
                    );
                    assert_eq!(
                        s.get("reflection"),
                        Some("0"),
                        "reflection would add rewrites"
                    );
                    let dport = ports(&s.values("src_dport"));
                    fw.redirects.push(Redirect {
                        src: s.get("src").unwrap_or_default().to_string(),
                        proto: s.get("proto").unwrap_or("tcp").to_string(),
                        src_dport: dport[0],
                        dest_ip: s
                            .get("dest_ip")
                            .and_then(|a| a.parse().ok())
                            .unwrap_or_else(|| panic!("redirect without dest_ip")),
                        dest_port: s.get("dest_port").map(|p| {
                            p.parse()
                                .unwrap_or_else(|_| panic!("dest_port `{p}` is not one port"))
                        }),
                    });
                }
                other => panic!("unexpected section `{other}` in a firewall file"),
            }
        }
        fw
    }
}

/// The router's links as the firewall file sees them: zone and device of each of the
/// policy's interfaces.
pub struct Links {
    pub zone: Vec<Option<String>>,
    pub device: Vec<Option<String>>,
}

impl Links {
    pub fn new(policy: &Policy, fw: &Firewall, network: &[Section]) -> Links {
        let mut zone = Vec::new();
        let mut device = Vec::new();
        for iface in &policy.interfaces {
            let name = &policy.model.network(iface.network).name;
            zone.push(
                fw.zones
                    .iter()
                    .find(|z| z.networks.contains(name))
                    .map(|z| z.name.clone()),
            );
            device.push(
                network
                    .iter()
                    .find(|s| s.kind == "interface" && s.name.as_deref() == Some(name.as_str()))
                    .and_then(|s| s.get("device"))
                    .map(str::to_string),
            );
        }
        Links { zone, device }
    }

    fn zone(&self, link: Option<Link>) -> Option<&str> {
        match link {
            Some(Link::Interface(i)) => self.zone[i].as_deref(),
            _ => None,
        }
    }
}

fn proto_number(name: &str) -> Option<u8> {
    match name {
        "tcp" => Some(6),
        "udp" => Some(17),
        "sctp" => Some(132),
        _ => None,
    }
}

impl Rule {
    fn matches(&self, p: &Packet, links: &Links) -> bool {
        let v6 = p.source.is_ipv6();
        if self.family.is_some_and(|f| (f == 6) != v6) {
            return false;
        }
        if let Some(d) = &self.device {
            let ours = match p.in_link {
                Some(Link::Interface(i)) => links.device[i].as_deref(),
                _ => None,
            };
            if ours != Some(d.as_str()) {
                return false;
            }
        }
        if let Some(dest) = &self.dest {
            if dest != "*" && links.zone(p.out_link) != Some(dest.as_str()) {
                return false;
            }
        }
        let l4 = self.protos.iter().any(|proto| match proto.as_str() {
            "all" | "any" | "*" => true,
            "icmp" | "icmpv6" | "ipv6-icmp" => {
                let number = match (proto.as_str(), self.family) {
                    ("icmp", Some(4)) => 1,
                    ("icmp", None) if !v6 => 1,
                    _ => 58,
                };
                p.protocol == number
                    && (number == 58) == v6
                    && (self.icmp_types.is_empty()
                        || self.icmp_types.contains(&((p.value >> 8) as u8)))
            }
            name => {
                let number = proto_number(name).unwrap_or_else(|| panic!("unknown proto `{name}`"));
                p.protocol == number
                    && (name == "sctp"
                        || self.dest_ports.is_empty()
                        || self
                            .dest_ports
                            .iter()
                            .any(|&(a, b)| (a..=b).contains(&p.value)))
            }
        });
        if !l4 {
            return false;
        }
        if !self.src_pos.is_empty() && !self.src_pos.iter().any(|n| n.contains(&p.source)) {
            return false;
        }
        !self.src_neg.iter().any(|n| n.contains(&p.source))
    }
}

impl Firewall {
    /// A port forward's rewrite of a packet addressed to the router, routed as the policy
    /// routes (routing is not the firewall's business).
    pub fn translate(&self, policy: &Policy, links: &Links, p: &Packet) -> Option<Packet> {
        if p.out_link.is_some() || !p.destination.is_ipv4() {
            return None;
        }
        let zone = links.zone(p.in_link)?;
        let r = self.redirects.iter().find(|r| {
            r.src == zone
                && proto_number(&r.proto) == Some(p.protocol)
                && (r.src_dport.0..=r.src_dport.1).contains(&p.value)
        })?;
        let out_link = match policy.route(r.dest_ip) {
            Route::Link(l) => Some(l),
            _ => None,
        };
        Some(Packet {
            out_link,
            destination: r.dest_ip,
            value: r.dest_port.unwrap_or(p.value),
            dnat: true,
            ..*p
        })
    }

    fn first<'a>(
        &'a self,
        p: &Packet,
        links: &Links,
        pick: impl Fn(&Rule) -> bool,
    ) -> Option<&'a Rule> {
        self.rules
            .iter()
            .filter(|r| pick(r))
            .find(|r| r.matches(p, links))
    }

    /// The verdict on a packet (after any rewrite), and the rule that decides it.
    pub fn decide(&self, p: &Packet, links: &Links) -> (Action, String) {
        let zone_of = |name: &str| self.zones.iter().find(|z| z.name == name);
        let dnat_zone = |z: &str| self.redirects.iter().any(|r| r.src == z);
        let verdict = |r: &Rule| (r.target, r.name.clone());
        match p.chain() {
            Chain::Input => {
                if p.in_link == Some(Link::Loopback) {
                    return (Action::Accept, "loopback".into());
                }
                let global = |r: &Rule| r.src.as_deref() == Some("*") && r.dest.is_none();
                if let Some(r) = self.first(p, links, global) {
                    return verdict(r);
                }
                if let Some(z) = links.zone(p.in_link).and_then(zone_of) {
                    let ours =
                        |r: &Rule| r.src.as_deref() == Some(z.name.as_str()) && r.dest.is_none();
                    if let Some(r) = self.first(p, links, ours) {
                        return verdict(r);
                    }
                    if p.dnat && dnat_zone(&z.name) {
                        return (Action::Accept, "port redirection".into());
                    }
                    return (z.input, format!("zone {} input", z.name));
                }
                (self.input, "defaults input".into())
            }
            Chain::Forward => {
                let global = |r: &Rule| r.src.as_deref() == Some("*") && r.dest.is_some();
                if let Some(r) = self.first(p, links, global) {
                    return verdict(r);
                }
                if let Some(z) = links.zone(p.in_link).and_then(zone_of) {
                    let ours =
                        |r: &Rule| r.src.as_deref() == Some(z.name.as_str()) && r.dest.is_some();
                    if let Some(r) = self.first(p, links, ours) {
                        return verdict(r);
                    }
                    for (src, dest) in &self.forwardings {
                        if src == &z.name
                            && (dest == "*" || links.zone(p.out_link) == Some(dest.as_str()))
                        {
                            return (Action::Accept, format!("forwarding {src} -> {dest}"));
                        }
                    }
                    if p.dnat && dnat_zone(&z.name) {
                        return (Action::Accept, "port forward".into());
                    }
                    if links.zone(p.out_link) == Some(z.name.as_str()) {
                        return (z.forward, format!("zone {} forward", z.name));
                    }
                }
                (self.forward, "defaults forward".into())
            }
            Chain::Output => {
                if p.out_link == Some(Link::Loopback) {
                    return (Action::Accept, "loopback".into());
                }
                let global =
                    |r: &Rule| r.src.is_none() && r.dest.as_deref().is_none_or(|d| d == "*");
                if let Some(r) = self.first(p, links, global) {
                    return verdict(r);
                }
                if let Some(z) = links.zone(p.out_link).and_then(zone_of) {
                    let ours =
                        |r: &Rule| r.src.is_none() && r.dest.as_deref() == Some(z.name.as_str());
                    if let Some(r) = self.first(p, links, ours) {
                        return verdict(r);
                    }
                    return (z.output, format!("zone {} output", z.name));
                }
                (self.output, "defaults output".into())
            }
        }
    }
}
