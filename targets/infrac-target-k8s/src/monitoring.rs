//! The monitoring stack: kube-prometheus-stack through the helm controller, with values
//! derived from the model (what to scrape, where to send alerts, how to reach Grafana).
//!
//! Value names are those of kube-prometheus-stack 88.5.3
//! (prometheus-community/helm-charts, `charts/kube-prometheus-stack/values.yaml` at
//! cf408a290aec, 2026-08-22).

use crate::helm::{helm_chart_object, HelmChartObject, Values};
use crate::quantity::{bytes, dns_label};
use infrac_model::charts::{scrape_targets, Receiver};
use infrac_model::{Model, Monitoring};
use std::collections::BTreeMap;
use std::net::IpAddr;

/// The chart repository of kube-prometheus-stack.
pub const REPO: &str = "https://prometheus-community.github.io/helm-charts";
/// The chart's name.
pub const CHART: &str = "kube-prometheus-stack";
/// The chart release installed when the lab pins none: the newest on 2026-08-22
/// (prometheus-community/helm-charts, tag `kube-prometheus-stack-88.5.3`).
pub const VERSION: &str = "88.5.3";

/// Where Alertmanager mounts a Secret listed in `alertmanagerSpec.secrets`.
fn secret_file(secret: &str) -> String {
    format!("/etc/alertmanager/secrets/{}/value", dns_label(secret))
}

/// The HelmChart object of a monitoring stack.
pub fn monitoring_chart(
    model: &Model,
    monitoring: &Monitoring,
    labels: BTreeMap<String, String>,
) -> HelmChartObject {
    let version = monitoring
        .version
        .as_ref()
        .map_or(VERSION, |v| v.value.as_str());
    helm_chart_object(
        &monitoring.name,
        Some(REPO),
        CHART,
        version,
        &monitoring.namespace,
        &values(model, monitoring),
        labels,
    )
}

/// The chart values.
pub fn values(model: &Model, monitoring: &Monitoring) -> Values {
    let mut v = Values::map();
    // k3s runs the controller manager, scheduler, proxy and etcd inside its own process,
    // bound to 127.0.0.1: the chart's Services for them would find no endpoints and
    // their alerts would fire forever.
    for component in [
        "kubeControllerManager",
        "kubeScheduler",
        "kubeProxy",
        "kubeEtcd",
    ] {
        v.set(&[component, "enabled"], Values::bool(false));
    }
    v.set(&["kubelet", "enabled"], Values::bool(true));
    // Node exporters are the lab's own (a machine service, scraped below); the chart's
    // DaemonSet would bind port 9100 on every node a second time.
    v.set(&["nodeExporter", "enabled"], Values::bool(false));
    prometheus(model, monitoring, &mut v);
    alertmanager(monitoring, &mut v);
    grafana(model, monitoring, &mut v);
    v
}

fn prometheus(model: &Model, monitoring: &Monitoring, v: &mut Values) {
    let spec = ["prometheus", "prometheusSpec"];
    if let Some(retention) = monitoring.retention {
        v.set(
            &[spec[0], spec[1], "retention"],
            Values::str(duration(retention.0)),
        );
    }
    if let Some(size) = monitoring.storage {
        let mut claim = Values::map();
        claim.set(
            &["accessModes"],
            Values::List(vec![Values::str("ReadWriteOnce")]),
        );
        claim.set(
            &["resources", "requests", "storage"],
            Values::str(bytes(size)),
        );
        v.set(
            &[
                spec[0],
                spec[1],
                "storageSpec",
                "volumeClaimTemplate",
                "spec",
            ],
            claim,
        );
    }
    let (targets, _) = scrape_targets(model, monitoring.cluster);
    let mut jobs: BTreeMap<&str, Vec<Values>> = BTreeMap::new();
    for target in &targets {
        let mut group = Values::map();
        group.set(
            &["targets"],
            Values::List(vec![Values::str(socket(target.address, target.port))]),
        );
        group.set(
            &["labels", "instance"],
            Values::str(model.machine(target.machine).name.clone()),
        );
        jobs.entry(&target.job).or_default().push(group);
    }
    let configs: Vec<Values> = jobs
        .into_iter()
        .map(|(job, groups)| {
            let mut config = Values::map();
            config.set(&["job_name"], Values::str(job));
            config.set(&["static_configs"], Values::List(groups));
            config
        })
        .collect();
    if !configs.is_empty() {
        v.set(
            &[spec[0], spec[1], "additionalScrapeConfigs"],
            Values::List(configs),
        );
    }
}

