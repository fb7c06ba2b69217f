//! `/etc/rancher/k3s/config.yaml`: the k3s configuration file of one node.
//!
//! k3s reads this file before its command-line flags; each key is a flag of `k3s server`
//! or `k3s agent` without its leading `--`, and repeatable flags are YAML lists
//! (docs.k3s.io/installation/configuration, "Configuration File"). The keys written here
//! are declared in k3s's `pkg/cli/cmds/server.go` (`cluster-init`, `server`,
//! `token-file`, `tls-san`, `cluster-cidr`, `service-cidr`) and `pkg/cli/cmds/agent.go`
//! (`server`, `token-file`, `node-name`, `node-ip`, `flannel-iface`); a server also takes
//! every agent flag. `cluster-cidr`, `service-cidr` and `node-ip` accept an IPv4 and an
//! IPv6 value separated by a comma for a dual-stack cluster.

use serde::Serialize;

/// The keys this target sets, in the order they are written. Absent keys keep k3s's
/// defaults.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct K3sConfig {
    /// On the first of several servers: start a new cluster with embedded etcd.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster_init: Option<bool>,
    /// `https://API:6443`, for every node that joins an existing cluster.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
    /// The cluster token, read from the secret store's file (never the value itself).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_file: Option<String>,
    pub node_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_ip: Option<String>,
    pub flannel_iface: String,
    /// Servers: the API address and every server's address, so the API certificate is
    /// valid whichever of them a client connects to.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tls_san: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster_cidr: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_cidr: Option<String>,
}

/// The file: a header comment, then the keys.
pub fn render(header: &str, config: &K3sConfig) -> String {
    crate::yaml(header, config)
}
