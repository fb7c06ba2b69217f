//! A brute-force evaluator of the nftables rulesets this target writes: it parses the
//! text (the subset of nft syntax the target uses) and runs one packet through the NAT
//! prerouting chain and the filter chain rule by rule, the way the kernel does.
//!
//! It shares nothing with `infrac_model::policy` except the router's routing decision,
//! so agreeing with the policy's verdicts is evidence that the text means what the
//! analyser says it means.

use std::collections::BTreeMap;
use std::net::IpAddr;

/// A packet as it arrives at the router (or leaves it).
#[derive(Debug, Clone)]
pub struct Packet {
    /// Interface it arrives on; `None` when the router sends it.
    pub iif: Option<String>,
    /// Interface it leaves on; `None` when addressed to the router.
    pub oif: Option<String>,
    pub src: IpAddr,
    pub dst: IpAddr,
    pub protocol: u8,
    /// Destination port, or ICMP `type << 8 | code`.
    pub value: u16,
}

/// The verdict and the comment of the deciding rule (`None`: the chain policy).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub chain: String,
    pub accept: bool,
    pub comment: Option<String>,
    pub dnat: Option<(IpAddr, u16)>,
}

#[derive(Debug, Clone)]
struct Rule {
    tokens: Vec<String>,
}

#[derive(Debug, Default)]
struct Chain {
    policy_accept: bool,
    rules: Vec<Rule>,
}

/// A parsed ruleset: sets and chains per table.
#[derive(Debug, Default)]
pub struct Ruleset {
    sets: BTreeMap<(String, String), Vec<String>>,
    chains: BTreeMap<(String, String), Chain>,
}

/// Splits a rule into tokens, keeping `{ … }` groups and quoted strings whole.
fn tokenize(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut chars = line.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '{' {
            let mut group = String::new();
            for c in chars.by_ref() {
                group.push(c);
                if c == '}' {
                    break;
                }
            }
            out.push(group);
        } else if c == '"' {
            let mut s = String::new();
            chars.next();
            for c in chars.by_ref() {
                if c == '"' {
                    break;
                }
                s.push(c);
            }
            out.push(format!("\"{s}\""));
        } else {
            let mut word = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                word.push(c);
                chars.next();
            }
            out.push(word);
        }
    }
    out
}

/// The elements of `{ a, b }`, `@set` (looked up) or a single value.
fn elements(ruleset: &Ruleset, table: &str, token: &str) -> Vec<String> {
    if let Some(name) = token.strip_prefix('@') {
        return ruleset
            .sets
            .get(&(table.to_string(), name.to_string()))
            .cloned()
            .unwrap_or_else(|| panic!("unknown set @{name} in table {table}"));
    }
    if let Some(inner) = token.strip_prefix('{') {
        return inner
            .trim_end_matches('}')
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
    }
    vec![token.to_string()]
}

impl Ruleset {
    /// Parses the text the target writes.
    pub fn parse(text: &str) -> Ruleset {
        let mut ruleset = Ruleset::default();
        let mut table = String::new();
        let mut set: Option<String> = None;
        let mut chain: Option<String> = None;
        for raw in text.lines() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') || line == "flush ruleset" {
                continue;
            }
            if let Some(rest) = line.strip_prefix("table ") {
                table = rest.trim_end_matches('{').trim().to_string();
            } else if let Some(rest) = line.strip_prefix("set ") {
                let name = rest.trim_end_matches('{').trim().to_string();
                ruleset
                    .sets
                    .insert((table.clone(), name.clone()), Vec::new());
                set = Some(name);
            } else if let Some(rest) = line.strip_prefix("chain ") {
                let name = rest.trim_end_matches('{').trim().to_string();
                ruleset
                    .chains
                    .insert((table.clone(), name.clone()), Chain::default());
                chain = Some(name);
            } else if line == "}" {
                if set.take().is_none() && chain.take().is_none() {
                    table.clear();
                }
            } else if let Some(name) = &set {
                if let Some(rest) = line.strip_prefix("elements = ") {
                    let items = elements(&ruleset, &table, rest)
                        .into_iter()
                        .map(|e| e.trim_matches('"').to_string())
                        .collect();
                    ruleset.sets.insert((table.clone(), name.clone()), items);
                }
            } else if let Some(name) = &chain {
                let key = (table.clone(), name.clone());
                let entry = ruleset.chains.entry(key).or_default();
                if line.starts_with("type ") {
                    entry.policy_accept = line.contains("policy accept;");
                } else {
                    entry.rules.push(Rule {
                        tokens: tokenize(line),
                    });
                }
            }
        }
        ruleset
    }
}

fn family_is_v4(a: &IpAddr) -> bool {
    a.is_ipv4()
}

