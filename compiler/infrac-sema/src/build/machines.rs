//! Building machines that are not guests (`host` and `machine`), and the parts every
//! machine shares: NICs, services and NFS exports.

use super::access::{attrs, Attr};
use super::{Handles, PendingExport};
use crate::fields::Fields;
use crate::value::{Kind, Value};
use crate::Sema;
use infrac_diagnostics::{did_you_mean, Code, Diagnostic, Span};
use infrac_model::*;

/// Which platforms a setting of a physical machine applies to, and why.
struct Applies {
    what: &'static str,
    platforms: &'static [Platform],
    reason: &'static str,
}

const HYPERVISOR: &[Platform] = &[Platform::Proxmox];
const PHYSICAL: &[Platform] = &[
    Platform::Proxmox,
    Platform::Baremetal,
    Platform::Openwrt,
    Platform::Truenas,
    Platform::Appliance,
];

/// Attributes and blocks that only some platforms give meaning to. Everything not listed
/// applies to every machine.
const APPLIES: &[Applies] = &[
    Applies {
        what: "bridge",
        platforms: HYPERVISOR,
        reason: "bridges are generated into a Proxmox node's /etc/network/interfaces",
    },
    Applies {
        what: "reserve",
        platforms: HYPERVISOR,
        reason: "the reserve is what a hypervisor keeps back from its guests",
    },
    Applies {
        what: "overcommit",
        platforms: HYPERVISOR,
        reason: "overcommit ratios apply to a hypervisor's guests",
    },
    Applies {
        what: "storage",
        platforms: &[
            Platform::Proxmox,
            Platform::Truenas,
            Platform::Baremetal,
            Platform::Cloud,
        ],
        reason: "storage pools hold guest disks (Proxmox) or datasets (TrueNAS), or mount NFS exports (a Linux machine)",
    },
    Applies {
        what: "hardware",
        platforms: PHYSICAL,
        reason: "a cloud machine's size is `cores` and `memory`",
    },
    Applies {
        what: "pci",
        platforms: PHYSICAL,
        reason: "PCI devices belong to physical machines; a guest takes one with `pci = [NAME]`",
    },
    Applies {
        what: "bmc",
        platforms: PHYSICAL,
        reason: "only physical machines have a baseboard management controller",
    },
    Applies {
        what: "bmc_user",
        platforms: PHYSICAL,
        reason: "only physical machines have a baseboard management controller",
    },
    Applies {
        what: "bmc_password",
        platforms: PHYSICAL,
        reason: "only physical machines have a baseboard management controller",
    },
    Applies {
        what: "os",
        platforms: &[Platform::Baremetal, Platform::Cloud],
        reason: "Proxmox, OpenWrt, TrueNAS and appliances bring their own OS",
    },
    Applies {
        what: "proxmox",
        platforms: HYPERVISOR,
        reason: "only a Proxmox VE node runs Proxmox VE",
    },
    Applies {
        what: "provider",
        platforms: &[Platform::Cloud],
        reason: "only cloud machines have a provider",
    },
    Applies {
        what: "region",
        platforms: &[Platform::Cloud],
        reason: "only cloud machines have a region",
    },
    Applies {
        what: "cores",
        platforms: &[Platform::Cloud],
        reason: "a physical machine's cores come from its `hardware`",
    },
    Applies {
        what: "memory",
        platforms: &[Platform::Cloud],
        reason: "a physical machine's memory comes from its `hardware`",
    },
];

attrs! {
    /// What the NIC builders read: a lab has a NIC or more per machine.
    pub(super) struct NicAttrs {
        ip: "ip",
        ip6: "ip6",
        dhcp: "dhcp",
        mac: "mac",
        firewall: "firewall",
        public_key: "public_key",
        private_key: "private_key",
        endpoint: "endpoint",
        listen_port: "listen_port",
    }
}

