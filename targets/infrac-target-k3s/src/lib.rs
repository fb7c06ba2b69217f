//! The k3s target: Kubernetes nodes that are not NixOS (Debian or Ubuntu on bare metal,
//! in a cloud or as Proxmox guests). NixOS nodes get k3s from the `nixos` target.
//!
//! For every such node of every cluster, `k3s/<cluster>/<node>/`:
//! - `config.yaml`, k3s's configuration file ([`config`]);
//! - `install.sh`, which installs it and a pinned k3s release ([`install`]);
//! - on a server of a cluster with an `api` address held by kube-vip, `kube-vip.yaml`, a
//!   static pod ([`kube_vip`]).
//!
//! With `vip = keepalived`, each such server gets `keepalived/<server>/keepalived.conf`
//! instead ([`keepalived`]); [`keepalived_conf`] renders it for NixOS servers too.
//!
//! The facts all files share (the cluster's network, each node's interface and addresses
//! there, the API address) come from [`cluster`]. Secrets are references: the cluster
//! token is read from its file under `/run/secrets`, never written.

pub mod cluster {
    //! The cluster facts, derived in the model.
    pub use infrac_model::kube::*;
}
pub mod config;
mod install;
pub mod keepalived;
pub mod kube_vip;
mod text;
pub mod versions;

pub use keepalived::keepalived_conf;

use cluster::{NodeNet, API_PORT};
use config::K3sConfig;
use infrac_diagnostics::{Code, Diagnostic};
use infrac_model::{
    roles, Artifact, Cluster, MachineId, Model, NetworkId, OsFamily, Spanned, Target, VipProvider,
};
use install::{Holder, Install};
use serde::Serialize;
use std::collections::BTreeSet;
use std::net::IpAddr;
use text::{file_segment, header};

/// Where the secret store puts secrets on a node, one file per secret named after it; the
/// NixOS target reads secrets from the same place.
pub const SECRETS_DIR: &str = "/run/secrets";

/// Emits `k3s/<cluster>/<node>/` for every cluster node that is not NixOS, and
/// `keepalived/<server>/keepalived.conf` where keepalived holds a cluster's API address.
pub struct K3sTarget;

impl Target for K3sTarget {
    fn name(&self) -> &'static str {
        "k3s"
    }

    fn description(&self) -> &'static str {
        "k3s/<cluster>/<node>/: k3s config.yaml and a pinned install.sh for cluster nodes \
         that are not NixOS, with kube-vip or keepalived holding the API address"
    }

    fn emit(&self, model: &Model) -> Result<Vec<Artifact>, Vec<Diagnostic>> {
        let mut artifacts = Vec::new();
        let mut problems = Vec::new();
        for cluster in &model.clusters {
            match cluster_files(model, cluster) {
                Ok(files) => artifacts.extend(files),
                Err(found) => problems.extend(found),
            }
        }
        if problems.is_empty() {
            Ok(artifacts)
        } else {
            Err(problems)
        }
    }
}

/// A node this target configures.
struct Node {
    id: MachineId,
    /// Where the cluster lists it, for diagnostics.
    span: infrac_diagnostics::Span,
    server: bool,
}

/// The nodes of a cluster that are not NixOS, servers first.
fn configured_nodes(model: &Model, cluster: &Cluster) -> Vec<Node> {
    let listed = |list: &[Spanned<MachineId>], server: bool| {
        list.iter()
            .map(|s| Node {
                id: s.value,
                span: s.span,
                server,
            })
            .collect::<Vec<_>>()
    };
    let mut nodes = listed(&cluster.servers, true);
    nodes.extend(listed(&cluster.agents, false));
    nodes.retain(|n| roles::os_family(model, n.id) != Some(OsFamily::Nixos));
    nodes
}

fn role(server: bool) -> &'static str {
    if server {
        "server"
    } else {
        "agent"
    }
}

/// Everything a cluster's files are built from, once its facts are known to be complete.
struct Facts {
    network: NetworkId,
    api: IpAddr,
}

