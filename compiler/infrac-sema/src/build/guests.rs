//! Building VMs and containers: machines placed on a hypervisor.

use super::Handles;
use crate::decls::DeclIdx;
use crate::schema::VMID_TY;
use crate::value::{Kind, Value};
use crate::Sema;
use infrac_diagnostics::{did_you_mean, Code, Diagnostic, Span};
use infrac_model::*;

impl<'a> Sema<'a> {
    /// Checks template bodies once, so their mistakes are reported even if unused.
    pub(crate) fn check_templates(&mut self) {
        for d in self.decls_of(Kind::Template) {
            let _ = self.check_decl(d);
        }
    }

    pub(crate) fn build_guests(&mut self, model: &mut Model, handles: &mut Handles) {
        for d in self.decls_of(Kind::Machine) {
            if !matches!(self.decls[d.0 as usize].keyword, "vm" | "lxc") {
                continue;
            }
            if let Some(guest) = self.guest(d, model, handles) {
                handles
                    .machines
                    .insert(d, MachineId(model.machines.len() as u32));
                model.machines.push(guest);
            }
        }
    }

    fn vmid(&mut self, d: DeclIdx) -> Option<Spanned<Vmid>> {
        let inst = &self.decls[d.0 as usize];
        let id = inst.decl.id.as_ref()?;
        let env = inst.env.clone();
        let value = self.eval(id, &env, Some(d), None)?;
        match self.coerce(value, id.span, &VMID_TY, Some(d))? {
            Value::Int(n) => Some(Spanned::new(Vmid(n as u32), id.span)),
            _ => None,
        }
    }

