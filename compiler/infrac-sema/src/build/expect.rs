//! `expect` statements: their words resolved against the built model into
//! [`Expectation`]s, which the checks then prove.

use crate::decls::Module;
use crate::suggestions::Among;
use crate::value::Kind;
use crate::Sema;
use infrac_diagnostics::{did_you_mean, Code, Diagnostic, Span};
use infrac_model::expect::{Expectation, Exposed, Intent};
use infrac_model::policy::flow::{Endpoint, Traffic};
use infrac_model::{Model, PortSpec, Protocol, Spanned};
use infrac_syntax::ast::{self, ExprKind};
use std::net::IpAddr;

/// What the outcome words ask for.
enum Outcome {
    Flow(bool),
    Overlay(ast::Ident),
    Through(ast::Ident),
}

impl Sema<'_> {
    /// Resolves every `expect` of the lab's own files (stdlib modules have none).
    pub(crate) fn build_expectations(&mut self, model: &mut Model, modules: &[Module]) {
        for module in modules.iter().filter(|m| m.namespace.is_none()) {
            for item in &module.ast.items {
                if let ast::Item::Expect(expect) = item {
                    if let Some(list) = self.app_expectations(model, expect) {
                        model.expectations.extend(list);
                    } else if let Some(e) = self.expectation(model, expect) {
                        model.expectations.push(e);
                    }
                }
            }
        }
    }

    /// `expect FROM -> APP [PORTS] allowed|denied`: an app of a cluster is reached on
    /// every node of its cluster, on its NodePort unless PORTS say otherwise, so the
    /// statement stands for one flow expectation per node. `None` when TO is no app.
    fn app_expectations(&mut self, model: &Model, x: &ast::Expect) -> Option<Vec<Expectation>> {
        let ExprKind::Path(p) = &x.to.kind else {
            return None;
        };
        let name = p.dotted();
        let shadowed =
            name == "router" || model.has_zone(&name) || model.machine_named(&name).is_some();
        let app = model
            .apps
            .iter()
            .position(|a| a.name == name)
            .filter(|_| !shadowed)?;
        let words: Vec<&str> = x.outcome.iter().map(|w| w.name.as_str()).collect();
        let allowed = match words.as_slice() {
            ["allowed"] => true,
            ["denied"] => false,
            // `only through` names an app too; anything else is reported as usual.
            _ => return None,
        };
        let firewall = self.expect_firewall(model, x)?;
        let from = self.endpoint(model, Some(firewall), &x.from)?;
        let a = &model.apps[app];
        let traffic = if x.ports.is_empty() {
            match a.expose.value {
                infrac_model::Expose::NodePort(port) => {
                    vec![Spanned::new(Traffic::Port(Protocol::Tcp, port), x.to.span)]
                }
                _ => {
                    self.malformed(
                        x.to.span,
                        &format!("{name} is not exposed on its nodes (no NodePort)"),
                        "name the port to expect, or expose the app with `expose = nodeport(N)`",
                    );
                    return Some(Vec::new());
                }
            }
        } else {
            // Ports as written; a service name means one of the catalogue's.
            self.traffic(model, firewall, &Endpoint::Zone(String::new()), x)?
        };
        let nodes = infrac_model::expect::exposed_machines(
            model,
            Exposed::App(infrac_model::AppId(app as u32)),
        );
        let router = model.firewalls[firewall].machine;
        Some(
            nodes
                .into_iter()
                .map(|node| Expectation {
                    intent: Intent::Flow {
                        firewall,
                        from: from.clone(),
                        to: Spanned::new(
                            if node == router {
                                Endpoint::Router
                            } else {
                                Endpoint::Machine(node)
                            },
                            x.to.span,
                        ),
                        traffic: traffic.clone(),
                        allowed,
                    },
                    span: x.span,
                })
                .collect(),
        )
    }

    fn expectation(&mut self, model: &Model, x: &ast::Expect) -> Option<Expectation> {
        let outcome = self.outcome(x)?;
        let intent = match outcome {
            Outcome::Flow(allowed) => {
                let firewall = self.expect_firewall(model, x)?;
                let from = self.endpoint(model, Some(firewall), &x.from)?;
                let to = self.endpoint(model, Some(firewall), &x.to)?;
                let traffic = self.traffic(model, firewall, &to.value, x)?;
                Intent::Flow {
                    firewall,
                    from,
                    to,
                    traffic,
                    allowed,
                }
            }
            Outcome::Overlay(net) => {
                self.no_ports(x, "an overlay carries every port between its members")?;
                if let Some(on) = &x.on {
                    self.malformed(
                        on.span,
                        "an overlay expectation asks no firewall",
                        "remove `on …`; the overlay's tunnels decide",
                    );
                    return None;
                }
                let network = self.overlay(model, &net)?;
                let from = self.endpoint(model, None, &x.from)?;
                let Endpoint::Machine(machine) = from.value else {
                    self.malformed(
                        from.span,
                        "only a machine can reach something over an overlay",
                        "name a machine that is on the overlay",
                    );
                    return None;
                };
                let to = self.endpoint(model, None, &x.to)?;
                if matches!(to.value, Endpoint::Zone(_) | Endpoint::Router) {
                    self.malformed(
                        to.span,
                        "an overlay reaches machines and addresses, not zones",
                        "name a machine or an address",
                    );
                    return None;
                }
                Intent::Overlay {
                    network,
                    from: Spanned::new(machine, from.span),
                    to,
                }
            }
            Outcome::Through(proxy) => {
                self.no_ports(x, "the proxy's routes say which ports it serves")?;
                let firewall = self.expect_firewall(model, x)?;
                let from = self.endpoint(model, Some(firewall), &x.from)?;
                let target = self.exposed(model, &x.to)?;
                let ingress = self.ingress(model, &proxy)?;
                Intent::OnlyThrough {
                    firewall,
                    from,
                    target,
                    ingress,
                }
            }
        };
        Some(Expectation {
            intent,
            span: x.span,
        })
    }

    fn malformed(&mut self, span: Span, label: &str, help: &str) {
        self.diags.push(
            Diagnostic::error(
                Code::EXPECT_MALFORMED,
                "expectation that says nothing provable",
                span,
                label,
            )
            .with_help(help),
        );
    }

    fn outcome(&mut self, x: &ast::Expect) -> Option<Outcome> {
        if x.outcome.is_empty() {
            let (span, label) = match x.ports.last() {
                Some(last) => (last.span, "not an outcome"),
                None => (x.span, "no outcome"),
            };
            self.diags.push(
                Diagnostic::error(Code::EXPECT_MALFORMED, "expectation without an outcome", span, label)
                    .with_help("end the expectation with `allowed`, `denied`, `reachable over OVERLAY` or `only through INGRESS`"),
            );
            return None;
        }
        let words: Vec<&str> = x.outcome.iter().map(|w| w.name.as_str()).collect();
        let span = match (x.outcome.first(), x.outcome.last()) {
            (Some(a), Some(b)) => a.span.to(b.span),
            _ => x.span,
        };
        match (words.as_slice(), x.outcome.get(2)) {
            (["allowed"], _) => Some(Outcome::Flow(true)),
            (["denied"], _) => Some(Outcome::Flow(false)),
            (["reachable", "over", _], Some(net)) => Some(Outcome::Overlay(net.clone())),
            (["only", "through", _], Some(proxy)) => Some(Outcome::Through(proxy.clone())),
            _ => {
                self.malformed(
                    span,
                    "not an outcome",
                    "end the expectation with `allowed`, `denied`, `reachable over OVERLAY` or `only through INGRESS`",
                );
                None
            }
        }
    }

    fn no_ports(&mut self, x: &ast::Expect, why: &str) -> Option<()> {
        match (x.ports.first(), x.ports.last()) {
            (Some(a), Some(b)) => {
                self.malformed(
                    a.span.to(b.span),
                    "ports have no meaning here",
                    &format!("remove them: {why}"),
                );
                None
            }
            _ => Some(()),
        }
    }

    /// The firewall a flow expectation asks: the one named by `on`, else the lab's only one.
    fn expect_firewall(&mut self, model: &Model, x: &ast::Expect) -> Option<usize> {
        let names: Vec<&str> = model
            .firewalls
            .iter()
            .map(|f| model.machine(f.machine).name.as_str())
            .collect();
        let list = names
            .iter()
            .map(|n| format!("`{n}`"))
            .collect::<Vec<_>>()
            .join(", ");
        // A firewall declared but left out of the model for an error reported at it may be
        // the one meant: which firewall decides is unknown, and not a second mistake.
        let declared = self.decls_of(Kind::Firewall);
        let unbuilt =
            declared.len() > model.firewalls.len() || self.broken_kinds.contains(&Kind::Firewall);
        match (&x.on, names.as_slice()) {
            (Some(on), _) => {
                if let Some(i) = names.iter().position(|n| *n == on.name) {
                    return Some(i);
                }
                // Only the firewall declared on that very machine can be the one meant;
                // another left out of the model says nothing of this one.
                if unbuilt
                    && declared
                        .iter()
                        .any(|d| self.decls[d.0 as usize].name == on.name)
                {
                    return None;
                }
                let help = match did_you_mean(&on.name, names.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None if names.is_empty() => {
                        "the lab has no `firewall` block to prove this against".to_string()
                    }
                    None => format!("firewalls are on {list}"),
                };
                self.diags.push(
                    Diagnostic::error(
                        Code::EXPECT_FIREWALL,
                        format!("`{}` has no firewall", on.name),
                        on.span,
                        "no `firewall on` this machine",
                    )
                    .with_help(help),
                );
                None
            }
            (None, _) if unbuilt => None,
            (None, [_]) => Some(0),
            (None, []) => {
                self.diags.push(
                    Diagnostic::error(
                        Code::EXPECT_FIREWALL,
                        "expectation about a firewall the lab does not have",
                        x.span,
                        "no firewall decides this flow",
                    )
                    .with_help("declare `firewall on ROUTER { … }`, or remove the expectation"),
                );
                None
            }
            (None, _) => {
                self.diags.push(
                    Diagnostic::error(
                        Code::EXPECT_FIREWALL,
                        "expectation without the firewall it is about",
                        x.span,
                        "the lab has several firewalls",
                    )
                    .with_help(format!(
                        "add `on ROUTER` at the end; firewalls are on {list}"
                    )),
                );
                None
            }
        }
    }

    /// A zone, `router`, a machine or an address. With a firewall, its machine (by name or
    /// as `router`) is the router itself.
    fn endpoint(
        &mut self,
        model: &Model,
        firewall: Option<usize>,
        e: &ast::Expr,
    ) -> Option<Spanned<Endpoint>> {
        let address = match &e.kind {
            ExprKind::Ipv4(a) => Some(IpAddr::V4(*a)),
            ExprKind::Ipv6(a) => Some(IpAddr::V6(*a)),
            _ => None,
        };
        if let Some(address) = address {
            let value = match firewall {
                // One of the router's NIC addresses is the router, as in the flow engine.
                Some(f) if router_owns(model, model.firewalls[f].machine, address) => {
                    Endpoint::Router
                }
                Some(_) => Endpoint::Address(address),
                None => Endpoint::Address(address),
            };
            return Some(Spanned::new(value, e.span));
        }
        let name = match &e.kind {
            ExprKind::Path(p) => p.dotted(),
            _ => return None,
        };
        let router = firewall.map(|f| model.firewalls[f].machine);
        if firewall.is_some() && name == "router" {
            return Some(Spanned::new(Endpoint::Router, e.span));
        }
        if firewall.is_some() && model.has_zone(&name) {
            return Some(Spanned::new(Endpoint::Zone(name), e.span));
        }
        if let Some(m) = model.machine_named(&name) {
            let value = if Some(m) == router {
                Endpoint::Router
            } else {
                Endpoint::Machine(m)
            };
            return Some(Spanned::new(value, e.span));
        }
        if self.declared_as(&name, &[Kind::Machine]) {
            return None;
        }
        let among = if firewall.is_some() {
            Among::MachinesZonesRouter
        } else {
            Among::Machines
        };
        let (what, kinds) = if firewall.is_some() {
            ("a zone, a machine, `router` or an address", "zones")
        } else {
            ("a machine or an address", "machines")
        };
        let help = match self.nearest_in_model(model, among, &name) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("name one of the lab's {kinds}, or write an address"),
        };
        self.diags.push(
            Diagnostic::error(
                Code::EXPECT_UNKNOWN,
                format!("`{name}` is not {what}"),
                e.span,
                "unknown here",
            )
            .with_help(help),
        );
        None
    }

    /// The traffic a flow expectation is about; any traffic when it lists none.
    fn traffic(
        &mut self,
        model: &Model,
        firewall: usize,
        to: &Endpoint,
        x: &ast::Expect,
    ) -> Option<Vec<Spanned<Traffic>>> {
        if x.ports.is_empty() {
            let outcome = x.outcome.first().map_or(x.span, |w| w.span);
            return Some(vec![Spanned::new(Traffic::Any, outcome)]);
        }
        let mut out = Vec::new();
        let mut ok = true;
        for port in &x.ports {
            match &port.kind {
                ExprKind::Port(p, lo, hi) => {
                    let protocol = match p {
                        infrac_syntax::token::Protocol::Tcp => Protocol::Tcp,
                        infrac_syntax::token::Protocol::Udp => Protocol::Udp,
                        infrac_syntax::token::Protocol::Sctp => Protocol::Sctp,
                    };
                    let t = match hi {
                        Some(hi) if hi != lo => Traffic::Range(protocol, *lo, *hi),
                        _ => Traffic::Port(protocol, *lo),
                    };
                    out.push(Spanned::new(t, port.span));
                }
                ExprKind::Path(p) => match p.dotted().as_str() {
                    "icmp" | "ping" => out.push(Spanned::new(Traffic::Ping, port.span)),
                    "icmpv6" => out.push(Spanned::new(Traffic::Ping6, port.span)),
                    name => match service_ports(model, firewall, to, name) {
                        Some(ports) => out.extend(ports.into_iter().map(|p| {
                            let t = if p.first == p.last {
                                Traffic::Port(p.protocol, p.first)
                            } else {
                                Traffic::Range(p.protocol, p.first, p.last)
                            };
                            Spanned::new(t, port.span)
                        })),
                        None => {
                            ok = false;
                            let known = model.services.iter().map(|s| s.name.as_str());
                            let help = match did_you_mean(name, known) {
                                Some(s) => format!("did you mean `{s}`?"),
                                None => "write a port (`tcp/22`), `icmp`, `icmpv6` or a service of the destination".into(),
                            };
                            self.diags.push(
                                Diagnostic::error(
                                    Code::EXPECT_UNKNOWN,
                                    format!("`{name}` is not a port, `icmp` or a known service"),
                                    port.span,
                                    "unknown traffic",
                                )
                                .with_help(help),
                            );
                        }
                    },
                },
                _ => ok = false,
            }
        }
        ok.then_some(out)
    }

    fn overlay(
        &mut self,
        model: &Model,
        net: &ast::Ident,
    ) -> Option<Spanned<infrac_model::NetworkId>> {
        if let Some(id) = model.network_named(&net.name) {
            if model.network(id).overlay.is_some() {
                return Some(Spanned::new(id, net.span));
            }
            self.malformed(
                net.span,
                "not an overlay",
                "name an overlay network (`overlay = tailscale`, `wireguard` or `zerotier`)",
            );
            return None;
        }
        let overlays = model
            .networks
            .iter()
            .filter(|n| n.overlay.is_some())
            .map(|n| n.name.as_str());
        let help = match did_you_mean(&net.name, overlays) {
            Some(s) => format!("did you mean `{s}`?"),
            None => "name one of the lab's overlay networks".to_string(),
        };
        self.diags.push(
            Diagnostic::error(
                Code::EXPECT_UNKNOWN,
                format!("`{}` is not a network", net.name),
                net.span,
                "unknown network",
            )
            .with_help(help),
        );
        None
    }

    /// What an ingress can expose: an app, or a machine.
    fn exposed(&mut self, model: &Model, e: &ast::Expr) -> Option<Spanned<Exposed>> {
        if let ExprKind::Path(p) = &e.kind {
            let name = p.dotted();
            if let Some(i) = model.apps.iter().position(|a| a.name == name) {
                return Some(Spanned::new(
                    Exposed::App(infrac_model::AppId(i as u32)),
                    e.span,
                ));
            }
            if let Some(m) = model.machine_named(&name) {
                return Some(Spanned::new(Exposed::Machine(m), e.span));
            }
            if self.declared_as(&name, &[Kind::App, Kind::Machine]) {
                return None;
            }
            let help = match self.nearest_in_model(model, Among::AppsMachines, &name) {
                Some(s) => format!("did you mean `{s}`?"),
                None => "name the app or machine the ingress routes to".to_string(),
            };
            self.diags.push(
                Diagnostic::error(
                    Code::EXPECT_UNKNOWN,
                    format!("`{name}` is not an app or a machine"),
                    e.span,
                    "unknown here",
                )
                .with_help(help),
            );
            return None;
        }
        self.malformed(
            e.span,
            "an address is not something an ingress exposes",
            "name the app or machine the ingress routes to",
        );
        None
    }

    /// An ingress by its name, or by the machine it runs on when that has exactly one.
    fn ingress(&mut self, model: &Model, name: &ast::Ident) -> Option<Spanned<usize>> {
        if let Some(i) = model.ingresses.iter().position(|g| g.name == name.name) {
            return Some(Spanned::new(i, name.span));
        }
        if let Some(m) = model.machine_named(&name.name) {
            let on: Vec<usize> = (0..model.ingresses.len())
                .filter(|&i| model.ingresses[i].machine == m)
                .collect();
            if let [only] = on.as_slice() {
                return Some(Spanned::new(*only, name.span));
            }
        }
        // Declared, but left out of the model for an error reported at it (or at the machine
        // it runs on).
        if self.declared_as(&name.name, &[Kind::Ingress])
            || (model.machine_named(&name.name).is_none()
                && self.declared_as(&name.name, &[Kind::Machine]))
        {
            return None;
        }
        let help = match did_you_mean(&name.name, model.ingresses.iter().map(|g| g.name.as_str())) {
            Some(s) => format!("did you mean `{s}`?"),
            None => "name an `ingress`, or the machine that runs it".to_string(),
        };
        self.diags.push(
            Diagnostic::error(
                Code::EXPECT_UNKNOWN,
                format!("`{}` is not an ingress", name.name),
                name.span,
                "unknown ingress",
            )
            .with_help(help),
        );
        None
    }
}

/// Whether `address` is on one of the router's NICs (`Policy::local_addresses`).
fn router_owns(model: &Model, router: infrac_model::MachineId, address: IpAddr) -> bool {
    model.machine(router).nics.iter().any(|n| {
        n.ip.is_some_and(|a| IpAddr::V4(a.value) == address)
            || n.ip6.is_some_and(|a| IpAddr::V6(a.value) == address)
    })
}

/// Every port of a service: of the destination machine (or the router), else from the
/// catalogue.
fn service_ports(
    model: &Model,
    firewall: usize,
    to: &Endpoint,
    name: &str,
) -> Option<Vec<PortSpec>> {
    let machine = match to {
        Endpoint::Machine(m) => Some(*m),
        Endpoint::Router => Some(model.firewalls[firewall].machine),
        _ => None,
    };
    let own = machine.and_then(|m| {
        model
            .machine(m)
            .services
            .iter()
            .find(|s| s.name == name)
            .map(|s| s.ports.clone())
    });
    own.or_else(|| {
        model
            .services
            .iter()
            .find(|s| s.name == name)
            .map(|s| s.ports.clone())
    })
    .filter(|p| !p.is_empty())
}