fn alertmanager(monitoring: &Monitoring, v: &mut Values) {
    // The chart's default routing tree, with the lab's receivers: the Watchdog alert
    // (always firing, to prove the pipeline works) goes nowhere, everything else to
    // every declared receiver.
    let mut receivers = vec![named("null")];
    let mut secrets = Vec::new();
    for receiver in &monitoring.receivers {
        let mut r = named(receiver.name());
        match receiver {
            Receiver::Webhook { url, .. } => {
                let mut c = Values::map();
                c.set(&["url"], Values::str(url.clone()));
                c.set(&["send_resolved"], Values::bool(true));
                r.set(&["webhook_configs"], Values::List(vec![c]));
            }
            Receiver::Email {
                to,
                from,
                smarthost,
                password,
                ..
            } => {
                let mut c = Values::map();
                c.set(&["to"], Values::str(to.clone()));
                c.set(&["from"], Values::str(from.clone()));
                c.set(&["smarthost"], Values::str(smarthost.clone()));
                c.set(&["send_resolved"], Values::bool(true));
                if let Some(secret) = password {
                    c.set(&["auth_username"], Values::str(from.clone()));
                    c.set(&["auth_password_file"], Values::str(secret_file(&secret.0)));
                    secrets.push(Values::str(dns_label(&secret.0)));
                }
                r.set(&["email_configs"], Values::List(vec![c]));
            }
        }
        receivers.push(r);
    }
    let mut route = Values::map();
    route.set(
        &["group_by"],
        Values::List(vec![Values::str("alertname"), Values::str("namespace")]),
    );
    route.set(&["group_wait"], Values::str("30s"));
    route.set(&["group_interval"], Values::str("5m"));
    route.set(&["repeat_interval"], Values::str("12h"));
    route.set(&["receiver"], Values::str("null"));
    let mut watchdog = Values::map();
    watchdog.set(&["receiver"], Values::str("null"));
    watchdog.set(
        &["matchers"],
        Values::List(vec![Values::str("alertname = \"Watchdog\"")]),
    );
    let mut routes = vec![watchdog];
    for receiver in &monitoring.receivers {
        let mut r = Values::map();
        r.set(&["receiver"], Values::str(receiver.name()));
        r.set(&["continue"], Values::bool(true));
        routes.push(r);
    }
    route.set(&["routes"], Values::List(routes));
    v.set(&["alertmanager", "config", "route"], route);
    v.set(
        &["alertmanager", "config", "receivers"],
        Values::List(receivers),
    );
    if !secrets.is_empty() {
        v.set(
            &["alertmanager", "alertmanagerSpec", "secrets"],
            Values::List(secrets),
        );
    }
}

fn grafana(model: &Model, monitoring: &Monitoring, v: &mut Values) {
    // The chart provisions Prometheus as Grafana's default data source; said here so the
    // values file shows it and a chart default change cannot drop it.
    v.set(
        &["grafana", "sidecar", "datasources", "enabled"],
        Values::bool(true),
    );
    v.set(
        &[
            "grafana",
            "sidecar",
            "datasources",
            "defaultDatasourceEnabled",
        ],
        Values::bool(true),
    );
    let g = &monitoring.grafana;
    if let Some(port) = g.nodeport {
        v.set(&["grafana", "service", "type"], Values::str("NodePort"));
        v.set(
            &["grafana", "service", "nodePort"],
            Values::int(port.into()),
        );
    }
    if let Some(host) = &g.host {
        let class = &model.cluster(monitoring.cluster).ingress_class;
        v.set(&["grafana", "ingress", "enabled"], Values::bool(true));
        v.set(
            &["grafana", "ingress", "ingressClassName"],
            Values::str(class.clone()),
        );
        v.set(
            &["grafana", "ingress", "hosts"],
            Values::List(vec![Values::str(host.clone())]),
        );
    }
    if let Some(secret) = &g.admin_password {
        v.set(
            &[
                "grafana",
                "envValueFrom",
                "GF_SECURITY_ADMIN_PASSWORD",
                "secretKeyRef",
                "name",
            ],
            Values::str(dns_label(&secret.0)),
        );
        v.set(
            &[
                "grafana",
                "envValueFrom",
                "GF_SECURITY_ADMIN_PASSWORD",
                "secretKeyRef",
                "key",
            ],
            Values::str("value"),
        );
    }
}

/// A map with one `name`.
fn named(name: &str) -> Values {
    let mut m = Values::map();
    m.set(&["name"], Values::str(name));
    m
}

/// `address:port`, with brackets around an IPv6 address.
fn socket(address: IpAddr, port: u16) -> String {
    match address {
        IpAddr::V4(a) => format!("{a}:{port}"),
        IpAddr::V6(a) => format!("[{a}]:{port}"),
    }
}

/// A duration in Prometheus's notation, in the largest whole unit.
fn duration(ms: u64) -> String {
    for (unit, suffix) in [
        (86_400_000, "d"),
        (3_600_000, "h"),
        (60_000, "m"),
        (1000, "s"),
    ] {
        if ms >= unit && ms.is_multiple_of(unit) {
            return format!("{}{suffix}", ms / unit);
        }
    }
    format!("{ms}ms")
}
