//! The services a NixOS guest declares, as NixOS options: SSH, the node exporter,
//! Prometheus, Grafana and Alertmanager, Unbound, Kea and BIRD, and k3s for cluster nodes.
//! Secrets are referenced by their path under `/run/secrets`, never written out.

use crate::guest::{first_ipv4, GuestView};
use crate::nix::Nix;
use infrac_diagnostics::{Code, Diagnostic};
use infrac_model::GuestId;
use infrac_templates::text::file_segment;

/// Where the secret store puts secrets on a guest.
pub(crate) const SECRETS_DIR: &str = "/run/secrets";

/// The services this target configures; the cluster ones are covered by k3s.
const MAPPED: [&str; 8] = [
    "ssh",
    "node-exporter",
    "prometheus",
    "grafana",
    "alertmanager",
    "unbound",
    "kea",
    "bird",
];
const CLUSTER_SERVICES: [&str; 4] = ["k3s-api", "kubelet", "k3s-etcd", "flannel-vxlan"];

/// Assignments of one section, in order.
pub(crate) type Assignments = Vec<(&'static str, Nix)>;

/// The declared services this target does not configure (their ports are still open),
/// as `name (ports)`.
pub(crate) fn unmapped(view: &GuestView) -> Vec<String> {
    let in_cluster = !view.clusters().is_empty();
    view.guest
        .services
        .iter()
        .filter(|s| !MAPPED.contains(&s.name.as_str()))
        .filter(|s| !(in_cluster && CLUSTER_SERVICES.contains(&s.name.as_str())))
        .map(|s| {
            let ports: Vec<String> = s.ports.iter().map(ToString::to_string).collect();
            if ports.is_empty() {
                s.name.clone()
            } else {
                format!("{} ({})", s.name, ports.join(", "))
            }
        })
        .collect()
}

/// Every mapped service the guest declares.
pub(crate) fn services(view: &GuestView) -> Assignments {
    let mut out = Assignments::new();
    if view.runs("ssh") {
        out.push((
            "services.openssh",
            Nix::attrs([
                ("enable", Nix::Bool(true)),
                (
                    "ports",
                    Nix::List(vec![Nix::Int(view.port("ssh", 22).into())]),
                ),
                // The firewall section opens the declared ports itself.
                ("openFirewall", Nix::Bool(false)),
                ("settings.PermitRootLogin", Nix::str("no")),
                ("settings.PasswordAuthentication", Nix::Bool(false)),
                ("settings.KbdInteractiveAuthentication", Nix::Bool(false)),
            ]),
        ));
    }
    if view.runs("node-exporter") {
        out.push((
            "services.prometheus.exporters.node",
            Nix::attrs([
                ("enable", Nix::Bool(true)),
                ("port", Nix::Int(view.port("node-exporter", 9100).into())),
                ("enabledCollectors", Nix::strs(["systemd"])),
            ]),
        ));
    }
    if view.runs("prometheus") {
        prometheus(view, &mut out);
    }
    if view.runs("alertmanager") {
        out.push((
            "services.prometheus.alertmanager",
            Nix::attrs([
                ("enable", Nix::Bool(true)),
                ("port", Nix::Int(view.port("alertmanager", 9093).into())),
                (
                    "configuration",
                    Nix::attrs([
                        ("route.receiver", Nix::str("default")),
                        (
                            "receivers",
                            Nix::List(vec![Nix::attrs([("name", Nix::str("default"))])]),
                        ),
                    ]),
                ),
            ]),
        ));
    }
    if view.runs("grafana") {
        grafana(view, &mut out);
    }
    if view.runs("unbound") {
        out.push(("services.unbound", unbound(view)));
    }
    if view.runs("kea") {
        out.push(("services.kea.dhcp4", kea(view)));
    }
    if view.runs("bird") {
        let path = format!("../../bird/{}/bird.conf", file_segment(&view.guest.name));
        out.push((
            "services.bird2",
            Nix::attrs([
                ("enable", Nix::Bool(true)),
                ("config", Nix::Expr(format!("builtins.readFile {path}"))),
            ]),
        ));
    }
    out
}

/// The node exporters Prometheus scrapes: every guest that declares one and has a
/// static IPv4 address, as `address:port`.
fn node_targets(view: &GuestView) -> Vec<String> {
    view.model
        .guests
        .iter()
        .filter_map(|g| {
            let exporter = g.services.iter().find(|s| s.name == "node-exporter")?;
            let port = exporter.ports.first().map_or(9100, |p| p.first);
            Some(format!("{}:{port}", first_ipv4(g)?))
        })
        .collect()
}

fn prometheus(view: &GuestView, out: &mut Assignments) {
    out.push(("services.prometheus.enable", Nix::Bool(true)));
    out.push((
        "services.prometheus.port",
        Nix::Int(view.port("prometheus", 9090).into()),
    ));
    let targets = node_targets(view);
    if !targets.is_empty() {
        out.push((
            "services.prometheus.scrapeConfigs",
            Nix::List(vec![Nix::attrs([
                ("job_name", Nix::str("node")),
                (
                    "static_configs",
                    Nix::List(vec![Nix::attrs([("targets", Nix::strs(targets))])]),
                ),
            ])]),
        ));
    }
    if view.runs("alertmanager") {
        let target = format!("localhost:{}", view.port("alertmanager", 9093));
        out.push((
            "services.prometheus.alertmanagers",
            Nix::List(vec![Nix::attrs([(
                "static_configs",
                Nix::List(vec![Nix::attrs([("targets", Nix::strs([target]))])]),
            )])]),
        ));
    }
}

fn grafana(view: &GuestView, out: &mut Assignments) {
    let fqdn = match view.domain() {
        Some(domain) => format!("{}.{domain}", view.guest.name),
        None => view.guest.name.clone(),
    };
    let mut settings = vec![
        ("enable", Nix::Bool(true)),
        ("settings.server.http_addr", Nix::str("0.0.0.0")),
        (
            "settings.server.http_port",
            Nix::Int(view.port("grafana", 3000).into()),
        ),
        ("settings.server.domain", Nix::str(fqdn)),
        // Grafana reads a `$__file{PATH}` value from that file at start-up.
        (
            "settings.security.admin_password",
            Nix::str(format!("$__file{{{SECRETS_DIR}/grafana-admin-password}}")),
        ),
        (
            "settings.security.secret_key",
            Nix::str(format!("$__file{{{SECRETS_DIR}/grafana-secret-key}}")),
        ),
    ];
    if view.runs("prometheus") {
        let url = format!("http://localhost:{}", view.port("prometheus", 9090));
        settings.push(("provision.enable", Nix::Bool(true)));
        settings.push((
            "provision.datasources.settings.datasources",
            Nix::List(vec![Nix::attrs([
                ("name", Nix::str("Prometheus")),
                ("type", Nix::str("prometheus")),
                ("url", Nix::str(url)),
                ("isDefault", Nix::Bool(true)),
            ])]),
        ));
    }
    out.push(("services.grafana", Nix::attrs(settings)));
}

/// Networks the guest is the IPv4 gateway of, as `(interface index, network)`.
fn served_networks<'a>(view: &GuestView<'a>) -> Vec<(usize, &'a infrac_model::Network)> {
    view.guest
        .nics
        .iter()
        .enumerate()
        .filter_map(|(i, nic)| {
            let network = view.model.network(nic.network);
            let ip = nic.ip?.value;
            (network.gateway.map(|g| g.value) == Some(ip)).then_some((i, network))
        })
        .collect()
}