fn addr_in(item: &str, a: IpAddr) -> bool {
    match item.split_once('/') {
        Some((base, len)) => {
            let (Ok(base), Ok(len)) = (base.parse::<IpAddr>(), len.parse::<u32>()) else {
                return false;
            };
            match (base, a) {
                (IpAddr::V4(b), IpAddr::V4(x)) => {
                    let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
                    u32::from(b) & mask == u32::from(x) & mask
                }
                (IpAddr::V6(b), IpAddr::V6(x)) => {
                    let mask = if len == 0 {
                        0
                    } else {
                        u128::MAX << (128 - len)
                    };
                    u128::from(b) & mask == u128::from(x) & mask
                }
                _ => false,
            }
        }
        None => item.parse::<IpAddr>().ok() == Some(a),
    }
}

fn port_in(item: &str, port: u16) -> bool {
    match item.split_once('-') {
        Some((a, b)) => {
            let (Ok(a), Ok(b)) = (a.parse::<u16>(), b.parse::<u16>()) else {
                return false;
            };
            (a..=b).contains(&port)
        }
        None => item.parse::<u16>().ok() == Some(port),
    }
}

fn protocol_number(name: &str) -> u8 {
    match name {
        "icmp" => 1,
        "tcp" => 6,
        "udp" => 17,
        "ipv6-icmp" => 58,
        "sctp" => 132,
        other => other
            .parse()
            .unwrap_or_else(|_| panic!("unknown protocol {other}")),
    }
}

fn icmp_type(v6: bool, name: &str) -> u8 {
    let known: &[(&str, u8)] = if v6 {
        &[
            ("destination-unreachable", 1),
            ("packet-too-big", 2),
            ("time-exceeded", 3),
            ("parameter-problem", 4),
            ("echo-request", 128),
            ("echo-reply", 129),
            ("mld-listener-query", 130),
            ("mld-listener-report", 131),
            ("mld-listener-done", 132),
            ("nd-router-solicit", 133),
            ("nd-router-advert", 134),
            ("nd-neighbor-solicit", 135),
            ("nd-neighbor-advert", 136),
            ("nd-redirect", 137),
            ("mld2-listener-report", 143),
        ]
    } else {
        &[
            ("echo-reply", 0),
            ("destination-unreachable", 3),
            ("redirect", 5),
            ("echo-request", 8),
            ("router-advertisement", 9),
            ("router-solicitation", 10),
            ("time-exceeded", 11),
            ("parameter-problem", 12),
        ]
    };
    known
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, t)| *t)
        .or_else(|| name.parse().ok())
        .unwrap_or_else(|| panic!("unknown icmp type {name}"))
}

/// The outcome of one rule on one packet.
enum Outcome {
    NoMatch,
    Verdict(bool, Option<String>),
    Dnat(IpAddr, u16),
    Masquerade,
}

struct State<'a> {
    table: &'a str,
    packet: &'a Packet,
    dnat: bool,
    local: bool,
}

