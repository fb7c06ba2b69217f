//! What one app becomes: its workload (Deployment, or StatefulSet with per-replica
//! claims and a headless Service), its Service with every named port, a ConfigMap of its
//! files, an Ingress for its host name with TLS, and a cert-manager Certificate.

use crate::objects::*;
use crate::quantity::{bytes, cpu, dns_label};
use crate::tls::{certificate, Certificate};
use crate::{app_labels, seconds, selector_labels};
use infrac_model::workloads::{nfs_for_nodes, MountSource, Tls};
use infrac_model::{App, Cluster, EnvValue, Expose, MachineId, Model, Protocol};
use std::collections::BTreeMap;

/// The workload kind of an app.
pub enum Workload {
    Deployment(Deployment),
    StatefulSet(StatefulSet),
}

/// Everything one app becomes.
pub struct AppObjects {
    pub workload: Workload,
    pub service: Option<Service>,
    /// The StatefulSet's governing Service, which gives its pods stable DNS names.
    pub headless: Option<Service>,
    pub config_map: Option<ConfigMap>,
    pub ingress: Option<Ingress>,
    pub certificate: Option<Certificate>,
}

fn protocol(p: Protocol) -> &'static str {
    match p {
        Protocol::Tcp => "TCP",
        Protocol::Udp => "UDP",
        Protocol::Sctp => "SCTP",
    }
}

/// A key of the app's ConfigMap for a file: keys are `[-._a-zA-Z0-9]+`.
fn file_key(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_') {
                c
            } else {
                '-'
            }
        })
        .collect()
}

