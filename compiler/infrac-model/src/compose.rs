//! Compose stacks: containers run by Docker or Podman Compose on one Linux machine, and
//! the host ports each of them occupies (read by the port-clash check and the target).

use crate::{ExportRef, MachineId, Millis, PortSpec, Protocol, SecretRef, Span, Spanned};
use serde::Serialize;
use std::net::IpAddr;

/// A Compose project on one machine: `stack NAME on MACHINE { service … }`.
#[derive(Debug, Clone, Serialize)]
pub struct Stack {
    /// The project name (`name:` of the Compose file), checked against Compose's rule.
    pub name: String,
    pub doc: Option<String>,
    /// The machine whose container engine runs it.
    pub machine: MachineId,
    pub services: Vec<ComposeService>,
    #[serde(skip)]
    pub span: Span,
}

/// One service (container) of a stack.
#[derive(Debug, Clone, Serialize)]
pub struct ComposeService {
    pub name: String,
    pub doc: Option<String>,
    /// `None` only in a model with errors, which no target reads.
    pub image: Option<crate::ImageRef>,
    /// The command in exec form (replaces the image's `CMD`); empty keeps the image's.
    pub command: Vec<String>,
    pub network_mode: NetworkMode,
    pub restart: RestartPolicy,
    /// Ports on the host: published mappings in bridge mode; in host mode the ports the
    /// container listens on directly (Compose forbids mappings there).
    pub ports: Vec<ComposePort>,
    pub volumes: Vec<ComposeVolume>,
    /// Plain values, in source order.
    pub env: Vec<(String, String)>,
    /// Variables holding the in-container path of a secret file (`POSTGRES_PASSWORD_FILE`).
    pub secret_env: Vec<(String, SecretRef)>,
    /// Host devices passed in (`/dev/dri`).
    pub devices: Vec<String>,
    pub gpu: Option<ComposeGpu>,
    pub healthcheck: Option<Healthcheck>,
    /// Services of the same stack started before this one.
    pub depends_on: Vec<Spanned<String>>,
    #[serde(skip)]
    pub span: Span,
}

/// How a service's container is attached to the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NetworkMode {
    /// The stack's own bridge network; ports are published through NAT.
    Bridge,
    /// The host's network stack: the container's ports are the host's.
    Host,
}

/// What the engine does when a container exits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RestartPolicy {
    No,
    Always,
    OnFailure,
    UnlessStopped,
}

impl RestartPolicy {
    /// Every policy with its source word, which is also Compose's.
    pub const ALL: [(&'static str, RestartPolicy); 4] = [
        ("no", RestartPolicy::No),
        ("always", RestartPolicy::Always),
        ("on-failure", RestartPolicy::OnFailure),
        ("unless-stopped", RestartPolicy::UnlessStopped),
    ];
    /// The Compose word.
    pub fn as_str(self) -> &'static str {
        RestartPolicy::ALL
            .iter()
            .find(|(_, p)| *p == self)
            .map_or("no", |(w, _)| w)
    }
}

/// A port a service occupies on its machine.
#[derive(Debug, Clone, Serialize)]
pub struct ComposePort {
    /// The port name (`http`), or `None` for an entry of `ports = [...]`.
    pub name: Option<String>,
    /// The host side: protocol and port or range.
    pub host: Spanned<PortSpec>,
    /// The first container port (a range keeps the host range's length).
    pub container: u16,
    /// The host address it binds, when not every address.
    pub address: Option<IpAddr>,
    #[serde(skip)]
    pub span: Span,
}

impl ComposePort {
    /// The container side as a `PortSpec`.
    pub fn container_spec(&self) -> PortSpec {
        let len = self.host.value.last - self.host.value.first;
        PortSpec {
            protocol: self.host.value.protocol,
            first: self.container,
            last: self.container.saturating_add(len),
        }
    }
    /// Whether it binds `protocol`/`port` on the host.
    pub fn binds(&self, protocol: Protocol, port: u16) -> bool {
        self.host.value.contains(protocol, port)
    }
}

/// A mount of a service.
#[derive(Debug, Clone, Serialize)]
pub struct ComposeVolume {
    /// The volume block's name; a named volume of the stack is called this.
    pub name: String,
    /// Where it is mounted in the container (absolute).
    pub target: String,
    pub source: VolumeSource,
    pub read_only: bool,
    #[serde(skip)]
    pub span: Span,
}

/// Where a mount's data lives.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "lowercase", tag = "kind")]
pub enum VolumeSource {
    /// A named volume the engine manages.
    Named,
    /// A directory of the machine (absolute path).
    Bind { path: String },
    /// An NFS export of another machine of the lab, mounted by the engine's local driver.
    Nfs { export: ExportRef },
}

/// A GPU handed to a container.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ComposeGpu {
    /// NVIDIA: a device reservation served by the NVIDIA container toolkit.
    Nvidia,
    /// AMD ROCm: `/dev/kfd` and `/dev/dri`.
    Amd,
    /// Intel: `/dev/dri` (Quick Sync, oneAPI).
    Intel,
}