fn run_rule(ruleset: &Ruleset, state: &State, rule: &Rule) -> Outcome {
    let p = state.packet;
    let t = &rule.tokens;
    let v4 = family_is_v4(&p.src);
    let mut i = 0;
    let mut comment = None;
    let mut verdict: Option<Outcome> = None;
    let take = |i: &mut usize| -> &str {
        *i += 1;
        t.get(*i - 1).map(String::as_str).unwrap_or("")
    };
    while i < t.len() {
        let word = take(&mut i).to_string();
        let matched = match word.as_str() {
            "iifname" | "oifname" => {
                let arg = take(&mut i);
                let names: Vec<String> = elements(ruleset, state.table, arg)
                    .into_iter()
                    .map(|e| e.trim_matches('"').to_string())
                    .collect();
                let link = if word == "iifname" { &p.iif } else { &p.oif };
                // The router's own packets come from loopback, and packets addressed to
                // it go out to loopback, as far as interface names are concerned.
                let name = link.clone().unwrap_or_else(|| "lo".to_string());
                names.contains(&name)
            }
            "ct" => {
                let what = take(&mut i);
                let arg = take(&mut i);
                match (what, arg) {
                    ("state", _) => false, // every evaluated packet opens a new connection
                    ("status", "dnat") => state.dnat,
                    other => panic!("unknown ct match {other:?}"),
                }
            }
            "meta" => {
                let what = take(&mut i);
                let arg = take(&mut i);
                match what {
                    "nfproto" => (arg == "ipv4") == v4,
                    "l4proto" => elements(ruleset, state.table, arg)
                        .iter()
                        .any(|e| protocol_number(e) == p.protocol),
                    other => panic!("unknown meta match {other}"),
                }
            }
            "ip" | "ip6" => {
                let field = take(&mut i);
                let mut arg = take(&mut i).to_string();
                let negate = arg == "!=";
                if negate {
                    arg = take(&mut i).to_string();
                }
                if (word == "ip") != v4 {
                    false
                } else {
                    let addr = if field == "saddr" { p.src } else { p.dst };
                    let inside = elements(ruleset, state.table, &arg)
                        .iter()
                        .any(|e| addr_in(e, addr));
                    inside != negate
                }
            }
            "tcp" | "udp" | "sctp" => {
                let field = take(&mut i);
                let arg = take(&mut i);
                // Evaluated packets carry a destination port only: a source port match
                // (`udp sport 67` of the DHCP client rule) is taken to hold, as for the
                // server's reply it describes.
                p.protocol == protocol_number(&word)
                    && (field == "sport"
                        || elements(ruleset, state.table, arg)
                            .iter()
                            .any(|e| port_in(e, p.value)))
            }
            // Statements that never decide one packet: counters, logging, and rate limits,
            // which a single packet stays under (`limit rate over …` does not match it;
            // `limit rate …` does).
            "counter" => true,
            "log" => {
                while matches!(t.get(i).map(String::as_str), Some("prefix" | "level")) {
                    i += 2;
                }
                true
            }
            "limit" => {
                let _rate = take(&mut i);
                let over = t.get(i).map(String::as_str) == Some("over");
                if over {
                    i += 1;
                }
                let _per = take(&mut i);
                if t.get(i).map(String::as_str) == Some("burst") {
                    i += 3;
                }
                !over
            }
            "add" => {
                // `add @meter { SOURCE limit rate over … }`: one packet is under the rate.
                let _set = take(&mut i);
                let _element = take(&mut i);
                false
            }
            "icmp" | "icmpv6" => {
                let _type = take(&mut i);
                let arg = take(&mut i);
                let v6 = word == "icmpv6";
                let proto = if v6 { 58 } else { 1 };
                v4 != v6
                    && p.protocol == proto
                    && elements(ruleset, state.table, arg)
                        .iter()
                        .any(|e| u16::from(icmp_type(v6, e)) == p.value >> 8)
            }
            "fib" => {
                let _ = (take(&mut i), take(&mut i), take(&mut i));
                state.local
            }
            "accept" => {
                verdict = Some(Outcome::Verdict(true, None));
                true
            }
            "drop" => {
                verdict = Some(Outcome::Verdict(false, None));
                true
            }
            "reject" => {
                // `reject with icmpx admin-prohibited`: the type of the refusal.
                if t.get(i).map(String::as_str) == Some("with") {
                    i += 3;
                }
                verdict = Some(Outcome::Verdict(false, None));
                true
            }
            "masquerade" => {
                verdict = Some(Outcome::Masquerade);
                true
            }
            "dnat" => {
                let _to = take(&mut i);
                let target = take(&mut i);
                // `dnat to ADDR` keeps the port the packet was sent to.
                let (addr, port) = match target.rsplit_once(':') {
                    Some((addr, port)) => (
                        addr,
                        port.parse().unwrap_or_else(|_| panic!("bad port {port}")),
                    ),
                    None => (target, p.value),
                };
                let addr: IpAddr = addr
                    .parse()
                    .unwrap_or_else(|_| panic!("bad dnat target {target}"));
                verdict = Some(Outcome::Dnat(addr, port));
                true
            }
            "comment" => {
                comment = Some(take(&mut i).trim_matches('"').to_string());
                true
            }
            other => panic!("unknown token `{other}` in {t:?}"),
        };
        if !matched {
            return Outcome::NoMatch;
        }
    }
    match verdict {
        Some(Outcome::Verdict(a, _)) => Outcome::Verdict(a, comment),
        Some(other) => other,
        // A rule that only counts or logs lets the packet go on.
        None => Outcome::NoMatch,
    }
}

impl Ruleset {
    /// Runs a packet through destination NAT and the filter. `route` gives the output
    /// interface for a rewritten destination.
    pub fn evaluate(&self, packet: &Packet, route: impl Fn(IpAddr) -> Option<String>) -> Verdict {
        let mut p = packet.clone();
        let mut dnat = None;
        let local = p.iif.is_some() && p.oif.is_none();
        if local && p.dst.is_ipv4() {
            if let Some(chain) = self.chains.get(&("ip nat".into(), "prerouting".into())) {
                let state = State {
                    table: "ip nat",
                    packet: &p,
                    dnat: false,
                    local,
                };
                for rule in &chain.rules {
                    if let Outcome::Dnat(addr, port) = run_rule(self, &state, rule) {
                        dnat = Some((addr, port));
                        break;
                    }
                }
            }
        }
        if let Some((addr, port)) = dnat {
            p.dst = addr;
            p.value = port;
            p.oif = route(addr);
        }
        let chain_name = match (&p.iif, &p.oif) {
            (Some(_), None) => "input",
            (Some(_), Some(_)) => "forward",
            (None, _) => "output",
        };
        let chain = self
            .chains
            .get(&("inet filter".into(), chain_name.into()))
            .unwrap_or_else(|| panic!("no chain {chain_name}"));
        let state = State {
            table: "inet filter",
            packet: &p,
            dnat: dnat.is_some(),
            local: p.oif.is_none(),
        };
        for rule in &chain.rules {
            if let Outcome::Verdict(accept, comment) = run_rule(self, &state, rule) {
                return Verdict {
                    chain: chain_name.into(),
                    accept,
                    comment,
                    dnat,
                };
            }
        }
        Verdict {
            chain: chain_name.into(),
            accept: chain.policy_accept,
            comment: None,
            dnat,
        }
    }
}
