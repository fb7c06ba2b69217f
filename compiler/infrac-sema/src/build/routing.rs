//! Building BGP speakers and firewalls.

use super::Handles;
use crate::decls::Env;
use crate::fields::Fields;
use crate::value::{Kind, Value};
use crate::Sema;
use infrac_diagnostics::{did_you_mean, Code, Diagnostic, Span};
use infrac_model::*;
use infrac_syntax::ast;
use ipnet::IpNet;

impl<'a> Sema<'a> {
    /// The machine a `bgp` or `firewall` block is attached to (`on MACHINE`), with the span of
    /// its head (`bgp on router`), which stands for the block in diagnostics.
    fn attached_guest(
        &mut self,
        d: crate::decls::DeclIdx,
        handles: &Handles,
    ) -> Option<(MachineId, Span)> {
        let decl = self.decls[d.0 as usize].decl;
        let span = decl
            .on
            .as_ref()
            .map_or(decl.kind.span, |on| decl.kind.span.to(on.span));
        let guest = self.head_target(d, decl.on.as_ref(), Kind::Machine, &handles.machines)?;
        Some((guest, span))
    }

    /// Reports a routing role on a machine whose generated files cannot carry it: BIRD
    /// and the zone firewall are generated for NixOS, Debian and Ubuntu machines and for
    /// OpenWrt, not for a hypervisor node, a NAS, an appliance or macOS.
    pub(crate) fn check_role_host(
        &mut self,
        model: &Model,
        machine: MachineId,
        span: Span,
        role: &str,
        what: &str,
    ) {
        let m = model.machine(machine);
        let family = m.os.map(|os| model.image(os).os_family());
        // A Linux machine whose distribution the lab does not name still runs the
        // standalone BIRD configuration and nftables ruleset.
        let fits = m.platform == Platform::Openwrt
            || (m.platform.takes_os()
                && matches!(
                    family,
                    None | Some(OsFamily::Nixos | OsFamily::Debian | OsFamily::Ubuntu)
                ));
        if fits {
            return;
        }
        let runs = match (m.platform, family) {
            (p, Some(_)) if p.takes_os() => format!(
                "{} `{}` runs {}",
                m.noun(),
                m.name,
                m.os.map_or("", |os| model.image(os).family.as_str())
            ),
            (p, _) => format!("`{}` is a {} machine", m.name, p.as_str()),
        };
        self.diags.push(
            Diagnostic::error(
                Code::ROLE_PLATFORM,
                format!("`{role}` on `{}`, which cannot run {what}", m.name),
                span,
                format!("{what} is not generated for this machine"),
            )
            .with_label(m.name_span, runs)
            .with_help(
                "put it on a machine running NixOS, Debian or Ubuntu (`os = …`), or on an OpenWrt router",
            ),
        );
    }

    /// Reports a cluster node on which nothing can install k3s: only Linux machines
    /// (bare metal, cloud, guests) run a kubelet that infrac configures.
    pub(crate) fn check_node_host(&mut self, model: &Model, machine: MachineId, span: Span) {
        let m = model.machine(machine);
        let family = m.os.map(|os| model.image(os).os_family());
        let fits = m.platform.takes_os()
            && matches!(
                family,
                None | Some(OsFamily::Nixos | OsFamily::Debian | OsFamily::Ubuntu)
            );
        if fits {
            return;
        }
        let runs = if m.platform.takes_os() {
            format!(
                "{} `{}` runs {}",
                m.noun(),
                m.name,
                m.os.map_or("", |os| model.image(os).family.as_str())
            )
        } else {
            format!("`{}` is a {} machine", m.name, m.platform.as_str())
        };
        self.diags.push(
            Diagnostic::error(
                Code::ROLE_PLATFORM,
                format!("`{}` cannot be a Kubernetes node", m.name),
                span,
                "k3s is not generated for this machine",
            )
            .with_label(m.name_span, runs)
            .with_help(
                "make a bare-metal, cloud or guest machine running NixOS, Debian or Ubuntu the node; a Proxmox node runs k3s inside a guest",
            ),
        );
    }

