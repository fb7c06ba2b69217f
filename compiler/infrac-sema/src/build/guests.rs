//! Building VMs and containers: machines placed on a hypervisor.

use super::access::attrs;
use super::machines::NicAttrs;
use super::Handles;
use crate::decls::{DeclIdx, Env};
use crate::schema::VMID_TY;
use crate::value::{Kind, Value};
use crate::Sema;
use infrac_diagnostics::{did_you_mean, Code, Diagnostic, Span};
use infrac_model::*;
use infrac_syntax::ast::Path;
use rustc_hash::FxHashMap;

attrs! {
    /// What a guest's builder reads; the attributes every guest sets come first.
    struct GuestAttrs {
        cores: "cores",
        memory: "memory",
        disk: "disk",
        os: "os",
        image: "image",
        pci: "pci",
        sockets: "sockets",
        balloon: "balloon",
        swap: "swap",
        start: "start",
        order: "order",
        unprivileged: "unprivileged",
        nesting: "nesting",
        tags: "tags",
        cpu: "cpu",
        machine: "machine",
        bios: "bios",
        args: "args",
        description: "description",
        services: "services",
    }
}

const NO_VARIABLES: &Env = &Env::new();

/// The declarations guests' heads name as their host, by name.
#[derive(Default)]
struct HostNames<'a>(FxHashMap<&'a str, DeclIdx>);

impl<'a> Sema<'a> {
    /// Checks template bodies once, so their mistakes are reported even if unused.
    pub(crate) fn check_templates(&mut self) {
        for d in self.decls_of(Kind::Template) {
            let _ = self.check_decl(d);
        }
    }

    pub(crate) fn build_guests(&mut self, model: &mut Model, handles: &mut Handles) {
        let guests: Vec<DeclIdx> = self
            .decls_of(Kind::Machine)
            .into_iter()
            .filter(|d| matches!(self.decls[d.0 as usize].keyword, "vm" | "lxc"))
            .collect();
        // A machine is a large record: growing the list by doubling would leave up to
        // half of it allocated and unused in a large lab.
        model.machines.reserve_exact(guests.len());
        handles.machines.reserve(guests.len());
        let mut hosts = HostNames::default();
        for d in guests {
            if let Some(id) = self.guest(d, model, handles, &mut hosts) {
                handles.machines.insert(d, id);
            }
        }
    }

    /// The host a guest's head names (`on HOST`). A lab places thousands of guests on a
    /// few hosts: a name that resolved once resolves the same way again, and is looked
    /// up without building the index's key.
    fn guest_host(
        &mut self,
        d: DeclIdx,
        handles: &Handles,
        hosts: &mut HostNames<'a>,
    ) -> Option<MachineId> {
        let on: Option<&'a Path> = self.decls[d.0 as usize].decl.on.as_ref();
        let name = match on.map(|p| p.segments.as_slice()) {
            Some([only]) => Some(only.name.as_str()),
            _ => None,
        };
        let target = match name.and_then(|n| hosts.0.get(n)) {
            Some(&target) => target,
            None => {
                let target = self.resolve_path_as(on?, Kind::Machine)?;
                if let Some(name) = name {
                    hosts.0.insert(name, target);
                }
                target
            }
        };
        handles.machines.get(&target).copied()
    }

    fn vmid(&mut self, d: DeclIdx) -> Option<Spanned<Vmid>> {
        let inst = &self.decls[d.0 as usize];
        let id = inst.decl.id.as_ref()?;
        // A guest outside any loop borrows one shared empty list: nothing to copy or drop.
        let copied;
        let env = if inst.env.is_empty() {
            NO_VARIABLES
        } else {
            copied = inst.env.clone();
            &copied
        };
        let value = self.eval(id, env, Some(d), None)?;
        match self.coerce(value, id.span, &VMID_TY, Some(d))? {
            Value::Int(n) => Some(Spanned::new(Vmid(n as u32), id.span)),
            _ => None,
        }
    }

