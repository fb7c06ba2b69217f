//! Building what an app's pod is made of beyond its image: command and arguments, named
//! ports, files, volumes of every kind, host networking on a pinned node, GPUs and TLS;
//! and the cert-manager issuers a cluster declares.

use super::mount_points::{mount_point, MountPoint, Mounted, Runtime};
use super::Handles;
use crate::fields::{Fields, SubBlock};
use crate::value::Value;
use crate::Sema;
use infrac_diagnostics::{did_you_mean, Code, Diagnostic, Span};
use infrac_model::workloads::{
    machine_gpus, CertIssuer, ConfigFile, GpuRequest, GpuVendor, Mount, MountSource, NamedPort, Tls,
};
use infrac_model::*;

/// Let's Encrypt's production ACME directory (RFC 8555 directory URL, as cert-manager's
/// ACME issuer documentation gives it).
const LETSENCRYPT: &str = "https://acme-v02.api.letsencrypt.org/directory";

/// The group that owns volumes of apps that write to them, unless the app says
/// otherwise. Any group works: the kubelet makes the volume group-writable and adds the
/// group to the container's process, whatever user the image runs as.
const DEFAULT_FS_GROUP: u32 = 2000;

/// Whether Kubernetes accepts `name` as a port name (an IANA service name: 1 to 15
/// characters of `[a-z0-9-]`, at least one letter, no leading, trailing or double `-`).
fn port_name_ok(name: &str) -> bool {
    (1..=15).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && name.chars().any(|c| c.is_ascii_lowercase())
        && !name.starts_with('-')
        && !name.ends_with('-')
        && !name.contains("--")
}

/// The liveness endpoint an app documents beside its readiness endpoint, for apps that
/// declare only their readiness probe. A process that is alive but not ready (Prometheus
/// replaying its write-ahead log) must not be restarted for it.
/// - `/-/ready` and `/-/healthy`: Prometheus's and Alertmanager's management API
///   (prometheus.io/docs/prometheus/latest/management_api/).
/// - `/readyz` and `/livez`: the Kubernetes health endpoints convention
///   (kubernetes.io/docs/reference/using-api/health-checks), which Qdrant follows
///   (api.qdrant.tech/api-reference/service/readyz and …/livez).
fn documented_liveness(readiness: Probe) -> Option<Probe> {
    let path = match readiness.path.as_str() {
        "/-/ready" => "/-/healthy",
        "/readyz" => "/livez",
        _ => return None,
    };
    Some(Probe {
        path: path.into(),
        ..readiness
    })
}

/// What one app block yields besides the fields `build_apps` reads itself.
pub(crate) struct Built {
    pub workload: AppWorkload,
    pub claims: Vec<Volume>,
    /// The first port, for consumers that know one port per app.
    pub port: Option<Spanned<PortSpec>>,
}

impl<'a> Sema<'a> {
    /// The cluster's `issuer NAME { email, server }` blocks.
    pub(crate) fn issuers(&mut self, f: &Fields, ingress_class: &str) -> Vec<CertIssuer> {
        f.blocks_of("issuer")
            .filter_map(|b| {
                Some(CertIssuer {
                    name: b.name.as_deref()?.to_owned(),
                    email: b.fields.string("email")?,
                    server: b
                        .fields
                        .string("server")
                        .unwrap_or_else(|| LETSENCRYPT.into()),
                    ingress_class: ingress_class.to_string(),
                    span: b.name_span,
                })
            })
            .collect()
    }

