//! Helm charts installed in a cluster, and the monitoring stack that watches the lab.
//!
//! Both are installed the k3s way, as `HelmChart` objects that k3s's helm controller
//! turns into `helm install` jobs; the k8s target writes them.

use crate::{
    Bytes, ClusterId, MachineId, Millis, Model, PortSpec, Protocol, SecretRef, Span, Spanned,
};
use serde::Serialize;
use std::net::IpAddr;

/// A scalar Helm value written in the lab (`grafana.enabled = false`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum HelmValue {
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
}

/// `helm NAME in CLUSTER { … }`: one chart release.
#[derive(Debug, Clone, Serialize)]
pub struct HelmChart {
    pub name: String,
    pub doc: Option<String>,
    pub cluster: ClusterId,
    /// The chart repository (`https://…`); `None` when `chart` is an `oci://` reference.
    pub repo: Option<String>,
    pub chart: String,
    /// An exact chart version: releases are pinned, never floating.
    pub version: Spanned<String>,
    /// The namespace the release installs into.
    pub namespace: String,
    /// Values by dotted path (`grafana.service.type`), in source order.
    pub values: Vec<(Vec<String>, HelmValue)>,
    #[serde(skip)]
    pub span: Span,
}

/// Where Alertmanager sends alerts.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "lowercase", tag = "kind")]
pub enum Receiver {
    /// An HTTP POST of the alert group as JSON.
    Webhook { name: String, url: String },
    /// Mail through a submission server.
    Email {
        name: String,
        to: String,
        from: String,
        /// `host:port` of the SMTP server.
        smarthost: String,
        /// The SMTP password, mounted from a Secret and read from a file.
        password: Option<SecretRef>,
    },
}

impl Receiver {
    /// The receiver's name in Alertmanager's routing tree.
    pub fn name(&self) -> &str {
        match self {
            Receiver::Webhook { name, .. } | Receiver::Email { name, .. } => name,
        }
    }
}

/// Grafana's settings in the monitoring stack.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Grafana {
    /// A NodePort to reach it on every node.
    pub nodeport: Option<u16>,
    /// Where `nodeport` is set, for diagnostics.
    #[serde(skip)]
    pub nodeport_span: Span,
    /// A host name on the cluster's ingress controller.
    pub host: Option<String>,
    /// The admin password, read from a Secret.
    pub admin_password: Option<SecretRef>,
}

/// `monitoring NAME in CLUSTER { … }`: Prometheus, Alertmanager and Grafana from the
/// kube-prometheus-stack chart, scraping what the model says runs exporters.
#[derive(Debug, Clone, Serialize)]
pub struct Monitoring {
    pub name: String,
    pub doc: Option<String>,
    pub cluster: ClusterId,
    pub namespace: String,
    /// The chart version; `None` takes the version the k8s target pins.
    pub version: Option<Spanned<String>>,
    /// How long Prometheus keeps samples.
    pub retention: Option<Millis>,
    /// The size of Prometheus's volume; `None` keeps samples on an emptyDir.
    pub storage: Option<Bytes>,
    pub receivers: Vec<Receiver>,
    pub grafana: Grafana,
    #[serde(skip)]
    pub span: Span,
}

/// One machine's exporter that a monitoring stack scrapes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScrapeTarget {
    /// The catalogue service that runs it (`node-exporter`), the scrape job's name.
    pub job: String,
    pub machine: MachineId,
    pub address: IpAddr,
    pub port: u16,
}

/// Whether a machine service is a Prometheus exporter: by convention its name ends in
/// `-exporter` (`node-exporter`, `bird-exporter`, `nftables-exporter`).
pub fn is_exporter(service: &str) -> bool {
    service.ends_with("-exporter")
}

/// The exporters of the lab that the monitoring stack in `cluster` scrapes, and the
/// machines that run an exporter but cannot be scraped (no fixed address), by job then
/// machine. The first TCP port of the service is the one scraped; the address is the
/// machine's fixed address on a network the cluster's nodes are on (IPv4 first), else
/// its first fixed IPv4 address, else its first IPv6 address.
pub fn scrape_targets(
    model: &Model,
    cluster: ClusterId,
) -> (Vec<ScrapeTarget>, Vec<(MachineId, String, Span)>) {
    let node_networks: Vec<crate::NetworkId> = model
        .cluster(cluster)
        .nodes()
        .flat_map(|(m, _)| model.machine(m).addresses())
        .map(|(n, _)| n)
        .collect();
    let mut targets = Vec::new();
    let mut unreachable = Vec::new();
    for (id, machine) in model.machines() {
        for service in machine.services.iter().filter(|s| is_exporter(&s.name)) {
            let Some(port) = first_tcp(&service.ports) else {
                continue;
            };
            let addresses = machine.addresses();
            let address = addresses
                .iter()
                .find(|(n, a)| a.value.is_ipv4() && node_networks.contains(n))
                .or_else(|| addresses.iter().find(|(n, _)| node_networks.contains(n)))
                .or_else(|| addresses.iter().find(|(_, a)| a.value.is_ipv4()))
                .or_else(|| addresses.first())
                .map(|(_, a)| a.value);
            match address {
                Some(address) => targets.push(ScrapeTarget {
                    job: service.name.clone(),
                    machine: id,
                    address,
                    port,
                }),
                None => unreachable.push((id, service.name.clone(), service.span)),
            }
        }
    }
    targets.sort_by(|a, b| (&a.job, a.machine).cmp(&(&b.job, b.machine)));
    (targets, unreachable)
}

fn first_tcp(ports: &[PortSpec]) -> Option<u16> {
    ports
        .iter()
        .find(|p| p.protocol == Protocol::Tcp)
        .map(|p| p.first)
}
