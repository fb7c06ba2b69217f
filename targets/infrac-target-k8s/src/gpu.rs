//! The device plugins that make GPUs schedulable, for clusters with apps that request
//! them: NVIDIA's (with the `nvidia` RuntimeClass that k3s's containerd handler serves)
//! and AMD's ROCm plugin, each as a HelmChart.
//!
//! Versions: NVIDIA k8s-device-plugin chart 0.20.0 (NVIDIA/k8s-device-plugin, tag
//! v0.20.0, 2026-08-19; repository `https://nvidia.github.io/k8s-device-plugin`); ROCm
//! `amd-gpu` chart 0.21.0 (ROCm/k8s-device-plugin, tag amd-gpu-helm-0.21.0 at e7b9edac,
//! 2025-12-24, still the newest chart tag in the repository snapshot of 2026-08-11;
//! published by chart-releaser to the repository's GitHub Pages,
//! `https://rocm.github.io/k8s-device-plugin`).

use crate::helm::{helm_chart_object, HelmChartObject, Values};
use crate::objects::ObjectMeta;
use infrac_model::workloads::{machine_gpus, GpuVendor};
use infrac_model::{Cluster, Model};
use serde::Serialize;
use std::collections::BTreeMap;

/// A `node.k8s.io/v1/RuntimeClass`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RuntimeClass {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub metadata: ObjectMeta,
    pub handler: &'static str,
}

/// The RuntimeClass GPU pods name: k3s configures containerd with an `nvidia` runtime
/// handler when it finds the NVIDIA container toolkit on a node.
pub fn nvidia_runtime_class(labels: BTreeMap<String, String>) -> RuntimeClass {
    RuntimeClass {
        api_version: "node.k8s.io/v1",
        kind: "RuntimeClass",
        metadata: ObjectMeta {
            name: "nvidia".into(),
            namespace: None,
            labels,
        },
        handler: "nvidia",
    }
}

/// The device plugin chart of a vendor, scheduled onto the cluster's nodes that have
/// that vendor's GPUs.
pub fn device_plugin_chart(
    model: &Model,
    cluster: &Cluster,
    vendor: GpuVendor,
    labels: BTreeMap<String, String>,
) -> HelmChartObject {
    let nodes: Vec<Values> = cluster
        .nodes()
        .filter(|(m, _)| machine_gpus(model, *m).contains(&vendor))
        .map(|(m, _)| Values::str(model.machine(m).name.clone()))
        .collect();
    let mut values = Values::map();
    match vendor {
        GpuVendor::Nvidia => {
            values.set(&["runtimeClassName"], Values::str("nvidia"));
            // Only the nodes the model gives NVIDIA GPUs: elsewhere the plugin finds no
            // device and fails to start.
            let mut expression = Values::map();
            expression.set(&["key"], Values::str("kubernetes.io/hostname"));
            expression.set(&["operator"], Values::str("In"));
            expression.set(&["values"], Values::List(nodes));
            let mut term = Values::map();
            term.set(&["matchExpressions"], Values::List(vec![expression]));
            values.set(
                &[
                    "affinity",
                    "nodeAffinity",
                    "requiredDuringSchedulingIgnoredDuringExecution",
                    "nodeSelectorTerms",
                ],
                Values::List(vec![term]),
            );
            helm_chart_object(
                "nvidia-device-plugin",
                Some("https://nvidia.github.io/k8s-device-plugin"),
                "nvidia-device-plugin",
                "0.20.0",
                "nvidia-device-plugin",
                &values,
                labels,
            )
        }
        GpuVendor::Amd => helm_chart_object(
            "amd-gpu",
            Some("https://rocm.github.io/k8s-device-plugin"),
            "amd-gpu",
            "0.21.0",
            "kube-system",
            &values,
            labels,
        ),
    }
}
