//! Building clusters, apps and ingresses.

use super::Handles;
use crate::value::{Kind, Value};
use crate::Sema;
use infrac_diagnostics::{Code, Diagnostic};
use infrac_model::*;

impl<'a> Sema<'a> {
    pub(crate) fn build_clusters(&mut self, model: &mut Model, handles: &mut Handles) {
        for d in self.decls_of(Kind::Cluster) {
            let (f, doc) = self.fields(d);
            let name_span = self.decls[d.0 as usize].name_span;
            let guests = |list: Vec<(Value, infrac_diagnostics::Span)>| -> Vec<Spanned<MachineId>> {
                list.into_iter()
                    .filter_map(|(v, s)| match v {
                        Value::Ref(g) => handles.machines.get(&g).map(|id| Spanned::new(*id, s)),
                        _ => None,
                    })
                    .collect()
            };
            let (servers, agents) = (guests(f.list("servers")), guests(f.list("agents")));
            for node in servers.iter().chain(&agents) {
                self.check_node_host(model, node.value, node.span);
            }
            let (Some(pods), Some(services)) = (f.net("pods"), f.net("services")) else {
                continue;
            };
            let reserve = f
                .block("reserve")
                .map_or_else(Reserve::default, |b| Reserve {
                    // Kept in millicores: a node reserving `500m` keeps half a core.
                    cpu: b
                        .fields
                        .milli("cores")
                        .or_else(|| b.fields.milli("cpu"))
                        .map_or(MilliCpu(0), |m| m.value),
                    memory: b.fields.bytes("memory").map_or(Bytes(0), |m| m.value),
                });
            handles
                .clusters
                .insert(d, ClusterId(model.clusters.len() as u32));
            let ingress_class = f
                .string("ingress_class")
                .unwrap_or_else(|| "traefik".into());
            model.clusters.push(Cluster {
                name: self.decls[d.0 as usize].name.to_string(),
                doc: doc.or(f.string("description")),
                servers,
                agents,
                pods,
                services,
                pods6: f.net("pods6"),
                services6: f.net("services6"),
                issuers: self.issuers(&f, &ingress_class),
                ingress_class,
                token: f.secret("token"),
                reserve,
                api: f.ip("api"),
                vip: match f.string("vip").as_deref() {
                    Some("keepalived") => VipProvider::Keepalived,
                    _ => VipProvider::KubeVip,
                },
                version: f.string("version"),
                span: name_span,
            });
        }
    }

