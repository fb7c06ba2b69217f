//! Cloudflare tunnels: the tunnel an `ingress kind = tunnel` runs, how each route's
//! origin is spoken to, and where cloudflared sends a route (read by the tunnel check
//! and the cloudflared target, so they agree).

use crate::compose::{reach, Reach};
use crate::{Expose, Ingress, Model, RouteTarget, SecretRef, Spanned};
use serde::Serialize;
use std::net::IpAddr;

/// A named tunnel that cloudflared runs locally.
#[derive(Debug, Clone, Serialize)]
pub struct Tunnel {
    /// The tunnel's UUID (`cloudflared tunnel create` prints it).
    pub id: Spanned<String>,
    /// The secret holding the tunnel's credentials JSON file.
    pub credentials: SecretRef,
}

/// How a proxy speaks to a route's origin.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Origin {
    /// The origin serves HTTPS (a Proxmox UI on 8006), not plain HTTP.
    pub https: bool,
    /// Accept any certificate from the origin (a self-signed one).
    pub no_tls_verify: bool,
}

/// Where a proxy sends one route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginUrl {
    /// `http` or `https`.
    pub scheme: &'static str,
    /// `localhost` or an address.
    pub host: Option<IpAddr>,
    pub port: u16,
    /// The `Host` header to send, when the origin routes by name (a cluster's ingress
    /// controller).
    pub host_header: Option<String>,
}

impl OriginUrl {
    /// `scheme://host:port`, IPv6 in brackets.
    pub fn url(&self) -> String {
        let host = match self.host {
            None => "localhost".to_string(),
            Some(IpAddr::V4(a)) => a.to_string(),
            Some(IpAddr::V6(a)) => format!("[{a}]"),
        };
        format!("{}://{host}:{}", self.scheme, self.port)
    }
}

/// Why a proxy cannot reach a route's target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unreachable {
    /// The target machine shares no network with the proxy's machine.
    NoSharedNetwork,
    /// The app is only reachable inside its cluster (ClusterIP without a host name).
    ClusterOnly,
    /// The app has a host name or NodePort but no node shares a network with the proxy.
    NoNode,
    /// The app has no port.
    NoPort,
}

/// Where `ingress` sends route `index`: the target machine's address and the route's
/// port, or for an app its NodePort on a node, or the cluster's ingress controller on
/// port 80 with the app's host name as `Host` header.
pub fn origin_url(
    model: &Model,
    ingress: &Ingress,
    index: usize,
) -> Result<OriginUrl, Unreachable> {
    let route = &ingress.routes[index];
    let scheme = if route.origin.https { "https" } else { "http" };
    match &route.to {
        RouteTarget::Machine(target, port) => match reach(model, ingress.machine, *target) {
            Reach::Local => Ok(OriginUrl {
                scheme,
                host: None,
                port: *port,
                host_header: None,
            }),
            Reach::At(address) => Ok(OriginUrl {
                scheme,
                host: Some(address),
                port: *port,
                host_header: None,
            }),
            Reach::Unreachable => Err(Unreachable::NoSharedNetwork),
        },
        RouteTarget::App(app) => {
            let app = &model.apps[app.index()];
            if app.port.is_none() {
                return Err(Unreachable::NoPort);
            }
            let (port, host_header) = match (app.expose.value, &app.host) {
                (Expose::NodePort(p), _) => (p, None),
                // The controller routes by the Host header; cloudflared passes the
                // public name on, so it is only set when the app serves another name.
                (_, Some(host)) => (80, (*host != route.host).then(|| host.clone())),
                _ => return Err(Unreachable::ClusterOnly),
            };
            let cluster = model.cluster(app.cluster);
            let node = cluster
                .nodes()
                .map(|(node, _)| reach(model, ingress.machine, node))
                .find(|r| *r != Reach::Unreachable)
                .ok_or(Unreachable::NoNode)?;
            Ok(OriginUrl {
                // The ingress controller and NodePorts speak plain HTTP inside the lab.
                scheme: if app.host.is_some() { "http" } else { scheme },
                host: match node {
                    Reach::At(a) => Some(a),
                    _ => None,
                },
                port,
                host_header,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::OriginUrl;

    #[test]
    fn origin_urls() {
        let mut origin = OriginUrl {
            scheme: "https",
            host: None,
            port: 8006,
            host_header: None,
        };
        assert_eq!(origin.url(), "https://localhost:8006");
        origin.host = Some(
            "fd00::1"
                .parse()
                .unwrap_or(std::net::Ipv6Addr::LOCALHOST.into()),
        );
        assert_eq!(origin.url(), "https://[fd00::1]:8006");
        origin.host = Some(std::net::Ipv4Addr::new(10, 0, 0, 2).into());
        assert_eq!(origin.url(), "https://10.0.0.2:8006");
    }
}