impl<'a> Sema<'a> {
    pub(crate) fn build_hosts(&mut self, model: &mut Model, handles: &mut Handles) {
        for d in self.decls_of(Kind::Machine) {
            let keyword = self.decls[d.0 as usize].keyword;
            if matches!(keyword, "vm" | "lxc") {
                continue;
            }
            let (f, doc) = self.fields(d);
            let name = self.decls[d.0 as usize].name.clone();
            let name_span = self.decls[d.0 as usize].name_span;
            let site = self.site_of(&f, handles, model, name_span, &format!("host `{name}`"));
            let default = if keyword == "machine" {
                Platform::Baremetal
            } else {
                Platform::Proxmox
            };
            let platform = f
                .string("platform")
                .and_then(|w| Platform::ALL.iter().find(|(n, _)| *n == w).map(|(_, p)| *p))
                .unwrap_or(default);
            // A platform that failed is reported once: what applies to it is unknown.
            if !f.reported("platform") {
                self.check_platform(&f, platform, &name);
                self.check_mounts(&f, platform, &name);
            }
            let hardware = f
                .get("hardware")
                .cloned()
                .and_then(|field| self.hardware(&field.value, field.span));
            let mut machine = Machine::new(name.clone(), platform, site, name_span);
            machine.doc = doc.map(String::into_boxed_str);
            machine.description = f.string("description").map(String::into_boxed_str);
            machine.span = name_span;
            machine.name_span = name_span;
            machine.hardware = hardware.map(Box::new);
            machine.os = f
                .decl_ref("os")
                .and_then(|r| handles.images.get(&r.value).copied());
            machine.proxmox = f.u32("proxmox");
            if platform == Platform::Cloud {
                machine.cloud = Some(Box::new(CloudPlacement {
                    provider: f.string("provider").unwrap_or_default(),
                    region: f.string("region"),
                    cores: f.u32("cores").map(|c| c.value),
                    memory: f.bytes("memory").map(|m| m.value),
                }));
            }
            machine.reserve = f
                .block("reserve")
                .map_or_else(Reserve::default, |b| Reserve {
                    cpu: MilliCpu(b.fields.u32("cores").map_or(0, |c| u64::from(c.value)) * 1000),
                    memory: b.fields.bytes("memory").map_or(Bytes(0), |m| m.value),
                });
            machine.overcommit =
                f.block("overcommit")
                    .map_or_else(Overcommit::default, |b| Overcommit {
                        cpu: b.fields.float("cpu").unwrap_or(1.0),
                        memory: b.fields.float("memory").unwrap_or(1.0),
                    });
            machine.nics = self.physical_nics(&f, model, handles).into();
            machine.bridges = self.bridges(&f, &name, &machine.nics).into();
            let machine_index = model.machines.len() as u32;
            for b in f.blocks_of("storage") {
                if b.fields.bytes("size").is_none() || b.fields.string("kind").is_none() {
                    self.broken_pools.insert((
                        machine_index,
                        b.name.as_deref().unwrap_or_default().to_owned(),
                    ));
                }
            }
            machine.storage = self.storage(&f, MachineId(machine_index)).into();
            machine.osds = self.osds(&f).into();
            machine.bonds = self.bonds(&f).into();
            self.check_interface_names(&f, model);
            machine.pci = f
                .blocks_of("pci")
                .map(|b| PciDevice {
                    name: b.name.as_deref().unwrap_or_default().to_owned(),
                    address: b.fields.string("address").unwrap_or_default(),
                    model: b.fields.string("model"),
                    span: b.name_span,
                })
                .collect();
            machine.addresses = self.placements(&f, "address", model).into();
            machine.bmc = self.placement(&f, "bmc", model).map(Box::new);
            machine.bmc_user = f.string("bmc_user").map(String::into_boxed_str);
            machine.bmc_password = f.secret("bmc_password").map(Box::new);
            machine.services = self
                .machine_services(&f, f.attr("services"), model, handles)
                .into();
            machine.exports = self.exports(&f, model).into();
            self.check_exports(&f, model, &machine);
            handles.machines.insert(d, MachineId(machine_index));
            model.machines.push(machine);
        }
    }

    /// Reports settings that the machine's platform gives no meaning to.
    fn check_platform(&mut self, f: &Fields, platform: Platform, name: &str) {
        for rule in APPLIES {
            if rule.platforms.contains(&platform) {
                continue;
            }
            let span = match f.get(rule.what) {
                Some(field) => field.span,
                None => match f.blocks_of(rule.what).next() {
                    Some(b) => b.name_span,
                    None => continue,
                },
            };
            let allowed: Vec<&str> = rule.platforms.iter().map(|p| p.as_str()).collect();
            self.diags.push(
                Diagnostic::error(
                    Code::PLATFORM_MISMATCH,
                    format!(
                        "`{}` does not apply to `{name}`, a {} machine",
                        rule.what,
                        platform.as_str()
                    ),
                    span,
                    format!("has no effect on platform `{}`", platform.as_str()),
                )
                .with_note(rule.reason)
                .with_help(format!(
                    "remove it, or set `platform` to {}",
                    allowed
                        .iter()
                        .map(|p| format!("`{p}`"))
                        .collect::<Vec<_>>()
                        .join(" or ")
                )),
            );
        }
    }