    /// The app's pod beyond its image.
    pub(crate) fn app_workload(
        &mut self,
        model: &Model,
        handles: &Handles,
        f: &Fields,
        cluster: ClusterId,
        name: &str,
        name_span: Span,
    ) -> Built {
        let strings = |list: Vec<(Value, Span)>| -> Vec<String> {
            list.into_iter()
                .filter_map(|(v, _)| match v {
                    Value::Str(s) => Some(s),
                    _ => None,
                })
                .collect()
        };
        let ports = self.app_ports(f);
        let mut claims = Vec::new();
        let mut mounts = Vec::new();
        for b in f.blocks_of("volume") {
            match self.app_volume(model, b) {
                Some(Ok(claim)) => claims.push(claim),
                Some(Err(mount)) => mounts.push(mount),
                None => {}
            }
        }
        let files = f
            .blocks_of("file")
            .filter_map(|b| self.config_file(b))
            .collect();
        let points: Vec<MountPoint> = f
            .blocks_of("volume")
            .filter_map(|b| mount_point(b, Mounted::Volume, Runtime::Kubernetes))
            .chain(
                f.blocks_of("file")
                    .filter_map(|b| mount_point(b, Mounted::File, Runtime::Kubernetes)),
            )
            .collect();
        self.check_mount_points(&format!("app {name}"), Runtime::Kubernetes, &points);
        let host_network = f.bool("host_network").unwrap_or(false);
        let node = f.decl_ref("node").and_then(|r| {
            handles
                .machines
                .get(&r.value)
                .map(|id| Spanned::new(*id, r.span))
        });
        self.check_placement(model, f, cluster, name, name_span, host_network, node);
        let gpu = f.block("gpu").and_then(|b| {
            let vendor = match b.fields.word("vendor")?.value.as_str() {
                "amd" => GpuVendor::Amd,
                _ => GpuVendor::Nvidia,
            };
            Some(GpuRequest {
                vendor,
                count: b.fields.u32("count").map_or(1, |c| c.value),
                span: b.name_span,
            })
        });
        if let Some(request) = &gpu {
            self.check_gpus(model, cluster, node, request);
        }
        let tls = self.app_tls(model, f, cluster);
        let writes = !claims.is_empty()
            || mounts
                .iter()
                .any(|m| matches!(m.source, MountSource::EmptyDir { .. }));
        let fs_group = f
            .u32("fs_group")
            .map(|g| g.value)
            .or(writes.then_some(DEFAULT_FS_GROUP));
        let probe = |b: &SubBlock| {
            Some(Probe {
                path: b.fields.string("path")?,
                port: b.fields.port("port").map(|p| p.value.first),
                interval: b.fields.duration("interval"),
                timeout: b.fields.duration("timeout"),
            })
        };
        let liveness = match f.block("liveness") {
            Some(b) => probe(b),
            None => f
                .block("probe")
                .and_then(probe)
                .and_then(documented_liveness),
        };
        let port = ports.first().map(|p| p.port);
        let host_ports = self.app_host_ports(f, &ports, host_network);
        Built {
            workload: AppWorkload {
                command: strings(f.list("command")),
                args: strings(f.list("args")),
                ports,
                files,
                mounts,
                host_network,
                host_ports,
                node,
                gpu,
                liveness,
                tls,
                fs_group,
            },
            claims,
            port,
        }
    }

    /// `port = tcp/80` (named after protocol and number) or `ports { http = tcp/80, … }`.
    fn app_ports(&mut self, f: &Fields) -> Vec<NamedPort> {
        let single = f.port("port");
        let named = f.block("ports");
        match (single, named) {
            (Some(p), None) => vec![NamedPort {
                name: format!("{}-{}", p.value.protocol.as_str(), p.value.first),
                port: p,
            }],
            (None, Some(b)) => {
                let mut out = Vec::new();
                for a in &b.fields.attrs {
                    let Value::Port(p) = &a.value else { continue };
                    if !port_name_ok(&a.name) {
                        self.diags.push(
                            Diagnostic::error(
                                Code::APP_PORTS,
                                format!("`{}` cannot name a port", a.name),
                                a.span,
                                "Kubernetes names ports with at most 15 lower-case letters, digits and inner `-`, at least one letter",
                            )
                            .with_help("use a short name such as `http`, `grpc` or `metrics`"),
                        );
                        continue;
                    }
                    out.push(NamedPort {
                        name: a.name.as_str().to_owned(),
                        port: Spanned::new(*p, a.span),
                    });
                }
                out
            }
            (Some(p), Some(b)) => {
                self.diags.push(
                    Diagnostic::error(
                        Code::APP_PORTS,
                        "an app with both `port` and `ports`",
                        p.span,
                        "one port here",
                    )
                    .with_label(b.name_span, "named ports here")
                    .with_help(
                        "move the port into `ports` with a name, e.g. `ports { http = tcp/8080 }`",
                    ),
                );
                Vec::new()
            }
            (None, None) => Vec::new(),
        }
    }