    pub(crate) fn build_apps(&mut self, model: &mut Model, handles: &mut Handles) {
        for d in self.decls_of(Kind::App) {
            let (f, doc) = self.fields(d);
            let inst = &self.decls[d.0 as usize];
            let (name, name_span, in_) = (inst.name.clone(), inst.name_span, inst.decl.in_.clone());
            let Some(cluster) =
                self.head_target(d, in_.as_deref(), Kind::Cluster, &handles.clusters)
            else {
                continue;
            };
            let resources = |kind: &str| {
                f.block(kind)
                    .map_or_else(Resources::default, |b| Resources {
                        cpu: b.fields.milli("cpu"),
                        memory: b.fields.bytes("memory"),
                    })
            };
            let mut built = self.app_workload(model, handles, &f, cluster, &name, name_span);
            if let Some(workloads::Tls::Issuer { secret, .. }) = &mut built.workload.tls {
                *secret = format!("{name}-tls");
            }
            let probe = f.block("probe").and_then(|b| {
                Some(Probe {
                    path: b.fields.string("path")?,
                    port: b.fields.port("port").map(|p| p.value.first),
                    interval: b.fields.duration("interval"),
                    timeout: b.fields.duration("timeout"),
                })
            });
            let env = f
                .block("env")
                .map(|b| {
                    b.fields
                        .attrs
                        .iter()
                        .filter_map(|a| match &a.value {
                            Value::Str(s) => {
                                Some((a.name.as_str().to_owned(), EnvValue::Plain(s.clone())))
                            }
                            Value::Secret(s) => Some((
                                a.name.as_str().to_owned(),
                                EnvValue::Secret(SecretRef(s.clone())),
                            )),
                            _ => None,
                        })
                        .collect()
                })
                .unwrap_or_default();
            // The Ingress's host, which the ingress controller matches requests on as a
            // route's is (E0545); the API server refuses one that is not a DNS name.
            let host = f.get("host").and_then(|field| match &field.value {
                Value::Str(h) => Some((h.clone(), field.span)),
                _ => None,
            });
            let host = host.filter(|(h, span)| self.check_route_host(h, *span));
            handles.apps.insert(d, AppId(model.apps.len() as u32));
            let requests = resources("requests");
            let limits = resources("limits");
            model.apps.push(App {
                namespace: f.string("namespace").unwrap_or_else(|| "default".into()),
                namespace_span: f.get("namespace").map_or(name_span, |a| a.span),
                image: f
                    .string("image")
                    .and_then(|s| infrac_model::ImageRef::parse(&s).ok()),
                replicas: f.u32("replicas").map_or(1, |r| r.value),
                port: built.port,
                expose: f
                    .expose("expose")
                    .unwrap_or(Spanned::new(Expose::ClusterIp, name_span)),
                host: host.map(|(h, _)| h),
                requests,
                limits,
                volumes: built.claims,
                probe,
                env,
                workload: built.workload,
                name: name.to_string(),
                doc: doc.or(f.string("description")),
                cluster,
                span: name_span,
            });
        }
    }

    pub(crate) fn build_ingresses(&mut self, model: &mut Model, handles: &Handles) {
        for d in self.decls_of(Kind::Ingress) {
            let (f, doc) = self.fields(d);
            let inst = &self.decls[d.0 as usize];
            let (name, name_span, on) = (inst.name.clone(), inst.name_span, inst.decl.on.clone());
            let Some(guest) = self.head_target(d, on.as_ref(), Kind::Machine, &handles.machines)
            else {
                continue;
            };
            let kind = match f.string("kind").as_deref() {
                Some("tunnel") => IngressKind::Tunnel,
                _ => IngressKind::ReverseProxy,
            };
            let mut routes = Vec::new();
            for b in f.blocks_of("route") {
                let Some(target) = b.fields.decl_ref("to") else {
                    continue;
                };
                let port = b.fields.u32("port").map(|p| p.value as u16);
                let to = if let Some(app) = handles.apps.get(&target.value) {
                    RouteTarget::App(*app)
                } else if let Some(g) = handles.machines.get(&target.value) {
                    match port {
                        Some(port) => RouteTarget::Machine(*g, port),
                        None if b.fields.reported("port") => continue,
                        None => {
                            self.diags.push(
                                Diagnostic::error(
                                    Code::MISSING_ATTRIBUTE,
                                    "a route to a guest needs a port",
                                    b.name_span,
                                    "which port does the guest listen on?",
                                )
                                .with_help("add `port = 3000` to the route"),
                            );
                            continue;
                        }
                    }
                } else {
                    continue;
                };
                let host = b.name.as_deref().unwrap_or_default().to_owned();
                if !self.check_route_host(&host, b.name_span) {
                    continue;
                }
                let known = (!f.reported("kind")).then_some(kind);
                let certificate = self.route_certificate(&b.fields, known, b.name_span);
                routes.push(Route {
                    host,
                    to,
                    tls: b.fields.bool("tls").unwrap_or(true),
                    origin: super::tunnel::route_origin(&b.fields),
                    certificate,
                    span: b.name_span,
                });
            }
            let tunnel = self.ingress_tunnel(&f, kind, name_span);
            model.ingresses.push(Ingress {
                name: name.to_string(),
                doc: doc.or(f.string("description")),
                machine: guest,
                kind,
                routes,
                tunnel,
                span: name_span,
            });
        }
    }
}