    /// The NICs of a physical machine: ports named by their interface (`nic eno1 {
    /// network = lan, ip = … }`), or named after the network they join (`nic tailnet { ip
    /// = … }`, an OpenWrt logical interface).
    fn physical_nics(&mut self, f: &Fields, model: &Model, handles: &Handles) -> Vec<Nic> {
        let _ = handles;
        let mut nics = Vec::new();
        for b in f.blocks_of("nic").collect::<Vec<_>>() {
            let block_name = b.name.as_deref().unwrap_or_default().to_owned();
            let declared = b.fields.decl_ref("network").and_then(|r| {
                let name = &self.decls[r.value.0 as usize].name;
                self.network_names.get(model, name)
            });
            let (name, network) = match declared {
                Some(network) => (Some(block_name), Some(network)),
                None => match self.network_names.get(model, &block_name) {
                    Some(network) => (None, Some(network)),
                    None => (Some(block_name), None),
                },
            };
            let attrs = NicAttrs::of(&b.fields);
            let ip = attrs.ip.ipv4();
            let ip6 = attrs.ip6.ipv6();
            let dhcp = attrs.dhcp.bool().unwrap_or(false);
            // An address on no network is the mistake; a network that failed is reported
            // already. Either way which network the NIC joins is unknown.
            let unplaced = network.is_none() && (ip.is_some() || ip6.is_some() || dhcp);
            if unplaced && !b.fields.reported("network") {
                let span = ip
                    .map(|i| i.span)
                    .or(ip6.map(|i| i.span))
                    .unwrap_or(b.name_span);
                let names: Vec<&str> = model.networks.iter().map(|n| n.name.as_str()).collect();
                self.diags.push(
                    Diagnostic::error(
                        Code::ADDRESS_WITHOUT_NETWORK,
                        format!(
                            "NIC `{}` has an address but joins no network",
                            b.name.as_deref().unwrap_or_default()
                        ),
                        span,
                        "on which network?",
                    )
                    .with_label(b.name_span, "not the name of a network")
                    .with_help(
                        match did_you_mean(b.name.as_deref().unwrap_or(""), names.iter().copied()) {
                            Some(s) => format!("did you mean `nic {s}`, or add `network = {s}`?"),
                            None => "add `network = NAME` to the NIC".to_string(),
                        },
                    ),
                );
            }
            // Nor, then, whether it is a WireGuard overlay its keys belong on.
            let wireguard = if unplaced {
                None
            } else {
                self.wireguard_member(&b.fields, &attrs, model, network, b.name_span)
            };
            nics.push(Nic {
                name,
                doc: b.doc.clone().or(b.fields.string("description")),
                speed: b.fields.speed("speed"),
                mac: attrs.mac.mac(),
                network,
                ip,
                ip6,
                dhcp,
                firewall: false,
                wireguard: wireguard.map(Box::new),
                span: b.name_span,
            });
        }
        nics
    }

