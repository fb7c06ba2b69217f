//! Reverse proxies: which `ingress kind = reverse-proxy` infrac runs as Caddy, the sites
//! of its Caddyfile (host name, upstream, certificate), and the ports Caddy takes. Read
//! by the listeners, the proxy check, the Caddyfile format and the platform targets that
//! install Caddy, so they agree.

use crate::tunnel::{origin_url, OriginUrl, Unreachable};
use crate::{Ingress, IngressKind, MachineId, Model, RouteTarget, SecretRef};
use serde::Serialize;

/// Where the certificate of a route the proxy serves over HTTPS comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase", tag = "kind")]
pub enum RouteCertificate {
    /// A public CA over ACME (Caddy's automatic HTTPS: Let's Encrypt or ZeroSSL), which
    /// needs the name to resolve to the proxy and port 80 or 443 reachable from the CA.
    Acme,
    /// The proxy's own local CA (`tls internal`), trusted by whoever installs its root.
    Internal,
    /// A certificate and key the secret store places on the machine.
    Files { cert: SecretRef, key: SecretRef },
}

/// One site block of a Caddyfile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxySite {
    /// The host name it answers.
    pub host: String,
    /// `None` for plain HTTP (`tls = false`), else where its certificate comes from.
    pub tls: Option<RouteCertificate>,
    /// Where it forwards to.
    pub upstream: OriginUrl,
    /// Accept any certificate from an HTTPS upstream.
    pub no_tls_verify: bool,
}

/// The ports Caddy binds on its machine: it "redirects HTTP (default port 80) to HTTPS
/// (default port 443)", and the ACME HTTP and TLS-ALPN challenges arrive on them
/// (caddyserver.com/docs/automatic-https, "Overview" and "ACME challenges").
pub const CADDY_PORTS: [u16; 2] = [80, 443];

/// Whether infrac runs Caddy for `ingress`: a reverse proxy on a machine that declares no
/// other web server on 80 or 443 (a service such as Nginx Proxy Manager, or a Compose
/// service publishing one of them), which would be the proxy the operator runs instead.
pub fn runs_caddy(model: &Model, ingress: &Ingress) -> bool {
    if ingress.kind != IngressKind::ReverseProxy {
        return false;
    }
    let machine = model.machine(ingress.machine);
    let web = |port: &crate::PortSpec| {
        CADDY_PORTS
            .iter()
            .any(|p| port.contains(crate::Protocol::Tcp, *p))
    };
    let service = machine.services.iter().any(|s| s.ports.iter().any(web));
    let compose = model
        .stacks_on(ingress.machine)
        .flat_map(|s| &s.services)
        .flat_map(|s| &s.ports)
        .any(|p| web(&p.host.value));
    !service && !compose
}

/// The reverse proxies infrac runs as Caddy on `machine`, in source order.
pub fn caddy_ingresses(model: &Model, machine: MachineId) -> Vec<&Ingress> {
    model
        .ingresses
        .iter()
        .filter(|i| i.machine == machine && runs_caddy(model, i))
        .collect()
}

/// Where Caddy on the proxy's machine sends route `index`: as a tunnel would
/// (`origin_url`), or when the target shares no network with the proxy, its first
/// address (for an app, its first node's), reached through the proxy's gateway: unlike
/// cloudflared beside a tunnel, a reverse proxy often sits in a DMZ in front of routed
/// networks, and whether the firewall lets it through is the policy checks' question.
pub fn caddy_origin(
    model: &Model,
    ingress: &Ingress,
    index: usize,
) -> Result<OriginUrl, Unreachable> {
    let err = match origin_url(model, ingress, index) {
        Ok(url) => return Ok(url),
        Err(e @ (Unreachable::ClusterOnly | Unreachable::NoPort)) => return Err(e),
        Err(e) => e,
    };
    let route = &ingress.routes[index];
    let scheme = if route.origin.https { "https" } else { "http" };
    let first = |m: MachineId| model.machine(m).addresses().first().map(|(_, a)| a.value);
    let (host, port) = match &route.to {
        RouteTarget::Machine(target, port) => (first(*target), *port),
        RouteTarget::App(app) => {
            let app = &model.apps[app.index()];
            let port = match app.expose.value {
                crate::Expose::NodePort(p) => p,
                _ => 80,
            };
            let node = model
                .cluster(app.cluster)
                .nodes()
                .find_map(|(n, _)| first(n));
            (node, port)
        }
    };
    let host = host.ok_or(err)?;
    // The scheme and Host header follow `origin_url`'s rules.
    let (scheme, host_header) = match &route.to {
        RouteTarget::App(app) => {
            let app = &model.apps[app.index()];
            match (&app.expose.value, &app.host) {
                (crate::Expose::NodePort(_), _) => (scheme, None),
                (_, Some(h)) => ("http", (*h != route.host).then(|| h.clone())),
                _ => return Err(Unreachable::ClusterOnly),
            }
        }
        RouteTarget::Machine(..) => (scheme, None),
    };
    Ok(OriginUrl {
        scheme,
        host: Some(host),
        port,
        host_header,
    })
}

/// The sites of the Caddyfile of `machine`: every route of its Caddy ingresses that the
/// proxy can reach (the proxy check reports the others), in source order.
pub fn caddy_sites(model: &Model, machine: MachineId) -> Vec<ProxySite> {
    let mut sites = Vec::new();
    for ingress in caddy_ingresses(model, machine) {
        for (index, route) in ingress.routes.iter().enumerate() {
            let Ok(upstream) = caddy_origin(model, ingress, index) else {
                continue;
            };
            sites.push(ProxySite {
                host: route.host.clone(),
                tls: route.tls.then(|| route.certificate.clone()),
                upstream,
                no_tls_verify: route.origin.no_tls_verify,
            });
        }
    }
    sites
}

/// Whether the machine runs Caddy for a reverse proxy of the lab.
pub fn runs_caddy_on(model: &Model, machine: MachineId) -> bool {
    !caddy_ingresses(model, machine).is_empty()
}
