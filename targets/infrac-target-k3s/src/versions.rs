//! Pinned releases of what the generated files install, each with where it was read.
//! Bump them together with the snapshots; a lab pins its own k3s with `version = "…"`.

/// The k3s release installed when a cluster does not pin one: the release the k3s stable
/// channel pointed to at the last update, k3s-io/k3s pull request 14553 "[main] Update
/// stable to v1.36.4+k3s1" (merged 2026-08-27), the newest stable-channel update found in
/// December 2026.
pub const K3S: &str = "v1.36.4+k3s1";

/// The kube-vip image tag of the static pod: kube-vip release v1.2.4, the newest release
/// in December 2026 (named by kube-vip/helm-charts pull request 113, 2026-09-16, which
/// links github.com/kube-vip/kube-vip/releases/tag/v1.2.4).
pub const KUBE_VIP: &str = "v1.2.4";

/// Where kube-vip's image is published (the repository its own manifest generator,
/// `pkg/kubevip/config_generator.go`, writes into the Pod).
pub const KUBE_VIP_IMAGE: &str = "ghcr.io/kube-vip/kube-vip";

/// The official k3s installer the install scripts download at run time
/// (docs.k3s.io/installation/configuration, "Configuration with install script").
pub const INSTALLER_URL: &str = "https://get.k3s.io";