    /// A NIC's WireGuard keys and endpoint; they are an error on a NIC that is not on a
    /// WireGuard overlay, where nothing would use them.
    pub(super) fn wireguard_member(
        &mut self,
        fields: &Fields,
        nic: &NicAttrs,
        model: &Model,
        network: Option<NetworkId>,
        span: Span,
    ) -> Option<WireguardMember> {
        const SETTINGS: [&str; 4] = ["public_key", "private_key", "endpoint", "listen_port"];
        let is_wireguard =
            network.is_some_and(|n| model.network(n).overlay == Some(Overlay::Wireguard));
        if !is_wireguard {
            let attrs = [
                nic.public_key,
                nic.private_key,
                nic.endpoint,
                nic.listen_port,
            ];
            // When the network's overlay failed or its line did not parse (reported there),
            // whether it is WireGuard is unknown: its members' keys are not out of place.
            // Asked only of a NIC that has some, as nearly none do.
            let unknown = |this: &Self| {
                network.is_some_and(|n| {
                    this.attr_unknown(&model.network(n).name, Kind::Network, "overlay")
                })
            };
            if attrs.iter().any(|a| a.field().is_some()) && unknown(self) {
                return None;
            }
            for (setting, attr) in SETTINGS.into_iter().zip(attrs) {
                if let Some(field) = attr.field() {
                    self.diags.push(
                        Diagnostic::error(
                            Code::WIREGUARD_SETTING,
                            format!("`{setting}` on a NIC that is not on a WireGuard overlay"),
                            field.span,
                            "only WireGuard members have keys and endpoints",
                        )
                        .with_label(span, "this NIC")
                        .with_help(
                            "put it on the NIC of a network with `overlay = wireguard`, or remove it",
                        ),
                    );
                }
            }
            return None;
        }
        let Some(public_key) = nic.public_key.word() else {
            if !fields.reported("public_key") {
                self.diags.push(
                    Diagnostic::error(
                        Code::MISSING_ATTRIBUTE,
                        "WireGuard member without `public_key`",
                        span,
                        "the other members cannot list this one as a peer",
                    )
                    .with_help(
                        "add `public_key = \"…\"` (from `wg pubkey < private.key`) and `private_key = secret(\"…\")`",
                    ),
                );
            }
            return None;
        };
        if !is_wireguard_key(&public_key.value) {
            self.diags.push(
                Diagnostic::error(
                    Code::OUT_OF_RANGE,
                    "not a WireGuard public key",
                    public_key.span,
                    "expected 44 characters of base64 ending in `=`",
                )
                .with_help("copy the output of `wg pubkey < private.key`"),
            );
            return None;
        }
        let endpoint = nic.endpoint.word();
        if let Some(e) = &endpoint {
            if !is_endpoint(&e.value) {
                self.diags.push(
                    Diagnostic::error(
                        Code::OUT_OF_RANGE,
                        format!("`{}` is not a WireGuard endpoint", e.value.escape_debug()),
                        e.span,
                        "expected HOST:PORT",
                    )
                    .with_help(
                        "write an address or DNS name and a port: \"vpn.example.net:51820\", \"[2001:db8::1]:51820\"",
                    ),
                );
                return None;
            }
        }
        let Some(private_key) = nic.private_key.secret() else {
            if !fields.reported("private_key") {
                self.diags.push(
                    Diagnostic::error(
                        Code::MISSING_ATTRIBUTE,
                        "WireGuard member without `private_key`",
                        span,
                        "the interface cannot come up without its private key",
                    )
                    .with_help(
                        "add `private_key = secret(\"wg-NAME\")`: the secret store holds the key, the lab only its name",
                    ),
                );
            }
            return None;
        };
        Some(WireguardMember {
            public_key,
            private_key,
            endpoint,
            listen_port: nic.listen_port.u32().map(|p| p.value as u16),
        })
    }