    /// A claim (`Ok`) or another kind of volume (`Err`), by the attributes it sets.
    fn app_volume(&mut self, model: &Model, b: &SubBlock) -> Option<Result<Volume, Mount>> {
        let name = b.name.as_deref()?.to_owned();
        let path = b.fields.string("path")?;
        let size = b.fields.bytes("size");
        let sources: Vec<(&str, Span)> = ["size", "nfs", "host_path", "scratch"]
            .into_iter()
            .filter_map(|k| b.fields.get(k).map(|f| (k, f.span)))
            .filter(|(k, _)| *k != "scratch" || b.fields.bool("scratch") == Some(true))
            .collect();
        let kinds: Vec<&(&str, Span)> = sources
            .iter()
            .filter(|(k, _)| *k != "size" || !b.fields.bool("scratch").unwrap_or(false))
            .collect();
        if kinds.len() != 1 {
            let mut d = Diagnostic::error(
                Code::APP_VOLUME_KIND,
                format!("volume `{name}` is not one kind of volume"),
                kinds.get(1).map_or(b.name_span, |(_, s)| *s),
                if kinds.is_empty() {
                    "no `size`, `nfs`, `host_path` or `scratch`"
                } else {
                    "a second kind of volume"
                },
            )
            .with_help("give a claim `size = 10GiB`, an NFS export `nfs = EXPORT on MACHINE`, a node folder `host_path = \"/srv/x\"`, or scratch space `scratch = true`");
            if let Some((_, first)) = kinds.first().filter(|_| kinds.len() > 1) {
                d = d.with_label(*first, "one kind here");
            }
            self.diags.push(d);
            return None;
        }
        if let Some(class) = b.fields.get("storage_class") {
            if size.is_none() || b.fields.bool("scratch") == Some(true) {
                self.diags.push(
                    Diagnostic::error(
                        Code::APP_VOLUME_KIND,
                        format!("volume `{name}` has a storage class but is not a claim"),
                        class.span,
                        "only a claim (`size = …`) is provisioned from a storage class",
                    )
                    .with_help("remove `storage_class`"),
                );
                return None;
            }
        }
        let mount = |source| Mount {
            name: name.clone(),
            path: path.clone(),
            source,
            span: b.name_span,
        };
        match kinds[0].0 {
            "size" => Some(Ok(Volume {
                name: name.clone(),
                size: size?,
                path: path.clone(),
                storage_class: b.fields.string("storage_class"),
                span: b.name_span,
            })),
            "nfs" => {
                let (value, export_span, server, server_span) = b.fields.placed("nfs")?;
                let Value::Word(export) = value else {
                    return None;
                };
                let export = self.app_export(model, export, export_span, server, server_span)?;
                Some(Err(mount(MountSource::Nfs { export })))
            }
            "host_path" => {
                let host = b.fields.get("host_path")?;
                let Value::Str(host_path) = &host.value else {
                    return None;
                };
                if !host_path.starts_with('/') || host_path.split('/').any(|c| c == "..") {
                    self.diags.push(
                        Diagnostic::error(
                            Code::APP_VOLUME_KIND,
                            format!("host path `{host_path}` is not an absolute path"),
                            host.span,
                            "the node's folder, from `/` and without `..`",
                        )
                        .with_help("write the full path, e.g. `host_path = \"/srv/models\"`"),
                    );
                    return None;
                }
                Some(Err(mount(MountSource::HostPath {
                    path: host_path.clone(),
                })))
            }
            _ => Some(Err(mount(MountSource::EmptyDir {
                limit: size.map(|s| s.value),
            }))),
        }
    }

