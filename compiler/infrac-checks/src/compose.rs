//! Whether stacks and tunnels reach what they name: a stack's NFS volume its server
//! (E0536), a tunnel each route's target (E0539), both over the model's derivations
//! (`nfs_mount`, `origin_url`) that the targets render; and a service's GPU the
//! machine (W0530).

use crate::nfs::{client_names, refused};
use infrac_diagnostics::{Code, Diagnostic};
use infrac_model::nfs::nfs_mount;
use infrac_model::workloads::{machine_pci, GpuVendor};
use infrac_model::{
    origin_url, ComposeGpu, GuestKind, IngressKind, Model, RouteTarget, Unreachable, VolumeSource,
};

pub fn check(model: &Model) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    nfs_volumes(model, &mut out);
    tunnel_routes(model, &mut out);
    gpus(model, &mut out);
    out
}

/// An NVIDIA or AMD GPU asked for by a service must be a PCI device of its machine (for a
/// guest, one passed through to it), named by its model. Intel GPUs are integrated and
/// seldom declared, so they are not checked.
fn gpus(model: &Model, out: &mut Vec<Diagnostic>) {
    for stack in &model.stacks {
        let machine = model.machine(stack.machine);
        let devices: Vec<&infrac_model::PciDevice> = match &machine.guest {
            // A container uses its host's devices (/dev/dri, /dev/kfd bound in).
            Some(guest) if guest.kind == GuestKind::Lxc => {
                model.machine(guest.host).pci.iter().collect()
            }
            _ => machine_pci(model, stack.machine),
        };
        for service in &stack.services {
            let Some(gpu_vendor) = service.gpu.and_then(ComposeGpu::vendor) else {
                continue;
            };
            let vendor = match gpu_vendor {
                GpuVendor::Nvidia => "NVIDIA",
                GpuVendor::Amd => "AMD",
            };
            // The one reading of a device's model text, shared with the Kubernetes checks.
            let is_card = |d: &infrac_model::PciDevice| {
                d.model.as_deref().and_then(GpuVendor::of_model) == Some(gpu_vendor)
            };
            let found = devices.iter().any(|d| is_card(d));
            if found {
                continue;
            }
            let vm = machine.guest.as_ref().filter(|g| g.kind == GuestKind::Vm);
            let (where_, help) = if let Some(guest) =
                machine.guest.as_ref().filter(|g| g.kind == GuestKind::Lxc)
            {
                let host = model.machine(guest.host);
                (
                    format!("its host {} declares no {vendor} GPU", host.name),
                    format!(
                        "declare it on {}: `pci gpu0 {{ address = \"0000:01:00.0\", model = \"…\" }}` with the card's model",
                        host.name
                    ),
                )
            } else if let Some(guest) = vm {
                let host = model.machine(guest.host);
                let on_host = host.pci.iter().find(|d| is_card(d));
                (
                    format!("no {vendor} GPU is passed through to {}", machine.name),
                    match on_host {
                        Some(d) => format!("pass it through: `pci = [{}]` on {}", d.name, machine.name),
                        None => format!(
                            "declare the GPU on {} (`pci gpu0 {{ address = \"0000:01:00.0\", model = \"…\" }}`) and pass it through with `pci = [gpu0]` on {}",
                            host.name, machine.name
                        ),
                    },
                )
            } else {
                (
                    format!("{} declares no {vendor} GPU", machine.name),
                    format!(
                        "declare it on {}: `pci gpu0 {{ address = \"0000:01:00.0\", model = \"…\" }}` with the card's model",
                        machine.name
                    ),
                )
            };
            out.push(
                Diagnostic::warning(
                    Code::COMPOSE_GPU_MISSING,
                    format!(
                        "service {} of stack {} asks for an {vendor} GPU, but {where_}",
                        service.name, stack.name
                    ),
                    service.span,
                    format!("`gpu = {}` without the card", gpu_vendor.as_str()),
                )
                .with_label(
                    machine.name_span,
                    format!("{} is declared here", machine.name),
                )
                .with_help(help),
            );
        }
    }
}