/// The problems that keep this target from configuring a cluster's nodes: E1202 for a
/// node off the cluster's network or a server without the static address the files name,
/// E1201 for a node that would have to join without a token.
fn check(model: &Model, cluster: &Cluster, nodes: &[Node]) -> Result<Facts, Vec<Diagnostic>> {
    let mut problems = Vec::new();
    let first = cluster.servers.first();
    let Some(network) = cluster::cluster_network(model, cluster) else {
        // A cluster without servers is reported by the model checks (E0449).
        if let Some(first) = first {
            let name = &model.machine(first.value).name;
            problems.push(
                Diagnostic::error(
                    Code::K3S_NODE_OFF_NETWORK,
                    format!("server {name} of cluster {} is on no network", cluster.name),
                    first.span,
                    "has no NIC on a network",
                )
                .with_help(format!(
                    "give {name} a NIC on the network the cluster's nodes share \
                     (`nic eno1 {{ network = lan, ip = … }}`)"
                )),
            );
        }
        return Err(problems);
    };
    let net_name = &model.network(network).name;
    let mut reported: BTreeSet<MachineId> = BTreeSet::new();
    for node in nodes {
        if cluster::node_net(model, network, node.id).is_none() {
            reported.insert(node.id);
            problems.push(off_network(
                model,
                cluster,
                node.id,
                node.server,
                node.span,
                network,
            ));
        }
    }
    // Servers' addresses are written into the API certificate of every configured server
    // and are keepalived's peers; without `api`, the first server's is where nodes join.
    let needs_addresses: Vec<&Spanned<MachineId>> = if nodes.iter().any(|n| n.server) {
        cluster.servers.iter().collect()
    } else if cluster.api.is_none() {
        first.into_iter().collect()
    } else {
        Vec::new()
    };
    let family = match (cluster.api, cluster.vip) {
        (Some(api), VipProvider::Keepalived) => Some(api.value.is_ipv6()),
        _ => None,
    };
    for server in needs_addresses {
        if reported.contains(&server.value) {
            continue;
        }
        match cluster::node_net(model, network, server.value) {
            None => {
                reported.insert(server.value);
                problems.push(off_network(
                    model,
                    cluster,
                    server.value,
                    true,
                    server.span,
                    network,
                ));
            }
            Some(net) => {
                let has = match family {
                    Some(ipv6) => net.address(ipv6).is_some(),
                    None => !net.addresses().is_empty(),
                };
                if !has {
                    let name = &model.machine(server.value).name;
                    let what = match family {
                        Some(true) => "static IPv6 address",
                        Some(false) => "static IPv4 address",
                        None => "static address",
                    };
                    problems.push(
                        Diagnostic::error(
                            Code::K3S_NODE_OFF_NETWORK,
                            format!(
                                "server {name} of cluster {} has no {what} on network {net_name}",
                                cluster.name
                            ),
                            server.span,
                            format!("no {what} on {net_name}"),
                        )
                        .with_help(format!(
                            "give {name} a {what} on {net_name} (`nic {} {{ network = \
                             {net_name}, ip = … }}`): the other nodes join the cluster there \
                             and the API certificate names it",
                            net.interface
                        )),
                    );
                }
            }
        }
    }
    if cluster.token.is_none() {
        for node in nodes {
            if first.is_some_and(|f| f.value == node.id) {
                continue;
            }
            let name = &model.machine(node.id).name;
            problems.push(
                Diagnostic::error(
                    Code::JOIN_WITHOUT_TOKEN,
                    format!(
                        "{name} cannot join cluster {} without a token",
                        cluster.name
                    ),
                    node.span,
                    "joins the cluster, which has no token",
                )
                .with_label(cluster.span, "declared without `token`")
                .with_help(format!(
                    "add `token = secret(\"k3s-token\")` to cluster {}; the secret store \
                     provides it at {SECRETS_DIR}/k3s-token on every node",
                    cluster.name
                )),
            );
        }
    }
    let api = cluster::api_address(model, cluster, network);
    match api {
        Some(api) if problems.is_empty() => Ok(Facts { network, api }),
        // Without `api` and without the first server's address, E1202 is already there.
        _ => Err(problems),
    }
}

