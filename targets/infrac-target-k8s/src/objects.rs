//! Typed Kubernetes objects: only the kinds and fields this target emits.
//!
//! Field names follow the Kubernetes API (camelCase); optional fields are left out when
//! empty so the YAML stays minimal and every field validates in strict mode.

use serde::Serialize;
use std::collections::BTreeMap;

/// `metadata` of every object.
#[derive(Debug, Clone, Serialize)]
pub struct ObjectMeta {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

/// `metadata` of a pod template or claim template (no name or namespace of its own).
#[derive(Debug, Clone, Serialize)]
pub struct TemplateMeta {
    pub labels: BTreeMap<String, String>,
}

/// A `v1/Namespace`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Namespace {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub metadata: ObjectMeta,
}

/// An `apps/v1/Deployment`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Deployment {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub metadata: ObjectMeta,
    pub spec: DeploymentSpec,
}

/// The spec of a Deployment.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeploymentSpec {
    pub replicas: u32,
    pub selector: LabelSelector,
    pub template: PodTemplate,
}

/// An `apps/v1/StatefulSet`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatefulSet {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub metadata: ObjectMeta,
    pub spec: StatefulSetSpec,
}

/// The spec of a StatefulSet.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatefulSetSpec {
    pub replicas: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_name: Option<String>,
    pub selector: LabelSelector,
    pub template: PodTemplate,
    pub volume_claim_templates: Vec<PersistentVolumeClaim>,
}

/// `matchLabels` of a workload.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelSelector {
    pub match_labels: BTreeMap<String, String>,
}

/// A pod template.
#[derive(Debug, Clone, Serialize)]
pub struct PodTemplate {
    pub metadata: TemplateMeta,
    pub spec: PodSpec,
}

/// A pod spec.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PodSpec {
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub host_network: bool,
    /// `ClusterFirstWithHostNet` for a pod on the host network, so it still resolves
    /// cluster names.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dns_policy: Option<&'static str>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub node_selector: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runtime_class_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub security_context: Option<PodSecurityContext>,
    pub containers: Vec<Container>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub volumes: Vec<PodVolume>,
}

/// The pod's security context: who owns its volumes.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PodSecurityContext {
    pub fs_group: u32,
    /// Only re-own a volume whose root has the wrong group, so a large volume does not
    /// delay every start.
    pub fs_group_change_policy: &'static str,
}

/// A volume of a pod (claims of a StatefulSet are its claim templates instead).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PodVolume {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub config_map: Option<ConfigMapVolume>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nfs: Option<NfsVolume>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host_path: Option<HostPathVolume>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub empty_dir: Option<EmptyDirVolume>,
}

/// A ConfigMap as a volume.
#[derive(Debug, Clone, Serialize)]
pub struct ConfigMapVolume {
    pub name: String,
}

/// An NFS export as a volume.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NfsVolume {
    pub server: String,
    pub path: String,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub read_only: bool,
}

/// A folder of the node as a volume.
#[derive(Debug, Clone, Serialize)]
pub struct HostPathVolume {
    pub path: String,
    #[serde(rename = "type")]
    pub type_: &'static str,
}

/// Scratch space as a volume.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EmptyDirVolume {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size_limit: Option<String>,
}

/// A `v1/ConfigMap` holding an app's files.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfigMap {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub metadata: ObjectMeta,
    pub data: BTreeMap<String, String>,
}

/// One container.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Container {
    pub name: String,
    pub image: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub command: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<ContainerPort>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<EnvVar>,
    #[serde(skip_serializing_if = "Resources::is_empty")]
    pub resources: Resources,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub readiness_probe: Option<Probe>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub liveness_probe: Option<Probe>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub volume_mounts: Vec<VolumeMount>,
}

/// A port a container listens on.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerPort {
    pub name: String,
    pub container_port: u16,
    /// The node's port bound to it (the app's `host_ports`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host_port: Option<u16>,
    pub protocol: &'static str,
}

/// An environment variable: a literal value or a reference to a Secret's key.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvVar {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_from: Option<EnvVarSource>,
}

/// Where an environment variable's value comes from.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvVarSource {
    pub secret_key_ref: SecretKeySelector,
}

