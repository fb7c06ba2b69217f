//! Applications with a database and a web front: NetBox behind nginx, and PostgreSQL
//! for clients on the machine's networks.
//!
//! Option names are those of nixpkgs' `nixos/modules/services/web-apps/netbox.nix`
//! (`enable`, `secretKeyFile`, `listenAddress` with default `[::1]`, `port` with default
//! 8001, `dataDir` with default `/var/lib/netbox`; the module itself enables PostgreSQL
//! with a `netbox` database and role and a Redis instance) and
//! `services/web-servers/nginx`; the setup follows the NetBox section of the NixOS
//! manual: gunicorn on the loopback, nginx in front serving `/static/` from the data
//! directory, nginx in the `netbox` group to read it.

use crate::machine::MachineView;
use crate::network::links;
use crate::nix::Nix;
use crate::services::{secret, Assignments};

/// Where gunicorn listens: the module's own default address and port.
const NETBOX_BACKEND: &str = "[::1]";
const NETBOX_BACKEND_PORT: u16 = 8001;
/// The module's data directory, whose `static` folder nginx serves.
const NETBOX_DATA: &str = "/var/lib/netbox";

/// The file NetBox reads its Django secret key from.
pub(crate) fn netbox_secret() -> String {
    secret("netbox-secret-key")
}

/// NetBox on gunicorn at the loopback, nginx on the service's declared port in front.
pub(crate) fn netbox(view: &MachineView, out: &mut Assignments) {
    let public = view.port("netbox", 8000);
    // gunicorn must not share the public port; the module's default otherwise.
    let backend = if public == NETBOX_BACKEND_PORT {
        NETBOX_BACKEND_PORT + 1
    } else {
        NETBOX_BACKEND_PORT
    };
    out.push((
        "services.netbox",
        Nix::attrs([
            ("enable", Nix::Bool(true)),
            ("secretKeyFile", Nix::str(netbox_secret())),
            ("listenAddress", Nix::str(NETBOX_BACKEND)),
            ("port", Nix::Int(backend.into())),
        ]),
    ));
    out.push((
        "services.nginx",
        Nix::attrs([
            ("enable", Nix::Bool(true)),
            // Passes Host and X-Forwarded-* on, which NetBox's CSRF check needs.
            ("recommendedProxySettings", Nix::Bool(true)),
            (
                "virtualHosts.netbox",
                Nix::Attrs(vec![
                    (
                        vec!["listen".into()],
                        Nix::List(
                            ["0.0.0.0", "[::]"]
                                .into_iter()
                                .map(|addr| {
                                    Nix::attrs([
                                        ("addr", Nix::str(addr)),
                                        ("port", Nix::Int(public.into())),
                                    ])
                                })
                                .collect(),
                        ),
                    ),
                    (
                        vec!["locations".into(), "/".into(), "proxyPass".into()],
                        Nix::str(format!("http://{NETBOX_BACKEND}:{backend}")),
                    ),
                    (
                        vec!["locations".into(), "/static/".into(), "alias".into()],
                        Nix::str(format!("{NETBOX_DATA}/static/")),
                    ),
                ]),
            ),
        ]),
    ));
    out.push((
        "users.users.nginx.extraGroups",
        Nix::strs(["netbox"]).commented("reads NetBox's static files"),
    ));
}

/// Caddy with the Caddyfile of this build (`caddy/<machine>/Caddyfile`, validated by
/// `caddy validate` in the test command). A `configFile` of our own makes the module use
/// the `caddyfile` adapter and leave its generated configuration aside (nixpkgs
/// nixos/modules/services/web-servers/caddy/default.nix at 0145c6da, `adapter`'s default).
pub(crate) fn caddy(view: &MachineView, out: &mut Assignments) {
    let file = infrac_model::layout::caddyfile(view.machine);
    out.push((
        "services.caddy",
        Nix::attrs([
            ("enable", Nix::Bool(true)),
            (
                "configFile",
                Nix::Expr(infrac_model::layout::from_nixos(&file)),
            ),
        ]),
    ));
}

/// PostgreSQL listening on the machine's addresses, with password (SCRAM) logins from
/// the prefixes of its networks; roles and databases are the operator's.
pub(crate) fn postgresql(view: &MachineView, out: &mut Assignments) {
    let mut rules = vec!["# Clients on the networks of this machine, by password.".to_string()];
    for link in links(view).0 {
        let network = view.model.network(link.network);
        let prefixes = network
            .ipv4
            .map(|n| n.value.to_string())
            .into_iter()
            .chain(network.ipv6.map(|n| n.value.to_string()));
        for prefix in prefixes {
            rules.push(format!("host all all {prefix} scram-sha-256"));
        }
    }
    out.push((
        "services.postgresql",
        Nix::attrs([
            ("enable", Nix::Bool(true)),
            ("enableTCPIP", Nix::Bool(true)),
            (
                "settings.port",
                Nix::Int(view.port("postgresql", 5432).into()),
            ),
            ("authentication", Nix::Lines(rules)),
        ]),
    ));
}