/// E1202 for a node without a NIC on the cluster's network.
fn off_network(
    model: &Model,
    cluster: &Cluster,
    node: MachineId,
    server: bool,
    span: infrac_diagnostics::Span,
    network: NetworkId,
) -> Diagnostic {
    let name = &model.machine(node).name;
    let net = &model.network(network).name;
    Diagnostic::error(
        Code::K3S_NODE_OFF_NETWORK,
        format!(
            "{} {name} of cluster {} has no NIC on network {net}, the cluster's network",
            role(server),
            cluster.name
        ),
        span,
        format!("not on {net}"),
    )
    .with_help(format!(
        "give {name} a NIC on {net} (`nic eno1 {{ network = {net}, ip = … }}`): k3s \
         advertises the node there and flannel carries pod traffic over it"
    ))
}

/// The files of a cluster's nodes that are not NixOS.
fn cluster_files(model: &Model, cluster: &Cluster) -> Result<Vec<Artifact>, Vec<Diagnostic>> {
    let nodes = configured_nodes(model, cluster);
    let mut files = nixos_holders(model, cluster);
    if nodes.is_empty() {
        return Ok(files);
    }
    let facts = check(model, cluster, &nodes)?;
    for node in &nodes {
        let Some(net) = cluster::node_net(model, facts.network, node.id) else {
            continue;
        };
        files.extend(node_files(model, cluster, &facts, node, &net));
    }
    Ok(files)
}

/// The API address holder (kube-vip pod or keepalived configuration) of each NixOS
/// server: NixOS installs k3s itself, and its configuration loads these files from the
/// build (paths from `infrac_model::layout`).
fn nixos_holders(model: &Model, cluster: &Cluster) -> Vec<Artifact> {
    let (Some(api), Some(network)) = (cluster.api, cluster::cluster_network(model, cluster)) else {
        return Vec::new();
    };
    let mut files = Vec::new();
    for server in &cluster.servers {
        if roles::os_family(model, server.value) != Some(OsFamily::Nixos) {
            continue;
        }
        let Some(net) = cluster::node_net(model, network, server.value) else {
            continue;
        };
        files.push(holder_file(
            model,
            cluster,
            server.value,
            &net,
            api.value,
            "Its NixOS configuration links it into",
        ));
    }
    files
}

/// The file that holds a cluster's API address on one server: its kube-vip static pod
/// or its keepalived configuration. `installed` says how the pod reaches k3s's manifests.
fn holder_file(
    model: &Model,
    cluster: &Cluster,
    server: MachineId,
    net: &NodeNet,
    api: IpAddr,
    installed: &str,
) -> Artifact {
    let machine = model.machine(server);
    match cluster.vip {
        VipProvider::KubeVip => {
            let about = [format!(
                "kube-vip static pod of {}, server of cluster {}: holds the Kubernetes API \
                 address {api} on {} while this server leads. {installed} {}.",
                machine.name,
                cluster.name,
                net.interface,
                kube_vip::MANIFEST_PATH
            )];
            Artifact::new(
                infrac_model::layout::kube_vip_manifest(cluster, machine),
                yaml(
                    &header(&about, &model.source),
                    &kube_vip::pod(&net.interface, api),
                ),
            )
        }
        VipProvider::Keepalived => Artifact::new(
            keepalived::path(model, server),
            keepalived_conf(model, cluster, server),
        ),
    }
}

