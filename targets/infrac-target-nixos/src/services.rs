//! The services of a NixOS machine as NixOS options: SSH, the node exporter, Prometheus,
//! Grafana and Alertmanager as it declares them; Unbound, Kea and BIRD for its DNS, DHCP
//! and BGP roles; k3s for a cluster node. Secrets are referenced by their path under
//! `/run/secrets`, never written out.

use crate::machine::{reachable_ipv4, MachineView};
use crate::nix::Nix;
use crate::release;
use infrac_diagnostics::{Code, Diagnostic};
use infrac_model::layout::{bird_conf, from_nixos, secret_file};
use infrac_model::roles::leases;
use infrac_model::{NetworkId, Overlay, SecretRef};
use std::collections::BTreeSet;
use std::net::IpAddr;

/// The file a conventionally named secret is read from (`/run/secrets/NAME`).
pub(crate) fn secret(name: &str) -> String {
    secret_file(&SecretRef(name.into()))
}

/// The services this target configures whenever a machine declares them.
const MAPPED: [&str; 7] = [
    "ssh",
    "node-exporter",
    "prometheus",
    "grafana",
    "alertmanager",
    "netbox",
    "postgresql",
];
/// The services k3s covers on a cluster node.
const CLUSTER_SERVICES: [&str; 4] = ["k3s-api", "kubelet", "k3s-etcd", "flannel-vxlan"];