    pub(crate) fn build_routers(&mut self, model: &mut Model, handles: &Handles) {
        for d in self.decls_of(Kind::Bgp) {
            let (f, _) = self.fields(d);
            let Some((guest, span)) = self.attached_guest(d, handles) else {
                continue;
            };
            self.check_role_host(model, guest, span, "bgp", "BIRD");
            let (Some(asn), Some(router_id)) = (f.u32("asn"), f.ipv4("router_id")) else {
                continue;
            };
            let announce = f
                .list("announce")
                .into_iter()
                .filter_map(|(v, s)| match v {
                    Value::Net(a, l) => IpNet::new(a, l).ok().map(|n| Spanned::new(n, s)),
                    _ => None,
                })
                .collect();
            let peers: Vec<(BgpPeer, &Fields)> = f
                .blocks_of("peer")
                .filter_map(|b| {
                    let peer = BgpPeer {
                        name: b.name.as_deref().unwrap_or_default().to_owned(),
                        neighbor: b.fields.ip("neighbor")?,
                        asn: b.fields.u32("asn")?,
                        description: b.fields.string("description").or_else(|| b.doc.clone()),
                        password: b.fields.secret("password"),
                        multihop: b.fields.int("multihop").map(|m| m.value as u8),
                        source: b.fields.ip("source").map(|s| s.value),
                        accept_default: b.fields.bool("accept_default").unwrap_or(false),
                        communities: self.communities(b.fields.list("communities")),
                        families: b
                            .fields
                            .list("families")
                            .into_iter()
                            .filter_map(|(v, _)| match v {
                                Value::Word(w) if w == "ipv4" => Some(IpFamily::Ipv4),
                                Value::Word(w) if w == "ipv6" => Some(IpFamily::Ipv6),
                                _ => None,
                            })
                            .collect(),
                        hygiene: super::bgp::peer_hygiene(&b.fields),
                        span: b.name_span,
                    };
                    Some((peer, &b.fields))
                })
                .collect();
            let peer_list: Vec<BgpPeer> = peers.iter().map(|(p, _)| p.clone()).collect();
            let router = BgpRouter {
                machine: guest,
                asn,
                router_id,
                announce,
                peers: peer_list,
                found: BgpFound::default(),
                communities: self.communities(f.list("communities")),
                rpki: f.block("rpki").and_then(|b| {
                    Some(Rpki {
                        server: b.fields.ip("server")?,
                        port: b.fields.u32("port").map_or(323, |p| p.value as u16),
                        span: b.name_span,
                    })
                }),
                span,
            };
            for (peer, fields) in &peers {
                self.check_peer(&router, peer, fields, f.reported("announce"));
                self.check_peer_link(model, &router, peer, fields);
            }
            model.routers.push(router);
        }
    }

    pub(crate) fn build_firewalls(&mut self, model: &mut Model, handles: &Handles) {
        for d in self.decls_of(Kind::Firewall) {
            let (f, _) = self.fields(d);
            let Some((guest, span)) = self.attached_guest(d, handles) else {
                continue;
            };
            self.check_role_host(model, guest, span, "firewall", "the zone firewall");
            let verdict = |name: &str, default: Verdict| match f.string(name).as_deref() {
                Some("accept") => Verdict::Accept,
                Some("drop") => Verdict::Drop,
                Some("reject") => Verdict::Reject,
                _ => default,
            };
            let mut firewall = Firewall {
                machine: guest,
                input: verdict("policy.input", Verdict::Drop),
                forward: verdict("policy.forward", Verdict::Drop),
                output: verdict("policy.output", Verdict::Accept),
                rules: Vec::new(),
                masquerade: Vec::new(),
                forwards: Vec::new(),
                span,
                policy_spans: ["policy.input", "policy.forward", "policy.output"]
                    .map(|name| f.get(name).map(|field| field.span)),
            };
            for (rule, env) in f.rules.clone() {
                self.firewall_rule(&rule, &env, model, handles, &mut firewall);
            }
            model.firewalls.push(firewall);
        }
    }

