//! Building Compose stacks: `stack NAME on MACHINE { service NAME { … } }`.
//!
//! Names, paths, ports and dependencies are checked here, where their spans are; what
//! the services occupy on their machine is checked against everything else there by
//! `infrac-checks`.

use super::mount_points::{mount_point, MountPoint, Mounted, Runtime};
use super::Handles;
use crate::fields::{Fields, SubBlock};
use crate::value::{Kind, Value};
use crate::Sema;
use infrac_diagnostics::{Code, Diagnostic, Span};
use infrac_model::*;

/// Compose's rule for project names: lower-case letters, digits, `-` and `_`, starting
/// with a letter or digit (compose-spec `02-model.md`).
pub(crate) fn project_name_ok(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// Compose's rule for service names: the keys of `services` match `^[a-zA-Z0-9._-]+$`
/// (compose-spec `schema/compose-spec.json`).
/// Names that YAML 1.1 (PyYAML, which Compose 1.x and podman-compose parse with) reads
/// as booleans or null even as mapping keys are refused too.
pub(crate) fn service_name_ok(name: &str) -> bool {
    const YAML11: [&str; 11] = [
        "y", "yes", "n", "no", "true", "false", "on", "off", "null", "~", "",
    ];
    !YAML11.contains(&name.to_ascii_lowercase().as_str())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
}

/// A service's plain variables and its secrets passed as files.
type EnvLists = (Vec<(String, String)>, Vec<(String, SecretRef)>);

impl<'a> Sema<'a> {
    pub(crate) fn build_stacks(&mut self, model: &mut Model, handles: &Handles) {
        for d in self.decls_of(Kind::Stack) {
            let (f, doc) = self.fields(d);
            let inst = &self.decls[d.0 as usize];
            let (name, name_span, on) = (inst.name.clone(), inst.name_span, inst.decl.on.clone());
            let Some(machine) = self.head_target(d, on.as_ref(), Kind::Machine, &handles.machines)
            else {
                continue;
            };
            let on_span = on.as_ref().map_or(name_span, |p| p.span);
            self.check_container_host(model, machine, on_span);
            if !project_name_ok(&name) {
                self.diags.push(
                    Diagnostic::error(
                        Code::COMPOSE_NAME,
                        format!("`{name}` is not a valid Compose project name"),
                        name_span,
                        "Compose project names are lower-case",
                    )
                    .with_help(format!(
                        "rename the stack to `{}`: lower-case letters, digits, `-` and `_`, \
                         starting with a letter or digit",
                        suggest_project_name(&name)
                    )),
                );
            }
            let services: Vec<ComposeService> = f
                .blocks_of("service")
                .filter_map(|b| self.compose_service(model, machine, b))
                .collect();
            self.check_depends_on(&services);
            self.check_shared_volumes(&services);
            model.stacks.push(Stack {
                name: name.to_string(),
                doc: doc.or(f.string("description")),
                machine,
                services,
                span: name_span,
            });
        }
    }

    /// A stack needs a machine with a general-purpose Linux OS that can run a container
    /// engine: not an appliance, router or hypervisor, and a container only with nesting.
    fn check_container_host(&mut self, model: &Model, machine: MachineId, span: Span) {
        let m = model.machine(machine);
        let problem = if !m.platform.takes_os() {
            Some(format!(
                "{} (platform {}) runs no container engine infrac configures",
                m.name,
                m.platform.as_str()
            ))
        } else if model.os_family(m) == Some(OsFamily::Macos) {
            Some(format!(
                "{} runs macOS, which has no native container engine",
                m.name
            ))
        } else if m
            .guest
            .as_ref()
            .is_some_and(|g| g.kind == GuestKind::Lxc && !g.nesting)
        {
            Some(format!(
                "{} is a container without nesting, so Docker cannot run in it",
                m.name
            ))
        } else {
            None
        };
        let Some(problem) = problem else { return };
        let help = if m.guest.as_ref().is_some_and(|g| g.kind == GuestKind::Lxc) {
            format!("set `nesting = true` on lxc {}", m.name)
        } else {
            "put the stack on a Linux machine: bare metal, a cloud machine, a vm, or an lxc with \
             `nesting = true`"
                .to_string()
        };
        self.diags.push(
            Diagnostic::error(Code::STACK_PLATFORM, problem, span, "cannot run containers")
                .with_label(m.name_span, format!("{} is declared here", m.name))
                .with_help(help),
        );
    }

    fn compose_service(
        &mut self,
        model: &Model,
        machine: MachineId,
        b: &SubBlock,
    ) -> Option<ComposeService> {
        let name = b.name.as_deref()?.to_owned();
        if !service_name_ok(&name) {
            self.diags.push(
                Diagnostic::error(
                    Code::COMPOSE_NAME,
                    format!("`{name}` is not a valid Compose service name"),
                    b.name_span,
                    "not a Compose service name",
                )
                .with_help(
                    "use only letters, digits, `.`, `_` and `-`, and not a word YAML reads as \
                     a boolean (`yes`, `no`, `on`, `off`, …)",
                ),
            );
        }
        let f = &b.fields;
        let network_mode = match f.string("network_mode").as_deref() {
            Some("host") => NetworkMode::Host,
            _ => NetworkMode::Bridge,
        };
        let restart = f
            .string("restart")
            .and_then(|w| {
                RestartPolicy::ALL
                    .iter()
                    .find(|(n, _)| *n == w)
                    .map(|p| p.1)
            })
            .unwrap_or(RestartPolicy::UnlessStopped);
        let mut ports: Vec<ComposePort> = f
            .list("ports")
            .into_iter()
            .filter_map(|(v, span)| match v {
                Value::Port(p) => Some(ComposePort {
                    name: None,
                    host: Spanned::new(p, span),
                    container: p.first,
                    address: None,
                    span,
                }),
                _ => None,
            })
            .collect();
        for p in f.blocks_of("port") {
            if let Some(port) = self.compose_port(model, machine, network_mode, p) {
                ports.push(port);
            }
        }
        let volumes = f
            .blocks_of("volume")
            .filter_map(|v| self.compose_volume(model, v))
            .collect();
        let points: Vec<MountPoint> = f
            .blocks_of("volume")
            .filter_map(|v| mount_point(v, Mounted::Volume, Runtime::Compose))
            .collect();
        self.check_mount_points(&format!("service {name}"), Runtime::Compose, &points);
        let (env, secret_env) = self.compose_env(f);
        let devices = f
            .list("devices")
            .into_iter()
            .filter_map(|(v, span)| match v {
                Value::Str(s) => {
                    // `HOST[:CONTAINER[:PERMISSIONS]]`, or a CDI name (`vendor.com/device=gpu`).
                    if !s.starts_with("/dev/") && !s.contains('=') {
                        self.diags.push(
                            Diagnostic::error(
                                Code::COMPOSE_PATH,
                                format!("device `{s}` is not a path under /dev"),
                                span,
                                "not a device path",
                            )
                            .with_help("write the device node, e.g. `\"/dev/dri\"`, or a CDI name such as `\"nvidia.com/gpu=all\"`"),
                        );
                        return None;
                    }
                    Some(s)
                }
                _ => None,
            })
            .collect();
        let gpu = f
            .string("gpu")
            .and_then(|w| ComposeGpu::ALL.iter().find(|(n, _)| *n == w).map(|g| g.1));
        let healthcheck = f.block("healthcheck").and_then(|h| {
            let test: Vec<String> = h
                .fields
                .list("test")
                .into_iter()
                .filter_map(|(v, _)| match v {
                    Value::Str(s) => Some(s),
                    _ => None,
                })
                .collect();
            if test.is_empty() {
                return None;
            }
            Some(Healthcheck {
                test,
                interval: h.fields.duration("interval"),
                timeout: h.fields.duration("timeout"),
                retries: h.fields.u32("retries").map(|r| r.value),
                start_period: h.fields.duration("start_period"),
            })
        });
        let depends_on = f
            .list("depends_on")
            .into_iter()
            .filter_map(|(v, span)| match v {
                Value::Word(w) | Value::Str(w) => Some(Spanned::new(w, span)),
                _ => None,
            })
            .collect();
        Some(ComposeService {
            name,
            doc: b.doc.clone(),
            image: f.string("image").and_then(|s| ImageRef::parse(&s).ok()),
            command: f
                .list("command")
                .into_iter()
                .filter_map(|(v, _)| match v {
                    Value::Str(s) => Some(s),
                    _ => None,
                })
                .collect(),
            network_mode,
            restart,
            ports,
            volumes,
            env,
            secret_env,
            devices,
            gpu,
            healthcheck,
            depends_on,
            span: b.name_span,
        })
    }

    fn compose_port(
        &mut self,
        model: &Model,
        machine: MachineId,
        mode: NetworkMode,
        b: &SubBlock,
    ) -> Option<ComposePort> {
        let host = b.fields.port("host")?;
        let container = b.fields.u32("container");
        let address = b.fields.ip("address");
        if mode == NetworkMode::Host {
            let remapped = container.filter(|c| c.value != u32::from(host.value.first));
            if let Some(span) = remapped.map(|c| c.span).or(address.map(|a| a.span)) {
                self.diags.push(
                    Diagnostic::error(
                        Code::COMPOSE_HOST_MAPPING,
                        "a service in host network mode cannot map ports",
                        span,
                        "Compose rejects a port mapping with `network_mode = host`",
                    )
                    .with_help(format!(
                        "the container listens on the machine's ports directly: replace this \
                         block with `ports = [{}/{}]`, the port it listens on, or drop \
                         `network_mode = host`",
                        host.value.protocol.as_str(),
                        container.map_or(u32::from(host.value.first), |c| c.value)
                    )),
                );
                return None;
            }
        }
        if let Some(address) = address {
            let m = model.machine(machine);
            if !m.addresses().iter().any(|(_, a)| a.value == address.value)
                && !address.value.is_loopback()
            {
                let mine: Vec<String> = m
                    .addresses()
                    .iter()
                    .map(|(_, a)| a.value.to_string())
                    .collect();
                self.diags.push(
                    Diagnostic::error(
                        Code::COMPOSE_BIND_ADDRESS,
                        format!("{} has no address {}", m.name, address.value),
                        address.span,
                        "the engine cannot bind this address",
                    )
                    .with_label(m.name_span, format!("{} is declared here", m.name))
                    .with_help(if mine.is_empty() {
                        "remove `address` to bind every address, or use 127.0.0.1".to_string()
                    } else {
                        format!(
                            "bind one of {}'s addresses ({}), 127.0.0.1, or remove `address`",
                            m.name,
                            mine.join(", ")
                        )
                    }),
                );
                return None;
            }
        }
        Some(ComposePort {
            name: b.name.as_deref().map(str::to_owned),
            host,
            container: container.map_or(host.value.first, |c| c.value as u16),
            address: address.map(|a| a.value),
            span: b.name_span,
        })
    }

    fn compose_volume(&mut self, model: &Model, b: &SubBlock) -> Option<ComposeVolume> {
        let name = b.name.as_deref()?.to_owned();
        if !service_name_ok(&name) {
            self.diags.push(
                Diagnostic::error(
                    Code::COMPOSE_NAME,
                    format!("`{name}` is not a valid Compose volume name"),
                    b.name_span,
                    "not a Compose volume name",
                )
                .with_help(
                    "use only letters, digits, `.`, `_` and `-`, and not a word YAML reads as \
                     a boolean (`yes`, `no`, `on`, `off`, …)",
                ),
            );
            return None;
        }
        let f = &b.fields;
        let target = f.get("target")?;
        let Value::Str(target_path) = &target.value else {
            return None;
        };
        let mut ok = self.absolute(target_path, target.span, "mounted in the container");
        let source = f.get("source").and_then(|s| match &s.value {
            Value::Str(p) => Some((p.clone(), s.span)),
            _ => None,
        });
        if let Some((path, span)) = &source {
            ok &= self.absolute(path, *span, "a directory of the machine");
        }
        let export = f.placed("export");
        if let (Some((_, source_span)), Some((_, export_span, _, _))) = (&source, &export) {
            self.diags.push(
                Diagnostic::error(
                    Code::COMPOSE_VOLUME_SOURCE,
                    format!("volume {name} has both a host path and an NFS export"),
                    *export_span,
                    "an NFS export here",
                )
                .with_label(*source_span, "and a host path here")
                .with_help("keep `source` for a directory of this machine, or `export` to mount the export over NFS"),
            );
            return None;
        }
        // A source or export that failed is reported; what the volume mounts is unknown,
        // and a named volume in its place would clash with its namesakes.
        if f.reported("source") || f.reported("export") {
            return None;
        }
        let source = match (source, export) {
            (Some((path, _)), None) => VolumeSource::Bind { path },
            (None, Some((Value::Word(export), export_span, server, server_span))) => {
                let export = self.export_of(model, export, export_span, server, server_span)?;
                VolumeSource::Nfs { export }
            }
            _ => VolumeSource::Named,
        };
        if !ok {
            return None;
        }
        Some(ComposeVolume {
            name,
            target: target_path.clone(),
            source,
            read_only: f.bool("read_only").unwrap_or(false),
            span: b.name_span,
        })
    }

    /// Reports a path that is not absolute; returns whether it is.
    fn absolute(&mut self, path: &str, span: Span, what: &str) -> bool {
        if path.starts_with('/') && !path.split('/').any(|c| c == "..") {
            return true;
        }
        self.diags.push(
            Diagnostic::error(
                Code::COMPOSE_PATH,
                format!("`{path}` is not an absolute path"),
                span,
                format!("must be an absolute path, {what}"),
            )
            .with_help(
                "write the full path from `/` without `..`: relative paths would depend on \
                 the folder Compose is started from",
            ),
        );
        false
    }

    /// Resolves `export = media on nas` to the export of that machine.
    fn export_of(
        &mut self,
        model: &Model,
        export: &str,
        export_span: Span,
        server: &str,
        server_span: Span,
    ) -> Option<ExportRef> {
        let machine = self.export_target(model, server, export, export_span, server_span)?;
        Some(ExportRef {
            machine,
            export: export.to_string(),
            span: export_span,
        })
    }

    /// Plain variables, and secrets as the path of their mounted file.
    fn compose_env(&mut self, f: &Fields) -> EnvLists {
        let (mut plain, mut secret) = (Vec::new(), Vec::new());
        let Some(b) = f.block("env") else {
            return (plain, secret);
        };
        for a in &b.fields.attrs {
            match &a.value {
                Value::Str(s) => plain.push((a.name.as_str().to_owned(), s.clone())),
                Value::Secret(s) if takes_file(&a.name) => {
                    secret.push((a.name.as_str().to_owned(), SecretRef(s.clone())))
                }
                Value::Secret(s) => self.diags.push(
                    Diagnostic::error(
                        Code::COMPOSE_SECRET_ENV,
                        format!(
                            "secret `{s}` would be written into the environment variable {}",
                            a.name
                        ),
                        a.span,
                        "Compose passes secrets as files",
                    )
                    .with_help(format!(
                        "name the variable the image reads a file path from, e.g. `{}_FILE` \
                         (or linuxserver.io's `FILE__{}`): it is set to /run/secrets/{}",
                        a.name,
                        a.name,
                        layout::segment(s)
                    )),
                ),
                _ => {}
            }
        }
        (plain, secret)
    }
}

/// Whether an environment variable takes the path of a file rather than a value: the
/// `NAME_FILE` convention of the official images and linuxserver.io's `FILE__NAME`.
fn takes_file(name: &str) -> bool {
    name.ends_with("_FILE") || name.starts_with("FILE__")
}

/// The name lower-cased, with characters Compose does not accept replaced by `-`.
fn suggest_project_name(name: &str) -> String {
    let lower: String = name
        .chars()
        .map(|c| match c.to_ascii_lowercase() {
            c @ ('a'..='z' | '0'..='9' | '-' | '_') => c,
            _ => '-',
        })
        .collect();
    let trimmed = lower.trim_start_matches(['-', '_']);
    if trimmed.is_empty() {
        "stack".into()
    } else {
        trimmed.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compose_names() {
        assert!(project_name_ok("media"));
        assert!(project_name_ok("0day_stack-2"));
        assert!(!project_name_ok("Media"));
        assert!(!project_name_ok("-media"));
        assert!(!project_name_ok("me.dia"));
        assert!(!project_name_ok(""));
        assert!(service_name_ok("open-webui.v2_x"));
        assert!(!service_name_ok("a b"));
        assert!(!service_name_ok("On"));
        assert!(!service_name_ok(""));
        assert_eq!(suggest_project_name("My.Stack"), "my-stack");
        assert!(takes_file("POSTGRES_PASSWORD_FILE"));
        assert!(takes_file("FILE__PLEX_CLAIM"));
        assert!(!takes_file("API_KEY"));
    }
}
