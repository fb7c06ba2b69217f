//! `HelmChart` objects (`helm.cattle.io/v1`) for k3s's helm controller: one per chart
//! release, in `kube-system`, installing into the release's own namespace.
//!
//! The resource's schema is the CRD of k3s-io/helm-controller v0.17.7 (tag at 21a911f8,
//! 2026-07-27; `pkg/crds/yaml/generated/helm.cattle.io_helmcharts.yaml`), vendored for
//! the validator.

use crate::objects::ObjectMeta;
use crate::quantity::dns_label;
use infrac_model::{HelmChart, HelmValue};
use serde::Serialize;
use std::collections::BTreeMap;

/// A `helm.cattle.io/v1/HelmChart`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HelmChartObject {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub metadata: ObjectMeta,
    pub spec: HelmChartSpec,
}

/// The spec of a HelmChart: where the chart comes from and how it is installed.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HelmChartSpec {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repo: Option<String>,
    pub chart: String,
    pub version: String,
    pub target_namespace: String,
    pub create_namespace: bool,
    /// The values file, as YAML text (what `helm install --values` reads).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub values_content: String,
}

/// A values tree: scalars at the leaves, maps by key in between.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Values {
    Leaf(HelmValue),
    List(Vec<Values>),
    Map(BTreeMap<String, Values>),
}

impl Values {
    /// An empty map.
    pub fn map() -> Values {
        Values::Map(BTreeMap::new())
    }

    /// Sets `value` at a dotted path, creating the maps on the way. A path through a
    /// scalar replaces it: sema rejects such clashes in the lab, so this only happens
    /// when a generated value is deliberately overridden.
    pub fn set(&mut self, path: &[&str], value: Values) {
        let Some((first, rest)) = path.split_first() else {
            *self = value;
            return;
        };
        if !matches!(self, Values::Map(_)) {
            *self = Values::map();
        }
        if let Values::Map(map) = self {
            let child = map.entry((*first).to_string()).or_insert_with(Values::map);
            child.set(rest, value);
        }
    }

    /// A string leaf.
    pub fn str(text: impl Into<String>) -> Values {
        Values::Leaf(HelmValue::Str(text.into()))
    }

    /// A boolean leaf.
    pub fn bool(b: bool) -> Values {
        Values::Leaf(HelmValue::Bool(b))
    }

    /// An integer leaf.
    pub fn int(n: i64) -> Values {
        Values::Leaf(HelmValue::Int(n))
    }

    /// Whether this is an empty map.
    pub fn is_empty(&self) -> bool {
        matches!(self, Values::Map(m) if m.is_empty())
    }
}

/// The values a lab writes for a chart, as a tree.
pub fn lab_values(chart: &HelmChart) -> Values {
    let mut values = Values::map();
    for (path, value) in &chart.values {
        let path: Vec<&str> = path.iter().map(String::as_str).collect();
        values.set(&path, Values::Leaf(value.clone()));
    }
    values
}

/// The values as the YAML text of `valuesContent`; empty when there are none.
pub fn values_yaml(values: &Values) -> String {
    if values.is_empty() {
        return String::new();
    }
    let options = serde_saphyr::ser_options! { compact_list_indent: false };
    // A tree of strings, numbers and maps always serialises; should it not, the
    // release installs with the chart's defaults and the text says why.
    serde_saphyr::to_string_with_options(values, options)
        .unwrap_or_else(|e| format!("# cannot serialise these values: {e}\n"))
}

/// The HelmChart object of a release.
pub fn helm_chart_object(
    name: &str,
    repo: Option<&str>,
    chart: &str,
    version: &str,
    namespace: &str,
    values: &Values,
    labels: BTreeMap<String, String>,
) -> HelmChartObject {
    HelmChartObject {
        api_version: "helm.cattle.io/v1",
        kind: "HelmChart",
        metadata: ObjectMeta {
            name: dns_label(name),
            namespace: Some("kube-system".into()),
            labels,
        },
        spec: HelmChartSpec {
            repo: repo.map(str::to_string),
            chart: chart.to_string(),
            version: version.to_string(),
            target_namespace: dns_label(namespace),
            create_namespace: true,
            values_content: values_yaml(values),
        },
    }
}