/// Unbound: answers on the guest's own addresses on every inside network, for those
/// networks, and forwards to the site's upstream resolvers.
fn unbound(view: &GuestView) -> Nix {
    let mut interfaces = vec!["127.0.0.1".to_string(), "::1".to_string()];
    let mut access = vec!["127.0.0.0/8 allow".to_string(), "::1/128 allow".to_string()];
    for nic in &view.guest.nics {
        let network = view.model.network(nic.network);
        if network.uplink {
            continue;
        }
        interfaces.extend(nic.ip.map(|ip| ip.value.to_string()));
        interfaces.extend(nic.ip6.map(|ip| ip.value.to_string()));
        access.extend(network.ipv4.map(|n| format!("{} allow", n.value)));
        access.extend(network.ipv6.map(|n| format!("{} allow", n.value)));
    }
    let mut server = vec![
        ("interface", Nix::strs(interfaces)),
        ("access-control", Nix::strs(access)),
    ];
    // The site's own names, derived from the model, answered locally: every guest and
    // host with a static address, so `ssh netbox.orion.home.arpa` works on the LAN.
    if let Some(domain) = &view.site().domain {
        let suffix = format!(".{domain}");
        let records: Vec<String> = infrac_model::dns::records(view.model)
            .into_iter()
            .filter(|r| r.name.ends_with(&suffix))
            .map(|r| format!("\"{}. {} {}\"", r.name, r.kind(), r.address))
            .collect();
        if !records.is_empty() {
            server.push(("local-zone", Nix::strs([format!("\"{domain}.\" static")])));
            server.push(("local-data", Nix::strs(records)));
        }
    }
    let mut settings = vec![("server", Nix::attrs(server))];
    let upstream = &view.site().dns;
    if !upstream.is_empty() {
        settings.push((
            "forward-zone",
            Nix::List(vec![Nix::attrs([
                ("name", Nix::str(".")),
                ("forward-addr", Nix::strs(upstream)),
            ])]),
        ));
    }
    Nix::attrs([
        ("enable", Nix::Bool(true)),
        ("settings", Nix::attrs(settings)),
    ])
}