    fn guest(&mut self, d: DeclIdx, model: &Model, handles: &Handles) -> Option<Machine> {
        let (f, doc) = self.fields(d);
        let inst = &self.decls[d.0 as usize];
        let (name, name_span, span) = (inst.name.clone(), inst.name_span, inst.decl.span);
        let kind = if inst.keyword == "lxc" {
            GuestKind::Lxc
        } else {
            GuestKind::Vm
        };
        let template = inst.template.map(|t| self.decls[t.0 as usize].name.clone());
        let on = inst.decl.on.clone();
        let vmid = self.vmid(d);
        let host = self.head_target(d, on.as_ref(), Kind::Machine, &handles.machines);
        let (Some(vmid), Some(host)) = (vmid, host) else {
            return None;
        };
        let image_ref = f.decl_ref("os").or_else(|| f.decl_ref("image"));
        let os = image_ref.and_then(|r| handles.images.get(&r.value).copied());
        let mut disks = Vec::new();
        if let Some((Value::Bytes(size), size_span, pool, pool_span)) = f.placed("disk") {
            let pool = self.pool(model, host, &pool, pool_span);
            if let Some(pool) = pool {
                disks.push(Disk {
                    name: if kind == GuestKind::Lxc {
                        "rootfs".into()
                    } else {
                        "boot".into()
                    },
                    size: Spanned::new(Bytes(size), size_span),
                    pool,
                });
            }
        }
        for b in f.blocks_of("disk") {
            let (Some(size), Some(pool)) = (b.fields.bytes("size"), b.fields.word("pool")) else {
                continue;
            };
            if let Some(pool) = self.pool(model, host, &pool.value, pool.span) {
                disks.push(Disk {
                    name: b.name.clone().unwrap_or_default(),
                    size,
                    pool,
                });
            }
        }
        let nics = f
            .blocks_of("nic")
            .collect::<Vec<_>>()
            .into_iter()
            .filter_map(|b| {
                let network =
                    self.network_by_name(model, b.name.as_deref().unwrap_or(""), b.name_span)?;
                let wireguard = self.wireguard_member(&b.fields, model, Some(network), b.name_span);
                Some(Nic {
                    wireguard,
                    name: None,
                    doc: b.doc.clone(),
                    speed: None,
                    network: Some(network),
                    ip: b.fields.ipv4("ip"),
                    ip6: b.fields.ipv6("ip6"),
                    dhcp: b.fields.bool("dhcp").unwrap_or(false),
                    mac: b.fields.mac("mac"),
                    firewall: b.fields.bool("firewall").unwrap_or(false),
                    span: b.name_span,
                })
            })
            .collect();
        let services = self.machine_services(&f, model, handles);
        let exports = self.exports(&f, model);
        let pci = f
            .list("pci")
            .into_iter()
            .filter_map(|(v, span)| match v {
                Value::Word(w) => {
                    let device = model.machine(host).pci.iter().any(|p| p.name == w);
                    if !device {
                        let names: Vec<&str> = model.machine(host).pci.iter().map(|p| p.name.as_str()).collect();
                        self.diags.push(
                            Diagnostic::error(Code::UNRESOLVED_NAME, format!("host `{}` has no PCI device `{w}`", model.machine(host).name), span, "not a PCI device of this guest's host")
                                .with_help_opt(did_you_mean(&w, names.iter().copied()).map(|s| format!("did you mean `{s}`?")))
                                .with_help_opt(names.is_empty().then(|| format!("declare it on the host: `pci {w} {{ address = \"0000:82:00.0\" }}`"))),
                        );
                        return None;
                    }
                    Some(Spanned::new(w, span))
                }
                _ => None,
            })
            .collect();
        let guest = Guest {
            kind,
            vmid,
            host,
            template,
            // Proxmox's own defaults: one core and 512 MiB.
            cores: f.u32("cores").unwrap_or(Spanned::new(1, name_span)),
            sockets: f.u32("sockets").map_or(1, |s| s.value),
            memory: f
                .bytes("memory")
                .unwrap_or(Spanned::new(Bytes(512 * Bytes::MIB), name_span)),
            balloon: f.bytes("balloon").map(|b| b.value),
            swap: f.bytes("swap").map(|b| b.value),
            disks,
            pci,
            start: f.bool("start").unwrap_or(true),
            order: f.u32("order").map(|o| o.value),
            unprivileged: f.bool("unprivileged").unwrap_or(kind == GuestKind::Lxc),
            nesting: f.bool("nesting").unwrap_or(false),
            tags: f
                .list("tags")
                .into_iter()
                .filter_map(|(v, _)| if let Value::Str(s) = v { Some(s) } else { None })
                .collect(),
            cpu: f.string("cpu"),
            machine: f.string("machine"),
            bios: f.string("bios").and_then(|b| match b.as_str() {
                "ovmf" => Some(Firmware::Ovmf),
                "seabios" => Some(Firmware::Seabios),
                _ => None,
            }),
            args: f.string("args"),
        };
        let platform = match kind {
            GuestKind::Vm => Platform::Vm,
            GuestKind::Lxc => Platform::Lxc,
        };
        // A guest lives where its host lives.
        let site = model.machine(host).site;
        let mut machine = Machine::new(name, platform, site, span);
        machine.doc = doc;
        machine.description = f.string("description");
        machine.os = os;
        machine.guest = Some(guest);
        machine.nics = nics;
        machine.services = services;
        machine.exports = exports;
        self.check_exports(model, &machine);
        machine.name_span = name_span;
        Some(machine)
    }

    fn pool(
        &mut self,
        model: &Model,
        host: MachineId,
        pool: &str,
        span: Span,
    ) -> Option<Spanned<String>> {
        if self.broken_pools.contains(&(host.0, pool.to_string())) {
            return Some(Spanned::new(pool.to_string(), span));
        }
        let host = model.machine(host);
        if host.pool(pool).is_some() {
            return Some(Spanned::new(pool.to_string(), span));
        }
        let names: Vec<&str> = host.storage.iter().map(|p| p.name.as_str()).collect();
        self.diags.push(
            Diagnostic::error(
                Code::UNRESOLVED_NAME,
                format!("host `{}` has no storage pool `{pool}`", host.name),
                span,
                "not a pool of this guest's host",
            )
            .with_label(host.span, format!("host `{}` is declared here", host.name))
            .with_help(match did_you_mean(pool, names.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None if names.is_empty() => format!(
                    "declare it on the host: `storage {pool} {{ kind = lvmthin, size = 1TiB }}`"
                ),
                None => format!(
                    "its pools are {}",
                    names
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }),
        );
        None
    }
}
