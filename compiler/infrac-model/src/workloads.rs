//! What an app's pod is made of beyond its image: command, named ports, files, volumes
//! of every kind, host networking, GPUs and TLS, and the facts about them that several
//! consumers need (the host ports an app takes on a node, the GPUs of a node).

use crate::{Bytes, ExportRef, MachineId, Model, PortSpec, Probe, Protocol, Span, Spanned};
use serde::Serialize;

/// The parts of an app's pod that are not its image, replicas and resources.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AppWorkload {
    /// Replaces the image's entrypoint.
    pub command: Vec<String>,
    /// Replaces the image's arguments.
    pub args: Vec<String>,
    /// Every port the app serves, each with a name; a single `port` is named after its
    /// protocol and number (`tcp-9090`).
    pub ports: Vec<NamedPort>,
    /// Files mounted from a ConfigMap.
    pub files: Vec<ConfigFile>,
    /// Volumes that are not per-replica claims (those are `App::volumes`).
    pub mounts: Vec<Mount>,
    /// Whether the pod uses its node's network namespace.
    pub host_network: bool,
    /// Ports of the container its node also binds (`hostPort`, the same number).
    pub host_ports: Vec<Spanned<PortSpec>>,
    /// The node the pod is pinned to.
    pub node: Option<Spanned<MachineId>>,
    /// GPUs the container requests.
    pub gpu: Option<GpuRequest>,
    /// A liveness probe that differs from the readiness probe (`App::probe`).
    pub liveness: Option<Probe>,
    /// TLS on the app's host name.
    pub tls: Option<Tls>,
    /// The group that owns the app's volumes (`fsGroup`); set for apps that write to a
    /// volume.
    pub fs_group: Option<u32>,
}

/// A port with its name (`http = tcp/6333`).
#[derive(Debug, Clone, Serialize)]
pub struct NamedPort {
    pub name: String,
    pub port: Spanned<PortSpec>,
}

/// A file mounted into the container from a ConfigMap.
#[derive(Debug, Clone, Serialize)]
pub struct ConfigFile {
    pub name: String,
    /// Where it appears in the container.
    pub path: String,
    /// Its text, written in the lab or read from a file beside it.
    pub content: String,
    #[serde(skip)]
    pub span: Span,
}

/// A volume that is not a per-replica claim.
#[derive(Debug, Clone, Serialize)]
pub struct Mount {
    pub name: String,
    pub path: String,
    pub source: MountSource,
    #[serde(skip)]
    pub span: Span,
}

/// Where a mounted volume comes from.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum MountSource {
    /// An export of a machine of the model, mounted over NFS.
    Nfs { export: ExportRef },
    /// A folder of the node.
    HostPath { path: String },
    /// Scratch space that lives as long as the pod, optionally capped.
    EmptyDir { limit: Option<Bytes> },
}

/// GPU vendors with a Kubernetes device plugin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GpuVendor {
    Nvidia,
    Amd,
}

impl GpuVendor {
    /// The extended resource the vendor's device plugin advertises.
    pub fn resource(self) -> &'static str {
        match self {
            GpuVendor::Nvidia => "nvidia.com/gpu",
            GpuVendor::Amd => "amd.com/gpu",
        }
    }

    /// The source word (`gpu { vendor = nvidia }`).
    pub fn as_str(self) -> &'static str {
        match self {
            GpuVendor::Nvidia => "nvidia",
            GpuVendor::Amd => "amd",
        }
    }

    /// The vendor of a PCI device from its model text, if it is a GPU of a vendor with a
    /// device plugin. Devices are described by their marketing names
    /// (`NVIDIA GeForce RTX 3060`, `AMD Radeon RX 7900 XTX`), so the names are matched.
    pub fn of_model(model: &str) -> Option<GpuVendor> {
        let m = model.to_ascii_lowercase();
        let has = |words: &[&str]| words.iter().any(|w| m.contains(w));
        if has(&["nvidia", "geforce", "quadro", "tesla"]) {
            Some(GpuVendor::Nvidia)
        } else if has(&["radeon", "instinct"]) {
            Some(GpuVendor::Amd)
        } else {
            None
        }
    }
}