    /// Builds a guest and adds it to the model, returning its handle.
    fn guest(
        &mut self,
        d: DeclIdx,
        model: &mut Model,
        handles: &Handles,
        hosts: &mut HostNames<'a>,
    ) -> Option<MachineId> {
        let (f, doc) = self.shared_fields(d);
        let inst = &self.decls[d.0 as usize];
        let (name, name_span, span) = (inst.name.clone(), inst.name_span, inst.decl.span);
        let kind = if inst.keyword == "lxc" {
            GuestKind::Lxc
        } else {
            GuestKind::Vm
        };
        let template = inst.template.map(|t| self.decls[t.0 as usize].name.clone());
        let vmid = self.vmid(d);
        let host = self.guest_host(d, handles, hosts);
        let (Some(vmid), Some(host)) = (vmid, host) else {
            return None;
        };
        let a = GuestAttrs::of(&f);
        let image_ref = a.os.decl_ref().or_else(|| a.image.decl_ref());
        let os = image_ref.and_then(|r| handles.images.get(&r.value).copied());
        // A VM boots a disk image; a container is unpacked from a template. The other
        // kind's image leaves the script nothing to create the guest from.
        if let (Some(written), Some(id)) = (image_ref, os) {
            let image = model.image(id);
            if image.kind != kind {
                // Named as the lab names the image it wrote: `os.debian-13` for the standard
                // library's.
                let namespace = self.decls[written.value.0 as usize].namespace.as_deref();
                self.diags.push(image_kind_mismatch(
                    kind,
                    &name,
                    image,
                    model,
                    namespace,
                    written.span,
                ));
            }
        }
        // Sized exactly: a lab has as many of these lists as guests.
        let mut disks = ThinVec::with_capacity(
            usize::from(a.disk.field().is_some()) + f.blocks_of("disk").count(),
        );
        if let Some((&Value::Bytes(size), size_span, pool, pool_span)) = a.disk.placed() {
            let pool = self.pool(model, host, &name, pool, pool_span);
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
            if let Some(pool) = self.pool(model, host, &name, &pool.value, pool.span) {
                disks.push(Disk {
                    name: b.name.as_deref().unwrap_or_default().to_owned(),
                    size,
                    pool,
                });
            }
        }
        let mut nics = ThinVec::with_capacity(f.blocks_of("nic").count());
        for b in f.blocks_of("nic") {
            let Some(network) =
                self.network_by_name(model, b.name.as_deref().unwrap_or(""), b.name_span)
            else {
                continue;
            };
            let nic = NicAttrs::of(&b.fields);
            let wireguard =
                self.wireguard_member(&b.fields, &nic, model, Some(network), b.name_span);
            nics.push(Nic {
                wireguard: wireguard.map(Box::new),
                name: None,
                doc: b.doc.clone(),
                speed: None,
                network: Some(network),
                ip: nic.ip.ipv4(),
                ip6: nic.ip6.ipv6(),
                dhcp: nic.dhcp.bool().unwrap_or(false),
                mac: nic.mac.mac(),
                firewall: nic.firewall.bool().unwrap_or(false),
                span: b.name_span,
            });
        }
        let services = self.machine_services(&f, a.services, model, handles);
        let exports = self.exports(&f, model);
        let pci = a
            .pci
            .items()
            .iter()
            .filter_map(|(v, span)| match v {
                Value::Word(w) => {
                    let device = model.machine(host).pci.iter().any(|p| p.name == *w);
                    if !device {
                        self.diags.push(missing_pci_device(model, host, w, *span));
                        return None;
                    }
                    Some(Spanned::new(w.clone(), *span))
                }
                _ => None,
            })
            .collect();
        let guest = Guest {
            kind,
            vmid,
            host,
            template: template.map(|t| Box::from(t.as_str())),
            // Proxmox's own defaults: one core and 512 MiB.
            cores: a.cores.u32().unwrap_or(Spanned::new(1, name_span)),
            sockets: a.sockets.u32().map_or(1, |s| s.value),
            memory: a
                .memory
                .bytes()
                .unwrap_or(Spanned::new(Bytes(512 * Bytes::MIB), name_span)),
            balloon: a.balloon.bytes().map(|b| b.value),
            swap: a.swap.bytes().map(|b| b.value),
            disks,
            pci,
            start: a.start.bool().unwrap_or(true),
            order: a.order.u32().map(|o| o.value),
            unprivileged: a.unprivileged.bool().unwrap_or(kind == GuestKind::Lxc),
            // systemd in current Debian and Ubuntu templates needs nesting in an
            // unprivileged container; Proxmox's own wizard turns it on for those.
            nesting: a
                .nesting
                .bool()
                .unwrap_or(kind == GuestKind::Lxc && a.unprivileged.bool().unwrap_or(true)),
            tags: a
                .tags
                .items()
                .iter()
                .filter_map(|(v, span)| match v {
                    Value::Str(s) => Some(Spanned::new(s.clone(), *span)),
                    _ => None,
                })
                .collect(),
            cpu: a
                .cpu
                .word()
                .map(|c| Spanned::new(c.value.into_boxed_str(), c.span)),
            machine: a
                .machine
                .word()
                .map(|m| Spanned::new(m.value.into_boxed_str(), m.span)),
            bios: a.bios.string().and_then(|b| match b.as_str() {
                "ovmf" => Some(Firmware::Ovmf),
                "seabios" => Some(Firmware::Seabios),
                _ => None,
            }),
            args: a.args.string().map(String::into_boxed_str),
        };
        let platform = match kind {
            GuestKind::Vm => Platform::Vm,
            GuestKind::Lxc => Platform::Lxc,
        };
        // A guest lives where its host lives.
        let site = model.machine(host).site;
        let mut machine = Machine::new(name, platform, site, span);
        machine.doc = doc.map(String::into_boxed_str);
        machine.description = a.description.string().map(String::into_boxed_str);
        machine.os = os;
        machine.guest = Some(guest);
        machine.nics = nics;
        machine.services = services.into();
        machine.exports = exports.into();
        self.check_exports(&f, model, &machine);
        machine.name_span = name_span;
        let id = MachineId(model.machines.len() as u32);
        model.machines.push(machine);
        Some(id)
    }