    /// Resolves `nfs = media on nas` to the export of that machine.
    fn app_export(
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

    /// `file NAME { path, content }` or `{ path, source }` (a file beside the lab).
    fn config_file(&mut self, b: &SubBlock) -> Option<ConfigFile> {
        let name = b.name.as_deref()?.to_owned();
        let path = b.fields.string("path")?;
        let content = match (b.fields.get("content"), b.fields.get("source")) {
            (Some(c), None) => match &c.value {
                Value::Str(s) => s.clone(),
                _ => return None,
            },
            (None, Some(s)) => {
                let Value::Str(relative) = &s.value else {
                    return None;
                };
                self.read_beside_lab(relative, s.span)?
            }
            (c, s) => {
                let mut d = Diagnostic::error(
                    Code::APP_FILE,
                    format!("file `{name}` needs exactly one of `content` and `source`"),
                    s.map_or(b.name_span, |s| s.span),
                    if c.is_some() {
                        "a second content here"
                    } else {
                        "no content"
                    },
                )
                .with_help("write the text inline (`content = \"…\"`) or name a file beside the lab (`source = \"files/app.yaml\"`)");
                if let Some(c) = c.filter(|_| s.is_some()) {
                    d = d.with_label(c.span, "inline content here");
                }
                self.diags.push(d);
                return None;
            }
        };
        Some(ConfigFile {
            name,
            path,
            content,
            span: b.name_span,
        })
    }

    /// The text of a file beside the lab, read through the loader with the confinement
    /// imports have: relative, inside the root lab's folder, no link leading out of it.
    fn read_beside_lab(&mut self, relative: &str, span: Span) -> Option<String> {
        let raw = std::path::Path::new(relative);
        let target = crate::decls::normalize(&std::path::Path::new(&self.root_dir).join(raw));
        let inside = !raw.has_root()
            && std::path::Path::new(&target)
                .strip_prefix(&self.root_dir)
                .is_ok_and(|rest| {
                    !rest.as_os_str().is_empty()
                        && rest
                            .components()
                            .all(|c| matches!(c, std::path::Component::Normal(_)))
                });
        let confined = inside
            && match (
                self.loader.identity(std::path::Path::new(&target)),
                self.loader.identity(if self.root_dir.is_empty() {
                    std::path::Path::new(".")
                } else {
                    std::path::Path::new(&self.root_dir)
                }),
            ) {
                (Some(file), Some(dir)) => file.starts_with(dir),
                _ => true,
            };
        if !confined {
            self.diags.push(
                Diagnostic::error(
                    Code::APP_FILE,
                    format!("`{relative}` is outside the lab's folder"),
                    span,
                    "files are read only from the root lab's folder and below it",
                )
                .with_help("move the file into the lab's folder and name it with a relative path such as `files/app.yaml`"),
            );
            return None;
        }
        match self.loader.read(std::path::Path::new(&target)) {
            Ok(text) => Some(text),
            Err(e) => {
                self.diags.push(
                    Diagnostic::error(
                        Code::APP_FILE,
                        format!("cannot read `{relative}`"),
                        span,
                        format!("`{target}` {e}"),
                    )
                    .with_help("create the file beside the lab, or write its text inline with `content = \"…\"`"),
                );
                None
            }
        }
    }

    /// `host_network` needs one pinned node of the app's cluster and one replica.
    #[allow(clippy::too_many_arguments)]
    fn check_placement(
        &mut self,
        model: &Model,
        f: &Fields,
        cluster: ClusterId,
        name: &str,
        name_span: Span,
        host_network: bool,
        node: Option<Spanned<MachineId>>,
    ) {
        if let Some(node) = node {
            let c = model.cluster(cluster);
            if !c.nodes().any(|(m, _)| m == node.value) {
                let names: Vec<&str> = c
                    .nodes()
                    .map(|(m, _)| model.machine(m).name.as_str())
                    .collect();
                self.diags.push(
                    Diagnostic::error(
                        Code::APP_PLACEMENT,
                        format!(
                            "`{}` is not a node of cluster `{}`",
                            model.machine(node.value).name,
                            c.name
                        ),
                        node.span,
                        "not a node of the app's cluster",
                    )
                    .with_label(c.span, "the cluster")
                    .with_help(format!(
                        "pin the app to one of its nodes: {}",
                        names
                            .iter()
                            .map(|n| format!("`{n}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                );
            }
        }
        if !host_network {
            return;
        }
        let at = f.get("host_network").map_or(name_span, |h| h.span);
        if node.is_none() {
            self.diags.push(
                Diagnostic::error(
                    Code::APP_PLACEMENT,
                    format!("app `{name}` uses the host network but is not pinned to a node"),
                    at,
                    "its ports would be taken on whichever node it lands on",
                )
                .with_help("pin it: `node = NODE`, a node of the cluster"),
            );
        }
        if let Some(r) = f.u32("replicas").filter(|r| r.value > 1) {
            self.diags.push(
                Diagnostic::error(
                    Code::APP_PLACEMENT,
                    format!(
                        "{} replicas of `{name}` cannot share the ports of one node",
                        r.value
                    ),
                    r.span,
                    "every replica binds the same host ports",
                )
                .with_label(at, "host network here")
                .with_help("set `replicas = 1`"),
            );
        }
    }

    /// The GPUs requested exist on the pinned node, or on some node of the cluster.
    fn check_gpus(
        &mut self,
        model: &Model,
        cluster: ClusterId,
        node: Option<Spanned<MachineId>>,
        request: &GpuRequest,
    ) {
        let c = model.cluster(cluster);
        let nodes: Vec<MachineId> = match node {
            Some(n) => vec![n.value],
            None => c.nodes().map(|(m, _)| m).collect(),
        };
        let best = nodes
            .iter()
            .map(|m| {
                let n = machine_gpus(model, *m)
                    .into_iter()
                    .filter(|v| *v == request.vendor)
                    .count() as u32;
                (n, *m)
            })
            .max_by_key(|(n, _)| *n);
        if best.is_some_and(|(n, _)| n >= request.count) {
            return;
        }
        let have = best.map_or(0, |(n, _)| n);
        let vendor = request.vendor.as_str();
        let place = match node {
            Some(n) => format!("node `{}` has {have}", model.machine(n.value).name),
            None => format!("the nodes of cluster `{}` have at most {have}", c.name),
        };
        let give = "give a node the GPU: `pci gpu0 { address = \"0000:01:00.0\", model = \"…\" }` (passed through with `pci = [gpu0]` to a guest)";
        let mut d = Diagnostic::error(
            Code::APP_GPU,
            format!("{} {vendor} GPU(s) requested, {place}", request.count),
            request.span,
            format!(
                "no node can schedule this pod's `{}`",
                request.vendor.resource()
            ),
        )
        .with_help(if have == 0 {
            give.to_string()
        } else {
            format!("request at most {have}, or {give}")
        });
        if let Some(n) = node {
            d = d.with_label(n.span, "pinned here");
        }
        self.diags.push(d.with_note("a node's GPUs are its PCI devices whose model names an NVIDIA or AMD GPU (for a guest, those passed through to it)"));
    }

    /// `tls = ISSUER` (a cert-manager Certificate) or `tls = default` (the ingress
    /// controller's default certificate), for an app with a host name.
    fn app_tls(&mut self, model: &Model, f: &Fields, cluster: ClusterId) -> Option<Tls> {
        let word = f.word("tls")?;
        if f.get("host").is_none() {
            self.diags.push(
                Diagnostic::error(
                    Code::APP_TLS,
                    "TLS for an app without a host name",
                    word.span,
                    "no Ingress carries this certificate",
                )
                .with_help("add `host = \"app.example.org\"`, or remove `tls`"),
            );
            return None;
        }
        if word.value == "default" {
            return Some(Tls::Default);
        }
        let c = model.cluster(cluster);
        if !c.issuers.iter().any(|i| i.name == word.value) {
            let names = c.issuers.iter().map(|i| i.name.as_str());
            self.diags.push(
                Diagnostic::error(
                    Code::APP_TLS,
                    format!("cluster `{}` has no issuer `{}`", c.name, word.value),
                    word.span,
                    "not an issuer of the app's cluster",
                )
                .with_label(c.span, "the cluster")
                .with_help(match did_you_mean(&word.value, names) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None => format!(
                        "declare it in the cluster: `issuer {} {{ email = \"admin@example.org\" }}`, or write `tls = default` for the ingress controller's certificate",
                        word.value
                    ),
                }),
            );
            return None;
        }
        Some(Tls::Issuer {
            issuer: word.value.clone(),
            secret: String::new(),
            span: word.span,
        })
    }
}
