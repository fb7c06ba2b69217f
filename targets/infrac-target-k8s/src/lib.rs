//! The Kubernetes target: `k8s/<cluster>/`, one YAML file per object plus a
//! `kustomization.yaml`, so `kubectl apply -k k8s/<cluster>` deploys every app.
//!
//! For each app ([`app`]): its Namespace (once per namespace), a Deployment, or a
//! StatefulSet with a headless Service when it declares claims (one claim template per
//! volume, so every replica gets its own PersistentVolumeClaim), a Service with every
//! named port, a ConfigMap of its files, an Ingress with the cluster's ingress class and
//! TLS when it has a host name, and a cert-manager Certificate. Helm chart releases and
//! the monitoring stack are HelmChart objects for k3s's helm controller ([`helm`],
//! [`monitoring`]). Objects are typed serde structs ([`objects`]), never string templates.
//!
//! A `secret("name")` in an app's `env` becomes `valueFrom.secretKeyRef` to the key
//! `value` of the Secret `name` in the app's namespace: the value itself is never
//! written. Those Secrets are created out of band (sealed-secrets, SOPS, `kubectl create
//! secret generic name --from-literal=value=...`).

mod app;
mod cluster;
mod gpu;
pub mod helm;
pub mod monitoring;
pub mod objects;
mod quantity;
mod tls;

use infrac_diagnostics::Diagnostic;
use infrac_model::{App, Artifact, Millis, Model, Target};
use quantity::{dns_label, label_value};
use serde::Serialize;
use std::collections::BTreeMap;

/// Emits `k8s/<cluster>/**.yaml` for every cluster with apps, charts or issuers.
pub struct K8sTarget;

impl Target for K8sTarget {
    fn name(&self) -> &'static str {
        "k8s"
    }

    fn description(&self) -> &'static str {
        "k8s/<cluster>/: Kubernetes manifests and a kustomization.yaml for every cluster's apps"
    }

    fn emit(&self, model: &Model) -> Result<Vec<Artifact>, Vec<Diagnostic>> {
        let mut artifacts = Vec::new();
        for (index, cluster) in model.clusters.iter().enumerate() {
            let apps: Vec<&App> = model
                .apps
                .iter()
                .filter(|a| a.cluster.index() == index)
                .collect();
            let has_charts = model.helm_charts.iter().any(|h| h.cluster.index() == index)
                || model.monitoring.iter().any(|m| m.cluster.index() == index)
                || !cluster.issuers.is_empty();
            if !apps.is_empty() || has_charts {
                artifacts.extend(cluster::cluster_files(model, index, cluster, &apps));
            }
        }
        Ok(artifacts)
    }
}

/// Namespaces every cluster already has; declaring them again would only add noise.
pub(crate) const BUILTIN_NAMESPACES: [&str; 4] =
    ["default", "kube-system", "kube-public", "kube-node-lease"];

/// The header comment and the object as YAML with indented sequences (what yamllint's
/// default profile expects).
fn yaml<T: Serialize>(header: &str, object: &T) -> String {
    let options = serde_saphyr::ser_options! { compact_list_indent: false };
    match serde_saphyr::to_string_with_options(object, options) {
        Ok(body) => {
            let mut text = String::with_capacity(header.len() + body.len() + 1);
            text.push_str(header);
            text.push_str(&body);
            if !text.ends_with('\n') {
                text.push('\n');
            }
            text
        }
        // Serialising these plain structs of strings and numbers cannot fail; should it
        // ever, the file says so instead of being silently empty.
        Err(e) => format!("{header}# cannot serialise this object: {e}\n"),
    }
}

/// A duration in whole seconds, rounded up: probe timings are whole seconds, at least one.
fn seconds(duration: Millis) -> u64 {
    duration.0.div_ceil(1000).max(1)
}

/// `app.kubernetes.io/managed-by`, on every object.
fn managed_labels() -> BTreeMap<String, String> {
    BTreeMap::from([(
        "app.kubernetes.io/managed-by".to_string(),
        "infrac".to_string(),
    )])
}

/// The labels that select an app's pods.
fn selector_labels(app: &App) -> BTreeMap<String, String> {
    let name = dns_label(&app.name);
    BTreeMap::from([
        ("app.kubernetes.io/name".to_string(), name.clone()),
        ("app.kubernetes.io/instance".to_string(), name),
    ])
}

/// The recommended `app.kubernetes.io/*` labels of an app's objects.
fn app_labels(app: &App) -> BTreeMap<String, String> {
    let mut labels = selector_labels(app);
    labels.extend(managed_labels());
    let tag = app.image.as_ref().and_then(|i| i.tag());
    if let Some(version) = tag.and_then(label_value) {
        labels.insert("app.kubernetes.io/version".into(), version);
    }
    let namespace = dns_label(&app.namespace);
    if !BUILTIN_NAMESPACES.contains(&namespace.as_str()) {
        labels.insert("app.kubernetes.io/part-of".into(), namespace);
    }
    labels
}