/// GPUs a container requests.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct GpuRequest {
    pub vendor: GpuVendor,
    pub count: u32,
    #[serde(skip)]
    pub span: Span,
}

/// How an app's host name gets its certificate.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "kebab-case", tag = "kind")]
pub enum Tls {
    /// The ingress controller's default certificate (no secret named).
    Default,
    /// A cert-manager `Certificate` from this issuer, stored in `secret`.
    Issuer {
        issuer: String,
        secret: String,
        #[serde(skip)]
        span: Span,
    },
}

/// A cert-manager ACME `ClusterIssuer` the lab declares.
#[derive(Debug, Clone, Serialize)]
pub struct CertIssuer {
    pub name: String,
    pub email: String,
    /// The ACME directory (Let's Encrypt production unless the lab says otherwise).
    pub server: String,
    /// The ingress class that answers HTTP-01 challenges.
    pub ingress_class: String,
    #[serde(skip)]
    pub span: Span,
}

/// The PCI devices a machine has: its own, or for a guest the host devices passed
/// through to it (`pci = [...]`).
pub fn machine_pci(model: &Model, id: MachineId) -> Vec<&crate::PciDevice> {
    let machine = model.machine(id);
    match &machine.guest {
        Some(guest) => {
            let host = model.machine(guest.host);
            guest
                .pci
                .iter()
                .filter_map(|name| host.pci.iter().find(|p| p.name == name.value))
                .collect()
        }
        None => machine.pci.iter().collect(),
    }
}

/// The GPUs a machine has (`machine_pci`), by vendor.
pub fn machine_gpus(model: &Model, id: MachineId) -> Vec<GpuVendor> {
    machine_pci(model, id)
        .into_iter()
        .filter_map(|p| p.model.as_deref())
        .filter_map(GpuVendor::of_model)
        .collect()
}

/// A port an app takes on its node's own addresses: its ports when it runs in the
/// node's network namespace. The compose checks compare these with what else listens on
/// the machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct HostPort {
    pub machine: MachineId,
    pub protocol: Protocol,
    pub port: u16,
    #[serde(skip)]
    pub span: Span,
}

/// The host ports of every app with `host_network`, on the node it is pinned to.
pub fn app_host_ports(model: &Model) -> Vec<(crate::AppId, HostPort)> {
    let mut out = Vec::new();
    for (i, app) in model.apps.iter().enumerate() {
        let w = &app.workload;
        let (true, Some(node)) = (w.host_network, w.node) else {
            continue;
        };
        for p in &w.ports {
            for port in p.port.value.first..=p.port.value.last {
                out.push((
                    crate::AppId(i as u32),
                    HostPort {
                        machine: node.value,
                        protocol: p.port.value.protocol,
                        port,
                        span: p.port.span,
                    },
                ));
            }
        }
    }
    out
}

/// The `host_ports` of every app: each binds its port on every node the pod can run on
/// (the node it is pinned to, else every node of its cluster).
pub fn app_host_port_bindings(model: &Model) -> Vec<(crate::AppId, HostPort)> {
    let mut out = Vec::new();
    for (i, app) in model.apps.iter().enumerate() {
        let w = &app.workload;
        let nodes: Vec<MachineId> = match w.node {
            Some(node) => vec![node.value],
            None => model.cluster(app.cluster).nodes().map(|(m, _)| m).collect(),
        };
        for p in &w.host_ports {
            for node in &nodes {
                for port in p.value.first..=p.value.last {
                    out.push((
                        crate::AppId(i as u32),
                        HostPort {
                            machine: *node,
                            protocol: p.value.protocol,
                            port,
                            span: p.span,
                        },
                    ));
                }
            }
        }
    }
    out
}

/// The NFS server address, path and whether it is read-only, for an app whose pods may
/// run on `nodes` ([`crate::nfs::nfs_mount`]). `None` when they share no network.
pub fn nfs_for_nodes(
    model: &Model,
    export: &ExportRef,
    nodes: &[MachineId],
) -> Option<(std::net::IpAddr, String, bool)> {
    let mount = crate::nfs::nfs_mount(model, export, nodes, None)?;
    Some((
        mount.source.address,
        mount.source.path,
        mount.source.read_only,
    ))
}