/// Assignments of one section, in order.
pub(crate) type Assignments = Vec<(&'static str, Nix)>;

/// Whether this target configures the declared service `name` on the machine: always for
/// the mapped ones, and for the daemons of the roles the machine holds.
pub(crate) fn configured(view: &MachineView, name: &str) -> bool {
    MAPPED.contains(&name)
        || match name {
            "unbound" => !view.dns_networks().is_empty(),
            "kea" => !view.dhcp_networks().is_empty(),
            "bird" => view.bgp().is_some(),
            "nfs" => !view.machine.exports.is_empty(),
            "wireguard" => view
                .overlays()
                .iter()
                .any(|(_, _, o)| *o == Overlay::Wireguard),
            "tailscale" => view
                .overlays()
                .iter()
                .any(|(_, _, o)| *o == Overlay::Tailscale),
            _ => view.cluster().is_some() && CLUSTER_SERVICES.contains(&name),
        }
}

/// The declared services this target does not configure (their ports stay closed until
/// the operator sets them up), as `name (ports)`.
pub(crate) fn unmapped(view: &MachineView) -> Vec<String> {
    view.machine
        .services
        .iter()
        .filter(|s| !configured(view, &s.name))
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

/// Every mapped service the machine declares and the daemons of its roles.
pub(crate) fn services(view: &MachineView) -> Assignments {
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
    if view.runs("netbox") {
        crate::webapps::netbox(view, &mut out);
    }
    if infrac_model::proxy::runs_caddy_on(view.model, view.id) {
        crate::webapps::caddy(view, &mut out);
    }
    if view.runs("postgresql") {
        crate::webapps::postgresql(view, &mut out);
    }
    let dns = view.dns_networks();
    if !dns.is_empty() {
        out.push(("services.unbound", unbound(view, dns)));
    }
    let dhcp = view.dhcp_networks();
    if !dhcp.is_empty() {
        out.push(("services.kea.dhcp4", kea(view, dhcp)));
    }
    if view.bgp().is_some() {
        let path = from_nixos(&bird_conf(view.machine));
        let (option, package) = release::bird(view.release());
        let mut settings = vec![("enable", Nix::Bool(true))];
        if let Some(package) = package {
            // The bird target writes BIRD 2 syntax; the module's default is BIRD 3.
            settings.push(("package", Nix::Expr(package.into())));
        }
        settings.push(("config", Nix::Expr(format!("builtins.readFile {path}"))));
        if view
            .bgp()
            .is_some_and(|r| r.peers.iter().any(|p| p.password.is_some()))
        {
            // The build-time `bird -p` runs where the session password files do not
            // exist: it checks a copy whose includes are stand-in passwords.
            let file = if option == "services.bird2" {
                "bird2.conf"
            } else {
                "bird.conf"
            };
            let dir = infrac_model::bgp::PASSWORD_DIR;
            settings.push((
                "preCheckConfig",
                Nix::Lines(vec![
                    format!("rm {file}"),
                    format!(
                        "sed 's|include \"{dir}/[^\"]*\";|password \"stand-in\";|' $out > {file}"
                    ),
                ]),
            ));
        }
        out.push((option, Nix::attrs(settings)));
    }
    out
}

/// The node exporters Prometheus scrapes: every machine that declares one and has a
/// static IPv4 address, as `address:port`.
fn node_targets(view: &MachineView) -> Vec<String> {
    view.model
        .machines
        .iter()
        .filter_map(|m| {
            let exporter = m.services.iter().find(|s| s.name == "node-exporter")?;
            let port = exporter.ports.first().map_or(9100, |p| p.first);
            Some(format!("{}:{port}", reachable_ipv4(view.model, m)?))
        })
        .collect()
}

fn prometheus(view: &MachineView, out: &mut Assignments) {
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

fn grafana(view: &MachineView, out: &mut Assignments) {
    let name = &view.machine.name;
    let fqdn = match view.domain() {
        Some(domain) => format!("{name}.{domain}"),
        None => name.clone(),
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
            Nix::str(format!("$__file{{{}}}", secret("grafana-admin-password"))),
        ),
        (
            "settings.security.secret_key",
            Nix::str(format!("$__file{{{}}}", secret("grafana-secret-key"))),
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

/// The machine's NICs on the networks in `served`, in NIC order, one per network:
/// `(NIC index, network)`.
fn served_nics(view: &MachineView, served: &[NetworkId]) -> Vec<(usize, NetworkId)> {
    // Sets, not lists: a router on thousands of networks has as many NICs.
    let served: BTreeSet<NetworkId> = served.iter().copied().collect();
    let mut seen = BTreeSet::new();
    let mut out: Vec<(usize, NetworkId)> = Vec::new();
    for (index, _, network) in view.machine.attached() {
        if served.contains(&network) && seen.insert(network) {
            out.push((index, network));
        }
    }
    out
}

/// Unbound: answers on the machine's own addresses on the networks it is the DNS server
/// of, for those networks, and forwards to the site's upstream resolvers.
fn unbound(view: &MachineView, served: &[NetworkId]) -> Nix {
    let mut interfaces = vec!["127.0.0.1".to_string(), "::1".to_string()];
    let mut access = vec!["127.0.0.0/8 allow".to_string(), "::1/128 allow".to_string()];
    for (index, network) in served_nics(view, served) {
        let nic = &view.machine.nics[index];
        let network = view.model.network(network);
        interfaces.extend(nic.ip.map(|ip| ip.value.to_string()));
        interfaces.extend(nic.ip6.map(|ip| ip.value.to_string()));
        access.extend(network.ipv4.map(|n| format!("{} allow", n.value)));
        access.extend(network.ipv6.map(|n| format!("{} allow", n.value)));
    }
    let mut server = vec![
        ("interface", Nix::strs(interfaces)),
        ("access-control", Nix::strs(access)),
    ];
    // The site's own names, derived from the model, answered locally: every machine with
    // a static address, so `ssh netbox.orion.home.arpa` works on the LAN.
    if let Some(domain) = &view.site().domain {
        let records: Vec<String> = infrac_model::dns::records_under(view.model, domain)
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

/// Kea DHCPv4 for the networks the machine is the DHCP server of, with their static
/// leases as reservations.
fn kea(view: &MachineView, served: &[NetworkId]) -> Nix {
    let served: Vec<(usize, NetworkId)> = served_nics(view, served)
        .into_iter()
        .filter(|(_, n)| {
            let network = view.model.network(*n);
            network.dhcp.is_some() && network.ipv4.is_some()
        })
        .collect();
    let interfaces: Vec<String> = served.iter().map(|(i, _)| view.interface(*i)).collect();
    let subnets = served
        .iter()
        .enumerate()
        .filter_map(|(n, (i, id))| {
            let network = view.model.network(*id);
            let (first, last) = network.dhcp?.value;
            let prefix = network.ipv4?.value;
            let mut options = Vec::new();
            if let Some(gateway) = network.gateway {
                options.push(kea_option("routers", gateway.value.to_string()));
            }
            let servers: Vec<String> = network
                .dns
                .iter()
                .filter(|d| d.is_ipv4())
                .map(ToString::to_string)
                .collect();
            if !servers.is_empty() {
                options.push(kea_option("domain-name-servers", servers.join(", ")));
            }
            if let Some(domain) = view.domain() {
                options.push(kea_option("domain-name", domain.to_string()));
            }
            let mut subnet = vec![
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
            ];
            let reservations: Vec<Nix> = leases(view.model, *id)
                .iter()
                .map(|lease| {
                    Nix::attrs([
                        ("hw-address", Nix::str(lease.mac.value.to_string())),
                        ("ip-address", Nix::str(lease.ip.value.to_string())),
                        ("hostname", Nix::str(&lease.name)),
                    ])
                })
                .collect();
            if !reservations.is_empty() {
                subnet.push(("reservations", Nix::List(reservations)));
            }
            Some(Nix::attrs(subnet).commented(network.name.clone()))
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
/// without a token. Nodes join through the cluster's API address when it has one, else
/// through the first server.
pub(crate) fn k3s(view: &MachineView) -> Result<Assignments, Box<Diagnostic>> {
    let Some((cluster, is_server)) = view.cluster() else {
        return Ok(Vec::new());
    };
    let first_server = cluster.servers.first().map(|s| s.value);
    let initialises = first_server == Some(view.id);
    let mut settings: Vec<(&str, Nix)> = vec![
        ("enable", Nix::Bool(true)),
        ("role", Nix::str(if is_server { "server" } else { "agent" })),
    ];
    match &cluster.token {
        Some(token) => settings.push(("tokenFile", Nix::str(secret_file(token)))),
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
                        view.machine.name, cluster.name
                    ),
                    span,
                    "joins the cluster, which has no token",
                )
                .with_label(cluster.span, "declared without `token`")
                .with_help(format!(
                "add `token = secret(\"k3s-token\")` to cluster {}; the secret store provides it \
                 at {} on every node",
                cluster.name,
                secret("k3s-token")
            )),
            ));
        }
        None => {}
    }
    let api = cluster.api.map(|a| a.value);
    if initialises {
        if cluster.servers.len() > 1 {
            settings.push(("clusterInit", Nix::Bool(true)));
        }
    } else if let Some(first) = first_server {
        let address = match api {
            Some(IpAddr::V4(ip)) => ip.to_string(),
            Some(IpAddr::V6(ip)) => format!("[{ip}]"),
            None => {
                let server = view.model.machine(first);
                match (reachable_ipv4(view.model, server), view.domain()) {
                    (Some(ip), _) => ip.to_string(),
                    (None, Some(domain)) => format!("{}.{domain}", server.name),
                    (None, None) => server.name.clone(),
                }
            }
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
        let mut flags = format!("--cluster-cidr={pods} --service-cidr={services}");
        // The API certificate must also be valid for the address clients use.
        if let Some(api) = api {
            flags.push_str(&format!(" --tls-san={api}"));
        }
        settings.push(("extraFlags", Nix::str(flags)));
    }
    let mut out = vec![("services.k3s", Nix::attrs(settings))];
    if is_server {
        out.extend(api_holder(view, cluster));
    }
    Ok(out)
}

/// What holds the cluster's API address on a server: the kube-vip static pod or the
/// keepalived configuration the k3s target writes for it (the same files a Debian server
/// gets), loaded from the build.
fn api_holder(view: &MachineView, cluster: &infrac_model::Cluster) -> Assignments {
    use infrac_model::{kube, layout, VipProvider};
    let Some(api) = cluster.api else {
        return Vec::new();
    };
    // The k3s target writes a holder only for a server on the cluster's network.
    let on_network = kube::cluster_network(view.model, cluster)
        .and_then(|n| kube::node_net(view.model, n, view.id))
        .is_some();
    if !on_network {
        return Vec::new();
    }
    match cluster.vip {
        VipProvider::KubeVip => {
            let manifest = layout::from_nixos(&layout::kube_vip_manifest(cluster, view.machine));
            vec![(
                "systemd.tmpfiles.rules",
                Nix::Expr(format!("[ \"L+ {KUBE_VIP_POD} - - - - ${{{manifest}}}\" ]"))
                    .commented(format!("kube-vip holds the API address {}", api.value)),
            )]
        }
        VipProvider::Keepalived => {
            let conf = layout::from_nixos(&layout::keepalived_conf(view.machine));
            vec![(
                "systemd.services.keepalived-k3s-api",
                Nix::attrs([
                    (
                        "description",
                        Nix::str(format!(
                            "keepalived: the Kubernetes API address {} of cluster {}",
                            api.value, cluster.name
                        )),
                    ),
                    ("wantedBy", Nix::strs(["multi-user.target"])),
                    ("after", Nix::strs(["network-online.target", "k3s.service"])),
                    ("wants", Nix::strs(["network-online.target"])),
                    // The health check calls curl through /usr/bin/env.
                    ("path", Nix::Expr("[ pkgs.curl ]".into())),
                    (
                        "serviceConfig.ExecStart",
                        Nix::Expr(format!(
                            "\"${{pkgs.keepalived}}/bin/keepalived --dont-fork --log-console --use-file ${{{conf}}}\""
                        )),
                    ),
                    ("serviceConfig.Restart", Nix::str("always")),
                ]),
            )]
        }
    }
}

/// Where k3s's kubelet picks up static pods.
const KUBE_VIP_POD: &str = "/var/lib/rancher/k3s/agent/pod-manifests/kube-vip.yaml";