    fn zone(&mut self, ident: &ast::Ident, model: &Model) -> Option<Spanned<Zone>> {
        let zone = match ident.name.as_str() {
            "router" if !model.has_zone("router") => Zone::Router,
            "any" => Zone::Any,
            name if model.has_zone(name) => Zone::Named(name.to_string()),
            name => {
                let mut zones: Vec<&str> = model.networks.iter().map(|n| n.zone.as_str()).collect();
                zones.sort();
                zones.dedup();
                self.diags.push(
                    Diagnostic::error(
                        Code::UNRESOLVED_NAME,
                        format!("unknown zone `{name}`"),
                        ident.span,
                        "no network is in this zone",
                    )
                    .with_help(
                        match did_you_mean(name, zones.iter().copied().chain(["router", "any"])) {
                            Some(s) => format!("did you mean `{s}`?"),
                            None => format!(
                                "zones are {}, plus `router` and `any`",
                                zones
                                    .iter()
                                    .map(|z| format!("`{z}`"))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        },
                    ),
                );
                return None;
            }
        };
        Some(Spanned::new(zone, ident.span))
    }

    fn firewall_rule(
        &mut self,
        rule: &ast::Rule,
        env: &Env,
        model: &Model,
        handles: &Handles,
        fw: &mut Firewall,
    ) {
        match rule {
            ast::Rule::Filter {
                action,
                from,
                to,
                ports,
                sources,
                span,
            } => {
                let (from, to) = (self.zone(from, model), self.zone(to, model));
                let mut specs = Vec::new();
                let mut protocols = Vec::new();
                for port in ports {
                    match self.eval(port, env, None, None) {
                        Some(Value::Port(p)) => specs.push(Spanned::new(p, port.span)),
                        Some(Value::Word(w))
                            if matches!(w.as_str(), "icmp" | "icmpv6" | "ping") =>
                        {
                            protocols.push(Spanned::new(w, port.span))
                        }
                        Some(Value::Word(w)) => {
                            if let Some(d) = self.resolve_name(&w, port.span, Kind::Service) {
                                if let Some(id) = handles.services.get(&d) {
                                    for p in &model.service(*id).ports {
                                        specs.push(Spanned::new(*p, port.span));
                                    }
                                }
                            }
                        }
                        Some(other) => self.diags.push(Diagnostic::error(
                            Code::TYPE_MISMATCH,
                            format!(
                                "expected a port, `icmp` or a service, found {}",
                                other.describe()
                            ),
                            port.span,
                            "not a port",
                        ).with_help("list ports as `tcp/22, udp/53`, `icmp`, or a service name such as `ssh`")),
                        None => {}
                    }
                }
                let sources = match sources {
                    Some(expr) => self.sources(expr, env),
                    None => Vec::new(),
                };
                if let (Some(from), Some(to)) = (from, to) {
                    fw.rules.push(FilterRule {
                        allow: action.name == "allow",
                        from,
                        to,
                        ports: specs,
                        protocols,
                        sources,
                        span: *span,
                    });
                }
            }
            ast::Rule::Masquerade { zones, to, span } => {
                let mut list = Vec::new();
                match self.eval(zones, env, None, None) {
                    Some(Value::List(items)) => {
                        for (v, s) in items {
                            if let Value::Word(w) = v {
                                list.push(ast::Ident {
                                    name: w.into(),
                                    span: s,
                                });
                            }
                        }
                    }
                    Some(Value::Word(w)) => list.push(ast::Ident {
                        name: w.into(),
                        span: zones.span,
                    }),
                    Some(other) => self.diags.push(
                        Diagnostic::error(
                            Code::TYPE_MISMATCH,
                            format!("expected zones, found {}", other.describe()),
                            zones.span,
                            "expected `[zone, …]`",
                        )
                        .with_help("write the zones as a list: `masquerade [lan, guest] -> wan`"),
                    ),
                    None => {}
                }
                let zones = list.iter().filter_map(|z| self.zone(z, model)).collect();
                if let Some(to) = self.zone(to, model) {
                    fw.masquerade.push(Masquerade {
                        zones,
                        to,
                        span: *span,
                    });
                }
            }
            ast::Rule::Forward {
                from,
                port,
                target,
                target_port,
                span,
            } => {
                let from = self.zone(from, model);
                let port_value = self.eval(port, env, None, None);
                let port = match port_value {
                    Some(Value::Port(p)) => Some(Spanned::new(p, port.span)),
                    Some(other) => {
                        self.diags.push(
                            Diagnostic::error(
                                Code::TYPE_MISMATCH,
                                format!(
                                    "expected a port such as `tcp/443`, found {}",
                                    other.describe()
                                ),
                                port.span,
                                "not a port",
                            )
                            .with_help("write `forward wan tcp/443 -> proxy:443`"),
                        );
                        None
                    }
                    None => None,
                };
                let target_guest = self
                    .resolve_name(&target.name, target.span, Kind::Machine)
                    .and_then(|d| handles.machines.get(&d).copied());
                let to_span = target_port.as_ref().map_or(*span, |expr| expr.span);
                let target_port = match target_port {
                    Some(expr) => match self.eval(expr, env, None, None) {
                        Some(Value::Int(n)) if (1..=65535).contains(&n) => Some(n as u16),
                        _ => {
                            self.diags.push(Diagnostic::error(
                                Code::OUT_OF_RANGE,
                                "invalid target port",
                                expr.span,
                                "ports are 1 to 65535",
                            ).with_help("give the guest's port as a number from 1 to 65535: `-> proxy:443`"));
                            None
                        }
                    },
                    None => port.map(|p| p.value.first),
                };
                let target_port = match (port, target_port) {
                    (Some(p), Some(to)) if p.value.first != p.value.last && to != p.value.first => {
                        self.diags
                            .push(range_moved(p, Spanned::new(to, to_span), target));
                        None
                    }
                    _ => target_port,
                };
                if let (Some(from), Some(port), Some(target), Some(target_port)) =
                    (from, port, target_guest, target_port)
                {
                    fw.forwards.push(PortForward {
                        from,
                        port,
                        target,
                        target_port,
                        span: *span,
                    });
                }
            }
        }
    }

    fn sources(&mut self, expr: &ast::Expr, env: &Env) -> Vec<Source> {
        let value = self.eval(expr, env, None, None);
        let items = match value {
            Some(Value::List(items)) => items,
            Some(v) => vec![(v, expr.span)],
            None => return Vec::new(),
        };
        let mut out = Vec::new();
        for (v, span) in items {
            match v {
                Value::BgpPeers => out.push(Source::BgpPeers),
                Value::Ip(a) => out.push(Source::Prefix(IpNet::from(a))),
                Value::Net(a, l) => {
                    if let Ok(n) = IpNet::new(a, l) {
                        out.push(Source::Prefix(n.trunc()));
                    }
                }
                other => self.bad_source(&other, span),
            }
        }
        out
    }

    /// Parses BGP communities written as `"asn:value"`, `"asn:data:data"` or a well-known
    /// name (`"no-export"`, `"no-advertise"`).
    fn communities(&mut self, items: Vec<(Value, Span)>) -> Vec<Spanned<Community>> {
        let mut out = Vec::new();
        for (value, span) in items {
            let Value::Str(text) = value else { continue };
            let parts: Vec<Option<u32>> = text.split(':').map(|p| p.trim().parse().ok()).collect();
            let community = match (text.as_str(), parts.as_slice()) {
                ("no-export", _) => Some(Community::Standard(0xffff, 0xff01)),
                ("no-advertise", _) => Some(Community::Standard(0xffff, 0xff02)),
                (_, [Some(a), Some(b)]) => match (u16::try_from(*a), u16::try_from(*b)) {
                    (Ok(a), Ok(b)) => Some(Community::Standard(a, b)),
                    _ => {
                        self.diags.push(
                            Diagnostic::error(
                                Code::OUT_OF_RANGE,
                                format!("standard community `{text}` does not fit in 16:16 bits"),
                                span,
                                "both halves of a standard community are 0 to 65535",
                            )
                            .with_help(format!(
                                "use a large community for a 32-bit ASN: \"{a}:0:{b}\""
                            )),
                        );
                        continue;
                    }
                },
                (_, [Some(a), Some(b), Some(c)]) => Some(Community::Large(*a, *b, *c)),
                _ => None,
            };
            match community {
                Some(c) => out.push(Spanned::new(c, span)),
                None => self.diags.push(
                    Diagnostic::error(
                        Code::TYPE_MISMATCH,
                        format!("`{text}` is not a BGP community"),
                        span,
                        "expected `asn:value` or `asn:data:data`",
                    )
                    .with_help("write \"65000:100\", \"394955:0:100\" or \"no-export\""),
                ),
            }
        }
        out
    }

    fn bad_source(&mut self, value: &Value, span: Span) {
        self.diags.push(
            Diagnostic::error(
                Code::TYPE_MISMATCH,
                format!("expected source addresses, found {}", value.describe()),
                span,
                "not an address or prefix",
            )
            .with_help("sources are addresses, prefixes, or `bgp.peers`"),
        );
    }
}

/// A range forwarded onto ports other than its own (E0568): nftables and fw4 translate a
/// range to one port, or to any port of a range, never port for port onto another range;
/// forwarded as written, every port of it would reach one port of the target.
fn range_moved(port: Spanned<PortSpec>, to: Spanned<u16>, target: &ast::Ident) -> Diagnostic {
    let range = port.value;
    Diagnostic::error(
        Code::FORWARD_RANGE_MOVED,
        format!("port range {range} is forwarded onto port {}", to.value),
        to.span,
        format!("every port of {range} would reach {}", to.value),
    )
    .with_label(port.span, "a range is forwarded port for port")
    .with_help(format!(
        "leave out the target port to forward each port to the same port of `{}`: `-> {}`",
        target.name, target.name
    ))
    .with_note(
        "the router translates a range only onto the same ports; to move a service, \
         forward its one port (`tcp/8443 -> web:443`)",
    )
}