/// A key of a Secret in the pod's namespace.
#[derive(Debug, Clone, Serialize)]
pub struct SecretKeySelector {
    pub name: String,
    pub key: String,
}

/// Requests and limits, as Kubernetes quantities (`250m`, `256Mi`).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Resources {
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub requests: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub limits: BTreeMap<&'static str, String>,
}

impl Resources {
    /// Whether neither requests nor limits are set.
    pub fn is_empty(&self) -> bool {
        self.requests.is_empty() && self.limits.is_empty()
    }
}

/// An HTTP probe.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Probe {
    pub http_get: HttpGet,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period_seconds: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout_seconds: Option<u64>,
}

/// The request an HTTP probe makes.
#[derive(Debug, Clone, Serialize)]
pub struct HttpGet {
    pub path: String,
    pub port: u16,
}

/// Where a volume is mounted in a container.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VolumeMount {
    pub name: String,
    pub mount_path: String,
    /// One key of a ConfigMap mounted as one file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub_path: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub read_only: bool,
}

/// A `v1/PersistentVolumeClaim`, as a StatefulSet's claim template.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PersistentVolumeClaim {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub metadata: ClaimMeta,
    pub spec: ClaimSpec,
}

/// `metadata` of a claim template: its name is the volume's.
#[derive(Debug, Clone, Serialize)]
pub struct ClaimMeta {
    pub name: String,
    pub labels: BTreeMap<String, String>,
}

/// The spec of a claim.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClaimSpec {
    pub access_modes: Vec<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub storage_class_name: Option<String>,
    pub resources: ClaimResources,
}

/// The storage a claim requests.
#[derive(Debug, Clone, Serialize)]
pub struct ClaimResources {
    pub requests: BTreeMap<&'static str, String>,
}

/// A `v1/Service`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Service {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub metadata: ObjectMeta,
    pub spec: ServiceSpec,
}

/// The spec of a Service.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceSpec {
    #[serde(rename = "type")]
    pub type_: &'static str,

    #[serde(rename = "clusterIP", skip_serializing_if = "Option::is_none")]
    pub cluster_ip: Option<&'static str>,
    pub selector: BTreeMap<String, String>,
    pub ports: Vec<ServicePort>,
}

/// One port of a Service.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServicePort {
    pub name: String,
    pub port: u16,
    pub target_port: String,
    pub protocol: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node_port: Option<u16>,
}

/// A `networking.k8s.io/v1/Ingress`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Ingress {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub metadata: ObjectMeta,
    pub spec: IngressSpec,
}

/// The spec of an Ingress.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IngressSpec {
    pub ingress_class_name: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tls: Vec<IngressTls>,
    pub rules: Vec<IngressRule>,
}

/// TLS for host names of an Ingress: the certificate in `secretName`, or the ingress
/// controller's default certificate when none is named.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IngressTls {
    pub hosts: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret_name: Option<String>,
}

/// One host name of an Ingress.
#[derive(Debug, Clone, Serialize)]
pub struct IngressRule {
    pub host: String,
    pub http: HttpIngress,
}

/// The HTTP paths of an Ingress rule.
#[derive(Debug, Clone, Serialize)]
pub struct HttpIngress {
    pub paths: Vec<IngressPath>,
}

/// One path and the Service port it leads to.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IngressPath {
    pub path: String,
    pub path_type: &'static str,
    pub backend: IngressBackend,
}

/// The backend of an Ingress path.
#[derive(Debug, Clone, Serialize)]
pub struct IngressBackend {
    pub service: ServiceBackend,
}

/// A Service and port as an Ingress backend.
#[derive(Debug, Clone, Serialize)]
pub struct ServiceBackend {
    pub name: String,
    pub port: ServiceBackendPort,
}

/// A Service port by number.
#[derive(Debug, Clone, Serialize)]
pub struct ServiceBackendPort {
    pub number: u16,
}

/// `kustomization.yaml`. `apiVersion` and `kind` are optional for kustomize and left
/// out, so schema validators do not mistake the file for a cluster object.
#[derive(Debug, Clone, Serialize)]
pub struct Kustomization {
    pub resources: Vec<String>,
}