    fn pool(
        &mut self,
        model: &Model,
        host: MachineId,
        guest: &str,
        pool: &str,
        span: Span,
    ) -> Option<Spanned<String>> {
        // Looked up only when some pool broke: building the key allocates, per disk.
        if !self.broken_pools.is_empty() && self.broken_pools.contains(&(host.0, pool.to_string()))
        {
            return Some(Spanned::new(pool.to_string(), span));
        }
        let host_id = host;
        let host = model.machine(host);
        // A machine that runs no guests has no pools to offer: the checks report the
        // misplaced guest itself (E0447), which is the cause.
        if host.pool(pool).is_some() || !host.platform.is_hypervisor() {
            return Some(Spanned::new(pool.to_string(), span));
        }
        // A disk a loop repeats is reported once: the report looks at every machine.
        if !self
            .unresolved_pools
            .first((host_id, span), span, &self.diags)
        {
            return None;
        }
        // A shared pool declared on other nodes but not on this one: every node that uses
        // a shared pool declares it (its storage.cfg entry lists the nodes).
        let elsewhere: Vec<(MachineId, &Machine)> = model
            .machines
            .iter()
            .enumerate()
            .filter(|(_, m)| m.site == host.site && m.pool(pool).is_some_and(|p| p.shared))
            .map(|(i, m)| (MachineId(i as u32), m))
            .collect();
        if let Some(&(first_id, first)) = elsewhere.first() {
            let declared = first.pool(pool).map_or(Span::default(), |p| p.span);
            // Guests are built before exports resolve: the export is copied as written.
            let declaration = first
                .storage
                .iter()
                .position(|p| p.name == pool)
                .map(|i| pool_declaration(&first.storage[i], self.written_export(first_id, i)))
                .unwrap_or_default();
            let on: Vec<String> = elsewhere
                .iter()
                .map(|(_, m)| format!("`{}`", m.name))
                .collect();
            self.diags.push(
                Diagnostic::error(
                    Code::UNRESOLVED_NAME,
                    format!(
                        "`{guest}` uses shared pool `{pool}` on host `{}`, which does not declare it",
                        host.name
                    ),
                    span,
                    format!("`{pool}` is not declared on `{}`", host.name),
                )
                .with_label(declared, format!("declared on {}", on.join(", ")))
                .with_note(format!(
                    "a shared pool has to be declared on every host that uses it; `{guest}` \
                     runs on `{}`",
                    host.name
                ))
                .with_help(format!(
                    "declare it on host `{}` as on `{}`: `{declaration}`",
                    host.name, first.name
                )),
            );
            return None;
        }
        // A disk written once for guests on several hosts (a template's) that none of them
        // has: one report naming every host, not one per host at the same place.
        if let Some((at, hosts)) = self.missing_pools.get_mut(&span) {
            if let Some(d) = self.diags.get_mut(*at).filter(|d| d.primary.span == span) {
                if !hosts.contains(&host.name) {
                    hosts.push(host.name.clone());
                    d.message = format!(
                        "hosts {} have no storage pool `{pool}`",
                        infrac_diagnostics::and_list(
                            &hosts.iter().map(|h| format!("`{h}`")).collect::<Vec<_>>()
                        )
                    );
                    d.primary.message = "not a pool of these guests' hosts".into();
                    d.labels.push(infrac_diagnostics::Label {
                        span: host.span,
                        message: format!("host `{}` is declared here", host.name),
                    });
                }
                return None;
            }
        }
        self.missing_pools
            .insert(span, (self.diags.len(), vec![host.name.clone()]));
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

/// A pool's declaration in source form, for a help that copies it to another host.
fn pool_declaration(pool: &StoragePool, export: Option<String>) -> String {
    let kind = StorageKind::ALL
        .iter()
        .find(|(_, k)| *k == pool.kind)
        .map_or("dir", |(w, _)| w);
    let mut parts = vec![
        format!("kind = {kind}"),
        format!("size = {}", size_literal(pool.size.value)),
    ];
    if pool.shared != pool.kind.shared_by_default() {
        parts.push(format!("shared = {}", pool.shared));
    }
    if let Some(server) = pool.server {
        parts.push(format!("server = {server}"));
    }
    if let Some(export) = export {
        parts.push(format!("export = {export}"));
    }
    format!("storage {} {{ {} }}", pool.name, parts.join(", "))
}

/// A size as the language writes it, in the largest binary unit that divides it.
fn size_literal(size: Bytes) -> String {
    for (unit, name) in [
        (Bytes::TIB, "TiB"),
        (Bytes::GIB, "GiB"),
        (Bytes::MIB, "MiB"),
        (Bytes::KIB, "KiB"),
    ] {
        if size.0 >= unit && size.0.is_multiple_of(unit) {
            return format!("{}{name}", size.0 / unit);
        }
    }
    format!("{}B", size.0)
}

/// A guest names a PCI device its host lacks. A device of that name on another host is
/// almost always the one meant, so the diagnostic says where it is; the guest moves
/// there, or its own host declares a device with the address `lspci -D` prints there.
fn missing_pci_device(model: &Model, host: MachineId, name: &str, span: Span) -> Diagnostic {
    let host = model.machine(host);
    let names: Vec<&str> = host.pci.iter().map(|p| p.name.as_str()).collect();
    let elsewhere: Vec<(&Machine, &PciDevice)> = model
        .machines()
        .filter(|(_, m)| m.name != host.name)
        .filter_map(|(_, m)| m.pci.iter().find(|p| p.name == name).map(|p| (m, p)))
        .collect();
    let mut d = Diagnostic::error(
        Code::UNRESOLVED_NAME,
        format!("host `{}` has no PCI device `{name}`", host.name),
        span,
        "not a PCI device of this guest's host",
    );
    for (m, p) in &elsewhere {
        d = d.with_label(p.span, format!("`{name}` is on host {}", m.name));
    }
    if let Some(meant) = did_you_mean(name, names.iter().copied()) {
        return d.with_help(format!("did you mean `{meant}`?"));
    }
    match elsewhere.as_slice() {
        [(m, _)] => d.with_help(format!(
            "place the guest on host {} (`on {}`), which has `{name}`; or give host {} a device of its own (`pci {name} {{ address = \"…\" }}` with the address `lspci -D` prints on {})",
            m.name, m.name, host.name, host.name
        )),
        [] => d.with_help(format!(
            "declare the device on host {}: `pci {name} {{ address = \"…\" }}` with the address `lspci -D` prints there",
            host.name
        )),
        _ => d.with_help(format!(
            "place the guest on a host that has `{name}`, or give host {} a device of its own",
            host.name
        )),
    }
}

/// A guest given an image of the other kind: a VM a container template, a container a VM
/// image. The help names the image of the right kind for the same release, if the lab
/// has one.
fn image_kind_mismatch(
    kind: GuestKind,
    guest: &str,
    image: &Image,
    model: &Model,
    namespace: Option<&str>,
    span: Span,
) -> Diagnostic {
    let (what, wanted) = match kind {
        GuestKind::Vm => ("a container template", "a VM image"),
        GuestKind::Lxc => ("a VM image", "a container template"),
    };
    let other = model
        .images
        .iter()
        .find(|i| i.kind == kind && i.family == image.family && i.version == image.version);
    Diagnostic::error(
        Code::TYPE_MISMATCH,
        format!(
            "{} {guest} is given `{}`, {what}, not {wanted}",
            kind.as_str(),
            image.name
        ),
        span,
        what,
    )
    .with_help(match other {
        Some(o) => match namespace {
            Some(ns) => format!("use `{ns}.{}`, {wanted} of the same release", o.name),
            None => format!("use `{}`, {wanted} of the same release", o.name),
        },
        None => format!("give the {} {wanted}", kind.as_str()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guest_builders_read_attributes_guests_have() {
        let schema = |kind: &str| crate::schema::top_level(kind).expect("a guest kind").1;
        let (vm, lxc) = (schema("vm"), schema("lxc"));
        for key in GuestAttrs::KEYS {
            assert!(
                vm.attr(key).is_some() || lxc.attr(key).is_some(),
                "no guest has `{key}`"
            );
        }
    }
}
