//! Building the catalogue (images, services, hardware), sites, networks and hosts.

use super::Handles;
use crate::decls::DeclIdx;
use crate::fields::Fields;
use crate::value::{Kind, Value};
use crate::Sema;
use infrac_diagnostics::{did_you_mean, Code, Diagnostic};
use infrac_model::*;
use std::net::IpAddr;

impl<'a> Sema<'a> {
    pub(crate) fn build_catalogue(&mut self, model: &mut Model, handles: &mut Handles) {
        for d in self.decls_of(Kind::Image) {
            let (f, _) = self.fields(d);
            let kind = match f.string("kind").as_deref() {
                Some("lxc") => GuestKind::Lxc,
                _ => GuestKind::Vm,
            };
            handles.images.insert(d, ImageId(model.images.len() as u32));
            model.images.push(Image {
                name: self.decls[d.0 as usize].name.clone(),
                family: f.string("family").unwrap_or_default(),
                version: f.string("version").unwrap_or_default(),
                kind,
                ostype: f.string("ostype").unwrap_or_else(|| "l26".into()),
                template: f.string("template"),
                state_version: f.string("state_version"),
                cloud_init: f.bool("cloud_init").unwrap_or(false),
            });
        }
        for d in self.decls_of(Kind::Service) {
            let (f, doc) = self.fields(d);
            let mut ports: Vec<PortSpec> = f.port("port").map(|p| p.value).into_iter().collect();
            ports.extend(f.list("ports").into_iter().filter_map(|(v, _)| match v {
                Value::Port(p) => Some(p),
                _ => None,
            }));
            handles
                .services
                .insert(d, ServiceId(model.services.len() as u32));
            model.services.push(Service {
                name: self.decls[d.0 as usize].name.clone(),
                ports,
                description: f.string("description").or(doc),
            });
        }
        // Hardware entries are checked even when unused, so a broken catalogue shows up.
        for kind in [Kind::Chassis, Kind::Cpu, Kind::Dimm] {
            for d in self.decls_of(kind) {
                let fields = self.check_decl(d);
                self.catalogue.insert(d, fields);
            }
        }
    }

    pub(crate) fn build_sites(&mut self, model: &mut Model, handles: &mut Handles) {
        for d in self.decls_of(Kind::Site) {
            if self.decls[d.0 as usize].namespace.is_some() {
                continue;
            }
            let (f, doc) = self.fields(d);
            let naming = f.block("naming").map(|b| &b.fields);
            let regex = |name: &str| {
                naming.and_then(|n| {
                    let field = n.get(name)?;
                    match &field.value {
                        Value::Str(s) => Some(Spanned::new(s.clone(), field.span)),
                        _ => None,
                    }
                })
            };
            let naming = Naming {
                guest: regex("guest"),
                host: regex("host"),
                vmid_vm: naming.and_then(|n| n.range_u32("vmid.vm")),
                vmid_lxc: naming.and_then(|n| n.range_u32("vmid.lxc")),
            };
            handles.sites.insert(d, SiteId(model.sites.len() as u32));
            model.sites.push(Site {
                name: self.decls[d.0 as usize].name.clone(),
                doc,
                domain: f.string("domain"),
                domain_span: f
                    .get("domain")
                    .map_or(self.decls[d.0 as usize].name_span, |field| field.span),
                asn: f.u32("asn"),
                ipv4: f.net4("ipv4"),
                ipv6: f.net6("ipv6"),
                dns: ip_list(&f, "dns"),
                naming,
                span: self.decls[d.0 as usize].name_span,
            });
        }
        if model.sites.is_empty() {
            // A lab without a `site` still has one, unnamed, so every host belongs somewhere.
            model.sites.push(Site {
                name: "default".into(),
                doc: None,
                domain: None,
                domain_span: Default::default(),
                asn: None,
                ipv4: None,
                ipv6: None,
                dns: Vec::new(),
                naming: Naming::default(),
                span: Default::default(),
            });
        }
    }