impl AppObjects {
    /// Builds the objects of `app` in `cluster`.
    pub fn build(model: &Model, cluster: &Cluster, app: &App) -> AppObjects {
        let name = dns_label(&app.name);
        let namespace = dns_label(&app.namespace);
        let w = &app.workload;
        let meta = ObjectMeta {
            name: name.clone(),
            namespace: Some(namespace.clone()),
            labels: app_labels(app),
        };
        let first_port = w.ports.first();
        let probe_of = |probe: &infrac_model::Probe| {
            let port = probe.port.or(first_port.map(|p| p.port.value.first))?;
            Some(Probe {
                http_get: HttpGet {
                    path: probe.path.clone(),
                    port,
                },
                period_seconds: probe.interval.map(seconds),
                timeout_seconds: probe.timeout.map(seconds),
            })
        };
        let readiness = app.probe.as_ref().and_then(probe_of);
        // Without a liveness probe of its own, the app's one probe serves both.
        let liveness = match &w.liveness {
            Some(l) => probe_of(l),
            None => readiness.clone(),
        };
        let mut resources = Resources::default();
        for (side, declared) in [
            (&mut resources.requests, &app.requests),
            (&mut resources.limits, &app.limits),
        ] {
            if let Some(c) = &declared.cpu {
                side.insert("cpu", cpu(c.value));
            }
            if let Some(m) = &declared.memory {
                side.insert("memory", bytes(m.value));
            }
        }
        // Extended resources are requested as limits (the request follows).
        if let Some(gpu) = &w.gpu {
            resources
                .limits
                .insert(gpu.vendor.resource(), gpu.count.to_string());
        }
        let config_name = format!("{name}-files");
        let mut volumes = Vec::new();
        let mut mounts: Vec<VolumeMount> = app
            .volumes
            .iter()
            .map(|v| VolumeMount {
                name: dns_label(&v.name),
                mount_path: v.path.clone(),
                sub_path: None,
                read_only: false,
            })
            .collect();
        let nodes: Vec<MachineId> = match w.node {
            Some(n) => vec![n.value],
            None => cluster.nodes().map(|(m, _)| m).collect(),
        };
        for m in &w.mounts {
            let volume_name = dns_label(&m.name);
            let mut volume = PodVolume {
                name: volume_name.clone(),
                config_map: None,
                nfs: None,
                host_path: None,
                empty_dir: None,
            };
            let mut read_only = false;
            match &m.source {
                MountSource::Nfs { export } => {
                    // The checks prove a node shares a network with the server.
                    let Some((server, path, ro)) = nfs_for_nodes(model, export, &nodes) else {
                        continue;
                    };
                    read_only = ro;
                    volume.nfs = Some(NfsVolume {
                        server: server.to_string(),
                        path,
                        read_only: ro,
                    });
                }
                MountSource::HostPath { path } => {
                    volume.host_path = Some(HostPathVolume {
                        path: path.clone(),
                        type_: "DirectoryOrCreate",
                    });
                }
                MountSource::EmptyDir { limit } => {
                    volume.empty_dir = Some(EmptyDirVolume {
                        size_limit: limit.map(bytes),
                    });
                }
            }
            volumes.push(volume);
            mounts.push(VolumeMount {
                name: volume_name,
                mount_path: m.path.clone(),
                sub_path: None,
                read_only,
            });
        }
        // The files' volume is `files`, or the first `files-N` no volume of the app takes:
        // a pod's volume names are unique.
        let mut files_volume = "files".to_string();
        let mut n = 0;
        while mounts.iter().any(|m| m.name == files_volume) {
            n += 1;
            files_volume = format!("files-{n}");
        }
        let config_map = (!w.files.is_empty()).then(|| {
            volumes.push(PodVolume {
                name: files_volume.clone(),
                config_map: Some(ConfigMapVolume {
                    name: config_name.clone(),
                }),
                nfs: None,
                host_path: None,
                empty_dir: None,
            });
            let mut data = BTreeMap::new();
            for file in &w.files {
                let key = file_key(&file.name);
                // One key per file, mounted by itself at its path (`subPath`), so the
                // rest of the folder stays the image's.
                mounts.push(VolumeMount {
                    name: files_volume.clone(),
                    mount_path: file.path.clone(),
                    sub_path: Some(key.clone()),
                    read_only: true,
                });
                data.insert(key, file.content.clone());
            }
            ConfigMap {
                api_version: "v1",
                kind: "ConfigMap",
                metadata: ObjectMeta {
                    name: config_name.clone(),
                    namespace: Some(namespace.clone()),
                    labels: app_labels(app),
                },
                data,
            }
        });
        let container = Container {
            name: name.clone(),
            image: app
                .image
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            command: w.command.clone(),
            args: w.args.clone(),
            ports: w
                .ports
                .iter()
                .map(|p| ContainerPort {
                    name: p.name.clone(),
                    container_port: p.port.value.first,
                    host_port: w
                        .host_ports
                        .iter()
                        .any(|h| {
                            h.value.protocol == p.port.value.protocol
                                && h.value.first == p.port.value.first
                        })
                        .then_some(p.port.value.first),
                    protocol: protocol(p.port.value.protocol),
                })
                .collect(),
            env: app
                .env
                .iter()
                .map(|(key, value)| match value {
                    EnvValue::Plain(text) => EnvVar {
                        name: key.clone(),
                        value: Some(text.clone()),
                        value_from: None,
                    },
                    EnvValue::Secret(secret) => EnvVar {
                        name: key.clone(),
                        value: None,
                        value_from: Some(EnvVarSource {
                            secret_key_ref: SecretKeySelector {
                                name: dns_label(&secret.0),
                                key: "value".into(),
                            },
                        }),
                    },
                })
                .collect(),
            resources,
            readiness_probe: readiness,
            liveness_probe: liveness,
            volume_mounts: mounts,
        };
        let mut node_selector = BTreeMap::new();
        if let Some(node) = w.node {
            node_selector.insert(
                "kubernetes.io/hostname".to_string(),
                model.machine(node.value).name.clone(),
            );
        }
        let template = PodTemplate {
            metadata: TemplateMeta {
                labels: app_labels(app),
            },
            spec: PodSpec {
                host_network: w.host_network,
                dns_policy: w.host_network.then_some("ClusterFirstWithHostNet"),
                node_selector,
                runtime_class_name: w
                    .gpu
                    .filter(|g| g.vendor == infrac_model::workloads::GpuVendor::Nvidia)
                    .map(|_| "nvidia".to_string()),
                security_context: w.fs_group.map(|g| PodSecurityContext {
                    fs_group: g,
                    fs_group_change_policy: "OnRootMismatch",
                }),
                containers: vec![container],
                volumes,
            },
        };
        let selector = LabelSelector {
            match_labels: selector_labels(app),
        };
        let service_ports: Vec<ServicePort> = w
            .ports
            .iter()
            .map(|p| ServicePort {
                name: p.name.clone(),
                port: p.port.value.first,
                target_port: p.name.clone(),
                protocol: protocol(p.port.value.protocol),
                node_port: None,
            })
            .collect();
        let service = (!service_ports.is_empty()).then(|| {
            let (type_, node_port) = match app.expose.value {
                Expose::ClusterIp => ("ClusterIP", None),
                Expose::NodePort(n) => ("NodePort", Some(n)),
                Expose::LoadBalancer => ("LoadBalancer", None),
            };
            let mut ports = service_ports.clone();
            // A NodePort app's given port is its first port's; the others get one
            // Kubernetes picks.
            ports[0].node_port = node_port;
            Service {
                api_version: "v1",
                kind: "Service",
                metadata: meta.clone(),
                spec: ServiceSpec {
                    type_,
                    cluster_ip: None,
                    selector: selector_labels(app),
                    ports,
                },
            }
        });
        let ingress = match (&app.host, &service) {
            (Some(host), Some(service)) => Some(Ingress {
                api_version: "networking.k8s.io/v1",
                kind: "Ingress",
                metadata: meta.clone(),
                spec: IngressSpec {
                    ingress_class_name: cluster.ingress_class.clone(),
                    tls: match &w.tls {
                        Some(Tls::Default) => vec![IngressTls {
                            hosts: vec![host.clone()],
                            secret_name: None,
                        }],
                        Some(Tls::Issuer { secret, .. }) => vec![IngressTls {
                            hosts: vec![host.clone()],
                            secret_name: Some(dns_label(secret)),
                        }],
                        None => Vec::new(),
                    },
                    rules: vec![IngressRule {
                        host: host.clone(),
                        http: HttpIngress {
                            paths: vec![IngressPath {
                                path: "/".into(),
                                path_type: "Prefix",
                                backend: IngressBackend {
                                    service: ServiceBackend {
                                        name: service.metadata.name.clone(),
                                        port: ServiceBackendPort {
                                            number: service.spec.ports[0].port,
                                        },
                                    },
                                },
                            }],
                        },
                    }],
                },
            }),
            _ => None,
        };
        let certificate = match (&app.host, &w.tls, &ingress) {
            (Some(host), Some(Tls::Issuer { issuer, secret, .. }), Some(_)) => {
                Some(certificate(meta.clone(), host, issuer, secret))
            }
            _ => None,
        };
        let (workload, headless) = if app.volumes.is_empty() {
            (
                Workload::Deployment(Deployment {
                    api_version: "apps/v1",
                    kind: "Deployment",
                    metadata: meta,
                    spec: DeploymentSpec {
                        replicas: app.replicas,
                        selector,
                        template,
                    },
                }),
                None,
            )
        } else {
            let headless = Service {
                api_version: "v1",
                kind: "Service",
                metadata: ObjectMeta {
                    name: format!("{name}-headless"),
                    ..meta.clone()
                },
                spec: ServiceSpec {
                    type_: "ClusterIP",
                    cluster_ip: Some("None"),
                    selector: selector_labels(app),
                    ports: service_ports,
                },
            };
            (
                Workload::StatefulSet(StatefulSet {
                    api_version: "apps/v1",
                    kind: "StatefulSet",
                    metadata: meta,
                    spec: StatefulSetSpec {
                        replicas: app.replicas,
                        service_name: Some(headless.metadata.name.clone()),
                        selector,
                        template,
                        volume_claim_templates: app
                            .volumes
                            .iter()
                            .map(|v| PersistentVolumeClaim {
                                api_version: "v1",
                                kind: "PersistentVolumeClaim",
                                metadata: ClaimMeta {
                                    name: dns_label(&v.name),
                                    labels: selector_labels(app),
                                },
                                spec: ClaimSpec {
                                    access_modes: vec!["ReadWriteOnce"],
                                    storage_class_name: v.storage_class.clone(),
                                    resources: ClaimResources {
                                        requests: BTreeMap::from([(
                                            "storage",
                                            bytes(v.size.value),
                                        )]),
                                    },
                                },
                            })
                            .collect(),
                    },
                }),
                Some(headless),
            )
        };
        AppObjects {
            workload,
            service,
            headless,
            config_map,
            ingress,
            certificate,
        }
    }
}