impl ComposeGpu {
    /// Every vendor with its source word.
    pub const ALL: [(&'static str, ComposeGpu); 3] = [
        ("nvidia", ComposeGpu::Nvidia),
        ("amd", ComposeGpu::Amd),
        ("intel", ComposeGpu::Intel),
    ];

    /// The vendor whose PCI devices serve this request, where infrac can tell a card of
    /// that vendor from its model text (`GpuVendor::of_model`); Intel cannot be told.
    pub fn vendor(self) -> Option<crate::workloads::GpuVendor> {
        match self {
            ComposeGpu::Nvidia => Some(crate::workloads::GpuVendor::Nvidia),
            ComposeGpu::Amd => Some(crate::workloads::GpuVendor::Amd),
            ComposeGpu::Intel => None,
        }
    }
}

/// A container health check.
#[derive(Debug, Clone, Serialize)]
pub struct Healthcheck {
    /// The command in exec form (`CMD` …).
    pub test: Vec<String>,
    pub interval: Option<Millis>,
    pub timeout: Option<Millis>,
    pub retries: Option<u32>,
    pub start_period: Option<Millis>,
}

impl crate::Model {
    /// The stacks running on one machine.
    pub fn stacks_on(&self, machine: MachineId) -> impl Iterator<Item = &Stack> {
        self.stacks.iter().filter(move |s| s.machine == machine)
    }
}

/// The NFS server address and path a stack's volume mounts from `machine`
/// ([`crate::nfs::nfs_mount`]). `None` when they share no network.
pub fn nfs_volume_source(
    model: &crate::Model,
    machine: MachineId,
    export_ref: &ExportRef,
) -> Option<crate::roles::NfsSource> {
    crate::nfs::nfs_mount(model, export_ref, &[machine], None).map(|m| m.source)
}

/// How one machine reaches another over the lab's networks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// It is the same machine: `localhost`.
    Local,
    /// The other machine's first address on a network both are on.
    At(IpAddr),
    /// They share no network.
    Unreachable,
}

/// How `from` reaches `to` (a tunnel its route targets, a stack its NFS server).
pub fn reach(model: &crate::Model, from: MachineId, to: MachineId) -> Reach {
    if from == to {
        return Reach::Local;
    }
    let mine: Vec<crate::NetworkId> = model
        .machine(from)
        .addresses()
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    model
        .machine(to)
        .addresses()
        .into_iter()
        .find(|(n, _)| mine.contains(n))
        .map_or(Reach::Unreachable, |(_, a)| Reach::At(a.value))
}

/// How the machine's own platform starts one stack at boot: a systemd unit that runs
/// `docker compose up -d --remove-orphans` in the folder the stack's files are installed
/// in. The NixOS and cloud-init targets both write it from this one fact.
#[derive(Debug, Clone)]
pub struct StackUnit<'a> {
    pub stack: &'a Stack,
    /// The unit's name without `.service`: `compose-<stack>`.
    pub unit: String,
    /// Where the stack's files are installed on the machine and the unit runs from.
    pub folder: String,
    /// The build's `compose.yaml` and `.env` of the stack (paths in the build output).
    pub compose_file: String,
    pub env_file: String,
    /// The host directories its bind mounts use, each once: the unit waits for the
    /// file systems they live on (an NFS-mounted storage pool, a data disk).
    pub mounts_for: Vec<String>,
    /// Whether the engine mounts NFS exports for it, which needs the network up first.
    pub nfs: bool,
}

/// Where the platform targets install a stack's files on its machine.
pub const STACKS_ON_MACHINE: &str = "/etc/infrac/compose";

impl StackUnit<'_> {
    /// `RequiresMountsFor=` words: each path in double quotes (systemd unquotes a list
    /// word, taking a backslash as escaping the next character) with `%` doubled, since
    /// systemd expands `%` specifiers there. A path with a control character cannot be
    /// written on one unit-file line and is left out; Compose would not accept it either.
    pub fn requires_mounts_for(&self) -> Vec<String> {
        self.mounts_for
            .iter()
            .filter(|p| !p.chars().any(char::is_control))
            .map(|p| {
                let mut word = String::from("\"");
                for c in p.chars() {
                    match c {
                        '"' | '\\' => {
                            word.push('\\');
                            word.push(c);
                        }
                        '%' => word.push_str("%%"),
                        c => word.push(c),
                    }
                }
                word.push('"');
                word
            })
            .collect()
    }
}

impl crate::Model {
    /// Whether the machine runs Compose stacks, and so needs a container engine.
    pub fn runs_stacks(&self, machine: MachineId) -> bool {
        self.stacks_on(machine).next().is_some()
    }

    /// The units that start the machine's stacks, in source order.
    pub fn stack_units(&self, machine: MachineId) -> Vec<StackUnit<'_>> {
        let host = self.machine(machine);
        self.stacks_on(machine)
            .map(|stack| {
                let mut mounts_for: Vec<String> = Vec::new();
                let mut nfs = false;
                for volume in stack.services.iter().flat_map(|s| &s.volumes) {
                    match &volume.source {
                        VolumeSource::Bind { path } if !mounts_for.contains(path) => {
                            mounts_for.push(path.clone());
                        }
                        VolumeSource::Nfs { .. } => nfs = true,
                        _ => {}
                    }
                }
                let name = crate::layout::segment(&stack.name);
                StackUnit {
                    stack,
                    unit: format!("compose-{name}"),
                    folder: format!("{STACKS_ON_MACHINE}/{name}"),
                    compose_file: crate::layout::compose_file(host, stack),
                    env_file: crate::layout::compose_env(host, stack),
                    mounts_for,
                    nfs,
                }
            })
            .collect()
    }
}