    pub(crate) fn build_networks(&mut self, model: &mut Model, handles: &Handles) {
        for d in self.decls_of(Kind::Network) {
            let (f, doc) = self.fields(d);
            let name = self.decls[d.0 as usize].name.clone();
            let name_span = self.decls[d.0 as usize].name_span;
            let site = self.site_of(&f, handles, model, name_span, &format!("network `{name}`"));
            let vlan = f.int("vlan").map(|v| Spanned::new(v.value as u16, v.span));
            model.networks.push(Network {
                zone: f.string("zone").unwrap_or_else(|| name.clone()),
                name,
                doc,
                site,
                bridge: f.word("bridge"),
                vlan,
                ipv4: f.net4("ipv4"),
                gateway: f.ipv4("gateway"),
                dhcp: f.range_ipv4("dhcp"),
                ipv6: f.net6("ipv6"),
                gateway6: f.ipv6("gateway6"),
                dns: ip_list(&f, "dns"),
                uplink: f.bool("uplink").unwrap_or(false),
                span: name_span,
            });
        }
    }

    pub(crate) fn build_hosts(&mut self, model: &mut Model, handles: &mut Handles) {
        for d in self.decls_of(Kind::Host) {
            let (f, doc) = self.fields(d);
            let name = self.decls[d.0 as usize].name.clone();
            let name_span = self.decls[d.0 as usize].name_span;
            let site = self.site_of(&f, handles, model, name_span, &format!("host `{name}`"));
            let platform = match f.string("platform").as_deref() {
                Some("baremetal") => Platform::Baremetal,
                Some("cloud") => Platform::Cloud,
                _ => Platform::Proxmox,
            };
            let hardware = f
                .get("hardware")
                .cloned()
                .and_then(|field| self.hardware(&field.value, field.span));
            let reserve = f
                .block("reserve")
                .map_or_else(Reserve::default, |b| Reserve {
                    cores: b.fields.u32("cores").map_or(0, |c| c.value),
                    memory: b.fields.bytes("memory").map_or(Bytes(0), |m| m.value),
                });
            let overcommit =
                f.block("overcommit")
                    .map_or_else(Overcommit::default, |b| Overcommit {
                        cpu: b.fields.float("cpu").unwrap_or(1.0),
                        memory: b.fields.float("memory").unwrap_or(1.0),
                    });
            let nics: Vec<HostNic> = f
                .blocks_of("nic")
                .map(|b| HostNic {
                    name: b.name.clone().unwrap_or_default(),
                    doc: b.doc.clone(),
                    speed: b.fields.speed("speed"),
                    mac: b.fields.mac("mac"),
                    span: b.name_span,
                })
                .collect();
            let mut bridges = Vec::new();
            for b in f.blocks_of("bridge") {
                let mut ports = Vec::new();
                for (port, span) in b.fields.list("ports") {
                    let Value::Word(port) = port else { continue };
                    if !nics.iter().any(|n| n.name == port) && !nics.is_empty() {
                        let names: Vec<&str> = nics.iter().map(|n| n.name.as_str()).collect();
                        self.diags.push(
                            Diagnostic::error(
                                Code::UNRESOLVED_NAME,
                                format!("host `{name}` has no NIC `{port}`"),
                                span,
                                "not a NIC of this host",
                            )
                            .with_help_opt(
                                did_you_mean(&port, names.iter().copied())
                                    .map(|s| format!("did you mean `{s}`?")),
                            )
                            .with_note(format!(
                                "the NICs are {}",
                                names
                                    .iter()
                                    .map(|n| format!("`{n}`"))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            )),
                        );
                    }
                    ports.push(port);
                }
                bridges.push(Bridge {
                    name: b.name.clone().unwrap_or_default(),
                    doc: b.doc.clone(),
                    ports,
                    vlan_aware: b.fields.bool("vlan_aware").unwrap_or(false),
                    mtu: b.fields.u32("mtu").map(|m| m.value),
                    span: b.name_span,
                });
            }
            let host_index = model.hosts.len() as u32;
            for b in f.blocks_of("storage") {
                if b.fields.bytes("size").is_none() || b.fields.string("kind").is_none() {
                    self.broken_pools
                        .insert((host_index, b.name.clone().unwrap_or_default()));
                }
            }
            let storage = f
                .blocks_of("storage")
                .filter_map(|b| {
                    let kind = StorageKind::ALL
                        .iter()
                        .find(|(n, _)| Some(*n) == b.fields.string("kind").as_deref())?
                        .1;
                    Some(StoragePool {
                        name: b.name.clone().unwrap_or_default(),
                        doc: b.doc.clone(),
                        kind,
                        size: b.fields.bytes("size")?,
                        shared: b.fields.bool("shared").unwrap_or(kind.shared_by_default()),
                        server: b.fields.ip("server").map(|s| s.value),
                        span: b.name_span,
                    })
                })
                .collect();
            let pci = f
                .blocks_of("pci")
                .map(|b| PciDevice {
                    name: b.name.clone().unwrap_or_default(),
                    address: b.fields.string("address").unwrap_or_default(),
                    model: b.fields.string("model"),
                    span: b.name_span,
                })
                .collect();
            let address = self.placement(&f, "address", model);
            let bmc = self.placement(&f, "bmc", model);
            handles.hosts.insert(d, HostId(model.hosts.len() as u32));
            model.hosts.push(Host {
                name,
                doc,
                site,
                platform,
                hardware,
                reserve,
                overcommit,
                nics,
                bridges,
                storage,
                pci,
                address,
                bmc,
                bmc_user: f.string("bmc_user"),
                bmc_password: f.secret("bmc_password"),
                span: name_span,
            });
        }
    }

