//! Building the catalogue (images, services, hardware), sites and networks.

use super::Handles;
use crate::decls::DeclIdx;
use crate::fields::Fields;
use crate::value::{Kind, Value};
use crate::Sema;
use infrac_diagnostics::{Code, Diagnostic};
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
            // The end of support is a string (the language has no dates) that must be an
            // ISO date, so that it can be compared with the day of the build.
            let eol = f.word("eol").and_then(|text| {
                let date = Date::parse(&text.value);
                if date.is_none() {
                    self.diags.push(
                        Diagnostic::error(
                            Code::TYPE_MISMATCH,
                            "`eol` is not a date",
                            text.span,
                            "expected an ISO date such as \"2026-06-30\"",
                        )
                        .with_help("write the last day of support as \"YYYY-MM-DD\""),
                    );
                }
                date
            });
            handles.images.insert(d, ImageId(model.images.len() as u32));
            model.images.push(Image {
                name: self.decls[d.0 as usize].name.to_string(),
                family: f.string("family").unwrap_or_default(),
                version: f.string("version").unwrap_or_default(),
                kind,
                ostype: f.string("ostype").unwrap_or_else(|| "l26".into()),
                template: f.string("template"),
                state_version: f.string("state_version"),
                cloud_init: f.bool("cloud_init").unwrap_or(false),
                eol,
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
                name: self.decls[d.0 as usize].name.to_string(),
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
                network: regex("network"),
                vmid_vm: naming.and_then(|n| n.range_u32("vmid.vm")),
                vmid_lxc: naming.and_then(|n| n.range_u32("vmid.lxc")),
            };
            handles.sites.insert(d, SiteId(model.sites.len() as u32));
            model.sites.push(Site {
                name: self.decls[d.0 as usize].name.to_string(),
                // A `description` is the doc comment of a site written as an attribute.
                doc: doc.or(f.string("description")),
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

    pub(crate) fn build_networks(&mut self, model: &mut Model, handles: &mut Handles) {
        for d in self.decls_of(Kind::Network) {
            let (f, doc) = self.fields(d);
            let name = self.decls[d.0 as usize].name.clone();
            let name_span = self.decls[d.0 as usize].name_span;
            // The one place the VLAN range is checked: the schema takes any integer, so
            // 0, 4095 and 70000 get the same message.
            let vlan = f.int("vlan").and_then(|v| match u16::try_from(v.value) {
                Ok(id) if (1..=4094).contains(&id) => Some(Spanned::new(id, v.span)),
                _ => {
                    self.diags.push(
                        Diagnostic::error(
                            Code::VLAN_RANGE,
                            format!("VLAN {} of network {name} is outside 1..4094", v.value),
                            v.span,
                            "not a usable 802.1Q VLAN ID",
                        )
                        .with_help("802.1Q VLAN IDs run from 1 to 4094 (0 and 4095 are reserved): pick one in 1..4094"),
                    );
                    None
                }
            });
            let overlay = f
                .string("overlay")
                .and_then(|w| Overlay::ALL.iter().find(|(n, _)| *n == w).map(|(_, o)| *o));
            // An overlay spans sites: it names one only when the lab says so.
            // One whose overlay failed may be one: its site is not asked for either.
            let site = if (overlay.is_some() || f.reported("overlay")) && f.get("site").is_none() {
                SiteId(0)
            } else {
                self.site_of(&f, handles, model, name_span, &format!("network `{name}`"))
            };
            // Tailscale numbers every tailnet from the same CGNAT and ULA ranges.
            let implied4 = (overlay == Some(Overlay::Tailscale))
                .then(|| Spanned::new(TAILSCALE_V4.parse().expect("valid prefix"), name_span));
            let implied6 = (overlay == Some(Overlay::Tailscale))
                .then(|| Spanned::new(TAILSCALE_V6.parse().expect("valid prefix"), name_span));
            let leases = f
                .blocks_of("lease")
                .filter_map(|b| {
                    Some(Lease {
                        name: b.name.as_deref().unwrap_or_default().to_owned(),
                        mac: b.fields.mac("mac")?,
                        ip: b.fields.ipv4("ip")?,
                        machine: None,
                        span: b.name_span,
                    })
                })
                .collect();
            handles.network_servers.push((
                NetworkId(model.networks.len() as u32),
                f.decl_ref("dhcp_server"),
                f.decl_ref("dns_server"),
            ));
            let dns = spanned_ip_list(&f, "dns");
            model.networks.push(Network {
                zone: f.string("zone").unwrap_or_else(|| name.to_string()),
                name: name.to_string(),
                doc: doc.or(f.string("description")),
                site,
                bridge: f.word("bridge"),
                vlan,
                ipv4: f.net4("ipv4").or(implied4),
                gateway: f.ipv4("gateway"),
                dhcp: f.range_ipv4("dhcp"),
                ipv6: f.net6("ipv6").or(implied6),
                gateway6: f.ipv6("gateway6"),
                ipv6_mode: f.word("ipv6_mode").and_then(|w| {
                    let mode = Ipv6Mode::ALL.iter().find(|(n, _)| *n == w.value)?.1;
                    Some(Spanned::new(mode, w.span))
                }),
                dhcp6: f.range_ipv6("dhcp6"),
                dns: dns.iter().map(|a| a.value).collect(),
                dns_spans: dns.iter().map(|a| a.span).collect(),
                uplink: f.bool("uplink").unwrap_or(false),
                overlay,
                // Resolved once machines exist.
                dhcp_server: None,
                dns_server: None,
                leases,
                auth_key: self.tailscale_auth_key(&f, overlay),
                span: name_span,
            });
        }
    }

    pub(crate) fn build_users(&mut self, model: &mut Model) {
        for d in self.decls_of(Kind::User) {
            let (f, doc) = self.fields(d);
            let name = self.decls[d.0 as usize].name.clone();
            let name_span = self.decls[d.0 as usize].name_span;
            if !is_login_name(&name) {
                self.diags.push(
                    Diagnostic::error(
                        Code::OUT_OF_RANGE,
                        format!("`{name}` is not a login name"),
                        name_span,
                        "Linux user names are lower-case letters, digits, `_` and `-`",
                    )
                    .with_help(
                        "start with a letter or `_`, at most 32 characters: `admin`, `ops_1`",
                    ),
                );
                continue;
            }
            // Accounts every machine already has, which no lab declares as a person:
            // uid 0 and 65534 (Debian's base-passwd, `passwd.master`). The NixOS target
            // would declare root a normal user, which fails nixpkgs' assertion that a
            // normal user's uid is at least 1000 (`nixos/modules/config/users-groups.nix`),
            // and cloud-init would give it a shell, keys and sudo again.
            if matches!(name.as_str(), "root" | "nobody") {
                self.diags.push(
                    Diagnostic::error(
                        Code::OUT_OF_RANGE,
                        format!("`{name}` is a system account, not a user the lab declares"),
                        name_span,
                        "every machine has this account already",
                    )
                    .with_help(
                        "declare the person who logs in instead, such as `user alex { keys = [\"ssh-ed25519 …\"], sudo = true }`",
                    ),
                );
                continue;
            }
            let mut keys = Vec::new();
            for (value, span) in f.list("keys") {
                let Value::Str(key) = value else { continue };
                if is_ssh_public_key(&key) {
                    keys.push(Spanned::new(key, span));
                } else {
                    self.diags.push(
                        Diagnostic::error(
                            Code::OUT_OF_RANGE,
                            "not an SSH public key",
                            span,
                            "expected `TYPE BASE64 [COMMENT]` on one line",
                        )
                        .with_help("copy a line of `~/.ssh/id_ed25519.pub`: \"ssh-ed25519 AAAA… you@laptop\""),
                    );
                }
            }
            let mut groups: Vec<Spanned<String>> = Vec::new();
            for (value, span) in f.list("groups") {
                let Value::Str(group) = value else { continue };
                if !is_login_name(&group) {
                    self.diags.push(
                        Diagnostic::error(
                            Code::OUT_OF_RANGE,
                            format!("`{group}` is not a group name"),
                            span,
                            "Linux group names are lower-case letters, digits, `_` and `-`",
                        )
                        .with_help("start with a letter or `_`, at most 32 characters: `docker`, `dialout`"),
                    );
                } else if !groups.iter().any(|g| g.value == group) {
                    groups.push(Spanned::new(group, span));
                }
            }
            model.users.push(User {
                name: name.to_string(),
                doc,
                keys,
                sudo: f.bool("sudo").unwrap_or(false),
                groups,
                span: name_span,
            });
        }
    }

    /// A tailnet's auth key; on any other network nothing would read it.
    fn tailscale_auth_key(&mut self, f: &Fields, overlay: Option<Overlay>) -> Option<SecretRef> {
        let field = f.get("auth_key")?;
        // An overlay that failed is reported; whether this is a tailnet is unknown.
        if f.reported("overlay") {
            return None;
        }
        if overlay != Some(Overlay::Tailscale) {
            self.diags.push(
                Diagnostic::error(
                    Code::WIREGUARD_SETTING,
                    "`auth_key` on a network that is not a Tailscale overlay",
                    field.span,
                    "only machines joining a tailnet use an auth key",
                )
                .with_help("set it on the network with `overlay = tailscale`, or remove it"),
            );
            return None;
        }
        f.secret("auth_key")
    }

    /// Resolves the networks' `dhcp_server` and `dns_server` to machines.
    pub(crate) fn resolve_network_servers(&self, model: &mut Model, handles: &Handles) {
        let machine = |r: &Option<Spanned<DeclIdx>>| {
            let r = r.as_ref()?;
            handles
                .machines
                .get(&r.value)
                .map(|m| Spanned::new(*m, r.span))
        };
        for (id, dhcp, dns) in &handles.network_servers {
            let network = &mut model.networks[id.index()];
            network.dhcp_server = machine(dhcp);
            network.dns_server = machine(dns);
        }
    }

    pub(crate) fn placement(&mut self, f: &Fields, name: &str, model: &Model) -> Option<Placement> {
        let (value, span, target, target_span) = f.placed(name)?;
        self.placement_of(value.clone(), span, target, target_span, model)
    }

    /// Every placement of a list attribute (`address = [a on x, b on y]`).
    pub(crate) fn placements(&mut self, f: &Fields, name: &str, model: &Model) -> Vec<Placement> {
        f.list(name)
            .into_iter()
            .filter_map(|(v, _)| match v {
                Value::Placed(boxed, target, target_span) => {
                    self.placement_of(boxed.0, boxed.1, &target, target_span, model)
                }
                _ => None,
            })
            .collect()
    }

    fn placement_of(
        &mut self,
        value: Value,
        span: infrac_diagnostics::Span,
        target: &str,
        target_span: infrac_diagnostics::Span,
        model: &Model,
    ) -> Option<Placement> {
        let Value::Ip(address) = value else {
            return None;
        };
        let network = self.network_by_name(model, target, target_span)?;
        Some(Placement {
            address: Spanned::new(address, span),
            network,
        })
    }

    pub(crate) fn hardware(
        &mut self,
        value: &Value,
        span: infrac_diagnostics::Span,
    ) -> Option<Hardware> {
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
            name: self.decls[d.0 as usize].name.to_string(),
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
            name: self.decls[d.0 as usize].name.to_string(),
            model: f.string("model").unwrap_or_default(),
            cores: f.u32("cores")?.value,
            threads: f.u32("threads")?.value,
            base_clock: f.freq("base_clock"),
        })
    }
}