/// Kea DHCPv4 for the networks whose gateway the guest holds and that have a range.
fn kea(view: &GuestView) -> Nix {
    let served: Vec<(usize, &infrac_model::Network)> = served_networks(view)
        .into_iter()
        .filter(|(_, n)| n.dhcp.is_some() && n.ipv4.is_some())
        .collect();
    let interfaces: Vec<String> = served.iter().map(|(i, _)| view.interface(*i)).collect();
    let subnets = served
        .iter()
        .enumerate()
        .filter_map(|(n, (i, network))| {
            let (first, last) = network.dhcp?.value;
            let prefix = network.ipv4?.value;
            let mut options = Vec::new();
            if let Some(gateway) = network.gateway {
                options.push(kea_option("routers", gateway.value.to_string()));
            }
            if !network.dns.is_empty() {
                let servers: Vec<String> = network
                    .dns
                    .iter()
                    .filter(|d| d.is_ipv4())
                    .map(ToString::to_string)
                    .collect();
                if !servers.is_empty() {
                    options.push(kea_option("domain-name-servers", servers.join(", ")));
                }
            }
            if let Some(domain) = view.domain() {
                options.push(kea_option("domain-name", domain.to_string()));
            }
            Some(
                Nix::attrs([
                    ("id", Nix::Int(n as i64 + 1)),
                    ("subnet", Nix::str(prefix.to_string())),
                    ("interface", Nix::str(view.interface(*i))),
                    (
                        "pools",
                        Nix::List(vec![Nix::attrs([(
                            "pool",
                            Nix::str(format!("{first} - {last}")),
                        )])]),
                    ),
                    ("option-data", Nix::List(options)),
                ])
                .commented(network.name.clone()),
            )
        })
        .collect();
    Nix::attrs([
        ("enable", Nix::Bool(true)),
        (
            "settings",
            Nix::attrs([
                ("interfaces-config.interfaces", Nix::strs(interfaces)),
                (
                    "lease-database",
                    Nix::attrs([
                        ("type", Nix::str("memfile")),
                        ("persist", Nix::Bool(true)),
                        ("name", Nix::str("/var/lib/kea/dhcp4.leases")),
                    ]),
                ),
                ("valid-lifetime", Nix::Int(86_400)),
                ("subnet4", Nix::List(subnets)),
            ]),
        ),
    ])
}

fn kea_option(name: &str, data: String) -> Nix {
    Nix::attrs([("name", Nix::str(name)), ("data", Nix::str(data))])
}

/// `services.k3s` for a cluster node, or the diagnostic when it would have to join
/// without a token.
pub(crate) fn k3s(view: &GuestView) -> Result<Assignments, Box<Diagnostic>> {
    let Some((cluster, is_server)) = view.clusters().into_iter().next() else {
        return Ok(Vec::new());
    };
    let first_server: Option<GuestId> = cluster.servers.first().map(|s| s.value);
    let initialises = first_server == Some(view.id);
    let mut settings: Vec<(&str, Nix)> = vec![
        ("enable", Nix::Bool(true)),
        ("role", Nix::str(if is_server { "server" } else { "agent" })),
    ];
    match &cluster.token {
        Some(token) => settings.push(("tokenFile", Nix::str(format!("{SECRETS_DIR}/{}", token.0)))),
        None if !initialises => {
            let span = cluster
                .servers
                .iter()
                .chain(&cluster.agents)
                .find(|s| s.value == view.id)
                .map_or(cluster.span, |s| s.span);
            return Err(Box::new(
                Diagnostic::error(
                    Code::JOIN_WITHOUT_TOKEN,
                    format!(
                        "{} cannot join cluster {} without a token",
                        view.guest.name, cluster.name
                    ),
                    span,
                    "joins the cluster, which has no token",
                )
                .with_label(cluster.span, "declared without `token`")
                .with_help(format!(
                "add `token = secret(\"k3s-token\")` to cluster {}; the secret store provides it \
                 at {SECRETS_DIR}/k3s-token on every node",
                cluster.name
            )),
            ));
        }
        None => {}
    }
    if initialises {
        if cluster.servers.len() > 1 {
            settings.push(("clusterInit", Nix::Bool(true)));
        }
    } else if let Some(first) = first_server {
        let server = view.model.guest(first);
        let address = match (first_ipv4(server), view.domain()) {
            (Some(ip), _) => ip.to_string(),
            (None, Some(domain)) => format!("{}.{domain}", server.name),
            (None, None) => server.name.clone(),
        };
        settings.push(("serverAddr", Nix::str(format!("https://{address}:6443"))));
    }
    if is_server {
        // Dual-stack clusters list the IPv6 range after the IPv4 one.
        let pods = match &cluster.pods6 {
            Some(v6) => format!("{},{}", cluster.pods.value, v6.value),
            None => cluster.pods.value.to_string(),
        };
        let services = match &cluster.services6 {
            Some(v6) => format!("{},{}", cluster.services.value, v6.value),
            None => cluster.services.value.to_string(),
        };
        settings.push((
            "extraFlags",
            Nix::str(format!("--cluster-cidr={pods} --service-cidr={services}")),
        ));
    }
    Ok(vec![("services.k3s", Nix::attrs(settings))])
}