    fn placement(&mut self, f: &Fields<'a>, name: &str, model: &Model) -> Option<Placement> {
        let (value, span, target, target_span) = f.placed(name)?;
        let Value::Ip(address) = value else {
            return None;
        };
        let network = self.network_by_name(model, &target, target_span)?;
        Some(Placement {
            address: Spanned::new(address, span),
            network,
        })
    }

    fn hardware(&mut self, value: &Value, span: infrac_diagnostics::Span) -> Option<Hardware> {
        let Value::Instance(chassis_decl, attrs) = value else {
            return None;
        };
        let chassis = self.chassis(*chassis_decl)?;
        let mut cpu = None;
        let mut cpu_count = Spanned::new(0, span);
        let mut dimm_size = None;
        let mut dimm_count = Spanned::new(0, span);
        for (name, value, vspan) in attrs {
            let Value::Count(n, part) = value else {
                continue;
            };
            let n = u32::try_from(*n).unwrap_or(u32::MAX);
            match (name.as_str(), part.as_ref()) {
                ("cpus", Value::Ref(d)) => {
                    cpu = self.cpu(*d);
                    cpu_count = Spanned::new(n, *vspan);
                }
                ("dimms", Value::Bytes(b)) => {
                    dimm_size = Some(Bytes(*b));
                    dimm_count = Spanned::new(n, *vspan);
                }
                _ => {}
            }
        }
        Some(Hardware {
            chassis,
            cpu,
            cpu_count,
            dimm_size,
            dimm_count,
            span,
        })
    }

    fn chassis(&mut self, d: DeclIdx) -> Option<Chassis> {
        let f = self.catalogue.get(&d)?;
        Some(Chassis {
            name: self.decls[d.0 as usize].name.clone(),
            vendor: f.string("vendor").unwrap_or_default(),
            model: f.string("model").unwrap_or_default(),
            sockets: f.u32("sockets")?.value,
            dimm_slots: f.u32("dimm_slots")?.value,
            max_memory: f.bytes("max_memory")?.value,
            bmc: f.string("bmc"),
            drive_bays: f.u32("drive_bays").map(|b| b.value),
        })
    }

    fn cpu(&mut self, d: DeclIdx) -> Option<Cpu> {
        let f = self.catalogue.get(&d)?;
        Some(Cpu {
            name: self.decls[d.0 as usize].name.clone(),
            model: f.string("model").unwrap_or_default(),
            cores: f.u32("cores")?.value,
            threads: f.u32("threads")?.value,
            base_clock: f.freq("base_clock"),
        })
    }
}

fn ip_list(f: &Fields<'_>, name: &str) -> Vec<IpAddr> {
    f.list(name)
        .into_iter()
        .filter_map(|(v, _)| match v {
            Value::Ip(a) => Some(a),
            _ => None,
        })
        .collect()
}
