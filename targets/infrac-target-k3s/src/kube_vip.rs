//! kube-vip as a static pod on a server: it holds the cluster's API address on the
//! server's interface, answering ARP for it, while this server leads (leader election
//! through a Kubernetes Lease, so exactly one server holds the address).
//!
//! The Pod is the one kube-vip's own generator writes (`kube-vip manifest pod --arp
//! --controlplane --leaderElection`, `pkg/kubevip/config_generator.go`), with the
//! environment variable names of `pkg/kubevip/config_envvar.go`, and two changes for k3s:
//! the kubelet of k3s reads static pods from `/var/lib/rancher/k3s/agent/pod-manifests`
//! (`DefaultPodManifestPath` under the agent's data directory, `pkg/agent/config`), and
//! the kubeconfig mounted at kube-vip's default path is k3s's admin kubeconfig
//! `/etc/rancher/k3s/k3s.yaml`, which talks to the API server on the same machine.

use crate::versions;
use infrac_model::kube::API_PORT;
use serde::Serialize;
use std::collections::BTreeMap;
use std::net::IpAddr;

/// Where the install script puts the manifest.
pub const MANIFEST_PATH: &str = "/var/lib/rancher/k3s/agent/pod-manifests/kube-vip.yaml";

/// The kubeconfig k3s writes for its administrator on every server.
const K3S_KUBECONFIG: &str = "/etc/rancher/k3s/k3s.yaml";

/// Where kube-vip looks for a kubeconfig unless told otherwise.
const KUBE_VIP_KUBECONFIG: &str = "/etc/kubernetes/admin.conf";

/// A `v1/Pod`, with only the fields this target sets.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Pod {
    pub api_version: &'static str,
    pub kind: &'static str,
    pub metadata: Metadata,
    pub spec: PodSpec,
}

#[derive(Debug, Clone, Serialize)]
pub struct Metadata {
    pub name: &'static str,
    pub namespace: &'static str,
    pub labels: BTreeMap<&'static str, String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PodSpec {
    pub host_network: bool,
    pub containers: Vec<Container>,
    pub volumes: Vec<Volume>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Container {
    pub name: &'static str,
    pub image: String,
    pub image_pull_policy: &'static str,
    pub args: Vec<&'static str>,
    pub env: Vec<EnvVar>,
    pub security_context: SecurityContext,
    pub volume_mounts: Vec<VolumeMount>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvVar {
    pub name: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value_from: Option<EnvVarSource>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvVarSource {
    pub field_ref: FieldRef,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldRef {
    pub field_path: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct SecurityContext {
    pub capabilities: Capabilities,
}

#[derive(Debug, Clone, Serialize)]
pub struct Capabilities {
    pub add: Vec<&'static str>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VolumeMount {
    pub name: &'static str,
    pub mount_path: &'static str,
    pub read_only: bool,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Volume {
    pub name: &'static str,
    pub host_path: HostPath,
}

#[derive(Debug, Clone, Serialize)]
pub struct HostPath {
    pub path: &'static str,
    #[serde(rename = "type")]
    pub kind: &'static str,
}

fn value(name: &'static str, value: impl Into<String>) -> EnvVar {
    EnvVar {
        name,
        value: Some(value.into()),
        value_from: None,
    }
}

/// The static pod holding `api` on `interface`.
pub fn pod(interface: &str, api: IpAddr) -> Pod {
    let host_bits = if api.is_ipv4() { 32 } else { 128 };
    let env = vec![
        value("vip_arp", "true"),
        value("port", API_PORT.to_string()),
        value("vip_interface", interface),
        value("vip_subnet", host_bits.to_string()),
        value("cp_enable", "true"),
        value("cp_namespace", "kube-system"),
        value("vip_leaderelection", "true"),
        // kube-vip's `manifest` command writes these lease timings (seconds): a failed
        // leader's address moves within about five seconds.
        value("vip_leaseduration", "5"),
        value("vip_renewdeadline", "3"),
        value("vip_retryperiod", "1"),
        // The Lease names the Kubernetes node, which is the machine's name.
        EnvVar {
            name: "vip_nodename",
            value: None,
            value_from: Some(EnvVarSource {
                field_ref: FieldRef {
                    field_path: "spec.nodeName",
                },
            }),
        },
        value("address", api.to_string()),
    ];
    Pod {
        api_version: "v1",
        kind: "Pod",
        metadata: Metadata {
            name: "kube-vip",
            namespace: "kube-system",
            labels: BTreeMap::from([
                ("app.kubernetes.io/name", "kube-vip".to_string()),
                ("app.kubernetes.io/version", versions::KUBE_VIP.to_string()),
                ("app.kubernetes.io/managed-by", "infrac".to_string()),
            ]),
        },
        spec: PodSpec {
            host_network: true,
            containers: vec![Container {
                name: "kube-vip",
                image: format!("{}:{}", versions::KUBE_VIP_IMAGE, versions::KUBE_VIP),
                // The tag is pinned, so a cached image is the right one.
                image_pull_policy: "IfNotPresent",
                args: vec!["manager"],
                env,
                security_context: SecurityContext {
                    capabilities: Capabilities {
                        add: vec!["NET_ADMIN", "NET_RAW"],
                    },
                },
                volume_mounts: vec![VolumeMount {
                    name: "kubeconfig",
                    mount_path: KUBE_VIP_KUBECONFIG,
                    read_only: true,
                }],
            }],
            volumes: vec![Volume {
                name: "kubeconfig",
                host_path: HostPath {
                    path: K3S_KUBECONFIG,
                    kind: "File",
                },
            }],
        },
    }
}