    fn bridges(&mut self, f: &Fields, name: &str, nics: &[Nic]) -> Vec<Bridge> {
        // A bridge's port is a NIC or a bond of this host.
        let bonds: Vec<String> = f
            .blocks_of("bond")
            .filter_map(|b| b.name.as_deref().map(str::to_owned))
            .collect();
        let ports_of: Vec<&str> = nics
            .iter()
            .filter_map(|n| n.name.as_deref())
            .chain(bonds.iter().map(String::as_str))
            .collect();
        let mut bridges = Vec::new();
        for b in f.blocks_of("bridge") {
            let mut ports = Vec::new();
            for (port, span) in b.fields.list("ports") {
                let Value::Word(port) = port else { continue };
                if !ports_of.contains(&port.as_str()) && !ports_of.is_empty() {
                    self.diags.push(
                        Diagnostic::error(
                            Code::UNRESOLVED_NAME,
                            format!("host `{name}` has no NIC `{port}`"),
                            span,
                            "not a NIC of this host",
                        )
                        .with_help_opt(
                            did_you_mean(&port, ports_of.iter().copied())
                                .map(|s| format!("did you mean `{s}`?")),
                        )
                        .with_note(format!(
                            "the NICs are {}",
                            ports_of
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
                name: b.name.as_deref().unwrap_or_default().to_owned(),
                doc: b.doc.clone().or(b.fields.string("description")),
                ports,
                vlan_aware: b.fields.bool("vlan_aware").unwrap_or(false),
                mtu: b.fields.u32("mtu").map(|m| m.value),
                span: b.name_span,
            });
        }
        bridges
    }

    /// On a Linux machine that is not a hypervisor, a storage pool is a mount of an NFS
    /// export; local disks are the OS installer's business.
    fn check_mounts(&mut self, f: &Fields, platform: Platform, name: &str) {
        if !matches!(platform, Platform::Baremetal | Platform::Cloud) {
            return;
        }
        for b in f.blocks_of("storage") {
            let is_mount = b.fields.string("kind").as_deref() == Some("nfs")
                && b.fields.get("export").is_some();
            if !is_mount {
                self.diags.push(
                    Diagnostic::error(
                        Code::PLATFORM_MISMATCH,
                        format!(
                            "storage `{}` on `{name}` is not an NFS mount",
                            b.name.as_deref().unwrap_or_default()
                        ),
                        b.name_span,
                        format!("has no effect on platform `{}`", platform.as_str()),
                    )
                    .with_note("on a machine that is not a hypervisor, a storage pool mounts an NFS export at /mnt/NAME")
                    .with_help("write `storage NAME { kind = nfs, size = …, export = EXPORT on SERVER }`, or remove it"),
                );
            }
        }
    }

    fn storage(&mut self, f: &Fields, machine: MachineId) -> Vec<StoragePool> {
        let mut pools = Vec::new();
        for b in f.blocks_of("storage") {
            let Some(kind) = StorageKind::ALL
                .iter()
                .find(|(n, _)| Some(*n) == b.fields.string("kind").as_deref())
                .map(|(_, k)| *k)
            else {
                continue;
            };
            let Some(size) = b.fields.bytes("size") else {
                continue;
            };
            self.check_nonzero_size(size, "a storage pool", "no room for guests' disks");
            // The export's machine is resolved once every machine exists; until then the
            // pool has none, and the target as written waits in `pending_exports`.
            let export = b
                .fields
                .placed("export")
                .and_then(|(v, span, target, target_span)| {
                    let Value::Word(export) = v else { return None };
                    self.pending_exports.push(PendingExport {
                        machine,
                        pool: pools.len(),
                        export: export.clone(),
                        span,
                        target: target.to_string(),
                        target_span,
                    });
                    None
                });
            pools.push(StoragePool {
                name: b.name.as_deref().unwrap_or_default().to_owned(),
                doc: b.doc.clone().or(b.fields.string("description")),
                kind,
                size,
                shared: b.fields.bool("shared").unwrap_or(kind.shared_by_default()),
                server: b.fields.ip("server").map(|s| s.value),
                export,
                proxmox: pool_settings(&b.fields),
                span: b.name_span,
            });
        }
        pools
    }

    /// Resolves every storage pool's `export = NAME on MACHINE`; a pool whose export does
    /// not resolve has none (and is reported).
    pub(crate) fn resolve_exports(&mut self, model: &mut Model) {
        for pending in std::mem::take(&mut self.pending_exports) {
            let resolved = self.export_target(
                model,
                &pending.target,
                &pending.export,
                pending.span,
                pending.target_span,
            );
            if let Some(machine) = resolved {
                model.machines[pending.machine.index()].storage[pending.pool].export =
                    Some(ExportRef {
                        machine,
                        export: pending.export,
                        span: pending.span,
                    });
            }
        }
    }

    /// The `export = NAME on MACHINE` of a pool as written, before the machines are all
    /// built and it resolves.
    pub(crate) fn written_export(&self, machine: MachineId, pool: usize) -> Option<String> {
        self.pending_exports
            .iter()
            .find(|p| p.machine == machine && p.pool == pool)
            .map(|p| format!("{} on {}", p.export, p.target))
    }

    /// Resolves `export = NAME on MACHINE` (a pool's, a stack's or an app's NFS volume) to
    /// the machine, reporting an unknown machine or export.
    pub(crate) fn export_target(
        &mut self,
        model: &Model,
        target: &str,
        export: &str,
        export_span: Span,
        span: Span,
    ) -> Option<MachineId> {
        let Some(id) = model.machine_named(target) else {
            let names: Vec<&str> = model
                .machines
                .iter()
                .filter(|m| !m.exports.is_empty())
                .map(|m| m.name.as_str())
                .collect();
            self.diags.push(
                Diagnostic::error(
                    Code::UNRESOLVED_NAME,
                    format!("cannot find machine `{target}`"),
                    span,
                    "no machine has this name",
                )
                .with_help(match did_you_mean(target, names.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None if names.is_empty() => {
                        "declare the export on the NFS server: `export media { path = \"/srv/media\" }`"
                            .to_string()
                    }
                    None => format!(
                        "machines with exports: {}",
                        names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
                    ),
                }),
            );
            return None;
        };
        let machine = model.machine(id);
        if machine.export(export).is_some() {
            return Some(id);
        }
        let names: Vec<&str> = machine.exports.iter().map(|e| e.name.as_str()).collect();
        self.diags.push(
            Diagnostic::error(
                Code::UNRESOLVED_NAME,
                format!("`{target}` has no export `{export}`"),
                export_span,
                format!("not an export of `{target}`"),
            )
            .with_label(machine.name_span, format!("`{target}` is declared here"))
            .with_help(match did_you_mean(export, names.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!(
                    "declare it on `{target}`: `export {export} {{ path = \"/srv/{export}\" }}`"
                ),
            }),
        );
        None
    }

    /// The services a machine runs: catalogue entries listed in `services`, then its own
    /// `service NAME { … }` blocks.
    pub(crate) fn machine_services(
        &mut self,
        f: &Fields,
        listed: Attr,
        model: &Model,
        handles: &Handles,
    ) -> Vec<MachineService> {
        let listed = listed.items();
        if listed.is_empty() && f.block("service").is_none() {
            // Most machines of a large lab run none.
            return Vec::new();
        }
        let mut services: Vec<MachineService> = listed
            .iter()
            .filter_map(|(v, span)| {
                let &Value::Ref(d) = v else { return None };
                let span = *span;
                let id = *handles.services.get(&d)?;
                let service = model.service(id);
                Some(MachineService {
                    name: service.name.clone(),
                    ports: service.ports.clone(),
                    description: service.description.clone(),
                    catalogue: Some(id),
                    span,
                })
            })
            .collect();
        for b in f.blocks_of("service") {
            let mut ports: Vec<PortSpec> =
                b.fields.port("port").map(|p| p.value).into_iter().collect();
            ports.extend(b.fields.list("ports").into_iter().filter_map(|(v, _)| {
                if let Value::Port(p) = v {
                    Some(p)
                } else {
                    None
                }
            }));
            services.push(MachineService {
                name: b.name.as_deref().unwrap_or_default().to_owned(),
                ports,
                description: b.doc.clone().or(b.fields.string("description")),
                catalogue: None,
                span: b.name_span,
            });
        }
        services
    }

    /// Reports exports on a machine for which nothing generates an NFS server: exports
    /// are configured on NixOS (`services.nfs.server`) and on Debian and Ubuntu machines
    /// outside Proxmox (cloud-init); a TrueNAS box or an appliance serves them from its
    /// own interface, so the lab documents and checks them.
    pub(crate) fn check_exports(&mut self, f: &Fields, model: &Model, machine: &Machine) {
        let Some(first) = machine.exports.first() else {
            return;
        };
        // A platform or OS that failed is reported; which server it would run is unknown.
        if f.reported("platform") || f.reported("os") {
            return;
        }
        let family = machine.os.map(|os| model.image(os).os_family());
        let served = match machine.platform {
            Platform::Truenas | Platform::Appliance => true,
            Platform::Baremetal | Platform::Cloud => matches!(
                family,
                Some(OsFamily::Nixos | OsFamily::Debian | OsFamily::Ubuntu)
            ),
            Platform::Vm | Platform::Lxc => family == Some(OsFamily::Nixos),
            Platform::Proxmox | Platform::Openwrt => false,
        };
        if served {
            return;
        }
        self.diags.push(
            Diagnostic::error(
                Code::PLATFORM_MISMATCH,
                format!(
                    "`export` does not apply to `{}`: nothing generated for it runs an NFS server",
                    machine.name
                ),
                first.span,
                "no NFS server is configured here",
            )
            .with_note(
                "exports are generated for NixOS machines, and for Debian and Ubuntu machines outside Proxmox; a TrueNAS box or appliance serves them itself",
            )
            .with_help("export from a NixOS machine, a Debian or Ubuntu machine with `os`, or the NAS"),
        );
    }

    /// The NFS exports a machine serves.
    pub(crate) fn exports(&mut self, f: &Fields, model: &Model) -> Vec<Export> {
        if f.block("export").is_none() {
            return Vec::new();
        }
        for b in f.blocks_of("export") {
            let Some(path) = b.fields.get("path") else {
                continue;
            };
            let Value::Str(text) = &path.value else {
                continue;
            };
            let absolute = text.starts_with('/')
                && !text.split('/').any(|part| part == "..")
                && !text.chars().any(char::is_control);
            if !absolute {
                self.diags.push(
                    Diagnostic::error(
                        Code::OUT_OF_RANGE,
                        format!(
                            "export path `{}` is not an absolute path",
                            text.escape_debug()
                        ),
                        path.span,
                        "NFS exports name a directory from the root",
                    )
                    .with_help(
                        "write the directory as the server sees it, such as \"/mnt/tank/media\"",
                    ),
                );
            }
        }
        f.blocks_of("export")
            .map(|b| Export {
                name: b.name.as_deref().unwrap_or_default().to_owned(),
                doc: b.doc.clone().or(b.fields.string("description")),
                path: b.fields.string("path").unwrap_or_default(),
                clients: b
                    .fields
                    .list("clients")
                    .into_iter()
                    .filter_map(|(v, _)| match v {
                        Value::Ref(d) => model.network_named(&self.decls[d.0 as usize].name),
                        _ => None,
                    })
                    .collect(),
                read_only: b.fields.bool("read_only").unwrap_or(false),
                span: b.name_span,
            })
            .collect()
    }
}

/// A Curve25519 public key in base64: 32 bytes are 43 characters and one `=`, and the
/// last character carries only 4 bits.
fn is_wireguard_key(key: &str) -> bool {
    let bytes = key.as_bytes();
    bytes.len() == 44
        && bytes[43] == b'='
        && bytes[..42]
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || *c == b'+' || *c == b'/')
        && b"AEIMQUYcgkosw048".contains(&bytes[42])
}

/// `HOST:PORT` where HOST is an IPv4 address, a bracketed IPv6 address or a DNS name.
fn is_endpoint(endpoint: &str) -> bool {
    infrac_model::interfaces::parse_endpoint(endpoint).is_some()
}

/// A pool's `storage.cfg` settings (`content`, `path`, `vg`, `thinpool`, `pool`, `share`).
fn pool_settings(f: &crate::fields::Fields) -> infrac_model::storage::PoolSettings {
    use infrac_model::storage::{Content, PoolSettings};
    PoolSettings {
        content: f
            .list("content")
            .into_iter()
            .filter_map(|(v, _)| match v {
                Value::Word(w) => Content::ALL
                    .iter()
                    .find(|(name, _)| *name == w)
                    .map(|(_, c)| *c),
                _ => None,
            })
            .collect(),
        path: f.string("path"),
        vg: f.string("vg"),
        thinpool: f.string("thinpool"),
        pool: f.string("pool"),
        share: f.string("share"),
        krbd: None,
        fs_name: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wireguard_keys_and_endpoints() {
        assert!(is_wireguard_key(
            "G80Sj4k3biC5RZ78en46VG9LsURG0mQ1LWFG9ys4mF8="
        ));
        assert!(!is_wireguard_key(
            "G80Sj4k3biC5RZ78en46VG9LsURG0mQ1LWFG9ys4mF9="
        ));
        assert!(!is_wireguard_key("short="));
        assert!(is_endpoint("203.0.113.10:51820"));
        assert!(is_endpoint("[2001:db8::1]:51820"));
        assert!(is_endpoint("vpn.example.net:51820"));
        assert!(!is_endpoint("vpn.example.net"));
        assert!(!is_endpoint("a;b:51820"));
        assert!(!is_endpoint("host:0"));
    }

    #[test]
    fn nic_builders_read_attributes_nics_have() {
        let nic = |kind: &str| {
            crate::schema::top_level(kind)
                .and_then(|(_, schema)| schema.block("nic"))
                .map(|block| block.schema)
        };
        let (host, guest) = (nic("host").expect("host NICs"), nic("vm").expect("VM NICs"));
        for key in NicAttrs::KEYS {
            assert!(
                host.attr(key).is_some() || guest.attr(key).is_some(),
                "no NIC has `{key}`"
            );
        }
    }
}