/// A Linux login name as `useradd` accepts it by default.
fn is_login_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c == '_')
        && name.len() <= 32
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

/// An `authorized_keys` line: a known key type, base64 key material, an optional comment,
/// nothing that would end the line or add options.
fn is_ssh_public_key(key: &str) -> bool {
    const TYPES: [&str; 7] = [
        "ssh-ed25519",
        "ssh-rsa",
        "ecdsa-sha2-nistp256",
        "ecdsa-sha2-nistp384",
        "ecdsa-sha2-nistp521",
        "sk-ssh-ed25519@openssh.com",
        "sk-ecdsa-sha2-nistp256@openssh.com",
    ];
    if key.chars().any(|c| c.is_control()) {
        return false;
    }
    let mut parts = key.split(' ');
    let (Some(kind), Some(material)) = (parts.next(), parts.next()) else {
        return false;
    };
    TYPES.contains(&kind)
        && material.len() >= 16
        && material
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+/=".contains(c))
}

/// Tailscale's address ranges: CGNAT space and its ULA.
const TAILSCALE_V4: &str = "100.64.0.0/10";
const TAILSCALE_V6: &str = "fd7a:115c:a1e0::/48";

fn spanned_ip_list(f: &Fields, name: &str) -> Vec<Spanned<IpAddr>> {
    f.list(name)
        .into_iter()
        .filter_map(|(v, span)| match v {
            Value::Ip(a) => Some(Spanned::new(a, span)),
            _ => None,
        })
        .collect()
}

fn ip_list(f: &Fields, name: &str) -> Vec<IpAddr> {
    f.list(name)
        .into_iter()
        .filter_map(|(v, _)| match v {
            Value::Ip(a) => Some(a),
            _ => None,
        })
        .collect()
}