fn nfs_volumes(model: &Model, out: &mut Vec<Diagnostic>) {
    for stack in &model.stacks {
        let machine = model.machine(stack.machine);
        for service in &stack.services {
            for volume in &service.volumes {
                let VolumeSource::Nfs { export } = &volume.source else {
                    continue;
                };
                let server = model.machine(export.machine);
                let mount = nfs_mount(model, export, &[stack.machine], None);
                let Some(source) = mount.as_ref().map(|m| &m.source) else {
                    out.push(
                        Diagnostic::error(
                            Code::COMPOSE_NFS_UNREACHABLE,
                            format!(
                                "volume {} of {} mounts an export of {}, which shares no network with {}",
                                volume.name, service.name, server.name, machine.name
                            ),
                            export.span,
                            format!("{} cannot reach {}", machine.name, server.name),
                        )
                        .with_label(server.name_span, format!("{} is declared here", server.name))
                        .with_help(format!(
                            "give {} an address on one of {}'s networks, or mount an export of a server it can reach",
                            machine.name, server.name
                        )),
                    );
                    continue;
                };
                let Some(e) = server.export(&export.export) else {
                    continue;
                };
                if let Some(refusal) = refused(model, e, mount.as_ref(), &[stack.machine]) {
                    let clients = client_names(model, e);
                    out.push(
                        Diagnostic::error(
                            Code::COMPOSE_NFS_UNREACHABLE,
                            format!(
                                "volume {} of {} mounts export {} of {} from {}, which it does not admit",
                                volume.name, service.name, e.name, server.name, source.address
                            ),
                            export.span,
                            refusal.label(model, &machine.name),
                        )
                        .with_label(e.span, format!("clients = [{}]", clients.join(", ")))
                        .with_help(refusal.help(model, server, e, &machine.name)),
                    );
                }
            }
        }
    }
}

fn tunnel_routes(model: &Model, out: &mut Vec<Diagnostic>) {
    for ingress in &model.ingresses {
        // A tunnel's cloudflared and the Caddy infrac runs for a reverse proxy dial the
        // targets themselves; a proxy the operator runs is theirs to configure.
        let (code, what, runs) = if ingress.kind == IngressKind::Tunnel {
            if ingress.tunnel.is_none() {
                continue;
            }
            (Code::TUNNEL_ROUTE_UNREACHABLE, "tunnel", "cloudflared")
        } else if infrac_model::proxy::runs_caddy(model, ingress) {
            (Code::PROXY_ROUTE_UNREACHABLE, "reverse proxy", "Caddy")
        } else {
            continue;
        };
        let machine = model.machine(ingress.machine);
        for (index, route) in ingress.routes.iter().enumerate() {
            let origin = if code == Code::PROXY_ROUTE_UNREACHABLE {
                infrac_model::proxy::caddy_origin(model, ingress, index)
            } else {
                origin_url(model, ingress, index)
            };
            let Err(why) = origin else {
                continue;
            };
            // An app no proxy can reach (only inside its cluster, or without a port) is
            // the workloads check's E0561, for tunnels and reverse proxies alike.
            if matches!(why, Unreachable::ClusterOnly | Unreachable::NoPort) {
                continue;
            }
            let proxy = code == Code::PROXY_ROUTE_UNREACHABLE;
            let (target, reason, help) = match (&route.to, why) {
                // Caddy dials through its gateway, so only a target without any address
                // is out of its reach.
                (RouteTarget::Machine(m, _), _) if proxy => {
                    let m = model.machine(*m);
                    (
                        m.name.clone(),
                        format!("{} has no address to send requests to", m.name),
                        format!("give {} an address on one of the lab's networks", m.name),
                    )
                }
                (RouteTarget::App(a), _) if proxy => {
                    let a = &model.apps[a.index()];
                    (
                        format!("app {}", a.name),
                        "no node of its cluster has an address".to_string(),
                        "give the cluster's nodes addresses on the lab's networks".to_string(),
                    )
                }
                (RouteTarget::Machine(m, _), _) => {
                    let m = model.machine(*m);
                    (
                        m.name.clone(),
                        format!("{} shares no network with {}", m.name, machine.name),
                        format!(
                            "give {} an address on one of {}'s networks",
                            machine.name, m.name
                        ),
                    )
                }
                (RouteTarget::App(a), _) => {
                    let a = &model.apps[a.index()];
                    (
                        format!("app {}", a.name),
                        format!(
                            "no node of its cluster shares a network with {}",
                            machine.name
                        ),
                        format!("give {} an address on the cluster's network", machine.name),
                    )
                }
            };
            out.push(
                Diagnostic::error(
                    code,
                    format!(
                        "{what} {} on {} cannot reach {target}",
                        ingress.name, machine.name
                    ),
                    route.span,
                    reason,
                )
                .with_label(ingress.span, format!("{runs} runs on {}", machine.name))
                .with_help(help),
            );
        }
    }
}