/// `config.yaml`, `install.sh` and the API address holder of one node.
fn node_files(
    model: &Model,
    cluster: &Cluster,
    facts: &Facts,
    node: &Node,
    net: &NodeNet,
) -> Vec<Artifact> {
    let machine = model.machine(node.id);
    let dir = format!(
        "k3s/{}/{}",
        file_segment(&cluster.name),
        file_segment(&machine.name)
    );
    let first = cluster.servers.first().is_some_and(|s| s.value == node.id);
    let token_file = cluster
        .token
        .as_ref()
        .map(|t| format!("{SECRETS_DIR}/{}", t.0));
    let mut files = Vec::new();

    let config = node_config(model, cluster, facts, node, net, first, token_file.clone());
    let about = format!(
        "k3s configuration of {}, {} of cluster {}; install.sh installs it as {}.",
        machine.name,
        role(node.server),
        cluster.name,
        install::CONFIG_PATH
    );
    files.push(Artifact::new(
        format!("{dir}/config.yaml"),
        config::render(&header(&[about], &model.source), &config),
    ));

    let holder = match (node.server, cluster.api) {
        (true, Some(api)) => match cluster.vip {
            VipProvider::KubeVip => {
                files.push(holder_file(
                    model,
                    cluster,
                    node.id,
                    net,
                    api.value,
                    "install.sh installs it as",
                ));
                Holder::KubeVip
            }
            VipProvider::Keepalived => {
                let path = keepalived::path(model, node.id);
                files.push(Artifact::new(
                    path.clone(),
                    keepalived_conf(model, cluster, node.id),
                ));
                Holder::Keepalived(format!("../../../{path}"))
            }
        },
        _ => Holder::None,
    };

    let version = cluster.version.as_deref().unwrap_or(versions::K3S);
    let script = install::render(&Install {
        node: &machine.name,
        cluster: &cluster.name,
        server: node.server,
        version,
        token_file: token_file.as_deref(),
        holder,
        source: &model.source,
    });
    files.push(Artifact::new(format!("{dir}/install.sh"), script));
    files
}

/// The k3s configuration of one node.
fn node_config(
    model: &Model,
    cluster: &Cluster,
    facts: &Facts,
    node: &Node,
    net: &NodeNet,
    first: bool,
    token_file: Option<String>,
) -> K3sConfig {
    let families: Vec<bool> = std::iter::once(cluster.pods.value.addr().is_ipv6())
        .chain(cluster.pods6.map(|p| p.value.addr().is_ipv6()))
        .collect();
    let node_ips: Vec<String> = net
        .addresses()
        .into_iter()
        .filter(|a| families.contains(&a.is_ipv6()))
        .map(|a| a.to_string())
        .collect();
    let dual = |v4: String, v6: Option<String>| match v6 {
        Some(v6) => format!("{v4},{v6}"),
        None => v4,
    };
    let joins = !first;
    let mut config = K3sConfig {
        cluster_init: (node.server && first && cluster.servers.len() > 1).then_some(true),
        server: joins.then(|| format!("https://{}:{API_PORT}", cluster::url_host(facts.api))),
        token_file,
        node_name: model.machine(node.id).name.clone(),
        node_ip: (!node_ips.is_empty()).then(|| node_ips.join(",")),
        flannel_iface: net.interface.clone(),
        tls_san: Vec::new(),
        cluster_cidr: None,
        service_cidr: None,
    };
    if node.server {
        let mut sans: Vec<String> = vec![facts.api.to_string()];
        for server in &cluster.servers {
            if let Some(n) = cluster::node_net(model, facts.network, server.value) {
                for address in n.addresses() {
                    let address = address.to_string();
                    if !sans.contains(&address) {
                        sans.push(address);
                    }
                }
            }
        }
        config.tls_san = sans;
        config.cluster_cidr = Some(dual(
            cluster.pods.value.to_string(),
            cluster.pods6.map(|p| p.value.to_string()),
        ));
        config.service_cidr = Some(dual(
            cluster.services.value.to_string(),
            cluster.services6.map(|p| p.value.to_string()),
        ));
    }
    config
}

/// The header comment and a YAML document with indented sequences (what yamllint's
/// default profile expects).
pub(crate) fn yaml<T: Serialize>(header: &str, object: &T) -> String {
    let options = serde_saphyr::ser_options! { compact_list_indent: false };
    match serde_saphyr::to_string_with_options(object, options) {
        Ok(body) => {
            let mut text = String::with_capacity(header.len() + body.len() + 1);
            text.push_str(header);
            text.push_str(&body);
            if !text.ends_with('\n') {
                text.push('\n');
            }
            text
        }
        // Serialising these plain structs of strings cannot fail; should it ever, the file
        // says so instead of being silently empty.
        Err(e) => format!("{header}# cannot serialise this object: {e}\n"),
    }
}
